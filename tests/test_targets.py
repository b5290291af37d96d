"""Targets: reading METRIC=VALUE, counting the replications that reach it, and the coverage of
the Wilson interval around that chance."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from salessim.cli import main
from salessim.config import DAYS_PER_YEAR
from salessim.experiments import ReplicationSet, compare
from salessim.outputs import replications_csv
from salessim.scenario_files import load_scenario
from salessim.targets import Target, TargetError, parse_target, proportion_interval

SHORT = {"calendar.horizon_days": 200, "calendar.warmup_days": 21}


# --------------------------------------------------------------------------- reading
def test_a_registered_per_year_metric_is_read_as_itself() -> None:
    target = parse_target("bookings_per_year=20e6")
    assert target == Target("bookings_per_year", 20e6, per_year=False, at_least=True)


def test_a_total_may_be_asked_per_year_and_the_better_side_comes_from_the_registry() -> None:
    assert parse_target("profit_per_year=2e6") == Target("profit", 2e6, True, True)
    assert parse_target("avg_discount=0.05").at_least is False  # lower is better
    assert parse_target("forecast_bias<=0.1") == Target("forecast_bias", 0.1, False, False)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("bookings", "write METRIC=VALUE"),
        ("revenue=1e6", "no such metric 'revenue'"),
        ("win_rate_per_year=0.3", "not a total"),
        ("revenue_per_year=1", "no such metric 'revenue_per_year'"),
        ("bookings=abc", "'abc' is not a number"),
        ("bookings=nan", "finite"),
        ("forecast_bias=0", "say which side"),
    ],
)
def test_a_bad_target_is_refused_in_one_line(text: str, says: str) -> None:
    with pytest.raises(TargetError, match=says) as caught:
        parse_target(text)
    assert "\n" not in str(caught.value)


# --------------------------------------------------------------------------- counting
def _fake_set(values: list[float | None], metric: str = "bookings") -> ReplicationSet:
    scenario = load_scenario("baseline", SHORT)
    runs: list[dict[str, Any]] = [
        {"replication": i, "metrics": {metric: v}} for i, v in enumerate(values)
    ]
    return ReplicationSet(scenario, 0, runs)


def test_reached_agrees_with_a_direct_count() -> None:
    rng = np.random.default_rng(11)
    values = rng.normal(5e6, 1e6, 200).tolist()
    runs = _fake_set([*values, None])  # a replication without a value does not reach it
    target = parse_target("bookings>=5.2e6")
    expected = sum(v >= 5.2e6 for v in values)
    assert int(target.reached(runs).sum()) == expected
    iv = target.probability(runs)
    assert iv.mean == expected / 201
    assert iv.ci_low < iv.mean < iv.ci_high
    # At or below for a metric where lower is better.
    below = parse_target("bookings<=5.2e6")
    assert int(below.reached(runs).sum()) == sum(v <= 5.2e6 for v in values)


def test_a_total_per_year_is_divided_by_the_reported_years() -> None:
    years = (200 - 21) / DAYS_PER_YEAR
    runs = _fake_set([100.0, 200.0, 300.0], metric="wins")
    reached = parse_target(f"wins_per_year={199.9 / years}").reached(runs)
    assert reached.tolist() == [False, True, True]


def test_wilson_interval_at_the_edges() -> None:
    none = proportion_interval(0, 20)
    assert none.mean == 0.0 and none.ci_low == 0.0 and 0.13 < none.ci_high < 0.17
    every = proportion_interval(20, 20)
    assert every.ci_high == 1.0 and 0.83 < every.ci_low < 0.87
    assert math.isnan(proportion_interval(0, 0).mean)


# --------------------------------------------------------------------------- coverage
@pytest.mark.parametrize(("n", "p"), [(20, 0.2), (20, 0.5), (20, 0.8), (40, 0.05)])
def test_wilson_95_interval_covers_the_true_chance_about_95_times_in_100(n: int, p: float) -> None:
    """2,000 trials of n Bernoulli(p) draws (numpy seed 20261130): the 95% interval covers p
    in 93-97% of them (the exact coverage at these n and p is 95.2-95.9%; one trial in 2,000
    moves it 0.05 points, the simulation's standard error is about 0.5 points)."""
    rng = np.random.default_rng(20261130)
    hits = rng.binomial(n, p, size=2000)
    covered = [
        proportion_interval(int(k), n).ci_low <= p <= proportion_interval(int(k), n).ci_high
        for k in hits
    ]
    coverage = float(np.mean(covered))
    assert 0.93 <= coverage <= 0.97, coverage
    if (n, p) == (40, 0.05):
        # The normal approximation (what a t-interval of 0/1 values gives) misses here: the
        # test would fail with it.
        half = 1.96 * np.sqrt(hits / n * (1 - hits / n) / n)
        wald = float(np.mean((hits / n - half <= p) & (p <= hits / n + half)))
        assert wald < 0.90


# --------------------------------------------------------------------------- the model
def test_chance_from_a_comparison_matches_counting_its_per_replication_csv() -> None:
    """Two short scenarios, 6 replications each, seed 5: the chance of reaching a target set at
    the baseline's median equals the count of CSV rows at or above it, scenario by scenario."""
    base = load_scenario("baseline", SHORT)
    more = load_scenario("baseline", {**SHORT, "aes.count": 10})
    result = compare([base, more], 6, seed=5, workers=1)
    rows = list(
        csv.DictReader(
            io.StringIO(
                replications_csv(
                    [({"scenario": n}, s) for n, s in zip(result.names, result.sets, strict=True)]
                )
            )
        )
    )
    assert len(rows) == 12
    assert [r["replication"] for r in rows[:6]] == [str(i) for i in range(6)]
    value = float(np.median(result.sets[0].values("bookings_per_year")))
    target = parse_target(f"bookings_per_year={value}")
    for name, runs in zip(result.names, result.sets, strict=True):
        counted = sum(float(r["bookings_per_year"]) >= value for r in rows if r["scenario"] == name)
        assert target.probability(runs).mean == counted / 6
        assert target.to_dict(runs)["hits"] == counted
    assert 0 < target.probability(result.sets[0]).mean < 1


def test_cli_compare_target_json_agrees_with_its_per_replication_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    per_rep = tmp_path / "runs.csv"
    argv = ["compare", "baseline", "hire_two_aes", "-n", "3", "--workers", "1", "--json"]
    argv += [arg for k, v in SHORT.items() for arg in ("--set", f"{k}={v}")]
    argv += ["--target", "bookings_per_year=4e6", "--per-replication", str(per_rep)]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    rows = list(csv.DictReader(per_rep.open(encoding="utf-8")))
    assert len(rows) == 6 and set(rows[0]) >= {"scenario", "replication", "seed", "bookings"}
    for entry in data["scenarios"]:
        (target,) = entry["targets"]
        counted = sum(
            float(r["bookings_per_year"]) >= 4e6 for r in rows if r["scenario"] == entry["name"]
        )
        assert target["hits"] == counted and target["replications"] == 3
        assert target["ci_low"] <= target["probability"] <= target["ci_high"]
        p = entry["percentiles"]["bookings"]
        assert p["p10"] <= p["p50"] <= p["p90"]


def test_cli_refuses_a_bad_target_before_running(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "baseline", "--target", "bookings_per_year=lots"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["salessim: error: --target 'bookings_per_year=lots': 'lots' is not a number"]


def test_cli_sweep_writes_one_row_per_value_and_replication(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    per_rep = tmp_path / "runs.csv"
    argv = ["sweep", "baseline", "--param", "aes.count", "--values", "6,8", "-n", "2"]
    argv += ["--workers", "1", "--json", "--per-replication", str(per_rep)]
    argv += [arg for k, v in SHORT.items() for arg in ("--set", f"{k}={v}")]
    argv += ["--target", "wins_per_year=100", "--target", "avg_discount=0.05"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    rows = list(csv.DictReader(per_rep.open(encoding="utf-8")))
    assert [(r["value"], r["replication"], r["seed"]) for r in rows] == [
        ("6", "0", "0"),
        ("6", "1", "0"),
        ("8", "0", "0"),
        ("8", "1", "0"),
    ]
    years = (200 - 21) / DAYS_PER_YEAR
    for point in data["points"]:
        wins, discount = point["targets"]
        mine = [r for r in rows if r["value"] == str(point["value"])]
        assert wins["hits"] == sum(float(r["wins"]) / years >= 100 for r in mine)
        assert discount["at_least"] is False
        assert discount["hits"] == sum(float(r["avg_discount"]) <= 0.05 for r in mine)
        assert set(point["percentiles"]) == set(point["metrics"])
