"""The workshop game through the app's pages (Streamlit's AppTest): a trainer and two teams play
two rounds; what the pages store and show is the library's game for the same decisions and seed.

Short game: workshop_game (pushed to the room as its exercise), 2 rounds, 2 replications
per round, seed 7 (a few seconds of CPU)."""

from __future__ import annotations

import csv
import io
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("streamlit", reason="the app extra is not installed: pip install -e '.[app]'")

import altair as alt
from app_pages import page_script
from streamlit.testing.v1 import AppTest

from salessim.app import ui
from salessim.app.game_pages import (
    PUSHED,
    AheadRuns,
    ahead_runs,
    close_round,
    open_round,
    pool_runner,
    room_debrief,
    rounds_charts,
    standings_table,
    submit_decisions,
)
from salessim.app.pool import WORKERS_ENV
from salessim.app.results_cache import RunKey, scenario_fingerprint
from salessim.app.room_pages import exercise_document
from salessim.app.server import ROOMS_DB_ENV, TRAINER_PIN_ENV
from salessim.debrief import leaderboard
from salessim.entities import ACTIVITIES
from salessim.formatting import MINUS, format_value
from salessim.game import (
    HOUSE_TEAM,
    Decisions,
    GameSetup,
    library_runner,
    play_game,
    play_round,
    round_scenario,
)
from salessim.rooms import RoomStore
from salessim.scenario_files import load_scenario

EXERCISE = Path(__file__).resolve().parents[1] / "scenarios" / "workshop_game.yaml"

PIN = "open-sesame"
ROUNDS, REPLICATIONS, SEED, BUDGET = 2, 2, 7, 3
TRAINER_SCRIPT = page_script("room_pages", "trainer_page")
ROOM_SCRIPT = page_script("room_pages", "room_page")


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "rooms.sqlite3"
    monkeypatch.setenv(WORKERS_ENV, "1")
    monkeypatch.setenv(TRAINER_PIN_ENV, PIN)
    monkeypatch.setenv(ROOMS_DB_ENV, str(path))
    return path


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error]
    parts += [s.value for s in at.success] + [s.value for s in at.subheader]
    parts += [i.value for i in at.info]
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))  # as read on screen


def _team_page(code: str, token: str) -> AppTest:
    at = AppTest.from_string(ROOM_SCRIPT, default_timeout=120)
    at.query_params["room"] = code
    at.query_params["team"] = token
    at.run()
    assert not at.exception
    return at


def _decide(at: AppTest, code: str, k: int, **typed: Any) -> None:
    for name, value in typed.items():
        key = f"game.{code}.{k}.{name}"
        if name == "policy":
            at.selectbox(key=key).set_value(value)
        elif name == "lead_scoring":
            at.checkbox(key=key).check()
        else:
            at.text_input(key=key).input(str(value))
    at.run()
    assert not at.exception


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def test_a_trainer_and_two_teams_play_two_rounds_as_the_library_would(db: Path) -> None:
    trainer = AppTest.from_string(TRAINER_SCRIPT, default_timeout=120)
    trainer.session_state["room.trainer"] = True  # as after the PIN (tested with the rooms)
    trainer.run()
    trainer.button(key="room.open").click().run()
    store = RoomStore(db)
    (code,) = store.open_rooms()
    reds, blues = store.join(code, "Reds"), store.join(code, "Blues")
    exercise = load_scenario(EXERCISE)
    version = store.push(code, exercise_document(exercise, {}, [], "bookings", 2, 0))
    store.guess(code, reds, 12.0)
    answer = {"metric": "bookings", "mean": 8.5, "ci_low": 3.0, "ci_high": 14.0, "p_value": 0.01}
    assert store.set_answer(code, version, answer)
    trainer.run()
    trainer.selectbox(key="game.exercise").set_value(PUSHED)
    trainer.slider(key="game.rounds").set_value(ROUNDS)
    trainer.slider(key="game.headcount").set_value(BUDGET)
    trainer.slider(key="game.replications").set_value(REPLICATIONS)
    trainer.number_input(key="game.seed").set_value(SEED)
    trainer.button(key="game.start").click().run()
    assert not trainer.exception
    setup = GameSetup.read(
        {
            "exercise": exercise,
            "rounds": ROUNDS,
            "headcount_budget": BUDGET,
            "replications": REPLICATIONS,
            "seed": SEED,
        }
    )
    game = store.game(code)
    assert game is not None and game.setup == setup.model_dump(mode="json")
    trainer.button(key="game.open").click().run()
    assert "Round 1 of 2: open for decisions" in _texts(trainer)

    # Round 1: both teams decide; Blues first tries more hires than its budget.
    red_page, blue_page = _team_page(code, reds), _team_page(code, blues)
    assert "Headcount budget: 3 of 3 hires left" in _texts(red_page)
    _decide(red_page, code, 1, lead_volume_multiplier="1.3", ae_hires=1, lead_scoring=True)
    red_page.button(key=f"game.{code}.1.submit").click().run()
    _decide(blue_page, code, 1, ae_hires=2, sdr_hires=2)
    assert "AE and SDR hires: 3 left in the headcount budget (got 2 + 2)" in _texts(blue_page)
    assert blue_page.button(key=f"game.{code}.1.submit").disabled
    _decide(blue_page, code, 1, ae_hires=4, sdr_hires=0)
    assert "AE hires must be from 0 to 3 (got '4')" in _texts(blue_page)
    assert blue_page.button(key=f"game.{code}.1.submit").disabled
    _decide(blue_page, code, 1, ae_hires=0, sdr_hires=2, policy="time_blocked")
    _decide(blue_page, code, 1, calling_block_hours="2.5")
    blue_page.button(key=f"game.{code}.1.submit").click().run()
    assert "Your decisions for round 1 are in" in _texts(blue_page)
    trainer.button(key="game.refresh").click().run()
    assert "Decisions in: 2 of 2 teams" in _texts(trainer)
    trainer.button(key="game.close").click().run()
    assert not trainer.exception
    assert "Round 1 of 2: played" in _texts(trainer)

    # A reload keeps the team; round 2: Reds change their response rule, Blues keep theirs.
    trainer.button(key="game.open").click().run()
    red_page = _team_page(code, reds)
    assert "Headcount budget: 2 of 3 hires left" in _texts(red_page)
    assert red_page.text_input(key=f"game.{code}.2.lead_volume_multiplier").value == "1.3"
    _decide(red_page, code, 2, response_rule_hours="4")
    red_page.button(key=f"game.{code}.2.submit").click().run()
    red_page = _team_page(code, reds)  # reloaded: its submitted decisions are shown
    assert "Your decisions for round 2 are in" in _texts(red_page)
    assert red_page.text_input(key=f"game.{code}.2.response_rule_hours").value == "4"
    trainer.button(key="game.close").click().run()
    assert not trainer.exception

    # The library's game with the same decisions and seed.
    start = setup.reference().model_dump()  # the exercise's levers, as the form starts
    red1 = Decisions.read(
        {**start, "lead_volume_multiplier": 1.3, "ae_hires": 1, "lead_scoring": True}
    )
    red2 = red1.model_copy(update={"ae_hires": 0, "response_rule_hours": 4.0})
    blue1 = Decisions.read(
        {**start, "sdr_hires": 2, "policy": "time_blocked", "calling_block_hours": 2.5}
    )
    blue2 = blue1.model_copy(update={"sdr_hires": 0})
    library = play_game(
        setup, {"Reds": [red1, red2], "Blues": [blue1, blue2]}, library_runner(workers=1)
    )
    stored = [dict(r.results or {}) for r in store.rounds(code)]
    game = store.game(code)
    assert game is not None
    stored += list(game.house.values())
    key = lambda r: (r["round"], r["team"])  # noqa: E731
    assert sorted(stored, key=key) == sorted((dict(r) for r in library), key=key)
    assert len(stored) == 6 and library[0]["profit"] != library[1]["profit"]

    # The team's page shows its quarters; the leaderboard, once shown, is the library's.
    red_page = _team_page(code, reds)
    (quarters,) = [t.value for t in red_page.table if "Round" in t.value.columns]
    assert quarters["Round"].tolist() == [1, 2]
    reds_rounds = sorted((r for r in library if r["team"] == "Reds"), key=lambda r: r["round"])
    assert quarters["Profit"].tolist() == [
        format_value(r["profit"], "money", MINUS) for r in reds_rounds
    ]
    assert "The game is over" in _texts(red_page)
    assert not any("Leaderboard" in m for m in _texts(red_page).splitlines())
    trainer.selectbox(key="game.board_score").set_value("bookings")
    trainer.toggle(key="game.board_shown").set_value(True)
    trainer.run()
    expected = standings_table(leaderboard(library, "bookings"), "bookings")
    (board,) = [t.value for t in trainer.table if "Rank" in t.value.columns]
    shown = board.to_dict("records")
    assert [{k: str(v) for k, v in row.items()} for row in shown] == [
        {k: str(v) for k, v in row.items()} for row in expected
    ]
    assert len(trainer.get("download_button")) == 3
    red_page.run()
    assert "**Leaderboard** (ranked by bookings)" in _texts(red_page)
    (board,) = [t.value for t in red_page.table if "Rank" in t.value.columns]
    assert board["Team"].tolist() == [s["Team"] for s in expected]

    # The debrief: every team's rounds in the CSV and the HTML.
    files = room_debrief(store, code)
    rows = list(csv.DictReader(io.StringIO(files["rounds.csv"])))
    assert sorted((row["team"], row["round"]) for row in rows) == sorted(
        (team, str(k)) for team in ("Reds", "Blues", "House") for k in (1, 2)
    )
    profits = {(row["team"], int(row["round"])): float(row["profit"]) for row in rows}
    assert profits == pytest.approx({(r["team"], r["round"]): r["profit"] for r in library})
    page = _Text()
    page.feed(files["debrief.html"])
    text = " ".join(page.parts)
    assert all(team in text for team in ("Reds", "Blues", "House"))
    (guess,) = csv.DictReader(io.StringIO(files["guesses.csv"]))
    assert (guess["team"], float(guess["guess"]), float(guess["answer"])) == ("Reds", 12.0, 8.5)
    assert guess["inside_interval"] == "True"


class _FakeJob:
    def __init__(self, scenario: str) -> None:
        self.scenario, self.cancelled = scenario, False

    def cancel(self) -> None:
        self.cancelled = True


class _FakePool:
    """Records what AheadRuns asks the pool for (the jobs' runs do not matter here)."""

    def __init__(self) -> None:
        self.jobs: list[_FakeJob] = []

    def submit(self, scenarios: list[Any], n: int, seed: int, series: bool) -> _FakeJob:
        assert (n, seed, series) == (REPLICATIONS, SEED, False)
        self.jobs.append(_FakeJob(scenarios[0].name))
        return self.jobs[-1]


def test_a_changed_submission_cancels_the_run_it_supersedes_and_the_close_releases_all() -> None:
    setup = GameSetup.read(
        {"exercise": load_scenario(EXERCISE), "replications": REPLICATIONS, "seed": SEED}
    )
    scenario = round_scenario(setup, [setup.reference()])
    ahead, pool = AheadRuns(), _FakePool()
    ahead.start(pool, "ROOM1", "reds", 1, scenario, setup)  # type: ignore[arg-type]
    ahead.start(pool, "ROOM1", "blues", 1, scenario, setup)  # type: ignore[arg-type]
    ahead.start(pool, "ROOM2", "reds", 1, scenario, setup)  # type: ignore[arg-type]
    first = pool.jobs[0]
    ahead.start(pool, "ROOM1", "reds", 1, scenario, setup)  # type: ignore[arg-type]
    assert first.cancelled and not any(job.cancelled for job in pool.jobs[1:])
    assert ahead.pending("ROOM1") == {"reds": 1, "blues": 1}
    ahead.release("ROOM1")
    assert [job.cancelled for job in pool.jobs] == [True, True, False, True]
    assert ahead.pending("ROOM1") == {} and ahead.pending("ROOM2") == {"reds": 1}
    # A room the store no longer has (expired with a round open): its runs are let go.
    ahead.start(pool, "ROOM3", "reds", 1, scenario, setup)  # type: ignore[arg-type]
    ahead.keep_only({"ROOM3"})
    assert pool.jobs[2].cancelled and not pool.jobs[-1].cancelled
    assert ahead.pending("ROOM2") == {} and ahead.pending("ROOM3") == {"reds": 1}


def test_rounds_simulated_as_teams_submit_are_the_rounds_simulated_at_the_close(db: Path) -> None:
    """Seed 13 (no other test's runs in the shared pool), 2 replications, one round: the
    house's round starts at the open, each team's at its submission (Reds change theirs,
    Greens submit nothing); no team sees a result before the close, which simulates nothing
    new and stores the library's numbers."""
    seed = 13
    store = RoomStore(db)
    code = store.open_room()
    exercise = load_scenario(EXERCISE)
    store.push(code, exercise_document(exercise, {}, [], "bookings", 2, 0))
    teams = {name: store.join(code, name) for name in ("Reds", "Blues", "Greens")}
    setup = GameSetup.read(
        {"exercise": exercise, "rounds": 2, "replications": REPLICATIONS, "seed": seed}
    )
    store.start_game(code, setup.model_dump(mode="json"), "profit")
    open_round(store, code, 1)
    start = setup.reference().model_dump()
    plays = {
        "Reds": Decisions.read({**start, "lead_volume_multiplier": 1.4, "ae_hires": 1}),
        "Blues": Decisions.read({**start, "policy": "lead_first", "lead_scoring": True}),
    }
    first_try = Decisions.read({**start, "lead_volume_multiplier": 0.7})
    for name, decisions in (("Reds", first_try), *plays.items()):
        team = store.team(code, teams[name])
        assert team is not None
        submit_decisions(store, code, team, setup, 1, decisions)
    assert ahead_runs().pending(code) == {HOUSE_TEAM: 1, teams["Reds"]: 1, teams["Blues"]: 1}

    pool = ui.shared_pool()
    wanted = [
        RunKey(
            scenario_fingerprint(round_scenario(setup, [d]).model_dump(mode="json")), seed, i, False
        )
        for d in (*plays.values(), setup.reference())
        for i in range(REPLICATIONS)
    ]
    deadline = time.monotonic() + 300
    while not all(pool.cache.get(key) is not None for key in wanted):
        assert time.monotonic() < deadline, "the rounds simulated ahead did not finish"
        time.sleep(0.2)
    assert all(r.results is None for r in store.rounds(code))  # nothing stored before the close
    page = _team_page(code, teams["Reds"])
    assert not [t for t in page.table if "Round" in t.value.columns]
    assert "Your decisions for round 1 are in" in _texts(page)

    simulated = len(pool.cache)
    game = store.game(code)
    assert game is not None
    results = close_round(store, code, game, pool_runner())
    assert len(pool.cache) == simulated  # every run was ready: Greens play the house's levers
    assert ahead_runs().pending(code) == {}
    library = play_round(
        setup,
        {"Reds": [plays["Reds"]], "Blues": [plays["Blues"]], "Greens": [setup.reference()]},
        library_runner(workers=1),
    )
    assert results == library
    stored = {r.team: r.results for r in store.rounds(code)}
    assert stored == {name: dict(library[name]) for name in teams}
    assert library["Reds"]["profit"] != library["Blues"]["profit"]
    page.run()
    (quarters,) = [t.value for t in page.table if "Round" in t.value.columns]
    assert quarters["Profit"].tolist() == [format_value(library["Reds"]["profit"], "money", MINUS)]


def test_the_quarters_chart_is_a_valid_vega_lite_spec_of_the_teams_rounds() -> None:
    row: dict[str, Any] = {
        "round": 1,
        "bookings": 900_000.0,
        "forecast": 850_000.0,
        "profit": float("nan"),
        "ae_hours": {act: 100.0 * (k + 1) for k, act in enumerate(ACTIVITIES)},
    }
    later = {**row, "round": 2, "profit": 120_000.0}
    spec = rounds_charts([row, later])  # type: ignore[list-item]
    alt.HConcatChart.from_dict(spec)  # validated against Vega-Lite's schema; raises if invalid
    money, hours = (view["data"]["values"] for view in spec["hconcat"])
    assert [(v["Round"], v["What"], v["$"]) for v in money] == [
        (1, "Bookings", 900_000.0),
        (1, "Forecast", 850_000.0),
        (2, "Bookings", 900_000.0),
        (2, "Forecast", 850_000.0),
        (2, "Profit", 120_000.0),
    ]
    assert len(hours) == 2 * len(ACTIVITIES)
    assert sum(v["Hours"] for v in hours if v["Round"] == 2) == 100.0 * sum(
        range(1, len(ACTIVITIES) + 1)
    )
