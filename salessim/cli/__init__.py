"""The ``salessim`` command: run, compare and sweep scenarios, write a decision brief, validate
and list them, list the metrics and scenario fields, and serve the classroom app.

A thin layer over the library: :mod:`~salessim.cli.parser` reads the arguments,
:mod:`~salessim.cli.commands` calls the library and :mod:`salessim.outputs` for files, and
:mod:`~salessim.cli.tables` prints. Every problem a user can fix (a bad file, a bad ``--set``, a
bad value) ends as one line on stderr and exit code 2, never a traceback. ``--json`` keeps stdout
to exactly one JSON object.

This module imports nothing of salessim at load time: the console script imports it before
:func:`entry` runs, and a Ctrl-C while the library loads must end as one line too.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    try:
        return _run(argv)
    except KeyboardInterrupt:
        print("salessim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


@contextmanager
def _interrupt_after_loading() -> Iterator[None]:
    """Hold a Ctrl-C that comes while the library loads until it has loaded, then raise it.

    A KeyboardInterrupt inside a compiled extension's import (pydantic-core, numpy) does not
    end as a KeyboardInterrupt but as a panic or an ImportError with a traceback.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: pressed.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt


def _run(argv: Sequence[str] | None) -> int:
    # Imported here, inside main's Ctrl-C handling: loading the library takes most of a second.
    with _interrupt_after_loading():
        from salessim.cli import parser, tables
        from salessim.cli.commands import EXIT_ERROR
        from salessim.errors import SalessimError

    args = parser.build().parse_args(argv)
    handler: Callable[..., int] = args.handler
    try:
        return handler(args)
    except SalessimError as exc:
        print(f"salessim: error: {tables.one_line(str(exc))}", file=sys.stderr)
        return EXIT_ERROR


def entry() -> None:
    """The ``salessim`` console script: SIGTERM stops a run like Ctrl-C (no orphan workers,
    nothing half-written), then :func:`main`'s exit code; a Ctrl-C at any point, start-up
    included, is the one line ``salessim: interrupted`` and exit code 130."""
    try:
        with _interrupt_after_loading():
            from salessim.parallel import install_signal_handlers

        install_signal_handlers()
        code = main()
    except KeyboardInterrupt:
        print("salessim: interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
    if code == EXIT_INTERRUPTED:
        # Stopping already: a second Ctrl-C while the interpreter shuts down stays quiet.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise SystemExit(code)
