"""Where replications run: in this process, a local process pool, or an existing Dask cluster.

Every backend takes the same picklable tasks and yields ``(task index, result)`` as tasks
finish, so callers can stream progress and then put results back in task order: the answer
never depends on the backend or the number of workers.

Local workers are tethered to the process that started them: they exit as soon as it dies
(even by SIGKILL) or stops consuming results, so no worker, fork server or resource tracker
outlives a stopped run holding its terminal's output open.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import multiprocessing.forkserver
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from types import FrameType
from typing import Any

from salessim.errors import SalessimError

SCHEDULER_ENV = "SALESSIM_SCHEDULER"
TaskFn = Callable[..., Any]

_SCHEDULER_ADDRESS = re.compile(
    r"(?:(?:tcp|tls|ws|wss|ucx)://)?(?:\[[0-9A-Fa-f:.]+\]|[^\s/:\[\]]+):(?P<port>\d{1,5})"
)
_SCHEDULER_FORM = "host:port or tcp://host:port, e.g. tcp://10.0.0.5:8786"
_ORPHANED_EXIT = 70
"""Exit status of a worker whose parent is gone (nothing reads it; it marks the cause)."""


class TaskError(SalessimError):
    """One or more tasks failed; the message names each failed task (scenario and seed)."""


class SchedulerError(SalessimError):
    """A Dask scheduler address that cannot be used; names the option and the expected form."""


def install_signal_handlers() -> None:
    """Make SIGTERM stop this process like Ctrl-C (KeyboardInterrupt), so workers stop too.

    For a command-line main process only: library code and servers keep their own handlers.
    """
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def default_workers() -> int:
    """One worker per core."""
    return max(1, os.cpu_count() or 1)


def _describe(label: Callable[[int], str], index: int, exc: BaseException) -> str:
    return f"{label(index)}: {type(exc).__name__}: {exc}"


def run_serial(
    fn: TaskFn, tasks: Sequence[tuple[Any, ...]], label: Callable[[int], str]
) -> Iterator[tuple[int, Any]]:
    """Run tasks one after the other in this process."""
    failures: list[str] = []
    for i, task in enumerate(tasks):
        try:
            yield i, fn(*task)
        except Exception as exc:
            failures.append(_describe(label, i, exc))
    if failures:
        raise TaskError(_summary(failures, len(tasks)))


_QUIET_TRACKER = "ignore::UserWarning:multiprocessing.resource_tracker"


def quiet_resource_tracker() -> None:
    """Keep multiprocessing's resource tracker from warning about "leaked semaphore objects"
    when salessim is killed (kill -9): it frees them, which is its job done, not a user's
    problem. The tracker takes its warning options from this process when it starts."""
    if _QUIET_TRACKER not in sys.warnoptions:
        sys.warnoptions.append(_QUIET_TRACKER)


def pool_context(fn: TaskFn) -> multiprocessing.context.BaseContext:
    """forkserver (or spawn): workers never inherit a server's sockets or threads. The command
    line's pools and the web app's shared pool both start their workers this way."""
    quiet_resource_tracker()
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # Import the task's module once in the fork server, not again in every new worker.
    context.set_forkserver_preload(["salessim._forkserver", fn.__module__])
    if threading.current_thread() is threading.main_thread():
        # Start the fork server with Ctrl-C ignored, which it and its workers keep: a terminal's
        # Ctrl-C reaches the whole process group, and the fork server, still importing, would
        # print a traceback. The main process stops the workers itself (and the tether ends them
        # if it dies).
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            multiprocessing.forkserver.ensure_running()
        finally:
            signal.signal(signal.SIGINT, previous)
    return context


def _exit_with_parent(tether: Connection) -> None:
    """Worker initializer: exit at once when the tether's only writer, the parent, closes it.

    The parent holds the writing end; it closes when the parent dies, however it dies, or
    when it stops the pool early. A blocked read costs the worker nothing while it computes.
    """

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            tether.recv_bytes()
        os._exit(_ORPHANED_EXIT)

    threading.Thread(target=watch, name="salessim-tether", daemon=True).start()


@contextlib.contextmanager
def _tethered_pool(
    workers: int, context: multiprocessing.context.BaseContext
) -> Iterator[ProcessPoolExecutor]:
    """A process pool whose workers exit when this process dies or leaves the block early.

    Leaving normally waits for the workers; leaving by an exception (Ctrl-C, SIGTERM handled as
    Ctrl-C, a consumer that stops reading results) ends them at once, tasks running or not.
    """
    reader, writer = context.Pipe(duplex=False)
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_exit_with_parent,
        initargs=(reader,),
    )
    try:
        yield pool
    except BaseException:
        writer.close()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        writer.close()
        reader.close()


def run_local_pool(
    fn: TaskFn,
    tasks: Sequence[tuple[Any, ...]],
    workers: int,
    label: Callable[[int], str],
) -> Iterator[tuple[int, Any]]:
    """Run tasks in a local process pool; results as they finish.

    A task that raises is reported and the others still finish. A worker process that dies
    breaks the pool: each unfinished task is then retried alone in a fresh one-worker pool, so
    the task that kills its worker is named and the others are not lost with it.
    """
    context = pool_context(fn)
    failures: list[str] = []
    broken: list[int] = []
    with _tethered_pool(min(workers, len(tasks)), context) as pool:
        futures: dict[Future[Any], int] = {
            pool.submit(fn, *task): i for i, task in enumerate(tasks)
        }
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                i = futures[fut]
                exc = fut.exception()
                if exc is None:
                    yield i, fut.result()
                elif isinstance(exc, BrokenProcessPool):
                    broken.append(i)
                else:
                    failures.append(_describe(label, i, exc))
    for i in sorted(broken):
        with _tethered_pool(1, context) as alone:
            fut = alone.submit(fn, *tasks[i])
            exc = fut.exception()
            if exc is None:
                yield i, fut.result()
            elif isinstance(exc, BrokenProcessPool):
                failures.append(f"{label(i)}: a worker process died")
            else:
                failures.append(_describe(label, i, exc))
    if failures:
        raise TaskError(_summary(failures, len(tasks)))


def run_dask(
    fn: TaskFn, tasks: Sequence[tuple[Any, ...]], address: str, label: Callable[[int], str]
) -> Iterator[tuple[int, Any]]:
    """Send the same tasks to an existing Dask cluster (``pip install 'salessim[cluster]'``)."""
    try:
        distributed: Any = importlib.import_module("distributed")
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise SalessimError(
            "a Dask scheduler was given but dask.distributed is not installed "
            "(pip install 'salessim[cluster]')"
        ) from exc
    try:
        client = distributed.Client(address, timeout="20s")
    except OSError as exc:
        raise SalessimError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    except ValueError as exc:
        raise SchedulerError(
            f"Dask scheduler {address!r}: {exc} (expected {_SCHEDULER_FORM})"
        ) from exc
    failures: list[str] = []
    try:
        futures = [client.submit(fn, *task, pure=False) for task in tasks]
        index = {fut.key: i for i, fut in enumerate(futures)}
        for fut in distributed.as_completed(futures):
            i = index[fut.key]
            if fut.status == "error":
                failures.append(_describe(label, i, fut.exception()))
            else:
                yield i, fut.result()
    finally:
        client.close()
    if failures:
        raise TaskError(_summary(failures, len(tasks)))


def execute(
    fn: TaskFn,
    tasks: Sequence[tuple[Any, ...]],
    label: Callable[[int], str],
    workers: int | None = None,
    scheduler: str | None = None,
) -> Iterator[tuple[int, Any]]:
    """Pick the backend: a Dask scheduler (argument or $SALESSIM_SCHEDULER), else local."""
    address = _scheduler_address(scheduler)
    if address:
        return run_dask(fn, tasks, address, label)
    n = default_workers() if workers is None else max(1, workers)
    if n == 1 or len(tasks) <= 1:
        return run_serial(fn, tasks, label)
    return run_local_pool(fn, tasks, n, label)


def _scheduler_address(scheduler: str | None) -> str | None:
    """The scheduler address given (``--scheduler``, else $SALESSIM_SCHEDULER), checked."""
    source, address = "--scheduler", (scheduler or "").strip()
    if not address:
        source, address = f"${SCHEDULER_ENV}", os.environ.get(SCHEDULER_ENV, "").strip()
    if not address:
        return None
    match = _SCHEDULER_ADDRESS.fullmatch(address)
    if match is None or not 1 <= int(match["port"]) <= 65535:
        raise SchedulerError(
            f"{source} {address!r}: not a Dask scheduler address (expected {_SCHEDULER_FORM})"
        )
    return address


def _summary(failures: list[str], total: int) -> str:
    distinct = list(dict.fromkeys(failures))
    shown = "; ".join(distinct[:5])
    more = f" (+{len(distinct) - 5} more)" if len(distinct) > 5 else ""
    return f"{len(failures)} of {total} tasks failed: {shown}{more}"
