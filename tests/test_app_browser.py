"""The web app end to end in a real browser: Playwright driving Debian's Chromium.

One ``salessim serve`` on a free loopback port for the module, one browser, a fresh context
(a new browser session) per test. Runs are two quarters long with two replications, so the
checks are about the app: sliders move, runs finish, numbers and charts agree with the library
for the same inputs and seed, sessions keep their own results, bad files are refused.
See DEVELOPERS.md for the set-up (``apt-get install chromium``) and the browser flags.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

import pytest
from browser_support import MARKS, move_slider, new_context, serve
from playwright.sync_api import Browser, Page, expect

from salessim.app.levers import build_scenario, with_horizon
from salessim.app.views import check_prediction, signed_percent
from salessim.experiments import Comparison, compare
from salessim.formatting import format_value
from salessim.scenario_files import load_scenario

pytestmark = MARKS

QUARTERS = 2
REPLICATIONS = 2


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(tmp_path_factory) as url:
        yield url


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading").first).to_be_visible()


def short_run_settings(page: Page) -> None:
    move_slider(page, "Simulated time (quarters)", QUARTERS, first_key="Home")
    move_slider(page, "Replications", REPLICATIONS, first_key="Home")
    # The server has rerun the page with both: the work estimate says so.
    estimate = re.compile(rf"2 scenarios × {REPLICATIONS} replications ≈ 0\.\d units")
    expect(page.get_by_text(estimate)).to_be_visible()


def wait_until_changed(read: Callable[[], str], before: str, timeout: float = 30.0) -> str:
    """Poll `read` until it returns something other than `before` (a chart redrawn)."""
    deadline = time.monotonic() + timeout
    while (now := read()) == before and time.monotonic() < deadline:
        time.sleep(0.2)
    return now


def library_comparison(values: dict[str, object]) -> Comparison:
    start = with_horizon(load_scenario("baseline"), QUARTERS)
    return compare([start, build_scenario(start, values)], n=REPLICATIONS, seed=0, workers=1)


def bookings_cells(values: dict[str, object]) -> list[str]:
    """The key-numbers table's bookings of both scenarios, as the library computes them."""
    sets = library_comparison(values).sets
    return [format_value(s.intervals()["bookings"].mean, "money") for s in sets]


def table_row(page: Page, metric: str) -> list[str]:
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=metric, exact=True))
    return [cell.strip() for cell in row.first.inner_text().split("\t")]


def run_what_if(page: Page) -> None:
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_text("Key numbers")).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_count(0)


def test_what_if_slider_run_matches_the_library(page: Page, server: str) -> None:
    open_app(page, server)
    short_run_settings(page)
    move_slider(page, "Account executives (AEs)", 10)
    expect(page.get_by_text("Account executives: 8 → 10")).to_be_visible()
    run_what_if(page)
    cells = bookings_cells({"aes": 10})
    expect(page.get_by_role("row").filter(has_text=cells[1])).to_have_count(1)
    assert table_row(page, "Bookings")[1:3] == cells
    chart = page.get_by_test_id("stVegaLiteChart").filter(has_text="Quarter (after warm-up)")
    expect(chart.first.locator("svg")).to_be_visible()
    before = chart.first.inner_html()

    move_slider(page, "Account executives (AEs)", 12)
    expect(page.get_by_text("You changed the inputs")).to_be_visible()
    run_what_if(page)
    cells = bookings_cells({"aes": 12})
    expect(page.get_by_role("row").filter(has_text=cells[1])).to_have_count(1)
    assert table_row(page, "Bookings")[1:3] == cells
    expect(page.get_by_text("You changed the inputs")).to_have_count(0)
    after = wait_until_changed(chart.first.inner_html, before)
    assert after != before, "the bookings chart did not change"


def test_classroom_prediction_is_compared_with_the_result(page: Page, server: str) -> None:
    open_app(page, server + "classroom")
    page.get_by_text("Exercise setup: levers and run settings (for the trainer)").click()
    short_run_settings(page)
    run = page.get_by_role("button", name="Run and reveal")
    expect(run).to_be_disabled()  # predict first
    guess = page.get_by_role("textbox", name="Your prediction: change in bookings (%)")
    guess.fill("25")
    guess.press("Enter")
    expect(run).to_be_enabled()
    run.click()
    expect(page.get_by_text("You predicted +25.0%.")).to_be_visible()
    library = library_comparison({"lead_volume": 130})
    actual = check_prediction(library, "bookings", 25.0).actual_percent
    expect(page.get_by_text(f"The simulation says {signed_percent(actual.mean)}")).to_be_visible()
    expect(page.get_by_text("Your guess vs the simulated change in bookings")).to_be_visible()


def test_upload_shows_clear_errors_and_accepts_a_good_file(page: Page, server: str) -> None:
    open_app(page, server + "classroom")
    # The real limit in the label; Streamlit's own "1MB per file" is not shown.
    expect(page.get_by_text("Upload scenario files (YAML, at most 64 kB each)")).to_be_visible()
    streamlit_limit = page.get_by_test_id("stFileUploaderDropzoneInstructions")
    expect(streamlit_limit).to_have_count(1)  # still on the page, as Streamlit draws it
    expect(streamlit_limit).to_be_hidden()
    upload = page.locator("input[type=file]")
    upload.set_input_files(
        files=[{"name": "bad.yaml", "mimeType": "application/x-yaml", "buffer": b"aes: {count: 0}"}]
    )
    expect(
        page.get_by_text("This file cannot be used: bad.yaml: aes.count: must be ≥ 1 (got 0)")
    ).to_be_visible()
    upload.set_input_files(
        files=[
            {
                "name": "evil.yaml",
                "mimeType": "application/x-yaml",
                "buffer": b"extends: /etc/passwd\n",
            }
        ]
    )
    expect(page.get_by_text(re.compile("may extend only a bundled scenario"))).to_be_visible()
    good = b"extends: baseline\nname: class_plan\naes: {count: 11}\n"
    upload.set_input_files(
        files=[{"name": "plan.yaml", "mimeType": "application/x-yaml", "buffer": good}]
    )
    expect(page.get_by_text("Loaded scenario 'class_plan'")).to_be_visible()
    # Two files at once: one extends the other.
    upload.set_input_files(
        files=[
            {"name": "team.yaml", "mimeType": "application/x-yaml", "buffer": good},
            {
                "name": "next.yaml",
                "mimeType": "application/x-yaml",
                "buffer": b"extends: team\nname: next_quarter\nsdrs: {count: 2}\n",
            },
        ]
    )
    expect(page.get_by_text("Loaded scenario 'next_quarter'")).to_be_visible()


def test_five_sessions_each_see_their_own_result(browser: Browser, server: str) -> None:
    contexts = [new_context(browser) for _ in range(5)]
    try:
        pages = []
        for k, context in enumerate(contexts):
            session = context.new_page()
            open_app(session, server)
            short_run_settings(session)
            move_slider(session, "Account executives (AEs)", 9 + k)
            expect(session.get_by_text(f"Account executives: 8 → {9 + k}")).to_be_visible()
            pages.append(session)
        for session in pages:  # all five ask at once
            session.get_by_role("button", name="Run", exact=True).click()
        for k, session in enumerate(pages):
            expect(session.get_by_text("Key numbers")).to_be_visible()
            cells = bookings_cells({"aes": 9 + k})
            expect(session.get_by_role("row").filter(has_text=cells[1])).to_have_count(1)
            assert table_row(session, "Bookings")[1:3] == cells
    finally:
        for context in contexts:
            context.close()


def test_your_team_page_makes_a_starting_scenario(page: Page, server: str) -> None:
    open_app(page, server + "your-team")
    win_rate = page.get_by_role("textbox", name="Win rate: share of opportunities closed won")
    win_rate.fill("1.5")
    win_rate.press("Enter")
    expect(page.get_by_text("must be less than 1 (got 1.5)")).to_be_visible()
    make = page.get_by_role("button", name="Make my scenario")
    expect(make).to_be_disabled()
    win_rate.fill("0.25")
    win_rate.press("Enter")
    expect(page.get_by_text("must be less than 1 (got 1.5)")).to_have_count(0)
    aes = page.get_by_role("textbox", name="Account executives (AEs) on the team")
    aes.fill("12")
    aes.press("Enter")
    expect(make).to_be_enabled()
    make.click()
    expect(page.get_by_text("Scenario 'my_team' is ready")).to_be_visible()
    expect(page.get_by_role("button", name="Download the scenario (YAML)")).to_be_visible()
    expect(page.get_by_role("cell", name="deals.stages.discovery.buyer_days")).to_be_visible()
    # The same session's What-if page offers it as a starting scenario.
    page.get_by_role("link", name="What-if").click()
    expect(page.get_by_role("heading", name="What if…?")).to_be_visible()
    page.get_by_role("combobox").first.click()
    expect(page.get_by_role("option", name="Uploaded: my_team")).to_be_visible()
