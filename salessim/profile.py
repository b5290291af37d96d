"""A team in an executive's numbers turned into a complete scenario that extends ``baseline``.

``salessim init`` and the web app's "Your team" page ask for the dozen numbers an executive
knows (AEs, SDRs, deal size, sales cycle, leads a month, win rate...). :func:`build` derives the
detailed fields from them, each with a note saying what it came from, and :meth:`TeamScenario.
yaml_text` writes them as a commented scenario file. :func:`profile_fit` then sets what a run
produces beside what the profile asked, measured the way the profile defines it.
"""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import ValidationError

from salessim.config import DAYS_PER_MONTH, DAYS_PER_YEAR, Profile, Scenario
from salessim.errors import SalessimError
from salessim.scenario_files import load_scenario, scenario_with
from salessim.statistics import Interval, t_interval

if TYPE_CHECKING:
    from salessim.experiments import ReplicationSet

BASE = "baseline"
"""The bundled scenario a profile's file extends."""
CALENDAR_DAYS_PER_YEAR = 365.0
WORKING_DAYS_PER_CALENDAR_DAY = DAYS_PER_YEAR / CALENDAR_DAYS_PER_YEAR
"""The model's clock counts working days, 252 a year (weekdays less holidays): 90 calendar days
are 62 working days."""
REP_HOURS_ELASTICITY = 0.5
"""Rep hours per stage grow with deal size to this power. Bridge Group's SaaS AE survey (2017)
found a median cycle of ~60 days at $25k and ~72 days at $35k: ln(72/60)/ln(35/25) ≈ 0.54; we
assume the reps' effort grows like the cycle and round down to 0.5 (twice the deal, ×1.41 the
hours)."""
BASELINE_DISCOUNT = 0.036
"""Average discount of baseline's deals won, as a share of list value (measured: 6 replications
of baseline, seed 0); list prices are set this much above the profile's deal size."""
BASELINE_OTHER_LOSS_SURVIVAL = 0.982
"""Baseline wins 26.1% of its deals where its stage drop-outs alone would let 26.6% through:
deals lost to neglect and rushed deals' extra drop-out cost it ~1.8% of its wins (measured:
6 replications of baseline, seed 0)."""
BASELINE_LEAD_TO_OPPORTUNITY = 0.116
"""Share of baseline's inbound leads that become an opportunity (measured: 6 replications of
baseline, seed 0; Implisit reports ~13%)."""
CORE_FIELDS = ("aes", "deal_size", "sales_cycle_days", "leads_per_month")
"""The numbers a profile must give; every other one falls back to baseline's."""
WEB_SOURCE, CONTENT_SOURCE = "web_inbound", "content"
MIN_BUYER_DAYS = 1.0
"""Each stage keeps at least one working day of the buyer's own time."""


class ProfileError(SalessimError):
    """A profile number is out of range, missing, or leaves no room for the derivation:
    ``field`` names the profile field when one is at fault, ``rule`` says what it must be."""

    def __init__(self, message: str, field: str | None = None, rule: str = "") -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule or message


@dataclass(frozen=True)
class Question:
    """One profile number as a person is asked for it: its field, whether it is a whole
    number, and the question."""

    field: str
    integer: bool
    label: str


QUESTIONS: tuple[Question, ...] = (
    Question("aes", True, "Account executives (AEs) on the team"),
    Question("sdrs", True, "SDRs qualifying leads for the AEs"),
    Question("deal_size", False, "Average deal won, after discounts, $"),
    Question(
        "sales_cycle_days",
        False,
        "Sales cycle: calendar days from opportunity to close of a won deal",
    ),
    Question("leads_per_month", False, "Inbound leads a month"),
    Question(
        "web_share",
        False,
        "Share of those leads from web requests, 0-1 (the rest: content, events)",
    ),
    Question("win_rate", False, "Win rate: share of opportunities closed won, 0-1"),
    Question(
        "lead_to_opportunity", False, "Share of inbound leads that become an opportunity, 0-1"
    ),
    Question("ae_cost_per_year", False, "Fully loaded AE cost, $/year"),
    Question("sdr_cost_per_year", False, "Fully loaded SDR cost, $/year"),
    Question("quota_per_ae", False, "Quota per AE, $/year"),
    Question("ramp_months", False, "Months for a new AE to ramp"),
    Question("attrition_per_year", False, "Share of AEs leaving in a year (0.25: a quarter)"),
)
"""Every profile number, in the order they are asked (the needed ones are CORE_FIELDS)."""


@dataclass(frozen=True)
class Setting:
    """One scenario field the profile sets: its dotted path (as for ``--set``), the value and
    where the value came from."""

    path: str
    value: int | float
    note: str
    group: str = ""
    """A note shared by the settings of several list items (every stage's rep hours), written
    once above the list."""


@dataclass(frozen=True)
class TeamScenario:
    """A profile, the fields derived from it, and the scenario they make with ``baseline``."""

    profile: Profile
    name: str
    description: str
    settings: tuple[Setting, ...]
    scenario: Scenario

    def yaml_text(self) -> str:
        """The commented scenario file: ``extends: baseline``, the derived fields with their
        notes, and the profile itself. It loads back to :attr:`scenario`."""
        return _render(self)

    def file_name(self) -> str:
        return f"{self.name}.yaml"


@dataclass(frozen=True)
class FitRow:
    """One profile number beside what the runs produced, measured the same way."""

    key: str
    label: str
    kind: str
    asked: float
    produced: Interval

    def to_dict(self) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return x if math.isfinite(x) else None

        return {
            "key": self.key,
            "label": self.label,
            "asked": self.asked,
            "produced": {
                "mean": num(self.produced.mean),
                "ci_low": num(self.produced.ci_low),
                "ci_high": num(self.produced.ci_high),
            },
        }


# ----------------------------------------------------------------------------- the profile
def make_profile(values: Mapping[str, object]) -> Profile:
    """A :class:`Profile` from field values (None: not given); a bad value raises a
    ProfileError naming the field, the rule and the value."""
    given = {k: v for k, v in values.items() if v is not None}
    try:
        return Profile.model_validate(given)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"])
        rule = f"{_rule(first['msg'])} (got {first['input']!r})"
        raise ProfileError(f"{field}: {rule}", field, rule) from None


def check_value(field: str, value: object) -> None:
    """Raise a ProfileError if ``value`` is not allowed for the profile field ``field``."""
    make_profile({field: value})


def field_errors(values: Mapping[str, object]) -> dict[str, str]:
    """What is wrong with each profile number, by field (empty when all are fine): a value out
    of range, a needed number left out (None), or a cycle too short for the derived rep work."""
    errors: dict[str, str] = {}
    for field, value in values.items():
        if value is None:
            if field in CORE_FIELDS:
                errors[field] = "needed"
            continue
        try:
            check_value(field, value)
        except ProfileError as exc:
            errors[field] = exc.rule
    if not errors:
        try:
            build(make_profile(values))
        except ProfileError as exc:
            errors[exc.field or "profile"] = exc.rule
    return errors


def missing_core(profile: Profile) -> list[str]:
    """The core numbers the profile leaves out."""
    return [name for name in CORE_FIELDS if getattr(profile, name) is None]


def _rule(message: str) -> str:
    text = message.removeprefix("Input should be ").removeprefix("Value error, ")
    return f"must be {text}" if not text.startswith("must") else text


# ----------------------------------------------------------------------------- derivation
def build(profile: Profile, name: str = "my_team", base: Scenario | None = None) -> TeamScenario:
    """Derive a scenario from a profile: every field it sets, with a note, on top of
    ``baseline``. Raises a ProfileError if a core number is missing or the numbers leave no
    room (a cycle shorter than the reps' own work)."""
    missing = missing_core(profile)
    if missing:
        raise ProfileError(f"the profile needs {', '.join(missing)}", missing[0], "needed")
    base = base if base is not None else load_scenario(BASE)
    settings = _derive(profile, base)
    description = _description(profile)
    overrides: dict[str, object] = {s.path: s.value for s in settings}
    overrides["name"] = name
    overrides["description"] = description
    overrides["profile"] = profile.given()
    scenario = scenario_with(base, overrides)
    return TeamScenario(profile, name, description, tuple(settings), scenario)


def _description(p: Profile) -> str:
    sdrs = f" and {p.sdrs} SDR{'s' if p.sdrs != 1 else ''}" if p.sdrs else ""
    return (
        f"Our team: {p.aes} AEs{sdrs}, ${p.deal_size:,.0f} deals over a "
        f"{p.sales_cycle_days:g}-day cycle, {p.leads_per_month:g} inbound leads a month. "
        "Written by salessim init from a profile; each derived number says where it came from."
    )


def _derive(p: Profile, base: Scenario) -> list[Setting]:
    assert p.aes is not None and p.deal_size is not None
    assert p.sales_cycle_days is not None and p.leads_per_month is not None
    out: list[Setting] = [Setting("aes.count", p.aes, f"asked: {p.aes} AEs")]
    if p.sdrs is not None:
        out.append(Setting("sdrs.count", p.sdrs, f"asked: {p.sdrs} SDRs"))
    out += _leads(p, base)
    size_factor, deal_settings = _deal_size(p.deal_size, base)
    out += deal_settings
    out += _stages(p, base, size_factor)
    out += _pipeline_marks(base, out)
    if p.win_rate is not None:
        out += _dropouts(p.win_rate, base)
    if p.lead_to_opportunity is not None:
        out += _conversion(p.lead_to_opportunity, base)
    out += _people_and_money(p)
    return out


def _leads(p: Profile, base: Scenario) -> list[Setting]:
    sources = {s.name: s for s in base.lead_sources}
    web, content = sources[WEB_SOURCE].monthly_volume, sources[CONTENT_SOURCE].monthly_volume
    if p.web_share is not None:
        share, said = p.web_share, "asked"
    else:
        share = web / (web + content)
        said = f"not given: baseline's {web:g} web of {web + content:g} leads"
    leads = p.leads_per_month
    assert leads is not None
    return [
        Setting(
            f"lead_sources.{WEB_SOURCE}.monthly_volume",
            _round(leads * share),
            f"{leads:g} leads a month × {share:.3g} from the web ({said})",
        ),
        Setting(
            f"lead_sources.{CONTENT_SOURCE}.monthly_volume",
            _round(leads * (1 - share)),
            f"{leads:g} leads a month × {1 - share:.3g}: content, webinars and events",
        ),
    ]


def _deal_size(deal_size: float, base: Scenario) -> tuple[float, list[Setting]]:
    """Scale every segment's median by one factor so the mean list value, less baseline's
    average discount, is the profile's deal size (a lognormal's mean is median × e^(σ²/2))."""
    base_mean = sum(
        s.share * s.value_median * math.exp(s.value_sigma**2 / 2) for s in base.segments
    )
    list_mean = deal_size / (1 - BASELINE_DISCOUNT)
    factor = list_mean / base_mean
    out = []
    for s in base.segments:
        median = _round(s.value_median * factor)
        out.append(
            Setting(
                f"segments.{s.name}.value_median",
                median,
                f"${deal_size:,.0f} deal size ÷ (1 − {BASELINE_DISCOUNT:.1%} baseline's average "
                f"discount) = ${list_mean:,.0f} mean list value; ÷ e^(σ²/2) with σ = "
                f"{s.value_sigma:g} (a lognormal's mean is its median × e^(σ²/2)): baseline's "
                f"${s.value_median:,.0f} median × {factor:.3f}",
            )
        )
    return factor, out


def _stages(p: Profile, base: Scenario, size_factor: float) -> list[Setting]:
    """Rep hours scaled from baseline by deal size; the buyer's days fill the rest of the cycle
    in baseline's proportions."""
    hours_factor = size_factor**REP_HOURS_ELASTICITY
    cycle = p.sales_cycle_days
    assert cycle is not None and p.deal_size is not None
    stages = base.deals.stages
    working = cycle * WORKING_DAYS_PER_CALENDAR_DAY
    selling = base.calendar.hours_per_day * (1 - base.aes.non_selling_share)
    hours = [min(200.0, _round(s.rep_hours * hours_factor)) for s in stages]
    rep_days = sum(hours) / selling
    buyer_total = working - rep_days
    base_buyer = sum(s.buyer_days for s in stages)
    if buyer_total < MIN_BUYER_DAYS * len(stages) or base_buyer <= 0:
        rule = (
            f"{cycle:g} calendar days ({working:.1f} working days) leave the buyers no time "
            f"after the reps' own {rep_days:.1f} days of deal work; a cycle of at least "
            f"{math.ceil((rep_days + len(stages)) / WORKING_DAYS_PER_CALENDAR_DAY)} days is "
            "needed"
        )
        raise ProfileError(f"sales_cycle_days: {rule}", "sales_cycle_days", rule)
    hours_why = (
        f"Rep hours: baseline's × {hours_factor:.3f}, deals {size_factor:.3f} times baseline's "
        f"in list value to the power {REP_HOURS_ELASTICITY:g} (bigger deals take more work, "
        "less than in proportion)."
    )
    days_why = (
        f"Buyer days: {cycle:g} calendar days × {DAYS_PER_YEAR}/365 = {working:.1f} working "
        f"days, less {rep_days:.1f} days of rep work ({sum(hours):g} h at {selling:g} selling "
        f"h/day) = {buyer_total:.1f} buyer days, shared between stages as in baseline."
    )
    out = []
    for s, h in zip(stages, hours, strict=True):
        out.append(
            Setting(
                f"deals.stages.{s.name}.rep_hours",
                h,
                f"baseline's {s.rep_hours:g} h × {hours_factor:.3f}",
                hours_why,
            )
        )
    for s in stages:
        share = s.buyer_days / base_buyer
        days = max(MIN_BUYER_DAYS, _round(buyer_total * share))
        out.append(
            Setting(
                f"deals.stages.{s.name}.buyer_days",
                days,
                f"{buyer_total:.1f} buyer days × {share:.1%}, baseline's share for {s.name}",
                days_why,
            )
        )
    return out


def _pipeline_marks(base: Scenario, settings: Sequence[Setting]) -> list[Setting]:
    """Scale the prospecting marks by how many open deals a rep's day carries: a deal's rep
    hours plus its touches, spread over its cycle."""
    derived = {s.path: float(s.value) for s in settings}
    deals = base.deals

    def load(stage_hours: list[float], buyer_days: list[float]) -> float:
        touches = sum(buyer_days) / deals.touch_every_days * deals.touch_hours
        cycle = sum(buyer_days) + sum(stage_hours) / base.calendar.hours_per_day
        return (sum(stage_hours) + touches) / cycle

    names = [s.name for s in deals.stages]
    before = load([s.rep_hours for s in deals.stages], [s.buyer_days for s in deals.stages])
    after = load(
        [derived[f"deals.stages.{n}.rep_hours"] for n in names],
        [derived[f"deals.stages.{n}.buyer_days"] for n in names],
    )
    factor = before / after
    policy = base.aes.policy
    low = max(1, round(policy.pipeline_low_deals * factor))
    high = max(low, round(policy.pipeline_high_deals * factor))
    why = (
        f"baseline's {{}} × {factor:.2f}: a deal takes {after:.2f} rep hours a day over its "
        f"cycle against baseline's {before:.2f}, so a rep carries that many more open deals"
    )
    return [
        Setting("aes.policy.pipeline_low_deals", low, why.format(policy.pipeline_low_deals)),
        Setting("aes.policy.pipeline_high_deals", high, why.format(policy.pipeline_high_deals)),
    ]


def _dropouts(win_rate: float, base: Scenario) -> list[Setting]:
    """One common factor k on every stage's drop-out chance so the stages let through the
    asked win rate, allowing for baseline's share of other losses: Π(1 − k·pᵢ) = target."""
    stages = base.deals.stages
    probs = [s.dropout_probability for s in stages]
    target = min(0.999, win_rate / BASELINE_OTHER_LOSS_SURVIVAL)
    k = solve_dropout_factor(probs, target)
    why = (
        f"Drop-outs: baseline's × {k:.4f}, one factor for every stage, solved so the stages "
        f"together let {target:.1%} through: Π(1 − k·p) = {win_rate:.1%} asked ÷ "
        f"{BASELINE_OTHER_LOSS_SURVIVAL} for neglect and rushed deals' extra losses."
    )
    out = []
    for s in stages:
        out.append(
            Setting(
                f"deals.stages.{s.name}.dropout_probability",
                round(min(1.0, k * s.dropout_probability), 4),
                f"baseline's {s.dropout_probability:g} × {k:.4f}",
                why,
            )
        )
    return out


def solve_dropout_factor(probabilities: Sequence[float], survival: float) -> float:
    """The factor k ≥ 0 with Π(1 − k·pᵢ) = ``survival`` (bisection: the product falls as k
    grows, from 1 at k = 0 to 0 at k = 1/max pᵢ)."""
    if not 0 < survival <= 1:
        rule = f"must be between 0 and 1 (got {survival})"
        raise ProfileError(f"win_rate: {rule}", "win_rate", rule)
    top = max(probabilities)
    if top <= 0:
        rule = "the base scenario's stages have no drop-outs to scale"
        raise ProfileError(f"win_rate: {rule}", "win_rate", rule)

    def through(k: float) -> float:
        return math.prod(1 - k * p for p in probabilities)

    low, high = 0.0, 1.0 / top
    for _ in range(100):
        mid = (low + high) / 2
        if through(mid) > survival:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _conversion(rate: float, base: Scenario) -> list[Setting]:
    """Scale the chance a reached fit lead becomes an opportunity; past 1, the sources' fit
    shares take the rest."""
    q = base.qualification.fit_conversion_probability
    factor = rate / BASELINE_LEAD_TO_OPPORTUNITY
    conversion = min(1.0, q * factor)
    why = (
        f"{rate:.1%} asked ÷ baseline's {BASELINE_LEAD_TO_OPPORTUNITY:.1%} of leads becoming "
        f"opportunities = × {factor:.3f}"
    )
    out = [
        Setting(
            "qualification.fit_conversion_probability",
            round(conversion, 4),
            f"baseline's {q:g} {why}" + (" (capped at 1)" if q * factor > 1 else ""),
        )
    ]
    rest = q * factor / conversion
    if rest > 1.0:
        for s in base.lead_sources:
            out.append(
                Setting(
                    f"lead_sources.{s.name}.fit_share",
                    round(min(1.0, s.fit_share * rest), 4),
                    f"baseline's {s.fit_share:g} × {rest:.3f}: what conversion capped at 1 "
                    "could not reach",
                )
            )
    return out


def _people_and_money(p: Profile) -> list[Setting]:
    out = []
    if p.quota_per_ae is not None:
        out.append(Setting("aes.quota_per_year", p.quota_per_ae, "asked: quota per AE, $/year"))
    if p.ramp_months is not None:
        days = round(p.ramp_months * DAYS_PER_MONTH)
        out.append(
            Setting(
                "aes.ramp_days", days, f"{p.ramp_months:g} months × {DAYS_PER_MONTH} working days"
            )
        )
    if p.attrition_per_year is not None:
        out.append(
            Setting("aes.attrition_per_year", p.attrition_per_year, "asked: AEs leaving a year")
        )
    if p.ae_cost_per_year is not None:
        out.append(
            Setting("economics.ae_cost_per_year", p.ae_cost_per_year, "asked: AE fully loaded")
        )
    if p.sdr_cost_per_year is not None:
        out.append(
            Setting("economics.sdr_cost_per_year", p.sdr_cost_per_year, "asked: SDR fully loaded")
        )
    return out


def _round(x: float) -> float:
    """Four significant digits, enough for a scenario file and the same in file and memory."""
    if x == 0:
        return 0.0
    return float(f"{x:.4g}")


# ----------------------------------------------------------------------------- fallbacks
FALLBACKS: dict[str, str] = {
    "sdrs": "baseline's SDRs (none)",
    "web_share": "baseline's split: 90 web, 150 content of 240",
    "win_rate": "baseline's stage drop-outs (about 26% of deals closed are won)",
    "lead_to_opportunity": "baseline's qualification (about 12% of leads, 13% per Implisit)",
    "ae_cost_per_year": "baseline's $180,000",
    "sdr_cost_per_year": "baseline's $85,000",
    "quota_per_ae": "baseline's $770,000 (Bridge Group median, 2022–24)",
    "ramp_months": "baseline's 105 working days, 5 months (Bridge Group)",
    "attrition_per_year": "baseline's 0.25 (CSO Insights: 25–30% turnover)",
}


# ----------------------------------------------------------------------------- rendering
_NAMED_LISTS = ("lead_sources", "deals.stages", "segments")
_WIDTH = 96


def _render(team: TeamScenario) -> str:
    lines = [
        "# Written by salessim init from a profile of the team. Each number below says what it",
        "# came from; everything not set here is baseline's (salessim fields lists them all).",
        f"extends: {BASE}",
        f"name: {team.name}",
        f"description: {json.dumps(team.description, ensure_ascii=False)}",
        "",
    ]
    tree: dict[str, Any] = {}
    for s in team.settings:
        _insert(tree, s.path.split("."), s)
    lines += _emit(tree, 0, "")
    lines.append("")
    lines += _comment(
        "What you told salessim init: salessim run compares what the scenario produces with "
        "these (numbers not given fall back to baseline's, as noted). Changing them here "
        "changes nothing else: run salessim init again.",
        0,
    )
    lines.append("profile:")
    given = team.profile.given()
    for field in Profile.model_fields:
        if field in given:
            lines.append(f"  {field}: {_yaml_number(given[field])}")
        else:
            lines.append(f"  # {field}: not given, {FALLBACKS.get(field, 'baseline')}")
    return "\n".join(lines) + "\n"


def _insert(tree: dict[str, Any], parts: list[str], setting: Setting) -> None:
    node = tree
    i = 0
    while i < len(parts) - 1:
        key = parts[i]
        prefix = ".".join(parts[: i + 1])
        node = node.setdefault(key, {})
        if prefix in _NAMED_LISTS:
            items = node.setdefault("\0items", {})
            node = items.setdefault(parts[i + 1], {})
            i += 1
        i += 1
    node[parts[-1]] = setting


def _emit(tree: dict[str, Any], indent: int, prefix: str) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, value in tree.items():
        if isinstance(value, Setting):
            lines += _comment(value.note, indent)
            lines.append(f"{pad}{key}: {_yaml_number(value.value)}")
        elif "\0items" in value:
            groups = [s.group for item in value["\0items"].values() for s in _settings(item)]
            for group in dict.fromkeys(g for g in groups if g):
                lines += _comment(group, indent)
            lines.append(f"{pad}{key}:")
            for name, fields in value["\0items"].items():
                lines.append(f"{pad}  - name: {name}")
                lines += _emit(fields, indent + 4, "")
        else:
            lines.append(f"{pad}{key}:")
            lines += _emit(value, indent + 2, prefix)
    return lines


def _settings(node: dict[str, Any]) -> list[Setting]:
    """Every setting in a node of the rendering tree, in order."""
    found: list[Setting] = []
    for value in node.values():
        found += [value] if isinstance(value, Setting) else _settings(value)
    return found


def _comment(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return [
        f"{pad}# {line}"
        for line in textwrap.wrap(text, width=_WIDTH - indent - 2, break_on_hyphens=False)
    ]


def _yaml_number(value: int | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


# ----------------------------------------------------------------------------- the fit
FIT_ROWS: tuple[tuple[str, str, str], ...] = (
    ("sales_cycle_days", "Sales cycle (calendar days)", "days"),
    ("win_rate", "Win rate (deals closed)", "share"),
    ("deal_size", "Average deal won", "money"),
    ("leads_per_month", "Inbound leads a month", "count"),
    ("lead_to_opportunity", "Leads that become opportunities", "share"),
)


def has_profile(scenario: Scenario) -> bool:
    return bool(scenario.profile.given())


def produced_values(result: ReplicationSet, key: str) -> np.ndarray:
    """What each replication produced for a profile number, measured as the profile defines
    it: the cycle in calendar days (working days × 365/252), leads per 21-day month."""
    if key == "sales_cycle_days":
        return result.values("won_deal_days") / WORKING_DAYS_PER_CALENDAR_DAY
    if key == "win_rate":
        return result.values("win_rate")
    if key == "deal_size":
        return result.values("avg_deal_won")
    if key == "leads_per_month":
        months = result.scenario.calendar.reported_days / DAYS_PER_MONTH
        return result.values("leads") / months
    if key == "lead_to_opportunity":
        return result.values("lead_to_opportunity")
    raise KeyError(key)


def profile_fit(result: ReplicationSet) -> list[FitRow]:
    """Each profile number the fit covers beside what the runs produced, with its 95%
    interval over replications (empty when the scenario has no profile)."""
    asked = result.scenario.profile.given()
    rows = []
    for key, label, kind in FIT_ROWS:
        if key in asked:
            produced = t_interval(produced_values(result, key))
            rows.append(FitRow(key, label, kind, float(asked[key]), produced))
    return rows
