"""Who calls a lead, and in what order: leads assigned to one AE each, or a shared team queue;
the call list in order of due time, or new leads first; deals reached late are rushed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from salessim.config import Qualification, Scenario
from salessim.entities import ACT_QUALIFYING, TASK_LEAD, Lead, Task
from salessim.leads import LeadQueue
from salessim.ledger import Ledger
from salessim.model import SalesModel, run
from salessim.scenario_files import load_scenario, scenario_with


def _queue(**changes: Any) -> LeadQueue:
    return LeadQueue(Qualification(**changes), Ledger(10))


def _lead(lead_id: int, arrival: float) -> Lead:
    return Lead(lead_id, 0, arrival, True, False)


@pytest.mark.parametrize(
    ("order", "arrival", "retry_first"),
    [
        ("due_time", 1.3, True),  # the retry fell due at 1.1, before the lead came in
        ("due_time", 1.05, False),  # the lead came in before the retry fell due
        ("new_first", 1.3, False),  # new leads always before retries
    ],
)
def test_call_order_of_a_due_retry_and_a_new_lead(
    order: str, arrival: float, retry_first: bool
) -> None:
    q = _queue(call_order=order)
    retry, new = _lead(1, 0.0), _lead(2, arrival)
    q.push_retry(retry, 1.1)
    q.add_incoming(new, arrival)
    first, second = (retry, new) if retry_first else (new, retry)
    assert q.pop(1.5) is first
    assert q.pop(1.5) is second
    assert q.pop(1.5) is None


def test_abandoned_retry_does_not_hide_a_waiting_lead() -> None:
    # A retry due long after its lead's expiry is given up; the new lead behind it is called.
    q = _queue(call_order="due_time", expiry_days=2.0)
    stale, new = _lead(1, 0.0), _lead(2, 3.5)
    q.push_retry(stale, 3.0)
    q.add_incoming(new, 3.5)
    assert q.pop(4.0) is new
    assert stale.fate == "unreached"


def test_take_all_moves_waiting_incoming_and_retries() -> None:
    a, b = _queue(), _queue()
    waiting, coming, retry = _lead(1, 0.5), _lead(2, 3.0), _lead(3, 0.2)
    a.add_incoming(waiting, 0.5)
    a.add_incoming(coming, 3.0)
    a.push_retry(retry, 2.5)
    b.take_all(a, 1.0)
    assert len(a) == 0 and not a.incoming
    assert b.pop(1.0) is waiting
    assert b.pop(2.6) is retry
    assert b.pop(3.1) is coming


def _assigned_team(**changes: Any) -> Scenario:
    base = load_scenario("baseline")
    return scenario_with(
        base,
        {"calendar.horizon_days": 120, "calendar.warmup_days": 0, "aes.count": 4, **changes},
    )


def test_assigned_leads_are_called_only_by_their_rep_and_spread_evenly() -> None:
    # Every lead goes into exactly one AE's queue, round robin: over 120 days the four queues
    # receive within one lead of each other, and nobody calls from the team queue.
    model = SalesModel(_assigned_team(**{"aes.attrition_per_year": 0.0}), seed=3)
    queues = [rep.lead_queue for rep in model.aes]
    assert all(q is not None and q.owner is rep for q, rep in zip(queues, model.aes, strict=True))
    model.run()
    counts = [q.received for q in queues if q is not None]
    assert model.lead_queue.received == 0
    assert len(counts) == 4 and sum(counts) > 500
    assert max(counts) - min(counts) <= 1
    assert len(model.lead_queue) == 0 and not model.lead_queue.incoming


def test_assigned_leads_wait_longer_than_shared_ones() -> None:
    # The same team and leads (5 replications, seed 8): a lead that only its own AE may call
    # waits for that AE, so mean response is longer than with the first free AE of the team.
    def response(routing: str) -> float:
        sc = _assigned_team(**{"qualification.ae_lead_routing": routing})
        return float(
            np.mean([run(sc, seed).metrics()["lead_response_hours"] for seed in range(8, 13)])
        )

    assert response("assigned") > 1.5 * response("shared")


def test_a_leavers_leads_are_reassigned_and_conserved() -> None:
    # Frequent departures (3 a year each): leads in a leaver's queue go to a colleague and are
    # all accounted for (ended, queued or in progress at the end).
    sc = _assigned_team(**{"aes.attrition_per_year": 3.0, "aes.backfill_days": 10})
    result = run(sc, 5)
    daily = result.daily
    assert daily["ae_headcount"].sum() < 4 * 120  # people did leave
    arrived = daily["leads_arrived"].sum() - daily["leads_filtered"].sum()
    ended = sum(
        daily["leads_" + fate].sum()
        for fate in ("converted", "cold", "no_opportunity", "disqualified", "unreached", "expired")
    )
    assert arrived == ended + result.leads_queued_end + result.leads_in_progress_end


def test_a_conversation_cut_short_by_a_leaver_goes_to_a_colleague() -> None:
    # The leaver's own queue is empty: the lead they were talking to must still reach a
    # colleague's queue, never the team queue nobody calls when leads are assigned.
    model = SalesModel(_assigned_team(**{"aes.attrition_per_year": 0.0}), seed=3)
    leaver = model.aes[0]
    own = leaver.lead_queue
    assert own is not None and len(own) == 0 and not own.retries
    lead = _lead(10_000, 0.0)
    leaver.carry = Task().assign(TASK_LEAD, ACT_QUALIFYING, 0.5, lead=lead)
    model.rep_left(leaver)
    holders = [rep for rep in model.aes if lead in rep.lead_queue.retry_leads()]
    assert len(holders) == 1 and holders[0] is not leaver
    assert not model.lead_queue.retries


def test_deals_reached_late_are_rushed() -> None:
    # Rushing only because a deal waited: no quarter-end window, an unreachable backlog mark.
    # With the rule on (1 day late) deals are rushed; with it off, none (seed 4, one year).
    base = _assigned_team(
        **{
            "calendar.horizon_days": 252,
            "aes.count": 2,
            "rushing.quarter_end_window_days": 0,
            "rushing.backlog_hours_threshold": 1000,
        }
    )
    on = run(scenario_with(base, {"rushing.late_days_threshold": 1.0}), 4)
    off = run(scenario_with(base, {"rushing.late_days_threshold": None}), 4)
    assert off.daily["deals_rushed"].sum() == 0
    assert on.daily["deals_rushed"].sum() > 5
    assert on.metrics()["avg_discount"] > 0.0 == off.metrics()["avg_discount"]
