"""Shared fixtures: a short baseline, the full baseline, and a way to shorten any scenario."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from salessim.config import Scenario
from salessim.scenario_files import load_scenario

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
