"""What the pages show: the library's results built from pool runs, summarised for display.

Runs from the pool become the library's own objects (:class:`~salessim.experiments.Comparison`,
:class:`~salessim.experiments.Sweep`, :class:`~salessim.explain.Explanation`) exactly as
``compare`` and ``sweep`` build them, then small plain summaries that a session keeps (a few
kilobytes, not the replications) and the pages draw. Numbers are formatted here, once, for the
pages and the tests alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from salessim.config import Scenario
from salessim.experiments import Comparison, ReplicationSet, Sweep, unique_names
from salessim.explain import Explanation, explain
from salessim.formatting import MINUS, compact_money
from salessim.statistics import Difference, Interval, paired_difference

Kind = Literal["money", "count", "share", "hours"]


@dataclass(frozen=True)
class Metric:
    """A metric as the pages show it: label, unit and a plain-language explanation."""

    key: str
    label: str
    kind: Kind
    help: str


KEY_METRICS: tuple[Metric, ...] = (
    Metric("bookings", "Bookings", "money", "Value of the deals won, after discounts."),
    Metric(
        "profit",
        "Profit",
        "money",
        "Gross profit on bookings minus marketing, salaries and commission.",
    ),
    Metric("wins", "Deals won", "count", "Deals closed and won."),
    Metric("win_rate", "Win rate", "share", "Share of closed deals that were won."),
    Metric("opportunities", "Opportunities created", "count", "Qualified deals opened."),
    Metric("leads", "Marketing leads", "count", "Leads from marketing that reached sales."),
    Metric(
        "leads_expired",
        "Leads never worked",
        "count",
        "Leads that waited so long for a first call that they were dropped.",
    ),
    Metric(
        "lead_response_hours",
        "Time to first call",
        "hours",
        "Average working hours from a lead's arrival to the first call.",
    ),
    Metric(
        "deals_lost_neglect",
        "Deals lost to neglect",
        "count",
        "Deals lost because they waited too long for their rep.",
    ),
    Metric(
        "avg_discount",
        "Average discount",
        "share",
        "Discount given to close deals sooner (rushed at quarter end or by a busy rep).",
    ),
    Metric(
        "forecast_mape",
        "Forecast error",
        "share",
        "How far each quarter's forecast (taken in its second week) was from actual bookings, "
        "on average.",
    ),
    Metric("marketing_cost", "Marketing cost", "money", "What the leads cost."),
)
METRICS_BY_KEY: dict[str, Metric] = {m.key: m for m in KEY_METRICS}
PREDICTION_METRICS = ("bookings", "profit", "wins", "opportunities")
SWEEP_METRICS = ("bookings", "profit", "wins", "opportunities", "win_rate", "leads_expired")

ACTIVITY_LABELS: dict[str, str] = {
    "prospecting": "Prospecting",
    "qualifying": "Qualifying leads",
    "deal_work": "Deal work",
    "non_selling": "Non-selling",
    "idle": "Idle",
}
FATE_LABELS: dict[str, str] = {
    "converted": "Became an opportunity",
    "no_opportunity": "Fit, but no opportunity",
    "disqualified": "Did not fit (suspect)",
    "cold": "Gone cold before the call",
    "unreached": "Never answered",
    "expired": "Never worked (expired)",
    "filtered": "Filtered out by scoring",
}
WEEKLY_SERIES = (
    "week",
    "pipeline_value",
    "weighted_forecast",
    "pipeline_count",
    "report_start_week",
)


@dataclass(frozen=True)
class ScenarioSummary:
    """One scenario's results, small enough to keep in a session."""

    name: str
    replications: int
    intervals: dict[str, Interval]
    quarterly: dict[str, list[float]]
    weekly: dict[str, list[float]]
    lead_fates: dict[str, float]

    def value(self, metric: str) -> Interval:
        """A metric's mean and 95% interval (NaN if the metric is unknown)."""
        return self.intervals.get(metric, Interval(math.nan, math.nan, math.nan))


@dataclass(frozen=True)
class ComparisonView:
    """Scenarios side by side: summaries, paired differences from the first, explanations."""

    seed: int
    replications: int
    scenarios: tuple[ScenarioSummary, ...]
    differences: tuple[dict[str, Difference], ...]
    explanations: tuple[Explanation, ...]
    reused: int = 0

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.scenarios]


@dataclass(frozen=True)
class SweepView:
    """One lever varied over values: each key metric's mean and band at every value."""

    seed: int
    replications: int
    scenario: str
    lever_label: str
    values: tuple[float | str | bool, ...]
    value_labels: tuple[str, ...]
    numeric: bool
    start_value: float | str | bool | None
    curves: dict[str, dict[str, list[float]]] = field(default_factory=dict)

    def best(self, metric: str) -> int | None:
        """Index of the value with the highest mean (the peak of an inverted U), if any."""
        means = self.curves.get(metric, {}).get("mean", [])
        finite = [(m, k) for k, m in enumerate(means) if math.isfinite(m)]
        return max(finite)[1] if finite else None


def comparison_from_runs(
    scenarios: Sequence[Scenario], runs: Sequence[list[dict[str, Any]]], seed: int
) -> Comparison:
    """The library's Comparison for runs of `scenarios` (as ``experiments.compare`` builds it)."""
    sets = [ReplicationSet(sc, seed, r) for sc, r in zip(scenarios, runs, strict=True)]
    return Comparison(unique_names(scenarios), sets, seed)


def summarise(result: ReplicationSet, name: str) -> ScenarioSummary:
    """Keep what the pages draw of one scenario's replications."""
    weekly: dict[str, list[float]] = {}
    if result.runs and "weekly" in result.runs[0]:
        mean = result.mean_weekly()
        weekly = {
            key: values
            for key, values in mean.items()
            if key in WEEKLY_SERIES or key.startswith("ae_hours_")
        }
    return ScenarioSummary(
        name=name,
        replications=result.n,
        intervals=result.intervals(),
        quarterly=result.quarterly(),
        weekly=weekly,
        lead_fates=result.lead_fates(),
    )


def summarise_comparison(comparison: Comparison, reused: int = 0) -> ComparisonView:
    """Summaries, differences and an explanation for every scenario after the first."""
    scenarios = tuple(
        summarise(s, name) for s, name in zip(comparison.sets, comparison.names, strict=True)
    )
    explanations = tuple(explain(comparison, k) for k in range(1, len(comparison.sets)))
    return ComparisonView(
        seed=comparison.seed,
        replications=comparison.n,
        scenarios=scenarios,
        differences=tuple(comparison.differences()),
        explanations=explanations,
        reused=reused,
    )


def sweep_from_runs(
    path: str,
    values: Sequence[object],
    points: Sequence[Scenario],
    runs: Sequence[list[dict[str, Any]]],
    seed: int,
) -> Sweep:
    """The library's Sweep for runs of the points (as ``experiments.sweep`` builds it)."""
    sets = [ReplicationSet(sc, seed, r) for sc, r in zip(points, runs, strict=True)]
    return Sweep(path, list(values), sets, seed)


def summarise_sweep(
    sweep: Sweep,
    scenario: str,
    lever_label: str,
    values: Sequence[float | str | bool],
    value_labels: Sequence[str],
    start_value: float | str | bool | None,
) -> SweepView:
    """Curves of the key metrics over the swept values (widget values, for the x axis)."""
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    curves = {m: sweep.curve(m) for m in SWEEP_METRICS if m in sweep.sets[0].metric_names()}
    return SweepView(
        seed=sweep.seed,
        replications=sweep.n,
        scenario=scenario,
        lever_label=lever_label,
        values=tuple(values),
        value_labels=tuple(value_labels),
        numeric=numeric,
        start_value=start_value,
        curves=curves,
    )


@dataclass(frozen=True)
class PredictionCheck:
    """A student's guess of a metric's change (in %) against the simulated change."""

    metric: str
    guess_percent: float
    actual_percent: Interval

    @property
    def inside(self) -> bool:
        """Whether the guess lies inside the simulated change's 95% interval."""
        a = self.actual_percent
        return a.ci_low <= self.guess_percent <= a.ci_high

    def verdict(self) -> str:
        """One plain sentence comparing the guess with the result."""
        a = self.actual_percent
        if not math.isfinite(a.mean):
            return "The starting scenario has no value to compare with, so there is no % change."
        if self.inside:
            return "Your guess is inside the simulation's 95% interval: well predicted."
        if (self.guess_percent > 0) != (a.mean > 0) and a.ci_low * a.ci_high > 0:
            return (
                "The simulation went the other way: "
                f"you expected {signed_percent(self.guess_percent)}, it gave "
                f"{signed_percent(a.mean)}."
            )
        gap = a.mean - self.guess_percent
        direction = "higher" if gap > 0 else "lower"
        return (
            f"The simulated change is {abs(gap):.1f} percentage points {direction} than your guess."
        )


def check_prediction(comparison: Comparison, metric: str, guess_percent: float) -> PredictionCheck:
    """Compare a guessed % change of `metric` (second scenario vs first) with the paired result."""
    first, second = comparison.sets[0].values(metric), comparison.sets[1].values(metric)
    diff = paired_difference(first, second)
    base = float(np.mean(first))
    if not math.isfinite(base) or base == 0.0:
        actual = Interval(math.nan, math.nan, math.nan)
    else:
        scale = 100.0 / abs(base)
        actual = Interval(diff.mean * scale, diff.ci_low * scale, diff.ci_high * scale)
    return PredictionCheck(metric, float(guess_percent), actual)


def relative_change(before: float, after: float) -> float:
    """(after − before) / |before| as a fraction; NaN when before is 0 or undefined."""
    if not math.isfinite(before) or before == 0.0 or not math.isfinite(after):
        return math.nan
    return (after - before) / abs(before)


# ---------------------------------------------------------------------------- formatting
def money(value: float) -> str:
    """Whole dollars with thousands separators: $12,345,678 (−$1,200 below zero)."""
    if not math.isfinite(value):
        return "n/a"
    sign = MINUS if value < 0 else ""
    return f"{sign}${abs(value):,.0f}"


def money_short(value: float) -> str:
    """Compact dollars for headline numbers: $950, $12.3k, $4.56M."""
    if not math.isfinite(value):
        return "n/a"
    return compact_money(value, "{:.3g}".format, MINUS)


def percent(fraction: float, digits: int = 1) -> str:
    """A fraction as a percentage: 0.123 → 12.3%."""
    return "n/a" if not math.isfinite(fraction) else f"{fraction * 100:.{digits}f}%"


def signed_percent(points: float, digits: int = 1) -> str:
    """A change already in percent, with its sign: +12.3%, −4.0%."""
    if not math.isfinite(points):
        return "n/a"
    text = f"{abs(points):.{digits}f}%"
    return f"+{text}" if points > 0 else (f"{MINUS}{text}" if points < 0 else text)


def format_value(value: float, kind: Kind) -> str:
    """A metric value in its unit."""
    if not math.isfinite(value):
        return "n/a"
    if kind == "money":
        return money(value)
    if kind == "share":
        return percent(value)
    if kind == "hours":
        return f"{value:,.2f} h" if abs(value) < 10 else f"{value:,.1f} h"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def format_change(diff: Difference, kind: Kind) -> str:
    """A paired difference with its 95% interval: "+$1,234 (95% CI −$100 to +$2,500)"."""
    if not math.isfinite(diff.mean):
        return "n/a"

    def signed(v: float) -> str:
        text = f"{abs(v) * 100:.1f} pts" if kind == "share" else format_value(abs(v), kind)
        if not any(c.isdigit() and c != "0" for c in text):
            return text  # rounds to zero: no sign
        return ("+" if v > 0 else MINUS if v < 0 else "") + text

    if not math.isfinite(diff.ci_low):
        return signed(diff.mean)
    return f"{signed(diff.mean)} (95% CI {signed(diff.ci_low)} to {signed(diff.ci_high)})"


def quarter_label(index: int) -> str:
    """The `index`-th reported quarter (from 0) as "Y1 Q1"."""
    return f"Y{index // 4 + 1} Q{index % 4 + 1}"


def summary_rows(view: ComparisonView) -> list[dict[str, str]]:
    """The key-metrics table: one row per metric, a column per scenario and per change."""
    rows = []
    for metric in KEY_METRICS:
        if metric.key not in view.scenarios[0].intervals:
            continue
        row = {"Metric": metric.label}
        for summary in view.scenarios:
            row[summary.name] = format_value(summary.value(metric.key).mean, metric.kind)
        for summary, diff in zip(view.scenarios[1:], view.differences, strict=True):
            label = "Change" if len(view.scenarios) == 2 else f"Change: {summary.name}"
            d = diff.get(metric.key)
            row[label] = "n/a" if d is None else format_change(d, metric.kind)
        rows.append(row)
    return rows


def hours_shares(summary: ScenarioSummary) -> dict[str, float]:
    """Share of AE hours by activity (the library's hours_share_* metrics)."""
    return {a: summary.value(f"hours_share_{a}").mean for a in ACTIVITY_LABELS}


def reported_quarters(quarterly: Mapping[str, Sequence[float]]) -> list[int]:
    """Positions of the quarters inside the reported window (after the warm-up)."""
    return [q for q, flag in enumerate(quarterly.get("reported", [])) if flag]
