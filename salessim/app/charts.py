"""The app's charts (Vega-Lite through Altair): drawn in the browser, not on the server.

Browser-side charts keep the web server's script threads free (a matplotlib figure costs tenths
of a second of the GIL each time a page redraws) and give tooltips with exact numbers. Every
function takes the small summaries of :mod:`salessim.app.views` and returns a chart.
"""

from __future__ import annotations

import importlib
import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt

from salessim import metrics
from salessim.app.views import (
    FATE_ORDER,
    ComparisonView,
    PredictionCheck,
    SweepView,
    fate_label,
    hours_rows,
    quarter_label,
    reported_quarters,
)
from salessim.config import DAYS_PER_QUARTER
from salessim.entities import ACTIVITIES
from salessim.explain import Explanation
from salessim.metrics import activity_label

# Altair looks pandas up in sys.modules while it builds a chart. If another session's thread
# is importing pandas at that moment, it finds the module half made and fails (seen with five
# sessions starting at once). Importing pandas fully here, before any chart, rules that out.
importlib.import_module("pandas")

SCENARIO_COLORS = ("#4a6fa5", "#e07b39", "#2e8b57")
ACTIVITY_COLORS = ("#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#c7c7c7")
UP, DOWN, TOTAL = "#2e8b57", "#c0392b", "#4a6fa5"
START_COLOR = "#c0392b"  # the scenario's own value on a sweep
HEIGHT = 280
WRAP = 18  # characters per line of a waterfall label
Row = dict[str, Any]
ChartSpec = alt.Chart | alt.LayerChart | alt.FacetChart
"""What the functions here return: anything ``st.altair_chart`` draws."""


def _number(value: float) -> float | None:
    """JSON-safe number: NaN and infinities become null (a gap in the chart)."""
    return value if math.isfinite(value) else None


def _scenario_scale(names: Sequence[str]) -> alt.Scale:
    return alt.Scale(domain=list(names), range=list(SCENARIO_COLORS[: len(names)]))


def _money_axis(title: str) -> alt.Axis:
    return alt.Axis(title=title, format="$,.3s")


def _data(rows: list[Row]) -> dict[str, list[Row]]:
    """Inline data: rows of plain values (no data frame needed)."""
    return {"values": rows}


def _has_bounds(rows: Sequence[Row]) -> bool:
    """Whether any row has both interval bounds: one replication has none, and then no band
    or error bar is drawn (an interval needs two replications)."""
    return any(row.get("low") is not None and row.get("high") is not None for row in rows)


def _layers(*charts: alt.Chart | None) -> ChartSpec:
    """The layers that are drawn (a band or whiskers are None without an interval)."""
    return alt.layer(*(chart for chart in charts if chart is not None))


def _quarter_rows(view: ComparisonView, fields: Mapping[str, str]) -> list[Row]:
    """One row per scenario and reported quarter; `fields` maps a row field to a quarterly key."""
    rows: list[Row] = []
    for summary in view.scenarios:
        q = summary.quarterly
        for position, index in enumerate(reported_quarters(q)):
            row: Row = {
                "scenario": summary.name,
                "order": position,
                "quarter": quarter_label(position),
            }
            row.update({field: _number(q[key][index]) for field, key in fields.items()})
            rows.append(row)
    return rows


def _change_marks(view: ComparisonView) -> list[alt.Chart]:
    """A dashed rule at the quarter in which each scenario's plan changed and a label with its
    day: two layers to add to a quarterly chart (none when no change falls in a reported
    quarter)."""
    rows: list[Row] = []
    for summary in view.scenarios:
        shown = reported_quarters(summary.quarterly)
        for day in summary.change_days:
            quarter = day // DAYS_PER_QUARTER
            if quarter in shown:
                rows.append(
                    {
                        "scenario": summary.name,
                        "order": shown.index(quarter),
                        "quarter": quarter_label(shown.index(quarter)),
                        "label": f"day {day}",
                    }
                )
    if not rows:
        return []
    base = alt.Chart(_data(rows)).encode(
        x=alt.X("quarter:O", sort=alt.SortField("order")),
        color=alt.Color("scenario:N", scale=_scenario_scale(view.names), title="Scenario"),
        tooltip=[
            "scenario:N",
            alt.Tooltip("label:N", title="Plan changes on"),
        ],
    )
    rule = base.mark_rule(strokeDash=[5, 4], strokeWidth=1.5)
    text = base.mark_text(align="left", dx=3, dy=4, baseline="top", fontSize=10).encode(
        text="label:N", y=alt.value(0)
    )
    return [rule, text]


def quarterly_bookings(view: ComparisonView) -> ChartSpec:
    """Bookings per reported quarter for each scenario: mean line and 95% band."""
    return quarterly_metric(view, "bookings", "Bookings")


def quarterly_profit(view: ComparisonView) -> ChartSpec:
    """Profit per reported quarter for each scenario: mean line and 95% band."""
    return quarterly_metric(view, "profit", "Profit")


def quarterly_metric(view: ComparisonView, key: str, label: str) -> ChartSpec:
    """A quarterly series (`key` of ReplicationSet.quarterly()) per scenario, with its band."""
    rows = _quarter_rows(view, {"value": key, "low": f"{key}_low", "high": f"{key}_high"})
    banded = _has_bounds(rows)
    color = alt.Color("scenario:N", scale=_scenario_scale(view.names), title="Scenario")
    x = alt.X("quarter:O", sort=alt.SortField("order"), title="Quarter (after warm-up)")
    y = alt.Y("value:Q", axis=_money_axis(f"{label} per quarter"), scale=alt.Scale(zero=False))
    base = alt.Chart(_data(rows)).encode(x=x, color=color)
    tooltip = [
        "scenario:N",
        "quarter:O",
        alt.Tooltip("value:Q", format="$,.0f", title=f"{label} (mean)"),
    ]
    band = None
    if banded:
        tooltip += [
            alt.Tooltip("low:Q", format="$,.0f", title="95% CI low"),
            alt.Tooltip("high:Q", format="$,.0f", title="95% CI high"),
        ]
        band = base.mark_area(opacity=0.18).encode(y=alt.Y("low:Q"), y2="high:Q")
    line = base.mark_line(point=True).encode(y=y, tooltip=tooltip)
    what = "mean and 95% band" if banded else "one replication: no band"
    return _layers(band, line, *_change_marks(view)).properties(
        height=HEIGHT, title=f"{label} by quarter ({what})"
    )


def totals(view: ComparisonView, metric: str) -> ChartSpec:
    """One metric's total over the reporting window for each scenario, with its 95% interval."""
    name = metrics.label(metric)
    rows = [
        {
            "scenario": s.name,
            "mean": _number(s.value(metric).mean),
            "low": _number(s.value(metric).ci_low),
            "high": _number(s.value(metric).ci_high),
        }
        for s in view.scenarios
    ]
    banded = _has_bounds(rows)
    color = alt.Color("scenario:N", scale=_scenario_scale(view.names), legend=None)
    y = alt.Y("scenario:N", sort=view.names, title=None, axis=alt.Axis(labelLimit=200))
    axis = _money_axis(f"{name} over {view.window}")
    base = alt.Chart(_data(rows)).encode(y=y)
    tooltip = ["scenario:N", alt.Tooltip("mean:Q", format="$,.0f", title=name)]
    whiskers = None
    if banded:
        tooltip += [
            alt.Tooltip("low:Q", format="$,.0f", title="95% CI low"),
            alt.Tooltip("high:Q", format="$,.0f", title="95% CI high"),
        ]
        whiskers = base.mark_rule(color="black", strokeWidth=2).encode(x="low:Q", x2="high:Q")
    bars = base.mark_bar().encode(x=alt.X("mean:Q", axis=axis), color=color, tooltip=tooltip)
    what = "mean, 95% interval" if banded else "one replication: no interval"
    # No fixed height: a discrete y axis sizes itself by its step.
    return _layers(bars, whiskers).properties(title=f"{name} ({what})")


def forecast_vs_actual(view: ComparisonView) -> ChartSpec:
    """Actual bookings per quarter (bars) and the forecast made early in the quarter (ticks)."""
    rows = _quarter_rows(view, {"actual": "bookings", "forecast": "forecast"})
    color = alt.Color("scenario:N", scale=_scenario_scale(view.names), title="Scenario")
    base = alt.Chart(_data(rows)).encode(
        x=alt.X("quarter:O", sort=alt.SortField("order"), title="Quarter (after warm-up)"),
        xOffset=alt.XOffset("scenario:N", sort=view.names),
    )
    tooltip = [
        "scenario:N",
        "quarter:O",
        alt.Tooltip("actual:Q", format="$,.0f", title="Actual bookings"),
        alt.Tooltip("forecast:Q", format="$,.0f", title="Forecast (week 2)"),
    ]
    bars = base.mark_bar(opacity=0.75).encode(
        y=alt.Y("actual:Q", axis=_money_axis("Bookings per quarter")),
        color=color,
        tooltip=tooltip,
    )
    ticks = base.mark_tick(color="black", thickness=2).encode(y="forecast:Q", tooltip=tooltip)
    return alt.layer(bars, ticks, *_change_marks(view)).properties(
        height=HEIGHT, title="Forecast (black tick) vs actual bookings (bar) by quarter"
    )


def pipeline(view: ComparisonView) -> ChartSpec:
    """Open pipeline value and weighted forecast by week, after the warm-up."""
    rows: list[Row] = []
    for summary in view.scenarios:
        weekly = summary.weekly
        if not weekly:
            continue
        start = weekly.get("report_start_week", [0.0])[0]
        for k, week in enumerate(weekly["week"]):
            if week < start:
                continue
            for key, label in (
                ("pipeline_value", "Open pipeline"),
                ("weighted_forecast", "Weighted forecast"),
            ):
                rows.append(
                    {
                        "scenario": summary.name,
                        "week": week - start + 1,
                        "series": label,
                        "value": _number(weekly[key][k]),
                    }
                )
    chart: ChartSpec = (
        alt.Chart(_data(rows))
        .mark_line()
        .encode(
            x=alt.X("week:Q", title="Week (after warm-up)"),
            y=alt.Y("value:Q", axis=_money_axis("Value")),
            color=alt.Color("scenario:N", scale=_scenario_scale(view.names), title="Scenario"),
            strokeDash=alt.StrokeDash("series:N", title="Series"),
            tooltip=[
                "scenario:N",
                "series:N",
                "week:Q",
                alt.Tooltip("value:Q", format="$,.0f"),
            ],
        )
        .properties(height=HEIGHT, title="Open pipeline and weighted forecast by week")
    )
    return chart


def rep_hours(view: ComparisonView) -> ChartSpec:
    """Where paid hours went: share by activity, one bar per scenario for its AEs and, when a
    scenario has SDRs, one for its SDRs; activities at zero everywhere are left out."""
    rows = hours_rows(view)
    labels = [activity_label(a) for a in ACTIVITIES]
    colors = dict(zip(labels, ACTIVITY_COLORS, strict=True))
    shown = list(dict.fromkeys(row["activity"] for row in rows))
    who = "AE and SDR" if any(s.has_sdrs for s in view.scenarios) else "AE"
    chart: ChartSpec = (
        alt.Chart(_data(rows))
        .mark_bar()
        .encode(
            y=alt.Y(
                "bar:N",
                sort=list(dict.fromkeys(row["bar"] for row in rows)),
                title=None,
                axis=alt.Axis(labelLimit=240),
            ),
            x=alt.X(
                "share:Q",
                stack="zero",
                axis=alt.Axis(format="%", title="Share of paid hours"),
                # Shares of one total: the axis ends at 100%, not at a "nice" 110%.
                scale=alt.Scale(domain=[0, 1], nice=False),
            ),
            color=alt.Color(
                "activity:N",
                sort=shown,
                scale=alt.Scale(domain=shown, range=[colors[a] for a in shown]),
                title="Activity",
                legend=alt.Legend(orient="bottom", columns=2),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                "scenario:N",
                "team:N",
                "activity:N",
                alt.Tooltip("share:Q", format=".1%"),
            ],
        )
        .properties(title=f"Where {who} hours went")
    )
    return chart


def lead_fates(view: ComparisonView) -> ChartSpec:
    """Marketing leads by what became of them, per scenario."""
    fates = [
        fate
        for fate in FATE_ORDER
        if any(other.lead_fates.get(fate, 0.0) > 0 for other in view.scenarios)
    ]
    rows = [
        {
            "scenario": s.name,
            "fate": fate_label(fate),
            "leads": _number(s.lead_fates.get(fate, math.nan)),
        }
        for s in view.scenarios
        for fate in fates
    ]
    chart: ChartSpec = (
        alt.Chart(_data(rows))
        .mark_bar()
        .encode(
            y=alt.Y(
                "fate:N",
                sort=[fate_label(fate) for fate in fates],
                title=None,
                axis=alt.Axis(labelLimit=220),
            ),
            yOffset=alt.YOffset("scenario:N", sort=view.names),
            x=alt.X("leads:Q", title=f"Leads over {view.window} (mean)"),
            color=alt.Color("scenario:N", scale=_scenario_scale(view.names), title="Scenario"),
            tooltip=["scenario:N", "fate:N", alt.Tooltip("leads:Q", format=",.0f")],
        )
        .properties(title="Leads by fate")
    )
    return chart


def waterfall(explanation: Explanation) -> ChartSpec:
    """From the first scenario's bookings to the second's, step by step (they add up exactly)."""
    bars = explanation.waterfall_data()
    rows: list[Row] = []
    running = 0.0
    for k, (label, amount) in enumerate(bars):
        total = k in (0, len(bars) - 1)
        start, end = (0.0, amount) if total else (running, running + amount)
        running = amount if total else end
        kind = "Total" if total else ("Raises bookings" if amount >= 0 else "Lowers bookings")
        rows.append(
            {
                "step": "|".join(textwrap.wrap(label, WRAP)),
                "order": k,
                "start": _number(start),
                "end": _number(end),
                "top": _number(max(start, end)),
                "amount": _number(amount),
                "kind": kind,
            }
        )
    ends = [r["end"] for r in rows if r["end"] is not None]
    high = max([*ends, 0.0])
    lowest = min(ends, default=0.0)
    span = high - lowest
    # Start the axis above $0 when the steps would be slivers next to the totals.
    domain_low = lowest - span if span > 0 and lowest > 4 * span else 0.0
    base = alt.Chart(_data(rows)).encode(
        x=alt.X(
            "step:N",
            sort=[r["step"] for r in rows],
            title=None,
            axis=alt.Axis(labelAngle=0, labelExpr="split(datum.value, '|')", labelLimit=400),
        )
    )
    bar = base.mark_bar().encode(
        y=alt.Y(
            "start:Q",
            scale=alt.Scale(domain=[domain_low, high * 1.05 if high > 0 else 1.0], clamp=True),
            axis=_money_axis("Bookings"),
        ),
        y2="end:Q",
        color=alt.Color(
            "kind:N",
            scale=alt.Scale(
                domain=["Total", "Raises bookings", "Lowers bookings"], range=[TOTAL, UP, DOWN]
            ),
            title=None,
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=["step:N", alt.Tooltip("amount:Q", format="$,.0f", title="Amount")],
    )
    text = base.mark_text(dy=-8).encode(
        y="top:Q", text=alt.Text("amount:Q", format="$,.3s"), color=alt.value("#333")
    )
    note = " (the axis does not start at $0)" if domain_low else ""
    return alt.layer(bar, text).properties(
        height=HEIGHT + 40,
        title=f"Why bookings differ, step by step: {explanation.vs} → {explanation.name}{note}",
    )


def sweep_curve(view: SweepView, metric: str) -> ChartSpec:
    """A metric's mean and 95% band at each swept value; the scenario's own value marked."""
    name, metric_kind = metrics.label(metric), metrics.kind(metric)
    curve = view.curves[metric]
    rows = [
        {
            "x": value if view.numeric else text,
            "label": text,
            "order": k,
            "mean": _number(curve["mean"][k]),
            "low": _number(curve["ci_low"][k]),
            "high": _number(curve["ci_high"][k]),
            "start": view.is_start(value),
        }
        for k, (value, text) in enumerate(zip(view.values, view.value_labels, strict=True))
    ]
    banded = _has_bounds(rows)
    fmt = "$,.0f" if metric_kind == "money" else (".1%" if metric_kind == "share" else ",.1f")
    if metric_kind == "money":
        axis = _money_axis(name)
    elif metric_kind == "share":
        axis = alt.Axis(title=name, format="%")
    else:
        axis = alt.Axis(title=name, format=fmt[:-1] + "s")
    x = (
        alt.X("x:Q", title=view.lever_label, scale=alt.Scale(zero=False))
        if view.numeric
        else alt.X("x:N", sort=list(view.value_labels), title=view.lever_label)
    )
    y = alt.Y("mean:Q", axis=axis, scale=alt.Scale(zero=False))
    base = alt.Chart(_data(rows)).encode(x=x)
    tooltip = [
        alt.Tooltip("label:N", title=view.lever_label),
        alt.Tooltip("mean:Q", format=fmt, title=f"{name} (mean)"),
    ]
    band = None
    if banded:
        tooltip += [
            alt.Tooltip("low:Q", format=fmt, title="95% CI low"),
            alt.Tooltip("high:Q", format=fmt, title="95% CI high"),
        ]
        mark = (
            base.mark_area(opacity=0.2, color=SCENARIO_COLORS[0])
            if view.numeric
            else base.mark_errorbar(ticks=True, color=SCENARIO_COLORS[0])
        )
        band = mark.encode(y=alt.Y("low:Q"), y2="high:Q")
    if view.numeric:
        line = base.mark_line(point=True, color=SCENARIO_COLORS[0]).encode(y=y, tooltip=tooltip)
    else:
        line = base.mark_point(filled=True, size=90, color=SCENARIO_COLORS[0]).encode(
            y=y, tooltip=tooltip
        )
    start = (
        base.transform_filter(alt.datum.start)
        .mark_point(shape="diamond", size=220, filled=True, color=START_COLOR)
        .encode(y="mean:Q", tooltip=tooltip)
    )
    rule = None
    if view.start_in_range:
        # The scenario's own value may fall between the swept values: a line marks it.
        rule = (
            alt.Chart(_data([{"x": view.start_value}]))
            .mark_rule(color=START_COLOR, strokeDash=[4, 4])
            .encode(x="x:Q")
        )
    what = "band: 95% interval; " if banded else "one replication: no band; "
    return _layers(band, line, rule, start).properties(
        height=HEIGHT + 40,
        title=f"{name} vs {view.lever_label.lower()} ({what}red: the scenario's own value, "
        f"{view.start_label})",
    )


def prediction(check: PredictionCheck) -> ChartSpec:
    """The student's guess next to the simulated change and its 95% interval (if it has one)."""
    name = metrics.label(check.metric)
    a = check.actual_percent
    rows: list[Row] = [
        {"what": "Your guess", "change": check.guess_percent, "low": None, "high": None},
        {
            "what": "Simulation",
            "change": _number(a.mean),
            "low": _number(a.ci_low),
            "high": _number(a.ci_high),
        },
    ]
    base = alt.Chart(_data(rows)).encode(
        y=alt.Y("what:N", sort=["Your guess", "Simulation"], title=None)
    )
    bars = base.mark_bar().encode(
        x=alt.X("change:Q", title=f"Change in {name.lower()} (%)"),
        color=alt.Color(
            "what:N",
            scale=alt.Scale(domain=["Your guess", "Simulation"], range=["#999999", TOTAL]),
            legend=None,
        ),
        tooltip=["what:N", alt.Tooltip("change:Q", format="+.1f", title="Change (%)")],
    )
    whiskers = None
    if _has_bounds(rows):
        whiskers = base.mark_rule(color="black", strokeWidth=2).encode(x="low:Q", x2="high:Q")
    zero = alt.Chart(_data([{"zero": 0}])).mark_rule(color="#333").encode(x="zero:Q")
    return _layers(bars, whiskers, zero).properties(
        title=f"Your guess vs the simulated change in {name.lower()}"
    )
