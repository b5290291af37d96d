"""Scenario schema: every number the model uses, validated, with units in names or descriptions.

A scenario is plain data. The model reads it and never mutates it; overrides and ``extends:`` are
applied to the raw mapping before validation (see :mod:`salessim.scenario_files`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

_SCIENTIFIC = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+")


def _scientific_number(value: object) -> object:
    """Read ``1e6`` or ``2.5e-3`` as the number meant: YAML 1.1 reads them as text (it wants
    ``1.0e+6``), and strict fields take no other text for a number."""
    if isinstance(value, str) and _SCIENTIFIC.fullmatch(value.strip()):
        return float(value)
    return value


Real = Annotated[float, BeforeValidator(_scientific_number)]
"""A real number: an int or a float (never a bool), or a number written 1e6 in YAML."""
Probability = Annotated[Real, Field(ge=0.0, le=1.0)]
Share = Annotated[Real, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[Real, Field(ge=0.0)]
Positive = Annotated[Real, Field(gt=0.0)]

DAYS_PER_WEEK: Final = 5
DAYS_PER_MONTH: Final = 21
DAYS_PER_QUARTER: Final = 63
DAYS_PER_YEAR: Final = 252


MAX_HEADCOUNT = 1000
"""AEs at the start, AEs in the hiring plan and SDRs together: a large sales floor."""
MAX_MONTHLY_LEADS = 50_000
"""Leads a month from all sources together at their peak: a large inbound operation."""
MAX_CAMPAIGN_MULTIPLIER = 20.0
"""The most campaigns overlapping on one day may multiply a source's lead rate by."""


class StrictModel(BaseModel):
    """Base for every scenario block: unknown keys are errors, values are checked on assignment.

    Strict types: a count takes an int only (``true`` is not 1, ``3.7`` not 3, ``3.0`` not 3),
    a switch a bool, a name text; a real number takes an int or a float, never a bool.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False, strict=True)


def _unique_names(items: list[NamedItem], what: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item.name in seen:
            raise ValueError(f"{what} names must be unique, '{item.name}' appears twice")
        seen.add(item.name)


class NamedItem(StrictModel):
    name: str = Field(
        min_length=1,
        max_length=60,
        pattern=r"^[A-Za-z0-9_\-]+$",
        description="the item's name (letters, digits, _ and -), used to address it in "
        "--set paths and to edit it in a file that extends another",
    )


class Calendar(StrictModel):
    """Clock: one unit is one working day; week 5, month 21, quarter 63, year 252 days."""

    hours_per_day: Real = Field(8.0, gt=0, le=16, description="working hours in a rep's day")
    horizon_days: int = Field(819, ge=5, le=2520, description="simulated working days in all")
    warmup_days: int = Field(
        63, ge=0, description="days excluded from statistics (0 reports from day 0)"
    )

    @model_validator(mode="after")
    def _warmup_before_horizon(self) -> Calendar:
        if self.warmup_days >= self.horizon_days:
            raise ValueError(
                f"warmup_days ({self.warmup_days}) must be less than horizon_days "
                f"({self.horizon_days})"
            )
        return self

    @property
    def reported_days(self) -> int:
        return self.horizon_days - self.warmup_days


class Campaign(StrictModel):
    """A burst of extra leads from one source (an event, a campaign launch)."""

    start_day: int = Field(ge=0, description="first working day of the burst")
    duration_days: int = Field(ge=1, le=252, description="length of the burst in working days")
    volume_multiplier: Real = Field(gt=0, le=20, description="lead rate × this during the burst")


class DecayPoint(StrictModel):
    """One point of a response-decay curve: after `hours` working hours, odds × `multiplier`."""

    hours: Real = Field(ge=0, le=2000, description="working hours from arrival to first contact")
    multiplier: Probability = Field(description="relative chance a fit lead still qualifies")


class LeadSource(NamedItem):
    """A stream of marketing (or bought, event, referral) leads with its own fit and cost."""

    monthly_volume: Real = Field(
        ge=0,
        le=MAX_MONTHLY_LEADS,
        description="leads per 21-day month at ×1 (all sources together at their peak month, "
        f"campaigns and multipliers: at most {MAX_MONTHLY_LEADS:,} a month)",
    )
    seasonality: list[Annotated[Real, Field(ge=0, le=5)]] = Field(
        default_factory=lambda: [1.0] * 12,
        min_length=12,
        max_length=12,
        description="volume multiplier for each calendar month of the year (12 values)",
    )
    campaigns: list[Campaign] = Field(
        default_factory=list,
        description="bursts of extra leads on top of the monthly volume; campaigns overlapping "
        f"on a day multiply, together at most ×{MAX_CAMPAIGN_MULTIPLIER:g}",
    )
    fit_share: Probability = Field(description="share of leads that are true prospects (fit)")
    cost_per_lead: NonNegative = Field(description="marketing cost per lead at base volume, $")
    volume_multiplier: Real = Field(
        1.0, ge=0, le=10, description="scales the source's volume (1.3 = 30% more leads)"
    )
    marginal_fit_share: Probability | None = Field(
        None, description="fit share of leads beyond base volume (default: same as fit_share)"
    )
    marginal_cost_per_lead: NonNegative | None = Field(
        None, description="cost per lead beyond base volume, $ (default: cost_per_lead)"
    )
    routing_delay_hours: NonNegative = Field(
        0.0, le=240, description="working hours before a lead reaches sales (CRM routing lag)"
    )
    response_decay: list[DecayPoint] = Field(
        min_length=1, description="relative qualification chance by delay of the first call"
    )

    @model_validator(mode="after")
    def _decay_sorted(self) -> LeadSource:
        hours = [p.hours for p in self.response_decay]
        if hours != sorted(hours) or len(set(hours)) != len(hours):
            raise ValueError("response_decay points must have strictly increasing hours")
        day, peak = self.peak_campaign_day()
        if peak > MAX_CAMPAIGN_MULTIPLIER:
            raise ValueError(
                f"campaigns overlapping on day {day} multiply the lead rate by {peak:g}; "
                f"together they may multiply it by at most {MAX_CAMPAIGN_MULTIPLIER:g}"
            )
        return self

    def peak_campaign_day(self) -> tuple[int, float]:
        """The first day on which overlapping campaigns multiply the lead rate most, and by
        how much (day 0 and ×1 without campaigns)."""
        best = (0, 1.0)
        for day in sorted({c.start_day for c in self.campaigns}):
            factor = 1.0
            for c in self.campaigns:
                if c.start_day <= day < c.start_day + c.duration_days:
                    factor *= c.volume_multiplier
            if factor > best[1]:
                best = (day, factor)
        return best

    def peak_monthly_volume(self) -> float:
        """Leads a month at the busiest month and campaign peak, with the source's multiplier
        (an upper bound: the peaks need not coincide)."""
        return (
            self.monthly_volume
            * max(self.seasonality)
            * self.peak_campaign_day()[1]
            * self.volume_multiplier
        )


class LeadFilter(StrictModel):
    """Lead scoring that drops leads before sales sees them, with imperfect accuracy."""

    enabled: bool = Field(False, description="whether lead scoring drops leads at all")
    suspect_catch_share: Probability = Field(0.6, description="share of suspects dropped")
    fit_drop_share: Probability = Field(0.1, description="share of fit leads wrongly dropped")


class Qualification(StrictModel):
    """The hours it takes to work a lead: calls, retries and a qualifying conversation."""

    attempt_minutes: Real = Field(6.0, ge=0, le=120, description="minutes per contact attempt")
    connect_probability: Probability = Field(0.35, description="chance an attempt connects")
    max_attempts: int = Field(6, ge=1, le=20, description="attempts before a lead is abandoned")
    call_session_minutes: Real = Field(
        30.0, gt=0, le=480, description="a rep dials queued leads in sittings of up to this long"
    )
    retry_gap_days: Real = Field(1.0, gt=0, le=30, description="working days between attempts")
    conversation_hours: Real = Field(
        0.75, ge=0, le=8, description="mean hours of a qualifying conversation"
    )
    conversation_cv: Real = Field(
        0.5, ge=0, le=3, description="coefficient of variation of conversation hours (1 = exp.)"
    )
    fit_conversion_probability: Probability = Field(
        0.5, description="chance a fit lead reached at once becomes an opportunity"
    )
    queue_discipline: Literal["fifo", "newest_first", "score"] = Field(
        "fifo",
        description=(
            "order of new leads on the call list: fifo oldest first, newest_first newest "
            "first, score leads scored as fit before the rest"
        ),
    )
    call_order: Literal["due_time", "new_first"] = Field(
        "due_time",
        description=(
            "due_time: the call list is worked in order of due time, retries included; "
            "new_first: a new lead is always called before due retries"
        ),
    )
    ae_lead_routing: Literal["assigned", "shared"] = Field(
        "assigned",
        description=(
            "assigned: each marketing lead goes to one AE in turn, who alone calls it; "
            "shared: AEs take leads from one team queue (SDRs always share one queue)"
        ),
    )
    score_accuracy: Probability = Field(
        0.75, description="with 'score': chance a lead's score tells fit from suspect correctly"
    )
    expiry_days: Real = Field(
        20.0, gt=0, le=504, description="working days after which an unworked lead is dropped"
    )


class ProspectingEfficiency(StrictModel):
    ae: Positive = Field(0.7, le=2, description="AE dial rate relative to the nominal rate")
    sdr: Positive = Field(1.0, le=2, description="SDR dial rate relative to the nominal rate")


class Prospecting(StrictModel):
    """Outbound calling in blocks of hours against a finite territory of accounts."""

    dials_per_hour: Real = Field(12.0, ge=0, le=100, description="dials per hour at efficiency 1")
    dial_to_opportunity_probability: Probability = Field(
        0.009, description="chance one dial on a fresh account yields an opportunity"
    )
    dials_per_account: Real = Field(
        6.0, ge=1, le=50, description="dials that work one account through"
    )
    meeting_lag_days: Real = Field(
        5.0, ge=0, le=63, description="working days from the call to the first meeting"
    )
    block_hours: Real = Field(
        2.0,
        ge=0.25,
        le=8,
        description="length of one prospecting block, hours (a quarter of an hour at least)",
    )
    efficiency: ProspectingEfficiency = Field(
        default_factory=ProspectingEfficiency, description="dial rate of AEs and SDRs"
    )
    territory_accounts_per_ae: int = Field(
        600, ge=0, le=100_000, description="accounts in each AE's territory"
    )
    territory_accounts_per_sdr: int = Field(
        1500, ge=0, le=100_000, description="accounts each SDR adds to the SDR team's territory"
    )
    ae_market_accounts: int | None = Field(
        None,
        ge=0,
        le=10_000_000,
        description="accounts in the AEs' whole market, shared equally among the starting AEs "
        "(each list holds ae_market_accounts / aes.count, rounded down, and so does a planned "
        "hire's): set it to hold the market fixed while aes.count varies; none by default, when "
        "every AE brings territory_accounts_per_ae of their own",
    )
    account_rest_days: Real = Field(
        126.0, ge=1, le=1260, description="working days a called account rests before a recall"
    )


class Stage(NamedItem):
    """One deal stage: rep work first, then the buyer's own time."""

    rep_hours: Real = Field(ge=0, le=200, description="rep work hours the stage needs")
    buyer_days: Real = Field(ge=0, le=504, description="mean working days the buyer takes")
    buyer_days_cv: Real = Field(0.5, ge=0, le=3, description="CV of the buyer's days")
    forecast_probability: Probability = Field(description="stage weight in the forecast")
    dropout_probability: Probability = Field(description="chance the buyer drops out here")


def _default_stages() -> list[Stage]:
    return [
        Stage(
            name="discovery",
            rep_hours=3.0,
            buyer_days=8.0,
            forecast_probability=0.1,
            dropout_probability=0.25,
        ),
        Stage(
            name="demo",
            rep_hours=5.0,
            buyer_days=12.0,
            forecast_probability=0.3,
            dropout_probability=0.2,
        ),
        Stage(
            name="proposal",
            rep_hours=5.0,
            buyer_days=10.0,
            forecast_probability=0.6,
            dropout_probability=0.2,
        ),
        Stage(
            name="negotiation",
            rep_hours=3.0,
            buyer_days=8.0,
            forecast_probability=0.8,
            dropout_probability=0.1,
        ),
    ]


class Deals(StrictModel):
    """How opportunities mature: stages on both the rep's and the buyer's clock."""

    stages: list[Stage] = Field(
        default_factory=_default_stages,
        min_length=1,
        max_length=10,
        description="the deal stages in order; a deal passes each one or drops out",
    )
    touch_every_days: Real = Field(
        4.0, gt=0, le=63, description="while the buyer works, the deal wants a touch this often"
    )
    touch_hours: Real = Field(0.5, ge=0, le=8, description="hours of one touch")
    competitor_share: Probability = Field(
        0.55,
        description="share of buyer drop-outs after the first stage lost to a competitor "
        "(the rest: no decision); first-stage drop-outs are 'disqualified'",
    )

    @model_validator(mode="after")
    def _names(self) -> Deals:
        _unique_names(list(self.stages), "deals.stages")
        return self


class Neglect(StrictModel):
    """What happens when a deal waits for its rep."""

    grace_days: Real = Field(
        3.0, ge=0, le=63, description="wait tolerated without harm, working days"
    )
    loss_hazard_per_day: Real = Field(
        0.03, ge=0, le=1, description="daily chance of loss for each day waited beyond grace"
    )
    slip_days_per_day: Real = Field(
        0.5, ge=0, le=10, description="extra buyer days for each day waited beyond grace"
    )


class Rushing(StrictModel):
    """Discounting to close sooner: an overloaded rep (a deal-work backlog, or a deal reached
    late) or quarter-end pressure."""

    enabled: bool = Field(True, description="whether reps discount deals to close them sooner")
    backlog_hours_threshold: Real = Field(
        24.0, gt=0, le=1000, description="rep's pending deal-work hours above which they rush"
    )
    late_days_threshold: Real | None = Field(
        None,
        gt=0,
        le=252,
        description="a deal the rep reaches this many days late is rushed to catch up (none: off)",
    )
    quarter_end_window_days: int = Field(
        10, ge=0, le=63, description="last working days of a quarter in which late deals rush"
    )
    from_stage: int = Field(
        2, ge=0, le=9, description="index (0-based) of the first stage at which a deal can rush"
    )
    discount_share: Probability = Field(0.12, description="price cut given to rush a deal")
    rep_hours_saved_share: Probability = Field(
        0.4, description="share of remaining rep hours saved by rushing"
    )
    buyer_days_saved_share: Probability = Field(
        0.5, description="share of remaining buyer days saved by rushing"
    )
    extra_loss_probability: Probability = Field(
        0.05, description="added chance the pushed buyer walks away"
    )


class Segment(NamedItem):
    """A customer segment: its share of deals and its lognormal deal value."""

    share: Probability = Field(description="share of opportunities in this segment")
    value_median: Real = Field(gt=0, le=1e8, description="median deal value, $")
    value_sigma: Real = Field(
        0.5,
        ge=0,
        le=3,
        description="spread of deal values: sigma of their logarithm (0: all at the median)",
    )


def _default_segments() -> list[Segment]:
    return [Segment(name="mid_market", share=1.0, value_median=25_000.0, value_sigma=0.5)]


class Hire(StrictModel):
    """People hired on one day; they start unramped and ramp up over the team's ramp_days."""

    day: int = Field(ge=0, description="working day the new hires start")
    count: int = Field(ge=1, le=200, description="number of people hired that day")


class Policy(StrictModel):
    """How a rep picks the next task when free (see :mod:`salessim.policies`)."""

    name: Literal["closer_first", "lead_first", "time_blocked"] = Field(
        "closer_first",
        description=(
            "closer_first: deal work, then leads, then prospecting when the pipeline runs low; "
            "lead_first: new leads first, then as closer_first; time_blocked: a fixed block of "
            "prospecting hours each day, otherwise as closer_first"
        ),
    )
    pipeline_low_deals: int = Field(
        4, ge=0, le=500, description="open deals below which a rep starts prospecting"
    )
    pipeline_high_deals: int = Field(
        10, ge=1, le=500, description="open deals above which a rep stops prospecting"
    )
    response_sla_hours: Real | None = Field(
        None,
        gt=0,
        le=240,
        description="a lead waiting longer than this for its first call goes before deal work "
        "(a 'respond fast' rule from management); none by default",
    )
    daily_prospecting_hours: Real = Field(
        0.0, ge=0, le=16, description="'time_blocked': hours reserved for prospecting each day"
    )
    prospecting_share_above_mark: Probability = Field(
        0.0,
        description="share of a day's selling hours a rep still spends calling when the "
        "pipeline marks say stop, after all deal work and leads (reluctant closers 'aren't cold "
        "calling to the level you need', not at all: Chris Lang, 'Sales Prospecting: Who's "
        "Helping Your Sales Team?'; about 0.1, 35 minutes of a 6-hour selling day); 0 by "
        "default so a scenario opts in",
    )
    quarter_end_close_days: int = Field(
        0,
        ge=0,
        le=63,
        description="last working days of each quarter in which an AE with an open deal does "
        "no prospecting of their own (a protected daily calling block still runs): reps are paid "
        "on what closes by quarter end, so they 'focus as much as possible on closing, because "
        "that is what you compensate them for' (Chris Lang, 'Sales Prospecting: Who's Helping "
        "Your Sales Team?'); the calendar is the same for every rep, so they stop together. 0 "
        "(off) by default so a scenario opts in",
    )
    spare_hours: Literal["idle", "research"] = Field(
        "idle",
        description="what an AE does with hours no task can use: 'idle' (waiting for work), or "
        "'research' (account research and admin, booked as non-selling hours)",
    )

    @model_validator(mode="after")
    def _marks(self) -> Policy:
        if self.pipeline_low_deals > self.pipeline_high_deals:
            raise ValueError(
                f"pipeline_low_deals ({self.pipeline_low_deals}) must not exceed "
                f"pipeline_high_deals ({self.pipeline_high_deals})"
            )
        if self.name == "time_blocked" and self.daily_prospecting_hours <= 0:
            raise ValueError("policy 'time_blocked' needs daily_prospecting_hours > 0")
        return self


class AccountExecutives(StrictModel):
    """The closing team."""

    count: int = Field(8, ge=1, le=500, description="AEs at the start")
    non_selling_share: Share = Field(
        0.25, le=0.95, description="share of each day spent on admin and internal meetings"
    )
    ramp_days: int = Field(105, ge=0, le=504, description="working days for a new hire to ramp")
    start_ramped: bool = Field(True, description="whether the starting team is already ramped")
    tenure_days: list[Annotated[int, Field(ge=0, le=10_000)]] | None = Field(
        None,
        description="working days each starting AE has already been on the team at day 0, one "
        "value per AE (a rep 30 days in is 30 days into the ramp); overrides start_ramped",
    )
    ramp_start_share: Share = Field(
        0.3, description="a new AE's productivity on day one, rising linearly to 1 over the ramp"
    )
    attrition_per_year: Real = Field(
        0.25, ge=0, le=3, description="leavers per AE per year (0.25: a quarter of the team)"
    )
    backfill_days: int = Field(42, ge=0, le=504, description="working days to backfill a leaver")
    on_departure: Literal["reassign", "lose"] = Field(
        "reassign", description="what happens to a leaver's open deals"
    )
    hiring_plan: list[Hire] = Field(
        default_factory=list,
        description="AEs hired on given days, on top of backfills (counted in the limit of "
        f"{MAX_HEADCOUNT:,} people with aes.count and the SDRs)",
    )
    quota_per_year: Real = Field(
        770_000.0, ge=0, le=1e9, description="bookings target per ramped AE per year, $"
    )
    policy: Policy = Field(
        default_factory=Policy, description="how an AE picks the next task when free"
    )

    @model_validator(mode="after")
    def _tenure(self) -> AccountExecutives:
        _tenure_matches(self.tenure_days, self.count, "aes")
        return self


def _tenure_matches(tenure: list[int] | None, count: int, team: str) -> None:
    if tenure is not None and len(tenure) != count:
        raise ValueError(
            f"{team}.tenure_days must hold one value per starting rep: {len(tenure)} values "
            f"for {team}.count {count}"
        )


class Management(StrictModel):
    """Team-level reaction to the forecast, which synchronises the reps."""

    enabled: bool = Field(
        False, description="whether managers steer the whole team from the forecast"
    )
    push_below_coverage: Real = Field(
        0.3,
        ge=0,
        le=20,
        description="stage-weighted open pipeline / quarter target below which all prospect",
    )
    focus_above_coverage: Real = Field(
        0.6, ge=0, le=20, description="coverage above which everyone focuses on closing"
    )
    quarter_end_window_days: int = Field(
        10, ge=0, le=63, description="last days of a quarter in which everyone closes"
    )
    review_every_days: int = Field(5, ge=1, le=63, description="days between forecast reviews")

    @model_validator(mode="after")
    def _marks(self) -> Management:
        if self.push_below_coverage > self.focus_above_coverage:
            raise ValueError(
                f"push_below_coverage ({self.push_below_coverage}) must not exceed "
                f"focus_above_coverage ({self.focus_above_coverage})"
            )
        return self


class SDRTeam(StrictModel):
    """Dedicated teleprospecting: SDRs qualify leads and prospect, AEs close."""

    count: int = Field(0, ge=0, le=500, description="SDRs at the start")
    ramp_days: int = Field(63, ge=0, le=504, description="working days for a new SDR to ramp")
    start_ramped: bool = Field(True, description="whether the starting SDRs are already ramped")
    tenure_days: list[Annotated[int, Field(ge=0, le=10_000)]] | None = Field(
        None,
        description="working days each starting SDR has already been on the team at day 0, one "
        "value per SDR; overrides start_ramped",
    )
    hiring_plan: list[Hire] = Field(
        default_factory=list,
        description="SDRs hired on given days, on top of backfills; they ramp over ramp_days "
        "(a team hired in month 4 starts on day 63); SDRs take over the marketing leads from "
        "the first SDR's first day if works_inbound_leads (counted in the limit of "
        f"{MAX_HEADCOUNT:,} people with the AEs and sdrs.count)",
    )
    non_selling_share: Share = Field(0.15, le=0.95, description="admin share of an SDR's day")
    ramp_start_share: Share = Field(
        0.3, description="a new SDR's productivity on day one, rising linearly to 1 over the ramp"
    )
    attrition_per_year: Real = Field(
        0.85, ge=0, le=3, description="yearly leaving rate (~14 months tenure)"
    )
    backfill_days: int = Field(42, ge=0, le=504, description="working days to backfill a leaver")
    works_inbound_leads: bool = Field(
        True, description="SDRs (not AEs) work the marketing lead queue"
    )
    handoff: Literal["round_robin", "least_loaded"] = Field(
        "least_loaded",
        description=(
            "which AE gets an SDR's new opportunity: round_robin in turn, least_loaded the AE "
            "with the fewest open deals"
        ),
    )
    ae_max_open_deals: int | None = Field(
        None, ge=1, le=500, description="AEs accept hand-offs only below this many open deals"
    )

    @model_validator(mode="after")
    def _tenure(self) -> SDRTeam:
        _tenure_matches(self.tenure_days, self.count, "sdrs")
        return self


class Forecast(StrictModel):
    """The quarter's forecast call: categories by stage weight, converted at the team's own
    past rates, plus a run-rate for deals created and won after the call."""

    snapshot_week: int = Field(
        2, ge=0, le=12, description="week of the quarter (0-based) when its forecast is frozen"
    )
    commit_min_probability: Probability = Field(
        0.75, description="stages weighted at least this (forecast_probability) are commit"
    )
    best_case_min_probability: Probability = Field(
        0.5,
        description="stages weighted at least this, below commit, are best case; the rest "
        "expected to close in the quarter are pipeline",
    )
    history_quarters: int = Field(
        4, ge=1, le=20, description="completed quarters the conversion rates and run-rate use"
    )

    @model_validator(mode="after")
    def _categories(self) -> Forecast:
        if self.best_case_min_probability > self.commit_min_probability:
            raise ValueError(
                f"best_case_min_probability ({self.best_case_min_probability}) must not exceed "
                f"commit_min_probability ({self.commit_min_probability})"
            )
        return self


class Economics(StrictModel):
    ae_cost_per_year: Real = Field(
        180_000.0, ge=0, le=1e7, description="fully loaded AE cost, $/year"
    )
    sdr_cost_per_year: Real = Field(
        85_000.0, ge=0, le=1e7, description="fully loaded SDR cost, $/year"
    )
    commission_rate: Share = Field(0.10, description="share of bookings paid as commission")
    gross_margin: Share = Field(0.75, description="gross margin as a share of list price")


class Profile(StrictModel):
    """A team described in an executive's numbers, as ``salessim init`` asked for them.

    A record of what was asked, for the fit report beside what the scenario produces: the model
    never reads it (``salessim init`` derives the scenario's fields from it). Each number is
    optional; a number left out was taken from the scenario extended.
    """

    aes: int | None = Field(None, ge=1, le=500, description="account executives on the team")
    sdrs: int | None = Field(None, ge=0, le=500, description="SDRs qualifying leads for the AEs")
    deal_size: Real | None = Field(
        None, gt=0, le=1e8, description="average deal won, after discounts, $"
    )
    sales_cycle_days: Real | None = Field(
        None,
        gt=0,
        le=730,
        description="calendar days from opportunity to close of a won deal (the model counts "
        f"working days: {DAYS_PER_YEAR} a year)",
    )
    leads_per_month: Real | None = Field(
        None, ge=0, le=MAX_MONTHLY_LEADS, description="inbound marketing leads a month"
    )
    web_share: Probability | None = Field(
        None, description="share of those leads from web requests (the rest: content, events)"
    )
    win_rate: Real | None = Field(
        None, gt=0, lt=1, description="share of opportunities closed that are won"
    )
    lead_to_opportunity: Real | None = Field(
        None, gt=0, le=1, description="share of inbound leads that become an opportunity"
    )
    ae_cost_per_year: Real | None = Field(
        None, ge=0, le=1e7, description="fully loaded cost of one AE, $/year"
    )
    sdr_cost_per_year: Real | None = Field(
        None, ge=0, le=1e7, description="fully loaded cost of one SDR, $/year"
    )
    quota_per_ae: Real | None = Field(
        None, ge=0, le=1e9, description="bookings target per ramped AE, $/year"
    )
    ramp_months: Real | None = Field(
        None, ge=0, le=24, description="months for a new AE to reach full productivity"
    )
    attrition_per_year: Real | None = Field(
        None, ge=0, le=3, description="share of AEs who leave in a year (0.25: a quarter)"
    )

    def given(self) -> dict[str, float | int]:
        """The numbers the profile holds, by field name (those left out are not listed)."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class OpenDeal(StrictModel):
    """A deal already open at day 0 (today's pipeline), in the buyer's part of its stage."""

    stage: str | int = Field(
        description="its stage: a name from deals.stages, or an index (0 is the first stage)"
    )
    value: Real = Field(gt=0, le=1e9, description="its value before any discount, $")
    age_in_stage_days: Real = Field(
        0.0,
        ge=0,
        le=2520,
        description="working days it has spent in its stage by day 0; its buyer's remaining "
        "days are drawn given that age",
    )
    owner: int | None = Field(
        None,
        ge=0,
        description="the AE who owns it: index of a starting AE (0 is the first); none: the "
        "starting AEs in turn",
    )
    segment: str | None = Field(
        None, description="its customer segment by name (none: the first segment)"
    )


class Change(StrictModel):
    """A plan that starts on a date: fields set by path from a working day on."""

    at_day: int = Field(
        gt=0,
        le=2520,
        description="working day the change takes effect (its morning); a change on or after "
        "the horizon falls outside the run and never takes effect, like a hire planned then",
    )
    set: dict[str, Any] = Field(
        min_length=1,
        description="field paths (as in --set: lead_volume_multiplier, "
        "lead_sources.web_inbound.monthly_volume, aes.policy.name) and their new values",
    )


FIXED_FOR_RUN: dict[str, str] = {
    "name": "the scenario's name belongs to the whole run",
    "description": "the scenario's description belongs to the whole run",
    "calendar": "the calendar is fixed for the whole run",
    "changes": "a change cannot schedule changes; list them all under changes",
    "initial_pipeline": "the open pipeline is the state at day 0",
    "aes.count": "it is the team at day 0; add AEs with aes.hiring_plan",
    "sdrs.count": "it is the team at day 0; add SDRs with sdrs.hiring_plan",
    "aes.start_ramped": "describes the team at day 0",
    "sdrs.start_ramped": "describes the team at day 0",
    "aes.tenure_days": "describes the team at day 0",
    "sdrs.tenure_days": "describes the team at day 0",
    "aes.hiring_plan": "hires are planned by day for the whole run: give their day in "
    "aes.hiring_plan",
    "sdrs.hiring_plan": "hires are planned by day for the whole run: give their day in "
    "sdrs.hiring_plan",
    "aes.attrition_per_year": "each rep's leaving day is drawn when they join",
    "sdrs.attrition_per_year": "each rep's leaving day is drawn when they join",
    "sdrs.works_inbound_leads": "who works the marketing leads is fixed for the whole run",
    "qualification.ae_lead_routing": "who works the marketing leads is fixed for the whole run",
    "prospecting.territory_accounts_per_ae": "territories are drawn up at the start",
    "prospecting.territory_accounts_per_sdr": "territories are drawn up at the start",
    "prospecting.ae_market_accounts": "territories are drawn up at the start",
    "prospecting.account_rest_days": "territories are drawn up at the start",
    "forecast": "the forecast method is fixed for the whole run (past calls score later ones)",
}
"""Field paths (a path and everything under it; list items written ``*``) that the model reads
only when a run starts, so ``changes:`` may not set them, and why."""

FIXED_ITEMS: dict[str, str] = {
    "lead_sources": "lead sources",
    "segments": "segments",
    "deals.stages": "deal stages",
}
"""Lists whose items a change may edit but not add, remove or rename."""


class Scenario(StrictModel):
    """A whole scenario: the team, its leads, its deals and its economics."""

    name: str = Field(
        "scenario",
        min_length=1,
        max_length=80,
        description="the scenario's name in tables and charts (default: the file name)",
    )
    description: str = Field(
        "", max_length=4000, description="what the scenario represents, in a sentence or two"
    )
    calendar: Calendar = Field(
        default_factory=Calendar, description="the clock: hours in a day, horizon and warm-up"
    )
    lead_sources: list[LeadSource] = Field(
        default_factory=list,
        max_length=20,
        description="streams of marketing leads, each with its volume, fit, cost and decay",
    )
    lead_volume_multiplier: Real = Field(
        1.0,
        ge=0,
        le=10,
        description="scales every lead source's volume at once (the marketing budget lever); "
        "leads beyond each source's base volume have its marginal fit and cost; all sources "
        f"together at most {MAX_MONTHLY_LEADS:,} leads a month at their peak",
    )
    lead_filter: LeadFilter = Field(
        default_factory=LeadFilter, description="lead scoring that drops leads before sales"
    )
    qualification: Qualification = Field(
        default_factory=Qualification,
        description="working a lead: call attempts, retries and the qualifying conversation",
    )
    prospecting: Prospecting = Field(
        default_factory=Prospecting,
        description="outbound calling in blocks of hours against a finite territory",
    )
    deals: Deals = Field(
        default_factory=Deals, description="deal stages and the touches a deal needs"
    )
    neglect: Neglect = Field(
        default_factory=Neglect, description="what waiting for its rep costs a deal"
    )
    rushing: Rushing = Field(
        default_factory=Rushing, description="discounting a deal to close it sooner"
    )
    segments: list[Segment] = Field(
        default_factory=_default_segments,
        min_length=1,
        description="customer segments: share of opportunities and deal value of each",
    )
    aes: AccountExecutives = Field(
        default_factory=AccountExecutives,
        description="the account executives who close deals: team, ramp, attrition, hiring "
        f"(AEs at the start, planned hires and SDRs: at most {MAX_HEADCOUNT:,} people)",
    )
    management: Management = Field(
        default_factory=Management,
        description="managers steering the whole team from the forecast",
    )
    sdrs: SDRTeam = Field(
        default_factory=SDRTeam,
        description="sales development reps who qualify leads and prospect for the AEs "
        f"(with AEs and planned hires: at most {MAX_HEADCOUNT:,} people)",
    )
    forecast: Forecast = Field(
        default_factory=Forecast, description="when each quarter's forecast is frozen"
    )
    economics: Economics = Field(
        default_factory=Economics, description="salaries, commission and margin"
    )
    profile: Profile = Field(
        default_factory=Profile,
        description="the team in an executive's numbers, as salessim init asked for them: "
        "a record for the fit report, never read by the model",
    )
    initial_pipeline: list[OpenDeal] = Field(
        default_factory=list,
        max_length=100_000,
        description="deals open at day 0 (start from today's pipeline instead of an empty one): "
        "a list of {stage, value, age_in_stage_days, owner, segment}, or in a scenario file "
        "the path of a CSV file with those columns (relative to the file)",
    )
    changes: list[Change] = Field(
        default_factory=list,
        max_length=100,
        description="plans that start on a date: each {at_day, set: {path: value}} changes "
        "the scenario from the morning of working day at_day; listed in order of at_day. "
        "Fields read only when a run starts are refused by name: the calendar, aes.count and "
        "sdrs.count (use the hiring plans), the hiring plans, tenure and attrition, territory "
        "sizes, who works the leads, the forecast method, and adding or renaming lead "
        "sources, segments or stages",
    )

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        _unique_names(list(self.lead_sources), "lead_sources")
        peak = self.lead_volume_multiplier * sum(
            source.peak_monthly_volume() for source in self.lead_sources
        )
        if peak > MAX_MONTHLY_LEADS:
            raise ValueError(
                f"lead sources bring up to {peak:,.0f} leads a month at their peak (monthly "
                "volume × busiest month × overlapping campaigns × multipliers); at most "
                f"{MAX_MONTHLY_LEADS:,} are allowed"
            )
        headcount = (
            self.aes.count
            + sum(hire.count for hire in self.aes.hiring_plan)
            + self.sdrs.count
            + sum(hire.count for hire in self.sdrs.hiring_plan)
        )
        if headcount > MAX_HEADCOUNT:
            raise ValueError(
                f"aes.count, aes.hiring_plan, sdrs.count and sdrs.hiring_plan add up to "
                f"{headcount} people; at most {MAX_HEADCOUNT} are allowed"
            )
        _unique_names(list(self.segments), "segments")
        total = sum(s.share for s in self.segments)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"segments shares must add up to 1 (they add up to {total:g})")
        if self.rushing.from_stage >= len(self.deals.stages):
            raise ValueError(
                f"rushing.from_stage ({self.rushing.from_stage}) must be a stage index below "
                f"{len(self.deals.stages)}"
            )
        self._check_pipeline()
        self._check_change_days()
        return self

    def _check_pipeline(self) -> None:
        names = [stage.name for stage in self.deals.stages]
        segments = [segment.name for segment in self.segments]
        for i, deal in enumerate(self.initial_pipeline):
            where = f"initial_pipeline.{i}"
            stage = deal.stage
            if isinstance(stage, int) and not 0 <= stage < len(names):
                raise ValueError(
                    f"{where}.stage: a stage index must be 0 to {len(names) - 1} (got {stage})"
                )
            if isinstance(stage, str) and stage not in names:
                raise ValueError(
                    f"{where}.stage: no such stage '{stage}' (stages: {', '.join(names)})"
                )
            if deal.owner is not None and deal.owner >= self.aes.count:
                raise ValueError(
                    f"{where}.owner: must be the index of a starting AE, 0 to "
                    f"{self.aes.count - 1} (got {deal.owner})"
                )
            if deal.segment is not None and deal.segment not in segments:
                raise ValueError(
                    f"{where}.segment: no such segment '{deal.segment}' "
                    f"(segments: {', '.join(segments)})"
                )

    def _check_change_days(self) -> None:
        previous = 0
        for i, change in enumerate(self.changes):
            if change.at_day < previous:
                raise ValueError(
                    f"changes.{i}.at_day: changes must be listed in order of at_day; day "
                    f"{change.at_day} comes after day {previous}"
                )
            previous = change.at_day

    def stage_index(self, stage: str | int) -> int:
        """The index of a stage named or numbered as in ``initial_pipeline``."""
        if isinstance(stage, int):
            return stage
        return [s.name for s in self.deals.stages].index(stage)
