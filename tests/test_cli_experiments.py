"""``salessim compare`` and ``salessim sweep`` end to end: JSON, tables, files, resume, errors."""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import salessim.cli.commands
import salessim.experiments
import salessim.parallel
from salessim.cli import main
from salessim.cli.parser import sweep_values
from salessim.cli.tables import print_sweep
from salessim.experiments import ReplicationError, ReplicationSet, Sweep
from salessim.formatting import format_delta
from salessim.outputs import sweep_data
from salessim.scenario_files import load_scenario

# Short runs (200 days, not 819) prove the wiring; the model's own tests prove its numbers.
SHORT = ["--set", "calendar.horizon_days=200", "--set", "calendar.warmup_days=21"]
MORE_LEADS = "extends: baseline\nname: more_leads\n"
MORE_LEADS += "lead_sources:\n  - name: web_inbound\n    volume_multiplier: 1.3\n"
MULTIPLIER = "lead_sources.web_inbound.volume_multiplier"
SWEEP_VALUES = "0.5,1,1.5"
# Metrics defined in every replication of a short baseline run (no NaN pairs to drop).
ALWAYS_DEFINED = ("bookings", "profit", "wins", "opportunities", "leads", "hours_share_qualifying")


def _strict_json(text: str) -> Any:
    """Parse JSON, refusing the NaN and Infinity that Python's json would otherwise accept."""

    def reject(constant: str) -> None:
        raise AssertionError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=reject)


@pytest.fixture
def more_leads(tmp_path: Path) -> str:
    path = tmp_path / "more_leads.yaml"
    path.write_text(MORE_LEADS, encoding="utf-8")
    return str(path)


def _compare(more_leads: str, *extra: str) -> list[str]:
    return ["compare", "baseline", more_leads, "-n", "3", "--workers", "1", *SHORT, *extra]


def _sweep(*extra: str, values: str = SWEEP_VALUES) -> list[str]:
    return [
        "sweep",
        "baseline",
        "--param",
        MULTIPLIER,
        "--values",
        values,
        "-n",
        "3",
        "--workers",
        "1",
        *SHORT,
        *extra,
    ]


def _ok(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def _error_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("salessim: error: ")
    return lines[0]


# --------------------------------------------------------------------------- compare
def test_compare_json_holds_each_scenario_and_the_paired_differences(
    capsys: pytest.CaptureFixture[str], more_leads: str
) -> None:
    out = _ok(capsys, _compare(more_leads, "--json"))
    assert out.count("\n") == 1, "stdout holds exactly one JSON line"
    data = _strict_json(out)
    assert set(data) == {"seed", "replications", "scenarios", "differences"}
    assert all(s["window"]["text"].endswith("days 21\N{EN DASH}200") for s in data["scenarios"])
    assert (data["seed"], data["replications"]) == (0, 3)
    assert [s["name"] for s in data["scenarios"]] == ["baseline", "more_leads"]
    (diff,) = data["differences"]
    assert (diff["name"], diff["vs"]) == ("more_leads", "baseline")
    base, other = (s["metrics"] for s in data["scenarios"])
    assert set(diff["metrics"]) == set(base) == set(other)
    for name in ALWAYS_DEFINED:
        assert set(base[name]) - {"per_year"} == {"mean", "ci_low", "ci_high"}, name
        assert set(diff["metrics"][name]) == {
            "mean",
            "ci_low",
            "ci_high",
            "p_value",
            "significant",
        }, name
        # Paired differences over the same seeds: their mean is the difference of the means.
        expected = other[name]["mean"] - base[name]["mean"]
        assert diff["metrics"][name]["mean"] == pytest.approx(expected, rel=1e-9, abs=1e-9)
    # 30% more web leads must show up as more leads, with an interval clear of zero.
    assert diff["metrics"]["leads"]["ci_low"] > 0


def test_compare_set_applies_to_every_scenario(
    capsys: pytest.CaptureFixture[str], more_leads: str
) -> None:
    no_leads = ["--set", "lead_sources.web_inbound.monthly_volume=0"]
    no_leads += ["--set", "lead_sources.content.monthly_volume=0"]
    data = _strict_json(_ok(capsys, _compare(more_leads, "--json", *no_leads)))
    assert [s["metrics"]["leads"]["mean"] for s in data["scenarios"]] == [0, 0]


def test_compare_table_shows_means_differences_and_significance(
    capsys: pytest.CaptureFixture[str], more_leads: str
) -> None:
    out = _ok(capsys, _compare(more_leads))
    assert "Compared 2 scenarios against baseline: 3 replications each, seed 0" in out
    assert "more_leads vs baseline" in out
    assert "Difference" in out
    assert "95% interval" in out
    assert "* its 95% interval excludes 0" in out
    leads_row = next(line for line in out.splitlines() if line.split("│")[0].strip() == "Leads")
    assert leads_row.rstrip().endswith("*"), leads_row
    assert "+" in leads_row.split("│")[3], "the difference carries its sign"
    bookings_row = next(line for line in out.splitlines() if "Bookings" in line)
    assert bookings_row.count("$") >= 4, "money reads as money"


def test_compare_out_writes_json_csv_and_png(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], more_leads: str
) -> None:
    out_dir = tmp_path / "cmp"
    printed = _strict_json(_ok(capsys, _compare(more_leads, "--json", "--out", str(out_dir))))
    assert {p.name for p in out_dir.iterdir()} == {"compare.json", "compare.csv", "comparison.png"}
    assert _strict_json((out_dir / "compare.json").read_text(encoding="utf-8")) == printed
    png = (out_dir / "comparison.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 10_000
    with (out_dir / "compare.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    metrics = printed["scenarios"][0]["metrics"]
    assert len(rows) == 2 * len(metrics), "one row per metric and scenario"
    by_key = {(row["metric"], row["scenario"]): row for row in rows}
    base, other = by_key["bookings", "baseline"], by_key["bookings", "more_leads"]
    assert base["diff_mean"] == "" and base["vs"] == ""
    assert other["vs"] == "baseline"
    diff = printed["differences"][0]["metrics"]["bookings"]
    assert float(other["diff_mean"]) == pytest.approx(diff["mean"])
    assert float(other["mean"]) == pytest.approx(
        printed["scenarios"][1]["metrics"]["bookings"]["mean"]
    )
    assert other["significant"] == (
        "true" if diff["ci_low"] > 0 or diff["ci_high"] < 0 else "false"
    )


def test_failed_compare_removes_the_out_dir_it_created(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    more_leads: str,
) -> None:
    def failing(*_args: object, **_kwargs: object) -> None:
        raise ReplicationError("scenario 'more_leads', seed 0, replication 2: ZeroDivisionError")

    monkeypatch.setattr(salessim.cli.commands, "compare_scenarios", failing)
    out_dir = tmp_path / "new" / "cmp"
    line = _error_line(capsys, _compare(more_leads, "--out", str(out_dir)))
    assert "scenario 'more_leads', seed 0, replication 2" in line
    assert not (tmp_path / "new").exists()


def test_compare_needs_two_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", "baseline"])
    assert exit_info.value.code == 2
    assert "the following arguments are required: B" in capsys.readouterr().err


def test_compare_names_a_bad_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    line = _error_line(capsys, ["compare", "baseline", "no_such_scenario", "-n", "1"])
    assert "no_such_scenario" in line


# --------------------------------------------------------------------------- scheduler
@pytest.fixture
def fake_dask(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Stand in for a Dask cluster: run the tasks here and record the scheduler address."""
    addresses: list[str] = []

    def run_dask(fn: Any, tasks: Any, address: str, label: Any) -> Iterator[tuple[int, Any]]:
        addresses.append(address)
        return salessim.parallel.run_serial(fn, tasks, label)

    monkeypatch.delenv(salessim.parallel.SCHEDULER_ENV, raising=False)
    monkeypatch.setattr(salessim.parallel, "run_dask", run_dask)
    return addresses


def test_scheduler_option_sends_run_compare_and_sweep_to_the_cluster(
    capsys: pytest.CaptureFixture[str], fake_dask: list[str], more_leads: str
) -> None:
    address = "tcp://scheduler.example:8786"
    _ok(capsys, ["run", "baseline", "-n", "2", *SHORT, "--json", "--scheduler", address])
    _ok(capsys, _compare(more_leads, "--json", "--scheduler", address))
    _ok(capsys, _sweep("--json", "--scheduler", address, values="1"))
    assert fake_dask == [address] * 3


def test_scheduler_comes_from_the_environment_without_the_option(
    capsys: pytest.CaptureFixture[str],
    fake_dask: list[str],
    monkeypatch: pytest.MonkeyPatch,
    more_leads: str,
) -> None:
    monkeypatch.setenv(salessim.parallel.SCHEDULER_ENV, "tcp://from-env:8786")
    _ok(capsys, _compare(more_leads, "--json"))
    assert fake_dask == ["tcp://from-env:8786"]


# --------------------------------------------------------------------------- sweep
def test_sweep_json_has_one_point_per_value(capsys: pytest.CaptureFixture[str]) -> None:
    out = _ok(capsys, _sweep("--json"))
    assert out.count("\n") == 1
    data = _strict_json(out)
    assert set(data) == {
        "seed",
        "replications",
        "path",
        "scenario_value",
        "values",
        "tipping_points",
        "points",
    }
    assert isinstance(data["tipping_points"], dict)
    assert "leads" not in data["tipping_points"], "more volume gives more leads all the way"
    assert data["scenario_value"] == 1.0, "the scenario's own value of the swept field"
    assert data["path"] == MULTIPLIER
    assert data["values"] == [0.5, 1, 1.5]
    assert [p["value"] for p in data["points"]] == [0.5, 1, 1.5]
    leads = [p["metrics"]["leads"]["mean"] for p in data["points"]]
    assert leads == sorted(leads) and leads[0] < leads[-1], "more volume, more leads"
    for point in data["points"]:
        assert set(point["metrics"]["bookings"]) == {"mean", "ci_low", "ci_high", "per_year"}


def test_sweep_table_shows_chosen_metrics_per_value(capsys: pytest.CaptureFixture[str]) -> None:
    out = _ok(capsys, _sweep("--metric", "leads", "--metric", "win_rate"))
    assert f"Sweep of {MULTIPLIER} over 3 values: 3 replications each, seed 0" in out
    header = next(line for line in out.splitlines() if "volume_multiplier" in line and "┃" in line)
    assert [cell.strip() for cell in header.split("┃")] == [
        "volume_multiplier",
        "Leads",
        "Win rate",
    ]
    rows = [line.split("│")[0].strip() for line in out.splitlines() if "│" in line]
    assert [r for r in rows if r] == ["0.5", "1 (scenario)", "1.5"]
    assert "%" in out, "win rate reads as a percentage"
    assert "Bookings" not in out, "--metric replaces the default metrics"
    # More volume gives more leads all the way: no value is above both ends.
    assert "Leads: no peak is distinguishable" in out


def _peaked_sweep(middle: list[float]) -> Sweep:
    """A three-value sweep of aes.count (4, 8, 12) with three replications of bookings each:
    the ends fixed, the middle value's bookings given."""
    base = load_scenario("baseline")
    sets = [
        ReplicationSet(
            base, 0, [{"replication": i, "metrics": {"bookings": b}} for i, b in enumerate(v)]
        )
        for v in ([10.0, 11.0, 12.0], middle, [10.0, 12.0, 11.0])
    ]
    return Sweep("aes.count", [4, 8, 12], sets, 0, 8)


@pytest.mark.parametrize(
    ("middle", "said"),
    [
        ([20.0, 21.0, 23.0], "Bookings: tipping point at 8 ($21; its paired differences"),
        # The highest mean, but its paired differences from the ends include zero.
        ([9.0, 16.0, 11.0], "Bookings: no peak is distinguishable"),
    ],
)
def test_sweep_table_calls_a_peak_only_from_paired_differences(
    capsys: pytest.CaptureFixture[str], middle: list[float], said: str
) -> None:
    print_sweep(_peaked_sweep(middle), ["bookings"])
    out = " ".join(capsys.readouterr().out.split())
    assert said in out
    assert ("tipping point" in out) == (middle[0] == 20.0)


@pytest.mark.parametrize(
    ("middle", "tipping"),
    [([20.0, 21.0, 23.0], {"bookings": 8}), ([9.0, 16.0, 11.0], {})],
)
def test_sweep_json_names_a_tipping_point_only_from_paired_differences(
    middle: list[float], tipping: dict[str, int]
) -> None:
    data = sweep_data(_peaked_sweep(middle))
    assert data["tipping_points"] == tipping
    assert json.loads(json.dumps(data, allow_nan=False))["tipping_points"] == tipping


def test_sweep_out_writes_json_csv_and_one_png_per_metric(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "sw"
    printed = _strict_json(
        _ok(
            capsys,
            _sweep("--json", "--out", str(out_dir), "--metric", "profit", "--metric", "leads"),
        )
    )
    names = {p.name for p in out_dir.iterdir()}
    assert names == {"points", "sweep.json", "sweep.csv", "sweep_profit.png", "sweep_leads.png"}
    assert _strict_json((out_dir / "sweep.json").read_text(encoding="utf-8")) == printed
    for png in ("sweep_profit.png", "sweep_leads.png"):
        data = (out_dir / png).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000, png
    with (out_dir / "sweep.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    metrics = printed["points"][0]["metrics"]
    assert len(rows) == 3 * len(metrics), "one row per value and metric, every metric"
    assert [r["value"] for r in rows[:: len(metrics)]] == ["0.5", "1", "1.5"]
    row = next(r for r in rows if r["value"] == "1.5" and r["metric"] == "bookings")
    assert float(row["mean"]) == pytest.approx(printed["points"][2]["metrics"]["bookings"]["mean"])


def test_sweep_default_metrics_give_four_plots(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _ok(capsys, _sweep("--out", str(tmp_path), values="1"))
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert pngs == [
        "sweep_bookings.png",
        "sweep_opportunities.png",
        "sweep_profit.png",
        "sweep_wins.png",
    ]


@pytest.fixture
def run_counter(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the points each call of run_scenarios computes (sweeps call it once, for all)."""
    calls: list[int] = []
    real = salessim.experiments.run_scenarios

    def counting(scenarios: list[Any], *args: Any, **kwargs: Any) -> Any:
        calls.append(len(scenarios))
        return real(scenarios, *args, **kwargs)

    monkeypatch.setattr(salessim.experiments, "run_scenarios", counting)
    return calls


def test_sweep_rerun_resumes_from_its_checkpoints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], run_counter: list[int]
) -> None:
    argv = _sweep("--json", "--out", str(tmp_path))
    first = _ok(capsys, argv)
    assert run_counter == [3]
    points = tmp_path / "points"
    stamps = {p.name: p.stat().st_mtime_ns for p in points.iterdir()}
    assert len([n for n in stamps if n.startswith("point-")]) == 3

    assert _ok(capsys, argv) == first, "the same answer from the saved points"
    assert run_counter == [3], "nothing recomputed"
    assert {p.name: p.stat().st_mtime_ns for p in points.iterdir()} == stamps

    # A lost point (say, the run was interrupted there) is the only one computed again.
    victim = sorted(n for n in stamps if n.startswith("point-"))[0]
    (points / victim).unlink()
    assert _ok(capsys, argv) == first
    assert run_counter == [3, 1]


def test_sweep_with_another_seed_refuses_the_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _ok(capsys, _sweep("--json", "--out", str(tmp_path), values="1"))
    before = sorted(p.name for p in tmp_path.rglob("*"))
    line = _error_line(capsys, _sweep("--seed", "5", "--out", str(tmp_path), values="1"))
    assert str(tmp_path) in line
    assert "different scenario, parameter, seed or replication count" in line
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


@pytest.mark.parametrize("text", ["[]", "42", '"text"', "{not json", ""])
def test_a_checkpoint_that_is_not_one_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    points = tmp_path / "points"
    points.mkdir()
    (points / "sweep_manifest.json").write_text(text, encoding="utf-8")
    line = _error_line(capsys, _sweep("--out", str(tmp_path), values="1"))
    assert "sweep_manifest.json: not a salessim sweep checkpoint" in line
    assert sorted(p.name for p in points.iterdir()) == ["sweep_manifest.json"]


def test_failed_sweep_keeps_its_out_dir_and_finished_points(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = salessim.experiments.run_chunk

    def failing_at_high_volume(data: dict[str, Any], *args: Any) -> Any:
        web = next(s for s in data["lead_sources"] if s["name"] == "web_inbound")
        if web["volume_multiplier"] == 1.5:
            raise ZeroDivisionError("boom")
        return real(data, *args)

    monkeypatch.setattr(salessim.experiments, "run_chunk", failing_at_high_volume)
    out_dir = tmp_path / "sw"
    line = _error_line(capsys, _sweep("--out", str(out_dir)))
    assert "ZeroDivisionError" in line
    points = [p.name for p in (out_dir / "points").iterdir() if p.name.startswith("point-")]
    assert len(points) == 2, "the two finished points are kept for a rerun"
    assert not list(out_dir.glob("sweep*")), "no final file from a failed sweep"


def test_sweep_bad_param_path_names_it_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "sw"
    argv = _sweep("--out", str(out_dir))
    argv[argv.index(MULTIPLIER)] = "aes.cuont"
    line = _error_line(capsys, argv)
    assert line.startswith("salessim: error: --param: aes.cuont: unknown field")
    assert not out_dir.exists()


def test_sweep_value_out_of_range_names_param_and_value(
    capsys: pytest.CaptureFixture[str],
) -> None:
    line = _error_line(capsys, _sweep(values="1,-2"))
    assert f"--param: {MULTIPLIER}" in line
    assert "-2" in line


def test_sweep_unknown_metric_suggests_a_name(capsys: pytest.CaptureFixture[str]) -> None:
    line = _error_line(capsys, _sweep("--metric", "bokings", values="1"))
    assert "--metric bokings: no such metric (did you mean bookings" in line


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("0.5,0.75,1,1.25,1.5", [0.5, 0.75, 1, 1.25, 1.5]),
        ("true,false", [True, False]),
        ("closer_first, lead_first", ["closer_first", "lead_first"]),
        ("8,12,null", [8, 12, None]),
    ],
)
def test_sweep_values_are_read_as_yaml(text: str, values: list[Any]) -> None:
    parsed = sweep_values(text)
    assert parsed == values
    assert [type(v) for v in parsed] == [type(v) for v in values]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,,2", "empty value in '1,,2'"),
        ("1,[2", "'[2': invalid YAML at line 1, column 3"),
        ("1,&a x", "'&a x': line 1, column 1: YAML anchors and aliases (& and *) are not allowed"),
        ("1,2020-01-01", "'2020-01-01' is not a number, true/false, null or a name"),
        ("1,1.0,1", "'1' appears more than once"),
    ],
)
def test_bad_sweep_values_are_usage_errors(
    text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="^" + re.escape(message)):
        sweep_values(text)
    with pytest.raises(SystemExit) as exit_info:
        main(["sweep", "baseline", "--param", "aes.count", "--values", text])
    assert exit_info.value.code == 2
    assert f"argument --values: {message}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        (1_234_567.0, "money", "+$1.2M"),
        (-450_000.0, "money", "-$450.0k"),
        (0.0123, "share", "+1.2 pp"),
        (-1e-12, "share", "0.0 pp"),
        (-12.0, "count", "-12.0"),
        (math.nan, "count", "n/a"),
    ],
)
def test_differences_read_with_sign_and_unit(value: float, kind: str, shown: str) -> None:
    assert format_delta(value, kind) == shown
