"""The what-if levers: which scenario fields the app lets a user move, within which bounds.

A lever maps a scenario field (a dotted path, as for ``--set``) to a widget value in the units
a person thinks in (percent, hours, dollars, quarters). A scenario is edited only where a
lever's value differs from the starting scenario's, so an untouched lever never changes a
scenario and an unedited what-if is exactly the starting scenario (and reuses its results).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from salessim.config import Scenario
from salessim.errors import SalessimError
from salessim.scenario_files import scenario_with

QUARTER_DAYS = 63
"""Working days in a quarter (the clock unit is one working day)."""

LeverKind = Literal[
    "percent", "count", "hours", "minutes", "money", "quarters", "choice", "toggle", "sla"
]
LeverValue = int | float | str | bool

POLICY_LABELS: dict[str, str] = {
    "closer_first": "Deals first (prospect only when the pipeline runs low)",
    "lead_first": "New leads first (call every lead before deal work)",
    "time_blocked": "Fixed daily calling block, then deals first",
}
SLA_OPTIONS: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 24.0, 48.0)
"""Response rule choices in hours; 0 means no rule."""
DEFAULT_DAILY_BLOCK_HOURS = 1.5
"""Calling block offered when a scenario without one switches to the time-blocked policy."""
EDITED_SUFFIX = " (edited)"
MAX_NAME = 80


class LeverError(SalessimError):
    """A lever value is outside its bounds or not one of its choices."""


@dataclass(frozen=True)
class Lever:
    """One what-if control: a scenario field, its label and help text, and its bounds.

    `kind` says how the widget value relates to the field: ``percent`` is the field × 100,
    ``sla`` is hours with 0 for "no rule", ``money`` whole dollars; the others are the field
    itself. `requires` names another lever and the value it must have for this one to apply
    (the daily calling block applies only to the time-blocked policy).
    """

    key: str
    label: str
    help: str
    path: str
    kind: LeverKind
    low: float = 0.0
    high: float = 1.0
    step: float = 1.0
    choices: tuple[tuple[str, str], ...] = ()
    requires: tuple[str, LeverValue] | None = None

    def read(self, scenario: Scenario) -> LeverValue:
        """The widget value that stands for the scenario's current field value."""
        raw = value_at(scenario.model_dump(mode="json"), self.path)
        if self.kind == "percent":
            return round(float(raw) * 100)
        if self.kind in ("count", "minutes", "money"):
            return round(float(raw))
        if self.kind == "quarters":
            return max(1, round(float(raw) / QUARTER_DAYS))
        if self.kind == "hours":
            return float(raw)
        if self.kind == "sla":
            return 0.0 if raw is None else float(raw)
        if self.kind == "toggle":
            return bool(raw)
        return str(raw)

    def initial(self, scenario: Scenario) -> LeverValue:
        """The value a fresh widget starts at: the scenario's, brought inside the bounds."""
        value = self.read(scenario)
        if self.key == "daily_block" and isinstance(value, float) and value <= 0:
            return DEFAULT_DAILY_BLOCK_HOURS
        return value

    def bounds_for(self, scenario: Scenario) -> tuple[float, float]:
        """Widget bounds: the lever's range, widened to hold the scenario's own value."""
        value = self.initial(scenario)
        low = self.low
        if self.kind == "quarters":
            # At least one reported quarter after the warm-up.
            low = scenario.calendar.warmup_days // QUARTER_DAYS + 1
        if isinstance(value, bool) or not isinstance(value, int | float):
            return low, self.high
        return min(low, float(value)), max(self.high, float(value))

    def options(self, scenario: Scenario) -> list[LeverValue]:
        """Choices of a ``choice`` or ``sla`` lever (the scenario's own value included)."""
        if self.kind == "choice":
            return [value for value, _ in self.choices]
        if self.kind == "sla":
            current = self.read(scenario)
            return sorted({*SLA_OPTIONS, float(current)})
        raise TypeError(f"lever {self.key} has no list of options")

    def check(self, value: object, scenario: Scenario) -> LeverValue:
        """Return `value` if the widget could have sent it for `scenario`, else raise."""
        if self.kind == "toggle":
            if not isinstance(value, bool):
                raise LeverError(f"{self.label}: must be on or off (got {value!r})")
            return value
        if self.kind in ("choice", "sla"):
            allowed = self.options(scenario)
            if value not in allowed:
                raise LeverError(f"{self.label}: must be one of {allowed} (got {value!r})")
            assert isinstance(value, str | int | float)
            return value
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise LeverError(f"{self.label}: must be a number (got {value!r})")
        low, high = self.bounds_for(scenario)
        if not low <= value <= high:
            raise LeverError(
                f"{self.label}: must be between {_plain(low)} and {_plain(high)} "
                f"(got {_plain(value)})"
            )
        return value

    def write(self, value: LeverValue) -> object:
        """The scenario field value for a widget value."""
        if self.kind == "percent":
            return float(value) / 100.0
        if self.kind == "sla":
            return None if float(value) <= 0 else float(value)
        if self.kind in ("count", "minutes", "money"):
            return int(value)
        if self.kind == "quarters":
            return int(value) * QUARTER_DAYS
        if self.kind == "hours":
            return float(value)
        return value

    def describe(self, value: LeverValue) -> str:
        """A value as people read it: "130%", "2 h", "$25,000", "on", a policy's label."""
        if self.kind == "percent":
            return f"{_plain(value)}%"
        if self.kind == "hours":
            return f"{_plain(value)} h"
        if self.kind == "minutes":
            return f"{_plain(value)} min"
        if self.kind == "quarters":
            return f"{_plain(value)} quarters"
        if self.kind == "money":
            return f"${float(value):,.0f}"
        if self.kind == "sla":
            return "no rule" if float(value) <= 0 else f"{_plain(value)} h"
        if self.kind == "toggle":
            return "on" if value else "off"
        if self.kind == "choice":
            return dict(self.choices).get(str(value), str(value))
        return _plain(value)


STATIC_LEVERS: tuple[Lever, ...] = (
    Lever(
        "lead_volume",
        "Marketing lead volume (%)",
        "How many marketing leads arrive, as a share of each lead source's usual monthly volume "
        "(100% = as today, 130% = 30% more). Leads beyond 100% come from a bigger campaign: "
        "they fit less often and cost more per lead.",
        "lead_volume_multiplier",
        "percent",
        0,
        300,
        5,
    ),
    Lever(
        "aes",
        "Account executives (AEs)",
        "Sales reps who run deals to close. They also qualify leads and prospect (call "
        "accounts) when there are no SDRs.",
        "aes.count",
        "count",
        1,
        40,
        1,
    ),
    Lever(
        "sdrs",
        "SDRs (sales development reps)",
        "Reps who only qualify leads and call accounts, and hand the opportunities they find to "
        "the AEs. 0 = no SDR team: the AEs do it themselves.",
        "sdrs.count",
        "count",
        0,
        20,
        1,
    ),
    Lever(
        "policy",
        "How AEs pick their next task",
        "Deals first: reps close their deals and prospect only when their pipeline runs low. "
        "New leads first: every new lead is called before deal work. Fixed calling block: a "
        "few hours of calling every day whatever the pipeline, then deals first.",
        "aes.policy.name",
        "choice",
        choices=tuple(POLICY_LABELS.items()),
    ),
    Lever(
        "daily_block",
        "Daily calling block (hours)",
        "Hours each AE reserves for calling accounts every day. Used only with the 'fixed daily "
        "calling block' way of picking tasks.",
        "aes.policy.daily_prospecting_hours",
        "hours",
        0.5,
        4.0,
        0.5,
        requires=("policy", "time_blocked"),
    ),
    Lever(
        "conversation_hours",
        "Hours per qualifying conversation",
        "Once a lead answers, the conversation that tells a true prospect (project, budget, "
        "timing) from a 'suspect' who will never buy. Suspects cost as much time as prospects.",
        "qualification.conversation_hours",
        "hours",
        0.0,
        3.0,
        0.25,
    ),
    Lever(
        "attempt_minutes",
        "Minutes per call attempt on a lead",
        "A dial, a voicemail and a note in the CRM. Most leads take several attempts before they "
        "answer, or never do.",
        "qualification.attempt_minutes",
        "minutes",
        0,
        30,
        1,
    ),
    Lever(
        "lead_filter",
        "Lead scoring filters out suspects",
        "Before sales sees them, a scoring step drops most leads that do not fit (and, by "
        "mistake, a few that do).",
        "lead_filter.enabled",
        "toggle",
    ),
    Lever(
        "response_sla",
        "Respond to new leads within (hours)",
        "A management rule: a lead that has waited longer than this for its first call goes "
        "before deal work. Web leads go cold within hours. Used with 'deals first' and the "
        "fixed calling block ('new leads first' already calls every lead first).",
        "aes.policy.response_sla_hours",
        "sla",
    ),
)

HORIZON = Lever(
    "horizon",
    "Simulated time (quarters)",
    "How long to simulate, in quarters of 63 working days. The warm-up at the start (while the "
    "pipeline fills; one quarter in most scenarios) is left out of the results.",
    "calendar.horizon_days",
    "quarters",
    2,
    16,
    1,
)


def fit_share_lever(source: str) -> Lever:
    """The share of one lead source's leads that fit (true prospects)."""
    return Lever(
        f"fit_share.{source}",
        f"Leads that fit: {source.replace('_', ' ')} (%)",
        "Share of this source's leads that are true prospects with a project, budget and timing. "
        "The rest ('suspects') take as long to qualify and never buy.",
        f"lead_sources.{source}.fit_share",
        "percent",
        0,
        100,
        5,
    )


def deal_size_lever(segment: str) -> Lever:
    """The median deal value of one customer segment."""
    return Lever(
        f"deal_size.{segment}",
        f"Typical deal size: {segment.replace('_', ' ')} ($)",
        "Median list value of a deal in this segment, before any discount.",
        f"segments.{segment}.value_median",
        "money",
        5_000,
        250_000,
        1_000,
    )


def levers_for(scenario: Scenario) -> list[Lever]:
    """Every what-if lever for a scenario: the fixed ones, one per lead source and segment."""
    volume, *rest = STATIC_LEVERS
    return [
        volume,
        *(fit_share_lever(source.name) for source in scenario.lead_sources),
        *rest,
        *(deal_size_lever(segment.name) for segment in scenario.segments),
    ]


def horizon_bounds(scenarios: Sequence[Scenario]) -> tuple[int, int]:
    """Quarters a run of all `scenarios` may simulate (each keeps a quarter after warm-up)."""
    bounds = [HORIZON.bounds_for(sc) for sc in scenarios]
    return int(max(low for low, _ in bounds)), int(max(high for _, high in bounds))


def with_horizon(scenario: Scenario, quarters: int) -> Scenario:
    """The scenario simulated for `quarters` quarters (itself if that is its own horizon).

    The horizon is a run setting, not a what-if: it applies to every scenario of a run, so
    the scenarios stay comparable. Raises LeverError outside the bounds.
    """
    HORIZON.check(quarters, scenario)
    if quarters == HORIZON.read(scenario):
        return scenario
    return scenario_with(scenario, {HORIZON.path: HORIZON.write(quarters)})


def build_scenario(
    base: Scenario, values: Mapping[str, object], levers: Sequence[Lever] | None = None
) -> Scenario:
    """Apply lever values (keyed by ``Lever.key``) to `base`.

    Only values that differ from `base`'s are applied; with none, `base` itself is returned.
    An edited scenario is named ``"<base name> (edited)"``. Raises LeverError for a value out
    of bounds and :class:`~salessim.errors.ScenarioError` for a combination the schema refuses.
    """
    levers = levers_for(base) if levers is None else levers
    by_key = {lever.key: lever for lever in levers}
    checked = {
        key: by_key[key].check(value, base) for key, value in values.items() if key in by_key
    }
    overrides: dict[str, object] = {}
    for key, value in checked.items():
        lever = by_key[key]
        if _applies(lever, checked, by_key, base) and value != lever.read(base):
            overrides[lever.path] = lever.write(value)
    if not overrides:
        return base
    overrides["name"] = edited_name(base.name)
    # The starting scenario's description may no longer hold ("no SDRs" once SDRs are
    # added): the edited scenario says what it is, its starting point and the edits.
    edits = "; ".join(describe_changes(base, checked, levers))
    overrides["description"] = f"'{base.name}' edited in the salessim app: {edits}."
    return scenario_with(base, overrides)


def edited_name(name: str) -> str:
    """``"baseline (edited)"``; an already edited name is kept as it is."""
    if name.endswith(EDITED_SUFFIX):
        return name
    return name[: MAX_NAME - len(EDITED_SUFFIX)] + EDITED_SUFFIX


def describe_changes(
    base: Scenario, values: Mapping[str, object], levers: Sequence[Lever] | None = None
) -> list[str]:
    """One line per lever moved away from `base`: "Account executives (AEs): 8 → 10"."""
    levers = levers_for(base) if levers is None else levers
    by_key = {lever.key: lever for lever in levers}
    lines = []
    for lever in levers:
        value = values.get(lever.key)
        if not isinstance(value, int | float | str | bool):
            continue
        before = lever.read(base)
        if _applies(lever, values, by_key, base) and value != before:
            label = lever.label.split(" (")[0]
            lines.append(f"{label}: {lever.describe(before)} → {lever.describe(value)}")
    return lines


def _applies(
    lever: Lever, values: Mapping[str, object], by_key: Mapping[str, Lever], base: Scenario
) -> bool:
    """Whether a lever takes effect, given the lever it depends on (if any)."""
    if lever.requires is None:
        return True
    other, needed = lever.requires
    current = values.get(other, by_key[other].read(base) if other in by_key else None)
    return current == needed


def value_at(data: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of a scenario's plain data; list items are found by name."""
    node: Any = data
    for segment in path.split("."):
        if isinstance(node, list):
            node = next(item for item in node if isinstance(item, dict) and item["name"] == segment)
        else:
            node = node[segment]
    return node


def _plain(value: object) -> str:
    """A number without a needless ``.0``: 2, 0.5, 130."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


SWEEP_EXCLUDED = frozenset({"daily_block"})


def sweep_levers(scenario: Scenario) -> list[Lever]:
    """The levers a sweep can vary (all but the calling block, which goes with a policy)."""
    return [lever for lever in levers_for(scenario) if lever.key not in SWEEP_EXCLUDED]


def sweep_choices(lever: Lever, scenario: Scenario) -> list[LeverValue]:
    """Every value of a lever without a numeric range (policy, response rule, on/off)."""
    if lever.kind == "toggle":
        return [False, True]
    values = lever.options(scenario)
    if lever.key == "policy" and scenario.aes.policy.daily_prospecting_hours <= 0:
        # The time-blocked policy needs a calling block, which the scenario does not have.
        values = [v for v in values if v != "time_blocked"]
    return values


def sweep_values(
    lever: Lever,
    scenario: Scenario,
    start: float,
    stop: float,
    points: int,
    keep: LeverValue | None = None,
) -> list[LeverValue]:
    """`points` evenly spaced values from `start` to `stop`, on the lever's step, no repeats;
    `keep` (the scenario's own value) is added in order when it lies inside the range, so
    every other value can be compared with it."""
    if lever.kind in ("choice", "sla", "toggle"):
        return sweep_choices(lever, scenario)
    if points < 2:
        raise LeverError(f"a sweep needs at least 2 values (got {points})")
    low, high = lever.bounds_for(scenario)
    for end in (start, stop):
        lever.check(end, scenario)
    if start == stop:
        raise LeverError(f"{lever.label}: the sweep's first and last values are the same")
    values: list[LeverValue] = []
    for k in range(points):
        raw = start + (stop - start) * k / (points - 1)
        snapped = min(high, max(low, round(raw / lever.step) * lever.step))
        value: LeverValue = float(snapped) if lever.kind == "hours" else round(snapped)
        if value not in values:
            values.append(value)
    if (
        isinstance(keep, int | float)
        and not isinstance(keep, bool)
        and min(start, stop) < keep < max(start, stop)
        and keep not in values
    ):
        values.append(keep)
        values.sort(key=lambda v: float(v), reverse=stop < start)
    return values


def sweep_scenarios(base: Scenario, lever: Lever, values: Sequence[LeverValue]) -> list[Scenario]:
    """One scenario per value, built as :func:`salessim.experiments.sweep` builds its points."""
    return [scenario_with(base, {lever.path: lever.write(value)}) for value in values]
