"""Figures of runs and experiments: one scenario's dashboard, a side-by-side comparison of
scenarios, a sweep curve with its confidence band, a map of paired differences over two swept
parameters, and a waterfall of what moved a total.

Figures are built on :class:`matplotlib.figure.Figure` directly, never pyplot, so plotting sets no
global backend or state and is safe in servers, notebooks and parallel workers. Every function
takes plain mappings and sequences of numbers, never salessim objects, so plotting stays
independent of the model.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal, TypeGuard

import numpy as np
import numpy.typing as npt
from matplotlib import colormaps, rcParams
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.gridspec import SubplotSpec
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from salessim.config import DAYS_PER_QUARTER, DAYS_PER_WEEK
from salessim.entities import ACTIVITIES
from salessim.formatting import compact_money, format_delta
from salessim.metrics import activity_label

HOURS_SERIES = tuple((f"ae_hours_{a}", activity_label(a)) for a in ACTIVITIES)
MAX_QUARTER_LABELS = 16
LEGEND_HEADROOM = 1.3
PNG_DPI = 110
# Activities get their own palette in comparisons, where C0, C1… already mean scenarios.
ACTIVITY_PALETTE = "Set2"
ValueKind = Literal["money", "share", "number", "count"]
# The range a value of each kind can take: its interval is drawn clipped to it.
KIND_BOUNDS: dict[ValueKind, tuple[float | None, float | None]] = {
    "money": (None, None),
    "share": (0.0, 1.0),
    "number": (None, None),
    "count": (0.0, None),
}
# Average width of a character in ems (DejaVu Sans), to wrap titles to the figure's width.
CHAR_WIDTH_EM = 0.6
SUPTITLE_SIZE = "x-large"
# Scenario names longer than this in total (longest name × count) do not fit side by side
# under a comparison panel: the ticks then read A, B, C… and the legend names each scenario.
SCENARIO_TICK_CHARS = 48
# Characters that fit on one row of the comparison's scenario legend.
LEGEND_ROW_CHARS = 120
# Bookings are amounts won: never below $0, whatever a t interval says.
BOOKINGS_BOUNDS: tuple[float | None, float | None] = (0.0, None)
# Waterfall bars: totals, changes that raise the total and changes that lower it.
WATERFALL_TOTAL = "#4a6fa5"
WATERFALL_UP = "#2e8b57"
WATERFALL_DOWN = "#c0392b"
WATERFALL_LABEL_WIDTH = 16  # characters per line of a bar's label
# The amount axis starts above $0 only when the totals are this many times the spread of the
# running total: from $0, the changes would be flat lines.
WATERFALL_TRUNCATE_RATIO = 4.0


class PlotDataError(ValueError):
    """The data handed to a plot lacks a series or has series of different lengths."""


def replications_phrase(n: int) -> str:
    """How a title states what it shows: "mean of 1 replication", "mean of 20 replications"."""
    return f"mean of {n} replication{'' if n == 1 else 's'}"


def _wrap_title(title: str, width_inches: float, size: str | float) -> str:
    """Wrap each line of ``title`` to fit ``width_inches`` at font ``size``, keeping its breaks."""
    points = FontProperties(size=size).get_size_in_points()
    chars = max(20, int(width_inches * 72 / (points * CHAR_WIDTH_EM)))
    return "\n".join(textwrap.fill(line, chars) for line in title.splitlines())


def _suptitle(fig: Figure, title: str) -> None:
    """The figure's title across its whole width, wrapped so that no part is cut off."""
    width = 0.95 * float(fig.get_figwidth())
    fig.suptitle(_wrap_title(title, width, SUPTITLE_SIZE), fontsize=SUPTITLE_SIZE)


def _axes_title(fig: Figure, ax: Axes, title: str, *, parse_math: bool = True) -> None:
    """A panel's title from its left edge, wrapped to the figure's width."""
    width = 0.88 * float(fig.get_figwidth())
    text = _wrap_title(title, width, rcParams["axes.titlesize"])
    ax.set_title(text, loc="left", parse_math=parse_math)


def _no_data(ax: Axes, message: str) -> None:
    """A panel with nothing to show says so, without an axis that would mean nothing."""
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def _clip_interval(
    low: npt.NDArray[np.float64],
    high: npt.NDArray[np.float64],
    bounds: tuple[float | None, float | None],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Clip interval ends to the range a value can take (a count is never below zero).

    Undefined ends (NaN) stay undefined.
    """
    floor, ceiling = bounds
    if floor is not None:
        low, high = np.maximum(low, floor), np.maximum(high, floor)
    if ceiling is not None:
        low, high = np.minimum(low, ceiling), np.minimum(high, ceiling)
    return low, high


def _whiskers(
    ax: Axes,
    x: npt.NDArray[np.float64],
    mean: npt.NDArray[np.float64],
    low: npt.NDArray[np.float64],
    high: npt.NDArray[np.float64],
    *,
    color: str = "black",
    capsize: float = 4,
    label: str | None = None,
) -> bool:
    """Draw interval whiskers where the interval is defined; say whether any was drawn.

    An undefined interval (one replication) gets no whisker rather than a zero-width one that
    would read as certainty.
    """
    defined = np.isfinite(mean) & np.isfinite(low) & np.isfinite(high)
    if not defined.any():
        return False
    error = np.vstack([mean - low, high - mean])[:, defined].clip(min=0.0)
    ax.errorbar(
        x[defined],
        mean[defined],
        yerr=error,
        fmt="none",
        ecolor=color,
        capsize=capsize,
        label=label,
    )
    return True


def _dollars(value: float, _pos: float | None = None) -> str:
    """Format an amount compactly for axis ticks: $0, $950, $12k, $1.25M, $3.4B."""
    if not math.isfinite(value):
        return ""
    return compact_money(value, _tick_digits)


def _tick_digits(scaled: float) -> str:
    # Two decimals below 10 so that neighbouring ticks ($1.25M, $1.5M) stay distinct.
    digits = 2 if scaled < 10 else 1 if scaled < 100 else 0
    text = f"{scaled:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


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


def _change_lines(
    ax: Axes,
    change_days: Sequence[int],
    days_per_unit: int,
    shift: float,
    color: str = "0.15",
    legend: str | None = "plan changes",
) -> None:
    """Mark each day on which the scenario's plan changed (``changes:``): a dashed vertical
    line labelled with its day, so the quarters before and after can be told apart."""
    for k, day in enumerate(change_days):
        x = day / days_per_unit + shift
        label = legend if k == 0 else None
        ax.axvline(x, color=color, linestyle="--", linewidth=1.2, label=label, zorder=6)
        ax.annotate(
            f"day {day}",
            xy=(x, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -3),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize="x-small",
            color=color,
        )


def _start_at_zero(ax: Axes) -> None:
    """Anchor the y axis at zero, with headroom above the data for the legend."""
    ax.set_ylim(0.0, ax.get_ylim()[1] * LEGEND_HEADROOM)


def _bookings_panel(
    ax: Axes, quarterly: Mapping[str, Sequence[float]], change_days: Sequence[int] = ()
) -> None:
    """Grouped bars of bookings (with interval whiskers if given) and forecast per quarter,
    with a line where the plan changed (a bar is centred on its quarter)."""
    if "quarter" not in quarterly:
        raise PlotDataError(f"quarterly has no series 'quarter'; it has {sorted(quarterly)}")
    quarters = list(quarterly["quarter"])
    n = len(quarters)
    bookings = _series(quarterly, "bookings", "quarterly", n)
    forecast = _series(quarterly, "forecast", "quarterly", n)
    x = np.arange(n, dtype=float)
    width = 0.4
    ax.bar(x - width / 2, bookings, width, label="Bookings", color="C0")
    if "bookings_low" in quarterly and "bookings_high" in quarterly:
        low, high = _clip_interval(
            _series(quarterly, "bookings_low", "quarterly", n),
            _series(quarterly, "bookings_high", "quarterly", n),
            BOOKINGS_BOUNDS,
        )
        _whiskers(ax, x - width / 2, bookings, low, high, capsize=3)
    ax.bar(x + width / 2, forecast, width, label="Forecast", color="C1", alpha=0.8)
    # Bars sit at positions 0, 1, …: the first quarter shown may not be quarter 0.
    first = float(quarters[0]) if n else 0.0
    _change_lines(ax, change_days, DAYS_PER_QUARTER, -0.5 - first)
    step = max(1, math.ceil(n / MAX_QUARTER_LABELS))
    ax.set_xticks(x[::step], [_label(q) for q in quarters[::step]])
    ax.set_xlabel("Quarter")
    ax.set_ylabel("Amount per quarter")
    ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
    _start_at_zero(ax)
    ax.set_title("(a) Bookings vs forecast by quarter", loc="left")
    ax.legend(loc="upper left", fontsize="small")


def _pipeline_panel(
    ax: Axes, weekly: Mapping[str, Sequence[float]], change_days: Sequence[int] = ()
) -> Axes:
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
    _change_lines(ax, change_days, DAYS_PER_WEEK, 0.0)
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


def _weekly_hours(
    weekly: Mapping[str, Sequence[float]], prefix: str, weeks: int
) -> list[tuple[int, str, npt.NDArray[np.float64]]]:
    """(colour index, label, hours) of each activity with hours in some week, keyed by
    ``prefix`` ("ae_hours_", "sdr_hours_"); activities absent or zero throughout are skipped."""
    found = []
    for k, (key, label) in enumerate(HOURS_SERIES):
        name = prefix + key.removeprefix("ae_hours_")
        if name in weekly:
            hours = _series(weekly, name, "weekly", weeks)
            if np.nansum(np.abs(hours)) > 0:
                found.append((k, label, hours))
    return found


def _hours_panel(
    ax: Axes,
    weekly: Mapping[str, Sequence[float]],
    hours: Sequence[tuple[int, str, npt.NDArray[np.float64]]],
    who: str,
    title: str,
    *,
    legend_size: str = "small",
    change_days: Sequence[int] = (),
) -> None:
    """Stacked hours of one kind of rep (AEs or SDRs) by activity per week."""
    ax.set_title(title, loc="left")
    if not hours:
        _no_data(ax, "no rep hours recorded")
        return
    weeks = _series(weekly, "week", "weekly")
    ax.stackplot(
        weeks,
        *[values for _, _, values in hours],
        labels=[label for _, label, _ in hours],
        colors=[f"C{k}" for k, _, _ in hours],
        alpha=0.85,
    )
    _warm_up_line(ax, weekly)
    _change_lines(ax, change_days, DAYS_PER_WEEK, 0.0)
    _start_at_zero(ax)
    ax.set_xlabel("Week")
    ax.set_ylabel(f"{who} hours per week")
    ax.legend(loc="upper left", fontsize=legend_size, ncol=2)


def _fates_panel(ax: Axes, lead_fates: Mapping[str, float]) -> None:
    """Horizontal bars of lead counts by fate, each bar annotated with its count; fates at zero
    are left out."""
    ax.set_title("(d) Leads by fate", loc="left")
    fates = {name: float(count) for name, count in lead_fates.items() if float(count) > 0}
    if not fates:
        _no_data(ax, "no marketing leads")
        return
    ax.set_xlabel("Leads")
    names = [name.replace("_", " ") for name in fates]
    counts = np.asarray(list(fates.values()), dtype=float)
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
    *,
    change_days: Sequence[int] = (),
) -> Figure:
    """Build the 2×2 dashboard: bookings vs forecast, pipeline, rep hours, lead fates.

    `change_days` are the working days on which the scenario's plan changed: each is marked
    on the bookings, pipeline and hours panels.

    Panel (c) stacks ``ae_hours_*`` by activity; when `weekly` also has ``sdr_hours_*`` with
    hours in some week (the scenario has SDRs), it splits into AE and SDR hours side by side.
    Raises PlotDataError naming the table and series when a required series is missing.
    """
    weeks = _series(weekly, "week", "weekly").size
    fig = Figure(figsize=(13, 8), layout="constrained")
    grid = fig.add_gridspec(2, 2)
    ax_bookings = fig.add_subplot(grid[0, 0])
    ax_pipeline = fig.add_subplot(grid[0, 1])
    ae_hours = _weekly_hours(weekly, "ae_hours_", weeks)
    sdr_hours = _weekly_hours(weekly, "sdr_hours_", weeks)
    if sdr_hours:
        ax_hours, ax_sdr = _split(fig, grid[1, 0])
        # Half-width panels: a smaller legend leaves the stacks readable.
        _hours_panel(
            ax_hours,
            weekly,
            ae_hours,
            "AE",
            "(c) AE hours by activity",
            legend_size="x-small",
            change_days=change_days,
        )
        _hours_panel(
            ax_sdr,
            weekly,
            sdr_hours,
            "SDR",
            "SDR hours by activity",
            legend_size="x-small",
            change_days=change_days,
        )
    else:
        ax_hours = fig.add_subplot(grid[1, 0])
        _hours_panel(
            ax_hours,
            weekly,
            ae_hours,
            "Rep",
            "(c) Rep hours by activity",
            change_days=change_days,
        )
    ax_fates = fig.add_subplot(grid[1, 1])
    _bookings_panel(ax_bookings, quarterly, change_days)
    _pipeline_panel(ax_pipeline, weekly, change_days)
    _fates_panel(ax_fates, lead_fates)
    _suptitle(fig, title)
    return fig


def _split(fig: Figure, cell: SubplotSpec) -> tuple[Axes, Axes]:
    """Two panels side by side in one cell of the figure's grid (AE and SDR hours)."""
    inner = cell.subgridspec(1, 2)
    return fig.add_subplot(inner[0, 0]), fig.add_subplot(inner[0, 1])


def _scenario_color(index: int) -> str:
    """Scenario *i* has the same colour in every panel of a comparison."""
    return f"C{index % 10}"


def _number(value: float | None) -> float:
    """A JSON-style number (None for undefined) as a float (NaN for undefined)."""
    return math.nan if value is None else float(value)


def _check_per_scenario(names: Sequence[str], **tables: Sequence[object]) -> None:
    """Every per-scenario table must hold one entry per scenario name."""
    if not names:
        raise PlotDataError("a comparison needs at least one scenario name")
    for table, entries in tables.items():
        if len(entries) != len(names):
            raise PlotDataError(
                f"{table} has {len(entries)} entries, expected {len(names)} (one per scenario)"
            )


def _totals_panel(
    ax: Axes, names: Sequence[str], totals: Sequence[Mapping[str, Mapping[str, float | None]]]
) -> None:
    """Grouped bars: one group per total (bookings, profit…), one bar per scenario, 95% whiskers
    where the interval is defined."""
    labels = list(totals[0])
    for i, entry in enumerate(totals):
        if list(entry) != labels:
            raise PlotDataError(f"totals[{i}] has {list(entry)}, expected {labels} like totals[0]")
    x = np.arange(len(labels), dtype=float)
    width = 0.8 / len(names)
    for i, entry in enumerate(totals):
        mean = np.array([_number(entry[label].get("mean")) for label in labels])
        low = np.array([_number(entry[label].get("ci_low")) for label in labels])
        high = np.array([_number(entry[label].get("ci_high")) for label in labels])
        offset = (i - (len(names) - 1) / 2) * width
        ax.bar(x + offset, mean, width, color=_scenario_color(i))
        _whiskers(ax, x + offset, mean, low, high)
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    ax.set_xticks(x, labels)
    ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
    ax.set_ylabel("Total over the reported window")
    ax.set_title("(a) Totals by scenario (mean, 95% interval)", loc="left")


def _quarterly_lines_panel(
    ax: Axes,
    quarterly: Sequence[Mapping[str, Sequence[float]]],
    change_days: Sequence[Sequence[int]] = (),
) -> None:
    """Mean bookings per quarter, one line per scenario with a light 95% band where defined,
    and a line in the scenario's colour on each day its plan changed."""
    for i, table in enumerate(quarterly):
        name = f"quarterly[{i}]"
        quarters = _series(table, "quarter", name)
        bookings = _series(table, "bookings", name, quarters.size)
        color = _scenario_color(i)
        if "bookings_low" in table and "bookings_high" in table:
            low, high = _clip_interval(
                _series(table, "bookings_low", name, quarters.size),
                _series(table, "bookings_high", name, quarters.size),
                BOOKINGS_BOUNDS,
            )
            if (np.isfinite(low) & np.isfinite(high)).any():
                ax.fill_between(quarters, low, high, color=color, alpha=0.15, linewidth=0)
        ax.plot(quarters, bookings, color=color, marker="o", markersize=4)
    labelled = False
    for i, days in enumerate(change_days):
        legend = None if labelled else "plan changes"
        _change_lines(ax, days, DAYS_PER_QUARTER, -0.5, _scenario_color(i), legend)
        labelled = labelled or bool(days)
    first = quarterly[0]
    hidden: list[float] = []
    if "reported" in first and "quarter" in first:
        hidden = [
            q for q, shown in zip(first["quarter"], first["reported"], strict=True) if not shown
        ]
        for k, q in enumerate(hidden):
            label = "not reported (warm-up)" if k == 0 else None
            ax.axvspan(q - 0.5, q + 0.5, color="0.9", zorder=0, label=label)
    if any(change_days) or hidden:
        ax.legend(loc="upper left", fontsize="small")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Quarter")
    ax.set_ylabel("Bookings per quarter")
    ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
    _start_at_zero(ax)
    ax.set_title("(b) Bookings by quarter (mean, 95% band)", loc="left")


def _share(value: float | None) -> float:
    """A share of hours as a float; an undefined share (no such reps) counts as none."""
    number = _number(value)
    return number if math.isfinite(number) else 0.0


def _activities(shares: Sequence[Mapping[str, float | None]]) -> list[str]:
    """Activities with a share of hours in some scenario, in the order the shares name them."""
    named = dict.fromkeys(activity for entry in shares for activity in entry)
    return [a for a in named if any(_share(entry.get(a)) > 0 for entry in shares)]


def _hours_share_panel(
    ax: Axes,
    ticks: Sequence[str],
    shares: Sequence[Mapping[str, float | None]],
    colors: Mapping[str, tuple[float, float, float, float]],
    who: str,
    title: str,
) -> None:
    """One stacked bar per scenario: the share of `who`'s hours spent on each activity.

    Activities at zero in every scenario are left out; a scenario without such reps gets a note
    instead of a bar.
    """
    ax.set_title(title, loc="left")
    activities = _activities(shares)
    if not activities:
        _no_data(ax, "no rep hours recorded")
        return
    x = np.arange(len(ticks), dtype=float)
    bottom = np.zeros(len(ticks))
    for activity in activities:
        share = np.array([_share(entry.get(activity)) for entry in shares])
        bars = ax.bar(
            x, share, 0.6, bottom=bottom, color=colors[activity], label=activity_label(activity)
        )
        ax.bar_label(
            bars,
            labels=[f"{v:.0%}" if v >= 0.04 else "" for v in share],
            label_type="center",
            fontsize="small",
        )
        bottom += share
    for i in np.flatnonzero(bottom <= 0):
        ax.text(x[i], 0.5, f"no {who}s", rotation=90, ha="center", va="center", color="0.4")
    ax.set_xticks(x, list(ticks))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0.0, 1.0)
    ax.set_ylabel(f"Share of available {who} hours")


def _fates_grouped_panel(
    ax: Axes, names: Sequence[str], lead_fates: Sequence[Mapping[str, float]]
) -> None:
    """Horizontal grouped bars: for each lead fate, one bar per scenario."""
    ax.set_title("(d) Leads by fate", loc="left")
    # Fates no scenario has (no filtering, nothing expired) would only add empty rows.
    fates = [
        f
        for f in dict.fromkeys(f for entry in lead_fates for f in entry)
        if any(float(entry.get(f, 0.0)) > 0 for entry in lead_fates)
    ]
    if not fates:
        _no_data(ax, "no marketing leads")
        return
    ax.set_xlabel("Leads (mean per replication)")
    y = np.arange(len(fates))
    height = 0.8 / len(names)
    for i, entry in enumerate(lead_fates):
        counts = np.array([float(entry.get(f, math.nan)) for f in fates])
        offset = (i - (len(names) - 1) / 2) * height
        bars = ax.barh(y + offset, counts, height, color=_scenario_color(i))
        if len(names) <= 3:
            labels = [f"{c:,.0f}" if math.isfinite(c) else "" for c in counts]
            ax.bar_label(bars, labels=labels, padding=2, fontsize="x-small")
    ax.set_yticks(y, [f.replace("_", " ") for f in fates])
    ax.invert_yaxis()
    ax.margins(x=0.12)


def _letters(index: int) -> str:
    """Spreadsheet-style letters: 0 → A, 25 → Z, 26 → AA."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(ord("A") + rest) + text
    return text


def _scenario_ticks(names: Sequence[str]) -> list[str]:
    """Scenario names as tick labels when they fit side by side, else A, B, C…"""
    if max(len(name) for name in names) * len(names) <= SCENARIO_TICK_CHARS:
        return list(names)
    return [_letters(i) for i in range(len(names))]


def comparison(
    names: Sequence[str],
    totals: Sequence[Mapping[str, Mapping[str, float | None]]],
    quarterly: Sequence[Mapping[str, Sequence[float]]],
    hours_shares: Sequence[Mapping[str, float | None]],
    lead_fates: Sequence[Mapping[str, float]],
    title: str,
    *,
    sdr_hours: Sequence[Mapping[str, float | None]] | None = None,
    change_days: Sequence[Sequence[int]] = (),
) -> Figure:
    """Build the side-by-side comparison of scenarios, one colour per scenario.

    Each argument after `names` holds one entry per scenario, in the same order:
    `totals` maps a label ("Bookings") to ``{"mean", "ci_low", "ci_high"}`` (None = undefined);
    `quarterly` has ``quarter``, ``bookings`` and optionally ``bookings_low``/``_high`` and
    ``reported``; `hours_shares` maps an activity ("deal_work") to its share of AE hours;
    `lead_fates` maps a fate to a lead count (fates at zero everywhere are left out).
    `sdr_hours`, like `hours_shares` for SDR hours (None or NaN for a scenario without
    SDRs), adds an SDR panel beside the AE hours when some scenario has SDRs. Long or many
    names are ticked A, B, C… and named in the legend. Raises PlotDataError when an entry is
    missing. `change_days`, per scenario, are the days its plan changed (marked on the
    quarterly panel in its colour).
    """
    _check_per_scenario(
        names,
        totals=totals,
        quarterly=quarterly,
        hours_shares=hours_shares,
        lead_fates=lead_fates,
    )
    if sdr_hours is not None:
        _check_per_scenario(names, sdr_hours=sdr_hours)
    sdr_shares = sdr_hours or []
    has_sdrs = bool(_activities(sdr_shares))
    fig = Figure(figsize=(14, 9), layout="constrained")
    grid = fig.add_gridspec(2, 2)
    ax_totals = fig.add_subplot(grid[0, 0])
    ax_quarterly = fig.add_subplot(grid[0, 1])
    if has_sdrs:
        ax_hours, ax_sdr = _split(fig, grid[1, 0])
    else:
        ax_hours = fig.add_subplot(grid[1, 0])
    ax_fates = fig.add_subplot(grid[1, 1])
    _totals_panel(ax_totals, names, totals)
    _quarterly_lines_panel(ax_quarterly, quarterly, change_days)
    ticks = _scenario_ticks(names)
    # One colour per activity in every comparison, whichever activities a figure shows.
    known = [key.removeprefix("ae_hours_") for key, _ in HOURS_SERIES]
    named = dict.fromkeys([*known, *_activities(hours_shares), *_activities(sdr_shares)])
    palette = colormaps[ACTIVITY_PALETTE]
    colors = {activity: palette(j) for j, activity in enumerate(named)}
    shown = {*_activities(hours_shares), *_activities(sdr_shares)}
    activities = [activity for activity in named if activity in shown]
    _hours_share_panel(ax_hours, ticks, hours_shares, colors, "AE", "(c) AE hours by activity")
    legend_ax = ax_hours
    if has_sdrs:
        _hours_share_panel(ax_sdr, ticks, sdr_shares, colors, "SDR", "SDR hours by activity")
        legend_ax = ax_sdr
    if activities:
        legend_ax.legend(
            handles=[Patch(color=colors[a], label=activity_label(a)) for a in activities],
            loc="center left",
            bbox_to_anchor=(1.0, 0.5),
            fontsize="small",
        )
    _fates_grouped_panel(ax_fates, names, lead_fates)
    _suptitle(fig, title)
    labels = [
        textwrap.fill(name if tick == name else f"{tick}: {name}", LEGEND_ROW_CHARS)
        for tick, name in zip(ticks, names, strict=True)
    ]
    widest = max(len(line) for label in labels for line in label.splitlines())
    handles = [Patch(color=_scenario_color(i), label=label) for i, label in enumerate(labels)]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=max(1, min(len(names), 6, LEGEND_ROW_CHARS // (widest + 4))),
        title="Scenario",
    )
    return fig


def _value_label(value: object) -> str:
    """A swept value as the user typed it in YAML: 1.25, true, lead_first."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return _label(value)


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same_value(value: object, baseline: object) -> bool:
    """Equal as numbers (1 == 1.0), else equal and of one type (true is not 1)."""
    if isinstance(value, bool) or isinstance(baseline, bool):
        return value is baseline
    if isinstance(value, int | float) and isinstance(baseline, int | float):
        return float(value) == float(baseline)
    return value == baseline


def sweep_curve(
    values: Sequence[object],
    curve: Mapping[str, Sequence[float]],
    metric: str,
    path: str,
    *,
    label: str | None = None,
    kind: ValueKind = "number",
    baseline: object = None,
    title: str | None = None,
    scenario_value: object = None,
    bounds: tuple[float | None, float | None] | None = None,
) -> Figure:
    """Build a sweep curve: the mean of `metric` at each value of `path`, with its 95% band.

    `curve` has ``mean``, ``ci_low`` and ``ci_high``, one number per value (NaN bounds, as from
    one replication, draw no band). Numeric values give a numeric x axis and a shaded band;
    others (names, true/false) one tick each, with whiskers. `scenario_value`, the swept
    scenario's own value of `path`, is marked "Scenario (…)" (a vertical line when it falls
    between numeric values); `baseline`, if given, is marked "Baseline (…)"; with neither,
    nothing is marked. `kind` picks the y tick format and, unless `bounds` (lowest, highest;
    None for open) says otherwise, the range intervals are clipped to: shares to 0–100%,
    counts to zero and above.
    """
    n = len(values)
    if n == 0:
        raise PlotDataError("a sweep curve needs at least one value")
    mean = _series(curve, "mean", "curve", n)
    floor, ceiling = KIND_BOUNDS[kind] if bounds is None else bounds
    low, high = _clip_interval(
        _series(curve, "ci_low", "curve", n),
        _series(curve, "ci_high", "curve", n),
        (floor, ceiling),
    )
    numeric = all(_is_number(v) for v in values)
    x = np.asarray(values, dtype=float) if numeric else np.arange(n, dtype=float)
    order = np.argsort(x, kind="stable")
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.subplots()
    if numeric:
        if (np.isfinite(low) & np.isfinite(high)).any():
            ax.fill_between(
                x[order],
                low[order],
                high[order],
                color="C0",
                alpha=0.2,
                linewidth=0,
                label="95% interval",
            )
        ax.plot(x[order], mean[order], color="C0", marker="o", label="Mean")
    else:
        # Names have no order between them: separate points with whiskers, no connecting line.
        drawn = _whiskers(ax, x, mean, low, high, color="C0", capsize=6)
        point = "Mean, 95% interval" if drawn else "Mean"
        ax.plot(x, mean, linestyle="none", marker="o", color="C0", label=point)
        ax.margins(x=0.2)
    _mark_value(ax, values, x, mean, baseline, "Baseline", "C3", line_between=False)
    _mark_value(ax, values, x, mean, scenario_value, "Scenario", "C1", line_between=numeric)
    if not numeric:
        ax.set_xticks(x, [_value_label(v) for v in values])
    name = label or metric
    ax.set_xlabel(path)
    ax.set_ylabel(name)
    if kind == "money":
        ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
    elif kind == "share":
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    bottom, top = ax.get_ylim()
    bottom = bottom if floor is None else max(bottom, floor)
    top = top if ceiling is None else min(top, ceiling)
    if bottom < top:  # values outside their range (bad data) keep the automatic limits
        ax.set_ylim(bottom, top)
    ax.grid(alpha=0.3)
    _axes_title(fig, ax, title or f"{name} vs {path}")
    ax.legend(loc="best", fontsize="small")
    return fig


def _mark_value(
    ax: Axes,
    values: Sequence[object],
    x: npt.NDArray[np.float64],
    mean: npt.NDArray[np.float64],
    value: object,
    what: str,
    color: str,
    *,
    line_between: bool,
) -> None:
    """Mark the point of a sweep whose value is `value` ("Scenario (3)"); on a numeric axis, a
    value between the swept ones gets a vertical line. None marks nothing."""
    if value is None:
        return
    found = [k for k, v in enumerate(values) if _same_value(v, value)]
    if found:
        k = found[0]
        ax.plot(
            x[k],
            mean[k],
            linestyle="none",
            marker="D",
            markersize=10,
            color=color,
            zorder=5,
            label=f"{what} ({_value_label(values[k])})",
        )
    elif line_between and _is_number(value):
        ax.axvline(
            float(value),
            color=color,
            linestyle="--",
            linewidth=1.5,
            label=f"{what} ({_value_label(value)})",
        )


def _direction_note(better: Sequence[bool | None]) -> str:
    """What the map's colours mean, given each column's better direction."""
    if all(b is None for b in better):
        return "blue: higher, red: lower"
    if all(b is not None for b in better):
        return "blue: better, red: worse"
    return "blue: better (higher where neither is better), red: worse (lower)"


def difference_map(
    rows: Sequence[object],
    columns: Sequence[str],
    means: Sequence[Sequence[float]],
    significant: Sequence[Sequence[bool]],
    *,
    kinds: Sequence[str],
    better: Sequence[bool | None],
    row_label: str,
    title: str,
    shared_scale: bool,
    column_label: str = "",
    scenario_value: object = None,
) -> Figure:
    """Build a heatmap of paired differences: one row per value of the first parameter, one
    column per comparison (a value of the second parameter, named by `column_label`, or a
    metric).

    `means[i][j]` is the mean difference of row i, column j (NaN: undefined, drawn grey);
    `significant[i][j]` marks it "*" (its 95% interval excludes zero). Each cell shows the
    difference with its sign, formatted by its column's metric `kind` ("money", "share"...).
    Colours diverge around zero: blue where the difference is better for its column's metric
    (`better` True: higher is better, False: lower is, None: higher), red where it is worse,
    scaled to the largest difference in the figure (`shared_scale`, one metric throughout) or in
    each column (columns of different metrics). `scenario_value` marks its row "(scenario)".
    """
    n_rows, n_cols = len(rows), len(columns)
    if n_rows == 0 or n_cols == 0:
        raise PlotDataError("a difference map needs at least one row and one column")
    for name, per_column in (("kinds", kinds), ("better", better)):
        if len(per_column) != n_cols:
            raise PlotDataError(f"{name} has {len(per_column)} entries, expected {n_cols}")
    values = np.asarray(means, dtype=float)
    marks = np.asarray(significant, dtype=bool)
    if values.shape != (n_rows, n_cols) or marks.shape != (n_rows, n_cols):
        raise PlotDataError(
            f"means and significant must be {n_rows} rows × {n_cols} columns, "
            f"got {values.shape} and {marks.shape}"
        )
    orient = np.array([-1.0 if b is False else 1.0 for b in better])
    toward_better = values * orient
    with np.errstate(invalid="ignore"):
        spread = np.abs(toward_better)
        if shared_scale:
            scale = np.full(n_cols, np.nanmax(spread) if np.isfinite(spread).any() else 0.0)
        else:
            scale = np.array(
                [np.nanmax(col) if np.isfinite(col).any() else 0.0 for col in spread.T]
            )
    scale[~(scale > 0)] = 1.0
    colour = toward_better / scale
    fig = Figure(figsize=(max(6.5, 2.2 + 1.7 * n_cols), max(3.8, 2.2 + 0.55 * n_rows)))
    fig.set_layout_engine("constrained")
    ax = fig.subplots()
    cmap = colormaps["RdBu"].with_extremes(bad="0.85")
    ax.imshow(np.ma.masked_invalid(colour), cmap=cmap, vmin=-1.0, vmax=1.0, aspect="auto")
    for i in range(n_rows):
        for j in range(n_cols):
            value = values[i, j]
            text = format_delta(value, kinds[j]) + (" *" if marks[i, j] else "")
            dark = math.isfinite(colour[i, j]) and abs(colour[i, j]) > 0.6
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                color="white" if dark else "black",
                fontweight="bold" if marks[i, j] else "normal",
                parse_math=False,
            )
    row_ticks = [
        _value_label(v)
        + (" (scenario)" if scenario_value is not None and _same_value(v, scenario_value) else "")
        for v in rows
    ]
    ax.set_yticks(np.arange(n_rows), row_ticks)
    ax.set_xticks(np.arange(n_cols), [textwrap.fill(c, 18) for c in columns])
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xlabel(column_label)
    ax.tick_params(length=0)
    ax.set_ylabel(row_label)
    ax.set_xticks(np.arange(n_cols + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(n_rows + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    scaled = "the largest difference" if shared_scale else "each column's largest difference"
    note = (
        f"* 95% interval of the paired difference excludes 0. Colour: {_direction_note(better)}, "
        f"scaled to {scaled}."
    )
    fig.supxlabel(_wrap_title(note, 0.95 * float(fig.get_figwidth()), "small"), fontsize="small")
    _suptitle(fig, title)
    return fig


def _signed_dollars(value: float) -> str:
    text = _dollars(value)
    return text if text.startswith("-") or text in ("$0", "") else f"+{text}"


def waterfall(steps: Sequence[tuple[str, float]], title: str) -> Figure:
    """Build a waterfall: a starting total, the changes that move it, and the final total.

    `steps` is (label, amount) pairs: the first and last are totals drawn from zero, the ones
    between are changes drawn from the running total, green up and red down. When the changes
    are small next to the totals, the amount axis starts above $0 (and its label says so) so
    that the changes stay visible. Raises PlotDataError for fewer than two or non-finite amounts.
    """
    if len(steps) < 2:
        raise PlotDataError("a waterfall needs a starting and a final total")
    values = np.asarray([float(value) for _, value in steps], dtype=float)
    if not np.isfinite(values).all():
        raise PlotDataError(f"waterfall amounts must be finite, got {values.tolist()}")
    labels = [textwrap.fill(str(label), WATERFALL_LABEL_WIDTH) for label, _ in steps]
    changes = values[1:-1]
    # Running total after each bar; the last bar is the final total as given.
    ends = np.concatenate([values[0] + np.concatenate([[0.0], np.cumsum(changes)]), values[-1:]])
    starts = np.concatenate([[0.0], ends[:-2], [0.0]])
    heights = np.concatenate([values[:1], changes, values[-1:]])
    colours = [WATERFALL_TOTAL, *(WATERFALL_UP if c > 0 else WATERFALL_DOWN for c in changes)]
    colours.append(WATERFALL_TOTAL)

    fig = Figure(figsize=(max(8.0, 1.4 * len(steps) + 2.0), 5.5), layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(steps))
    ax.bar(x, heights, bottom=starts, color=colours, width=0.65, zorder=2)
    for k in range(len(steps) - 1):  # dotted connectors carry the running total across
        ax.plot([k + 0.33, k + 0.67], [ends[k], ends[k]], color="0.4", linestyle=":", zorder=3)

    top, low = float(ends.max()), float(ends.min())
    span = top - low
    truncated = span > 0 and low > WATERFALL_TRUNCATE_RATIO * span
    if truncated:
        ymin, ymax = low - span, top + 0.5 * span
    else:
        reach = max(top, 0.0) - min(low, 0.0) or 1.0
        ymin, ymax = min(low, 0.0) - (0.1 * reach if low < 0 else 0.0), max(top, 0.0) + 0.15 * reach
    ax.set_ylim(ymin, ymax)
    gap = 0.015 * (ymax - ymin)
    for k, (start, height) in enumerate(zip(starts, heights, strict=True)):
        total = k in (0, len(steps) - 1)
        end = start + height
        y, va = (end + gap, "bottom") if height >= 0 else (end - gap, "top")
        ax.text(
            k,
            y,
            _dollars(height) if total else _signed_dollars(height),
            ha="center",
            va=va,
            fontweight="bold" if total else "normal",
            zorder=4,
            parse_math=False,
        )
    if ymin < 0:
        ax.axhline(0.0, color="0.3", linewidth=0.8)
    ax.set_xticks(x, labels, parse_math=False)
    ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
    ax.grid(axis="y", alpha=0.3, zorder=0)
    note = f" (axis starts at {_dollars(ymin)}, not $0)" if truncated else ""
    # Shown as written: a pair of "$" is two amounts, not matplotlib math.
    ax.set_ylabel("Amount" + note, parse_math=False)
    _axes_title(fig, ax, title, parse_math=False)
    handles = [
        Patch(color=WATERFALL_TOTAL, label="Total"),
        Patch(color=WATERFALL_UP, label="Raises it"),
        Patch(color=WATERFALL_DOWN, label="Lowers it"),
    ]
    # Below the axes, where it cannot hide a bar's label.
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize="small")
    return fig


def save_figure(fig: Figure, path: Path) -> None:
    """Write ``fig`` as a PNG atomically (through the one atomic writer of the output files)."""
    from salessim.outputs import figure_png, write_atomic

    write_atomic(Path(path), figure_png(fig))


def backtest_chart(lines: Sequence[Mapping[str, object]], title: str) -> Figure:
    """Simulated vs actual by quarter, one panel per line: the replications' 95% band and
    median, the actual quarters as dots (red outside the band), the verdict in each title.

    Each line maps ``label``, ``kind`` (a ValueKind), ``verdict`` (text) and the per-quarter
    series ``actual``, ``low``, ``median`` and ``high``.
    """
    fig = Figure(figsize=(13, 7.5), layout="constrained")
    axes = fig.subplots(2, 3).ravel()
    for ax, line in zip(axes, lines, strict=False):
        actual = np.asarray(line["actual"], dtype=float)
        low = np.asarray(line["low"], dtype=float)
        high = np.asarray(line["high"], dtype=float)
        median = np.asarray(line["median"], dtype=float)
        q = np.arange(1, len(actual) + 1)
        ax.fill_between(q, low, high, color="C0", alpha=0.25, label="simulated 95% band")
        ax.plot(q, median, color="C0", label="simulated median")
        outside = (actual < low) | (actual > high)
        ax.plot(q, actual, color="0.3", linewidth=0.8)
        ax.scatter(q[~outside], actual[~outside], color="black", zorder=3, label="actual")
        ax.scatter(q[outside], actual[outside], color=WATERFALL_DOWN, zorder=3, label="outside")
        kind = line.get("kind", "number")
        if kind == "money":
            ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
        elif kind == "share":
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("quarter of the history")
        # A third of the figure's width per panel: the verdict goes on its own line.
        ax.set_title(f"{line['label']}\n{line['verdict']}", loc="left", fontsize="medium")
    for ax in axes[len(lines) :]:
        ax.set_axis_off()
    # Below the panels: inside one, the legend would hide quarters.
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize="small")
    _suptitle(fig, title)
    return fig
