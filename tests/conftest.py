"""Shared fixtures: a short baseline, the full baseline, a way to shorten any scenario, and the
browser tests' Chromium and browser sessions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from salessim.config import Scenario
from salessim.scenario_files import load_scenario

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

SHORT = {"calendar.horizon_days": 252, "calendar.warmup_days": 21}
"""One simulated year after a month of warm-up: deals close, tests stay fast."""


@pytest.fixture(scope="session")
def shorten() -> Callable[[str | Path], Scenario]:
    """Load a scenario (bundled name or file) shortened to 252 days with a 21-day warm-up."""

    def load(ref: str | Path) -> Scenario:
        return load_scenario(ref, SHORT)

    return load


@pytest.fixture(scope="session")
def short_baseline(shorten: Callable[[str | Path], Scenario]) -> Scenario:
    """The bundled baseline shortened to 252 days with a 21-day warm-up."""
    return shorten("baseline")


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    """The bundled baseline as shipped: a warm-up quarter and three reported years."""
    return load_scenario("baseline")


# The browser tests' browser and sessions (their set-up is in browser_support.py, imported
# only when a browser test asks: the other tests need neither Playwright nor Chromium).
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for a browser test module (Playwright stopped after it: a test
    elsewhere may start its own, and one process runs one sync Playwright at a time)."""
    from browser_support import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser session for one test."""
    from browser_support import new_context

    session = new_context(browser)
    yield session
    session.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A page of the test's fresh browser session."""
    return context.new_page()
