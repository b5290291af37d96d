"""The debrief reads the game's results: the leaderboard ranks their totals, the CSV and the HTML
hold every team's figures, and the discussion prompts quote what the teams did."""

from __future__ import annotations

import csv
import io
import math

import pytest

from salessim.debrief import (
    DebriefInputs,
    Question,
    debrief_files,
    discussion_prompts,
    guesses_csv,
    leaderboard,
    rounds_csv,
)
from salessim.formatting import format_value
from salessim.game import (
    HOUSE_TEAM,
    Decisions,
    GameError,
    GameSetup,
    TeamRound,
    library_runner,
    play_game,
)
from salessim.scenario_files import load_scenario

SEED = 5
TIGERS = "<Tigers> & Co"
"""A team name that HTML must escape."""


@pytest.fixture(scope="module")
def setup() -> GameSetup:
    exercise = load_scenario(
        "baseline",
        {
            "aes.count": 4,
            "lead_sources.web_inbound.monthly_volume": 45,
            "lead_sources.content.monthly_volume": 75,
        },
    )
    return GameSetup(exercise=exercise, rounds=2, replications=2, seed=SEED)


@pytest.fixture(scope="module")
def results(setup: GameSetup) -> list[TeamRound]:
    """Three teams and the house, two rounds: one buys leads, one hires, one copies the house."""
    d = Decisions.read
    plans = {
        "Leads": [d({"lead_volume_multiplier": 2.0, "policy": "lead_first"})] * 2,
        TIGERS: [d({"ae_hires": 2, "policy": "closer_first"}), d({"sdr_hires": 1})],
        "Copy": [setup.reference()] * 2,
    }
    return play_game(setup, plans, library_runner(1))


def _team(results: list[TeamRound], team: str) -> list[TeamRound]:
    return sorted((r for r in results if r["team"] == team), key=lambda r: r["round"])


def _share(rounds: list[TeamRound], activity: str) -> float:
    hours = sum(sum(r["ae_hours"].values()) for r in rounds)
    return sum(r["ae_hours"][activity] for r in rounds) / hours


def test_the_leaderboard_ranks_the_totals_of_the_rounds(results: list[TeamRound]) -> None:
    board = leaderboard(results)
    assert {s["team"] for s in board} == {"Leads", TIGERS, "Copy", HOUSE_TEAM}
    for standing in board:
        rounds = _team(results, standing["team"])
        assert standing["profit"] == pytest.approx(sum(r["profit"] for r in rounds), rel=1e-12)
        assert standing["bookings"] == pytest.approx(sum(r["bookings"] for r in rounds))
        assert standing["cost"] == pytest.approx(
            sum(r["marketing_cost"] + r["salary_cost"] + r["commission"] for r in rounds)
        )
        errors = [r["forecast_error_share"] for r in rounds]
        assert standing["forecast_accuracy"] == pytest.approx(1 - sum(errors) / len(errors))
    profits = [s["profit"] for s in board]
    assert profits == sorted(profits, reverse=True)
    # The copy of the house met exactly the house's luck and results: they share a rank.
    ranks = {s["team"]: s["rank"] for s in board}
    assert ranks["Copy"] == ranks[HOUSE_TEAM]
    assert sorted(ranks.values()) in ([1, 2, 3, 3], [1, 2, 2, 4], [1, 1, 3, 4])
    cheapest = leaderboard(results, "cost")
    costs = [s["cost"] for s in cheapest]
    assert costs == sorted(costs) and cheapest[0]["score"] == min(costs)
    accurate = leaderboard(results, "forecast_accuracy")
    assert accurate[0]["forecast_accuracy"] == max(s["forecast_accuracy"] or 0 for s in board)
    with pytest.raises(GameError, match="score: must be one of profit, bookings"):
        leaderboard(results, "happiness")


def test_the_csv_holds_every_teams_decisions_and_results_by_round(
    results: list[TeamRound],
) -> None:
    rows = list(csv.DictReader(io.StringIO(rounds_csv(results))))
    assert len(rows) == len(results) == 8
    for row in rows:
        (played,) = [
            r for r in results if r["team"] == row["team"] and r["round"] == int(row["round"])
        ]
        for key in ("bookings", "profit", "cost", "salary_cost", "forecast", "pipeline_deals_end"):
            assert float(row[key]) == played[key], key  # type: ignore[literal-required]
        assert float(row["ae_hours_share_qualifying"]) == played["ae_hours_share"]["qualifying"]
        sdr_share = played["sdr_hours_share"]["qualifying"]
        assert row["sdr_hours_share_qualifying"] == ("" if sdr_share is None else str(sdr_share))
        assert int(row["ae_hires"]) == played["decisions"]["ae_hires"]
        assert row["policy"] == played["decisions"]["policy"]
        assert float(row["lead_volume_multiplier"]) == played["decisions"]["lead_volume_multiplier"]
    tigers = [row for row in rows if row["team"] == TIGERS]
    assert [(row["ae_hires"], row["sdr_hires"]) for row in tigers] == [("2", "0"), ("0", "1")]
    # SDRs work only in the round after the team hired them.
    assert [row["sdr_hours_share_qualifying"] == "" for row in tigers] == [True, False]


def _question() -> Question:
    return Question.read(
        {
            "question": "Profit a quarter with twice the leads?",
            "answer": 120_000.0,
            "low": 90_000.0,
            "high": 150_000.0,
            "kind": "money",
            "guesses": {"Leads": 200_000.0, TIGERS: 100_000.0, "Copy": 150_000.0},
        }
    )


def test_the_guesses_are_set_against_the_answer_and_its_interval() -> None:
    rows = list(csv.DictReader(io.StringIO(guesses_csv([_question()]))))
    by_team = {row["team"]: row for row in rows}
    assert float(by_team["Leads"]["miss"]) == 80_000.0
    assert [by_team[t]["inside_interval"] for t in ("Leads", TIGERS, "Copy")] == [
        "False",
        "True",
        "True",
    ]
    with pytest.raises(GameError, match=r"^question: low and high: give both ends"):
        Question.read({"question": "q", "answer": 1.0, "low": 0.5, "guesses": {}})
    with pytest.raises(GameError, match=r"^question.guesses.Leads: Input should be a valid"):
        Question.read({"question": "q", "answer": 1.0, "guesses": {"Leads": "lots"}})


def test_the_html_debrief_shows_every_teams_figures_escaped(
    setup: GameSetup, results: list[TeamRound]
) -> None:
    files = debrief_files(
        setup, results, DebriefInputs(title="Spring & co", questions=[_question()])
    )
    html = files["debrief.html"]
    assert set(files) == {"debrief.html", "rounds.csv", "guesses.csv"}
    assert "&lt;Tigers&gt; &amp; Co" in html and TIGERS not in html
    assert "<title>Spring &amp; co</title>" in html
    for standing in leaderboard(results):
        assert format_value(standing["profit"], "money") in html
    for row in results:
        for key in ("bookings", "profit", "cost"):
            assert format_value(row[key], "money") in html  # type: ignore[literal-required]
    assert "$120.0k" in html and "$90.0k – $150.0k" in html
    for prompt in discussion_prompts(results):
        escaped = prompt.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert escaped.replace("'", "&#39;") in html


def test_the_prompts_quote_what_the_teams_did(results: list[TeamRound]) -> None:
    prompts = discussion_prompts(results)
    assert len(prompts) == 3
    board = leaderboard(results)
    rank = {s["team"]: s["rank"] for s in board}
    leads, hires, forecast = prompts
    ordinal = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th"}
    qualifying = _share(_team(results, "Leads"), "qualifying")
    assert leads.startswith("The team that bought the most leads, Leads (×2.00")
    assert f"finished {ordinal[rank['Leads']]} of 4" in leads
    assert f"its AEs spent {qualifying * 100:.0f}% of their time qualifying" in leads
    assert hires.startswith(f"{TIGERS} hired the most (2 AEs and 1 SDR)")
    salaries = sum(r["salary_cost"] for r in _team(results, TIGERS))
    assert format_value(salaries, "money") + " in salaries" in hires
    worst = min(
        (s for s in board if s["team"] != HOUSE_TEAM), key=lambda s: s["forecast_accuracy"] or 0
    )["team"]
    assert forecast.startswith(f"{worst}'s forecast missed the most")
    # Without a hire the second prompt turns to the team whose AEs sat idle most.
    no_hires = [r for r in results if r["team"] != TIGERS]
    idle = {t: _share(_team(no_hires, t), "idle") for t in ("Leads", "Copy")}
    waiting = max(idle, key=lambda t: idle[t])
    second = discussion_prompts(no_hires)[1]
    assert second.startswith(f"Nobody hired. {waiting}'s AEs sat idle the most")
    assert f"{idle[waiting] * 100:.0f}% of their time" in second
    assert not math.isnan(idle[waiting])


def test_an_empty_game_has_no_prompts_and_an_empty_board() -> None:
    assert leaderboard([]) == [] and discussion_prompts([]) == []
    assert rounds_csv([]).strip() == "team,round"
