"""Plans over levers: the least-cost setting that reaches a target with a given confidence
(goal-seek), and the best use of a yearly budget change (the frontier).

A lever is a scenario field (``aes.count``, ``sdrs.count``, ``lead_volume_multiplier``,
``lead_filter.enabled``, ``aes.policy.name``, ``prospecting.block_hours``...) and the values it
may take, or when to hire (``aes.hiring_plan=2@63,126``: no hire, or 2 AEs from one of those
days); an option is one value per lever. Every option is replicated with the same master
seed as the scenario, so replication *i* of each shares random numbers (common random numbers)
and the answer does not depend on the number of workers.

Costs come from the scenario's economics: AEs and SDRs at their fully loaded yearly cost (the
headcount the scenario starts with plus its hiring plan, over the reporting window), leads at
each source's cost per lead up to its base volume and marginal cost beyond it, as many as the
lead rate brings in expectation over the reporting window. Lead scoring, policies and block
lengths cost nothing in the economics. An option's cost is its yearly cost minus the scenario's.

Goal-seek races the options: each starts at a few replications; an option whose Wilson
interval for the chance of reaching the target straddles the confidence, and which could still
be the cheapest to reach it, gets its replications doubled, up to a cap. An option is decided
when its interval (95%) lies wholly above or below the confidence.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from salessim.config import DAYS_PER_YEAR, Hire, Policy, Scenario
from salessim.errors import SalessimError, ScenarioError
from salessim.experiments import Progress, ReplicationSet, run_chunk
from salessim.leads import daily_rate
from salessim.parallel import execute
from salessim.scenario_files import scenario_timeline, scenario_with
from salessim.statistics import Interval, paired_difference
from salessim.targets import Target, proportion_interval

DECISION_CONFIDENCE = 0.95
"""The confidence of each option's interval for the chance of reaching the target."""
START_REPLICATIONS = 8
"""Replications every option starts with in a goal-seek race."""
MAX_OPTIONS = 60
"""The most options (combinations of lever values within the budget) one plan may weigh."""
MAX_COMBINATIONS = 5000
"""The most combinations of lever values priced before the budget narrows them."""
OBJECTIVES = ("profit", "bookings")
HIRING_LEVERS = ("aes.hiring_plan", "sdrs.hiring_plan")
"""Levers for when to hire: each option adds one hire (``COUNT@DAY``) to the plan, or none."""
NO_HIRE = "none"
# Default steps of a bare lever: counts one at a time, lead volume in tenths.
_COUNT_STEPS = 10
_MULTIPLIER_STEP = 0.1
_MULTIPLIER_MAX = 3.0


class PlanError(SalessimError):
    """A plan that cannot be made as asked; the message says why in one line."""


@dataclass(frozen=True)
class Lever:
    """A scenario field and the values a plan may give it (the scenario's own value first
    when it is among them)."""

    path: str
    values: tuple[Any, ...]


@dataclass
class Option:
    """One setting of the levers, its yearly cost change, and what its replications showed."""

    settings: dict[str, Any]
    scenario: Scenario
    cost_per_year: float
    runs: list[dict[str, Any]] = field(default_factory=list)
    probability: Interval | None = None
    bookings_change: Interval | None = None
    profit_change: Interval | None = None
    recommended: bool = False

    @property
    def replications(self) -> int:
        return len(self.runs)

    def label(self) -> str:
        """``aes.count=9, lead_filter.enabled=true``."""
        return ", ".join(f"{p}={value_text(v)}" for p, v in self.settings.items())

    def change_label(self, scenario: Scenario) -> str:
        """The settings that differ from ``scenario``'s (``as is`` when none do)."""
        changed = {p: v for p, v in self.settings.items() if v != lever_value(scenario, p)}
        return ", ".join(f"{p}={value_text(v)}" for p, v in changed.items()) or "as is"

    def to_dict(self) -> dict[str, Any]:
        def iv(x: Interval | None) -> dict[str, float] | None:
            return None if x is None else x.to_dict()

        return {
            "settings": dict(self.settings),
            "cost_per_year": self.cost_per_year,
            "probability": iv(self.probability),
            "replications": self.replications,
            "bookings_change": iv(self.bookings_change),
            "profit_change": iv(self.profit_change),
            "recommended": self.recommended,
        }


@dataclass
class Plan:
    """A goal-seek or frontier result: its question, its method in words, and its options
    (goal-seek: cheapest first; frontier: best first by the objective)."""

    kind: str
    scenario: Scenario
    seed: int
    replications_max: int
    method: str
    options: list[Option]
    target: Target | None = None
    confidence: float | None = None
    budget_change: float | None = None
    objective: str | None = None
    verdict: str = ""

    def recommended(self) -> Option | None:
        return next((o for o in self.options if o.recommended), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "scenario": self.scenario.name,
            "target": None if self.target is None else self.target.text(),
            "confidence": self.confidence,
            "budget_change": self.budget_change,
            "objective": self.objective,
            "seed": self.seed,
            "replications_max": self.replications_max,
            "method": self.method,
            "verdict": self.verdict,
            "options": [o.to_dict() for o in self.options],
        }


# --------------------------------------------------------------------------- costs
def yearly_cost(scenario: Scenario) -> float:
    """The scenario's expected cost a reported year: AEs, SDRs and marketing leads, from its
    economics (hires counted from their day; leads as the rate brings them, changes included)."""
    cal = scenario.calendar
    first, last = cal.warmup_days, cal.horizon_days
    years = (last - first) / DAYS_PER_YEAR
    econ = scenario.economics

    def rep_days(count: int, hires: Sequence[Hire]) -> float:
        days = count * (last - first)
        return float(days + sum(h.count * max(0, last - max(h.day, first)) for h in hires))

    people = econ.ae_cost_per_year * rep_days(scenario.aes.count, scenario.aes.hiring_plan)
    people += econ.sdr_cost_per_year * rep_days(scenario.sdrs.count, scenario.sdrs.hiring_plan)
    periods = [(0, scenario), *((d, sc) for d, sc in scenario_timeline(scenario) if d < last)]
    ends = [day for day, _ in periods[1:]] + [last]
    marketing = 0.0
    for (start, sc), end in zip(periods, ends, strict=True):
        for source in sc.lead_sources:
            marginal = (
                source.marginal_cost_per_lead
                if source.marginal_cost_per_lead is not None
                else source.cost_per_lead
            )
            for day in range(max(start, first), end):
                base, extra = daily_rate(source, day, sc.lead_volume_multiplier)
                marketing += base * source.cost_per_lead + extra * marginal
    return people / DAYS_PER_YEAR / years + marketing / years


# --------------------------------------------------------------------------- levers
def lever_value(scenario: Scenario, path: str) -> Any:
    """The scenario's value at a dotted path (named list items by name); a hiring lever's own
    value is no added hire."""
    if path in HIRING_LEVERS:
        return NO_HIRE
    value: Any = scenario.model_dump(mode="json")
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list):
            named = [x for x in value if isinstance(x, dict) and x.get("name") == part]
            if not named:
                raise PlanError(f"--lever {path}: no item named {part!r}")
            value = named[0]
        else:
            raise PlanError(f"--lever {path}: no such field (salessim fields lists them)")
    if isinstance(value, dict | list):
        raise PlanError(f"--lever {path}: a block of fields, not one value")
    return value


def make_lever(
    scenario: Scenario, path: str, values: Sequence[Any] | None, budget: float | None = None
) -> Lever:
    """A lever at ``path`` with the values given, or its default range: both for on/off, every
    policy for a policy name, counts one at a time and lead volume in tenths (up to what
    ``budget`` buys when given). Every value is checked against the scenario's rules."""
    if path in HIRING_LEVERS:
        return _hiring_lever(scenario, path, values)
    current = lever_value(scenario, path)
    if values is None:
        values = _default_values(scenario, path, current, budget)
    for v in values:
        if isinstance(current, bool) != isinstance(v, bool) or (
            isinstance(current, int | float) and not isinstance(v, int | float)
        ):
            raise PlanError(
                f"--lever {path}: {value_text(v)} is not a value of the same kind as the "
                f"scenario's {value_text(current)}"
            )
        try:
            scenario_with(scenario, {path: v})
        except ScenarioError as exc:
            raise PlanError(f"--lever {path}={value_text(v)}: {exc.rule}") from exc
    ordered = ([current] if current in values else []) + [v for v in values if v != current]
    return Lever(path, tuple(ordered))


def _hiring_lever(scenario: Scenario, path: str, values: Sequence[Any] | None) -> Lever:
    """No added hire, then each ``COUNT@DAY`` given (a day within the run)."""
    if not values:
        raise PlanError(f"--lever {path}: give the hires, e.g. --lever {path}=2@63,126,189")
    horizon = scenario.calendar.horizon_days
    for v in values:
        if v == NO_HIRE:
            continue
        day = _hire_of(path, v)[1]
        if day >= horizon:
            raise PlanError(
                f"--lever {path}={v}: day {day} is not before the horizon ({horizon} days)"
            )
        try:
            scenario_with(scenario, _overrides(scenario, {path: v}))
        except ScenarioError as exc:
            raise PlanError(f"--lever {path}={v}: {exc.rule}") from exc
    return Lever(path, (NO_HIRE, *(v for v in values if v != NO_HIRE)))


def _hire_of(path: str, value: Any) -> tuple[int, int]:
    """``2@63`` as (count 2, day 63)."""
    count, sep, day = str(value).partition("@")
    if not sep or not count.strip().isdigit() or not day.strip().isdigit():
        raise PlanError(f"--lever {path}={value}: write COUNT@DAY (e.g. 2@63)")
    return int(count), int(day)


def _overrides(scenario: Scenario, settings: dict[str, Any]) -> dict[str, Any]:
    """Scenario fields for an option's settings: a hire is appended to its hiring plan."""
    fields: dict[str, Any] = {}
    for path, value in settings.items():
        if path not in HIRING_LEVERS:
            fields[path] = value
        elif value != NO_HIRE:
            count, day = _hire_of(path, value)
            team = scenario.aes if path == "aes.hiring_plan" else scenario.sdrs
            plan = [h.model_dump(mode="json") for h in team.hiring_plan]
            fields[path] = [*plan, {"day": day, "count": count}]
    return fields


def _default_values(scenario: Scenario, path: str, current: Any, budget: float | None) -> list[Any]:
    if isinstance(current, bool):
        return [current, not current]
    if path.endswith("policy.name"):
        return list(typing.get_args(Policy.model_fields["name"].annotation))
    base = yearly_cost(scenario)
    if isinstance(current, int) and path.endswith(".count"):
        step = yearly_cost(scenario_with(scenario, {path: current + 1})) - base
        steps = _COUNT_STEPS if budget is None or step <= 0 else int(budget // step)
        return list(range(current, current + max(0, steps) + 1))
    if path == "lead_volume_multiplier" or path.endswith(".volume_multiplier"):
        values = [float(current)]
        v = round(float(current) + _MULTIPLIER_STEP, 2)
        while v <= _MULTIPLIER_MAX:
            if (
                budget is not None
                and yearly_cost(scenario_with(scenario, {path: v})) - base > budget
            ):
                break
            values.append(v)
            v = round(v + _MULTIPLIER_STEP, 2)
        return values
    raise PlanError(
        f"--lever {path}: give its values, e.g. --lever {path}=1,2,4 (only counts, lead "
        "volume multipliers, on/off fields and policy names have a default range)"
    )


def options_of(
    scenario: Scenario, levers: Sequence[Lever], budget: float | None, keep_scenario: bool
) -> list[Option]:
    """Every combination of lever values whose yearly cost change is within ``budget``, with
    the scenario itself only if ``keep_scenario``; cheapest first."""
    base = yearly_cost(scenario)
    combos = list(itertools.product(*(lever.values for lever in levers)))
    if len(combos) > MAX_COMBINATIONS:
        raise PlanError(
            f"--lever: {len(combos)} combinations of values, more than {MAX_COMBINATIONS}; "
            "give fewer values (--lever PATH=V1,V2,...)"
        )
    options = []
    for combo in combos:
        settings = {lever.path: v for lever, v in zip(levers, combo, strict=True)}
        unchanged = all(v == lever_value(scenario, p) for p, v in settings.items())
        if unchanged and not keep_scenario:
            continue
        sc = scenario_with(scenario, _overrides(scenario, settings))
        cost = yearly_cost(sc) - base
        if budget is not None and cost > budget + 1e-6:
            continue
        options.append(Option(settings, sc, cost))
    if not options:
        raise PlanError("no option of the levers fits within the budget")
    if len(options) > MAX_OPTIONS:
        raise PlanError(
            f"--lever: {len(options)} options within the budget, more than {MAX_OPTIONS}; "
            "give fewer values (--lever PATH=V1,V2,...) or fewer levers"
        )
    options.sort(key=lambda o: o.cost_per_year)
    return options


# --------------------------------------------------------------------------- running
def _run_more(
    options: Sequence[Option],
    upto: int,
    seed: int,
    workers: int | None,
    scheduler: str | None,
    progress: Callable[[int], None] | None,
) -> None:
    """Bring each option's replications up to ``upto`` (replication i always uses child i of
    ``seed``), running every option's missing ones together on the pool or the cluster."""
    tasks: list[tuple[Any, ...]] = []
    owner: list[int] = []
    for k, option in enumerate(options):
        missing = list(range(option.replications, upto))
        data = option.scenario.model_dump(mode="json")
        for i in range(0, len(missing), 4):
            tasks.append((data, seed, missing[i : i + 4], False))
            owner.append(k)
    if not tasks:
        return

    def label(i: int) -> str:
        chunk = tasks[i][2]
        return f"plan option {options[owner[i]].label()}, seed {seed}, replications {chunk}"

    if progress is not None:
        progress(0)  # the round's planned total, before its first replication ends
    for i, result in execute(run_chunk, tasks, label, workers, scheduler):
        options[owner[i]].runs.extend(result)
        if progress is not None:
            progress(len(result))
    for option in options:
        option.runs.sort(key=lambda r: int(r["replication"]))


def _counter(progress: Progress | None, planned: list[int]) -> Callable[[int], None] | None:
    if progress is None:
        return None
    done = [0]

    def step(n: int) -> None:
        done[0] += n
        progress(done[0], max(planned[0], done[0]))

    return step


def _replication_set(option: Option, seed: int) -> ReplicationSet:
    return ReplicationSet(option.scenario, seed, option.runs)


# --------------------------------------------------------------------------- goal-seek
def goal_seek_options(
    scenario: Scenario, levers: Sequence[Lever], confidence: float, budget: float | None = None
) -> list[Option]:
    """The options a goal-seek weighs (the scenario itself included), cheapest first."""
    if not 0 < confidence < 1:
        raise PlanError(f"--confidence must be between 0 and 1 (got {confidence})")
    return options_of(scenario, levers, budget, keep_scenario=True)


def goal_seek(
    scenario: Scenario,
    levers: Sequence[Lever],
    target: Target,
    confidence: float,
    *,
    seed: int,
    replications_max: int,
    budget: float | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> Plan:
    """The least-cost option whose chance of reaching ``target`` is at least ``confidence``.

    Racing: every option starts at a few replications; while the cheapest option known to
    reach the target may yet be beaten by a cheaper undecided one, the undecided options up to
    it get their replications doubled, up to ``replications_max``.
    """
    options = goal_seek_options(scenario, levers, confidence, budget)
    n = min(START_REPLICATIONS, replications_max)
    planned = [n * len(options)]
    step = _counter(progress, planned)
    live = list(options)
    while True:
        _run_more(live, n, seed, workers, scheduler, step)
        _chances(live, target, seed)
        cheapest_yes = next((o for o in options if _verdict(o, confidence) == "yes"), None)
        live = [
            o
            for o in options
            if _verdict(o, confidence) == "undecided"
            and (cheapest_yes is None or o.cost_per_year < cheapest_yes.cost_per_year)
        ]
        if not live or n >= replications_max:
            break
        n = min(2 * n, replications_max)
        planned[0] += sum(n - o.replications for o in live)
    method = (
        f"racing over {len(options)} options with common random numbers (seed {seed}): each "
        f"starts at {min(START_REPLICATIONS, replications_max)} replications; an option "
        "whose 95% Wilson interval for the chance of reaching the target straddles "
        f"{confidence:.0%} and could still be the cheapest gets its replications doubled, up "
        f"to {replications_max}; an option is decided when its interval lies above or below "
        f"{confidence:.0%}; costs are yearly changes from the scenario's economics"
    )
    return goal_seek_plan(
        scenario,
        options,
        target,
        confidence,
        seed=seed,
        replications_max=replications_max,
        budget=budget,
        method=method,
    )


def goal_seek_plan(
    scenario: Scenario,
    options: list[Option],
    target: Target,
    confidence: float,
    *,
    seed: int,
    replications_max: int,
    budget: float | None = None,
    method: str | None = None,
) -> Plan:
    """The goal-seek answer from options whose runs were made elsewhere (replication i from
    child i of ``seed``). Without ``method``, every option is taken to have the same number of
    replications, no racing (as the web app runs them)."""
    _chances(options, target, seed)
    if method is None:
        method = (
            f"every one of {len(options)} options replicated {replications_max} times with "
            f"common random numbers (seed {seed}), no racing; an option reaches the target "
            f"when its 95% Wilson interval for the chance lies above {confidence:.0%}; costs "
            "are yearly changes from the scenario's economics"
        )
    verdict = _goal_verdict(options, confidence, target, replications_max)
    return Plan(
        "goal_seek",
        scenario,
        seed,
        replications_max,
        method,
        options,
        target=target,
        confidence=confidence,
        budget_change=budget,
        verdict=verdict,
    )


def _chances(options: Sequence[Option], target: Target, seed: int) -> None:
    for option in options:
        hits = target.reached(_replication_set(option, seed))
        option.probability = proportion_interval(int(hits.sum()), hits.size, DECISION_CONFIDENCE)


def _verdict(option: Option, confidence: float) -> str:
    p = option.probability
    if p is None:
        return "undecided"
    if p.ci_low >= confidence:
        return "yes"
    if p.ci_high < confidence:
        return "no"
    return "undecided"


def _goal_verdict(options: Sequence[Option], confidence: float, target: Target, cap: int) -> str:
    """Mark the cheapest option shown to reach the target (if any) and say what was found."""
    yes = next((o for o in options if _verdict(o, confidence) == "yes"), None)
    cheaper_open = [
        o
        for o in options
        if _verdict(o, confidence) == "undecided"
        and (yes is None or o.cost_per_year < yes.cost_per_year)
    ]
    if yes is not None:
        yes.recommended = True
        p = yes.probability
        assert p is not None
        text = (
            f"{yes.label()}: P({target.text()}) ≥ {confidence:.0%} with 95% confidence over "
            f"{yes.replications} replications (estimate {p.mean:.0%}, {p.ci_low:.0%}–"
            f"{p.ci_high:.0%}), {_money_change(yes.cost_per_year)} a year"
        )
        if cheaper_open:
            text += (
                f"; {len(cheaper_open)} cheaper option(s) undecided at the replication cap of "
                f"{cap} (first: {cheaper_open[0].label()})"
            )
        return text
    if cheaper_open:
        return (
            f"undecided at the replication cap of {cap}: no option is shown to reach "
            f"{target.text()} with {confidence:.0%} chance; the cheapest still open is "
            f"{cheaper_open[0].label()}"
        )
    return f"no option reaches {target.text()} with {confidence:.0%} chance (95% confidence)"


# --------------------------------------------------------------------------- frontier
def frontier_options(
    scenario: Scenario,
    levers: Sequence[Lever],
    budget_change: float,
    objective: str,
    replications: int,
) -> list[Option]:
    """The options a frontier weighs: every one within ``budget_change``, the scenario not."""
    if objective not in OBJECTIVES:
        raise PlanError(f"--objective {objective}: one of {', '.join(OBJECTIVES)}")
    if replications < 2:
        raise PlanError("a frontier needs at least 2 replications for its intervals")
    return options_of(scenario, levers, budget_change, keep_scenario=False)


def frontier(
    scenario: Scenario,
    levers: Sequence[Lever],
    budget_change: float,
    objective: str,
    *,
    seed: int,
    replications: int,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Every option costing at most ``budget_change`` a year more than the scenario, with its
    paired change (same seeds) in bookings and profit a year; best first by ``objective``."""
    options = frontier_options(scenario, levers, budget_change, objective, replications)
    reference = Option({}, scenario, 0.0)
    planned = [replications * (len(options) + 1)]
    _run_more(
        [reference, *options], replications, seed, workers, scheduler, _counter(progress, planned)
    )
    return frontier_plan(
        scenario,
        options,
        reference.runs,
        budget_change,
        objective,
        seed=seed,
        replications=replications,
    )


def frontier_plan(
    scenario: Scenario,
    options: list[Option],
    reference_runs: list[dict[str, Any]],
    budget_change: float,
    objective: str,
    *,
    seed: int,
    replications: int,
) -> Plan:
    """The frontier from options whose runs were made elsewhere, and the scenario's own runs
    (``reference_runs``) on the same seeds: paired changes a year, best first by ``objective``."""
    years = scenario.calendar.reported_days / DAYS_PER_YEAR
    ref = ReplicationSet(scenario, seed, reference_runs)
    for option in options:
        rs = _replication_set(option, seed)
        for metric in OBJECTIVES:
            d = paired_difference(ref.values(metric) / years, rs.values(metric) / years)
            change = Interval(d.mean, d.ci_low, d.ci_high)
            if metric == "profit":
                option.profit_change = change
            else:
                option.bookings_change = change

    def score(o: Option) -> float:
        change = o.profit_change if objective == "profit" else o.bookings_change
        return -math.inf if change is None or not math.isfinite(change.mean) else change.mean

    options.sort(key=lambda o: (-score(o), o.cost_per_year))
    best = options[0]
    best.recommended = True
    method = (
        f"every option costing at most {_money_change(budget_change)} a year more than the "
        f"scenario (from its economics; options spending less show what they spend), "
        f"{replications} replications each with the scenario's seeds (common random numbers, "
        f"seed {seed}); changes a reported year are paired differences from the scenario with "
        "95% t intervals"
    )
    top = best.profit_change if objective == "profit" else best.bookings_change
    assert top is not None
    verdict = (
        f"best by {objective}: {best.change_label(scenario)} for "
        f"{_money_change(best.cost_per_year)} a year: "
        f"{objective} {_money_change(top.mean)} a year (95% interval "
        f"{_money_change(top.ci_low)} to {_money_change(top.ci_high)})"
    )
    return Plan(
        "frontier",
        scenario,
        seed,
        replications,
        method,
        options,
        budget_change=budget_change,
        objective=objective,
        verdict=verdict,
    )


# --------------------------------------------------------------------------- files
PLAN_JSON_FILE = "plan.json"
PLAN_CSV_FILE = "plan.csv"
PLAN_PNG_FILE = "plan.png"


def plan_csv(plan: Plan) -> str:
    """One row per option: its settings, cost, chance or changes, replications, recommended."""
    paths = list(dict.fromkeys(p for o in plan.options for p in o.settings))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = ["cost_per_year", "replications", "recommended"]
    parts = ("mean", "ci_low", "ci_high")
    for what in ("probability", "bookings_change", "profit_change"):
        columns += [f"{what}_{p}" for p in parts]
    writer.writerow([*paths, *columns])
    for o in plan.options:
        row: list[Any] = [value_text(o.settings.get(p, "")) for p in paths]
        row += [f"{o.cost_per_year:.2f}", o.replications, str(o.recommended).lower()]
        for iv in (o.probability, o.bookings_change, o.profit_change):
            row += (
                ["", "", ""]
                if iv is None
                else [f"{x:.6g}" for x in (iv.mean, iv.ci_low, iv.ci_high)]
            )
        writer.writerow(row)
    return buffer.getvalue()


def plan_figure(plan: Plan) -> Any:
    """Cost a year against the effect: the chance of the target (goal-seek) or the change in
    the objective a year (frontier), each with its interval; the recommended option ringed."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    from salessim.formatting import table_money

    dollars = FuncFormatter(lambda v, _pos: table_money(v))

    figure = Figure(figsize=(8, 5), layout="constrained")
    ax = figure.add_subplot()
    if plan.kind == "goal_seek":
        ivs = [o.probability for o in plan.options]
        ylabel = f"chance of {plan.target.text() if plan.target else 'the target'}"
        ax.axhline(plan.confidence or 0.0, color="grey", linestyle="--", linewidth=1)
    else:
        ivs = [
            o.profit_change if plan.objective == "profit" else o.bookings_change
            for o in plan.options
        ]
        ylabel = f"{plan.objective} change a reported year (95% interval)"
        ax.axhline(0.0, color="grey", linewidth=1)
    x = np.array([o.cost_per_year for o in plan.options])
    y = np.array([np.nan if iv is None else iv.mean for iv in ivs])
    low = np.array([np.nan if iv is None else iv.mean - iv.ci_low for iv in ivs])
    high = np.array([np.nan if iv is None else iv.ci_high - iv.mean for iv in ivs])
    ax.errorbar(x, y, yerr=[np.nan_to_num(low), np.nan_to_num(high)], fmt="o", capsize=3)
    middle = (np.nanmin(x) + np.nanmax(x)) / 2
    for o, xi, yi in zip(plan.options, x, y, strict=True):
        right_half = xi > middle  # labels there run leftwards, inside the axes
        note = ax.annotate(
            o.change_label(plan.scenario),
            (xi, yi),
            fontsize=7,
            xytext=(-6 if right_half else 6, 4),
            textcoords="offset points",
            ha="right" if right_half else "left",
        )
        note.set_in_layout(False)  # long labels must not shrink the axes
        if o.recommended:
            ax.plot([xi], [yi], "o", markersize=14, markerfacecolor="none", color="C3")
    ax.margins(x=0.1)
    ax.xaxis.set_major_formatter(dollars)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0) if plan.kind == "goal_seek" else dollars)
    ax.set_xlabel("cost change a year (from the scenario's economics)")
    ax.set_ylabel(ylabel)
    ax.set_title(f"{plan.scenario.name}: {'goal-seek' if plan.kind == 'goal_seek' else 'frontier'}")
    return figure


def write_plan(plan: Plan, out: Path) -> list[str]:
    """Write plan.json, plan.csv and plan.png into ``out`` together (never half-written)."""
    from salessim.outputs import Content, figure_png, json_safe, json_text, publish_files

    figure = plan_figure(plan)
    files: dict[str, Content] = {
        PLAN_JSON_FILE: json_text(json_safe(plan.to_dict())),
        PLAN_CSV_FILE: plan_csv(plan),
        PLAN_PNG_FILE: figure_png(figure),
    }
    publish_files(out, files)
    return list(files)


def value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _money_change(value: float) -> str:
    sign = "-" if value < 0 else "+"
    return f"{sign}${abs(value):,.0f}"


def parse_lever(text: str) -> tuple[str, list[Any] | None]:
    """``aes.count`` (default range), ``aes.count=6..10`` or ``aes.count=6,8,10``; a hiring
    lever ``aes.hiring_plan=2@63,126,189`` (2 AEs from one of those days, or no hire)."""
    from salessim.scenario_files import parse_yaml

    path, sep, spec = text.partition("=")
    path = path.strip()
    if not path:
        raise PlanError(f"--lever {text!r}: write PATH or PATH=V1,V2,... or PATH=LOW..HIGH")
    if path in HIRING_LEVERS:
        return path, _parse_hires(text, spec)
    if not sep:
        return path, None
    if ".." in spec:
        low, _, high = spec.partition("..")
        try:
            a, b = int(low), int(high)
        except ValueError:
            raise PlanError(f"--lever {text!r}: LOW..HIGH takes whole numbers") from None
        if b < a:
            raise PlanError(f"--lever {text!r}: {b} is below {a}")
        return path, list(range(a, b + 1))
    values = []
    for item in spec.split(","):
        if not item.strip():
            raise PlanError(f"--lever {text!r}: an empty value")
        try:
            values.append(parse_yaml(item, None))
        except ScenarioError as exc:
            raise PlanError(f"--lever {text!r}: {item.strip()!r}: {exc.rule}") from None
    return path, list(dict.fromkeys(values))


def _parse_hires(text: str, spec: str) -> list[str]:
    """``2@63,126,189`` as ``["2@63", "2@126", "2@189"]``."""
    count, sep, days = spec.partition("@")
    items = [d.strip() for d in days.split(",")]
    if (
        not sep
        or not count.strip().isdigit()
        or int(count) < 1
        or not all(d.isdigit() for d in items)
    ):
        raise PlanError(
            f"--lever {text!r}: write PATH=COUNT@DAY1,DAY2,... (e.g. aes.hiring_plan=2@63,126)"
        )
    return list(dict.fromkeys(f"{int(count)}@{int(d)}" for d in items))
