"""The quarter's forecast call: closed, commit, best case and pipeline at the team's own past
conversion, plus a run-rate for what past calls did not name."""

from __future__ import annotations

import math
from typing import Any

import pytest

from salessim.config import Scenario
from salessim.entities import ORIGIN_MARKETING, Deal
from salessim.experiments import compare, replicate
from salessim.ledger import FORECAST_PARTS
from salessim.model import SalesModel, run
from salessim.scenario_files import load_scenario
from salessim.statistics import paired_difference

VALUE = 10_000.0
CALL_DAY = 10.0  # the forecast is called at the start of week 2 of each quarter (day 10)


def _stage(name: str, weight: float) -> dict[str, Any]:
    """A stage with no rep work, exactly 4 buyer days and no drop-out: every deal is won 12
    days after it was created, unless the test loses it by hand."""
    return {
        "name": name,
        "rep_hours": 0.0,
        "buyer_days": 4.0,
        "buyer_days_cv": 0.0,
        "forecast_probability": weight,
        "dropout_probability": 0.0,
    }


def _clockwork() -> Scenario:
    """One AE, no leads, no prospecting, every deal worth exactly $10,000."""
    return Scenario.model_validate(
        {
            "name": "clockwork",
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
            "rushing": {"enabled": False, "from_stage": 0},
            "neglect": {"grace_days": 3.0, "loss_hazard_per_day": 0.0},
            "segments": [{"name": "one", "share": 1.0, "value_median": VALUE, "value_sigma": 0}],
            "deals": {
                "stages": [
                    _stage("discovery", 0.2),  # pipeline
                    _stage("proposal", 0.6),  # best case
                    _stage("negotiation", 0.9),  # commit
                ],
                "touch_hours": 0.0,
            },
        }
    )


def _deal_at(model: SalesModel, day: float) -> Deal:
    """A deal of the team's one AE, created on `day` (the clock moves on to it first)."""
    if day > model.env.now:
        model.env.run(until=day)
    return model.desk.create(ORIGIN_MARKETING, model.aes[0])


def test_a_hand_checked_quarter_and_the_next() -> None:
    model = SalesModel(_clockwork(), seed=3)
    # Quarter 0 (days 0-62, call on day 10): each deal's stages end 4, 8 and 12 days after it
    # is created. At the call A is in negotiation (commit), B in proposal (best case), C1 and
    # C2 in discovery (pipeline).
    _deal_at(model, 0.5)  # A, won on day 12.5
    _deal_at(model, 3.0)  # B, won on day 15
    _deal_at(model, 8.0)  # C1, won on day 20
    c2 = _deal_at(model, 9.0)
    model.env.run(until=11.0)
    c2.loss_at = 11.0
    model.desk.lose_neglected(c2)  # C2's buyer walks away after the call
    _deal_at(model, 30.0)  # D: created after the call, won on day 42
    _deal_at(model, 56.0)  # E: won on day 68, before quarter 1's call (day 73)
    _deal_at(model, 62.5)  # F: in negotiation at quarter 1's call, won on day 74.5
    _deal_at(model, 68.0)  # G: in proposal at quarter 1's call
    _deal_at(model, 72.0)  # H: in discovery at quarter 1's call
    model.env.run(until=130.0)
    q0, q1 = model.ledger.quarter_forecast[0], model.ledger.quarter_forecast[1]

    # No history yet: each category at its stages' weights, and no run-rate.
    assert q0 == pytest.approx(
        {
            "closed": 0.0,
            "commit": 0.9 * VALUE,
            "best_case": 0.6 * VALUE,
            "pipeline": 0.2 * 2 * VALUE,
            "run_rate": 0.0,
        }
    )
    # Quarter 0 converted all its commit and best case, half its pipeline (C2 was lost), and
    # booked D beyond its call: quarter 1's call uses those rates and that run-rate.
    assert q1 == pytest.approx(
        {
            "closed": VALUE,  # E
            "commit": 1.0 * VALUE,  # F
            "best_case": 1.0 * VALUE,  # G
            "pipeline": 0.5 * VALUE,  # H
            "run_rate": VALUE,  # D
        }
    )
    daily = model.ledger.daily
    assert sum(daily["bookings"][:63]) == pytest.approx(4 * VALUE)  # A, B, C1, D
    # Only D was created after its quarter's call and won in that quarter.
    assert sum(daily["bookings_after_call"]) == pytest.approx(VALUE)


def test_the_categories_add_up_to_the_forecast(short_baseline: Scenario) -> None:
    result = run(short_baseline, 8)
    rows = [row for row in result.quarterly_table() if math.isfinite(row["forecast"])]
    assert len(rows) >= 3
    for row in rows:
        parts = [row[f"forecast_{name}"] for name in FORECAST_PARTS]
        assert all(part >= 0.0 for part in parts), row
        assert sum(parts) == pytest.approx(row["forecast"], rel=1e-12)
    m = result.metrics()
    reported = [row for row in rows if row["reported"]][1:]  # as the metrics: first one left out
    for name in FORECAST_PARTS:
        mean = sum(row[f"forecast_{name}"] for row in reported) / len(reported)
        assert m[f"forecast_{name}"] == pytest.approx(mean)
    assert 0.0 < m["bookings_after_call_share"] < 1.0


def test_the_forecast_changes_no_rep_behaviour(short_baseline: Scenario) -> None:
    # The call only reads the pipeline; what the reps do never depends on it. With the
    # forecast's settings far apart, every counter but the forecast itself is the same.
    other = short_baseline.model_copy(deep=True)
    other.forecast.history_quarters = 1
    other.forecast.commit_min_probability = 0.95
    other.forecast.best_case_min_probability = 0.05
    a, b = run(short_baseline, 4), run(other, 4)
    for name, values in a.daily.items():
        assert values.tolist() == b.daily[name].tolist(), name
    assert a.quarter_forecast.tolist() != b.quarter_forecast.tolist()


@pytest.mark.slow
@pytest.mark.parametrize("seed", [2031, 4242])
def test_baseline_forecast_within_targets(baseline: Scenario, seed: int) -> None:
    # 8 replications of the bundled baseline (a warm-up quarter, 12 reported quarters) at seeds
    # not used to design the forecast. Target: bias within ±15%, MAPE at most 20%. Seen while
    # building it (other seeds): bias about +1%, MAPE about 13%.
    iv = replicate(baseline, 8, seed=seed, workers=1).intervals()
    bias = iv["forecast_bias"]
    assert bias.ci_low > -0.15, bias
    assert bias.ci_high < 0.15, bias
    assert iv["forecast_mape"].mean <= 0.20


@pytest.mark.slow
def test_own_calling_forecasts_worse_than_sdrs() -> None:
    # 20 paired replications (common random numbers), seed 2029: the SDR team's MAPE minus
    # own calling's has its whole 95% interval below zero.
    names = ("reps_own_calling", "teleprospecting")
    runs = compare([load_scenario(n) for n in names], 20, seed=2029, workers=1)
    own, sdrs = (s.values("forecast_mape") for s in runs.sets)
    d = paired_difference(own, sdrs)
    assert d.ci_high < 0.0, d
