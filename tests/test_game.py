"""The workshop game: rounds played team by team are the library's own runs of a ``changes:``
scenario, each quarter continues the last one, and decisions outside the rules are refused."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from salessim.config import Scenario
from salessim.experiments import run_scenarios
from salessim.game import (
    HOUSE_TEAM,
    Decisions,
    GameError,
    GameSetup,
    TeamRound,
    check_history,
    library_runner,
    play_game,
    play_round,
    round_scenario,
    team_scenario,
)
from salessim.model import run
from salessim.scenario_files import load_scenario

SEED = 11
REPLICATIONS = 2
# A smaller company than the baseline's keeps each quarter quick: 4 AEs, half the leads.
SMALL = {
    "aes.count": 4,
    "lead_sources.web_inbound.monthly_volume": 45,
    "lead_sources.content.monthly_volume": 75,
}


def _exercise(**fields: Any) -> Scenario:
    return load_scenario("baseline", {**SMALL, **fields})


def _setup(rounds: int = 4, budget: int = 4) -> GameSetup:
    return GameSetup(
        exercise=_exercise(),
        rounds=rounds,
        headcount_budget=budget,
        replications=REPLICATIONS,
        seed=SEED,
    )


def _d(**fields: Any) -> Decisions:
    return Decisions.read(fields)


# Three teams, four rounds: more leads and new leads first; hires of both kinds with a change of
# policy and later lead scoring; a daily calling block with a response rule, then more leads.
SCRIPT: dict[str, list[Decisions]] = {
    "Leads": [_d(lead_volume_multiplier=1.6, policy="lead_first")] * 4,
    "Hires": [
        _d(ae_hires=2, policy="closer_first"),
        _d(sdr_hires=1, policy="closer_first"),
        _d(policy="closer_first"),
        _d(policy="closer_first", lead_scoring=True),
    ],
    "Block": [
        _d(policy="time_blocked", calling_block_hours=2.0, response_rule_hours=1.0),
        _d(policy="time_blocked", calling_block_hours=2.0, response_rule_hours=1.0),
        _d(policy="time_blocked", calling_block_hours=3.0, lead_volume_multiplier=1.3),
        _d(policy="time_blocked", calling_block_hours=3.0, lead_volume_multiplier=1.3),
    ],
}

# The same three plans written by hand as scenario files would write them: each round's
# decisions a change on its first day (only what differs from the plan in force), hires in the
# hiring plans. Round k runs on days 63k..63k+62 (baseline's warm-up is one quarter).
HAND_WRITTEN: dict[str, dict[str, Any]] = {
    "Leads": {
        "changes": [
            {"at_day": 63, "set": {"lead_volume_multiplier": 1.6}},
        ],
    },
    "Hires": {
        "aes.hiring_plan": [{"day": 63, "count": 2}],
        "sdrs.hiring_plan": [{"day": 126, "count": 1}],
        "changes": [
            {"at_day": 63, "set": {"aes.policy.name": "closer_first"}},
            {"at_day": 252, "set": {"lead_filter.enabled": True}},
        ],
    },
    "Block": {
        "changes": [
            {
                "at_day": 63,
                "set": {
                    "aes.policy.name": "time_blocked",
                    "aes.policy.daily_prospecting_hours": 2.0,
                    "aes.policy.response_sla_hours": 1.0,
                },
            },
            {
                "at_day": 189,
                "set": {
                    "aes.policy.daily_prospecting_hours": 3.0,
                    "aes.policy.response_sla_hours": None,
                    "lead_volume_multiplier": 1.3,
                },
            },
        ],
    },
}


@pytest.fixture(scope="module")
def game() -> list[TeamRound]:
    return play_game(_setup(), SCRIPT, library_runner(1))


def _by(results: list[TeamRound], team: str, round_: int) -> TeamRound:
    (row,) = [r for r in results if r["team"] == team and r["round"] == round_]
    return row


def test_the_game_is_the_hand_written_changes_scenario_run_through_the_library(
    game: list[TeamRound],
) -> None:
    scenarios = [
        _exercise(
            **{"calendar.horizon_days": 315, "calendar.warmup_days": 252, **HAND_WRITTEN[team]}
        )
        for team in SCRIPT
    ]
    runs = run_scenarios(scenarios, REPLICATIONS, seed=SEED, workers=1, series=False)
    for team, team_runs in zip(SCRIPT, runs, strict=True):
        # Round 4 is the whole scenario's reporting window: the same runs, the same means.
        last = _by(game, team, 4)
        money = (
            "bookings",
            "gross_profit",
            "profit",
            "marketing_cost",
            "salary_cost",
            "commission",
        )
        for key in money:
            assert last[key] == np.mean([r["metrics"][key] for r in team_runs]), (team, key)
        assert last["ae_hours"]["qualifying"] == np.mean(
            [r["metrics"]["hours_qualifying"] for r in team_runs]
        )
        assert last["pipeline_deals_end"] == np.mean(
            [r["metrics"]["pipeline_open_end"] for r in team_runs]
        )
        # Rounds 1-3 are that scenario's earlier quarters (quarter k = round k here).
        for k in (1, 2, 3, 4):
            played = _by(game, team, k)
            rows = [r["quarterly"][k] for r in team_runs]
            for key in ("bookings", "profit", "forecast"):
                expected = np.mean([row[key] for row in rows])
                assert played[key] == pytest.approx(expected, rel=1e-12, abs=1e-6), (team, k, key)


def test_teams_differ_and_the_house_plays_the_exercise(game: list[TeamRound]) -> None:
    assert {r["team"] for r in game} == {*SCRIPT, HOUSE_TEAM}
    profits = {r["team"]: r["profit"] for r in game if r["round"] == 1}
    assert len(set(profits.values())) == 4
    setup = _setup()
    house = team_scenario(setup, [setup.reference()] * 4, HOUSE_TEAM)
    assert house.changes == [] and house.aes.hiring_plan == [] and house.sdrs.hiring_plan == []
    assert house.calendar.warmup_days == 252 and house.calendar.horizon_days == 315
    whole = team_scenario(setup, SCRIPT["Hires"], "Hires", whole_game=True)
    assert whole.calendar.warmup_days == 63 and len(whole.changes) == 2
    # A team that submits the exercise's own levers meets exactly the house's results.
    copy = play_round(setup, {"Copy": [setup.reference()]}, library_runner(1))
    assert (
        copy["Copy"]["profit"] == copy[HOUSE_TEAM]["profit"] == _by(game, HOUSE_TEAM, 1)["profit"]
    )
    # Hiring an SDR hands the leads to SDRs: the hiring team's AEs stop qualifying.
    assert _by(game, "Hires", 1)["ae_hours"]["qualifying"] > 0
    assert _by(game, "Hires", 3)["ae_hours"]["qualifying"] == 0
    assert json.loads(json.dumps(game)) == game
    for row in game:
        assert row["cost"] == pytest.approx(
            row["marketing_cost"] + row["salary_cost"] + row["commission"], rel=1e-12
        )
        assert row["profit"] == pytest.approx(row["gross_profit"] - row["cost"], rel=1e-9)


def _daily(scenario: Scenario) -> dict[str, np.ndarray]:
    return run(scenario, np.random.SeedSequence(SEED, spawn_key=(0,))).daily


LATE_HIRES = [_d(), _d(lead_volume_multiplier=1.2), _d(ae_hires=2), _d(sdr_hires=2)]
"""Hires in the last rounds only: the rounds before them must not feel them."""


@pytest.mark.parametrize(
    ("plan", "played"),
    [(SCRIPT[team], 1) for team in SCRIPT] + [(LATE_HIRES, 2)],
    ids=[*SCRIPT, "late-hires"],
)
def test_a_later_round_changes_nothing_before_it_bit_for_bit(
    plan: list[Decisions], played: int
) -> None:
    setup = _setup()
    before = _daily(team_scenario(setup, plan[:played]))
    after = _daily(team_scenario(setup, plan))
    end = setup.days(played)[1]
    for key, values in before.items():
        assert np.array_equal(values[:end], after[key][:end]), key


def test_one_and_two_workers_give_the_same_round() -> None:
    setup = _setup(rounds=1)
    histories = {team: plan[:1] for team, plan in SCRIPT.items()}
    assert play_round(setup, histories, library_runner(1)) == play_round(
        setup, histories, library_runner(2)
    )


def test_a_caller_supplied_runner_runs_each_distinct_game_once() -> None:
    calls: list[int] = []
    asked: list[Scenario] = []

    def runner(scenarios: Any, n: int, seed: int) -> list[list[dict[str, Any]]]:
        calls.append(len(scenarios))
        asked.extend(scenarios)
        return run_scenarios(list(scenarios), n, seed=seed, workers=1, series=False)

    setup = _setup(rounds=1)
    same = [setup.reference()]
    result = play_round(setup, {"a": same, "b": same, "c": SCRIPT["Leads"][:1]}, runner)
    assert calls == [2]
    # Whatever a team is called, its round is round_scenario: what the web app simulates ahead.
    assert [s.model_dump() for s in asked] == [
        round_scenario(setup, same, "another name").model_dump(),
        round_scenario(setup, SCRIPT["Leads"][:1]).model_dump(),
    ]
    assert result["a"]["profit"] == result["b"]["profit"] == result[HOUSE_TEAM]["profit"]
    assert result["c"]["profit"] != result["a"]["profit"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"ae_hires": 11}, "decisions.ae_hires: Input should be less than or equal to 10"),
        ({"sdr_hires": -1}, "decisions.sdr_hires: Input should be greater than or equal to 0"),
        ({"lead_volume_multiplier": 3.5}, "decisions.lead_volume_multiplier"),
        ({"lead_volume_multiplier": "lots"}, "decisions.lead_volume_multiplier"),
        ({"lead_scoring": 1}, "decisions.lead_scoring: Input should be a valid boolean"),
        ({"policy": "cold_calls"}, "decisions.policy"),
        ({"calling_block_hours": 0.0}, "decisions.calling_block_hours"),
        ({"response_rule_hours": 0.0}, "decisions.response_rule_hours"),
        ({"budget": 2}, "decisions.budget: Extra inputs are not permitted"),
    ],
)
def test_bad_decisions_are_refused_in_one_line(data: dict[str, Any], words: str) -> None:
    with pytest.raises(GameError) as info:
        Decisions.read(data)
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_hires_beyond_the_headcount_budget_are_refused() -> None:
    setup = _setup(budget=3)
    check_history(setup, [_d(ae_hires=2), _d(sdr_hires=1)])
    with pytest.raises(GameError) as info:
        check_history(setup, [_d(ae_hires=2), _d(sdr_hires=1), _d(ae_hires=1)], "Hires")
    message = str(info.value)
    assert message.startswith("Hires.round 3.ae_hires + sdr_hires: hires beyond the headcount")
    assert "4 hired by round 3, at most 3" in message and "\n" not in message
    with pytest.raises(GameError, match="decisions for 5 rounds; the game has 4"):
        check_history(setup, [_d()] * 5)
    with pytest.raises(GameError, match="kept for the reference team"):
        play_round(setup, {HOUSE_TEAM: [_d()]}, library_runner(1))
    with pytest.raises(GameError, match="every team must have played the same rounds"):
        play_round(setup, {"a": [_d()], "b": [_d(), _d()]}, library_runner(1))
    with pytest.raises(GameError, match="no team to play"):
        play_round(setup, {}, library_runner(1), house=False)


def test_a_game_setup_is_checked_against_its_exercise() -> None:
    with pytest.raises(GameError, match=r"^game.rounds: Input should be less than or equal"):
        GameSetup.read({"exercise": _exercise(), "rounds": 13})
    late = load_scenario("more_leads_next_quarter")
    with pytest.raises(GameError, match="a change on day 315 falls inside the rounds"):
        GameSetup.read({"exercise": late, "rounds": 5})
    four = GameSetup.read({"exercise": late, "rounds": 4})
    assert four.days(4) == (252, 315)
    # The exercise's own plan from day 315 falls after the game: the house plays without it.
    assert four.reference().lead_volume_multiplier == 1.0
    assert team_scenario(four, [four.reference()] * 4).changes == []
    early = load_scenario("more_leads_next_quarter", {"changes.0.at_day": 40})
    assert GameSetup.read({"exercise": early}).reference().lead_volume_multiplier == 1.3
    assert len(team_scenario(GameSetup.read({"exercise": early}), [_d()]).changes) == 2
    assert _setup().days(1) == (63, 126)
