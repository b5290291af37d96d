"""What-if and Compare show a first estimate while a run goes on, then exactly the full answer.

The first estimate is drawn from the first replications of every scenario (the same indices, so
still paired) with the library's own statistics; the final answer is the one a run without
first estimates gives. One worker, two-quarter scenarios: a few seconds per test.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

pytest.importorskip("streamlit", reason="the app extra is not installed: pip install -e '.[app]'")

from app_pages import page_script
from streamlit.testing.v1 import AppTest

from salessim.app import ui
from salessim.app.budget import FIRST_ESTIMATE_REPLICATIONS
from salessim.app.levers import build_scenario, with_horizon
from salessim.app.pool import WORKERS_ENV
from salessim.app.views import (
    ComparisonView,
    first_estimate,
    first_estimate_note,
    summarise_comparison,
    summary_rows,
)
from salessim.config import Scenario
from salessim.experiments import compare
from salessim.formatting import format_value
from salessim.scenario_files import load_scenario

QUARTERS = 2
REPLICATIONS = 6
SEED = 7  # not the pages' default: the shared pool's cache must not hold these runs already


def _slider(at: AppTest, label: str) -> Any:
    return next(s for s in at.slider if s.label == label)


def test_the_first_estimate_is_the_librarys_numbers_for_the_first_replications() -> None:
    start = with_horizon(load_scenario("baseline"), QUARTERS)
    scenarios = [start, build_scenario(start, {"aes": 10})]
    full = compare(scenarios, n=REPLICATIONS, seed=SEED, workers=1)
    first = FIRST_ESTIMATE_REPLICATIONS
    early = compare(scenarios, n=first, seed=SEED, workers=1)
    view = first_estimate(scenarios, [s.runs[:first] for s in full.sets], SEED)
    assert view.replications == first
    # Paired over the same first replications, as a run of only those would give.
    assert summary_rows(view) == summary_rows(summarise_comparison(early))
    assert summary_rows(view) != summary_rows(summarise_comparison(full))
    note = first_estimate_note(first, REPLICATIONS)
    assert note.startswith(f"First estimate from 3 of {REPLICATIONS} replications")
    assert "tighten" in note


class _OneAtATime:
    """A pool job as the page sees it when its replications finish one after another: the real
    job runs in the shared pool, and once it is done each of the page's waits shows one more
    replication finished (from the first estimate's count on). The page then meets every stage
    of a run whatever the machine's speed: a fast build finishes these short runs between two
    of the page's polls, and the page would rightly draw no estimate at all."""

    def __init__(self, job: Any, n: int) -> None:
        self._job = job
        self._n = n
        self._shown = 0

    def wait(self, timeout: float | None = None) -> bool:
        if not self._job.wait(timeout):
            return False
        self._shown = max(self._shown + 1, FIRST_ESTIMATE_REPLICATIONS)
        return self._shown >= self._n

    def done(self) -> bool:
        return self._shown >= self._n and bool(self._job.done())

    def finished_in_order(self) -> int:
        return min(self._shown, int(self._job.finished_in_order()))

    def __getattr__(self, name: str) -> Any:  # progress, first_runs, result, reused, cancel
        return getattr(self._job, name)


class _PoolOneAtATime:
    """The shared pool, handing out its jobs as :class:`_OneAtATime`."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    def submit(self, scenarios: Sequence[Scenario], n: int, *args: Any, **kwargs: Any) -> Any:
        return _OneAtATime(self._pool.submit(scenarios, n, *args, **kwargs), n)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)


@pytest.mark.parametrize("page", ["what_if_page", "compare_page"])
def test_a_page_shows_first_estimates_then_the_full_answer(
    monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    """While the run goes on, the page draws first estimates from a growing number of
    replications, never all of them; then the final table is a full run's."""
    monkeypatch.setenv(WORKERS_ENV, "1")
    pool = _PoolOneAtATime(ui.shared_pool())
    monkeypatch.setattr(ui, "shared_pool", lambda: pool)
    drawn: list[int] = []
    original = ui.first_estimate

    def recording(
        scenarios: Sequence[Scenario], runs: Sequence[list[dict[str, Any]]], seed: int
    ) -> ComparisonView:
        view = original(scenarios, runs, seed)
        drawn.append(view.replications)
        return view

    monkeypatch.setattr(ui, "first_estimate", recording)
    at = AppTest.from_string(page_script("pages", page), default_timeout=180)
    at.run()
    _slider(at, "Simulated time (quarters)").set_value(QUARTERS)
    _slider(at, "Replications").set_value(REPLICATIONS)
    at.text_input(key=f"lv.{page.removesuffix('_page').replace('_', '')}.seed_text").input(
        str(SEED)
    )
    if page == "what_if_page":
        _slider(at, "Account executives (AEs)").set_value(10)
    at.run()
    at.button(key=f"{page.removesuffix('_page').replace('_', '')}.run").click().run()
    assert not at.exception and not at.error
    # One estimate each time a further replication finished, never from all of them.
    assert drawn == list(range(FIRST_ESTIMATE_REPLICATIONS, REPLICATIONS))
    # The provisional board is gone; the table is the full run's, as without first estimates.
    start = with_horizon(load_scenario("baseline"), QUARTERS)
    second = (
        build_scenario(start, {"aes": 10})
        if page == "what_if_page"
        else with_horizon(load_scenario("more_leads_30"), QUARTERS)
    )
    library = compare([start, second], n=REPLICATIONS, seed=SEED, workers=1)
    (table,) = [t.value for t in at.table]
    bookings = table[table["Metric"] == "Bookings"].iloc[0]
    means = [s.intervals()["bookings"].mean for s in library.sets]
    assert [bookings[name] for name in table.columns[1:3]] == [
        format_value(m, "money") for m in means
    ]
    assert not any("First estimate" in i.value for i in at.info)
