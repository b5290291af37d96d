"""Two-parameter sweeps: cells equal the one-parameter sweeps they are made of, differences are
paired replication by replication, the map and its files, checkpoints, and bad combinations.

Runs are short (126 days, 21 of warm-up) with 2 replications, in this process (one worker):
they prove the wiring, not the model's numbers.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import salessim.experiments as experiments
import salessim.outputs as outputs
from salessim.cli import main
from salessim.config import Scenario
from salessim.errors import SalessimError, ScenarioError
from salessim.experiments import SweepGrid, sweep, sweep_grid
from salessim.formatting import format_delta
from salessim.outputs import OutputError, write_sweep_grid
from salessim.plots import difference_map
from salessim.scenario_files import load_scenario, scenario_with
from salessim.statistics import t_interval

SEED = 7
N = 2
PATH, VALUES = "aes.count", [6, 10]
PATH2, VALUES2 = "lead_volume_multiplier", [1, 1.3]


def dumped(data: Any) -> str:
    """Canonical JSON text, so that any difference in any value shows."""
    return json.dumps(data, sort_keys=True)


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load_scenario("baseline", {"calendar.horizon_days": 126, "calendar.warmup_days": 21})


@pytest.fixture(scope="module")
def grid(tiny: Scenario) -> SweepGrid:
    return sweep_grid(tiny, PATH, VALUES, PATH2, VALUES2, N, seed=SEED, workers=1)


# --------------------------------------------------------------------------- results
def test_grid_cells_equal_the_one_parameter_sweeps(tiny: Scenario, grid: SweepGrid) -> None:
    for value2, column in zip(VALUES2, grid.sweeps, strict=True):
        alone = sweep(scenario_with(tiny, {PATH2: value2}), PATH, VALUES, N, seed=SEED, workers=1)
        assert dumped(column.to_dict()) == dumped(alone.to_dict())
    # Swept the other way round, a row holds the same runs: the order of the two paths is moot.
    row = sweep(scenario_with(tiny, {PATH: VALUES[0]}), PATH2, VALUES2, N, seed=SEED, workers=1)
    for k, point in enumerate(row.sets):
        assert dumped(point.runs) == dumped(grid.sweeps[k].sets[0].runs)


def test_differences_are_paired_per_replication(grid: SweepGrid) -> None:
    table = grid.differences("bookings")
    assert len(table) == len(VALUES) and all(len(row) == 1 for row in table)
    for i, (diff,) in enumerate(table):
        per_replication = grid.sweeps[1].sets[i].values("bookings") - grid.sweeps[0].sets[i].values(
            "bookings"
        )
        expected = t_interval(per_replication)
        assert diff.mean == pytest.approx(expected.mean)
        assert (diff.ci_low, diff.ci_high) == pytest.approx((expected.ci_low, expected.ci_high))
        assert np.ptp(per_replication) > 0, "replications differ, so pairing is tested"


def test_grid_json_holds_every_cell_and_each_difference(grid: SweepGrid) -> None:
    data = grid.to_dict()
    assert (data["path"], data["values"], data["path2"], data["values2"]) == (
        PATH,
        VALUES,
        PATH2,
        VALUES2,
    )
    assert (data["scenario_value"], data["scenario_value2"]) == (8, 1.0)
    assert [(p["value"], p["value2"]) for p in data["points"]] == [
        (6, 1),
        (10, 1),
        (6, 1.3),
        (10, 1.3),
    ]
    assert [(d["value"], d["value2"], d["vs"]) for d in data["differences"]] == [
        (6, 1.3, 1),
        (10, 1.3, 1),
    ]
    bookings = data["differences"][1]["metrics"]["bookings"]
    assert set(bookings) == {"mean", "ci_low", "ci_high", "p_value", "significant"}
    assert bookings["mean"] == pytest.approx(grid.differences("bookings")[1][0].mean)


# --------------------------------------------------------------------------- files
def test_two_values_write_one_map_with_a_column_per_metric(grid: SweepGrid, tmp_path: Path) -> None:
    written = write_sweep_grid(grid, tmp_path, ["bookings", "profit"])
    assert sorted(written) == ["sweep_grid.csv", "sweep_grid.json", "sweep_grid.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(written), "no temporary file"
    assert (tmp_path / "sweep_grid.png").read_bytes().startswith(b"\x89PNG")
    data = json.loads((tmp_path / "sweep_grid.json").read_text(encoding="utf-8"))
    assert dumped(data) == dumped(outputs.sweep_grid_data(grid))
    with (tmp_path / "sweep_grid.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    metrics = grid.sweeps[0].sets[0].metric_names()
    assert len(rows) == len(VALUES) * len(VALUES2) * len(metrics)
    cell = next(r for r in rows if (r["value"], r["value2"], r["metric"]) == ("10", "1.3", "wins"))
    diff = grid.differences("wins")[1][0]
    assert (cell["vs"], float(cell["diff_mean"])) == ("1", pytest.approx(diff.mean))
    assert cell["significant"] == ("true" if diff.significant else "false")
    first = next(r for r in rows if (r["value"], r["value2"], r["metric"]) == ("6", "1", "wins"))
    assert first["vs"] == first["diff_mean"] == "", "the first value is what others are vs"


def test_three_values_write_one_map_per_metric(tiny: Scenario, tmp_path: Path) -> None:
    grid3 = sweep_grid(tiny, PATH, [8], PATH2, [1, 1.3, 1.6], N, seed=SEED, workers=1)
    written = write_sweep_grid(grid3, tmp_path, ["bookings", "source:web_inbound:leads"])
    assert sorted(written) == [
        "sweep_grid.csv",
        "sweep_grid.json",
        "sweep_grid_bookings.png",
        "sweep_grid_source_web_inbound_leads.png",
    ]


def test_grid_files_are_published_all_or_nothing(
    grid: SweepGrid, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sweep_grid.json").write_text("previous", encoding="utf-8")

    def failing_png(_figure: Any) -> Any:
        def write(_handle: Any) -> None:
            raise OSError(28, "No space left on device")

        return write

    monkeypatch.setattr(outputs, "figure_png", failing_png)
    with pytest.raises(OutputError, match="No space left on device"):
        write_sweep_grid(grid, tmp_path, ["bookings"])
    assert [p.name for p in tmp_path.iterdir()] == ["sweep_grid.json"]
    assert (tmp_path / "sweep_grid.json").read_text(encoding="utf-8") == "previous"


def test_map_marks_significance_and_colours_worse_red() -> None:
    figure = difference_map(
        [6, 8],
        ["Bookings", "Deals lost to neglect"],
        [[-100.0, 2.0], [50.0, -1.0]],
        [[True, False], [False, True]],
        kinds=["money", "count"],
        better=[True, False],
        row_label="aes.count",
        title="t",
        shared_scale=False,
        scenario_value=8,
    )
    ax = figure.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["-$100 *", "+2.0", "+$50", "-1.0 *"]
    colour = ax.images[0].get_array()
    # Worse is negative (red end of the scale) whichever way the metric counts as better.
    assert colour[0, 0] < 0 and colour[0, 1] < 0 and colour[1, 0] > 0 and colour[1, 1] > 0
    assert [t.get_text() for t in ax.get_yticklabels()] == ["6", "8 (scenario)"]


# --------------------------------------------------------------------------- checkpoints
def test_rerun_resumes_from_checkpoints(
    tiny: Scenario, grid: SweepGrid, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed: list[int] = []
    real = experiments.run_scenarios

    def counting(scenarios: list[Scenario], *args: Any, **kwargs: Any) -> Any:
        computed.append(len(scenarios))
        return real(scenarios, *args, **kwargs)

    monkeypatch.setattr(experiments, "run_scenarios", counting)

    def run() -> SweepGrid:
        return sweep_grid(
            tiny, PATH, VALUES, PATH2, VALUES2, N, seed=SEED, workers=1, checkpoint_dir=tmp_path
        )

    assert dumped(run().to_dict()) == dumped(grid.to_dict())
    assert computed == [2, 2]
    assert dumped(run().to_dict()) == dumped(grid.to_dict())
    assert computed == [2, 2], "nothing recomputed"


# --------------------------------------------------------------------------- errors
def test_bad_combinations_are_refused_before_any_run(
    tiny: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(experiments, "run_scenarios", None)
    with pytest.raises(SalessimError, match=r"^aes\.count: the two swept parameters must differ"):
        sweep_grid(tiny, PATH, VALUES, PATH, [6, 8], N)
    with pytest.raises(SalessimError, match="at least two values to compare"):
        sweep_grid(tiny, PATH, VALUES, PATH2, [1.3], N)
    with pytest.raises(ScenarioError, match=r"aes\.count"):
        sweep_grid(tiny, PATH, [6, -1], PATH2, VALUES2, N)


# --------------------------------------------------------------------------- command line
def _grid_argv(*extra: str) -> list[str]:
    return [
        "sweep",
        "baseline",
        "--param",
        PATH,
        "--values",
        "6,10",
        "--param2",
        PATH2,
        "--values",
        "1,1.3",
        "-n",
        str(N),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--set",
        "calendar.horizon_days=126",
        "--set",
        "calendar.warmup_days=21",
        *extra,
    ]


def test_cli_grid_json_and_files_are_the_library_grid(
    grid: SweepGrid, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "grid"
    assert main(_grid_argv("--json", "--out", str(out_dir), "--metric", "bookings")) == 0
    printed = json.loads(capsys.readouterr().out)
    assert dumped(printed) == dumped(outputs.sweep_grid_data(grid))
    assert json.loads((out_dir / "sweep_grid.json").read_text(encoding="utf-8")) == printed
    names = {p.name for p in out_dir.iterdir()}
    assert names == {"points", "sweep_grid.json", "sweep_grid.csv", "sweep_grid.png"}


def test_cli_grid_table_shows_paired_differences_per_row(
    grid: SweepGrid, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_grid_argv("--metric", "bookings", "--metric", "win_rate")) == 0
    out = capsys.readouterr().out
    assert f"Sweep of {PATH} × {PATH2} over 2 × 2 values: 2 replications each, seed 7" in out
    assert f"{PATH2} 1.3 vs 1" in out
    rows = [line.split("│")[0].strip() for line in out.splitlines() if "│" in line]
    assert [r for r in rows if r] == ["6", "10"]
    diff = grid.differences("bookings")[0][0]
    assert format_delta(diff.mean, "money") in out
    assert "pp" in out, "a share's difference reads in percentage points"
    assert "* the interval excludes 0" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--values", "6,10"], "--values given 2 times: give it once, or twice with --param2"),
        (
            ["--param2", PATH2],
            "--param2 needs --values twice, first for --param and then for --param2 (given 1 time)",
        ),
        (
            ["--param2", PATH2, "--values", "1,1.3", "--values", "1"],
            "--param2 needs --values twice, first for --param and then for --param2 (given 3 "
            "times)",
        ),
        (["--param2", PATH, "--values", "6,8"], f"--param2 {PATH}: the same field as --param"),
        (
            ["--param2", PATH2, "--values", "1.3"],
            f"--param2 {PATH2}: needs at least two values to compare (got 1.3)",
        ),
        (["--param2", "aes.cuont", "--values", "1,2"], "--param2: aes.cuont: unknown field"),
    ],
)
def test_cli_bad_combinations_are_one_line_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sweep", "baseline", "--param", PATH, "--values", "6,10", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1
    assert captured.err.startswith(f"salessim: error: {message}")
