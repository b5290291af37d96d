"""Where replications run: in this process, a local process pool, or an existing Dask cluster.

Every backend takes the same picklable tasks and yields ``(task index, result)`` as tasks
finish, so callers can stream progress and then put results back in task order: the answer
never depends on the backend or the number of workers.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from salessim.errors import SalessimError

SCHEDULER_ENV = "SALESSIM_SCHEDULER"
TaskFn = Callable[..., Any]


class TaskError(SalessimError):
    """One or more tasks failed; the message names each failed task (scenario and seed)."""


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


def _pool_context(fn: TaskFn) -> multiprocessing.context.BaseContext:
    """forkserver (or spawn): workers never inherit a server's sockets or threads."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # Import the task's module once in the fork server, not again in every new worker.
    context.set_forkserver_preload([fn.__module__])
    return context


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
    context = _pool_context(fn)
    failures: list[str] = []
    broken: list[int] = []
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context) as pool:
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
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as alone:
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
    address = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if address:
        return run_dask(fn, tasks, address, label)
    n = default_workers() if workers is None else max(1, workers)
    if n == 1 or len(tasks) <= 1:
        return run_serial(fn, tasks, label)
    return run_local_pool(fn, tasks, n, label)


def _summary(failures: list[str], total: int) -> str:
    distinct = list(dict.fromkeys(failures))
    shown = "; ".join(distinct[:5])
    more = f" (+{len(distinct) - 5} more)" if len(distinct) > 5 else ""
    return f"{len(failures)} of {total} tasks failed: {shown}{more}"
