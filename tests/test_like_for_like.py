"""The boom-and-bust comparison is like for like, and reps' days are plausible.

The three bundled team designs (own calling, a daily calling block, SDRs) may differ only in
who prospects and how; a rep above the pipeline mark still calls a little; hours no task can
use are named, and no bundled AE team sits idle.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from salessim.config import Scenario
from salessim.model import SalesModel, run
from salessim.scenario_files import BUNDLED_DIR, load_scenario, scenario_with

DESIGNS = ("reps_own_calling", "time_blocked_prospecting", "teleprospecting")

# The stated factors: who prospects (AEs or SDRs, how many of each, whose account lists) and
# how (the AEs' task policy). Everything else must be identical.
FACTORS = {
    "name": None,
    "description": None,
    "aes": {"count": None, "policy": None},
    "sdrs": None,
    "prospecting": {"territory_accounts_per_ae": None, "territory_accounts_per_sdr": None},
}


def _without_factors(dump: dict[str, Any], factors: dict[str, Any]) -> dict[str, Any]:
    out = dict(dump)
    for key, sub in factors.items():
        if sub is None:
            out.pop(key)
        else:
            out[key] = _without_factors(out[key], sub)
    return out


def _team_cost(s: Scenario) -> float:
    return s.aes.count * s.economics.ae_cost_per_year + s.sdrs.count * s.economics.sdr_cost_per_year


def _accounts(s: Scenario) -> int:
    p = s.prospecting
    if s.sdrs.count:
        return s.sdrs.count * p.territory_accounts_per_sdr
    return s.aes.count * p.territory_accounts_per_ae


def test_the_three_designs_differ_only_in_who_prospects_and_how() -> None:
    own, *others = (load_scenario(n) for n in DESIGNS)
    reference = _without_factors(own.model_dump(), FACTORS)
    for other in others:
        rest = _without_factors(other.model_dump(), FACTORS)
        differing = sorted(k for k in reference if reference[k] != rest[k])
        assert differing == [], (other.name, differing)
        # The stated factors themselves keep the budget and the market the same.
        assert _team_cost(other) == pytest.approx(_team_cost(own), rel=0.02), other.name
        assert _accounts(other) == _accounts(own), other.name
        assert other.management == own.management  # management reacts the same way in all


def _one_closer(share: float, spare: str = "idle") -> Scenario:
    """One ramped AE, no leads, no management; marks 0/1 so the pipeline never asks for calls."""
    return Scenario.model_validate(
        {
            "name": "one_closer",
            "calendar": {"horizon_days": 20, "warmup_days": 0},
            "lead_sources": [],
            "prospecting": {"territory_accounts_per_ae": 5000, "meeting_lag_days": 60},
            "aes": {
                "count": 1,
                "non_selling_share": 0.25,
                "attrition_per_year": 0,
                "policy": {
                    "name": "closer_first",
                    "pipeline_low_deals": 0,
                    "pipeline_high_deals": 1,
                    "prospecting_share_above_mark": share,
                    "spare_hours": spare,
                },
            },
        }
    )


def test_a_closer_above_the_mark_calls_the_share_of_the_day_it_is_set_to() -> None:
    # 8-hour days, 25% non-selling: 6 selling hours. Meetings come 30+ days on, after the
    # horizon, so the rep has nothing else to do: it calls the floor each day, waits the rest.
    selling = 8 * 0.75
    none = run(_one_closer(0.0), 0).daily
    assert none["ae_hours_prospecting"].sum() == 0.0  # the rule alone: no calls above the mark
    some = run(_one_closer(0.1), 0).daily
    np.testing.assert_allclose(some["ae_hours_prospecting"], 0.1 * selling)
    np.testing.assert_allclose(some["ae_hours_idle"], 0.9 * selling)


def test_spare_hours_are_booked_as_research_when_the_scenario_says_so() -> None:
    idle = run(_one_closer(0.1), 0).daily
    research = run(_one_closer(0.1, "research"), 0).daily
    assert research["ae_hours_idle"].sum() == 0.0
    np.testing.assert_allclose(
        research["ae_hours_non_selling"], idle["ae_hours_non_selling"] + idle["ae_hours_idle"]
    )
    np.testing.assert_allclose(research["ae_hours_prospecting"], idle["ae_hours_prospecting"])


@pytest.mark.parametrize("path", sorted(BUNDLED_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_bundled_aes_are_idle_under_a_tenth_of_their_hours(path: Any) -> None:
    # One year (four quarters, three after a warm-up when the scenario has one), seed 5.
    scenario = load_scenario(path.stem)
    short = scenario_with(scenario, {"calendar.horizon_days": 252})
    daily = run(short, 5).daily
    warm = short.calendar.warmup_days
    idle = daily["ae_hours_idle"][warm:].sum() / daily["ae_hours_available"][warm:].sum()
    assert idle < 0.10, (path.stem, idle)


def _closer_with_deals(policy: dict[str, Any]) -> Scenario:
    """One ramped AE calling in every spare hour (marks far above any pipeline), whose calls
    make deals from the first week on; one quarter, no leads, no management."""
    return Scenario.model_validate(
        {
            "name": "one_closer_calling",
            "calendar": {"horizon_days": 63, "warmup_days": 0},
            "lead_sources": [],
            "prospecting": {"territory_accounts_per_ae": 5000, "meeting_lag_days": 2},
            "aes": {
                "count": 1,
                "attrition_per_year": 0,
                "policy": {"pipeline_low_deals": 400, "pipeline_high_deals": 500, **policy},
            },
        }
    )


def test_a_rep_with_open_deals_stops_calling_at_quarter_end_but_a_calling_block_goes_on() -> None:
    # The quarter's last 10 working days are days 53-62. Seed 3, one replication: the rule is
    # deterministic once the rep owns a deal (from the first meetings, a few days in).
    last = slice(53, 63)
    free = run(_closer_with_deals({}), 3)
    closing = run(_closer_with_deals({"quarter_end_close_days": 10}), 3)
    assert free.daily["ae_hours_prospecting"][last].sum() > 10.0  # calls in spare hours
    assert closing.daily["ae_hours_prospecting"][last].sum() == 0.0  # none in the close-out
    # Before the close-out the two runs are the same day for day (same seed, same rule).
    np.testing.assert_array_equal(
        closing.daily["ae_hours_prospecting"][:53], free.daily["ae_hours_prospecting"][:53]
    )
    blocked = run(
        _closer_with_deals(
            {"name": "time_blocked", "daily_prospecting_hours": 1.5, "quarter_end_close_days": 10}
        ),
        3,
    )
    # A protected block keeps its 1.5 hours a day; only the calling beyond it stops.
    np.testing.assert_allclose(blocked.daily["ae_hours_prospecting"][last], 1.5)


@pytest.mark.parametrize("count", [6, 8, 16])
def test_a_fixed_market_is_shared_among_however_many_aes(count: int) -> None:
    # With ae_market_accounts the AEs split one market (a sweep over aes.count holds it fixed);
    # without it every AE brings a list of its own and the market grows with the team.
    base = scenario_with(load_scenario("baseline"), {"aes.count": count})
    own_lists = SalesModel(base, 0)
    assert [t.fresh for t in own_lists.ae_territories.values()] == [450] * count
    shared = SalesModel(scenario_with(base, {"prospecting.ae_market_accounts": 3600}), 0)
    assert [t.fresh for t in shared.ae_territories.values()] == [3600 // count] * count
