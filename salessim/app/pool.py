"""One process pool for the whole server, shared by every browser session.

Simulations never run in a Streamlit script thread: a running replication holds the GIL and
would slow every other student's page. Each request is split into the same picklable tasks
the library runs (:func:`salessim.experiments.run_chunk`: a scenario's data, the master seed and
some replication indices), so the app's numbers are the library's for the same inputs and seed.

The pool is created with the ``forkserver`` start method (``spawn`` where there is none): forked
workers would inherit the web server's listening socket and outlive it. Finished replications
go to a :class:`~salessim.app.results_cache.ResultCache`; a replication already computed, or
queued or running for another session, is reused rather than run again: the second session waits
for the same task (and takes it up in its own turn if it has not started). A session that changes
its inputs mid-run cancels its job: tasks no other session waits for and that have not started are
dropped, running ones stopped.

Each job hands out its replications in index order, every scenario's replication *i* beside the
others' (so that the first ones finished already make a paired comparison), and the first
:data:`~salessim.app.budget.FIRST_ESTIMATE_REPLICATIONS` of every job come before anybody's later
ones: with a class pressing Run at once, every student gets a first estimate before any final
answer is worked on.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import resource
import shutil
import signal
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ALL_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from salessim.app.budget import FIRST_ESTIMATE_REPLICATIONS, replication_work
from salessim.app.results_cache import ResultCache, RunKey, scenario_fingerprint
from salessim.config import Scenario
from salessim.errors import SalessimError
from salessim.experiments import ReplicationError, run_chunk
from salessim.parallel import default_workers, pool_context

WORKERS_ENV = "SALESSIM_APP_WORKERS"
"""Worker processes of the app's pool (``salessim serve --workers`` sets it)."""
TASK_SECONDS_ENV = "SALESSIM_APP_TASK_SECONDS"
"""Wall-clock seconds one task may run before it is stopped (default TASK_SECONDS)."""
MEMORY_ENV = "SALESSIM_APP_WORKER_MEMORY_MB"
"""Address space one worker process may use, in MB (default WORKER_MEMORY_MB)."""
MAX_CHUNK = 10
TASK_UNITS = 2.0
"""Work per task, in baseline replications (~1 s): short tasks keep the pool fair between
sessions and let a cancelled job free it soon."""
TASK_SECONDS = 90.0
"""A task of at most MAX_REPLICATION_UNITS or TASK_UNITS of estimated work takes well under a
minute; one still running after this long is stopped (the estimate was wrong, or the machine is
swamped) and its job fails with a message saying so."""
WORKER_MEMORY_MB = 2048
"""A replication of the largest scenario the app accepts needs a few hundred MB at most."""
_CHECK_SECONDS = 0.2
"""How often a running task checks its time limit and whether it was cancelled."""

Run = dict[str, Any]
Slot = tuple[int, int]  # (scenario position in the request, replication index)


class JobFailed(SalessimError):
    """Some replications of a request failed; the message names them."""


class TaskStopped(SalessimError):
    """A running task was stopped: cancelled by its job, or past its time limit."""


def _env_number(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise SalessimError(f"{name} must be a number (got {text!r})") from None
    if not value > 0:
        raise SalessimError(f"{name} must be above zero (got {text!r})")
    return value


def app_workers() -> int:
    """Worker processes for the app: $SALESSIM_APP_WORKERS, else one per core."""
    text = os.environ.get(WORKERS_ENV, "").strip()
    if text:
        try:
            return max(1, int(text))
        except ValueError:
            raise SalessimError(f"{WORKERS_ENV} must be a whole number (got {text!r})") from None
    return default_workers()


# ------------------------------------------------------------------ in the worker processes
def limit_memory(megabytes: float) -> None:
    """Worker initializer: cap the process's address space, so that a runaway run ends in a
    MemoryError in its own worker instead of taking the server's memory."""
    limit = int(megabytes * 1024 * 1024)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


@contextlib.contextmanager
def _watched(flag: Path, seconds: float) -> Iterator[None]:
    """Raise TaskStopped inside the block once `flag` exists or `seconds` have passed.

    A timer signal checks every _CHECK_SECONDS; the exception unwinds the simulation at its
    next Python step. Runs in the worker's main thread (where the pool runs tasks)."""
    deadline = time.monotonic() + seconds
    armed = True

    def check(_signum: int, _frame: FrameType | None) -> None:
        if not armed:
            return
        if flag.exists():
            raise TaskStopped("cancelled")
        if time.monotonic() > deadline:
            raise TaskStopped(f"stopped after {seconds:,.0f} s, the time limit of one task")

    previous = signal.signal(signal.SIGALRM, check)
    signal.setitimer(signal.ITIMER_REAL, _CHECK_SECONDS, _CHECK_SECONDS)
    try:
        yield
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_task(
    data: dict[str, Any],
    seed: int,
    chunk: list[int],
    series: bool,
    flag: str,
    seconds: float,
) -> list[Run]:
    """One task in a worker: the library's run_chunk, stoppable and time-limited."""
    try:
        with _watched(Path(flag), seconds):
            return run_chunk(data, seed, chunk, series)
    except ReplicationError as exc:
        # Stopped, or out of memory: say so plainly rather than as a replication's error.
        if isinstance(exc.__cause__, TaskStopped | MemoryError):
            raise exc.__cause__ from None
        raise


# ------------------------------------------------------------------------ in the server
@dataclass(eq=False)
class _Task:
    """A chunk of replications of one scenario, queued for a job or running in a worker."""

    token: int
    job: int
    data: dict[str, Any]
    key: str
    seed: int
    chunk: list[int]
    series: bool
    work: float
    """Estimated work of the whole chunk, in baseline-replication units."""
    future: Future[list[Run]] = field(default_factory=Future)
    running: Future[list[Run]] | None = None

    @property
    def early(self) -> bool:
        """Whether the task holds first replications (those of a first estimate)."""
        return self.chunk[0] < FIRST_ESTIMATE_REPLICATIONS

    def started(self) -> bool:
        """Handed to a worker, finished or cancelled: no longer to be handed out."""
        return self.future.running() or self.future.done()


class SimulationPool:
    """A process pool, a result cache and the tasks in flight, shared by all sessions.

    Tasks are not handed to the worker processes all at once: each job (one session's request)
    has its own queue, in replication order, and whenever a worker is free one job gives it its
    next task. Jobs whose next task holds first replications (below
    FIRST_ESTIMATE_REPLICATIONS) go before the others, so every session gets a first estimate
    before anybody's later replications run; among those, and then among the rest, the job with
    the least work left in that stage goes first (the oldest among equals). A big request
    therefore slows a small one by at most about one task per worker, never by its whole
    length, and a class's answers come one after another rather than all at the end. A task
    another job waits for is in that job's queue too, so it runs at the first turn of any job
    that needs it. A running task stops when every job that needs it is cancelled, or when it
    runs past its time limit; each worker's memory is capped.
    """

    def __init__(
        self,
        workers: int,
        cache: ResultCache | None = None,
        *,
        task_seconds: float | None = None,
        memory_mb: float | None = None,
    ) -> None:
        self.workers = max(1, workers)
        self.cache = cache if cache is not None else ResultCache()
        if task_seconds is None:
            task_seconds = _env_number(TASK_SECONDS_ENV, TASK_SECONDS)
        if memory_mb is None:
            memory_mb = _env_number(MEMORY_ENV, WORKER_MEMORY_MB)
        self.task_seconds = task_seconds
        self.memory_mb = memory_mb
        self._lock = threading.RLock()
        self._executor: ProcessPoolExecutor | None = None
        self._inflight: dict[RunKey, Future[list[Run]]] = {}
        self._waiters: dict[Future[list[Run]], int] = {}
        self._tasks: dict[Future[list[Run]], _Task] = {}
        self._queues: dict[int, deque[_Task]] = {}
        self._running = 0
        self._serial = itertools.count()
        self._flags = Path(tempfile.mkdtemp(prefix="salessim-pool-"))

    def submit(self, scenarios: Sequence[Scenario], n: int, seed: int, series: bool = True) -> Job:
        """Start replications 0..n-1 of every scenario from master `seed` (as run_scenarios).

        Returns at once; the Job reports progress and gives the runs in replication order.
        """
        if n < 1:
            raise ValueError("n must be at least 1")
        data = [sc.model_dump(mode="json") for sc in scenarios]
        keys = [scenario_fingerprint(d) for d in data]
        work = [replication_work(sc) for sc in scenarios]
        ready: dict[Slot, Run] = {}
        needs: dict[Future[list[Run]], list[Slot]] = {}
        labels: dict[Future[list[Run]], str] = {}
        with self._lock:
            job = next(self._serial)
            todo: dict[str, list[int]] = {}
            for k, key in enumerate(keys):
                for i in range(n):
                    run_key = RunKey(key, seed, i, series)
                    run = self.cache.get(run_key)
                    if run is not None:
                        ready[(k, i)] = run
                        continue
                    future = self._in_flight(run_key)
                    if future is not None:
                        needs.setdefault(future, []).append((k, i))
                    elif i not in todo.setdefault(key, []):
                        todo[key].append(i)
            wanted = sum(len(indices) for indices in todo.values())
            balance = math.ceil(wanted / (self.workers * 3))
            # (first replication the job needs of it, scenario position, task)
            order: list[tuple[int, int, _Task]] = []
            for key, indices in todo.items():
                k0 = keys.index(key)
                per_task = math.ceil(TASK_UNITS / max(work[k0], 1e-3))
                size = max(1, min(MAX_CHUNK, balance, per_task))
                # A chunk never straddles the first estimate's replications and the later ones.
                stages = (
                    [i for i in indices if i < FIRST_ESTIMATE_REPLICATIONS],
                    [i for i in indices if i >= FIRST_ESTIMATE_REPLICATIONS],
                )
                for stage in stages:
                    for start in range(0, len(stage), size):
                        chunk = stage[start : start + size]
                        task = self._queue_task(
                            job, data[k0], key, seed, chunk, series, work[k0] * len(chunk)
                        )
                        order.append((chunk[0], k0, task))
                        labels[task.future] = (
                            f"scenario '{scenarios[k0].name}', seed {seed}, "
                            f"replications {chunk[0]}-{chunk[-1]}"
                        )
                        for k in (k for k, other in enumerate(keys) if other == key):
                            needs.setdefault(task.future, []).extend((k, i) for i in chunk)
            for future, slots in needs.items():
                self._waiters[future] = self._waiters.get(future, 0) + 1
                other = self._tasks.get(future)
                if other is not None and other.job != job and not other.started():
                    # Another session's queued task: this job hands it out in its own turn too.
                    order.append((min(i for _, i in slots), min(k for k, _ in slots), other))
            order.sort(key=lambda entry: entry[:2])
            if order:
                self._queues[job] = deque(task for _, _, task in order)
            self._dispatch()
        return Job(self, job, len(scenarios), n, series, ready, needs, labels)

    def warm_up(self) -> None:
        """Start the worker processes now, so that the first request does not wait for them."""
        with self._lock:
            executor = self._get_executor()
            for _ in range(self.workers):
                executor.submit(os.getpid)

    def shutdown(self) -> None:
        """Stop the workers; tasks not started are cancelled, running ones stopped."""
        with self._lock:
            executor, self._executor = self._executor, None
            for task in list(self._tasks.values()):
                _drop(task.future)
                self._flag(task).touch()
            self._queues.clear()
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self._flags, ignore_errors=True)

    def tasks_in_flight(self) -> int:
        """Tasks queued or running and not finished (for tests and the status line)."""
        with self._lock:
            return len(set(self._inflight.values()))

    def tasks_running(self) -> int:
        """Tasks handed to worker processes and not finished."""
        with self._lock:
            return self._running

    # ------------------------------------------------------------------ internals
    def _flag(self, task: _Task) -> Path:
        return self._flags / str(task.token)

    def _in_flight(self, run_key: RunKey) -> Future[list[Run]] | None:
        """The task queued or running for `run_key` (the lock is held); a run without weekly
        series is also served by one with them, as from the cache."""
        future = self._inflight.get(run_key)
        if future is None and not run_key.series:
            future = self._inflight.get(run_key._replace(series=True))
        return future

    def _queue_task(
        self,
        job: int,
        data: dict[str, Any],
        key: str,
        seed: int,
        chunk: list[int],
        series: bool,
        work: float,
    ) -> _Task:
        """Create a task (the lock is held) and register its replications as in flight."""
        task = _Task(next(self._serial), job, data, key, seed, chunk, series, work)
        self._tasks[task.future] = task
        for i in chunk:
            self._inflight[RunKey(key, seed, i, series)] = task.future
        task.future.add_done_callback(partial(self._done, task))
        return task

    def _next_task(self) -> _Task | None:
        """The next task to hand out (the lock is held): the next of the job whose next task
        holds first replications, or failing that of any job, with the least work left in that
        stage; the oldest job among equals. Tasks another job has started are skipped."""
        while True:
            best: tuple[tuple[bool, float, int], deque[_Task]] | None = None
            for job, queue in list(self._queues.items()):
                while queue and queue[0].started():
                    queue.popleft()
                if not queue:
                    del self._queues[job]
                    continue
                early = queue[0].early
                left = sum(t.work for t in queue if t.early == early and not t.started())
                rank = (not early, left, job)
                if best is None or rank < best[0]:
                    best = (rank, queue)
            if best is None:
                return None
            _, queue = best
            task = queue.popleft()
            if task.future.set_running_or_notify_cancel():
                return task

    def _dispatch(self) -> None:
        """Hand queued tasks to free workers, jobs in turn (the lock is held)."""
        while self._running < self.workers:
            task = self._next_task()
            if task is None:
                return
            running: Future[list[Run]] | None = None
            error: BaseException | None = None
            for attempt in range(2):
                executor = self._get_executor()
                try:
                    running = executor.submit(
                        run_task,
                        task.data,
                        task.seed,
                        task.chunk,
                        task.series,
                        str(self._flag(task)),
                        self.task_seconds,
                    )
                except BrokenProcessPool as exc:
                    self._drop_executor(executor)
                    error = exc
                    if attempt:
                        break
                    continue
                break
            if running is None:
                task.future.set_exception(error or BrokenProcessPool("no worker"))
                continue
            task.running = running
            self._running += 1
            running.add_done_callback(partial(self._ran, task, executor))

    def _ran(self, task: _Task, executor: ProcessPoolExecutor, running: Future[list[Run]]) -> None:
        """A worker finished a task (or failed it): pass the outcome on, start the next task."""
        exc = None if running.cancelled() else running.exception()
        with self._lock:
            self._running -= 1
            if isinstance(exc, BrokenProcessPool):
                self._drop_executor(executor)
            if running.cancelled():
                task.future.set_exception(TaskStopped("cancelled"))
            elif exc is not None:
                task.future.set_exception(exc)
            else:
                task.future.set_result(running.result())
            self._dispatch()

    def _done(self, task: _Task, future: Future[list[Run]]) -> None:
        """Done callback of a task's future: keep its runs, stop advertising them in flight."""
        if not future.cancelled() and future.exception() is None:
            for run in future.result():
                self.cache.put(
                    RunKey(task.key, task.seed, int(run["replication"]), task.series), run
                )
        with self._lock:
            self._forget(task)
            self._tasks.pop(future, None)
        with contextlib.suppress(OSError):
            self._flag(task).unlink(missing_ok=True)

    def _forget(self, task: _Task) -> None:
        """Stop offering `task`'s replications to new jobs (the lock is held)."""
        for i in task.chunk:
            run_key = RunKey(task.key, task.seed, i, task.series)
            if self._inflight.get(run_key) is task.future:
                del self._inflight[run_key]

    def _get_executor(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                # Workers fork from a server that has imported the model once, not from
                # the web server.
                mp_context=pool_context(run_chunk),
                initializer=limit_memory,
                initargs=(self.memory_mb,),
            )
        return self._executor

    def _drop_executor(self, executor: ProcessPoolExecutor) -> None:
        """Forget a broken executor; the next task starts a new one."""
        with self._lock:
            if self._executor is executor:
                self._executor = None
        executor.shutdown(wait=False, cancel_futures=True)

    def _release(self, job: int, futures: Sequence[Future[list[Run]]]) -> None:
        """Job `job` no longer waits for `futures`: stop those nobody else waits for — dropped
        from the queue if not started, told to stop if running. (A task another job waits for
        is in that job's queue too.)"""
        with self._lock:
            self._queues.pop(job, None)
            for future in futures:
                left = self._waiters.get(future, 0) - 1
                if left > 0:
                    self._waiters[future] = left
                    continue
                self._waiters.pop(future, None)
                if _drop(future) or future.done():
                    continue
                task = self._tasks.get(future)
                if task is not None:
                    self._forget(task)  # a new job must not wait for a task being stopped
                    with contextlib.suppress(OSError):
                        self._flag(task).touch()


def _drop(future: Future[list[Run]]) -> bool:
    """Cancel a task's future that has not started, and wake those waiting for it: a cancelled
    future counts as done for ``concurrent.futures.wait`` only once notified. Called with the
    pool's lock held, so that nothing else moves the future meanwhile."""
    if future.done() or not future.cancel():
        return False
    future.set_running_or_notify_cancel()
    return True


class Job:
    """One request's replications: progress while they run, the first ones as they finish (in
    replication order), all runs in order when done.

    Use it as a context manager (or call :meth:`cancel`) so that an abandoned job frees the
    pool: leaving the block cancels whatever no other session still waits for.
    """

    def __init__(
        self,
        pool: SimulationPool,
        serial: int,
        scenarios: int,
        n: int,
        series: bool,
        ready: dict[Slot, Run],
        needs: dict[Future[list[Run]], list[Slot]],
        labels: dict[Future[list[Run]], str],
    ) -> None:
        self._pool = pool
        self._serial = serial
        self._scenarios = scenarios
        self._n = n
        self._series = series
        self._ready = ready
        self._needs = needs
        self._labels = labels
        self._released = False

    @property
    def total(self) -> int:
        """Replications asked for (all scenarios)."""
        return self._scenarios * self._n

    @property
    def reused(self) -> int:
        """Replications found already computed when the job started."""
        return len(self._ready)

    def progress(self) -> tuple[int, int]:
        """(replications finished, replications asked for)."""
        done = len(self._ready) + sum(len(slots) for f, slots in self._needs.items() if f.done())
        return done, self.total

    def done(self) -> bool:
        return all(future.done() for future in self._needs)

    def finished_in_order(self) -> int:
        """How many replications, from the first on, have finished for every scenario: m such
        that replications 0..m-1 of each are done (a paired comparison of m replications)."""
        finished = set(self._ready)
        for future, wanted in self._needs.items():
            if future.done() and not future.cancelled() and future.exception() is None:
                finished.update(wanted)
        m = 0
        while m < self._n and all((k, m) in finished for k in range(self._scenarios)):
            m += 1
        return m

    def first_runs(self, m: int) -> list[list[Run]]:
        """Runs per scenario of replications 0..m-1, once :meth:`finished_in_order` reaches
        `m`: the same runs :meth:`result` gives first, so an estimate from them is the final
        answer's own first m replications."""
        if not 0 < m <= self.finished_in_order():
            raise ValueError(f"replications 0-{m - 1} have not all finished")
        slots = dict(self._ready)
        for future, wanted in self._needs.items():
            if any(i < m for _, i in wanted):
                slots.update(self._slots(future, wanted))
        return [[slots[(k, i)] for i in range(m)] for k in range(self._scenarios)]

    def _slots(self, future: Future[list[Run]], wanted: list[Slot]) -> dict[Slot, Run]:
        """The runs a finished task gives this job (without weekly series if it asked for none:
        a task of another job may carry them)."""
        by_index = {int(run["replication"]): run for run in future.result()}
        if self._series:
            return {(k, i): by_index[i] for k, i in wanted}
        return {
            (k, i): {name: value for name, value in by_index[i].items() if name != "weekly"}
            for k, i in wanted
        }

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to `timeout` seconds; True once every replication has finished."""
        if not self._needs:
            return True
        _, pending = wait(list(self._needs), timeout=timeout, return_when=ALL_COMPLETED)
        return not pending

    def result(self) -> list[list[Run]]:
        """Runs per scenario, in replication order; raises JobFailed naming failed tasks."""
        self.wait()
        slots: dict[Slot, Run] = dict(self._ready)
        failures: list[str] = []
        for future, wanted in self._needs.items():
            if future.cancelled():
                raise JobFailed("the run was cancelled before it finished")
            exc = future.exception()
            label = self._labels.get(future, "a task")
            if isinstance(exc, BrokenProcessPool):
                failures.append(f"{label}: a worker process died")
            elif isinstance(exc, TaskStopped):
                failures.append(f"{label}: {exc}")
            elif isinstance(exc, MemoryError):
                failures.append(
                    f"{label}: ran out of memory (a worker may use {self._pool.memory_mb:,.0f} MB)"
                )
            elif exc is not None:
                failures.append(f"{type(exc).__name__}: {exc}")
            else:
                slots.update(self._slots(future, wanted))
        if failures:
            shown = "; ".join(dict.fromkeys(failures))
            raise JobFailed(f"{len(failures)} of {len(self._needs)} tasks failed: {shown}")
        return [[slots[(k, i)] for i in range(self._n)] for k in range(self._scenarios)]

    def cancel(self) -> None:
        """Stop waiting: tasks nobody else needs and not yet started are dropped. Idempotent."""
        if not self._released:
            self._released = True
            self._pool._release(self._serial, list(self._needs))

    def __enter__(self) -> Job:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cancel()
