"""Where runs execute: a stopped run leaves no process behind; a bad scheduler is one error."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from salessim.parallel import SCHEDULER_ENV, SchedulerError, execute

psutil = pytest.importorskip("psutil")


def _started_run(tmp_path: Path) -> tuple[subprocess.Popen[bytes], list[psutil.Process]]:
    """Start ``salessim run`` with two workers; return it and its descendants once both compute."""
    run = subprocess.Popen(
        [sys.executable, "-m", "salessim", "run", "baseline", "-n", "40", "--workers", "2"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
        start_new_session=True,
    )
    main = psutil.Process(run.pid)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        family = main.children(recursive=True)
        workers = [p for p in family if p.ppid() != run.pid]  # forked by the fork server
        if len(workers) == 2 and all(sum(p.cpu_times()[:2]) > 0.5 for p in workers):
            return run, family
        time.sleep(0.1)
    run.kill()
    pytest.fail("the run's two workers did not start computing within 60 s")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_workers_die_with_the_main_process(tmp_path: Path, signum: int) -> None:
    run, family = _started_run(tmp_path)
    os.kill(run.pid, signum)
    run.wait(timeout=30)
    _, alive = psutil.wait_procs(family, timeout=5)
    for process in alive:
        process.kill()
    assert [p.pid for p in alive] == []


def test_sigterm_is_handled_like_ctrl_c() -> None:
    script = (
        "import os, signal\n"
        "from salessim.parallel import install_signal_handlers\n"
        "install_signal_handlers()\n"
        "try:\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.stdout == "interrupted\n"


@pytest.mark.parametrize("address", ["junk", "tcp://host", "host:99999", "host:8786/x"])
def test_bad_scheduler_address_names_the_option(
    address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    with pytest.raises(SchedulerError) as given:
        execute(print, [()], str, scheduler=address)
    assert str(given.value).startswith(f"--scheduler {address!r}: not a Dask scheduler address")
    assert "(expected host:port or tcp://host:port" in str(given.value)
    monkeypatch.setenv(SCHEDULER_ENV, address)
    with pytest.raises(SchedulerError) as from_env:
        execute(print, [()], str)
    assert str(from_env.value).startswith(f"${SCHEDULER_ENV} {address!r}: ")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("FileNotFoundError(2, 'No such file or directory')", ""),
        ("EOFError()", ""),
        ("RuntimeError('boom')", "salessim: a worker process could not start: RuntimeError: boom"),
    ],
)
def test_a_worker_that_cannot_start_says_so_in_one_line_or_not_at_all(
    error: str, expected: str
) -> None:
    """The fork servers preload salessim._forkserver: a worker forked while its parent stops
    (the semaphores gone, the pipe closed) fails quietly; any other start-up failure in one line.
    (The race itself — Ctrl-C while workers start — is hit by benchmarks/front_door.py.)"""
    code = f"import salessim._forkserver\nraise {error}\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip() == expected


def test_fork_servers_preload_the_quiet_start_up() -> None:
    import multiprocessing.forkserver

    from salessim.experiments import run_chunk
    from salessim.parallel import pool_context

    server = multiprocessing.forkserver._forkserver
    server._preload_modules = []
    pool_context(run_chunk)  # the one start-up the command line and the app's pool share
    assert "salessim._forkserver" in server._preload_modules
