"""Workshop rooms end to end in a real browser: Playwright driving Debian's Chromium.

One ``salessim serve --trainer-pin`` with a rooms file in a temporary folder, one browser. A
student's session never sees trainer controls; the trainer opens a room and pushes a short
exercise (two quarters, two replications); ten teams join from ten pages of the browser at
once, guess, and all see the revealed histogram; a reloaded team page keeps its team; a round
of the game (one replication) played by two teams in their own sessions shows each team the
library's quarter, and a team's page and address give no trainer control.
See DEVELOPERS.md for the set-up (``apt-get install chromium``) and the browser flags.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import MARKS, TIMEOUT_MS, move_slider, new_context, serve
from playwright.sync_api import BrowserContext, Page, expect

from salessim.app.levers import build_scenario, with_horizon
from salessim.app.room_pages import exercise_document
from salessim.app.views import check_prediction, signed_percent
from salessim.experiments import compare
from salessim.formatting import MINUS, format_value
from salessim.game import Decisions, GameSetup, library_runner, play_round
from salessim.metrics import label
from salessim.rooms import RoomStore
from salessim.scenario_files import load_scenario

pytestmark = MARKS

PIN = "browser-pin-42"
QUARTERS = 2
REPLICATIONS = 2
TEAMS = 10
GUESS_LABEL = "Your team's prediction: change in bookings (%)"


@pytest.fixture(scope="module")
def rooms_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rooms") / "rooms.sqlite3"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, rooms_db: Path) -> Iterator[str]:
    with serve(tmp_path_factory, ("--trainer-pin", PIN, "--rooms-db", str(rooms_db))) as url:
        yield url


def open_a_room(trainer: Page, store: RoomStore) -> str:
    """Press "Open a new room" on the trainer's page; the new room's code once it is shown
    (the page may show an older room of the module's store until then)."""
    before = set(store.open_rooms())
    trainer.get_by_role("button", name="Open a new room").click()
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not (new := set(store.open_rooms()) - before) and time.monotonic() < deadline:
        time.sleep(0.2)
    (code,) = new
    expect(trainer.get_by_role("heading", name=f"Room code: {code}")).to_be_visible()
    return code


def test_a_student_can_neither_see_nor_reach_trainer_controls(
    context: BrowserContext, server: str
) -> None:
    page = context.new_page()
    page.goto(server + "trainer")
    expect(page.get_by_label("Trainer PIN")).to_be_visible()
    expect(page.get_by_role("button", name="Open a new room")).to_have_count(0)
    expect(page.get_by_text("Push to the room")).to_have_count(0)
    page.get_by_label("Trainer PIN").fill("guessing")
    page.get_by_role("button", name="Enter", exact=True).click()
    expect(page.get_by_text("That is not the trainer's PIN.")).to_be_visible()
    expect(page.get_by_role("button", name="Open a new room")).to_have_count(0)
    page.goto(server + "classroom")
    expect(
        page.get_by_role("textbox", name="Your prediction: change in bookings (%)")
    ).to_be_visible()
    expect(page.get_by_text("Exercise setup", exact=False)).to_have_count(0)
    expect(page.locator("input[type=range]")).to_have_count(0)
    page.goto(server + "room")
    expect(page.get_by_label("Room code")).to_be_visible()
    expect(page.get_by_role("button", name="Reveal the answer")).to_have_count(0)


def test_ten_teams_guess_at_once_and_all_see_the_revealed_histogram(
    context: BrowserContext, server: str, rooms_db: Path
) -> None:
    trainer = context.new_page()
    trainer.goto(server + "trainer")
    trainer.get_by_label("Trainer PIN").fill(PIN)
    trainer.get_by_role("button", name="Enter", exact=True).click()
    code = open_a_room(trainer, RoomStore(rooms_db))
    assert RoomStore(rooms_db).open_rooms() == [code]
    move_slider(trainer, "Simulated time (quarters)", QUARTERS, first_key="Home")
    move_slider(trainer, "Replications", REPLICATIONS, first_key="Home")
    move_slider(trainer, "Account executives (AEs)", 10)
    expect(trainer.get_by_text(f"× {REPLICATIONS} replications")).to_be_visible()
    trainer.get_by_role("button", name="Push to the room").click()
    expect(trainer.get_by_text("Pushed: every team now sees this exercise.")).to_be_visible()

    # Ten teams join at once: ten pages of one browser session, each its own app session.
    browser = context.browser
    assert browser is not None
    class_context = new_context(browser, {"width": 1000, "height": 1200})
    students = [class_context.new_page() for _ in range(TEAMS)]
    for page in students:
        page.goto(server + "room")
    for i, page in enumerate(students):
        page.get_by_label("Room code").fill(code.lower())
        page.get_by_label("Team name").fill(f"Team {i}")
        page.get_by_role("button", name="Join", exact=True).click()
    for i, page in enumerate(students):
        expect(page.get_by_text(f"team Team {i}")).to_be_visible()
        box = page.get_by_role("textbox", name=GUESS_LABEL)
        box.fill(str(5 * i))
        box.press("Enter")
    for page in students:
        submit = page.get_by_role("button", name="Submit our prediction")
        expect(submit).to_be_enabled()
        submit.click()
    for i, page in enumerate(students):
        expect(page.get_by_text(f"prediction is in: {signed_percent(5 * i)}")).to_be_visible()
    assert sorted(g.value for g in RoomStore(rooms_db).guesses(code)) == [
        5.0 * i for i in range(10)
    ]

    trainer.get_by_role("button", name="Refresh").click()
    expect(trainer.get_by_text(f"{TEAMS} joined, {TEAMS} guessed")).to_be_visible()
    trainer.get_by_role("button", name="Reveal the answer").click()  # simulated on push
    start = with_horizon(load_scenario("baseline"), QUARTERS)
    library = compare(
        [start, build_scenario(start, {"aes": 10})], n=REPLICATIONS, seed=0, workers=1
    )
    answer = signed_percent(check_prediction(library, "bookings", 0.0).actual_percent.mean)
    # Every team's page redraws by itself when the trainer reveals.
    for page in [trainer, *students]:
        expect(page.get_by_text(f"The simulation says {answer}")).to_be_visible()
        chart = page.get_by_test_id("stVegaLiteChart").filter(has_text="class's guesses")
        expect(chart.locator("svg").first).to_be_visible()
    expect(students[2].get_by_text(f"Your team predicted {signed_percent(10.0)}.")).to_be_visible()
    class_context.close()


def test_a_reloaded_team_page_keeps_its_team(
    context: BrowserContext, server: str, rooms_db: Path
) -> None:
    store = RoomStore(rooms_db)
    code = store.open_room()
    start = with_horizon(load_scenario("baseline"), QUARTERS)
    store.push(code, exercise_document(start, {"sdrs": 2}, [], "wins", REPLICATIONS, 0))
    page = context.new_page()
    page.goto(server + "room")
    page.get_by_label("Room code").fill(code)
    page.get_by_label("Team name").fill("Reloaders")
    page.get_by_role("button", name="Join", exact=True).click()
    box = page.get_by_role(
        "textbox", name=f"Your team's prediction: change in {label('wins').lower()} (%)"
    )
    box.fill("-7")
    box.press("Enter")
    page.get_by_role("button", name="Submit our prediction").click()
    expect(page.get_by_text("prediction is in: −7.0%")).to_be_visible()
    assert f"room={code}" in page.url
    page.reload()
    expect(page.get_by_text("team Reloaders")).to_be_visible()
    expect(page.get_by_text("prediction is in: −7.0%")).to_be_visible()
    expect(page.get_by_label("Team name")).to_have_count(0)
    assert [t.name for t in store.teams(code)] == ["Reloaders"]  # not joined twice


def test_a_round_of_the_game_played_by_two_team_sessions_gives_the_librarys_quarters(
    context: BrowserContext, server: str, rooms_db: Path
) -> None:
    # A short game: workshop_game, one round, one replication per round, seed 0.
    store = RoomStore(rooms_db)
    trainer = context.new_page()
    trainer.goto(f"{server}trainer?trainer={store.open_trainer_session()}")
    trainer.reload()  # the token in the address stands for the PIN
    code = open_a_room(trainer, store)
    trainer.get_by_text("Workshop game: rounds, leaderboard and debrief").click()
    move_slider(trainer, "Rounds (quarters)", 1, first_key="Home")
    move_slider(trainer, "Replications per round", 1, first_key="Home")
    trainer.get_by_role("button", name="Start the game").click()
    expect(trainer.get_by_text("The game is set")).to_be_visible()
    trainer.get_by_role("button", name="Open round 1").click()
    expect(trainer.get_by_text("Round 1 of 1: open for decisions.")).to_be_visible()

    # Two teams, each in its own browser session, decide and submit.
    browser = context.browser
    assert browser is not None
    sessions = [new_context(browser, {"width": 1200, "height": 1400}) for _ in range(2)]
    typed = {"Reds": ("Lead budget", "1.3"), "Blues": ("AE hires this round", "1")}
    pages = {}
    for session, (team, (field, value)) in zip(sessions, typed.items(), strict=True):
        page = session.new_page()
        page.goto(server + "room")
        page.get_by_label("Room code").fill(code)
        page.get_by_label("Team name").fill(team)
        page.get_by_role("button", name="Join", exact=True).click()
        expect(page.get_by_text("Your decisions for round 1")).to_be_visible()
        box = page.get_by_role("textbox", name=re.compile(f"^{field}"))
        box.fill(value)
        box.press("Enter")
        submit = page.get_by_role("button", name="Submit our decisions")
        expect(submit).to_be_enabled()
        submit.click()
        expect(page.get_by_text("Your decisions for round 1 are in")).to_be_visible()
        pages[team] = page
    # What each team submitted is its one typed change and the page's start values, the
    # exercise's own levers (a policy the team never touched once came back as the first one).
    setup = GameSetup.read(
        {
            "exercise": load_scenario("workshop_game"),
            "rounds": 1,
            "headcount_budget": 4,
            "replications": 1,
            "seed": 0,
        }
    )
    start = setup.reference().model_dump()
    intended = {
        "Reds": Decisions.read({**start, "lead_volume_multiplier": 1.3}),
        "Blues": Decisions.read({**start, "ae_hires": 1}),
    }
    teams = {t.name: t.token for t in store.teams(code)}
    decided = {r.token: r.decisions or {} for r in store.rounds(code) if r.round == 1}
    for team, decisions in intended.items():
        assert Decisions.read(decided[teams[team]]) == decisions, team

    # A team's page has no trainer control; its address does not open the Trainer page.
    for name in ("Close round 1 and simulate it", "Start the game", "Open a new room"):
        expect(pages["Reds"].get_by_role("button", name=name)).to_have_count(0)
    intruder = sessions[0].new_page()
    intruder.goto(f"{server}trainer?room={code}&team={teams['Reds']}")
    expect(intruder.get_by_label("Trainer PIN")).to_be_visible()
    expect(intruder.get_by_role("button", name="Open a new room")).to_have_count(0)

    trainer.get_by_role("button", name="Refresh", exact=True).click()
    expect(trainer.get_by_text("Decisions in: 2 of 2 teams.")).to_be_visible()
    trainer.get_by_role("button", name="Close round 1 and simulate it").click()
    expect(trainer.get_by_text("Round 1 of 1: played.")).to_be_visible()

    # Both team pages redraw by themselves with their quarter's P&L: the library's numbers.
    library = play_round(
        setup, {team: [d] for team, d in intended.items()}, library_runner(workers=1)
    )
    assert library["Reds"]["profit"] != library["Blues"]["profit"]
    for team, page in pages.items():
        expect(page.get_by_text("Your team's quarters")).to_be_visible()
        profit = format_value(library[team]["profit"], "money", MINUS)
        row = page.get_by_role("row").filter(has=page.get_by_role("cell", name="1", exact=True))
        try:
            expect(row.filter(has_text=profit)).to_have_count(1)
        except AssertionError as exc:
            # Say what the page showed instead: a wrong figure and a page that never redrew
            # call for different fixes.
            shown = page.get_by_role("row").all_inner_texts()
            raise AssertionError(f"{team}: no quarter-1 row with {profit}; rows: {shown}") from exc
        expect(page.get_by_text("The game is over.")).to_be_visible()
    for session in sessions:
        session.close()
