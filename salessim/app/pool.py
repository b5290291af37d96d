"""One process pool for the whole server, shared by every browser session.

Simulations never run in a Streamlit script thread: a running replication holds the GIL and
would slow every other student's page. Each request is split into the same picklable tasks
the library runs (:func:`salessim.experiments.run_chunk`: a scenario's data, the master seed and
some replication indices), so the app's numbers are the library's for the same inputs and seed.

The pool is created with the ``forkserver`` start method (``spawn`` where there is none): forked
workers would inherit the web server's listening socket and outlive it. Finished replications
go to a :class:`~salessim.app.results_cache.ResultCache`; a replication already computed, or
being computed for another session, is reused rather than run again. A session that changes its
inputs mid-run cancels its job: tasks no other session waits for and that have not started are
dropped.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ALL_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from types import TracebackType
from typing import Any

from salessim.app.budget import replication_work
from salessim.app.results_cache import ResultCache, RunKey, scenario_fingerprint
from salessim.config import Scenario
from salessim.errors import SalessimError
from salessim.experiments import run_chunk
from salessim.parallel import default_workers

WORKERS_ENV = "SALESSIM_APP_WORKERS"
"""Worker processes of the app's pool (``salessim serve --workers`` sets it)."""
MAX_CHUNK = 10
TASK_UNITS = 2.0
"""Work per task, in baseline replications (~0.6 s): short tasks keep the pool fair between
sessions and let a cancelled job free it soon (a started task cannot be cancelled)."""

Run = dict[str, Any]
Slot = tuple[int, int]  # (scenario position in the request, replication index)


class JobFailed(SalessimError):
    """Some replications of a request failed; the message names them."""


def app_workers() -> int:
    """Worker processes for the app: $SALESSIM_APP_WORKERS, else one per core."""
    text = os.environ.get(WORKERS_ENV, "").strip()
    if text:
        try:
            return max(1, int(text))
        except ValueError:
            raise SalessimError(f"{WORKERS_ENV} must be a whole number (got {text!r})") from None
    return default_workers()


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # Workers fork from a server that has imported the model once, not from the web server.
    context.set_forkserver_preload([run_chunk.__module__])
    return context


class SimulationPool:
    """A process pool, a result cache and the tasks in flight, shared by all sessions."""

    def __init__(self, workers: int, cache: ResultCache | None = None) -> None:
        self.workers = max(1, workers)
        self.cache = cache if cache is not None else ResultCache()
        self._lock = threading.RLock()
        self._executor: ProcessPoolExecutor | None = None
        self._inflight: dict[RunKey, Future[list[Run]]] = {}
        self._waiters: dict[Future[list[Run]], int] = {}

    def submit(self, scenarios: Sequence[Scenario], n: int, seed: int, series: bool = True) -> Job:
        """Start replications 0..n-1 of every scenario from master `seed` (as run_scenarios).

        Returns at once; the Job reports progress and gives the runs in replication order.
        """
        if n < 1:
            raise ValueError("n must be at least 1")
        data = [sc.model_dump(mode="json") for sc in scenarios]
        keys = [scenario_fingerprint(d) for d in data]
        ready: dict[Slot, Run] = {}
        needs: dict[Future[list[Run]], list[Slot]] = {}
        labels: dict[Future[list[Run]], str] = {}
        with self._lock:
            todo: dict[str, list[int]] = {}
            for k, key in enumerate(keys):
                for i in range(n):
                    run_key = RunKey(key, seed, i, series)
                    run = self.cache.get(run_key)
                    if run is not None:
                        ready[(k, i)] = run
                        continue
                    future = self._inflight.get(run_key)
                    if future is not None:
                        needs.setdefault(future, []).append((k, i))
                    elif i not in todo.setdefault(key, []):
                        todo[key].append(i)
            wanted = sum(len(indices) for indices in todo.values())
            balance = math.ceil(wanted / (self.workers * 3))
            for key, indices in todo.items():
                k0 = keys.index(key)
                per_task = math.ceil(TASK_UNITS / max(replication_work(scenarios[k0]), 1e-3))
                size = max(1, min(MAX_CHUNK, balance, per_task))
                for start in range(0, len(indices), size):
                    chunk = indices[start : start + size]
                    future = self._start(data[k0], key, seed, chunk, series)
                    labels[future] = (
                        f"scenario '{scenarios[k0].name}', seed {seed}, "
                        f"replications {chunk[0]}-{chunk[-1]}"
                    )
                    for k in (k for k, other in enumerate(keys) if other == key):
                        needs.setdefault(future, []).extend((k, i) for i in chunk)
            for future in needs:
                self._waiters[future] = self._waiters.get(future, 0) + 1
        return Job(self, len(scenarios), n, ready, needs, labels)

    def warm_up(self) -> None:
        """Start the worker processes now, so that the first request does not wait for them."""
        with self._lock:
            executor = self._get_executor()
            for _ in range(self.workers):
                executor.submit(os.getpid)

    def shutdown(self) -> None:
        """Stop the workers; tasks not started are cancelled."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    # ------------------------------------------------------------------ internals
    def _start(
        self, data: dict[str, Any], key: str, seed: int, chunk: list[int], series: bool
    ) -> Future[list[Run]]:
        """Submit one chunk (the lock is held) and register its replications as in flight."""
        for attempt in range(2):
            executor = self._get_executor()
            try:
                future = executor.submit(run_chunk, data, seed, chunk, series)
            except BrokenProcessPool:
                if attempt:
                    raise
                self._drop_executor(executor)
                continue
            break
        for i in chunk:
            self._inflight[RunKey(key, seed, i, series)] = future
        future.add_done_callback(partial(self._finished, executor, key, seed, chunk, series))
        return future

    def _get_executor(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=_context())
        return self._executor

    def _drop_executor(self, executor: ProcessPoolExecutor) -> None:
        """Forget a broken executor; the next task starts a new one."""
        with self._lock:
            if self._executor is executor:
                self._executor = None
        executor.shutdown(wait=False, cancel_futures=True)

    def _finished(
        self,
        executor: ProcessPoolExecutor,
        key: str,
        seed: int,
        chunk: list[int],
        series: bool,
        future: Future[list[Run]],
    ) -> None:
        """Done callback: keep the runs, then stop advertising them as in flight."""
        exc = None if future.cancelled() else future.exception()
        if not future.cancelled() and exc is None:
            for run in future.result():
                self.cache.put(RunKey(key, seed, int(run["replication"]), series), run)
        with self._lock:
            for i in chunk:
                run_key = RunKey(key, seed, i, series)
                if self._inflight.get(run_key) is future:
                    del self._inflight[run_key]
        if isinstance(exc, BrokenProcessPool):
            self._drop_executor(executor)

    def _release(self, futures: Sequence[Future[list[Run]]]) -> None:
        """A job no longer waits for `futures`: cancel those nobody else waits for."""
        with self._lock:
            for future in futures:
                left = self._waiters.get(future, 0) - 1
                if left > 0:
                    self._waiters[future] = left
                    continue
                self._waiters.pop(future, None)
                future.cancel()  # only tasks not yet started can be cancelled

    def tasks_in_flight(self) -> int:
        """Chunks submitted and not finished (for tests and the status line)."""
        with self._lock:
            return len(set(self._inflight.values()))


class Job:
    """One request's replications: progress while they run, runs in order when done.

    Use it as a context manager (or call :meth:`cancel`) so that an abandoned job frees the
    pool: leaving the block cancels whatever no other session still waits for.
    """

    def __init__(
        self,
        pool: SimulationPool,
        scenarios: int,
        n: int,
        ready: dict[Slot, Run],
        needs: dict[Future[list[Run]], list[Slot]],
        labels: dict[Future[list[Run]], str],
    ) -> None:
        self._pool = pool
        self._scenarios = scenarios
        self._n = n
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
            if isinstance(exc, BrokenProcessPool):
                failures.append(f"{self._labels.get(future, 'a task')}: a worker process died")
            elif exc is not None:
                failures.append(f"{type(exc).__name__}: {exc}")
            else:
                by_index = {int(run["replication"]): run for run in future.result()}
                for k, i in wanted:
                    slots[(k, i)] = by_index[i]
        if failures:
            shown = "; ".join(dict.fromkeys(failures))
            raise JobFailed(f"{len(failures)} of {len(self._needs)} tasks failed: {shown}")
        return [[slots[(k, i)] for i in range(self._n)] for k in range(self._scenarios)]

    def cancel(self) -> None:
        """Stop waiting: tasks nobody else needs and not yet started are dropped. Idempotent."""
        if not self._released:
            self._released = True
            self._pool._release(list(self._needs))

    def __enter__(self) -> Job:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cancel()
