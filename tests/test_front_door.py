"""Nothing gets past the front door: wrong types, extreme scenarios and work past the limits are
one line and exit 2 before any run starts; long runs can report progress; Ctrl-C at start-up
is one line."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from salessim.cli import main
from salessim.cli.tables import progress_lines

SHORT = ["--set", "calendar.horizon_days=100", "--set", "calendar.warmup_days=10"]
_COMMAND = [sys.executable]
_RUN = ["run", "baseline", "-n", "2", "--workers", "1", *SHORT]


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("yaml_text", "field", "value"),
    [
        ("aes: {count: true}", "aes.count", "True"),
        ("aes: {count: 3.7}", "aes.count", "3.7"),
        ("aes: {count: 3.0}", "aes.count", "3.0"),
        ("lead_filter: {enabled: 1}", "lead_filter.enabled", "1"),
        ("name: 42", "name", "42"),
        ("calendar: {hours_per_day: true}", "calendar.hours_per_day", "True"),
        ("calendar: {hours_per_day: '7.5'}", "calendar.hours_per_day", "'7.5'"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_file_field_and_value(
    yaml_text: str, field: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wrong.yaml"
    path.write_text(f"extends: baseline\n{yaml_text}\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    line = _one_error_line(capsys)
    assert line.startswith(f"{path}: {field}: must be a valid ")
    assert line.endswith(f"(got {value})")


def test_numbers_for_real_fields_may_be_ints_floats_or_written_1e6(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "numbers.yaml"
    path.write_text(
        "extends: baseline\ncalendar: {hours_per_day: 7}\nqualification: {attempt_minutes: 5.0}\n"
        "segments: [{name: mid_market, share: 1, value_median: 2.5e4}]\n",
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ("prospecting.block_hours=1e-9", "prospecting.block_hours"),
        ("prospecting.block_hours=0.2", "prospecting.block_hours"),
        ("lead_sources.web_inbound.monthly_volume=100000", "lead_sources.web_inbound"),
        ("aes.count=5000", "aes.count"),
        ("lead_volume_multiplier=10.5", "lead_volume_multiplier"),
    ],
)
def test_values_past_what_a_real_team_reaches_are_refused(
    override: str, field: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "baseline", "-n", "1", "--set", override]) == 2
    assert _one_error_line(capsys).startswith(f"salessim: error: --set: {field}")


def test_stacked_campaigns_and_total_lead_volume_have_a_stated_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    campaign = "{start_day: 10, duration_days: 60, volume_multiplier: 20}"
    stacked = tmp_path / "stacked.yaml"
    stacked.write_text(
        "extends: baseline\nlead_sources:\n  - name: web_inbound\n"
        f"    campaigns: [{', '.join([campaign] * 4)}]\n",
        encoding="utf-8",
    )
    assert main(["validate", str(stacked)]) == 2
    line = _one_error_line(capsys)
    assert "lead_sources.web_inbound: campaigns overlapping on day 10 multiply" in line
    assert "by 160000; together they may multiply it by at most 20" in line
    flood = [
        "--set",
        "lead_sources.web_inbound.monthly_volume=30000",
        "--set",
        "lead_sources.content.monthly_volume=30000",
    ]
    assert main(["run", "baseline", "-n", "1", *flood]) == 2
    assert "at most 50,000 are allowed" in _one_error_line(capsys)


def test_headcount_has_a_stated_limit(capsys: pytest.CaptureFixture[str]) -> None:
    team = ["--set", "aes.count=500", "--set", "sdrs.count=500"]
    hire = ["--set", "aes.hiring_plan=[{day: 100, count: 1}]"]
    assert main(["validate", "baseline"]) == 0
    capsys.readouterr()
    assert main(["run", "baseline", "-n", "1", *team, *hire]) == 2
    assert "add up to 1001 people; at most 1000 are allowed" in _one_error_line(capsys)


def test_work_past_the_limit_is_refused_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    big = ["--set", "aes.count=500", "--set", "calendar.horizon_days=2520"]
    assert main(["run", "baseline", "-n", "1", *big, "--out", str(out)]) == 2
    line = _one_error_line(capsys)
    assert line.startswith("salessim: error: scenario baseline: one replication is estimated")
    assert "--max-work" in line
    assert not out.exists()
    assert main(["compare", "baseline", "teleprospecting", "-n", "1500"]) == 2
    assert re.search(r"limit of 2,000; .* --max-total-work \d{4}$", _one_error_line(capsys))
    sweep = ["sweep", "baseline", "--param", "aes.count", "--values", "8,500", *big[2:]]
    assert main([*sweep, "-n", "1"]) == 2
    assert _one_error_line(capsys).startswith("salessim: error: --param aes.count=500: ")


def test_a_raised_limit_lets_the_run_through(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["run", "baseline", "-n", "2", "--workers", "1", "--json", *SHORT]
    assert main([*args, "--max-total-work", "0.1"]) == 2
    assert "--max-total-work 1" in _one_error_line(capsys)
    assert main([*args, "--max-total-work", "1"]) == 0


def test_progress_prints_plain_lines_while_waiting_and_at_the_end(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with progress_lines(4, every=0.05) as update:
        update(1, 4)
        time.sleep(0.5)
        update(4, 4)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) >= 3
    assert all(line.startswith("salessim: ") for line in lines)
    assert "salessim: 1/4 replications, 0 s" in lines
    assert lines[-1].startswith("salessim: 4/4 replications, ")


def test_progress_option_reports_to_stderr_that_is_not_a_terminal() -> None:
    done = subprocess.run(
        [*_COMMAND, "-m", "salessim", *_RUN, "--json", "--progress"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("{")
    assert done.stderr.splitlines()[-1].startswith("salessim: 2/2 replications, ")


# The console script runs `from salessim.cli import entry; entry()`. The child below writes one
# byte just before that line, once the interpreter itself has started (its own start-up is no
# part of salessim), and the test interrupts it at delays spanning imports and the run.
_CONSOLE_SCRIPT = (
    "import os, sys\n"
    "os.write(1, b'.')\n"
    "sys.argv[0] = 'salessim'\n"
    "from salessim.cli import entry\n"
    "sys.exit(entry())\n"
)


@pytest.mark.parametrize("delay", [0.05, 0.2, 0.5, 1.0, 1.5])
def test_ctrl_c_at_start_up_is_one_line(delay: float) -> None:
    child = subprocess.Popen(
        [*_COMMAND, "-c", _CONSOLE_SCRIPT, *_RUN],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.read(1) == "."
    time.sleep(delay)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=120)
    assert "Traceback" not in err
    if child.returncode == -signal.SIGINT:
        # The run had finished and printed its table: the signal came while the interpreter
        # shut down, after it had restored the default handler. Nothing is left to interrupt.
        assert err == "" and "Bookings" in out, (out, err)
    elif child.returncode != 0:  # a run that finished first has nothing to interrupt
        assert (child.returncode, err) == (130, "salessim: interrupted\n")
