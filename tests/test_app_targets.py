"""The What-if page's target: typed as text, read strictly, and its chance shown for both
scenarios as the library computes it."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("streamlit", reason="the app extra is not installed: pip install -e '.[app]'")

from streamlit.testing.v1 import AppTest

from salessim.app import server
from salessim.app.levers import build_scenario, with_horizon
from salessim.app.pool import WORKERS_ENV
from salessim.experiments import compare
from salessim.formatting import format_value
from salessim.scenario_files import load_scenario
from salessim.targets import parse_target

QUARTERS = 2  # one warm-up quarter and one reported quarter
METRIC_KEY = "lv.whatif.target_metric"
VALUE_KEY = "lv.whatif.target_value"


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv(WORKERS_ENV, "1")
    return AppTest.from_file(str(server.APP_SCRIPT), default_timeout=120)


def _slider(at: AppTest, label: str) -> Any:
    return next(s for s in at.slider if s.label == label)


def test_a_target_value_that_is_not_a_number_is_explained_beside_it(app: AppTest) -> None:
    app.run()
    app.selectbox(key=METRIC_KEY).set_value("bookings_per_year").run()
    app.text_input(key=VALUE_KEY).input("lots").run()
    assert not app.exception
    errors = [e.value.replace("\\", "") for e in app.sidebar.error]  # shown escaped
    assert any("Bookings per year must be a number" in e for e in errors), errors
    assert not app.button(key="whatif.run").disabled  # the runs do not depend on the target
    app.selectbox(key=METRIC_KEY).set_value("win_rate").run()
    app.text_input(key=VALUE_KEY).input("130%").run()
    assert any("from 0% to 100%" in e.value.replace("\\", "") for e in app.sidebar.error)


def test_what_if_page_shows_each_scenarios_chance_of_reaching_the_target(app: AppTest) -> None:
    app.run()
    _slider(app, "Simulated time (quarters)").set_value(QUARTERS)
    _slider(app, "Replications").set_value(3)
    _slider(app, "Account executives (AEs)").set_value(10)
    app.selectbox(key=METRIC_KEY).set_value("bookings_per_year").run()
    app.text_input(key=VALUE_KEY).input("5,000,000").run()
    app.button(key="whatif.run").click().run()
    assert not app.exception and not app.error
    start = with_horizon(load_scenario("baseline"), QUARTERS)
    library = compare([start, build_scenario(start, {"aes": 10})], n=3, seed=0, workers=1)
    target = parse_target("bookings_per_year=5e6")
    cards = {m.label: m.value for m in app.metric}
    for name, runs in zip(["baseline", "baseline (edited)"], library.sets, strict=True):
        chance = target.probability(runs)
        assert cards[name] == format_value(chance.mean, "share")
    captions = " ".join(c.value.replace("\\", "") for c in app.caption)  # shown escaped
    hits = int(target.reached(library.sets[0]).sum())
    assert f"{hits} of 3 runs; 95% interval" in captions
