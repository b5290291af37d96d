"""Plans that start on a date: ``changes:`` set fields from a working day on, and SDRs hired on a
plan ramp like AEs.

Each kind of change is run against the same scenario without it, with the same seed: every
daily counter must be identical before the change's day (a change draws no random number and
touches nothing early) and the change's effect must show after it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from salessim.config import Scenario
from salessim.errors import ScenarioError
from salessim.experiments import ReplicationSet, compare
from salessim.model import SalesModel, run
from salessim.results import RunResult
from salessim.scenario_files import load_scenario, scenario_timeline, scenario_with
from salessim.statistics import paired_difference

DAY = 105
"""The day the changes below take effect (a multiple of the 5-day week: snapshots align)."""
HORIZON = 252


@pytest.fixture(scope="module")
def base() -> Scenario:
    """The baseline over one year, reported from day 0, with no attrition (fewer moving parts)."""
    return load_scenario(
        "baseline",
        {
            "calendar.horizon_days": HORIZON,
            "calendar.warmup_days": 0,
            "aes.attrition_per_year": 0,
            "sdrs.attrition_per_year": 0,
        },
    )


def with_change(base: Scenario, fields: dict[str, Any], day: int = DAY) -> Scenario:
    return scenario_with(base, {"changes": [{"at_day": day, "set": fields}]})


def before(result: RunResult, name: str) -> np.ndarray:
    return result.daily[name][:DAY]


def after(result: RunResult, name: str) -> float:
    return float(result.daily[name][DAY:].sum())


def assert_same_before(a: RunResult, b: RunResult) -> None:
    """Every daily counter is identical before the change's day."""
    for name in a.daily:
        assert before(a, name).tolist() == before(b, name).tolist(), name


# ---------------------------------------------------------------------------- effects
def test_a_lead_budget_from_a_day_on_brings_more_leads_from_that_day(base: Scenario) -> None:
    plain = run(base, 3)
    changed = run(with_change(base, {"lead_volume_multiplier": 2.0}), 3)
    assert changed.change_days == [DAY]
    assert_same_before(plain, changed)
    # Twice the leads from day 105: ~147 days × ~11 leads a day more (Poisson noise is small).
    assert after(changed, "leads_arrived") > 1.8 * after(plain, "leads_arrived")
    assert after(changed, "leads_incremental") > 0
    assert before(changed, "leads_incremental").sum() == 0


def test_lead_scoring_switched_on_filters_leads_only_from_its_day(base: Scenario) -> None:
    plain = run(base, 4)
    changed = run(with_change(base, {"lead_filter.enabled": True}), 4)
    assert_same_before(plain, changed)
    assert before(changed, "leads_filtered").sum() == 0
    # 60% of suspects and 10% of fit leads dropped: a third or more of all leads.
    assert after(changed, "leads_filtered") > 0.3 * after(changed, "leads_arrived")


def test_a_policy_switch_to_closer_first_slows_responses_after_its_day(
    base: Scenario,
) -> None:
    assert base.aes.policy.name == "lead_first"
    plain = run(base, 5)
    changed = run(with_change(base, {"aes.policy.name": "closer_first"}), 5)
    assert_same_before(plain, changed)

    def response_hours(result: RunResult) -> float:
        return after(result, "response_hours_sum") / after(result, "leads_first_attempt")

    # Lead-first AEs call a new lead before anything else; closer-first after their deal work.
    assert response_hours(changed) > 1.5 * response_hours(plain)


def test_management_switched_on_steers_the_team_only_after_its_day(base: Scenario) -> None:
    changed = run(with_change(base, {"management.enabled": True}), 6)
    steering = (
        changed.weekly_snapshots["management_push"] + changed.weekly_snapshots["management_focus"]
    )
    weeks_before = DAY // 5
    assert steering[:weeks_before].sum() == 0
    assert steering[weeks_before:].sum() > 0


def test_a_change_to_a_deal_stage_applies_to_deals_reaching_it_later(base: Scenario) -> None:
    # Buyers who take ten times longer over proposals: fewer wins in the last quarters.
    plain = run(base, 7)
    changed = run(with_change(base, {"deals.stages.proposal.buyer_days": 100.0}), 7)
    assert_same_before(plain, changed)
    assert after(changed, "wins") < 0.8 * after(plain, "wins")


def test_a_scenario_without_changes_runs_as_before(base: Scenario) -> None:
    # An empty list of changes is the same scenario: same numbers, no change days.
    a = run(base, 8)
    b = run(scenario_with(base, {"changes": []}), 8)
    assert b.change_days == []
    for name in a.daily:
        assert a.daily[name].tolist() == b.daily[name].tolist(), name


def test_changes_apply_in_order_each_on_top_of_the_last(base: Scenario) -> None:
    scenario = scenario_with(
        base,
        {
            "changes": [
                {"at_day": 63, "set": {"lead_volume_multiplier": 2.0}},
                {"at_day": 126, "set": {"lead_filter.enabled": True}},
            ]
        },
    )
    timeline = scenario_timeline(scenario)
    assert [day for day, _ in timeline] == [63, 126]
    assert timeline[0][1].lead_volume_multiplier == 2.0
    assert not timeline[0][1].lead_filter.enabled
    assert timeline[1][1].lead_volume_multiplier == 2.0  # the first change still holds
    assert timeline[1][1].lead_filter.enabled


# ---------------------------------------------------------------------------- SDRs hired on a plan
def test_planned_sdrs_start_on_their_day_and_ramp(base: Scenario) -> None:
    ramp = 63
    scenario = scenario_with(
        base, {"sdrs.hiring_plan": [{"day": DAY, "count": 2}], "sdrs.ramp_days": ramp}
    )
    result = run(scenario, 9)
    headcount = result.daily["sdr_headcount"]
    assert headcount[:DAY].sum() == 0
    assert headcount[DAY:].tolist() == [2.0] * (HORIZON - DAY)
    # A new SDR sells 30% of a ramped SDR's hours on day one, all of them after the ramp.
    selling = result.daily["sdr_hours_available"] - result.daily["sdr_hours_non_selling"]
    full = 2 * 8.0 * (1 - scenario.sdrs.non_selling_share)
    assert selling[DAY] == pytest.approx(0.3 * full)
    assert selling[DAY + ramp // 2] == pytest.approx((0.3 + 0.7 * (ramp // 2) / ramp) * full)
    assert selling[DAY + ramp] == pytest.approx(full)


def test_planned_sdrs_take_over_the_marketing_leads_on_their_first_day(base: Scenario) -> None:
    result = run(scenario_with(base, {"sdrs.hiring_plan": [{"day": DAY, "count": 3}]}), 10)
    # AEs qualify marketing leads until the SDRs come; then SDRs do (AEs finish calls under way).
    assert before(result, "opps_marketing").sum() > 0
    assert before(result, "opps_sdr_inbound").sum() == 0
    assert before(result, "sdr_hours_qualifying").sum() == 0
    assert after(result, "opps_sdr_inbound") > 0
    assert float(result.daily["ae_hours_qualifying"][DAY + 5 :].sum()) == 0.0


def test_planned_sdrs_are_not_ramped_like_a_starting_team(base: Scenario) -> None:
    # "+2 SDRs" as a starting team are ramped on day 0; hired on day 0 by a plan they ramp.
    ramped = run(scenario_with(base, {"sdrs.count": 2}), 11)
    hired = run(scenario_with(base, {"sdrs.hiring_plan": [{"day": 0, "count": 2}]}), 11)
    first_quarter = slice(0, 63)

    def selling(result: RunResult) -> float:
        hours = result.daily["sdr_hours_available"] - result.daily["sdr_hours_non_selling"]
        return float(hours[first_quarter].sum())

    assert selling(hired) < 0.85 * selling(ramped)


def test_planned_sdrs_bring_their_accounts_to_the_sdr_territory(base: Scenario) -> None:
    scenario = scenario_with(
        base,
        {
            "sdrs.hiring_plan": [{"day": DAY, "count": 2}],
            "sdrs.works_inbound_leads": False,
        },
    )
    model = SalesModel(scenario, 0)
    model.env.run(until=DAY + 0.5)
    assert len(model.sdrs) == 2
    # 2 × 1,500 accounts, less what half a day of calling has worked through.
    assert 2900 < model.sdr_territory.refresh(model.env.now) <= 3000


# ---------------------------------------------------------------------------- refused changes
@pytest.mark.parametrize(
    ("fields", "path", "rule"),
    [
        ({"aes.count": 12}, "changes.0.set.aes.count", "add AEs with aes.hiring_plan"),
        ({"sdrs.count": 3}, "changes.0.set.sdrs.count", "add SDRs with sdrs.hiring_plan"),
        ({"calendar.hours_per_day": 9}, "changes.0.set.calendar.hours_per_day", "calendar"),
        ({"forecast.snapshot_week": 3}, "changes.0.set.forecast.snapshot_week", "forecast"),
        (
            {"aes.hiring_plan": [{"day": 150, "count": 1}]},
            "changes.0.set.aes.hiring_plan",
            "give their day in aes.hiring_plan",
        ),
        (
            {"aes": {"count": 4}},
            "changes.0.set.aes",
            "add AEs with aes.hiring_plan",
        ),
        (
            {"deals.stages.demo.name": "trial"},
            "changes.0.set.deals.stages.demo.name",
            "deal stages cannot be added, removed or renamed",
        ),
        (
            {"lead_sources.web_inbound.name": "web"},
            "changes.0.set.lead_sources.web_inbound.name",
            "lead sources cannot be added, removed or renamed",
        ),
    ],
)
def test_fields_read_only_at_the_start_are_refused_by_name(
    base: Scenario, fields: dict[str, Any], path: str, rule: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        with_change(base, fields)
    assert caught.value.path == path
    assert rule in caught.value.rule
    assert "cannot change mid-run" in caught.value.rule
    assert "\n" not in str(caught.value)


def test_a_changed_value_must_be_valid_and_is_named_by_its_change(base: Scenario) -> None:
    with pytest.raises(ScenarioError) as caught:
        with_change(base, {"lead_volume_multiplier": 12})
    assert str(caught.value).endswith("changes.0.set.lead_volume_multiplier: must be ≤ 10 (got 12)")
    with pytest.raises(ScenarioError, match=r"changes\.0\.set\.aes\.polcy: unknown field"):
        with_change(base, {"aes.polcy.name": "lead_first"})


def test_a_change_on_or_after_the_horizon_never_takes_effect(base: Scenario) -> None:
    # Like a hire planned after the horizon: a shortened run simply ends before the change.
    late = with_change(base, {"lead_volume_multiplier": 2.0}, day=HORIZON)
    result = run(late, 12)
    assert result.change_days == []
    for name, values in run(base, 12).daily.items():
        assert result.daily[name].tolist() == values.tolist(), name


def test_a_change_must_fall_after_day_0_and_in_order(base: Scenario) -> None:
    with pytest.raises(ScenarioError, match=r"changes\.0\.at_day: must be > 0"):
        with_change(base, {"lead_volume_multiplier": 1.3}, day=0)
    with pytest.raises(ScenarioError, match="in order of at_day"):
        scenario_with(
            base,
            {
                "changes": [
                    {"at_day": 126, "set": {"lead_volume_multiplier": 1.3}},
                    {"at_day": 63, "set": {"lead_volume_multiplier": 1.0}},
                ]
            },
        )


def test_a_change_in_a_scenario_file_is_checked_when_the_file_loads(tmp_path: Any) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("extends: baseline\nchanges:\n  - at_day: 63\n    set: {aes.count: 12}\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert str(caught.value).startswith(f"{path}: changes.0.set.aes.count: cannot change mid-run")


# ---------------------------------------------------------------------------- the story, watched
@pytest.mark.slow
def test_more_leads_next_quarter_books_less_only_after_the_change() -> None:
    # 12 paired replications (seed 2026) of the baseline and of the bundled plan that buys 30%
    # more leads from day 315: the four reported quarters before the change are the
    # baseline's own to the dollar (common random numbers), and over the two years after it
    # the plan books less; the 95% interval of the paired difference must lie below zero.
    comparison = compare(
        [load_scenario("baseline"), load_scenario("more_leads_next_quarter")],
        12,
        seed=2026,
        workers=2,
    )
    plain, plan = comparison.sets

    def bookings(result: ReplicationSet, first: int, last: int) -> list[float]:
        return [
            sum(run["quarterly"][q]["bookings"] for q in range(first, last)) for run in result.runs
        ]

    assert plan.change_days == [315]
    assert bookings(plan, 1, 5) == bookings(plain, 1, 5)
    after = paired_difference(bookings(plain, 5, 13), bookings(plan, 5, 13))
    assert after.ci_high < 0, after


# ---------------------------------------------------------------------------- nothing left behind
RULES = {
    "desk": (
        "stages",
        "neglect",
        "rush",
        "touch_every",
        "touch_hours",
        "competitor_share",
        "segment_cum",
        "forecast_stage",
        "remaining_days",
        "handoff_cap",
        "handoff_rule",
    ),
    "rep": (
        "ramp_days",
        "ramp_start_share",
        "non_selling_share",
        "daily_cost",
        "attempt_hours",
        "connect_p",
        "max_attempts",
        "retry_gap",
        "conv_hours",
        "conv_cv",
        "fit_conv",
        "session_hours",
        "dials_per_hour",
        "dials_per_account",
        "dial_p",
        "block_hours",
        "meeting_lag",
        "low_mark",
        "high_mark",
        "floor_share",
        "spare_activity",
        "sla_days",
    ),
    "source": (
        "overall",
        "source",
        "lead_filter",
        "score_accuracy",
        "delay_days",
        "base_cost",
        "marginal_cost",
        "base_fit",
        "marginal_fit",
    ),
    "queue": ("discipline", "due_order", "expiry_days"),
}
"""What each part of the model reads from the scenario and keeps (see their configure())."""

EVERYTHING = {
    "lead_volume_multiplier": 1.7,
    "lead_sources.web_inbound.monthly_volume": 300,
    "lead_sources.web_inbound.routing_delay_hours": 4,
    "lead_sources.content.marginal_cost_per_lead": 90,
    "lead_sources.content.response_decay": [{"hours": 0, "multiplier": 0.9}],
    "lead_filter.enabled": True,
    "lead_filter.suspect_catch_share": 0.8,
    "qualification.attempt_minutes": 4,
    "qualification.connect_probability": 0.5,
    "qualification.max_attempts": 3,
    "qualification.retry_gap_days": 2,
    "qualification.conversation_hours": 1.5,
    "qualification.conversation_cv": 0.2,
    "qualification.fit_conversion_probability": 0.7,
    "qualification.call_session_minutes": 45,
    "qualification.queue_discipline": "score",
    "qualification.call_order": "new_first",
    "qualification.score_accuracy": 0.9,
    "qualification.expiry_days": 10,
    "prospecting.dials_per_hour": 20,
    "prospecting.dial_to_opportunity_probability": 0.02,
    "prospecting.dials_per_account": 3,
    "prospecting.meeting_lag_days": 2,
    "prospecting.block_hours": 1,
    "prospecting.efficiency.ae": 1.2,
    "deals.stages.demo.buyer_days": 30,
    "deals.stages.proposal.rep_hours": 9,
    "deals.stages.negotiation.forecast_probability": 0.95,
    "deals.touch_every_days": 2,
    "deals.touch_hours": 1,
    "deals.competitor_share": 0.2,
    "neglect.grace_days": 1,
    "rushing.enabled": False,
    "segments.mid_market.value_median": 40_000,
    "aes.non_selling_share": 0.4,
    "aes.ramp_days": 30,
    "aes.ramp_start_share": 0.5,
    "aes.policy.name": "time_blocked",
    "aes.policy.daily_prospecting_hours": 2,
    "aes.policy.pipeline_low_deals": 2,
    "aes.policy.pipeline_high_deals": 4,
    "aes.policy.response_sla_hours": 3,
    "aes.policy.prospecting_share_above_mark": 0.2,
    "aes.policy.spare_hours": "research",
    "aes.policy.quarter_end_close_days": 10,
    "economics.ae_cost_per_year": 250_000,
    "sdrs.handoff": "round_robin",
    "sdrs.ae_max_open_deals": 7,
}


def test_a_changed_model_reads_what_a_model_built_from_the_change_reads(
    base: Scenario,
) -> None:
    # Every rule each part of the model keeps, after a change that sets almost every field a
    # change may set, is what a model built from the changed scenario keeps from day 0.
    changed = SalesModel(with_change(base, EVERYTHING, day=1), 0)
    changed.env.run(until=1.5)
    fresh = SalesModel(scenario_with(base, EVERYTHING), 0)
    assert changed.scenario == fresh.scenario.model_copy(update={"changes": []})

    def rules(part: object, kind: str) -> dict[str, object]:
        return {name: getattr(part, name) for name in RULES[kind]}

    assert rules(changed.desk, "desk") == rules(fresh.desk, "desk")
    for a, b in zip(changed.aes, fresh.aes, strict=True):
        assert rules(a, "rep") == rules(b, "rep")
        assert type(a.policy) is type(b.policy)
    for a, b in zip(changed.sources, fresh.sources, strict=True):
        assert rules(a, "source") == rules(b, "source")
    for a, b in zip(changed.lead_queues, fresh.lead_queues, strict=True):
        assert rules(a, "queue") == rules(b, "queue")
    assert changed.stage_category == fresh.stage_category
    for hours in (0.0, 5.0, 50.0):
        assert [d(hours) for d in changed.decay] == [d(hours) for d in fresh.decay]
