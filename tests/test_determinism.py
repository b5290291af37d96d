"""Determinism: a seed fixes a run; replications do not depend on the number of workers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from salessim.config import Scenario
from salessim.experiments import replicate, replication_seed
from salessim.model import SalesModel, run
from salessim.scenario_files import scenario_with


def dumped(data: Any) -> str:
    """Canonical JSON text, so that any difference in any value shows."""
    return json.dumps(data, sort_keys=True, allow_nan=False)


def test_same_seed_gives_identical_results(short_baseline: Scenario) -> None:
    first = run(short_baseline, 42, records=True)
    second = run(short_baseline, 42, records=True)
    assert dumped(first.to_dict()) == dumped(second.to_dict())
    for name, values in first.daily.items():
        assert np.array_equal(values, second.daily[name]), name


def test_different_seeds_give_different_results(short_baseline: Scenario) -> None:
    a, b = run(short_baseline, 1), run(short_baseline, 2)
    assert dumped(a.to_dict()) != dumped(b.to_dict())
    assert not np.array_equal(a.daily["leads_arrived"], b.daily["leads_arrived"])
    assert a.metrics()["bookings"] != b.metrics()["bookings"]


def test_records_do_not_change_the_run(short_baseline: Scenario) -> None:
    plain = run(short_baseline, 5).to_dict()
    recorded = run(short_baseline, 5, records=True).to_dict()
    assert recorded.pop("leads") and recorded.pop("deals")
    assert dumped(plain) == dumped(recorded)


def test_replications_identical_with_one_or_two_workers(short_baseline: Scenario) -> None:
    one = replicate(short_baseline, 4, seed=7, workers=1)
    two = replicate(short_baseline, 4, seed=7, workers=2)
    assert [r["replication"] for r in two.runs] == [0, 1, 2, 3]
    assert dumped(one.runs) == dumped(two.runs)
    # Replications are independent draws, not copies of one another.
    assert len({dumped(r["metrics"]) for r in one.runs}) == 4


def test_replication_is_the_run_with_its_child_seed(short_baseline: Scenario) -> None:
    rs = replicate(short_baseline, 2, seed=3, workers=1)
    alone = run(short_baseline, replication_seed(3, 1)).to_dict()
    assert dumped(rs.runs[1]["metrics"]) == dumped(alone["metrics"])
    assert dumped(rs.runs[1]["weekly"]) == dumped(alone["weekly"])


def test_same_seed_shares_lead_arrivals_across_team_changes(short_baseline: Scenario) -> None:
    # Named random streams: changing the team must not change which leads arrive when
    # (common random numbers make scenario comparisons paired).
    bigger = scenario_with(short_baseline, {"aes.count": 12, "sdrs.count": 2})
    a = run(short_baseline, 9, records=True)
    b = run(bigger, 9, records=True)
    assert a.lead_records is not None and b.lead_records is not None

    def arrivals(records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [(r["source"], r["arrival_day"], r["fit"]) for r in records]

    assert arrivals(a.lead_records) == arrivals(b.lead_records)
    assert a.metrics()["opportunities"] != b.metrics()["opportunities"]


def test_model_run_loop_is_simpys_run(short_baseline: Scenario) -> None:
    """The model's own loop (alarms called directly) gives exactly what SimPy's ``env.run``
    gives for the same seed: every record, counter and weekly figure."""
    ours = run(short_baseline, 11, records=True)
    model = SalesModel(short_baseline, 11, records=True)
    model.env.run(until=model.horizon)
    simpys = model.finish()
    assert dumped(ours.to_dict()) == dumped(simpys.to_dict())
    for name, values in ours.daily.items():
        assert np.array_equal(values, simpys.daily[name]), name


@pytest.mark.parametrize("name", ["baseline", "more_leads_next_quarter", "teleprospecting"])
def test_the_near_heap_loop_gives_the_same_run(
    name: str, shorten: Callable[[str], Scenario]
) -> None:
    """The compiled build's loop (near alarms in the agenda's own heap), forced here whatever
    the build, gives exactly the run of the plain loop: every record, counter and weekly figure
    (a planned change mid-run and an SDR team included), a shortened year at seed 12."""
    scenario = shorten(name)
    plain = SalesModel(scenario, 12, records=True)
    plain.agenda.native = False
    near = SalesModel(scenario, 12, records=True)
    near.agenda.native = True
    ours, theirs = plain.run(), near.run()
    assert dumped(ours.to_dict()) == dumped(theirs.to_dict())
    for key, values in ours.daily.items():
        assert np.array_equal(values, theirs.daily[key]), key
