"""Figures of runs and experiments: one scenario's dashboard, a side-by-side comparison of
scenarios, a sweep curve with its confidence band, and a waterfall of what moved a total.

Figures are built on :class:`matplotlib.figure.Figure` directly, never pyplot, so plotting sets no
global backend or state and is safe in servers, notebooks and parallel workers. Every function
takes plain mappings and sequences of numbers, never salessim objects, so plotting stays
independent of the model.
"""

from __future__ import annotations

import math
import os
import secrets
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from salessim.formatting import compact_money

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
# Activities get their own palette in comparisons, where C0, C1… already mean scenarios.
ACTIVITY_PALETTE = "Set2"
ValueKind = Literal["money", "share", "number"]
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
    """Grouped bars: one group per total (bookings, profit…), one bar per scenario, 95% whiskers."""
    labels = list(totals[0])
    for i, entry in enumerate(totals):
        if list(entry) != labels:
            raise PlotDataError(f"totals[{i}] has {list(entry)}, expected {labels} like totals[0]")
    x = np.arange(len(labels))
    width = 0.8 / len(names)
    for i, entry in enumerate(totals):
        mean = np.array([_number(entry[label].get("mean")) for label in labels])
        low = np.array([_number(entry[label].get("ci_low")) for label in labels])
        high = np.array([_number(entry[label].get("ci_high")) for label in labels])
        error = np.nan_to_num(np.vstack([mean - low, high - mean])).clip(min=0.0)
        offset = (i - (len(names) - 1) / 2) * width
        ax.bar(x + offset, mean, width, yerr=error, capsize=4, color=_scenario_color(i))
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    ax.set_xticks(x, labels)
    ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
    ax.set_ylabel("Total over the reported window")
    ax.set_title("(a) Totals by scenario (mean, 95% interval)", loc="left")


def _quarterly_lines_panel(ax: Axes, quarterly: Sequence[Mapping[str, Sequence[float]]]) -> None:
    """Mean bookings per quarter, one line per scenario with a light 95% band if given."""
    for i, table in enumerate(quarterly):
        name = f"quarterly[{i}]"
        quarters = _series(table, "quarter", name)
        bookings = _series(table, "bookings", name, quarters.size)
        color = _scenario_color(i)
        if "bookings_low" in table and "bookings_high" in table:
            low = _series(table, "bookings_low", name, quarters.size)
            high = _series(table, "bookings_high", name, quarters.size)
            ax.fill_between(quarters, low, high, color=color, alpha=0.15, linewidth=0)
        ax.plot(quarters, bookings, color=color, marker="o", markersize=4)
    first = quarterly[0]
    if "reported" in first and "quarter" in first:
        hidden = [
            q for q, shown in zip(first["quarter"], first["reported"], strict=True) if not shown
        ]
        for k, q in enumerate(hidden):
            label = "not reported (warm-up)" if k == 0 else None
            ax.axvspan(q - 0.5, q + 0.5, color="0.9", zorder=0, label=label)
        if hidden:
            ax.legend(loc="upper left", fontsize="small")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Quarter")
    ax.set_ylabel("Bookings per quarter")
    ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
    _start_at_zero(ax)
    ax.set_title("(b) Bookings by quarter (mean, 95% band)", loc="left")


def _activity_label(activity: str) -> str:
    labels = {key.removeprefix("ae_hours_"): label for key, label in HOURS_SERIES}
    return labels.get(activity, activity.replace("_", " ").capitalize())


def _hours_share_panel(
    ax: Axes, names: Sequence[str], hours_shares: Sequence[Mapping[str, float | None]]
) -> None:
    """One stacked bar per scenario: the share of AE hours spent on each activity."""
    activities = list(dict.fromkeys(a for shares in hours_shares for a in shares))
    palette = colormaps[ACTIVITY_PALETTE]
    x = np.arange(len(names))
    bottom = np.zeros(len(names))
    for j, activity in enumerate(activities):
        share = np.nan_to_num([_number(s.get(activity)) for s in hours_shares])
        bars = ax.bar(
            x, share, 0.6, bottom=bottom, color=palette(j), label=_activity_label(activity)
        )
        ax.bar_label(
            bars,
            labels=[f"{v:.0%}" if v >= 0.04 else "" for v in share],
            label_type="center",
            fontsize="small",
        )
        bottom += share
    if not activities:
        ax.text(0.5, 0.5, "no rep hours recorded", ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks(x, list(names))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0.0, max(1.0, float(bottom.max(initial=0.0))))
    ax.set_ylabel("Share of available AE hours")
    ax.set_title("(c) AE hours by activity", loc="left")
    if activities:
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small")


def _fates_grouped_panel(
    ax: Axes, names: Sequence[str], lead_fates: Sequence[Mapping[str, float]]
) -> None:
    """Horizontal grouped bars: for each lead fate, one bar per scenario."""
    ax.set_title("(d) Leads by fate", loc="left")
    ax.set_xlabel("Leads (mean per replication)")
    # Fates no scenario has (no filtering, nothing expired) would only add empty rows.
    fates = [
        f
        for f in dict.fromkeys(f for entry in lead_fates for f in entry)
        if any(float(entry.get(f, 0.0)) > 0 for entry in lead_fates)
    ]
    if not fates:
        ax.text(0.5, 0.5, "no leads recorded", ha="center", va="center", transform=ax.transAxes)
        return
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


def comparison(
    names: Sequence[str],
    totals: Sequence[Mapping[str, Mapping[str, float | None]]],
    quarterly: Sequence[Mapping[str, Sequence[float]]],
    hours_shares: Sequence[Mapping[str, float | None]],
    lead_fates: Sequence[Mapping[str, float]],
    title: str,
) -> Figure:
    """Build the side-by-side comparison of scenarios, one colour per scenario.

    Each argument after `names` holds one entry per scenario, in the same order:
    `totals` maps a label ("Bookings") to ``{"mean", "ci_low", "ci_high"}`` (None = undefined);
    `quarterly` has ``quarter``, ``bookings`` and optionally ``bookings_low``/``_high`` and
    ``reported``; `hours_shares` maps an activity ("deal_work") to its share of AE hours;
    `lead_fates` maps a fate to a lead count (fates at zero everywhere are left out).
    Raises PlotDataError when an entry is missing.
    """
    _check_per_scenario(
        names,
        totals=totals,
        quarterly=quarterly,
        hours_shares=hours_shares,
        lead_fates=lead_fates,
    )
    fig = Figure(figsize=(14, 9), layout="constrained")
    (ax_totals, ax_quarterly), (ax_hours, ax_fates) = fig.subplots(2, 2)
    _totals_panel(ax_totals, names, totals)
    _quarterly_lines_panel(ax_quarterly, quarterly)
    _hours_share_panel(ax_hours, names, hours_shares)
    _fates_grouped_panel(ax_fates, names, lead_fates)
    fig.suptitle(title, fontsize="x-large")
    handles = [Patch(color=_scenario_color(i), label=name) for i, name in enumerate(names)]
    fig.legend(
        handles=handles, loc="outside lower center", ncols=min(len(names), 6), title="Scenario"
    )
    return fig


def _value_label(value: object) -> str:
    """A swept value as the user typed it in YAML: 1.25, true, lead_first."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return _label(value)


def _is_number(value: object) -> bool:
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
    baseline: object = 1.0,
    title: str | None = None,
) -> Figure:
    """Build a sweep curve: the mean of `metric` at each value of `path`, with its 95% band.

    `curve` has ``mean``, ``ci_low`` and ``ci_high``, one number per value. Numeric values give
    a numeric x axis and a shaded band; others (names, true/false) one tick each, with
    whiskers. The point whose value equals `baseline` (None for none) is marked. `kind` picks
    the y tick format.
    """
    n = len(values)
    if n == 0:
        raise PlotDataError("a sweep curve needs at least one value")
    mean = _series(curve, "mean", "curve", n)
    low = _series(curve, "ci_low", "curve", n)
    high = _series(curve, "ci_high", "curve", n)
    numeric = all(_is_number(v) for v in values)
    x = np.asarray(values, dtype=float) if numeric else np.arange(n, dtype=float)
    order = np.argsort(x, kind="stable")
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.subplots()
    if numeric:
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
        error = np.nan_to_num(np.vstack([mean - low, high - mean])).clip(min=0.0)
        ax.errorbar(x, mean, yerr=error, fmt="o", color="C0", capsize=6, label="Mean, 95% interval")
        ax.margins(x=0.2)
    base = [k for k, v in enumerate(values) if baseline is not None and _same_value(v, baseline)]
    if base:
        k = base[0]
        ax.plot(
            x[k],
            mean[k],
            linestyle="none",
            marker="D",
            markersize=10,
            color="C3",
            zorder=5,
            label=f"Baseline ({_value_label(values[k])})",
        )
    if not numeric:
        ax.set_xticks(x, [_value_label(v) for v in values])
    name = label or metric
    ax.set_xlabel(path)
    ax.set_ylabel(name)
    if kind == "money":
        ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
    elif kind == "share":
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.grid(alpha=0.3)
    ax.set_title(title or f"{name} vs {path}", loc="left")
    ax.legend(loc="best", fontsize="small")
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
    ax.set_title(title, loc="left", parse_math=False)
    handles = [
        Patch(color=WATERFALL_TOTAL, label="Total"),
        Patch(color=WATERFALL_UP, label="Raises it"),
        Patch(color=WATERFALL_DOWN, label="Lowers it"),
    ]
    # Below the axes, where it cannot hide a bar's label.
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize="small")
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
