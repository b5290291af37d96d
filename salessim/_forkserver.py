"""Preloaded by salessim's fork servers only (never imported elsewhere): a worker that cannot
start says so in one line instead of a traceback.

A worker forked while its parent is stopping (Ctrl-C, SIGTERM) cannot read its start-up data:
the parent has already removed the pool's semaphores or closed its end of the pipe. The parent
reports any worker that failed to start as a failed task; the worker's own traceback on the
shared terminal would only add noise after "salessim: interrupted".
"""

from __future__ import annotations

import sys
from types import TracebackType

_PARENT_GONE = (FileNotFoundError, EOFError, BrokenPipeError, ConnectionError)


def _one_line(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if isinstance(exc, _PARENT_GONE):
        return
    print(f"salessim: a worker process could not start: {kind.__name__}: {exc}", file=sys.stderr)


sys.excepthook = _one_line
