"""Workshop rooms end to end in a real browser: Playwright driving Debian's Chromium.

One ``salessim serve --trainer-pin`` with a rooms file in a temporary folder, one browser. A
student's session never sees trainer controls; the trainer opens a room and pushes a short
exercise (two quarters, two replications); ten teams join from ten pages of the browser at
once, guess, and all see the revealed histogram; a reloaded team page keeps its team.
See DEVELOPERS.md for the set-up (``apt-get install chromium``) and the browser flags.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import MARKS, move_slider, new_context, serve
from playwright.sync_api import BrowserContext, expect

from salessim.app.levers import build_scenario, with_horizon
from salessim.app.room_pages import exercise_document
from salessim.app.views import check_prediction, signed_percent
from salessim.experiments import compare
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
    trainer.get_by_role("button", name="Open a new room").click()
    heading = trainer.get_by_role("heading", name=re.compile("Room code"))
    expect(heading).to_be_visible()
    code = heading.inner_text().split(":")[-1].strip()
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
