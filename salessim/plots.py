"""Dashboard figure of one run or experiment: bookings, pipeline, rep hours and lead fates.

Figures are built on :class:`matplotlib.figure.Figure` directly, never pyplot, so plotting sets no
global backend or state and is safe in servers, notebooks and parallel workers.
"""

from __future__ import annotations

import math
import os
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

HOURS_SERIES = (
    ("ae_hours_prospecting", "Prospecting"),
    ("ae_hours_qualifying", "Qualifying"),
    ("ae_hours_deal_work", "Deal work"),
    ("ae_hours_non_selling", "Non-selling"),
    ("ae_hours_idle", "Idle"),
)
MAX_QUARTER_LABELS = 16
LEGEND_HEADROOM = 1.3
PNG_DPI = 110


class PlotDataError(ValueError):
    """The data handed to a plot lacks a series or has series of different lengths."""


def _dollars(value: float, _pos: float | None = None) -> str:
    """Format an amount compactly for axis ticks: $0, $950, $12k, $1.2M, $3.4B."""
    if not math.isfinite(value):
        return ""
    sign = "-" if value < 0 else ""
    amount = abs(value)
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if amount >= threshold:
            scaled = amount / threshold
            text = f"{scaled:.1f}".rstrip("0").rstrip(".") if scaled < 100 else f"{scaled:.0f}"
            return f"{sign}${text}{suffix}"
    return f"{sign}${amount:.0f}"


def _series(
    data: Mapping[str, Sequence[float]], key: str, table: str, length: int | None = None
) -> npt.NDArray[np.float64]:
    """Return ``data[key]`` as floats, naming the table and key when it is missing or misfits."""
    if key not in data:
        raise PlotDataError(f"{table} has no series {key!r}; it has {sorted(data)}")
    values = np.asarray(data[key], dtype=float)
    if length is not None and values.size != length:
        raise PlotDataError(
            f"{table}[{key!r}] has {values.size} values, expected {length} (one per row)"
        )
    return values


def _label(value: object) -> str:
    """Tick label for a period id: 3.0 → "3", anything else as written."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _warm_up_line(ax: Axes, weekly: Mapping[str, Sequence[float]]) -> None:
    """Mark the end of the warm-up, whose weeks are excluded from the reported metrics."""
    if "report_start_week" in weekly and len(weekly["report_start_week"]) > 0:
        week = float(weekly["report_start_week"][0])
        ax.axvline(week, color="0.35", linestyle=":", linewidth=1.5, label="warm-up ends", zorder=5)


def _start_at_zero(ax: Axes) -> None:
    """Anchor the y axis at zero, with headroom above the data for the legend."""
    ax.set_ylim(0.0, ax.get_ylim()[1] * LEGEND_HEADROOM)


def _bookings_panel(ax: Axes, quarterly: Mapping[str, Sequence[float]]) -> None:
    """Grouped bars of bookings (with interval whiskers if given) and forecast per quarter."""
    if "quarter" not in quarterly:
        raise PlotDataError(f"quarterly has no series 'quarter'; it has {sorted(quarterly)}")
    quarters = list(quarterly["quarter"])
    n = len(quarters)
    bookings = _series(quarterly, "bookings", "quarterly", n)
    forecast = _series(quarterly, "forecast", "quarterly", n)
    x = np.arange(n)
    width = 0.4
    error = None
    if "bookings_low" in quarterly and "bookings_high" in quarterly:
        low = _series(quarterly, "bookings_low", "quarterly", n)
        high = _series(quarterly, "bookings_high", "quarterly", n)
        error = np.vstack([bookings - low, high - bookings]).clip(min=0.0)
    ax.bar(x - width / 2, bookings, width, yerr=error, capsize=3, label="Bookings", color="C0")
    ax.bar(x + width / 2, forecast, width, label="Forecast", color="C1", alpha=0.8)
    step = max(1, math.ceil(n / MAX_QUARTER_LABELS))
    ax.set_xticks(x[::step], [_label(q) for q in quarters[::step]])
    ax.set_xlabel("Quarter")
    ax.set_ylabel("Amount per quarter")
    ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
    _start_at_zero(ax)
    ax.set_title("(a) Bookings vs forecast by quarter", loc="left")
    ax.legend(loc="upper left", fontsize="small")


def _pipeline_panel(ax: Axes, weekly: Mapping[str, Sequence[float]]) -> Axes:
    """Pipeline value and weighted forecast in dollars, open-deal count on a twin axis."""
    weeks = _series(weekly, "week", "weekly")
    value = _series(weekly, "pipeline_value", "weekly", weeks.size)
    weighted = _series(weekly, "weighted_forecast", "weekly", weeks.size)
    count = _series(weekly, "pipeline_count", "weekly", weeks.size)
    ax.plot(weeks, value, color="C0", label="Pipeline value")
    ax.plot(weeks, weighted, color="C2", label="Weighted forecast")
    ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
    ax.set_ylabel("Value")
    ax.set_xlabel("Week")
    _warm_up_line(ax, weekly)
    twin = ax.twinx()
    twin.plot(weeks, count, color="C3", linestyle="--", label="Open deals")
    twin.set_ylabel("Open deals")
    twin.yaxis.set_major_locator(MaxNLocator(integer=True))
    _start_at_zero(ax)
    _start_at_zero(twin)
    handles, labels = ax.get_legend_handles_labels()
    twin_handles, twin_labels = twin.get_legend_handles_labels()
    ax.legend(handles + twin_handles, labels + twin_labels, loc="upper left", fontsize="small")
    ax.set_title("(b) Pipeline by week", loc="left")
    return twin


def _hours_panel(ax: Axes, weekly: Mapping[str, Sequence[float]]) -> None:
    """Stacked rep hours by activity per week; activities absent from the data are skipped."""
    weeks = _series(weekly, "week", "weekly")
    present = [(key, label) for key, label in HOURS_SERIES if key in weekly]
    if present:
        ax.stackplot(
            weeks,
            *[_series(weekly, key, "weekly", weeks.size) for key, _ in present],
            labels=[label for _, label in present],
            alpha=0.85,
        )
    else:
        ax.text(0.5, 0.5, "no rep hours recorded", ha="center", va="center", transform=ax.transAxes)
    _warm_up_line(ax, weekly)
    _start_at_zero(ax)
    ax.set_xlabel("Week")
    ax.set_ylabel("Rep hours per week")
    ax.set_title("(c) Rep hours by activity", loc="left")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", fontsize="small", ncol=2)


def _fates_panel(ax: Axes, lead_fates: Mapping[str, float]) -> None:
    """Horizontal bars of lead counts by fate, each bar annotated with its count."""
    ax.set_title("(d) Leads by fate", loc="left")
    ax.set_xlabel("Leads")
    if not lead_fates:
        ax.text(0.5, 0.5, "no leads recorded", ha="center", va="center", transform=ax.transAxes)
        return
    names = [name.replace("_", " ") for name in lead_fates]
    counts = np.asarray(list(lead_fates.values()), dtype=float)
    bars = ax.barh(np.arange(len(names)), counts, color="C4")
    ax.set_yticks(np.arange(len(names)), names)
    ax.invert_yaxis()
    ax.bar_label(bars, labels=[f"{c:,.0f}" for c in counts], padding=3, fontsize="small")
    ax.margins(x=0.15)


def dashboard(
    weekly: Mapping[str, Sequence[float]],
    quarterly: Mapping[str, Sequence[float]],
    lead_fates: Mapping[str, float],
    title: str,
) -> Figure:
    """Build the 2×2 dashboard: bookings vs forecast, pipeline, rep hours, lead fates.

    Raises PlotDataError naming the table and series when a required series is missing.
    """
    fig = Figure(figsize=(13, 8), layout="constrained")
    (ax_bookings, ax_pipeline), (ax_hours, ax_fates) = fig.subplots(2, 2)
    _bookings_panel(ax_bookings, quarterly)
    _pipeline_panel(ax_pipeline, weekly)
    _hours_panel(ax_hours, weekly)
    _fates_panel(ax_fates, lead_fates)
    fig.suptitle(title, fontsize="x-large")
    return fig


def save_figure(fig: Figure, path: Path) -> None:
    """Write ``fig`` as a PNG atomically: render to a temp file beside ``path``, then rename."""
    path = Path(path)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with temp.open("xb") as handle:
            fig.savefig(handle, format="png", dpi=PNG_DPI)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
