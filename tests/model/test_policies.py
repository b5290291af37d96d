"""Each rep policy's choice of the next task in small hand-built situations."""

from __future__ import annotations

from typing import Any

import pytest
from handbuilt import hand_rep, quiet_scenario, run_until

from salessim.entities import (
    ORIGIN_MARKETING,
    PHASE_BUYER,
    TASK_LEAD,
    TASK_PROSPECT,
    TASK_STAGE_WORK,
    Lead,
)
from salessim.model import SalesModel
from salessim.policies import SDRPolicy
from salessim.reps import Rep
from salessim.territory import Territory

HOURS_LEFT = 6.0
BLOCK_HOURS = 2.0

STAGES = {
    "stages": [
        {
            "name": stage,
            "rep_hours": 3.0,
            "buyer_days": 20.0,
            "buyer_days_cv": 0.0,
            "forecast_probability": 0.5,
            "dropout_probability": 0.0,
        }
        for stage in ("discovery", "close")
    ]
}


def team(policy: dict[str, Any]) -> SalesModel:
    """A quiet model whose AEs follow `policy`; every call connects; deals never rush."""
    return SalesModel(
        quiet_scenario(
            aes={"count": 1, "attrition_per_year": 0, "policy": policy},
            prospecting={"dials_per_hour": 12, "block_hours": BLOCK_HOURS},
            qualification={"connect_probability": 1.0, "conversation_cv": 0.0},
            deals=STAGES,
            rushing={"enabled": False, "from_stage": 0},
        ),
        seed=5,
    )


def add_lead(rep: Rep, arrival: float) -> None:
    """A fit lead for `rep` to call, arrived at `arrival`."""
    assert rep.lead_queue is not None
    rep.lead_queue.add_incoming(Lead(1, 0, arrival, True, False), arrival)


def add_deal(model: SalesModel, rep: Rep, buyer_working: bool = False) -> None:
    """A new deal of `rep`'s waiting for stage work, or with its buyer at work."""
    deal = model.desk.create(ORIGIN_MARKETING, rep)
    if buyer_working:
        assert rep.deal_task(model.env.now) is not None
        model.desk.finish_stage_work(deal)
        assert deal.phase == PHASE_BUYER


def choice(model: SalesModel, rep: Rep) -> int | None:
    """The kind of task `rep`'s policy picks now (None: wait idle)."""
    task = rep.policy.choose(rep, model.env.now, HOURS_LEFT)
    return None if task is None else task.kind


# ---------------------------------------------------------------------------- deals or leads
@pytest.mark.parametrize(
    ("policy", "expected"),
    [("closer_first", TASK_STAGE_WORK), ("lead_first", TASK_LEAD)],
)
def test_a_deal_and_a_new_lead_waiting(policy: str, expected: int) -> None:
    model = team({"name": policy})
    rep = hand_rep(model)
    add_deal(model, rep)
    add_lead(rep, 0.0)
    assert choice(model, rep) == expected


@pytest.mark.parametrize(("waited_days", "expected"), [(0.25, TASK_STAGE_WORK), (1.0, TASK_LEAD)])
def test_closer_first_calls_a_lead_past_the_response_sla_before_deal_work(
    waited_days: float, expected: int
) -> None:
    # A 4-hour SLA in 8-hour days: a lead 2 hours old waits its turn, one a day old goes first.
    model = team({"name": "closer_first", "response_sla_hours": 4.0})
    rep = hand_rep(model)
    add_lead(rep, 0.0)
    run_until(model, waited_days)
    add_deal(model, rep)
    assert choice(model, rep) == expected


def test_without_an_sla_closer_first_calls_leads_only_when_no_deal_waits() -> None:
    model = team({"name": "closer_first"})
    rep = hand_rep(model)
    add_lead(rep, 0.0)
    run_until(model, 3.0)
    add_deal(model, rep)
    assert choice(model, rep) == TASK_STAGE_WORK
    assert rep.deal_task(model.env.now) is None  # the deal is under way: nothing else owed
    assert choice(model, rep) == TASK_LEAD


# ---------------------------------------------------------------------------- prospecting
def test_closer_first_prospects_by_the_pipeline_marks() -> None:
    # Below the low mark (2) the rep starts prospecting and keeps at it between the marks;
    # above the high mark (3) it stops. Deals with their buyer at work leave nothing else to do.
    model = team({"name": "closer_first", "pipeline_low_deals": 2, "pipeline_high_deals": 3})
    rep = hand_rep(model)
    assert choice(model, rep) == TASK_PROSPECT
    for _ in range(2):
        add_deal(model, rep, buyer_working=True)
    assert rep.open_deals == 2 and choice(model, rep) == TASK_PROSPECT
    for _ in range(2):
        add_deal(model, rep, buyer_working=True)
    assert rep.open_deals == 4 and choice(model, rep) is None


def test_a_rep_who_starts_between_the_marks_does_not_prospect() -> None:
    model = team({"name": "closer_first", "pipeline_low_deals": 0, "pipeline_high_deals": 3})
    rep = hand_rep(model)
    assert choice(model, rep) is None


@pytest.mark.parametrize(
    ("mode", "low_mark", "expected"),
    [
        ("push", 0, TASK_PROSPECT),  # management's push overrides a full pipeline
        ("focus", 4, None),  # a push to close overrides an empty one
        ("close", 4, None),
    ],
)
def test_management_overrides_the_pipeline_marks(
    mode: str, low_mark: int, expected: int | None
) -> None:
    model = team({"name": "closer_first", "pipeline_low_deals": low_mark})
    rep = hand_rep(model)
    model.management_mode = mode
    assert choice(model, rep) == expected


def test_a_prospecting_block_is_at_most_the_block_and_the_hours_left() -> None:
    model = team({"name": "closer_first"})
    rep = hand_rep(model)
    task = rep.policy.choose(rep, 0.0, HOURS_LEFT)
    assert task is not None and task.hours == BLOCK_HOURS
    task = rep.policy.choose(rep, 0.0, 1.5)
    assert task is not None and task.hours == 1.5


def test_time_blocked_prospects_first_until_its_block_is_done() -> None:
    model = team({"name": "time_blocked", "daily_prospecting_hours": 3.0})
    rep = hand_rep(model)
    add_deal(model, rep)
    rep.policy.start_day(rep)
    assert rep.block_hours_left == 3.0
    task = rep.policy.choose(rep, 0.0, HOURS_LEFT)
    assert task is not None and task.kind == TASK_PROSPECT and task.hours == BLOCK_HOURS
    rep.block_hours_left = 0.0  # the day's block has been worked
    assert choice(model, rep) == TASK_STAGE_WORK


def test_time_blocked_gives_a_rested_out_territory_s_block_to_selling() -> None:
    model = team({"name": "time_blocked", "daily_prospecting_hours": 3.0})
    rep = hand_rep(model, territory=Territory(0.0, 126.0))
    add_deal(model, rep)
    rep.policy.start_day(rep)
    assert choice(model, rep) == TASK_STAGE_WORK
    assert rep.block_hours_left == 0.0


# ---------------------------------------------------------------------------- SDRs
@pytest.mark.parametrize(
    ("lead", "accounts", "expected"),
    [(True, 100.0, TASK_LEAD), (False, 100.0, TASK_PROSPECT), (False, 0.0, None)],
)
def test_an_sdr_calls_leads_first_and_prospects_when_there_are_none(
    lead: bool, accounts: float, expected: int | None
) -> None:
    model = team({"name": "closer_first"})
    rep = hand_rep(
        model,
        role="sdr",
        policy=SDRPolicy(model.scenario.aes.policy),
        territory=Territory(accounts, 126.0),
    )
    if lead:
        add_lead(rep, 0.0)
    assert choice(model, rep) == expected


def test_each_task_is_set_afresh() -> None:
    """A rep's tasks share one object (a rep has one task at a time): a lead's session after
    stage work carries no deal of the last task."""
    model = team({"name": "closer_first"})
    rep = hand_rep(model)
    add_deal(model, rep)
    stage_work = rep.policy.choose(rep, model.env.now, HOURS_LEFT)
    assert stage_work is not None and stage_work.kind == TASK_STAGE_WORK
    assert stage_work.deal is not None and stage_work.lead is None
    add_lead(rep, 0.0)
    session = rep.policy.choose(rep, model.env.now, HOURS_LEFT)
    assert session is not None and session.kind == TASK_LEAD
    assert session.deal is None and session.batch is None
    assert session.lead is not None and session.outcome != ""
