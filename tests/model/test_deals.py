"""The deal desk on a tiny hand-built model: rushing a deal reached late, losing a deal that
waited too long, and the touches a deal needs while its buyer works."""

from __future__ import annotations

from typing import Any

import pytest
from handbuilt import hand_rep, quiet_scenario, run_until

from salessim.entities import (
    LOSS_NEGLECT,
    ORIGIN_MARKETING,
    PHASE_BUYER,
    PHASE_REP,
    TASK_STAGE_WORK,
    TASK_TOUCH,
    Deal,
)
from salessim.model import SalesModel
from salessim.reps import Rep

REP_HOURS = 4.0
BUYER_DAYS = 20.0
TOUCH_EVERY = 4.0
TOUCH_HOURS = 0.5


def stage(name: str, buyer_days: float = BUYER_DAYS) -> dict[str, Any]:
    """A stage of 4 rep hours and exactly `buyer_days` buyer days that every buyer completes."""
    return {
        "name": name,
        "rep_hours": REP_HOURS,
        "buyer_days": buyer_days,
        "buyer_days_cv": 0.0,
        "forecast_probability": 0.5,
        "dropout_probability": 0.0,
    }


ONE_STAGE = {"stages": [stage("only")], "touch_every_days": TOUCH_EVERY, "touch_hours": TOUCH_HOURS}

NEVER_LOST = {"grace_days": 3.0, "loss_hazard_per_day": 0.0}
NO_RUSH = {"enabled": False, "from_stage": 0}


def desk_with_rep(**blocks: dict[str, Any]) -> tuple[SalesModel, Rep]:
    """A quiet one-stage model (changed by `blocks`) and a hand-built rep of its."""
    blocks = {"deals": ONE_STAGE, "neglect": NEVER_LOST, "rushing": NO_RUSH, **blocks}
    model = SalesModel(quiet_scenario(**blocks), seed=11)
    return model, hand_rep(model)


def new_deal(model: SalesModel, rep: Rep, at: float = 0.0) -> Deal:
    """A deal of `rep`'s created at time `at` (the clock moves on to it first)."""
    run_until(model, at)
    return model.desk.create(ORIGIN_MARKETING, rep)


# ---------------------------------------------------------------------------- rushing
LATE_RULE = {
    "enabled": True,
    "from_stage": 0,
    "late_days_threshold": 2.0,
    "quarter_end_window_days": 5,
    "backlog_hours_threshold": 1000.0,
    "discount_share": 0.2,
    "rep_hours_saved_share": 0.25,
}


@pytest.mark.parametrize(
    ("created", "reached", "rushed"),
    [
        (0.0, 2.5, True),  # waited 2.5 days, beyond the 2-day rule
        (0.0, 1.5, False),  # waited 1.5 days: in time
        (59.0, 59.5, True),  # in time, but within the quarter's last 5 days (day 58 on)
        (56.0, 57.5, False),  # in time, and the quarter's last days have not begun
    ],
)
def test_a_deal_reached_late_or_at_quarter_end_is_rushed_at_the_configured_discount(
    created: float, reached: float, rushed: bool
) -> None:
    model, rep = desk_with_rep(rushing=LATE_RULE)
    deal = new_deal(model, rep, at=created)
    list_value = deal.list_value
    run_until(model, reached)
    task = rep.deal_task(reached)
    assert task is not None and task.kind == TASK_STAGE_WORK and task.deal is deal
    assert deal.rushed is rushed
    assert deal.discount == (0.2 if rushed else 0.0)
    assert deal.net_value == pytest.approx(list_value * (0.8 if rushed else 1.0))
    # A rushed deal's rep work shrinks by the share saved.
    assert task.hours == pytest.approx(REP_HOURS * (0.75 if rushed else 1.0))
    assert model.ledger.daily["deals_rushed"][int(reached)] == (1.0 if rushed else 0.0)


def test_rushing_waits_for_its_first_stage() -> None:
    two = {**ONE_STAGE, "stages": [stage("first"), stage("second")]}
    model, rep = desk_with_rep(deals=two, rushing={**LATE_RULE, "from_stage": 1})
    deal = new_deal(model, rep)
    run_until(model, 5.0)
    assert rep.deal_task(5.0) is not None
    assert not deal.rushed and deal.discount == 0.0


# ---------------------------------------------------------------------------- neglect
NEGLECT = {"grace_days": 3.0, "loss_hazard_per_day": 1.0, "slip_days_per_day": 0.0}


def test_no_deal_is_lost_within_its_grace_days() -> None:
    model, rep = desk_with_rep(neglect=NEGLECT)
    deals = [new_deal(model, rep) for _ in range(200)]
    assert all(d.loss_at > NEGLECT["grace_days"] for d in deals)
    # With a hazard of 1 a day, half are lost within ln 2 days of the grace running out
    # (200 deals, seed 11: the median's standard error is 0.07 days; tolerance 0.25).
    beyond = sorted(d.loss_at - NEGLECT["grace_days"] for d in deals)
    assert (beyond[99] + beyond[100]) / 2 == pytest.approx(0.693, abs=0.25)


def test_without_a_hazard_a_waiting_deal_is_never_lost() -> None:
    model, rep = desk_with_rep()
    deal = new_deal(model, rep)
    assert deal.loss_at == float("inf")
    run_until(model, 100.0)
    assert rep.deal_task(100.0) is not None and deal.outcome == ""


@pytest.mark.parametrize("lost", [False, True])
def test_a_neglected_deal_is_lost_once_it_has_waited_past_its_loss_time(lost: bool) -> None:
    model, rep = desk_with_rep(neglect=NEGLECT)
    deal = new_deal(model, rep)
    loss_at = deal.loss_at
    reached = loss_at + (0.01 if lost else -0.01)
    run_until(model, reached)
    task = rep.deal_task(reached)
    if not lost:
        assert task is not None and task.deal is deal
        assert deal.loss_at == float("inf")  # work began: the wait is over
        assert deal.id in model.desk.open and rep.open_deals == 1
        return
    assert task is None
    assert (deal.outcome, deal.reason) == ("lost", LOSS_NEGLECT)
    assert deal.closed_at == loss_at  # booked when it was lost, not when the rep looked
    assert model.ledger.daily["losses_neglect"][int(loss_at)] == 1.0
    assert model.desk.open == {} and rep.open_deals == 0


def test_a_late_deal_slips_by_its_wait_beyond_grace() -> None:
    # Reached 5 days after creation with 3 days of grace and 0.5 slip a day: its buyer takes
    # the stage's 20 days plus 1 day of slip.
    model, rep = desk_with_rep(neglect={**NEVER_LOST, "slip_days_per_day": 0.5})
    deal = new_deal(model, rep)
    run_until(model, 5.0)
    assert rep.deal_task(5.0) is not None
    model.desk.finish_stage_work(deal)
    run_until(model, 5.0 + BUYER_DAYS + 2.0)
    assert deal.outcome == "won"
    assert deal.closed_at == pytest.approx(5.0 + BUYER_DAYS + 1.0)


# ---------------------------------------------------------------------------- touches
def start_buyer_phase(model: SalesModel, rep: Rep, deal: Deal, at: float) -> None:
    """The rep works the deal's stage at time `at` and hands it to the buyer at once."""
    run_until(model, at)
    task = rep.deal_task(at)
    assert task is not None and task.deal is deal
    model.desk.finish_stage_work(deal)
    assert deal.phase == PHASE_BUYER


def touch(model: SalesModel, rep: Rep, deal: Deal) -> None:
    """The rep has touched the deal's buyer: the desk notes it, the rep schedules the next."""
    model.desk.finish_touch(deal)
    rep.schedule_touch(deal)


def test_touches_fall_due_a_cadence_after_the_buyer_starts_and_after_each_touch() -> None:
    model, rep = desk_with_rep()
    deal = new_deal(model, rep)
    start_buyer_phase(model, rep, deal, at=1.25)
    due = 1.25 + TOUCH_EVERY
    for _ in range(3):
        run_until(model, due - 0.01)
        assert rep.deal_task(model.env.now) is None, "no touch before it falls due"
        run_until(model, due + 0.5)
        task = rep.deal_task(model.env.now)
        assert task is not None and task.kind == TASK_TOUCH
        assert task.batch == [deal] and task.hours == TOUCH_HOURS
        touch(model, rep, deal)
        due = model.env.now + TOUCH_EVERY
        assert deal.touch_due == due


def test_a_buyer_quicker_than_the_cadence_needs_no_touch() -> None:
    model, rep = desk_with_rep(deals={**ONE_STAGE, "touch_every_days": BUYER_DAYS + 1.0})
    deal = new_deal(model, rep)
    start_buyer_phase(model, rep, deal, at=0.5)
    assert deal.touch_due == float("inf")
    run_until(model, BUYER_DAYS)
    assert rep.deal_task(BUYER_DAYS) is None


@pytest.mark.parametrize("touched", [True, False])
def test_a_buyer_kept_warm_buys_and_a_buyer_left_silent_goes_elsewhere(touched: bool) -> None:
    # No grace and a hazard of 1 a day: left 16 days beyond the cadence without a touch, the
    # buyer is almost surely gone when their 20 days are up; touched on time, never.
    model, rep = desk_with_rep(neglect={"grace_days": 0.0, "loss_hazard_per_day": 1.0})
    deal = new_deal(model, rep)
    start_buyer_phase(model, rep, deal, at=0.0)
    while touched and deal.touch_due < BUYER_DAYS:
        run_until(model, deal.touch_due)
        task = rep.deal_task(model.env.now)
        assert task is not None and task.batch == [deal]
        touch(model, rep, deal)
    run_until(model, BUYER_DAYS + 1.0)
    assert deal.outcome == ("won" if touched else "lost")
    assert deal.closed_at == BUYER_DAYS
    if not touched:
        assert deal.reason == LOSS_NEGLECT


def test_a_touch_for_a_deal_that_moved_on_is_dropped() -> None:
    # Two stages: once the buyer finishes the first, the touch scheduled for it is stale.
    two = {**ONE_STAGE, "stages": [stage("first", buyer_days=6.0), stage("second")]}
    model, rep = desk_with_rep(deals=two)
    deal = new_deal(model, rep)
    start_buyer_phase(model, rep, deal, at=0.0)
    assert deal.touch_due == TOUCH_EVERY
    run_until(model, 7.0)  # the buyer finished the first stage at day 6, untouched
    assert (deal.stage, deal.phase) == (1, PHASE_REP)
    task = rep.deal_task(7.0)
    assert task is not None and task.kind == TASK_STAGE_WORK  # the second stage's work
    assert rep.deal_task(7.0) is None  # and no touch for the first stage's buyer
