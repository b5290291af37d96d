"""Validation against queueing theory: Erlang C for the lead queue, Little's law for both queues.

The degenerate scenario of :func:`salessim.queueing.mmc_lead_scenario` turns lead work into an
M/M/c queue (always-available AEs, Poisson arrivals, one connected call per lead, exponential
conversations). The clock runs in working days; a rep works ``hours_per_day`` hours per day, so
a conversation of mean s hours is a service rate of ``hours_per_day / s`` per day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from scipy import stats

from salessim.config import DAYS_PER_WEEK, DAYS_PER_YEAR, Scenario
from salessim.experiments import replication_seed
from salessim.model import run
from salessim.queueing import MAX_EXPIRY_DAYS, erlang_c, mmc_lead_scenario
from salessim.results import RunResult

HOURS_PER_DAY = 8.0
SERVERS = 3  # c AEs
CONVERSATION_HOURS = 1.0  # mean service time, hours
ARRIVALS_PER_DAY = 18.0  # λ; μ = 8/day per AE, so ρ = λ / (c μ) = 0.75
MMC_SEED = 2024
MMC_REPLICATIONS = 20
MMC_YEARS = 2
MMC_WARMUP_DAYS = 21


def t_interval(values: list[float] | np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% Student-t interval of independent replication means."""
    x = np.asarray(values, dtype=float)
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    return float(x.mean()), float(x.mean() - half), float(x.mean() + half)


def mmc_scenario() -> Scenario:
    return mmc_lead_scenario(
        SERVERS,
        ARRIVALS_PER_DAY / HOURS_PER_DAY,
        CONVERSATION_HOURS,
        days=MMC_YEARS * DAYS_PER_YEAR,
        warmup_days=MMC_WARMUP_DAYS,
        hours_per_day=HOURS_PER_DAY,
    )


@dataclass
class MMCRun:
    wait_hours: float  # mean wait to first call (W_q), working hours
    arrivals_per_day: float  # observed λ over the reported window
    queue_mean: float  # mean of weekly lead-queue snapshots after warm-up (L_q)
    busy_share: float  # share of AE hours spent qualifying (utilisation)


@pytest.fixture(scope="module")
def mmc_runs() -> list[MMCRun]:
    """MMC_REPLICATIONS independent replications of MMC_YEARS years (seed MMC_SEED)."""
    scenario = mmc_scenario()
    out = []
    for i in range(MMC_REPLICATIONS):
        result = run(scenario, replication_seed(MMC_SEED, i))
        m = result.metrics()
        days = result.horizon_days - result.warmup_days
        first_week = math.ceil(result.warmup_days / DAYS_PER_WEEK)
        out.append(
            MMCRun(
                wait_hours=m["lead_response_hours"],
                arrivals_per_day=m["leads"] / days,
                queue_mean=float(result.weekly_snapshots["lead_queue"][first_week:].mean()),
                busy_share=m["hours_share_qualifying"],
            )
        )
    return out


MU = HOURS_PER_DAY / CONVERSATION_HOURS  # service rate per AE, per day
RHO = ARRIVALS_PER_DAY / (SERVERS * MU)
P_WAIT, WQ_DAYS = erlang_c(SERVERS, ARRIVALS_PER_DAY, MU)
WQ_HOURS = WQ_DAYS * HOURS_PER_DAY


def test_degenerate_scenario_is_the_intended_queue() -> None:
    assert 0.7 <= RHO <= 0.8
    # Erlang C by hand for c=3, a=2.25: P_wait = 7.59375 / 13.375, W_q = P_wait / 6 days.
    assert math.isclose(P_WAIT, 7.59375 / 13.375, rel_tol=1e-12)
    assert math.isclose(WQ_HOURS, 0.7570, abs_tol=1e-4)


def test_degenerate_scenario_fits_any_length() -> None:
    # The benchmark's M/M/10 run (λ = 8/h, μ = 1/h, 100k customers: 1,563 days + 21 of
    # warm-up) is longer than the longest expiry a scenario accepts: leads expire at that
    # bound, and the rates and servers are the ones asked for.
    sc = mmc_lead_scenario(10, 8.0, 1.0, days=1563, warmup_days=21)
    assert sc.calendar.horizon_days == 1584
    assert sc.qualification.expiry_days == MAX_EXPIRY_DAYS == 504.0
    assert sc.aes.count == 10
    assert sc.lead_sources[0].monthly_volume == 8.0 * 8.0 * 21
    short = mmc_lead_scenario(SERVERS, 2.25, 1.0, days=100, warmup_days=21)
    assert short.qualification.expiry_days == 121.0


def test_erlang_c_refuses_an_unstable_queue() -> None:
    with pytest.raises(ValueError, match="not stable"):
        erlang_c(3, 24.0, 8.0)


@pytest.mark.slow
def test_mmc_utilisation_matches_offered_load(mmc_runs: list[MMCRun]) -> None:
    lam = t_interval([r.arrivals_per_day for r in mmc_runs])
    assert lam[1] <= ARRIVALS_PER_DAY <= lam[2]
    busy = t_interval([r.busy_share for r in mmc_runs])
    assert busy[1] <= RHO <= busy[2]


@pytest.mark.slow
def test_mmc_mean_wait_matches_erlang_c(mmc_runs: list[MMCRun]) -> None:
    # 20 replications × 2 years (seed 2024): the 95% t-interval of the replication means of
    # the mean wait to first call must contain Erlang C's W_q (0.757 h).
    mean, low, high = t_interval([r.wait_hours for r in mmc_runs])
    assert low <= WQ_HOURS <= high, (
        f"Erlang C W_q {WQ_HOURS:.3f} h outside simulated {mean:.3f} h [{low:.3f}, {high:.3f}]"
    )


@pytest.mark.slow
def test_mmc_interval_rejects_wrong_queue_models(mmc_runs: list[MMCRun]) -> None:
    # The same interval must exclude what a wrongly wired model would give, so the test above
    # has power: one fast server of rate cμ (M/M/1: W_q = ρ / (cμ − λ)), no queue at all, and
    # deterministic conversations (M/D/c ≈ half the M/M/c wait, Allen–Cunneen with CV 0).
    _, low, high = t_interval([r.wait_hours for r in mmc_runs])
    mm1_hours = RHO / (SERVERS * MU - ARRIVALS_PER_DAY) * HOURS_PER_DAY
    mdc_hours = WQ_HOURS * (1.0 + 0.0**2) / 2.0
    for wrong in (mm1_hours, 0.0, mdc_hours):
        assert not low <= wrong <= high, f"{wrong:.3f} h is inside [{low:.3f}, {high:.3f}]"


@pytest.mark.slow
def test_little_law_on_the_lead_queue(mmc_runs: list[MMCRun]) -> None:
    # L_q (mean of weekly snapshots of the queue) = λ × W_q, replication by replication;
    # the paired differences' 95% interval must contain 0, and the pooled means agree within
    # 10%. Erlang C's L_q = P_wait ρ / (1 − ρ) must lie in the interval of the snapshot means.
    little = [r.arrivals_per_day * r.wait_hours / HOURS_PER_DAY for r in mmc_runs]
    queue = [r.queue_mean for r in mmc_runs]
    _, low, high = t_interval(np.subtract(queue, little))
    assert low <= 0.0 <= high
    assert np.mean(queue) == pytest.approx(np.mean(little), rel=0.10)
    lq = P_WAIT * RHO / (1.0 - RHO)
    _, q_low, q_high = t_interval(queue)
    assert q_low <= lq <= q_high


@pytest.mark.slow
def test_little_law_on_the_deal_pipeline(baseline: Scenario) -> None:
    # Baseline as shipped (warm-up quarter + 3 years), 3 replications, seed 7. Time-average
    # open deals (weekly snapshots after warm-up) = opportunity arrival rate × mean days open
    # (avg_deal_days, closed deals); within 10% in each replication and 5% pooled.
    observed, predicted = [], []
    for i in range(3):
        result: RunResult = run(baseline, replication_seed(7, i))
        m = result.metrics()
        days = result.horizon_days - result.warmup_days
        first_week = math.ceil(result.warmup_days / DAYS_PER_WEEK)
        pipeline = float(result.weekly_snapshots["pipeline_count"][first_week:].mean())
        lam_w = m["opportunities"] / days * m["avg_deal_days"]
        assert pipeline == pytest.approx(lam_w, rel=0.10)
        observed.append(pipeline)
        predicted.append(lam_w)
    assert sum(observed) == pytest.approx(sum(predicted), rel=0.05)
