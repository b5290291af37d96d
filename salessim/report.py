"""A decision brief: one self-contained HTML page that answers "should we do this?".

The page holds the question (what is compared, over which period), the recommendation derived
from the comparison's paired differences, the headline numbers with 95% intervals, the chance
of reaching each target, why bookings differ (the waterfall and its paragraph), a goal-seek or
budget-frontier result from ``salessim plan``, the assumptions that would change the answer (a
one-at-a-time sensitivity at -20% and +20%), and how it was computed. Figures are embedded as
base64 PNG and the CSS is inline, so the file opens, mails and prints without any network.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salessim import __version__, workload
from salessim.config import Scenario
from salessim.errors import SalessimError
from salessim.experiments import (
    Comparison,
    Progress,
    ReplicationSet,
    run_scenarios,
    value_at,
)
from salessim.explain import explain
from salessim.formatting import (
    NOT_AVAILABLE,
    format_band,
    format_delta,
    format_value,
    plural,
)
from salessim.metrics import known, spec
from salessim.outputs import OutputError, figure_png, write_atomic
from salessim.scenario_files import scenario_with
from salessim.statistics import Difference, Interval, paired_difference
from salessim.targets import Target

TEMPLATE = "brief.html.j2"
OBJECTIVES = ("profit", "bookings")
"""What the recommendation maximises; the other must not fall significantly."""
HEADLINE_METRICS = (
    "bookings",
    "profit",
    "marketing_cost",
    "wins",
    "opportunities",
    "win_rate",
    "lead_response_hours",
)
SENSITIVITY_STEP = 0.2
"""Each assumption is moved this fraction down and up, one at a time."""
SENSITIVITY_REPLICATIONS = 5
"""At most this many replications per sensitivity run (the first ones of the comparison)."""
PLAN_KINDS = ("goal_seek", "frontier")


class PlanFileError(SalessimError):
    """A ``plan.json`` that is not what ``salessim plan --out`` writes."""


class BriefError(SalessimError):
    """A brief that cannot be built from what it was given."""


@dataclass(frozen=True)
class Assumption:
    """A scenario assumption the sensitivity moves: a label, and the field paths it scales
    together in a scenario (every lead source's fit share, every stage's rep hours)."""

    label: str
    paths: Callable[[Scenario], list[str]]


ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption("Lead connect probability", lambda sc: ["qualification.connect_probability"]),
    Assumption(
        "Rep hours per deal stage",
        lambda sc: [f"deals.stages.{stage.name}.rep_hours" for stage in sc.deals.stages],
    ),
    Assumption(
        "Share of leads that fit",
        lambda sc: [f"lead_sources.{source.name}.fit_share" for source in sc.lead_sources],
    ),
    Assumption("Number of AEs", lambda sc: ["aes.count"]),
    Assumption(
        "Fit leads that become opportunities",
        lambda sc: ["qualification.fit_conversion_probability"],
    ),
)


# --------------------------------------------------------------------------- recommendation
@dataclass(frozen=True)
class Recommendation:
    """Which alternative to fund, if any, and the one the sensitivity tests.

    ``index`` is the recommended scenario's position in the comparison (None: none is
    significantly better); ``contender`` is the recommended one or, failing that, the
    alternative with the largest mean change in the objective.
    """

    index: int | None
    contender: int
    objective: str


def _other(objective: str) -> str:
    return "bookings" if objective == "profit" else "profit"


def better(differences: Mapping[str, Difference], objective: str) -> bool:
    """The decision rule: the objective rises significantly and the other total (bookings or
    profit) does not fall significantly."""
    gain, other = differences[objective], differences[_other(objective)]
    return gain.significant and gain.mean > 0 and not (other.significant and other.mean < 0)


def recommend(comparison: Comparison, objective: str = "profit") -> Recommendation:
    """The alternative with the largest significant gain in ``objective`` (see :func:`better`)."""
    if objective not in OBJECTIVES:
        raise BriefError(f"objective: must be one of {', '.join(OBJECTIVES)} (got {objective!r})")
    diffs = comparison.differences()
    gains = [d[objective].mean for d in diffs]
    ranked = sorted(range(len(diffs)), key=lambda k: -gains[k] if math.isfinite(gains[k]) else 0)
    winners = [k for k in ranked if better(diffs[k], objective)]
    index = winners[0] + 1 if winners else None
    return Recommendation(index, index if index is not None else ranked[0] + 1, objective)


# --------------------------------------------------------------------------- sensitivity
@dataclass(frozen=True)
class Shift:
    """The contender's comparison re-run with one assumption moved by ``factor``."""

    assumption: str
    factor: float
    values: str
    """The moved field values, as read ("0.24", "6 → 5" ...)."""
    bookings: Difference
    objective: Difference
    recommended: bool
    flips_recommendation: bool
    flips_sign: bool


@dataclass(frozen=True)
class Sensitivity:
    """One-at-a-time sensitivity of the contender's comparison; the reference is the same pair
    over the same first replications with nothing moved."""

    name: str
    vs: str
    replications: int
    objective: str
    reference_bookings: Difference
    reference_recommended: bool
    shifts: tuple[Shift, ...]

    @property
    def decisive(self) -> list[str]:
        """The assumptions whose move flips the recommendation or the bookings change's sign."""
        out = [s.assumption for s in self.shifts if s.flips_recommendation or s.flips_sign]
        return list(dict.fromkeys(out))


def _scaled(value: Any, factor: float, path: str) -> Any:
    """A numeric field moved by ``factor``: counts stay whole, probabilities stay at most 1."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int):
        return max(0, round(value * factor))
    moved = value * factor
    if path.endswith(("probability", "share")):
        moved = min(moved, 1.0)
    return moved


def _shifted(scenario: Scenario, assumption: Assumption, factor: float) -> Scenario | None:
    """``scenario`` with the assumption's fields moved, or None if nothing would change or
    the moved scenario is not valid (a rule of the schema binds)."""
    changes = {}
    for path in assumption.paths(scenario):
        old = value_at(scenario, path)
        new = _scaled(old, factor, path)
        if new is not None and new != old:
            changes[path] = new
    if not changes:
        return None
    try:
        return scenario_with(scenario, changes)
    except SalessimError:
        return None


def _shift_values(
    scenario: Scenario, moved: Scenario, assumption: Assumption, factor: float
) -> str:
    """The moved values as people read them: ``0.3 → 0.24``, or ``4 fields ×0.8``."""
    paths = assumption.paths(scenario)
    if len(paths) == 1:
        return f"{value_at(scenario, paths[0]):g} → {value_at(moved, paths[0]):g}"
    return f"{len(paths)} fields ×{factor:g}"


def sensitivity_scenarios(
    base: Scenario, alternative: Scenario
) -> list[tuple[Assumption, float, Scenario, Scenario]]:
    """Every (assumption, factor, moved base, moved alternative) the sensitivity runs."""
    out = []
    for assumption in ASSUMPTIONS:
        for factor in (1 - SENSITIVITY_STEP, 1 + SENSITIVITY_STEP):
            a, b = _shifted(base, assumption, factor), _shifted(alternative, assumption, factor)
            if a is not None and b is not None:
                out.append((assumption, factor, a, b))
    return out


def sensitivity_replications(n: int) -> int:
    """Replications per sensitivity run: the comparison's first few (same seeds)."""
    return min(n, SENSITIVITY_REPLICATIONS)


def sensitivity(
    comparison: Comparison,
    recommendation: Recommendation,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Sensitivity:
    """Re-run the contender's comparison with each assumption at -20% and +20% over the
    comparison's first replications (same seeds), and mark what flips the answer."""
    k = recommendation.contender
    n = sensitivity_replications(comparison.n)
    base, alt = comparison.sets[0], comparison.sets[k]
    objective = recommendation.objective
    reference = _pair_differences(
        ReplicationSet(base.scenario, comparison.seed, base.runs[:n]),
        ReplicationSet(alt.scenario, comparison.seed, alt.runs[:n]),
    )
    plan = sensitivity_scenarios(base.scenario, alt.scenario)
    scenarios = [sc for _, _, a, b in plan for sc in (a, b)]
    runs = (
        run_scenarios(
            scenarios, n, seed=comparison.seed, workers=workers, progress=progress, series=False
        )
        if scenarios
        else []
    )
    ref_ok = better(reference, objective)
    ref_sign = math.copysign(1.0, reference["bookings"].mean)
    shifts = []
    for j, (assumption, factor, a, b) in enumerate(plan):
        diffs = _pair_differences(
            ReplicationSet(a, comparison.seed, runs[2 * j]),
            ReplicationSet(b, comparison.seed, runs[2 * j + 1]),
        )
        ok = better(diffs, objective)
        shifts.append(
            Shift(
                assumption.label,
                factor,
                _shift_values(base.scenario, a, assumption, factor),
                diffs["bookings"],
                diffs[objective],
                ok,
                ok != ref_ok,
                math.copysign(1.0, diffs["bookings"].mean) != ref_sign,
            )
        )
    return Sensitivity(
        comparison.names[k],
        comparison.names[0],
        n,
        objective,
        reference["bookings"],
        ref_ok,
        tuple(shifts),
    )


def _pair_differences(a: ReplicationSet, b: ReplicationSet) -> dict[str, Difference]:
    return {m: paired_difference(a.values(m), b.values(m)) for m in OBJECTIVES}


def check_work(
    scenarios: Sequence[tuple[str, Scenario]],
    n: int,
    *,
    with_sensitivity: bool,
    max_work: float = workload.MAX_REPLICATION_WORK,
    max_total_work: float = workload.MAX_TOTAL_WORK,
) -> float:
    """The brief's work (the comparison, and the sensitivity of its costliest alternative),
    or WorkLimitError before anything runs."""
    total = workload.check(scenarios, n, max_work, max_total_work)
    if not with_sensitivity:
        return total
    base = scenarios[0][1]
    extra = max(
        sum(
            workload.estimate(a) + workload.estimate(b)
            for _, _, a, b in sensitivity_scenarios(base, alt)
        )
        for _, alt in scenarios[1:]
    ) * sensitivity_replications(n)
    if total + extra > max_total_work:
        raise workload.WorkLimitError(
            f"the comparison and its sensitivity runs are estimated at {total + extra:,.0f} "
            f"units of work (one unit is one replication of the baseline scenario), more than "
            f"the limit of {max_total_work:,.0f}; use fewer replications, --no-sensitivity, or "
            f"run it anyway with --max-total-work {math.ceil(total + extra)}"
        )
    return total + extra


# --------------------------------------------------------------------------- plan.json
def read_plan(path: Path) -> dict[str, Any]:
    """A ``plan.json`` written by ``salessim plan --out``, checked for the keys the brief
    shows; anything else is refused in one line naming the file."""

    def refuse(why: str) -> PlanFileError:
        return PlanFileError(f"--plan {path}: not a salessim plan file ({why})")

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanFileError(f"--plan {path}: cannot read it ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise refuse(f"{type(exc).__name__}: {exc}") from None
    if not isinstance(data, dict):
        raise refuse(f"a JSON {type(data).__name__}, expected an object")
    if data.get("kind") not in PLAN_KINDS:
        raise refuse(f"kind is {data.get('kind')!r}, expected one of {', '.join(PLAN_KINDS)}")
    options = data.get("options")
    if not isinstance(options, list):
        raise refuse("options must be a list")
    for i, option in enumerate(options):
        if not isinstance(option, dict) or not isinstance(option.get("settings", {}), dict):
            raise refuse(f"options[{i}] must be an object with settings as an object")
        for key in ("probability", "bookings_change", "profit_change"):
            if option.get(key) is not None and not isinstance(option[key], dict):
                raise refuse(f"options[{i}].{key} must be an object or null")
    return data


def _plan_interval(value: Any, kind: str, signed: bool) -> tuple[str, str]:
    """(mean, band) of a plan's {mean, ci_low, ci_high} object; "—" where missing."""
    if not isinstance(value, dict):
        return "—", ""
    mean, low, high = (_number(value.get(k)) for k in ("mean", "ci_low", "ci_high"))
    text = format_delta(mean, kind) if signed else format_value(mean, kind)
    band = format_band(low, high, kind)
    return text, "" if band == NOT_AVAILABLE else band


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan
    return float(value)


def plan_view(plan: Mapping[str, Any]) -> dict[str, Any]:
    """The plan as the template shows it: a heading line and one row per option."""
    kind = "Goal seek" if plan.get("kind") == "goal_seek" else "Budget frontier"
    facts = []
    for key, label in (
        ("scenario", "scenario"),
        ("target", "target"),
        ("confidence", "confidence"),
        ("budget_change", "budget change"),
        ("objective", "objective"),
        ("method", "method"),
        ("seed", "seed"),
        ("replications_max", "replications at most"),
    ):
        if plan.get(key) is not None:
            facts.append(f"{label}: {_plain(plan[key])}")
    rows = []
    for option in plan.get("options", []):
        settings = option.get("settings") or {}
        probability, probability_band = _plan_interval(option.get("probability"), "share", False)
        bookings, bookings_band = _plan_interval(option.get("bookings_change"), "money", True)
        profit, profit_band = _plan_interval(option.get("profit_change"), "money", True)
        cost = _number(option.get("cost_per_year"))
        rows.append(
            {
                "settings": [f"{path} = {_plain(v)}" for path, v in settings.items()] or ["—"],
                "cost": format_value(cost, "money") if math.isfinite(cost) else "—",
                "probability": probability,
                "probability_band": probability_band,
                "replications": _plain(option.get("replications", "—")),
                "bookings": bookings,
                "bookings_band": bookings_band,
                "profit": profit,
                "profit_band": profit_band,
                "recommended": option.get("recommended") is True,
            }
        )
    return {"kind": kind, "facts": facts, "rows": rows}


def _plain(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


# --------------------------------------------------------------------------- the page
@dataclass
class BriefInputs:
    """What a brief is built from besides the comparison."""

    targets: Sequence[tuple[str, Target]] = ()
    """Each target as the user wrote it, and as read."""
    plan: Mapping[str, Any] | None = None
    sensitivity: Sensitivity | None = None
    objective: str = "profit"
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def brief_html(comparison: Comparison, inputs: BriefInputs | None = None) -> str:
    """The decision brief of ``comparison`` as one self-contained HTML page."""
    import jinja2

    inputs = inputs or BriefInputs()
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("salessim", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template(TEMPLATE).render(**brief_view(comparison, inputs))


def brief_view(comparison: Comparison, inputs: BriefInputs) -> dict[str, Any]:
    """Everything the template shows, as plain strings, numbers and lists."""
    recommendation = recommend(comparison, inputs.objective)
    base = comparison.names[0]
    window = comparison.sets[0].window
    years = window["reported_years"]
    diffs = comparison.differences()
    return {
        "title": f"Decision brief: {' vs '.join(comparison.names)}",
        "question": _question(comparison),
        "window": window["text"],
        "years": years,
        "base": base,
        "descriptions": [
            (name, s.scenario.description.strip())
            for name, s in zip(comparison.names, comparison.sets, strict=True)
        ],
        "recommendation": recommendation_text(comparison, recommendation),
        "recommended": comparison.names[recommendation.index]
        if recommendation.index is not None
        else None,
        "verdicts": _verdicts(comparison, diffs, recommendation.objective),
        "headline": _headline(comparison, diffs),
        "targets": _targets_view(comparison, inputs.targets),
        "explanations": _explanations(comparison),
        "plan": plan_view(inputs.plan) if inputs.plan is not None else None,
        "sensitivity": _sensitivity_view(inputs.sensitivity, years),
        "method": {
            "seed": comparison.seed,
            "replications": comparison.n,
            "version": __version__,
            "created": inputs.created.strftime("%Y-%m-%d %H:%M UTC"),
            "scenarios": comparison.names,
            "window": window["text"],
            "objective": recommendation.objective,
        },
    }


def _question(comparison: Comparison) -> str:
    others = comparison.names[1:]
    listed = " or ".join(f"'{name}'" for name in others)
    return (
        f"Does {listed} do better than '{comparison.names[0]}' over "
        f"{comparison.sets[0].window['text']}?"
    )


def _per_year(interval: Interval, years: float) -> Interval:
    return Interval(interval.mean / years, interval.ci_low / years, interval.ci_high / years)


def _difference_phrase(d: Difference, years: float) -> str:
    """``+$1.2M a year (95% interval +$0.8M to +$1.6M)``."""
    per = _per_year(d, years)
    band = (
        f" (95% interval {format_delta(per.ci_low, 'money')} to "
        f"{format_delta(per.ci_high, 'money')})"
        if d.defined
        else " (no interval from one replication)"
    )
    return f"{format_delta(per.mean, 'money')} a year{band}"


def recommendation_text(comparison: Comparison, recommendation: Recommendation) -> str:
    """The recommendation in one or two sentences, from the comparison's numbers."""
    objective = recommendation.objective
    base = comparison.names[0]
    years = comparison.sets[0].window["reported_years"]
    if recommendation.index is None:
        if comparison.n < 2:
            return (
                f"No alternative is significantly better than '{base}': one replication "
                "cannot tell; run at least two."
            )
        worse = [
            f"'{name}'"
            for name, diff in zip(comparison.names[1:], comparison.differences(), strict=True)
            if diff[objective].significant and diff[objective].mean < 0
        ]
        losing = (
            f" {' and '.join(worse)} {'is' if len(worse) == 1 else 'are'} significantly worse."
            if worse
            else ""
        )
        return (
            f"No alternative is significantly better than '{base}' on {objective} "
            f"(a 95% interval of the gain above zero without a significant fall in "
            f"{_other(objective)}): stay with '{base}'.{losing}"
        )
    k = recommendation.index
    diff = comparison.differences()[k - 1]
    return (
        f"Choose '{comparison.names[k]}': {objective} {_difference_phrase(diff[objective], years)} "
        f"against '{base}', and bookings {_difference_phrase(diff['bookings'], years)}."
        if objective == "profit"
        else f"Choose '{comparison.names[k]}': bookings "
        f"{_difference_phrase(diff['bookings'], years)} against '{base}', and profit "
        f"{_difference_phrase(diff['profit'], years)}."
    )


def _verdicts(
    comparison: Comparison, diffs: Sequence[Mapping[str, Difference]], objective: str
) -> list[str]:
    """One line per alternative: its bookings and profit change, and whether each is
    significant."""
    years = comparison.sets[0].window["reported_years"]
    out = []
    for name, diff in zip(comparison.names[1:], diffs, strict=True):
        parts = []
        for metric in ("bookings", "profit"):
            d = diff[metric]
            word = "significant" if d.significant else "not significant"
            parts.append(f"{metric} {_difference_phrase(d, years)}, {word}")
        mark = " — better" if better(diff, objective) else ""
        out.append(f"'{name}': {'; '.join(parts)}{mark}")
    return out


def _headline(
    comparison: Comparison, diffs: Sequence[Mapping[str, Difference]]
) -> list[dict[str, Any]]:
    """Rows of the headline table: per metric, each scenario's mean and 95% interval (totals
    per reported year), and each alternative's paired change."""
    years = comparison.sets[0].window["reported_years"]
    intervals = [s.intervals() for s in comparison.sets]
    rows = []
    for metric in HEADLINE_METRICS:
        if not known(metric) or any(metric not in ivs for ivs in intervals):
            continue
        metric_spec = spec(metric)
        scale = years if metric_spec.total else 1.0
        kind = metric_spec.kind
        cells = []
        for ivs in intervals:
            iv = _per_year(ivs[metric], scale)
            cells.append({"mean": format_value(iv.mean, kind), "band": _band(iv, kind)})
        changes = []
        for diff in diffs:
            d = diff[metric]
            per = _per_year(d, scale)
            low, high = format_delta(per.ci_low, kind), format_delta(per.ci_high, kind)
            changes.append(
                {
                    "mean": format_delta(per.mean, kind),
                    "band": f"{low} to {high}" if d.defined else "",
                    "significant": d.significant,
                    "good": d.significant
                    and metric_spec.higher_is_better is not None
                    and (d.mean > 0) == metric_spec.higher_is_better,
                    "bad": d.significant
                    and metric_spec.higher_is_better is not None
                    and (d.mean > 0) != metric_spec.higher_is_better,
                }
            )
        rows.append(
            {
                "label": metric_spec.label + (" per year" if metric_spec.total else ""),
                "cells": cells,
                "changes": changes,
            }
        )
    return rows


def _band(interval: Interval, kind: str) -> str:
    band = format_band(interval.ci_low, interval.ci_high, kind)
    return "" if band == NOT_AVAILABLE else band


def _targets_view(
    comparison: Comparison, targets: Sequence[tuple[str, Target]]
) -> list[dict[str, Any]]:
    rows = []
    for written, target in targets:
        cells = []
        for s in comparison.sets:
            p = target.probability(s)
            cells.append({"mean": format_value(p.mean, "share"), "band": _band(p, "share")})
        rows.append({"target": target_text(target), "written": written, "cells": cells})
    return rows


def target_text(target: Target) -> str:
    """A target as a board reads it: ``Bookings per year ≥ $20.0M``."""
    metric = spec(target.metric)
    name = metric.label + (" per year" if target.per_year else "")
    return f"{name} {'≥' if target.at_least else '≤'} {format_value(target.value, metric.kind)}"


def _explanations(comparison: Comparison) -> list[dict[str, str]]:
    """Per alternative: the paragraph and its waterfall as a base64 PNG."""
    from salessim import plots

    out = []
    for k in range(1, len(comparison.sets)):
        explanation = explain(comparison, k)
        figure = plots.waterfall(
            explanation.waterfall_data(),
            f"Why bookings differ: {explanation.name} vs {explanation.vs}\n"
            f"mean of {plural(comparison.n, 'replication')} over "
            f"{comparison.sets[0].window['text']}; steps add up to the difference",
        )
        out.append(
            {
                "name": explanation.name,
                "vs": explanation.vs,
                "paragraph": explanation.paragraph(),
                "png": _png_base64(figure),
            }
        )
    return out


def _png_base64(figure: Any) -> str:
    buffer = io.BytesIO()
    figure_png(figure)(buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _sensitivity_view(result: Sensitivity | None, years: float) -> dict[str, Any] | None:
    if result is None:
        return None
    rows = []
    for shift in result.shifts:
        rows.append(
            {
                "assumption": shift.assumption,
                "move": f"{(shift.factor - 1) * 100:+.0f}%",
                "moved": shift.values,
                "bookings": _difference_phrase(shift.bookings, years),
                "recommended": shift.recommended,
                "flips": shift.flips_recommendation or shift.flips_sign,
                "why": "; ".join(
                    why
                    for why, hit in (
                        ("changes the recommendation", shift.flips_recommendation),
                        ("turns the bookings change around", shift.flips_sign),
                    )
                    if hit
                ),
            }
        )
    decisive = result.decisive
    summary = (
        f"The answer turns on: {', '.join(decisive)}."
        if decisive
        else "No assumption moved by 20% changes the recommendation or the direction of the "
        "bookings change."
    )
    return {
        "name": result.name,
        "vs": result.vs,
        "replications": result.replications,
        "reference": _difference_phrase(result.reference_bookings, years),
        "reference_recommended": result.reference_recommended,
        "rows": rows,
        "summary": summary,
    }


# --------------------------------------------------------------------------- writing
def check_out(path: Path) -> None:
    """Refuse an output path the brief cannot be written to, before any work."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"--out {path}: is a directory; give a file name such as brief.html")
    if not path.parent.is_dir():
        raise OutputError(f"--out {path}: the folder {path.parent} does not exist")


def write_brief(html: str, path: Path) -> None:
    """Write the page atomically (never half-written); an OSError becomes one line."""
    try:
        write_atomic(Path(path), html)
    except OSError as exc:
        raise OutputError(f"--out {path}: cannot write ({exc.strerror or exc})") from exc
