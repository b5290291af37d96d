"""The web app's Plan page through Streamlit's AppTest: its pick is the library's on the same
seed and replications (frontier and goal-seek), and a request over the work cap is refused.

Runs are two quarters long (one reported) with two replications: these tests prove the wiring
and that the page's answer is :mod:`salessim.plan`'s, not the model's behaviour.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("streamlit", reason="the app extra is not installed: pip install -e '.[app]'")

from app_pages import page_script
from streamlit.testing.v1 import AppTest

from salessim.app.levers import with_horizon
from salessim.app.pool import WORKERS_ENV
from salessim.plan import frontier, goal_seek, make_lever
from salessim.scenario_files import load_scenario
from salessim.targets import parse_target

QUARTERS = 2  # one warm-up quarter and one reported quarter
N = 2
GOAL_N = 8


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv(WORKERS_ENV, "1")
    return AppTest.from_string(page_script("pages", "plan_page"), default_timeout=120)


def _slider(at: AppTest, label: str) -> Any:
    return next(s for s in at.slider if s.label == label)


def _picked(at: AppTest, column: str) -> str:
    table = at.table[0].value
    return str(table[table["Pick"] != ""].iloc[0][column])


def test_frontier_pick_is_the_library_pick(page: AppTest) -> None:
    """+$200k a year over AEs and lead scoring, seed 0, 2 replications: the page's table and
    pick are salessim.plan.frontier's."""
    page.run()
    _slider(page, "Simulated time (quarters)").set_value(QUARTERS)
    _slider(page, "Replications").set_value(N)
    page.text_input(key="lv.plan.budget").input("200,000")
    page.run()
    assert not page.error
    page.button(key="plan.run").click().run()
    assert not page.exception and not page.error
    base = with_horizon(load_scenario("baseline"), QUARTERS)
    levers = [make_lever(base, p, None, 200_000) for p in ("aes.count", "lead_filter.enabled")]
    plan = frontier(base, levers, 200_000, "profit", seed=0, replications=N, workers=1)
    picked = plan.recommended()
    assert picked is not None
    assert _picked(page, "Change") == picked.change_label(base)
    assert list(page.table[0].value["Change"]) == [o.change_label(base) for o in plan.options]
    assert len(page.get("image")) == 1  # the plan chart


def test_goal_seek_pick_is_the_library_pick(page: AppTest) -> None:
    """AEs 4 to 8, bookings ≥ $3M a year with 50% confidence, seed 0, 8 replications (where
    the library's race starts, so it runs every option 8 times as the page does): both show
    the same chances and pick 6 AEs, the cheapest reaching the target in 8 of 8 runs."""
    page.run()
    _slider(page, "Simulated time (quarters)").set_value(QUARTERS)
    _slider(page, "Replications").set_value(GOAL_N)
    page.radio(key="lv.plan.mode").set_value("Least cost to reach a target").run()
    page.text_input(key="lv.plan.aes.count.low").input("4")
    page.text_input(key="lv.plan.aes.count.high").input("8")
    page.text_input(key="lv.plan.confidence").input("50")
    page.selectbox(key="lv.plan.target_metric").set_value("bookings_per_year")
    page.run()
    page.text_input(key="lv.plan.target_value").input("3,000,000").run()
    assert not page.error
    page.button(key="plan.run").click().run()
    assert not page.exception and not page.error
    base = with_horizon(load_scenario("baseline"), QUARTERS)
    lever = make_lever(base, "aes.count", [4, 5, 6, 7, 8])
    target = parse_target("bookings_per_year>=3000000.0")
    plan = goal_seek(base, [lever], target, 0.5, seed=0, replications_max=GOAL_N, workers=1)
    chances = list(page.table[0].value["Chance of the target"])
    assert chances == [f"{o.probability.mean:.0%}" for o in plan.options if o.probability]
    picked = plan.recommended()
    assert picked is not None and picked.settings == {"aes.count": 6}
    assert _picked(page, "Option") == picked.label()
    assert list(page.table[0].value["Replications"]) == [str(GOAL_N)] * 5


def test_a_plan_over_the_work_cap_is_refused(page: AppTest) -> None:
    page.run()
    _slider(page, "Replications").set_value(50)
    page.run()
    assert any("This run is too big" in e.value for e in page.error)
    assert page.button(key="plan.run").disabled
