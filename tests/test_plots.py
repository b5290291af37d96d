"""Tests for salessim.plots: dashboard, comparison and sweep figures, and atomic PNG writing."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.text import Text

import salessim.plots
from salessim.plots import (
    PlotDataError,
    comparison,
    dashboard,
    replications_phrase,
    save_figure,
    sweep_curve,
    waterfall,
)

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


def test_dashboard_marks_each_day_the_plan_changes() -> None:
    weekly = _weekly()
    fig = dashboard(weekly, _quarterly(), FATES, "A plan from day 315", change_days=[315, 441])
    bookings, pipeline, hours, _, _ = fig.axes
    for ax in (bookings, pipeline, hours):
        assert ax.get_legend_handles_labels()[1].count("plan changes") == 1
        assert {t.get_text() for t in ax.texts} >= {"day 315", "day 441"}
    # Quarter 5 (days 315–377) is the fifth bar from quarter 1: its left edge is at 3.5.
    dashed = [line for line in bookings.get_lines() if line.get_linestyle() == "--"]
    assert [line.get_xdata()[0] for line in dashed] == pytest.approx([3.5, 5.5])
    weeks = [line.get_xdata()[0] for line in pipeline.get_lines() if line.get_linestyle() == "--"]
    assert weeks[-2:] == pytest.approx([63.0, 88.2])
    plain = _figure()
    assert "plan changes" not in plain.axes[0].get_legend_handles_labels()[1]


def test_comparison_marks_each_scenarios_change_days_once_in_the_legend() -> None:
    quarterly = _comparison(change_days=[[], [315]]).axes[1]
    assert quarterly.get_legend_handles_labels()[1].count("plan changes") == 1
    assert [t.get_text() for t in quarterly.texts] == ["day 315"]


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
    fig = sweep_curve(
        [1.5, 0.5, 1], CURVE, "bookings", "aes.count", label="Bookings", kind="money", baseline=1
    )
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
    values = ["closer_first", "lead_first", True]
    fig = sweep_curve(values, CURVE, "win_rate", "p", kind="share", baseline=1)
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


# --------------------------------------------------------------------------- readable and honest
LONG_NAMES = [
    "baseline_team_of_eight_account_executives",
    "thirty_percent_more_web_leads_from_campaign",
    "more_leads_with_two_sdrs_working_inbound",
    "more_leads_with_lead_scoring_filter",
    "two_more_account_executives_no_extra_leads",
]
LONG_TITLE = (
    " vs ".join(LONG_NAMES) + ": mean of 20 replications (seed 2026, common random numbers)"
)
NAN = float("nan")


def _five_way(**changes: Any) -> Figure:
    args: dict[str, Any] = {
        "names": LONG_NAMES,
        "totals": [{"Bookings": {"mean": 5e6, "ci_low": 4.8e6, "ci_high": 5.2e6}}] * 5,
        "quarterly": [_quarterly()] * 5,
        "hours_shares": [{"prospecting": 0.3, "deal_work": 0.5, "idle": 0.2}] * 5,
        "lead_fates": [{"disqualified": 1392.0, "converted": 304.0}] * 5,
        "title": LONG_TITLE,
    }
    args.update(changes)
    return comparison(**args)


def _renderer(fig: Figure) -> RendererAgg:
    """Lay the figure out and draw it, as saving it would."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _inside_width(fig: Figure, artist: Artist, renderer: RendererAgg) -> bool:
    box = artist.get_window_extent(renderer)
    return bool(box.x0 >= 0 and box.x1 <= fig.bbox.width)


def _suptitle_text(fig: Figure) -> Text:
    (text,) = [t for t in fig.texts if t.get_text() == fig.get_suptitle()]
    return text


def test_replications_phrase_says_one_or_many() -> None:
    assert replications_phrase(1) == "mean of 1 replication"
    assert replications_phrase(20) == "mean of 20 replications"


def test_long_names_get_letter_ticks_a_naming_legend_and_a_wrapped_title() -> None:
    fig = _five_way()
    renderer = _renderer(fig)
    hours = fig.axes[2]
    assert [t.get_text() for t in hours.get_xticklabels()] == ["A", "B", "C", "D", "E"]
    (legend,) = fig.legends
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts == [f"{letter}: {name}" for letter, name in zip("ABCDE", LONG_NAMES, strict=True)]
    assert _inside_width(fig, legend, renderer), "every scenario name is readable"
    title = _suptitle_text(fig)
    assert " ".join(title.get_text().split()) == LONG_TITLE, "wrapped, not shortened"
    assert _inside_width(fig, title, renderer), "the title is not cut at the figure's edges"
    boxes = [t.get_window_extent(renderer) for t in hours.get_xticklabels()]
    assert all(a.x1 < b.x0 for a, b in itertools.pairwise(boxes)), "ticks overlap"


def test_short_names_stay_tick_labels() -> None:
    fig = _five_way(names=["a", "b", "c", "d", "e"], title="a vs b")
    assert [t.get_text() for t in fig.axes[2].get_xticklabels()] == ["a", "b", "c", "d", "e"]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["a", "b", "c", "d", "e"]
    assert fig.get_suptitle() == "a vs b"


def test_long_titles_of_sweeps_waterfalls_and_dashboards_fit() -> None:
    sweep = sweep_curve([1, 2, 3], CURVE, "m", "p", title=LONG_TITLE + "\nsecond line")
    fall = waterfall([("start", 1e6), ("more leads", 2e5), ("end", 1.2e6)], LONG_TITLE)
    for fig in (sweep, fall):
        renderer = _renderer(fig)
        ax = fig.axes[0]
        text = ax.get_title(loc="left")
        (title,) = [t for t in ax.get_children() if isinstance(t, Text) and t.get_text() == text]
        assert " ".join(text.split()).startswith(LONG_TITLE), "wrapped, not shortened"
        assert _inside_width(fig, title, renderer)
    assert sweep.axes[0].get_title(loc="left").endswith("\nsecond line"), "line breaks are kept"
    dash = dashboard(_weekly(), _quarterly(), FATES, LONG_TITLE)
    assert _inside_width(dash, _suptitle_text(dash), _renderer(dash))


def test_no_marketing_leads_says_so_without_an_axis() -> None:
    none = {"filtered": 0.0, "disqualified": 0.0, "converted": 0.0}
    dash_fates = dashboard(_weekly(), _quarterly(), none, "no leads").axes[3]
    compare_fates = _comparison(lead_fates=[none, none]).axes[3]
    for ax in (dash_fates, compare_fates):
        assert [t.get_text() for t in ax.texts] == ["no marketing leads"]
        assert not ax.axison, "no −0.06…0.06 axis"
        assert ax.get_title(loc="left") == "(d) Leads by fate"


def test_share_axes_stay_between_0_and_100_percent() -> None:
    rounding = [{"prospecting": 0.5, "deal_work": 0.53}, {"prospecting": 0.4, "deal_work": 0.6}]
    hours = _comparison(hours_shares=rounding).axes[2]
    assert hours.get_ylim() == (0.0, 1.0)
    win_rate = {"mean": [0.2, 0.6, 0.97], "ci_low": [-0.05, 0.5, 0.9], "ci_high": [0.3, 0.7, 1.04]}
    (ax,) = sweep_curve([1, 2, 3], win_rate, "win_rate", "p", kind="share").axes
    bottom, top = ax.get_ylim()
    assert bottom >= 0.0 and top <= 1.0
    (band,) = ax.collections
    ys = band.get_paths()[0].vertices[:, 1]
    assert ys.min() >= 0.0 and ys.max() <= 1.0


def _whisker_segments(ax: Axes) -> list[Any]:
    return [
        segment
        for container in ax.containers
        if isinstance(container, ErrorbarContainer)
        for lines in container.lines[2]
        for segment in lines.get_segments()
    ]


def test_undefined_intervals_draw_no_whiskers_or_bands() -> None:
    totals = _comparison().axes[0]  # the second scenario's profit has no interval
    segments = _whisker_segments(totals)
    assert len(segments) == 3
    assert all(seg[0][1] < seg[1][1] for seg in segments), "no zero-width whisker"

    one_rep = {"mean": [1.0, 2.0, 3.0], "ci_low": [NAN] * 3, "ci_high": [NAN] * 3}
    (names,) = sweep_curve(["a", "b", "c"], one_rep, "m", "p").axes
    assert _whisker_segments(names) == []
    assert names.get_legend_handles_labels()[1] == ["Mean"]
    (numbers,) = sweep_curve([1, 2, 3], one_rep, "m", "p").axes
    assert numbers.get_legend_handles_labels()[1] == ["Mean"]
    assert len(numbers.collections) == 0

    quarterly = {**_quarterly(), "bookings_low": [NAN] * 8, "bookings_high": [NAN] * 8}
    bookings = dashboard(_weekly(), quarterly, FATES, "one replication").axes[0]
    assert _whisker_segments(bookings) == []
    lines = _comparison(quarterly=[quarterly, quarterly]).axes[1]
    assert len(lines.collections) == 0, "no empty bands"


def test_count_and_bookings_intervals_stop_at_zero() -> None:
    leads = {"mean": [2.0, 5.0, 9.0], "ci_low": [-3.0, 1.0, 4.0], "ci_high": [7.0, 9.0, 14.0]}
    (ax,) = sweep_curve([1, 2, 3], leads, "leads_expired", "p", kind="count").axes
    assert ax.get_ylim()[0] >= 0.0
    assert ax.collections[0].get_paths()[0].vertices[:, 1].min() >= 0.0
    (names,) = sweep_curve(["a", "b", "c"], leads, "leads_expired", "p", kind="count").axes
    assert min(seg[0][1] for seg in _whisker_segments(names)) == 0.0
    quarterly = {**_quarterly(), "bookings_low": [-2e5] * 8}
    bookings = dashboard(_weekly(), quarterly, FATES, "wide").axes[0]
    assert min(seg[0][1] for seg in _whisker_segments(bookings)) == 0.0


def test_comparison_shows_sdr_hours_beside_ae_hours() -> None:
    ae = [
        {"prospecting": 0.2, "deal_work": 0.5, "non_selling": 0.0, "idle": 0.3},
        {"prospecting": 0.1, "deal_work": 0.7, "non_selling": 0.0, "idle": 0.2},
    ]
    sdr = [
        {"prospecting": None, "qualifying": None, "deal_work": None},
        {"prospecting": 0.6, "qualifying": 0.3, "deal_work": 0.0},
    ]
    fig = _comparison(hours_shares=ae, sdr_hours=sdr)
    assert len(fig.axes) == 5
    hours, sdr_ax = fig.axes[2], fig.axes[3]
    assert hours.get_title(loc="left") == "(c) AE hours by activity"
    assert sdr_ax.get_title(loc="left") == "SDR hours by activity"
    assert hours.get_legend_handles_labels()[1] == ["Prospecting", "Deal work", "Idle"]
    assert sdr_ax.get_legend_handles_labels()[1] == ["Prospecting", "Qualifying"]
    notes = [t.get_text() for t in sdr_ax.texts if t.get_text().startswith("no ")]
    assert notes == ["no SDRs"], "the first scenario has no SDR bar, only a note"
    assert sdr_ax.get_ylim() == (0.0, 1.0)
    legend = sdr_ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == [
        "Prospecting",
        "Qualifying",
        "Deal work",
        "Idle",
    ], "one legend for both panels"
    ae_colors, sdr_colors = (
        {bars.get_label(): bars.patches[0].get_facecolor() for bars in ax.containers}
        for ax in (hours, sdr_ax)
    )
    assert ae_colors["Prospecting"] == sdr_colors["Prospecting"], "one colour per activity"
    without = _comparison(sdr_hours=[{"prospecting": None}, {"prospecting": NAN}])
    assert len(without.axes) == 4
    with pytest.raises(PlotDataError, match=r"sdr_hours has 1 entries, expected 2"):
        _comparison(sdr_hours=[{"prospecting": 0.5}])


def test_dashboard_shows_sdr_hours_when_the_scenario_has_sdrs() -> None:
    sdr = {
        "sdr_hours_prospecting": [30.0] * WEEKS,
        "sdr_hours_qualifying": [8.0] * WEEKS,
        "sdr_hours_deal_work": [0.0] * WEEKS,
        "sdr_hours_idle": [2.0] * WEEKS,
    }
    fig = _figure(**sdr)
    assert len(fig.axes) == 6
    hours, sdr_ax = fig.axes[2], fig.axes[3]
    assert hours.get_title(loc="left") == "(c) AE hours by activity"
    assert sdr_ax.get_title(loc="left") == "SDR hours by activity"
    assert sdr_ax.get_ylabel() == "SDR hours per week"
    assert sdr_ax.get_legend_handles_labels()[1] == [
        "Prospecting",
        "Qualifying",
        "Idle",
        "warm-up ends",
    ]
    no_sdrs = _figure(**{key: [0.0] * WEEKS for key in sdr})
    assert len(no_sdrs.axes) == 5
    assert no_sdrs.axes[2].get_title(loc="left") == "(c) Rep hours by activity"


def test_sweep_marks_the_scenarios_own_value_and_never_guesses() -> None:
    (ax,) = sweep_curve([1, 2, 3], CURVE, "m", "aes.count", scenario_value=3).axes
    assert ax.get_legend_handles_labels()[1] == ["95% interval", "Mean", "Scenario (3)"]
    marker = ax.get_lines()[-1]
    assert (list(marker.get_xdata()), list(marker.get_ydata())) == ([3.0], [1.1e6])
    (plain,) = sweep_curve([1, 2, 3], CURVE, "m", "aes.count").axes
    assert plain.get_legend_handles_labels()[1] == ["95% interval", "Mean"]
    (between,) = sweep_curve([1, 2, 3], CURVE, "m", "aes.count", scenario_value=2.5).axes
    line = between.get_lines()[-1]
    assert list(line.get_xdata()) == [2.5, 2.5]
    assert between.get_legend_handles_labels()[1][-1] == "Scenario (2.5)"
