"""The metric registry: one entry per metric a run reports, read by tables, JSON and charts."""

from __future__ import annotations

import json
import math

import pytest

from salessim import metrics
from salessim.cli import main
from salessim.experiments import ReplicationSet, run_replication
from salessim.scenario_files import load_scenario, scenario_with

SHORT = {"calendar.horizon_days": 126, "calendar.warmup_days": 21}


@pytest.mark.parametrize("name", ["baseline", "teleprospecting", "reps_own_calling"])
def test_every_metric_a_run_reports_is_registered(name: str) -> None:
    # Scenarios with AEs only, with SDRs, and with own prospecting: every origin and source.
    scenario = scenario_with(load_scenario(name), SHORT)
    run = run_replication(scenario.model_dump(mode="json"), 1, 0, series=False)
    missing = [key for key in run["metrics"] if not metrics.known(key)]
    assert missing == []


def test_registry_keys_are_unique_and_entries_complete() -> None:
    keys = [spec.key for spec in metrics.registry()]
    assert len(keys) == len(set(keys))
    for spec in metrics.registry():
        assert spec.label and spec.meaning.endswith("."), spec.key
        assert spec.kind in metrics.UNITS, spec.key


def test_per_source_metrics_are_named_after_their_source() -> None:
    spec = metrics.spec("source:web_inbound:leads")
    assert (spec.label, spec.kind, spec.total) == ("Leads from web_inbound", "count", True)
    assert metrics.spec("source:content:converted").higher_is_better is True
    assert not metrics.known("source:web_inbound")
    with pytest.raises(metrics.UnknownMetricError):
        metrics.spec("bookingz")


def test_kinds_bound_their_intervals() -> None:
    # A count's interval never goes below zero; a share's stays within 0-1; money is free.
    assert metrics.spec("deals_lost_neglect").bounds == (0.0, None)
    assert metrics.spec("win_rate").bounds == (0.0, 1.0)
    assert metrics.spec("profit").bounds == (None, None)
    assert metrics.spec("forecast_bias").bounds == (None, None), "a bias can be negative"


def test_replication_set_clips_count_and_share_intervals() -> None:
    # Three replications with 0, 0 and 1 deals lost to neglect: the t interval of the mean
    # reaches below zero (-1.1), which no count can. Its upper bound and the mean stay.
    scenario = load_scenario("baseline")
    runs = [
        {"metrics": {"deals_lost_neglect": v, "win_rate": w, "profit": p}}
        for v, w, p in ((0.0, 0.99, -5.0), (0.0, 0.97, 5.0), (1.0, 1.0, 0.0))
    ]
    intervals = ReplicationSet(scenario, 0, runs).intervals()
    neglect = intervals["deals_lost_neglect"]
    assert neglect.ci_low == 0.0
    assert neglect.mean == pytest.approx(1 / 3)
    assert neglect.ci_high == pytest.approx(1 / 3 + 4.303 * math.sqrt(1 / 3) / math.sqrt(3), 1e-3)
    assert intervals["win_rate"].ci_high == 1.0
    assert intervals["profit"].ci_low < -5.0, "money is not clipped"


def test_metrics_command_lists_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["metrics", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["metrics"]
    assert [m["key"] for m in listed] == [spec.key for spec in metrics.registry()]
    bookings = listed[0]
    assert bookings == {
        "key": "bookings",
        "label": "Bookings",
        "kind": "money",
        "unit": "dollars",
        "higher_is_better": True,
        "total": True,
        "meaning": "Value of the deals won, after discounts.",
    }
    assert main(["metrics"]) == 0
    table = capsys.readouterr().out
    assert "deals_lost_neglect" in table and "Deals lost to neglect" in table
