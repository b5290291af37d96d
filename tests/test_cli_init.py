"""``salessim init`` end to end: flags or questions, the file it writes, errors, and the fit
that ``salessim run`` reports for a scenario with a profile."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from salessim.cli import main
from salessim.scenario_files import load_scenario

FLAGS = [
    "--aes",
    "12",
    "--sdrs",
    "2",
    "--deal-size",
    "40000",
    "--sales-cycle-days",
    "90",
    "--leads-per-month",
    "250",
    "--win-rate",
    "0.25",
]
SHORT = ["--set", "calendar.horizon_days=200", "--set", "calendar.warmup_days=21"]


def _salessim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command in a child process with no terminal: stdin is /dev/null."""
    return subprocess.run(
        [sys.executable, "-m", "salessim", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_flags_alone_write_a_scenario_without_a_terminal(tmp_path: Path) -> None:
    done = _salessim("init", "team.yaml", *FLAGS, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Wrote team.yaml" in done.stdout and "salessim run team.yaml" in done.stdout
    text = (tmp_path / "team.yaml").read_text(encoding="utf-8")
    assert "\nextends: baseline\n" in text
    scenario = load_scenario(tmp_path / "team.yaml")
    assert (scenario.name, scenario.aes.count, scenario.sdrs.count) == ("team", 12, 2)
    assert scenario.profile.sales_cycle_days == 90


def test_missing_numbers_without_a_terminal_are_one_line_and_exit_2(tmp_path: Path) -> None:
    done = _salessim("init", "team.yaml", "--aes", "12", cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "--deal-size, --sales-cycle-days, --leads-per-month" in lines[0]
    assert "(see salessim init --help)" in lines[0]
    assert not (tmp_path / "team.yaml").exists()


@pytest.mark.parametrize(
    ("flag", "value", "rule"),
    [
        ("--win-rate", "1.5", "must be less than 1"),
        ("--aes", "twelve", "must be an integer"),
        ("--aes", "0", "must be greater than or equal to 1"),
        ("--web-share", "-0.1", "must be greater than or equal to 0"),
    ],
)
def test_bad_flags_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str, rule: str
) -> None:
    args = [*FLAGS, flag, value]
    with pytest.raises(SystemExit) as exited:
        main(["init", str(tmp_path / "team.yaml"), *args])
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert f"argument {flag}: {rule}" in err
    assert err.endswith("(see salessim init --help)")


def test_an_existing_file_is_kept_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "team.yaml"
    out.write_text("mine\n", encoding="utf-8")
    assert main(["init", str(out), *FLAGS]) == 2
    assert "exists; add --force to overwrite it" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "mine\n"
    assert main(["init", str(out), *FLAGS, "--force"]) == 0
    assert load_scenario(out).aes.count == 12


def test_a_terminal_user_is_asked_for_what_flags_leave_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The needed numbers first: deal size answered wrongly once (asked again), cycle, leads;
    # then the optional ones skipped with Enter (SDRs, web share) except the win rate.
    answers = iter(["-3", "40000", "90", "250", "", "", "0.3"] + [""] * 10)
    asked: list[str] = []

    def fake_input(prompt: str) -> str:
        asked.append(prompt)
        return next(answers)

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", fake_input)
    out = tmp_path / "team.yaml"
    assert main(["init", str(out), "--aes", "6"]) == 0
    assert not any(p.startswith("Account executives") for p in asked), "given by flag"
    assert asked[0].startswith("Average deal won") and asked[1] == asked[0]
    assert "greater than 0" in capsys.readouterr().err
    profile = load_scenario(out).profile
    assert profile.given() == {
        "aes": 6,
        "deal_size": 40000.0,
        "sales_cycle_days": 90.0,
        "leads_per_month": 250.0,
        "win_rate": 0.3,
    }


def test_run_reports_the_fit_to_the_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "team.yaml"
    assert main(["init", str(out), *FLAGS]) == 0
    capsys.readouterr()
    assert main(["run", str(out), "-n", "2", "--workers", "1", *SHORT]) == 0
    text = capsys.readouterr().out
    assert "Fit to your profile" in text
    assert "Sales cycle (calendar days)" in text and "90.0 days" in text
    assert main(["run", str(out), "-n", "2", "--workers", "1", "--json", *SHORT]) == 0
    data = json.loads(capsys.readouterr().out)
    fit = {row["key"]: row for row in data["profile_fit"]}
    assert set(fit) == {"sales_cycle_days", "win_rate", "deal_size", "leads_per_month"}
    assert fit["deal_size"]["asked"] == 40000
    assert fit["leads_per_month"]["produced"]["mean"] > 0


def test_check_runs_the_new_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "team.yaml"
    args = ["init", str(out), *FLAGS, "--check", "-n", "2", "--seed", "3"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "Check: 2 replications, seed 3" in text
    assert "Fit to your profile" in text and "Win rate" in text
