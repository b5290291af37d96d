"""Plans over levers: costs from the economics, goal-seek against brute force, the frontier's
order and costs, determinism across workers, and bad arguments refused before any work."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from salessim.cli import main
from salessim.config import Scenario
from salessim.experiments import ReplicationSet, run_scenarios
from salessim.plan import (
    PLAN_CSV_FILE,
    PLAN_JSON_FILE,
    PLAN_PNG_FILE,
    frontier,
    goal_seek,
    make_lever,
    options_of,
    parse_lever,
    yearly_cost,
)
from salessim.scenario_files import load_scenario, scenario_with
from salessim.targets import parse_target

# A warm-up quarter and half a reported year: deals close, yet a replication is quick.
RACE = {"calendar.horizon_days": 189, "calendar.warmup_days": 63}
TINY = {"calendar.horizon_days": 126, "calendar.warmup_days": 63}
TINY_SET = ["--set", "calendar.horizon_days=126", "--set", "calendar.warmup_days=63"]


@pytest.fixture(scope="module")
def race_baseline() -> Scenario:
    return load_scenario("baseline", RACE)


def test_costs_come_from_the_scenario_economics() -> None:
    """An AE costs ae_cost_per_year, an SDR sdr_cost_per_year, 30% more leads their marginal
    cost (baseline: 90 web leads at $260 and 150 content leads at $110 a month beyond base
    volume), lead scoring nothing."""
    sc = load_scenario("baseline")
    base = yearly_cost(sc)
    econ = sc.economics
    assert yearly_cost(scenario_with(sc, {"aes.count": 9})) - base == pytest.approx(
        econ.ae_cost_per_year
    )
    assert yearly_cost(scenario_with(sc, {"sdrs.count": 2})) - base == pytest.approx(
        2 * econ.sdr_cost_per_year
    )
    more = yearly_cost(scenario_with(sc, {"lead_volume_multiplier": 1.3})) - base
    assert more == pytest.approx(0.3 * (90 * 260 + 150 * 110) * 12)
    assert yearly_cost(scenario_with(sc, {"lead_filter.enabled": True})) == pytest.approx(base)


@pytest.mark.parametrize("seed", [1, 2])
def test_goal_seek_finds_the_brute_force_answer(race_baseline: Scenario, seed: int) -> None:
    """bookings ≥ $3M a year with 50% confidence, AEs 4, 6 or 8: brute force over 16
    replications of each (same seeds) puts the chance below 50% at 4 AEs and above at 6, and
    the race (capped at 16) picks 6 AEs with fewer replications than brute force."""
    target = parse_target("bookings_per_year=3e6")
    counts = [4, 6, 8]
    lever = make_lever(race_baseline, "aes.count", counts)
    plan = goal_seek(race_baseline, [lever], target, 0.5, seed=seed, replications_max=16, workers=2)
    picked = plan.recommended()
    assert picked is not None and picked.settings == {"aes.count": 6}
    assert picked.cost_per_year == pytest.approx(-2 * race_baseline.economics.ae_cost_per_year)
    assert picked.probability is not None and picked.probability.ci_low >= 0.5
    assert sum(o.replications for o in plan.options) < 16 * len(counts)
    assert [o.settings["aes.count"] for o in plan.options] == counts  # cheapest first

    points = [scenario_with(race_baseline, {"aes.count": k}) for k in counts[:2]]
    runs = run_scenarios(points, 16, seed=seed, workers=2, series=False)
    chances = [
        float(np.mean(target.reached(ReplicationSet(p, seed, r))))
        for p, r in zip(points, runs, strict=True)
    ]
    assert chances[0] < 0.5 <= chances[1]


def test_frontier_is_sorted_by_the_objective_and_priced_by_the_economics() -> None:
    """+$200k a year over one more AE (default range: what the budget buys) and lead scoring:
    every option's cost is its AEs at ae_cost_per_year, within the budget, best profit first."""
    sc = load_scenario("baseline", TINY)
    levers = [
        make_lever(sc, "aes.count", None, 200_000),
        make_lever(sc, "lead_filter.enabled", None, 200_000),
    ]
    assert levers[0].values == (8, 9)
    plan = frontier(sc, levers, 200_000, "profit", seed=3, replications=4, workers=2)
    assert len(plan.options) == 3  # the scenario as is is not an option
    for option in plan.options:
        extra = option.settings["aes.count"] - sc.aes.count
        assert option.cost_per_year == pytest.approx(extra * sc.economics.ae_cost_per_year)
        assert option.cost_per_year <= 200_000
        assert option.replications == 4
    means = [o.profit_change.mean for o in plan.options if o.profit_change is not None]
    assert means == sorted(means, reverse=True) and len(means) == 3
    assert [o.recommended for o in plan.options] == [True, False, False]


def test_same_seed_same_answer_with_one_or_two_workers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The plan's JSON is identical with 1 and 2 workers; --out writes plan.json (the shape a
    brief reads), plan.csv and plan.png."""
    args = [
        "plan",
        "baseline",
        *TINY_SET,
        "--lever",
        "aes.count=4,8",
        "--target",
        "bookings_per_year=2e6",
        "-n",
        "8",
        "--seed",
        "5",
        "--json",
    ]
    outputs = []
    for workers in ("1", "2"):
        assert main([*args, "--workers", workers, "--out", str(tmp_path / workers)]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0] == outputs[1]
    data = json.loads((tmp_path / "1" / PLAN_JSON_FILE).read_text())
    assert data == outputs[0]
    assert data["kind"] == "goal_seek" and data["confidence"] == 0.8 and data["seed"] == 5
    assert set(data["options"][0]) == {
        "settings",
        "cost_per_year",
        "probability",
        "replications",
        "bookings_change",
        "profit_change",
        "recommended",
    }
    assert (tmp_path / "1" / PLAN_CSV_FILE).read_text().startswith("aes.count,cost_per_year")
    assert (tmp_path / "1" / PLAN_PNG_FILE).read_bytes()[:4] == b"\x89PNG"


def test_a_hiring_lever_offers_no_hire_or_each_day_priced_by_the_days_employed() -> None:
    """aes.hiring_plan=2@63,84,105 on a 63-day reported window (days 63–126): no hire, or 2
    AEs from day 63 (the whole window), 84 (two thirds) or 105 (one third), each costing
    ae_cost_per_year for their share of the window; the hire is added to the plan."""
    sc = load_scenario("baseline", TINY)
    lever = make_lever(sc, *parse_lever("aes.hiring_plan=2@63,84,105"))
    assert lever.values == ("none", "2@63", "2@84", "2@105")
    options = options_of(sc, [lever], None, keep_scenario=True)
    cost = sc.economics.ae_cost_per_year
    assert [(o.settings["aes.hiring_plan"], o.cost_per_year) for o in options] == [
        ("none", 0.0),
        ("2@105", pytest.approx(2 * cost / 3)),
        ("2@84", pytest.approx(4 * cost / 3)),
        ("2@63", pytest.approx(2 * cost)),
    ]
    assert [h.model_dump() for h in options[-1].scenario.aes.hiring_plan] == [
        {"day": 63, "count": 2}
    ]
    assert options[0].scenario == sc


def test_goal_seek_hires_early_when_a_late_hire_falls_short() -> None:
    """4 AEs and bookings ≥ $3.8M a year with 50% confidence (horizon 189, warm-up 63, seed
    11, up to 16 replications): hiring 4 more AEs on day 126 is cheaper but reaches it in 1 of
    16 replications, as does no hire; hiring them on day 0 reaches it in all 16, so the
    goal-seek picks the early hire and rules the cheaper ones out."""
    sc = load_scenario("baseline", {**RACE, "aes.count": 4})
    lever = make_lever(sc, *parse_lever("aes.hiring_plan=4@0,126"))
    target = parse_target("bookings_per_year=3.8e6")
    plan = goal_seek(sc, [lever], target, 0.5, seed=11, replications_max=16, workers=2)
    assert [o.settings["aes.hiring_plan"] for o in plan.options] == ["none", "4@126", "4@0"]
    picked = plan.recommended()
    assert picked is not None and picked.settings == {"aes.hiring_plan": "4@0"}
    for option in plan.options[:2]:
        assert option.probability is not None and option.probability.ci_high < 0.5


@pytest.mark.parametrize(
    "extra",
    [
        ["--lever", "aes.nonsense", "--target", "bookings_per_year=1e6"],
        ["--lever", "aes.count=abc", "--target", "bookings_per_year=1e6"],
        ["--lever", "aes.count=-1,2", "--target", "bookings_per_year=1e6"],
        ["--lever", "prospecting.block_hours", "--target", "bookings_per_year=1e6"],
        ["--lever", "aes.count", "--target", "no_such_metric=1"],
        ["--lever", "aes.count", "--target", "bookings_per_year=1e6", "--budget-change", "1"],
        ["--lever", "aes.count"],
        ["--lever", "aes.count", "--target", "bookings_per_year=1e6", "--confidence", "1.5"],
        ["--lever", "aes.count", "--budget-change", "lots"],
        ["--lever", "aes.count", "--budget-change", "1000", "--budget", "5"],
        ["--lever", "aes.count", "--budget-change", "200000", "-n", "1"],
        ["--lever", "aes.hiring_plan", "--target", "bookings_per_year=1e6"],
        ["--lever", "aes.hiring_plan=2@x", "--target", "bookings_per_year=1e6"],
        ["--lever", "sdrs.hiring_plan=1@999", "--target", "bookings_per_year=1e6"],
    ],
)
def test_bad_arguments_exit_2_with_one_line_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    out = tmp_path / "out"
    try:
        code = main(["plan", "baseline", *TINY_SET, "--out", str(out), *extra])
    except SystemExit as exc:  # argparse's own errors
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "error" in err
    assert not out.exists()
