"""Hand-operated models for unit tests of the model core.

A quiet model's own AE has nothing to do: no leads arrive, nobody prospects, nobody leaves. The
rep under test is built by hand and never started: the test plays its day, asking its policy
or its deal desk for work at the moments it chooses while ``env.run`` moves the clock on.
"""

from __future__ import annotations

from typing import Any

from salessim.config import Scenario
from salessim.leads import LeadQueue
from salessim.model import SalesModel
from salessim.policies import RepPolicy
from salessim.reps import Rep
from salessim.territory import Territory

HAND_SEAT = 1
"""The hand-built rep's seat (the quiet model's own AE has seat 0)."""


def quiet_scenario(**blocks: dict[str, Any]) -> Scenario:
    """One AE, one lead source with no volume, no prospecting, no departures, no management;
    each keyword replaces fields of that block (``rushing={"enabled": False}``)."""
    data: dict[str, Any] = {
        "name": "quiet",
        "calendar": {"horizon_days": 252, "warmup_days": 0},
        "lead_sources": [
            {
                "name": "web",
                "monthly_volume": 0,
                "fit_share": 1.0,
                "cost_per_lead": 0,
                "response_decay": [{"hours": 0, "multiplier": 1}],
            }
        ],
        "prospecting": {"dials_per_hour": 0},
        "aes": {"count": 1, "attrition_per_year": 0},
        "management": {"enabled": False},
    }
    for block, fields in blocks.items():
        data.setdefault(block, {}).update(fields)
    return Scenario.model_validate(data)


def hand_rep(
    model: SalesModel,
    *,
    role: str = "ae",
    policy: RepPolicy | None = None,
    territory: Territory | None = None,
) -> Rep:
    """A ramped rep of `model` with a lead queue of their own, whose day is never started."""
    rep = Rep(
        model,
        role,
        HAND_SEAT,
        policy if policy is not None else model.ae_policy,
        territory if territory is not None else Territory(100.0, 126.0),
        hired_at=0.0,
        ramp_days=0,
        ramp_start_share=1.0,
        non_selling_share=0.0,
        cost_per_year=0.0,
        lead_queue=None,
    )
    rep.lead_queue = LeadQueue(model.scenario.qualification, model.ledger, owner=rep)
    return rep


def run_until(model: SalesModel, at: float) -> None:
    """Move the model's clock on to `at` (nothing to do if it is there already)."""
    if at > model.env.now:
        model.env.run(until=at)
