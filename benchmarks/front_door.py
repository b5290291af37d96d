"""A campaign of bad inputs, extreme scenarios and signals against the command line and the web
app's pool, with the counts that matter: tracebacks, wrong exit codes, silent hangs or memory
blow-ups, orphan processes, and whether another session still gets its answer.

    python benchmarks/front_door.py            # everything (about 3 minutes on 2 cores)
    python benchmarks/front_door.py --quick    # the hand-written cases and signals only

A refused input must end with exit code 2 and one line on stderr within a few seconds; a valid
one with exit code 0. Hand-written cases run as real processes (`python -m salessim`, with a
memory cap so a blow-up shows as a failure rather than taking the machine); generated
``--set`` overrides of every documented field run in-process through ``salessim.cli.main``.
This is a measurement, not a test: it prints figures and exits 1 if any count is not zero.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REFUSED, ACCEPTED = 2, 0
PROGRESS_SECONDS = 3.0
"""A long run must show its first progress line within this long of starting (import included)."""
SECONDS = 10.0
"""A refused input must be refused within this long (a process start is ~1 s of it)."""
MEMORY_MB = 1500
"""The address-space cap of every process the campaign starts: a blow-up fails fast."""


@dataclass
class Case:
    name: str
    argv: list[str]
    files: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    expect: int = REFUSED
    setup: Callable[[Path], None] | None = None
    progress: bool = False
    """A long accepted run: its first progress line must come within PROGRESS_SECONDS."""


@dataclass
class Counts:
    cases: int = 0
    tracebacks: int = 0
    wrong_codes: int = 0
    not_one_line: int = 0
    slow_or_hung: int = 0
    leaks: int = 0
    orphans: int = 0
    failures: list[str] = field(default_factory=list)

    def fail(self, what: str) -> None:
        self.failures.append(what)


def _cap_memory() -> None:
    limit = MEMORY_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _nested(depth: int) -> str:
    return "description: " + "[" * depth + "]" * depth + "\n"


def _laughs() -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, 10):
        refs = ",".join([f"*a{k - 1}"] * 9)
        lines.append(f"a{k}: &a{k} [{refs}]")
    return "\n".join(lines) + "\ndescription: *a9\n"


def _extends_chain(folder: Path) -> None:
    for k in range(1299):
        parent = f"c{k + 1}.yaml" if k < 1298 else "baseline"
        (folder / f"c{k}.yaml").write_text(f"extends: {parent}\n", encoding="utf-8")


def _bad_manifest(folder: Path) -> None:
    (folder / "s" / "points").mkdir(parents=True)
    (folder / "s" / "points" / "sweep_manifest.json").write_text("[]", encoding="utf-8")


WEB_CAMPAIGNS = "extends: baseline\nlead_sources:\n  - name: web_inbound\n    campaigns:\n"
STACKED_BLOCK = "      - {start_day: 0, duration_days: 63, volume_multiplier: 20}\n" * 4
CAMPAIGN_BLOCK = "".join(
    f"      - {{start_day: {63 * k}, duration_days: 63, volume_multiplier: 20}}\n" for k in range(4)
)


def cases() -> list[Case]:
    """The cases of the first campaign that failed, and their neighbours."""
    return [
        Case(
            "recursive alias in a file",
            ["validate", "r.yaml"],
            {"r.yaml": "description: &a [*a]\n"},
        ),
        Case("recursive alias in --set", ["validate", "baseline", "--set", "description=&a [*a]"]),
        Case("10,000-deep nesting in a file", ["validate", "d.yaml"], {"d.yaml": _nested(10_000)}),
        Case(
            "10,000-deep nesting in --set",
            ["validate", "baseline", "--set", "description=" + "[" * 10_000 + "]" * 10_000],
        ),
        Case("1,299-file extends chain", ["validate", "c0.yaml"], setup=_extends_chain),
        Case("--scheduler junk", ["run", "baseline", "-n", "2", "--scheduler", "junk"]),
        Case(
            "SALESSIM_SCHEDULER=junk",
            ["run", "baseline", "-n", "2"],
            env={"SALESSIM_SCHEDULER": "junk"},
        ),
        Case(
            "sweep manifest of the wrong shape",
            [
                "sweep",
                "baseline",
                "--param",
                "aes.count",
                "--values",
                "8,9",
                "-n",
                "1",
                "--out",
                "s",
            ],
            setup=_bad_manifest,
        ),
        Case("billion laughs in a file", ["validate", "l.yaml"], {"l.yaml": _laughs()}),
        Case(
            "billion laughs in --set",
            ["validate", "baseline", "--set", "description=" + _laughs().replace("\n", " ")],
        ),
        Case(
            "aes: {count: true}",
            ["validate", "b.yaml"],
            {"b.yaml": "extends: baseline\naes: {count: true}\n"},
        ),
        Case("name: !!binary", ["validate", "n.yaml"], {"n.yaml": "name: !!binary aGVsbG8=\n"}),
        Case(
            "four stacked x20 campaigns",
            ["validate", "c.yaml"],
            {"c.yaml": WEB_CAMPAIGNS + STACKED_BLOCK},
        ),
        Case(
            "four x20 campaigns back to back, run",
            ["run", "c.yaml", "-n", "12", "--progress"],
            {"c.yaml": WEB_CAMPAIGNS + CAMPAIGN_BLOCK},
            expect=ACCEPTED,
            progress=True,
        ),
        Case(
            "prospecting.block_hours 1e-9",
            ["run", "baseline", "--set", "prospecting.block_hours=1e-9"],
        ),
        Case(
            "100,000 leads a month x10, 5,000 AEs",
            [
                "run",
                "baseline",
                "--set",
                "lead_sources.web_inbound.monthly_volume=100000",
                "--set",
                "lead_sources.web_inbound.volume_multiplier=10",
                "--set",
                "aes.count=5000",
            ],
        ),
        Case(
            "500 AEs for 10 years (past the work limit)",
            [
                "run",
                "baseline",
                "-n",
                "50",
                "--set",
                "aes.count=500",
                "--set",
                "calendar.horizon_days=2520",
            ],
        ),
        Case(
            "extends a non-scenario file",
            ["validate", "e.yaml"],
            {"e.yaml": "extends: /etc/passwd\n"},
        ),
        Case(
            "--metric nosuch on a sweep",
            [
                "sweep",
                "baseline",
                "--param",
                "aes.count",
                "--values",
                "8,9,10",
                "-n",
                "20",
                "--metric",
                "nosuch",
            ],
        ),
        Case("unknown option", ["run", "baseline", "--bogus"]),
        Case("unknown command", ["runn", "baseline"]),
        Case("missing scenario", ["run", "no_such_scenario"]),
        Case("--set of an unknown field", ["validate", "baseline", "--set", "aes.cuont=3"]),
        Case("-n 0", ["run", "baseline", "-n", "0"]),
        Case("--workers -1", ["run", "baseline", "--workers", "-1"]),
        Case("binary file as scenario", ["validate", "x.yaml"], {"x.yaml": "\x00\x01\x02"}),
        Case("empty file", ["validate", "empty.yaml"], {"empty.yaml": ""}),
        Case("a list at the top", ["validate", "l2.yaml"], {"l2.yaml": "- 1\n- 2\n"}),
        Case("valid: validate baseline", ["validate", "baseline"], expect=ACCEPTED),
        Case(
            "valid: run baseline, 2 replications",
            ["run", "baseline", "-n", "2", "--json"],
            expect=ACCEPTED,
        ),
    ]


def run_case(case: Case, counts: Counts) -> None:
    counts.cases += 1
    with tempfile.TemporaryDirectory(prefix="salessim-campaign-") as tmp:
        folder = Path(tmp)
        for name, text in case.files.items():
            (folder / name).write_text(text, encoding="utf-8")
        if case.setup is not None:
            case.setup(folder)
        env = {**os.environ, **case.env, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "salessim", *case.argv],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_cap_memory,
        )
        first_line = [math.inf]
        lines: list[str] = []

        def read() -> None:
            assert proc.stderr is not None
            for line in proc.stderr:
                if not lines:
                    first_line[0] = time.monotonic() - started
                lines.append(line)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            returncode = proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            proc.kill()
            counts.slow_or_hung += 1
            counts.fail(f"{case.name}: no answer in 90 s")
            return
        reader.join(5)
        seconds = time.monotonic() - started
        err = "".join(lines).strip()
        done = subprocess.CompletedProcess(case.argv, returncode, "", err)
        if case.progress and first_line[0] > PROGRESS_SECONDS:
            counts.slow_or_hung += 1
            counts.fail(f"{case.name}: first progress line after {first_line[0]:.1f} s")
        if case.progress:
            print(f"       first progress line after {first_line[0]:.1f} s")
        if "Traceback" in err or "MemoryError" in err:
            counts.tracebacks += 1
            counts.fail(f"{case.name}: traceback: {err.splitlines()[-1][:120]}")
        if done.returncode != case.expect:
            counts.wrong_codes += 1
            counts.fail(f"{case.name}: exit {done.returncode}, expected {case.expect}: {err[:160]}")
        if case.expect == REFUSED:
            if len(err.splitlines()) != 1:
                counts.not_one_line += 1
                counts.fail(f"{case.name}: {len(err.splitlines())} lines on stderr")
            if seconds > SECONDS:
                counts.slow_or_hung += 1
                counts.fail(f"{case.name}: refused after {seconds:.1f} s")
            if "root:" in err:
                counts.leaks += 1
                counts.fail(f"{case.name}: the message quotes another file's content")
            if case.name.startswith("sweep") and any(folder.glob("*/points/point-*.json")):
                counts.fail(f"{case.name}: wrote results before refusing")
        last = err.splitlines()[-1][:110] if err else ""
        print(f"  {done.returncode}  {seconds:5.1f} s  {case.name}: {last}")


def generated_overrides(counts: Counts) -> int:
    """Every documented scalar field of baseline, overridden with values of every wrong kind."""
    from salessim.cli import main
    from salessim.fields import field_rows

    names = {"<name>": "web_inbound"}
    bad = ["-1", "-0.5", "1e12", "nan", "inf", "abc", "null", "[1, 2]", "{a: 1}", "true", "''"]
    paths = []
    for row in field_rows():
        path = row.path.replace("lead_sources.<name>", "lead_sources.web_inbound")
        path = path.replace("deals.stages.<name>", "deals.stages.qualify")
        path = path.replace("segments.<name>", "segments.smb")
        if "<" in path or row.type.startswith("list"):
            continue
        paths.append(path)
    del names
    tried = 0
    for path in paths:
        for value in bad:
            tried += 1
            err = io.StringIO()
            try:
                with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                    code = main(["validate", "baseline", "--set", f"{path}={value}"])
            except SystemExit as exc:
                code = int(exc.code or 0)
            except BaseException as exc:  # a traceback for a user
                counts.tracebacks += 1
                counts.fail(f"--set {path}={value}: {type(exc).__name__}: {exc}"[:200])
                continue
            lines = err.getvalue().strip().splitlines()
            if code not in (REFUSED, ACCEPTED):
                counts.wrong_codes += 1
                counts.fail(f"--set {path}={value}: exit {code}")
            elif code == REFUSED and len(lines) != 1:
                counts.not_one_line += 1
                counts.fail(f"--set {path}={value}: {len(lines)} lines")
    return tried


def _tagged(tag: str) -> list[int]:
    """Processes whose environment carries `tag` (children of a killed command included)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if tag.encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
    return found


def signals(counts: Counts) -> None:
    """SIGINT, SIGTERM and SIGKILL of a compare with 2 workers, while its workers start and
    while they compute: no traceback, and no process of it left 5 s later."""
    plan = [(signal.SIGINT, 1.5), (signal.SIGINT, 2.5), (signal.SIGINT, 4.0)]
    plan += [(signal.SIGTERM, 2.5), (signal.SIGTERM, 4.0), (signal.SIGKILL, 4.0)]
    for sig, delay in plan:
        counts.cases += 1
        tag = f"SALESSIM_CAMPAIGN={uuid.uuid4().hex}"
        key, value = tag.split("=")
        with tempfile.TemporaryDirectory(prefix="salessim-campaign-") as tmp:
            env = {**os.environ, key: value, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "salessim",
                    "compare",
                    "baseline",
                    "more_leads_30",
                    "-n",
                    "40",
                    "--workers",
                    "2",
                    "--out",
                    "out",
                ],
                cwd=tmp,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            time.sleep(delay)
            proc.send_signal(sig)
            try:
                _, err = proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, err = proc.communicate()
                counts.slow_or_hung += 1
                counts.fail(f"{sig.name}: the command did not end (or its pipes stayed open)")
            time.sleep(5.0)
            left = _tagged(value)
            if left:
                counts.orphans += len(left)
                counts.fail(f"{sig.name}: {len(left)} processes left 5 s later: {left}")
                for pid in left:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
            if "Traceback" in err:
                counts.tracebacks += 1
                counts.fail(f"{sig.name}: traceback")
            if (
                sig != signal.SIGKILL
                and (Path(tmp) / "out").exists()
                and not any((Path(tmp) / "out").iterdir())
            ):
                counts.fail(f"{sig.name}: an empty --out folder was left")
            print(f"  {proc.returncode:>3}  {sig.name} at {delay} s: {len(left)} left; stderr:")
            print("       " + "\n       ".join(err.strip().splitlines()))


def app_uploads(counts: Counts) -> None:
    """The two uploads that fooled the app's work cap, then a second session's small request."""
    from salessim.app.budget import MAX_REPLICATIONS, WorkLimitError, check_work
    from salessim.app.levers import with_horizon
    from salessim.app.pool import SimulationPool
    from salessim.app.uploads import UploadError, load_uploaded_scenario
    from salessim.scenario_files import load_scenario

    year_long = "".join(
        f"      - {{start_day: {252 * k}, duration_days: 252, volume_multiplier: 20}}\n"
        for k in range(4)
    )
    stacked = (
        "extends: baseline\nlead_sources:\n  - name: web_inbound\n    campaigns:\n"
        + year_long
        + "  - name: content\n    campaigns:\n"
        + year_long
    )
    tiny_blocks = "extends: baseline\nprospecting:\n  block_hours: 1e-7\n"
    base = load_scenario("baseline")
    heavy = None
    for name, text in (("campaigns.yaml", stacked), ("blocks.yaml", tiny_blocks)):
        counts.cases += 1
        try:
            scenario = load_uploaded_scenario(name, text.encode())
        except UploadError as exc:
            print(f"  refused on upload: {exc}")
            continue
        try:
            work = check_work([base, scenario], MAX_REPLICATIONS)
            print(f"  {name}: accepted at {work:,.0f} units")
        except WorkLimitError as exc:
            print(f"  {name}: {MAX_REPLICATIONS} replications refused: {str(exc)[:100]}…")
        # The most the app lets one press of Run ask for with this file.
        n = MAX_REPLICATIONS
        while n > 1:
            try:
                check_work([base, scenario], n)
                break
            except WorkLimitError:
                n -= 1
        heavy = (scenario, n)
        print(f"  {name}: the app accepts up to {n} replications of it beside the baseline")
    if heavy is None:
        return
    counts.cases += 1
    pool = SimulationPool(workers=2)
    try:
        pool.warm_up()
        scenario, n = heavy
        started = time.monotonic()
        big = pool.submit([base, scenario], n, 1)
        time.sleep(1.0)
        small = pool.submit([with_horizon(base, 4)], 4, 2)
        small.result()
        answered = time.monotonic() - started - 1.0
        big_done = big.progress()
        big.result()
        whole = time.monotonic() - started
        print(
            f"  another session's 4 replications answered in {answered:.1f} s while the big "
            f"request ({big_done[0]} of {big_done[1]} done then) took {whole:.1f} s in all"
        )
        if answered > whole / 2:
            counts.slow_or_hung += 1
            counts.fail("another session waited for more than half the big request")
    finally:
        pool.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the generated --set overrides")
    args = parser.parse_args()
    counts = Counts()
    print("== hand-written cases (exit code, seconds, last line of stderr)")
    for case in cases():
        run_case(case, counts)
    if not args.quick:
        print("== generated --set overrides of every documented field")
        tried = generated_overrides(counts)
        counts.cases += tried
        print(f"  {tried} overrides tried")
    print("== signals to a running compare with 2 workers")
    signals(counts)
    print("== the web app's work cap and fair share")
    app_uploads(counts)
    print(
        f"\n{counts.cases} cases: {counts.tracebacks} tracebacks, {counts.wrong_codes} wrong exit "
        f"codes, {counts.not_one_line} refusals not in one line, {counts.slow_or_hung} slow or "
        f"hung, {counts.leaks} leaks of file content, {counts.orphans} orphan processes"
    )
    for failure in counts.failures:
        print(f"  FAILED {failure}")
    return 1 if counts.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
