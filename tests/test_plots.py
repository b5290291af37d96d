"""Tests for salessim.plots: dashboard, comparison and sweep figures, and atomic PNG writing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.figure import Figure

import salessim.plots
from salessim.plots import PlotDataError, comparison, dashboard, save_figure, sweep_curve

WEEKS = 104


def _weekly() -> dict[str, Sequence[float]]:
    rng = np.random.default_rng(0)
    week = np.arange(WEEKS, dtype=float)
    cycle = 1.0 + 0.3 * np.sin(2 * np.pi * week / 26)
    return {
        "week": week.tolist(),
        "pipeline_value": (2.5e6 * cycle).tolist(),
        "weighted_forecast": (0.9e6 * cycle).tolist(),
        "pipeline_count": np.round(60 * cycle).tolist(),
        "ae_hours_prospecting": rng.uniform(40, 60, WEEKS).tolist(),
        "ae_hours_qualifying": rng.uniform(20, 30, WEEKS).tolist(),
        "ae_hours_deal_work": rng.uniform(80, 100, WEEKS).tolist(),
        "ae_hours_non_selling": [40.0] * WEEKS,
        "ae_hours_idle": rng.uniform(0, 10, WEEKS).tolist(),
        "report_start_week": [13.0],
    }


def _quarterly() -> dict[str, Sequence[float]]:
    bookings = np.array([1.1e6, 1.4e6, 0.9e6, 1.2e6, 1.5e6, 1.0e6, 1.3e6, 1.2e6])
    return {
        "quarter": [float(q) for q in range(1, 9)],
        "bookings": bookings.tolist(),
        "forecast": [float("nan"), *(bookings[:-1] * 1.1).tolist()],
        "bookings_low": (bookings * 0.9).tolist(),
        "bookings_high": (bookings * 1.1).tolist(),
    }


FATES = {"qualified": 420.0, "disqualified": 310.0, "lost_slow_response": 95.0, "waiting": 12.0}


def _figure(**weekly_changes: Any) -> Figure:
    weekly = {**_weekly(), **weekly_changes}
    return dashboard(weekly, _quarterly(), FATES, "Baseline — 8 quarters")


def test_dashboard_saves_png_with_four_panels_and_twin(tmp_path: Path) -> None:
    fig = _figure()
    assert len(fig.axes) == 5  # four panels plus the pipeline-count twin
    assert fig.get_suptitle() == "Baseline — 8 quarters"
    target = tmp_path / "dashboard.png"
    save_figure(fig, target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert target.stat().st_size > 10_000
    assert [p.name for p in tmp_path.iterdir()] == ["dashboard.png"]


def test_dashboard_content() -> None:
    fig = _figure()
    bookings, pipeline, hours, fates, twin = fig.axes
    assert bookings.yaxis.get_major_formatter()(1.2e6, 0) == "$1.2M"
    assert pipeline.yaxis.get_major_formatter()(350_000, 0) == "$350k"
    assert "warm-up ends" in pipeline.get_legend_handles_labels()[1]
    assert "warm-up ends" in hours.get_legend_handles_labels()[1]
    legend = pipeline.get_legend()
    assert legend is not None
    assert legend.get_texts()[-1].get_text() == "Open deals"
    assert len(hours.collections) == 5
    assert [t.get_text() for t in fates.get_yticklabels()][2] == "lost slow response"
    assert twin.get_ylabel() == "Open deals"


def test_dashboard_skips_missing_hours_and_warm_up() -> None:
    weekly = _weekly()
    del weekly["ae_hours_idle"], weekly["report_start_week"]
    fig = dashboard(weekly, _quarterly(), FATES, "No idle")
    hours = fig.axes[2]
    assert len(hours.collections) == 4
    assert "warm-up ends" not in hours.get_legend_handles_labels()[1]


def test_dashboard_names_missing_or_misfit_series() -> None:
    weekly = _weekly()
    del weekly["pipeline_value"]
    with pytest.raises(PlotDataError, match="pipeline_value"):
        dashboard(weekly, _quarterly(), FATES, "broken")
    with pytest.raises(PlotDataError, match=r"pipeline_count.*3 values"):
        _figure(pipeline_count=[1.0, 2.0, 3.0])


def test_save_figure_replaces_and_cleans_up_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.png"
    target.write_bytes(b"old")
    fig = Figure(figsize=(2, 2))
    fig.subplots().plot([0, 1], [0, 1])
    save_figure(fig, target)
    assert target.read_bytes()[:4] == b"\x89PNG"

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(fig, "savefig", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        save_figure(fig, target)
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]
    assert target.read_bytes()[:4] == b"\x89PNG"


def test_plots_import_leaves_pyplot_unloaded() -> None:
    code = "import sys, salessim.plots; print('matplotlib.pyplot' in sys.modules)"
    project_root = Path(salessim.plots.__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=project_root
    )
    assert result.stdout.strip() == "False"


# --------------------------------------------------------------------------- comparison
NAMES = ["baseline", "more_leads"]


def _comparison(**changes: Any) -> Figure:
    args: dict[str, Any] = {
        "names": NAMES,
        "totals": [
            {
                "Bookings": {"mean": 5.0e6, "ci_low": 4.8e6, "ci_high": 5.2e6},
                "Profit": {"mean": 1.6e6, "ci_low": 1.5e6, "ci_high": 1.7e6},
            },
            {
                "Bookings": {"mean": 4.8e6, "ci_low": 4.6e6, "ci_high": 5.0e6},
                "Profit": {"mean": -0.2e6, "ci_low": None, "ci_high": None},
            },
        ],
        "quarterly": [
            {**_quarterly(), "reported": [0.0] + [1.0] * 7},
            {k: [v * 0.9 for v in vals] for k, vals in _quarterly().items() if k != "quarter"}
            | {"quarter": _quarterly()["quarter"]},
        ],
        "hours_shares": [
            {"prospecting": 0.23, "qualifying": 0.13, "deal_work": 0.37, "idle": 0.0},
            {"prospecting": 0.22, "qualifying": 0.15, "deal_work": 0.36, "idle": 0.01},
        ],
        "lead_fates": [
            {"filtered": 0.0, "disqualified": 1392.0, "converted": 304.0},
            {"filtered": 0.0, "disqualified": 1617.0, "converted": 307.0},
        ],
        "title": "baseline vs more_leads",
    }
    args.update(changes)
    return comparison(**args)


def test_comparison_saves_png_with_four_panels_and_scenario_legend(tmp_path: Path) -> None:
    fig = _comparison()
    assert len(fig.axes) == 4
    assert fig.get_suptitle() == "baseline vs more_leads"
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == NAMES
    target = tmp_path / "comparison.png"
    save_figure(fig, target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert target.stat().st_size > 10_000


def test_comparison_content() -> None:
    totals, quarterly, hours, fates = _comparison().axes
    assert [t.get_text() for t in totals.get_xticklabels()] == ["Bookings", "Profit"]
    heights = [bar.get_height() for bar in totals.patches]
    assert heights == pytest.approx([5.0e6, 1.6e6, 4.8e6, -0.2e6]), "bars grouped by total"
    assert totals.yaxis.get_major_formatter()(1.25e6, 0) == "$1.25M"
    assert len(quarterly.get_lines()) == 2, "one bookings line per scenario"
    assert "not reported (warm-up)" in quarterly.get_legend_handles_labels()[1]
    assert [t.get_text() for t in hours.get_xticklabels()] == NAMES
    assert hours.get_legend_handles_labels()[1] == [
        "Prospecting",
        "Qualifying",
        "Deal work",
        "Idle",
    ]
    assert hours.yaxis.get_major_formatter()(0.5, 0) == "50%"
    labels = [t.get_text() for t in fates.get_yticklabels()]
    assert labels == ["disqualified", "converted"], "fates at zero everywhere are left out"


def test_comparison_needs_one_entry_per_scenario() -> None:
    with pytest.raises(PlotDataError, match=r"hours_shares has 1 entries, expected 2"):
        _comparison(hours_shares=[{"idle": 1.0}])
    with pytest.raises(PlotDataError, match=r"quarterly\[1\] has no series 'bookings'"):
        _comparison(quarterly=[_quarterly(), {"quarter": [1.0]}])
    with pytest.raises(PlotDataError, match="at least one scenario"):
        comparison([], [], [], [], [], "empty")


# --------------------------------------------------------------------------- sweep curve
CURVE = {
    "mean": [1.0e6, 1.2e6, 1.1e6],
    "ci_low": [0.9e6, 1.1e6, 1.0e6],
    "ci_high": [1.1e6, 1.3e6, 1.2e6],
}


def test_sweep_curve_numeric_band_baseline_marker_and_labels(tmp_path: Path) -> None:
    fig = sweep_curve([1.5, 0.5, 1], CURVE, "bookings", "aes.count", label="Bookings", kind="money")
    (ax,) = fig.axes
    assert ax.get_xlabel() == "aes.count"
    assert ax.get_ylabel() == "Bookings"
    assert ax.get_title(loc="left") == "Bookings vs aes.count"
    mean_line, marker = ax.get_lines()
    assert list(mean_line.get_xdata()) == [0.5, 1.0, 1.5], "the curve runs left to right"
    assert list(mean_line.get_ydata()) == [1.2e6, 1.1e6, 1.0e6]
    assert (list(marker.get_xdata()), list(marker.get_ydata())) == ([1.0], [1.1e6])
    assert ax.get_legend_handles_labels()[1] == ["95% interval", "Mean", "Baseline (1)"]
    assert ax.yaxis.get_major_formatter()(1.5e6, 0) == "$1.5M"
    save_figure(fig, tmp_path / "sweep.png")
    assert (tmp_path / "sweep.png").stat().st_size > 10_000


def test_sweep_curve_names_are_categories_and_true_is_not_one() -> None:
    fig = sweep_curve(["closer_first", "lead_first", True], CURVE, "win_rate", "p", kind="share")
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["closer_first", "lead_first", "true"]
    assert "Baseline (1)" not in ax.get_legend_handles_labels()[1]
    assert ax.yaxis.get_major_formatter()(0.25, 0) == "25%"
    assert ax.get_ylabel() == "win_rate"


def test_sweep_curve_without_baseline_or_with_misfit_curve() -> None:
    (ax,) = sweep_curve([0.5, 1.0, 2.0], CURVE, "m", "p", baseline=None).axes
    assert len(ax.get_lines()) == 1
    with pytest.raises(PlotDataError, match=r"curve\['ci_low'\] has 2 values, expected 3"):
        sweep_curve([1, 2, 3], {**CURVE, "ci_low": [1.0, 2.0]}, "m", "p")
    with pytest.raises(PlotDataError, match="at least one value"):
        sweep_curve([], CURVE, "m", "p")
