"""``salessim serve``: start the web app with one command.

Streamlit runs headless (no browser opened, no usage statistics: the classroom machine may have
no internet) in a child process; this process prints the addresses to open, forwards a stop
signal, and returns the server's exit code. The app's pool size travels in $SALESSIM_APP_WORKERS;
with workshop rooms, the trainer's PIN travels in $SALESSIM_TRAINER_PIN (never on a command line,
which other users of the machine can read) and the rooms file's path in $SALESSIM_ROOMS_DB.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType

from salessim import engine
from salessim.app.pool import WORKERS_ENV
from salessim.app.uploads import MAX_UPLOAD_MB
from salessim.errors import SalessimError
from salessim.parallel import default_workers
from salessim.rooms import RoomError, RoomStore

APP_SCRIPT = Path(__file__).resolve().parent / "streamlit_app.py"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8050
HEALTH_PATH = "/_stcore/health"
WILDCARD_HOSTS = ("0.0.0.0", "::")
TRAINER_PIN_ENV = "SALESSIM_TRAINER_PIN"
ROOMS_DB_ENV = "SALESSIM_ROOMS_DB"
ROOMS_FILE = "rooms.sqlite3"


class ServeError(SalessimError):
    """The app cannot start: Streamlit is missing, or the address cannot be used."""


def streamlit_command(host: str, port: int) -> list[str]:
    """The ``streamlit run`` command line: headless, no usage statistics, no file watching."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_SCRIPT),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--server.maxUploadSize",
        str(MAX_UPLOAD_MB),
        "--client.toolbarMode",
        "viewer",
        "--logger.hideWelcomeMessage",
        "true",
        "--theme.base",
        "light",
    ]


def server_environment(
    workers: int | None, trainer_pin: str | None = None, rooms_db: Path | None = None
) -> dict[str, str]:
    """The server's environment: ours, plus the pool size, no usage statistics and, for
    workshop rooms, the trainer's PIN and the rooms file (without a PIN: no rooms)."""
    env = dict(os.environ)
    env[WORKERS_ENV] = str(workers if workers is not None else default_workers())
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    env.pop(TRAINER_PIN_ENV, None)
    env.pop(ROOMS_DB_ENV, None)
    if trainer_pin is not None:
        env[TRAINER_PIN_ENV] = trainer_pin
        env[ROOMS_DB_ENV] = str(rooms_db if rooms_db is not None else default_rooms_path())
    return env


def default_rooms_path() -> Path:
    """The rooms file in the user's data folder (``~/.local/share/salessim`` on Linux)."""
    from platformdirs import user_data_path

    return user_data_path("salessim") / ROOMS_FILE


def check_port(host: str, port: int) -> None:
    """Raise ServeError if `port` on `host` cannot be listened on (in use, or no such address)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ServeError(
                f"cannot listen on {host}:{port} ({reason}); is the app already running? "
                "Choose another port with --port"
            ) from None


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses other than loopback, found without any network traffic."""
    candidates = _interface_addresses()
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        infos = []
    candidates += [str(info[4][0]) for info in infos]
    found: list[str] = []
    for address in candidates:
        ip = ipaddress.ip_address(address)
        if not (ip.is_loopback or ip.is_link_local or ip.is_unspecified) and address not in found:
            found.append(address)
    return found


def _interface_addresses() -> list[str]:
    """IPv4 address of each network interface (Linux: asked of the kernel, nothing is sent)."""
    if not sys.platform.startswith("linux"):
        return []
    import fcntl
    import struct

    siocgifaddr = 0x8915
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _, name in socket.if_nameindex():
            request = struct.pack("256s", name.encode()[:15])
            try:
                answer = fcntl.ioctl(probe.fileno(), siocgifaddr, request)
            except OSError:
                continue  # an interface without an IPv4 address
            found.append(socket.inet_ntoa(answer[20:24]))
    return found


def urls(host: str, port: int) -> list[tuple[str, str]]:
    """(who, URL) pairs to print: the address itself, or every interface for a wildcard."""
    if host not in WILDCARD_HOSTS:
        shown = f"[{host}]" if ":" in host else host
        return [("Open", f"http://{shown}:{port}")]
    pairs = [("Students open", f"http://{address}:{port}") for address in lan_addresses()]
    pairs.append(("On this machine", f"http://127.0.0.1:{port}"))
    return pairs


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    workers: int | None = None,
    *,
    trainer_pin: str | None = None,
    rooms_db: Path | None = None,
) -> int:
    """Run the app until it is stopped (Ctrl+C); return the server's exit code.

    With a `trainer_pin` the app runs workshop rooms, kept in `rooms_db` (default: the user's
    data folder), which is opened here first so that a path that cannot be used fails now."""
    if importlib.util.find_spec("streamlit") is None:
        raise ServeError(
            "the web app needs Streamlit, which is not installed: "
            "python -m pip install 'salessim[app]'"
        )
    check_port(host, port)
    env = server_environment(workers, trainer_pin, rooms_db)
    if trainer_pin is not None:
        try:
            RoomStore(env[ROOMS_DB_ENV])
        except RoomError as exc:
            raise ServeError(f"--rooms-db: {exc}") from None
    count = workers or default_workers()
    print(f"salessim app: starting on {host}:{port}, {count} simulation worker{'s' * (count != 1)}")
    if engine() != "compiled":
        print(
            "  Simulation: pure Python. For a class on one computer, the compiled build answers"
            " about three times as fast (README: A faster, compiled build)."
        )
    for who, url in urls(host, port):
        print(f"  {who}: {url}")
    if host in WILDCARD_HOSTS and not lan_addresses():
        print(f"  Students open: http://<this computer's network address>:{port}")
    if trainer_pin is not None:
        print(f"  Workshop rooms: on the Trainer page, kept in {env[ROOMS_DB_ENV]}")
    print("Press Ctrl+C to stop.", flush=True)
    child = subprocess.Popen(streamlit_command(host, port), env=env)

    def forward(signum: int, _frame: FrameType | None) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    previous_int = signal.signal(signal.SIGINT, forward)
    previous_term = signal.signal(signal.SIGTERM, forward)
    try:
        return child.wait()
    finally:
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)


def wait_until_ready(url: str, timeout: float = 60.0) -> None:
    """Wait until the app at `url` answers its health check; raise ServeError after `timeout`."""
    deadline = time.monotonic() + timeout
    last: str = "no answer"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url.rstrip("/") + HEALTH_PATH, timeout=2) as answer:
                if answer.status == 200:
                    return
                last = f"HTTP {answer.status}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(0.2)
    raise ServeError(f"the app at {url} did not start within {timeout:.0f} s ({last})")


def free_port(host: str = DEFAULT_HOST) -> int:
    """A port on `host` that nothing listens on now (for tests and screenshots)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def wait_port_free(host: str, port: int, timeout: float = 30.0) -> bool:
    """Wait until `port` can be listened on again (Streamlit can take seconds to exit)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            check_port(host, port)
            return True
        except ServeError:
            time.sleep(0.2)
    return False
