"""The app in a real browser, for the end-to-end tests and the README's screenshots.

Starts ``salessim serve`` on a free loopback port in its own process group, and launches
Debian's Chromium (``apt-get install chromium``) under Playwright: Playwright's own browser
download is not available on machines without internet. The flags are explained in
DEVELOPERS.md. Needs the ``dev`` extra (Playwright).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from salessim.app.server import free_port, wait_port_free, wait_until_ready

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
HOST = "127.0.0.1"


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless, with nothing that would reach for the network."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS), headless=True
    )


class AppServer:
    """``salessim serve`` on a free loopback port; stop() ends it and waits for the port."""

    def __init__(
        self, workers: int = 2, log: IO[bytes] | None = None, extra_args: Sequence[str] = ()
    ) -> None:
        self.port = free_port(HOST)
        self.url = f"http://{HOST}:{self.port}/"
        command = [
            sys.executable,
            "-m",
            "salessim",
            "serve",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            *extra_args,
        ]
        self.process = subprocess.Popen(
            command,
            stdout=log if log is not None else subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: the server, Streamlit and the workers
        )

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Wait until the app answers; raises if the server exited or never answered."""
        if self.process.poll() is not None:
            raise RuntimeError(f"salessim serve exited with code {self.process.returncode}")
        wait_until_ready(self.url, timeout)

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the server's process group; True once the port is free again."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout)
        with contextlib.suppress(ProcessLookupError):  # workers left behind in the group
            os.killpg(self.process.pid, signal.SIGKILL)
        return wait_port_free(HOST, self.port, timeout)
