"""The quarterly table adds up to the summary metrics it is built from."""

from __future__ import annotations

import pytest

from salessim.model import run
from salessim.scenario_files import load_scenario, scenario_with


def test_quarterly_bookings_and_profit_add_up_to_the_reported_totals() -> None:
    # Warm-up of one quarter and a horizon of five: the reported window is whole quarters.
    scenario = scenario_with(
        load_scenario("baseline"), {"calendar.horizon_days": 315, "calendar.warmup_days": 63}
    )
    result = run(scenario, 3)
    rows = [row for row in result.quarterly_table() if row["reported"]]
    metrics = result.metrics()
    assert len(rows) == 4
    assert sum(r["bookings"] for r in rows) == pytest.approx(metrics["bookings"])
    assert sum(r["profit"] for r in rows) == pytest.approx(metrics["profit"])
    assert metrics["profit"] < metrics["gross_profit"]  # costs are taken off
