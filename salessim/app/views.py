"""What the pages show: the library's results built from pool runs, summarised for display.

Runs from the pool become the library's own objects (:class:`~salessim.experiments.Comparison`,
:class:`~salessim.experiments.Sweep`, :class:`~salessim.explain.Explanation`) exactly as
``compare`` and ``sweep`` build them, then small plain summaries that a session keeps (a few
kilobytes, not the replications) and the pages draw. Labels, kinds and meanings come from the
metric registry (:mod:`salessim.metrics`), table numbers from :mod:`salessim.formatting` and
significance from :attr:`salessim.statistics.Difference.significant`, as on the command line.
"""

from __future__ import annotations

import io
import math
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from salessim import metrics
from salessim.config import Scenario
from salessim.entities import ACTIVITIES
from salessim.experiments import Comparison, ReplicationSet, Sweep, unique_names, value_at
from salessim.explain import Explanation, explain
from salessim.formatting import (
    MINUS,
    NOT_AVAILABLE,
    compact_money,
    format_delta,
    format_value,
    plural,
)
from salessim.metrics import activity_label
from salessim.outputs import HOURS_SHARE_PREFIX, SDR_HOURS_SHARE_PREFIX, has_sdrs, write_comparison
from salessim.statistics import Difference, Interval, paired_difference
from salessim.targets import Target, parse_target, proportion_interval

# Which metrics the pages show, in their order; labels, kinds and meanings are the registry's.
KEY_METRICS: tuple[str, ...] = (
    "bookings",
    "profit",
    "wins",
    "win_rate",
    "opportunities",
    "leads",
    "leads_expired",
    "lead_response_hours",
    "deals_lost_neglect",
    "avg_discount",
    "forecast_mape",
    "marketing_cost",
)
PREDICTION_METRICS = ("bookings", "profit", "wins", "opportunities")
# What the What-if page's target can be set on: a target key (a metric, or a total per reported
# year) each summary keeps the per-replication values of, so a target typed after a run needs none.
TARGET_KEYS: tuple[str, ...] = (
    "bookings_per_year",
    "profit_per_year",
    "wins_per_year",
    "opportunities_per_year",
    "win_rate",
    "quota_attainment_share",
)
SWEEP_METRICS = ("bookings", "profit", "wins", "opportunities", "win_rate", "leads_expired")
# Lead fates in the order the chart lists them: the good outcome first, then how leads are lost.
FATE_ORDER = (
    "converted",
    "no_opportunity",
    "disqualified",
    "cold",
    "unreached",
    "expired",
    "filtered",
)
TEAMS = (("AEs", HOURS_SHARE_PREFIX), ("SDRs", SDR_HOURS_SHARE_PREFIX))
"""Whose hours are shown by activity, and the prefix of their hours_share metrics."""
SIGNIFICANT_MARK = " *"
WEEKLY_SERIES = (
    "week",
    "pipeline_value",
    "weighted_forecast",
    "pipeline_count",
    "report_start_week",
)


def fate_label(fate: str) -> str:
    """What became of a lead: "Leads gone cold" (the registry's label)."""
    return metrics.label(f"leads_{fate}")


@dataclass(frozen=True)
class ScenarioSummary:
    """One scenario's results, small enough to keep in a session."""

    name: str
    replications: int
    window: str
    """The reporting window every total covers: "3 reported years, days 63–819"."""
    intervals: dict[str, Interval]
    quarterly: dict[str, list[float]]
    weekly: dict[str, list[float]]
    lead_fates: dict[str, float]
    has_sdrs: bool = False
    change_days: tuple[int, ...] = ()
    """Working days on which the scenario's plan changed (its ``changes:``)."""
    samples: dict[str, tuple[float, ...]] = field(default_factory=dict)
    """Per replication, the values of each of :data:`TARGET_KEYS` (per year for totals)."""

    def chance(self, target: Target) -> tuple[int, int, Interval]:
        """Replications reaching `target`, replications, and the share with its Wilson 95%
        interval (none reached and NaN where the summary has no values of its metric)."""
        values = np.asarray(self.samples.get(target.key, ()), dtype=float)
        hits = int(target.reached_by(values).sum())
        return hits, int(values.size), proportion_interval(hits, int(values.size))

    def value(self, metric: str) -> Interval:
        """A metric's mean and 95% interval (NaN if the metric is unknown)."""
        return self.intervals.get(metric, Interval(math.nan, math.nan, math.nan))

    def hours_shares(self) -> dict[str, dict[str, float]]:
        """Share of paid hours by activity for AEs and, if the scenario has any, SDRs."""
        teams = TEAMS if self.has_sdrs else TEAMS[:1]
        return {
            team: {a: self.value(f"{prefix}{a}").mean for a in ACTIVITIES} for team, prefix in teams
        }


def _windows(texts: Sequence[str]) -> str:
    """One reporting window, or each distinct one."""
    return "; ".join(dict.fromkeys(texts))


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

    @property
    def window(self) -> str:
        """The period the totals cover: "3 reported years, days 63–819"."""
        return _windows([s.window for s in self.scenarios])

    def totals_caption(self) -> str:
        """What the totals cover and how they were computed, for a result's heading."""
        return (
            f"Totals over {self.window}; mean of {plural(self.replications, 'replication')} "
            f"(seed {self.seed}), every scenario with the same random luck."
        )


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
    start_label: str
    """The scenario's own value as the lever shows it: "100%"."""
    window: str
    """The reporting window every total covers: "3 reported years, days 63–819"."""
    curves: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    peaks: dict[str, int] = field(default_factory=dict)
    """Per metric, the index of an inner value whose mean is significantly above both ends of
    the range (paired differences): a tipping point."""

    def is_start(self, value: float | str | bool) -> bool:
        """Whether `value` is the starting scenario's own value of the lever."""
        start = self.start_value
        if start is None or isinstance(value, bool) != isinstance(start, bool):
            return False
        if isinstance(value, str) or isinstance(start, str):
            return value == start
        return math.isclose(float(value), float(start), rel_tol=1e-9, abs_tol=1e-9)

    @property
    def start_in_range(self) -> bool:
        """Whether the scenario's own value lies within the swept range (numeric levers)."""
        start = self.start_value
        if not self.numeric or isinstance(start, bool) or not isinstance(start, int | float):
            return False
        numbers = [float(v) for v in self.values]
        return min(numbers) <= float(start) <= max(numbers)


def comparison_from_runs(
    scenarios: Sequence[Scenario], runs: Sequence[list[dict[str, Any]]], seed: int
) -> Comparison:
    """The library's Comparison for runs of `scenarios` (as ``experiments.compare`` builds it)."""
    sets = [ReplicationSet(sc, seed, r) for sc, r in zip(scenarios, runs, strict=True)]
    return Comparison(unique_names(scenarios), sets, seed)


def explanations_of(comparison: Comparison) -> tuple[Explanation, ...]:
    """Why each scenario after the first differs from the first (``compare --explain``)."""
    return tuple(explain(comparison, k) for k in range(1, len(comparison.sets)))


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
        window=result.window["text"],
        intervals=result.intervals(),
        quarterly=result.quarterly(),
        weekly=weekly,
        lead_fates=result.lead_fates(),
        has_sdrs=has_sdrs(result),
        change_days=tuple(result.change_days),
        samples={
            key: tuple(parse_target(f"{key}=0").values(result).tolist()) for key in TARGET_KEYS
        },
    )


def summarise_comparison(comparison: Comparison, reused: int = 0) -> ComparisonView:
    """Summaries, differences and an explanation for every scenario after the first."""
    scenarios = tuple(
        summarise(s, name) for s, name in zip(comparison.sets, comparison.names, strict=True)
    )
    return ComparisonView(
        seed=comparison.seed,
        replications=comparison.n,
        scenarios=scenarios,
        differences=tuple(comparison.differences()),
        explanations=explanations_of(comparison),
        reused=reused,
    )


def first_estimate(
    scenarios: Sequence[Scenario], runs: Sequence[list[dict[str, Any]]], seed: int
) -> ComparisonView:
    """A provisional view of a comparison still running, from its first replications (the same
    indices of every scenario, so still paired): the key metrics' means, intervals and changes,
    computed by the library's statistics as for the final answer, but for :data:`KEY_METRICS`
    only (a redraw costs a few milliseconds, not the half second of every metric); no series,
    charts or explanations."""
    kept = set(KEY_METRICS)
    light = [
        [
            {
                "replication": run["replication"],
                "metrics": {k: v for k, v in run["metrics"].items() if k in kept},
            }
            for run in scenario_runs
        ]
        for scenario_runs in runs
    ]
    comparison = comparison_from_runs(scenarios, light, seed)
    summaries = tuple(
        ScenarioSummary(
            name=name,
            replications=result.n,
            window=result.window["text"],
            intervals=result.intervals(),
            quarterly={},
            weekly={},
            lead_fates={},
        )
        for result, name in zip(comparison.sets, comparison.names, strict=True)
    )
    return ComparisonView(
        seed=seed,
        replications=comparison.n,
        scenarios=summaries,
        differences=tuple(comparison.differences()),
        explanations=(),
    )


def first_estimate_note(done: int, replications: int) -> str:
    """The label of a provisional estimate: how many replications it rests on, and what next."""
    return (
        f"First estimate from {done} of {replications} replications — the intervals will "
        "tighten, and the numbers may move, as the rest finish. The final answer replaces it."
    )


def comparison_zip(comparison: Comparison) -> bytes:
    """The files ``salessim compare --explain --out DIR`` writes for `comparison`, as a zip.

    Written by :func:`salessim.outputs.write_comparison` into a temporary folder, so the app's
    download holds the command line's files byte for byte (the PNGs take a second or two).
    """
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="salessim-results-") as folder:
        names = write_comparison(comparison, Path(folder), explanations_of(comparison))
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in names:
                archive.write(Path(folder) / name, name)
    return buffer.getvalue()


def results_file_name(names: Sequence[str], extension: str = "zip") -> str:
    """A download's file name: "salessim_baseline_vs_more_leads_30.zip" (safe everywhere)."""
    stem = "_vs_".join(names)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem).strip("._")
    return f"salessim_{safe[:100] or 'results'}.{extension}"


def sweep_from_runs(
    base: Scenario,
    path: str,
    values: Sequence[object],
    points: Sequence[Scenario],
    runs: Sequence[list[dict[str, Any]]],
    seed: int,
) -> Sweep:
    """The library's Sweep of `base` for runs of the points (as ``experiments.sweep`` builds
    it, with the field's value in `base`)."""
    sets = [ReplicationSet(sc, seed, r) for sc, r in zip(points, runs, strict=True)]
    return Sweep(path, list(values), sets, seed, value_at(base, path))


def summarise_sweep(
    sweep: Sweep,
    scenario: str,
    lever_label: str,
    values: Sequence[float | str | bool],
    value_labels: Sequence[str],
    start_value: float | str | bool | None,
    start_label: str,
) -> SweepView:
    """Curves of the key metrics over the swept values (widget values, for the x axis)."""
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    curves = {m: sweep.curve(m) for m in SWEEP_METRICS if m in sweep.sets[0].metric_names()}
    peaks = {m: k for m in curves if (k := sweep.tipping_point(m)) is not None}
    return SweepView(
        seed=sweep.seed,
        replications=sweep.n,
        scenario=scenario,
        lever_label=lever_label,
        values=tuple(values),
        value_labels=tuple(value_labels),
        numeric=numeric,
        start_value=start_value,
        start_label=start_label,
        window=_windows([s.window["text"] for s in sweep.sets]),
        curves=curves,
        peaks=peaks,
    )


@dataclass(frozen=True)
class PredictionCheck:
    """A student's guess of a metric's change (in %) against the simulated change."""

    metric: str
    guess_percent: float
    actual_percent: Difference
    """The paired change in % of the first scenario's mean, with its interval and p-value."""

    @property
    def decided(self) -> bool:
        """Whether the result has a 95% interval to judge the guess by (two replications or
        more)."""
        return math.isfinite(self.actual_percent.mean) and self.actual_percent.defined

    @property
    def inside(self) -> bool:
        """Whether the guess lies inside the simulated change's 95% interval."""
        a = self.actual_percent
        return self.decided and a.ci_low <= self.guess_percent <= a.ci_high

    def verdict(self) -> str:
        """One plain sentence comparing the guess with the result."""
        a = self.actual_percent
        if not math.isfinite(a.mean):
            return "The starting scenario has no value to compare with, so there is no % change."
        if not a.defined:
            return (
                "One replication gives no 95% interval, so it cannot tell whether your guess is "
                "close enough: the interval needs two replications (set at least 2 in the run "
                "settings)."
            )
        if self.inside:
            return "Your guess is inside the simulation's 95% interval: well predicted."
        if a.significant and (self.guess_percent > 0) != (a.mean > 0):
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

    def interval_text(self) -> str:
        """The simulated change's 95% interval: "95% CI +3.1% to +9.8%" ("95% CI n/a")."""
        a = self.actual_percent
        if not a.defined:
            return f"95% CI {NOT_AVAILABLE}: an interval needs two replications"
        return f"95% CI {signed_percent(a.ci_low)} to {signed_percent(a.ci_high)}"


def check_prediction(comparison: Comparison, metric: str, guess_percent: float) -> PredictionCheck:
    """Compare a guessed % change of `metric` (second scenario vs first) with the paired result."""
    first, second = comparison.sets[0].values(metric), comparison.sets[1].values(metric)
    diff = paired_difference(first, second)
    base = float(np.mean(first))
    if not math.isfinite(base) or base == 0.0:
        actual = Difference(math.nan, math.nan, math.nan, math.nan)
    else:
        scale = 100.0 / abs(base)
        # Scaling keeps the p-value: the change is significant in % as in its own unit.
        actual = Difference(
            diff.mean * scale, diff.ci_low * scale, diff.ci_high * scale, diff.p_value
        )
    return PredictionCheck(metric, float(guess_percent), actual)


def relative_change(before: float, after: float) -> float:
    """(after − before) / |before| as a fraction; NaN when before is 0 or undefined."""
    if not math.isfinite(before) or before == 0.0 or not math.isfinite(after):
        return math.nan
    return (after - before) / abs(before)


# ---------------------------------------------------------------------------- formatting
# Tables use salessim.formatting (as the command line does); these are the app's own digits
# for headline cards and percentage changes.
def money_short(value: float) -> str:
    """Compact dollars for headline numbers, three significant digits: $950, $12.3k, $4.56M."""
    if not math.isfinite(value):
        return NOT_AVAILABLE
    return compact_money(value, "{:.3g}".format, MINUS)


def signed_percent(points: float, digits: int = 1) -> str:
    """A change already in percent, with its sign: +12.3%, −4.0%."""
    if not math.isfinite(points):
        return NOT_AVAILABLE
    text = f"{abs(points):.{digits}f}%"
    return f"+{text}" if points > 0 else (f"{MINUS}{text}" if points < 0 else text)


def format_change(diff: Difference, kind: str) -> str:
    """A paired difference with its 95% interval, marked when significant:
    "+$1.2M (95% CI +$0.3M to +$2.1M) *"; "+$1.2M (95% CI n/a)" with one replication."""
    if not math.isfinite(diff.mean):
        return NOT_AVAILABLE
    if not diff.defined:
        return f"{format_delta(diff.mean, kind, MINUS)} (95% CI {NOT_AVAILABLE})"
    band = f"{format_delta(diff.ci_low, kind, MINUS)} to {format_delta(diff.ci_high, kind, MINUS)}"
    mark = SIGNIFICANT_MARK if diff.significant else ""
    return f"{format_delta(diff.mean, kind, MINUS)} (95% CI {band}){mark}"


def quarter_label(index: int) -> str:
    """The `index`-th reported quarter (from 0) as "Y1 Q1"."""
    return f"Y{index // 4 + 1} Q{index % 4 + 1}"


def summary_rows(view: ComparisonView) -> list[dict[str, str]]:
    """The key-metrics table: one row per metric, a column per scenario and per change."""
    rows = []
    for key in KEY_METRICS:
        if key not in view.scenarios[0].intervals:
            continue
        if all(summary.value(key).mean == 0.0 for summary in view.scenarios):
            continue  # zero everywhere (no SDRs, no expired leads): nothing to read
        spec = metrics.spec(key)
        row = {"Metric": spec.label}
        for summary in view.scenarios:
            row[summary.name] = format_value(summary.value(key).mean, spec.kind, MINUS)
        for summary, diff in zip(view.scenarios[1:], view.differences, strict=True):
            column = "Change" if len(view.scenarios) == 2 else f"Change: {summary.name}"
            d = diff.get(key)
            row[column] = NOT_AVAILABLE if d is None else format_change(d, spec.kind)
        rows.append(row)
    return rows


def hours_rows(view: ComparisonView) -> list[dict[str, Any]]:
    """Share of paid hours by activity: one row per scenario, team (AEs, and SDRs where a
    scenario has them) and activity; activities at zero in every bar are left out."""
    bars = [
        (summary.name, team, shares)
        for summary in view.scenarios
        for team, shares in summary.hours_shares().items()
    ]
    shown = [
        a
        for a in ACTIVITIES
        if any(math.isfinite(shares[a]) and shares[a] > 0 for _, _, shares in bars)
    ]
    with_sdrs = any(s.has_sdrs for s in view.scenarios)
    return [
        {
            "scenario": name,
            "team": team,
            "bar": f"{name}: {team}" if with_sdrs else name,
            "activity": activity_label(a),
            "order": k,
            "share": shares[a] if math.isfinite(shares[a]) else None,
        }
        for name, team, shares in bars
        for k, a in enumerate(shown)
    ]


def reported_quarters(quarterly: Mapping[str, Sequence[float]]) -> list[int]:
    """Positions of the quarters inside the reported window (after the warm-up)."""
    return [q for q, flag in enumerate(quarterly.get("reported", [])) if flag]
