"""The ``salessim`` command end to end: run (--json, --out), validate, scenarios, errors."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import salessim.cli.commands
import salessim.outputs
from salessim.cli import main
from salessim.experiments import ReplicationError
from salessim.formatting import format_value

# Short runs (200 days, not 819) prove the wiring; the model's own tests prove its numbers.
SHORT = ["--set", "calendar.horizon_days=200", "--set", "calendar.warmup_days=21"]
RUN_SHORT = ["run", "baseline", "-n", "2", *SHORT]
OUT_FILES = {"summary.json", "series.csv", "quarterly.csv", "dashboard.png"}
REQUIRED_METRICS = (
    "bookings",
    "profit",
    "gross_profit",
    "wins",
    "leads",
    "leads_worked",
    "leads_expired",
    "opportunities",
    "win_rate",
    "avg_discount",
    "lead_response_hours",
    "quarterly_bookings_cv",
    "forecast_mape",
    "deals_lost_neglect",
    "hours_share_prospecting",
    "hours_share_qualifying",
    "hours_share_deal_work",
    "hours_share_non_selling",
    "hours_share_idle",
)
BAD_SET = "qualification.connect_probability=1.5"


def _strict_json(text: str) -> Any:
    """Parse JSON, refusing the NaN and Infinity that Python's json would otherwise accept."""

    def reject(constant: str) -> None:
        raise AssertionError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=reject)


def _run_json(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[str, Any]:
    code = main([*RUN_SHORT, "--json", *extra])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out, _strict_json(captured.out)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- run --json
def test_run_json_prints_one_object_with_every_metric_interval(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out, data = _run_json(capsys, "--workers", "1")
    assert out.count("\n") == 1, "stdout holds exactly one JSON line"
    assert {"scenario", "seed", "replications", "window", "metrics", "quarterly"} <= set(data)
    # The period every total covers is stated (RUN_SHORT: days 21-200).
    assert data["window"]["first_day"] == 21 and data["window"]["last_day"] == 200
    assert data["window"]["text"] == "179 reported days, days 21\N{EN DASH}200"
    assert data["scenario"] == "baseline"
    assert data["seed"] == 0
    assert data["replications"] == 2
    for name in REQUIRED_METRICS:
        interval = data["metrics"][name]
        assert {"mean", "ci_low", "ci_high"} <= set(interval) <= {*interval, "per_year"}, name
        assert all(v is None or isinstance(v, int | float) for v in interval.values()), name
    bookings = data["metrics"]["bookings"]
    assert bookings["mean"] > 0
    assert bookings["ci_low"] <= bookings["mean"] <= bookings["ci_high"]
    # Totals carry their yearly figure beside them: 179 days are 179/252 of a year.
    assert bookings["per_year"] == pytest.approx(bookings["mean"] * 252 / 179)
    assert "per_year" not in data["metrics"]["win_rate"]
    assert set(data["quarterly"]) >= {"quarter", "bookings", "forecast", "reported"}


def test_run_json_is_reproducible_for_a_seed_and_independent_of_workers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    first, _ = _run_json(capsys, "--seed", "7", "--workers", "1")
    again, _ = _run_json(capsys, "--seed", "7", "--workers", "1")
    parallel, _ = _run_json(capsys, "--seed", "7", "--workers", "2")
    other_seed, _ = _run_json(capsys, "--seed", "8", "--workers", "1")
    assert first == again
    assert first == parallel
    assert first != other_seed


def test_run_applies_overrides_to_named_list_items(capsys: pytest.CaptureFixture[str]) -> None:
    _, base = _run_json(capsys, "--workers", "1")
    _, none = _run_json(
        capsys,
        "--workers",
        "1",
        "--set",
        "lead_sources.web_inbound.monthly_volume=0",
        "--set",
        "lead_sources.content.monthly_volume=0",
    )
    assert base["metrics"]["leads"]["mean"] > 0
    assert none["metrics"]["leads"]["mean"] == 0


# --------------------------------------------------------------------------- run, table
def test_run_prints_a_readable_summary_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*RUN_SHORT, "--workers", "1", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    assert "baseline" in header
    assert "2 replications" in header
    assert "seed 3" in header
    assert "179 reported days" in header
    for label in ("Bookings", "Profit", "Win rate", "Lead response time", "AE hours: deal work"):
        assert label in out
    assert "Per year" in out
    assert "$" in out
    assert "%" in out


# --------------------------------------------------------------------------- run --out
def test_run_out_writes_summary_series_quarterly_and_dashboard(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "results" / "baseline"
    code = main([*RUN_SHORT, "--workers", "1", "--json", "--out", str(out_dir)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert {p.name for p in out_dir.iterdir()} == OUT_FILES, "no temp files left behind"
    assert _strict_json((out_dir / "summary.json").read_text()) == _strict_json(captured.out)
    png = (out_dir / "dashboard.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 10_000
    with (out_dir / "series.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    assert header[0] == "week"
    assert "pipeline_value" in header
    assert "report_start_week" not in header
    assert len(rows) - 1 == 200 // 5, "one row per week"
    assert all(len(row) == len(header) for row in rows)
    with (out_dir / "quarterly.csv").open(newline="") as handle:
        quarters = list(csv.DictReader(handle))
    assert len(quarters) == 200 // 63
    assert {"quarter", "bookings", "forecast"} <= set(quarters[0])


def test_failed_run_removes_the_out_dir_it_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(*_args: object, **_kwargs: object) -> None:
        raise ReplicationError("scenario 'baseline', seed 0, replication 1: ZeroDivisionError")

    monkeypatch.setattr(salessim.cli.commands, "replicate", failing)
    out_dir = tmp_path / "new" / "dir"
    assert main([*RUN_SHORT, "--out", str(out_dir)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("salessim: error: scenario 'baseline', seed 0, replication 1")
    assert not (tmp_path / "new").exists()


def test_failed_write_leaves_an_existing_out_dir_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    # The dashboard is the last file staged: the texts before it were already written.
    monkeypatch.setattr(salessim.outputs, "figure_png", lambda _figure: disk_full)
    (tmp_path / "notes.txt").write_text("mine")
    assert main([*RUN_SHORT, "--workers", "1", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        f"salessim: error: --out {tmp_path}: cannot write (No space left on device)"
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_out_that_is_a_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = _write(tmp_path / "taken", "")
    assert main([*RUN_SHORT, "--out", str(target)]) == 2
    assert "exists and is not a directory" in capsys.readouterr().err


# --------------------------------------------------------------------------- errors
def test_bad_set_value_exits_2_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "salessim", *RUN_SHORT, "--set", BAD_SET, "--out", str(out_dir)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("salessim: error: ")
    assert "qualification.connect_probability" in lines[0]
    assert "must be ≤ 1" in lines[0]
    assert "1.5" in lines[0]
    assert "Traceback" not in proc.stderr
    assert not out_dir.exists()


def test_unknown_field_in_a_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = _write(tmp_path / "typo.yaml", "extends: baseline\nleed_sources: []\n")
    assert main(["run", str(scenario), "-n", "1"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "leed_sources" in captured.err
    assert "unknown field" in captured.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "0"], "argument -n/--replications: must be at least 1 (got 0)"),
        (["--workers", "0"], "argument --workers: must be at least 1 (got 0)"),
        (["--seed", "-1"], "argument --seed: must be a non-negative integer (got -1)"),
        (["-n", "two"], "argument -n/--replications: must be an integer (got 'two')"),
    ],
)
def test_bad_numbers_are_usage_errors(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "baseline", *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_unknown_scenario_name_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "no_such_scenario"]) == 2
    assert "no such scenario file or bundled scenario name" in capsys.readouterr().err


def test_interrupt_exits_130_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(salessim.cli.commands, "replicate", interrupted)
    assert main(RUN_SHORT) == 130
    assert capsys.readouterr().err == "salessim: interrupted\n"


# --------------------------------------------------------------------------- validate, scenarios
def test_validate_reports_each_file_and_fails_if_any_is_bad(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _write(tmp_path / "more_leads.yaml", "extends: baseline\nname: more_leads\n")
    bad = _write(
        tmp_path / "bad.yaml", "extends: baseline\nqualification:\n  connect_probability: 2\n"
    )
    assert main(["validate", str(good), "baseline"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [f"ok  {good} (more_leads)", "ok  baseline (baseline)"]
    assert captured.err == ""

    assert main(["validate", str(bad), str(good)]) == 2
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [f"ok  {good} (more_leads)"]
    (line,) = captured.err.splitlines()
    assert line.startswith(str(bad))
    assert "qualification.connect_probability" in line
    assert "must be ≤ 1" in line


def test_scenarios_lists_the_bundled_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    baseline = [line for line in lines if line.split()[0] == "baseline"]
    assert len(baseline) == 1
    assert "AEs" in baseline[0], "the line carries the description"


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        (12_345_678.0, "money", "$12.3M"),
        (-450_000.0, "money", "-$450.0k"),
        (0.2345, "share", "23.4%"),
        (-1e-12, "share", "0.0%"),
        (1234.4, "count", "1,234"),
        (2.25, "hours", "2.2 h"),
        (float("nan"), "share", "n/a"),
    ],
)
def test_summary_values_read_as_money_percent_counts_and_hours(
    value: float, kind: str, shown: str
) -> None:
    assert format_value(value, kind) == shown


# --------------------------------------------------------------------------- fields, errors
def test_fields_lists_a_field_with_its_range_and_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["fields", "aes.count"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split() == ["PATH", "TYPE", "UNIT", "RANGE", "DEFAULT", "DESCRIPTION"]
    assert row.split()[:5] == ["aes.count", "int", "people", "1–500", "8"]
    assert main(["fields", "calendar", "--json"]) == 0
    paths = [f["path"] for f in json.loads(capsys.readouterr().out)["fields"]]
    assert "calendar.horizon_days" in paths and "aes.count" not in paths


def test_fields_unknown_path_is_one_line_with_close_matches(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["fields", "aes.cnt"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean aes.count" in err


def test_argument_errors_are_one_line_pointing_at_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "baseline", "-n", "zero"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err == (
        "salessim run: error: argument -n/--replications: must be an integer (got 'zero') "
        "(see salessim run --help)\n"
    )


def test_version_names_the_simulation_build(capsys: pytest.CaptureFixture[str]) -> None:
    """--version says whether the compiled modules or the pure-Python ones are installed (a
    trainer's `salessim serve` says so too): what the imported dispatcher module really is."""
    import salessim.reps

    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    compiled = not salessim.reps.__file__.endswith(".py")
    expected = "(compiled)" if compiled else "(pure Python)"
    assert capsys.readouterr().out.strip() == f"salessim {salessim.__version__} {expected}"
