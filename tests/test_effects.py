"""The two headline effects, shown with paired replications (common random numbers).

Each test states its scenarios, replications, master seed and what the 95% interval of the
paired difference must exclude. No test runs at a seed used to choose the bundled scenarios'
settings (99 and 2026): effect 1 runs at 1009 and 3313 (the spare-capacity reversal too),
effect 2 at 4242 and 5150, the quarter-end close-out at 5150 and 6262. The effects come
from the model's mechanisms only: the same code, with other numbers in the scenario, must show
the opposite direction where the mechanism is absent (twice the AEs, qualifying that costs no
time).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from salessim.config import DAYS_PER_QUARTER, DAYS_PER_WEEK, Scenario
from salessim.experiments import Comparison, compare, replication_seed
from salessim.model import run
from salessim.scenario_files import load_scenario, scenario_with

pytestmark = pytest.mark.slow

SEED = 1009  # effect 1's seed: not one used to choose the scenarios' settings (99 and 2026)
EFFECT1_SEEDS = (SEED, 3313)  # the headline comparison runs at both
PLAN = {"lead_volume_multiplier": 1.3}  # what more_leads_30 changes (checked below)


def _diff(c: Comparison, metric: str, k: int = 0) -> Any:
    return c.differences()[k][metric]


@pytest.fixture(scope="module", params=EFFECT1_SEEDS, ids=lambda seed: f"seed{seed}")
def plan_vs_baseline(request: pytest.FixtureRequest) -> Comparison:
    # 30 paired replications of three reported years each, at each of the two seeds.
    return compare(
        [load_scenario("baseline"), load_scenario("more_leads_30")],
        30,
        seed=request.param,
        workers=2,
    )


def test_the_plan_is_the_baseline_with_more_leads() -> None:
    # The control experiments below apply PLAN to other teams: it must be the whole plan.
    plan = scenario_with(load_scenario("baseline"), PLAN)
    bundled = load_scenario("more_leads_30")
    assert bundled.model_dump(exclude={"name", "description"}) == plan.model_dump(
        exclude={"name", "description"}
    )


def test_more_leads_lowers_bookings_and_profit(plan_vs_baseline: Comparison) -> None:
    bookings, profit = _diff(plan_vs_baseline, "bookings"), _diff(plan_vs_baseline, "profit")
    assert bookings.ci_high < 0, bookings
    assert profit.ci_high < 0, profit


def test_more_leads_mechanism_shows_in_the_outputs(plan_vs_baseline: Comparison) -> None:
    d = plan_vs_baseline.differences()[0]
    assert d["leads"].ci_low > 0  # the plan delivers its leads
    assert d["hours_share_qualifying"].ci_low > 0  # reps qualify more suspects...
    assert d["hours_share_prospecting"].ci_high < 0  # ...instead of calling their accounts
    assert d["hours_share_deal_work"].ci_high < 0  # and deal work gives way too
    assert d["lead_response_hours"].ci_low > 0  # new leads wait behind suspects' calls...
    assert d["leads_cold"].ci_low > 0  # ...and more fit leads are reached too late
    assert d["deals_lost_neglect"].ci_low > 0  # ready deals wait: more lost to neglect
    # Deals reached late are rushed at a discount: significant at seed 2026 (3.3% → 3.5%), not
    # at seed 1009 (+0.07 points, −0.02 to +0.17), so only its direction is asserted.
    assert d["avg_discount"].mean > 0
    assert d["opportunities"].ci_high < 0  # fewer opportunities in all
    assert d["wins"].ci_high < 0
    assert d["marketing_cost"].ci_low > 0


# Power of the spare-capacity reversal. Pilots of 20 paired replications at seeds 2026 and 7311
# (neither a test seed below) gave the paired difference in bookings σ = $309k and $318k
# around δ = +$385k and +$327k; pooled, σ ≈ $313k, δ ≈ $356k. A two-sided 5% test with 80%
# power needs n = ((z_0.975 + z_0.8)·σ/δ)² = (2.80 × 313/356)² = 6.1 replications (8 with the
# t interval's own quantiles), and 8 missed at seed 3313 (+$198k, −$191k to +$586k): the
# difference varies more at some seeds. For an interval that clears zero at nearly any seed
# the test is powered at 95%: ((z_0.975 + z_0.95)·σ/δ)² = (3.60 × 313/356)² = 10.0, 13 with
# t quantiles (t_0.975,12 + t_0.95,12 = 3.96).
REVERSAL_REPLICATIONS = 13
REVERSAL_SEEDS = (1009, 3313)  # neither chose a default (those were 99 and 2026)


@pytest.mark.parametrize("seed", REVERSAL_SEEDS)
def test_same_plan_raises_bookings_with_twice_the_aes(seed: int) -> None:
    """Twice the AEs on the same market: each territory is half the size, so spare hours are
    genuinely spare and the extra leads fill them. 13 paired replications (the power
    calculation above) at seeds 1009 and 3313; the interval must clear zero at both."""
    base = scenario_with(
        load_scenario("baseline"),
        {"aes.count": 16, "prospecting.territory_accounts_per_ae": 225},
    )
    c = compare([base, scenario_with(base, PLAN)], REVERSAL_REPLICATIONS, seed=seed, workers=2)
    bookings = _diff(c, "bookings")
    assert bookings.ci_low > 0, bookings
    assert c.sets[0].intervals()["hours_share_idle"].mean > 0.05  # the capacity was spare


def test_loss_vanishes_when_qualifying_costs_no_time() -> None:
    # Calls and conversations take no time: nothing is displaced. 12 paired replications.
    base = scenario_with(
        load_scenario("baseline"),
        {"qualification.attempt_minutes": 0, "qualification.conversation_hours": 0},
    )
    c = compare([base, scenario_with(base, PLAN)], 12, seed=SEED, workers=2)
    bookings = _diff(c, "bookings")
    assert bookings.ci_high > 0, bookings  # no longer significantly negative


def test_lead_volume_sweep_is_an_inverted_u_peaking_near_today() -> None:
    # Marketing lead volume 0.5×, 1× and 2× (1× first, so differences are against today's
    # volume); 10 paired replications each.
    base = load_scenario("baseline")
    points = [scenario_with(base, {"lead_volume_multiplier": v}) for v in (1.0, 0.5, 2.0)]
    c = compare(points, 10, seed=SEED, workers=2)
    half, double = _diff(c, "bookings", 0), _diff(c, "bookings", 1)
    assert half.ci_high < 0, half
    assert double.ci_high < 0, double


# ---------------------------------------------------------------------------- effect 2
EFFECT2_SEEDS = (4242, 5150)  # not seeds used to choose the scenarios' settings (99 and 2026)
DESIGNS = ("reps_own_calling", "teleprospecting", "time_blocked_prospecting")


@pytest.fixture(scope="module", params=EFFECT2_SEEDS, ids=lambda seed: f"seed{seed}")
def calling(request: pytest.FixtureRequest) -> Comparison:
    # The three bundled designs, which differ only in who prospects and how (checked in
    # tests/test_like_for_like.py), and own calling without management's reaction; 22 paired
    # replications of 13 quarters from day 0.
    scenarios = [load_scenario(n) for n in DESIGNS]
    unmanaged = scenario_with(scenarios[0], {"management.enabled": False})
    scenarios.append(unmanaged.model_copy(update={"name": "own_calling_unmanaged"}))
    return compare(scenarios, 22, seed=request.param, workers=2)


def test_own_calling_bookings_swing_more(calling: Comparison) -> None:
    # Quarterly-bookings CV, 95% paired intervals: SDRs and a daily calling block both below
    # own calling (by about 0.16 and 0.08 at seed 2026, intervals ±0.03 and ±0.025).
    for k in (0, 1):  # teleprospecting, then time-blocked, against own calling
        cv = _diff(calling, "quarterly_bookings_cv", k)
        assert cv.ci_high < 0, (calling.names[k + 1], cv)


def test_management_reaction_amplifies_the_own_calling_cycle(calling: Comparison) -> None:
    # The same own-calling team without management's push and focus calls books more (about
    # +$1.5M at seed 2026, ±$0.2M) and swings less: CV −0.070 (−0.092 to −0.048) at seed 2026,
    # −0.035 (−0.072 to +0.003) at seed 4242, so only the direction of the swing is asserted.
    cv, bookings = _diff(calling, "quarterly_bookings_cv", 2), _diff(calling, "bookings", 2)
    assert bookings.ci_low > 0, bookings
    assert cv.mean < 0, cv


def test_own_calling_forecast_misses_more_than_sdrs(calling: Comparison) -> None:
    # MAPE of the week-2 forecast, SDRs − own calling: about −6.2 points at seed 2026 (±1.3).
    # A calling block's forecast is not significantly better than own calling's, so it is not
    # asserted.
    d = _diff(calling, "forecast_mape", 0)
    assert d.ci_high < 0, d


def _booms(quarterly: list[float]) -> int:
    """Boom-and-bust episodes: a quarter at least 1.4× the lowest quarter that follows it
    before the next rise (a peak, a collapse, and a recovery)."""
    q = quarterly[1:]  # the first quarter of a new team is its ramp, not a cycle
    count, i = 0, 1
    while i < len(q) - 1:
        if q[i] >= q[i - 1] and q[i] > q[i + 1]:
            j = i + 1
            while j + 1 < len(q) and q[j + 1] <= q[j]:
                j += 1
            if j + 1 < len(q) and q[i] >= 1.4 * max(q[j], 1e-9):
                count += 1
            i = j
        i += 1
    return count


def test_own_calling_booms_and_busts_more_than_sdrs(calling: Comparison) -> None:
    def episodes(k: int) -> np.ndarray:
        runs = calling.sets[k].runs
        return np.array([_booms([row["bookings"] for row in r["quarterly"]]) for r in runs])

    own, sdrs = episodes(0), episodes(1)
    # Asserted: own calling booms and busts at least once a run on average, and more of its
    # runs do so twice or more than with SDRs (65% against 5% at seed 2026; a calling block,
    # 50%, is not compared).
    assert own.mean() >= 1.0, own
    assert (own >= 2).mean() > (sdrs >= 2).mean(), (own, sdrs)


def test_individual_rep_pipelines_cycle(calling: Comparison) -> None:
    iv = calling.sets[0].intervals()
    period_weeks = iv["rep_pipeline_cycle_weeks"].mean
    cycle_weeks = iv["won_deal_days"].mean / DAYS_PER_WEEK
    assert math.isfinite(period_weeks)
    assert iv["rep_pipeline_cycle_acf"].mean > 0.15  # a real, repeated swing (0.29 at 2026)
    # Stronger than with a daily calling block (−0.11 at seed 2026, ±0.04). Against the SDR
    # team's AEs the difference is not clear (−0.05, −0.10 to 0.00 at seed 2026): each AE's
    # pipeline there swings with the deals handed to it, so it is not asserted.
    strength = _diff(calling, "rep_pipeline_cycle_acf", 1)
    assert strength.ci_high < 0, strength
    # The swing spans a fill and a drain of the pipeline: one to four sales cycles.
    assert cycle_weeks < period_weeks < 4 * cycle_weeks, (period_weeks, cycle_weeks)


def test_scenarios_load() -> None:
    assert isinstance(load_scenario("more_leads_30"), Scenario)


# ---------------------------------------------------------------------------- quarter-end close-out
CLOSE_OUT_SEEDS = (5150, 6262)  # neither chose a default (those were 99 and 2026)


@pytest.mark.parametrize("seed", CLOSE_OUT_SEEDS)
def test_reps_paid_on_quarter_end_closes_stop_calling_together(seed: int) -> None:
    """With `quarter_end_close_days`, own-calling reps with deals open stop their own calling in
    the quarter's last 10 days, all at once, while a protected calling block keeps going.

    Management off (so no closing call does it for them); the bundled own-calling and
    calling-block teams, one replication at each of seeds 5150 and 6262 (the same seed for
    every team; the rule is nearly deterministic once reps own deals). Without the close-out
    the last 10 of 63 days carry 15% of the own callers' calling hours (0.147–0.156 in a pilot
    at seed 7311); with it, under 2%.
    """
    quiet = {"management.enabled": False}
    own = scenario_with(load_scenario("reps_own_calling"), quiet)
    closing = scenario_with(own, {"aes.policy.quarter_end_close_days": 10})
    block = scenario_with(
        load_scenario("time_blocked_prospecting"),
        {**quiet, "aes.policy.quarter_end_close_days": 10},
    )
    days = np.arange(own.calendar.horizon_days)
    last = days % DAYS_PER_QUARTER >= DAYS_PER_QUARTER - 10
    rep_days = own.aes.count * last.sum()
    s = replication_seed(seed, 0)
    free = run(own, s).daily["ae_hours_prospecting"]
    closed = run(closing, s).daily["ae_hours_prospecting"]
    blocked = run(block, s).daily["ae_hours_prospecting"]
    assert free[last].sum() / free.sum() > 0.10  # they call at quarter end...
    assert closed[last].sum() / closed.sum() < 0.02  # ...unless paid to close
    assert blocked[last].sum() / rep_days > 1.4  # the 1.5-hour block goes on
