"""Cycle periods: the team's open pipeline and each rep's, and what sets their length."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from salessim.config import DAYS_PER_WEEK, Scenario
from salessim.experiments import replicate
from salessim.model import run
from salessim.scenario_files import load_scenario, scenario_with


def test_team_cycle_period_and_strength_of_a_known_wave(short_baseline: Scenario) -> None:
    result = run(short_baseline, 6)
    weeks = len(result.weekly_snapshots["pipeline_count"])
    # The team's open deals as a clean 10-week wave: period 10, and the strongest
    # autocorrelation a series this long can show there (the measure skips the warm-up and a
    # quarter after it, as the reps' does).
    wave = 50.0 + 10.0 * np.sin(2.0 * math.pi * np.arange(weeks) / 10.0)
    waved = dataclasses.replace(
        result, weekly_snapshots={**result.weekly_snapshots, "pipeline_count": wave}
    )
    waved._metrics = None
    m = waved.metrics()
    assert m["team_pipeline_cycle_weeks"] == 10.0
    # A sample autocorrelation at lag k of n weeks is at most about (n - k) / n.
    n = weeks - (short_baseline.calendar.warmup_days // DAYS_PER_WEEK + 13)
    assert m["team_pipeline_cycle_acf"] == pytest.approx((n - 10) / n, abs=0.03)
    flat = dataclasses.replace(
        result, weekly_snapshots={**result.weekly_snapshots, "pipeline_count": 0.0 * wave}
    )
    flat._metrics = None
    assert math.isnan(flat.metrics()["team_pipeline_cycle_weeks"])  # no cycle in a flat line


def _buyer_days_times(scenario: Scenario, factor: float) -> Scenario:
    return scenario_with(
        scenario,
        {f"deals.stages.{s.name}.buyer_days": s.buyer_days * factor for s in scenario.deals.stages},
    )


@pytest.mark.slow
def test_doubling_buyer_days_lengthens_rep_pipeline_period() -> None:
    # reps_own_calling over 20 quarters (a 70-week period needs 140 weeks after the first
    # quarter to be seen) with no quarter-end rush or close-out, so the reps' own rule (call when
    # the pipeline runs low, close when it is full) sets the rhythm rather than the calendar;
    # 3 replications at seed 2027, every stage's buyer days × 1 and × 2. Each replication's
    # period is the median over the ten reps'; seen: about 19 → 70 weeks.
    own = load_scenario(
        "reps_own_calling",
        {
            "calendar.horizon_days": 1260,
            "management.quarter_end_window_days": 0,
            "rushing.quarter_end_window_days": 0,
        },
    )
    assert own.calendar.horizon_days // DAYS_PER_WEEK >= 13 + 2 * 70
    periods = [
        replicate(_buyer_days_times(own, factor), 3, seed=2027, workers=1).values(
            "rep_pipeline_cycle_weeks"
        )
        for factor in (1.0, 2.0)
    ]
    once, twice = (float(np.nanmedian(p)) for p in periods)
    assert twice >= 1.5 * once, (once, twice)
