"""Stylised facts 1 and 2 of ../shared/BENCHMARKS.md, reproduced by the calibrated baseline."""

from __future__ import annotations

import numpy as np
import pytest

from salessim.config import Scenario
from salessim.experiments import ReplicationSet, compare, replicate, replication_seed
from salessim.model import run
from salessim.scenario_files import load_scenario, scenario_with
from salessim.statistics import paired_difference, t_interval

# ---------------------------------------------------------------------------- fact 1
# Responding within minutes instead of an hour multiplies qualified leads several-fold; a
# day's delay loses most web leads. Published: qualification odds ×7 within the hour vs later
# and ×60 within the hour vs ≥24 h (HBR 2011), ×21 at 5 vs 30 minutes (Oldroyd 2007).
# Set-up: baseline with ample capacity (30 AEs answering leads first), only the web source
# (content volume 0), one reported year after a month of warm-up, 5 replications from seed 11
# with common random numbers across the three delays; converted web leads per fit web lead,
# pooled over replications. Tolerance: we ask for ×3 (0 h vs 1 h), far below the published ×7,
# and for a 24-hour delay to lose more than half (published: almost all).
FACT1_SEED = 11
FACT1_REPLICATIONS = 5
FACT1_DELAYS_HOURS = (0.0, 1.0, 24.0)


@pytest.fixture(scope="module")
def web_conversion(baseline: Scenario) -> dict[float, tuple[float, float]]:
    """Routing delay (hours) → (converted per fit web lead, mean response hours)."""
    ample = scenario_with(
        baseline,
        {
            "calendar.horizon_days": 252 + 21,
            "calendar.warmup_days": 21,
            "aes.count": 30,
            "aes.policy.name": "lead_first",
            "qualification.ae_lead_routing": "shared",  # the first free AE of 30 calls at once
            "lead_sources.content.monthly_volume": 0,
        },
    )
    out = {}
    for delay in FACT1_DELAYS_HOURS:
        scenario = scenario_with(ample, {"lead_sources.web_inbound.routing_delay_hours": delay})
        converted = fit = response = 0.0
        for i in range(FACT1_REPLICATIONS):
            m = run(scenario, replication_seed(FACT1_SEED, i)).metrics()
            converted += m["leads_converted"]
            fit += m["leads_fit"]
            response += m["lead_response_hours"] / FACT1_REPLICATIONS
        assert fit > 1000, "too few fit web leads for a stable ratio"
        out[delay] = (converted / fit, response)
    return out


@pytest.mark.slow
def test_fact1_minutes_instead_of_an_hour_multiply_qualified_leads(
    web_conversion: dict[float, tuple[float, float]],
) -> None:
    (fast, fast_response), (hour, hour_response) = web_conversion[0.0], web_conversion[1.0]
    assert fast_response < 1.0 <= hour_response, "the routing delay must set the response time"
    assert fast >= 3.0 * hour, (
        f"converted per fit web lead: {fast:.3f} at 0 h vs {hour:.3f} at 1 h "
        f"(×{fast / hour:.2f}, want ≥ ×3)"
    )


@pytest.mark.slow
def test_fact1_a_day_of_delay_loses_most_web_leads(
    web_conversion: dict[float, tuple[float, float]],
) -> None:
    fast, (day, day_response) = web_conversion[0.0][0], web_conversion[24.0]
    assert day_response >= 24.0
    assert day < 0.5 * fast, f"{day:.3f} at 24 h vs {fast:.3f} at 0 h"


# ---------------------------------------------------------------------------- fact 2
# Without SDRs, AEs spend roughly 20–25% of their time prospecting and 30–45% on deal work.
# Published: CSO Insights 2011, ~24% on lead generation and research, ~41% selling. We allow
# [0.18, 0.27] for prospecting (±2–3 points around 20–25%) and [0.30, 0.45] for deal work, on
# the replication means of the baseline as shipped (no SDRs; warm-up quarter + 3 years),
# 5 replications from seed 0.
@pytest.mark.slow
def test_fact2_aes_without_sdrs_split_time_like_published_surveys(baseline: Scenario) -> None:
    assert baseline.sdrs.count == 0
    rs = replicate(baseline, 5, seed=0, workers=1)
    prospecting = float(rs.values("hours_share_prospecting").mean())
    deal_work = float(rs.values("hours_share_deal_work").mean())
    assert 0.18 <= prospecting <= 0.27, f"prospecting share {prospecting:.3f}"
    assert 0.30 <= deal_work <= 0.45, f"deal-work share {deal_work:.3f}"


# ---------------------------------------------------------------------------- facts 3 to 6
FACTS_SEED = 31


@pytest.fixture(scope="module")
def baseline_runs(baseline: Scenario) -> ReplicationSet:
    # The baseline as shipped (warm-up quarter + 3 years), 6 replications from seed 31.
    return replicate(baseline, 6, seed=FACTS_SEED, workers=2)


@pytest.mark.slow
def test_fact3_fate_of_forecast_deals(baseline_runs: ReplicationSet) -> None:
    # Of opportunities that reach the forecast (proposal stage onwards), roughly half are won,
    # a third lost, the rest no decision. Published (CSO Insights 2016, 2018–19): ~47% won,
    # ~30% lost, ~21–24% no decision. Tolerance: ±8 points on each replication mean.
    iv = baseline_runs.intervals()
    assert 0.39 <= iv["forecast_deals_won_share"].mean <= 0.55
    assert 0.22 <= iv["forecast_deals_lost_share"].mean <= 0.38
    assert 0.13 <= iv["forecast_deals_no_decision_share"].mean <= 0.31


@pytest.mark.slow
def test_fact4_closes_bunch_at_quarter_end_with_lower_prices(
    baseline: Scenario, baseline_runs: ReplicationSet
) -> None:
    # Closes bunch into the last two weeks of the quarter (10 of 63 days, 15.9% if uniform),
    # at lower prices (InsideSales Labs, HBR 2017: deal size −12% in the last week). The
    # quarter-end rush is the mechanism: without it the share falls back towards uniform.
    share = baseline_runs.values("wins_share_last_two_weeks")
    late, rest = (
        baseline_runs.values("discount_last_two_weeks"),
        baseline_runs.values("discount_rest_of_quarter"),
    )
    assert t_interval(share).ci_low > 0.18
    assert paired_difference(rest, late).ci_low > 0  # discount deeper at quarter end
    no_rush = scenario_with(baseline, {"rushing.quarter_end_window_days": 0})
    flat = replicate(no_rush, 6, seed=FACTS_SEED, workers=2).values("wins_share_last_two_weeks")
    assert paired_difference(share, flat).ci_high < 0
    assert abs(float(np.mean(flat)) - 10 / 63) < 0.03


@pytest.mark.slow
def test_fact5_under_load_many_leads_are_never_followed_up(
    baseline: Scenario, baseline_runs: ReplicationSet
) -> None:
    # Under load a large share of marketing leads is never (fully) worked: never called, or
    # dropped before their retries (published: 50–80% never worked, CMO Council/Aberdeen,
    # secondary; ~50% get one call only, Velocify). Load: half the AEs and four times the
    # leads (eight times the leads per rep), 4 replications of one reported year, reps who put
    # their deals first (closer_first: what most firms' AEs do once swamped). We ask for more
    # than 40% (lower end of the 95% interval), against under 5% for the baseline.
    loaded = scenario_with(
        baseline,
        {
            "aes.count": 4,
            "lead_volume_multiplier": 4.0,
            "calendar.horizon_days": 315,
            "aes.policy.name": "closer_first",
        },
    )
    share = replicate(loaded, 4, seed=FACTS_SEED, workers=2).values("leads_not_followed_up_share")
    assert t_interval(share).ci_low > 0.4
    assert float(np.mean(baseline_runs.values("leads_not_followed_up_share"))) < 0.05


@pytest.mark.slow
def test_fact6_sdr_sourced_pipeline_is_steadier() -> None:
    # SDR-sourced pipeline is steadier quarter to quarter than rep-sourced pipeline: CV of
    # opportunities created per quarter (after the first), teleprospecting (SDR-sourced)
    # against reps_own_calling (rep-sourced), 8 paired replications from seed 31.
    own = load_scenario("reps_own_calling")
    tele = load_scenario("teleprospecting")
    c = compare([own, tele], 8, seed=FACTS_SEED, workers=2)
    d = c.differences()[0]["quarterly_opportunities_cv"]
    assert d.ci_high < 0, d
    sdr_share = c.sets[1].values("opportunities_sdr_prospecting") / c.sets[1].values(
        "opportunities"
    )
    assert float(np.min(sdr_share)) > 0.9  # the steady pipeline is indeed SDR-sourced
