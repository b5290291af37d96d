"""What users type into the web app is used as typed or refused next to the field, and text that
came from users (scenario names, quoted values) is shown as written, never as Markdown.

Pages run through Streamlit's AppTest; runs are two quarters long with two replications.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("streamlit", reason="the app extra is not installed: pip install -e '.[app]'")

from app_pages import page_script
from streamlit.testing.v1 import AppTest

from salessim.app.pool import WORKERS_ENV
from salessim.app.text import plain, read_number

QUARTERS = 2


# --------------------------------------------------------------------------- reading numbers
@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0), ("42", 42), (" 1,000 ", 1000), ("999999", 999_999), ("7.0", 7)],
)
def test_a_seed_is_read_as_typed(text: str, value: int) -> None:
    reading = read_number(text, "Random seed", 0, 999_999, whole=True)
    assert reading.ok and reading.value == value


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("-5", "from 0 to 999,999"),
        ("99999999999", "from 0 to 999,999"),
        ("1e9", "from 0 to 999,999"),
        ("3.7", "whole number, without decimals"),
        ("abc", "must be a whole number from 0 to 999,999"),
        ("nan", "must be a whole number"),
        ("inf", "must be a whole number"),
    ],
)
def test_a_bad_seed_is_refused_with_the_rule(text: str, rule: str) -> None:
    reading = read_number(text, "Random seed", 0, 999_999, whole=True)
    assert not reading.ok and reading.value is None
    assert reading.error is not None and rule in reading.error and "Random seed" in reading.error
    assert f"(got '{text}')" in reading.error


def test_a_prediction_reads_signs_and_percent_marks() -> None:
    assert read_number("−10%", "p", -100, 1000, unit="%").value == -10.0
    assert read_number("+20 %", "p", -100, 1000, unit="%").value == 20.0
    assert read_number("", "p", -100, 1000, unit="%") == read_number(" ", "p", -100, 1000)
    too_big = read_number("5000", "Your prediction", -100, 1000, unit="%")
    assert too_big.error == "Your prediction must be from -100% to 1,000% (got '5000')"


def test_user_text_is_shown_as_written() -> None:
    name = "**Big** [win](http://evil.example) $1 to $2 :material/home: # title\nline"
    shown = plain(name)
    # Every Markdown mark is escaped: no bold, link, maths, icon or heading survives.
    for mark in ("*", "[", "]", "(", ")", "$", ":", "#"):
        assert all(shown[k - 1] == "\\" for k, c in enumerate(shown) if c == mark)
    assert "\n" not in shown
    assert shown.replace("\\", "") == " ".join(name.split())


# ------------------------------------------------------------------------------- the pages
@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv(WORKERS_ENV, "1")
    from salessim.app import server

    return AppTest.from_file(str(server.APP_SCRIPT), default_timeout=120)


def _slider(at: AppTest, label: str) -> Any:
    return next(s for s in at.slider if s.label == label)


def _seed(at: AppTest) -> Any:
    return next(t for t in at.text_input if t.label == "Random seed")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "Random seed must be from 0 to 999,999 (got '-5')"),
        ("99999999999", "Random seed must be from 0 to 999,999 (got '99999999999')"),
        ("3.7", "Random seed must be a whole number, without decimals (got '3.7')"),
    ],
)
def test_a_bad_seed_is_refused_next_to_the_field(app: AppTest, typed: str, message: str) -> None:
    app.run()
    _seed(app).input(typed)
    app.run()
    assert not app.exception
    errors = [e.value for e in app.error]
    assert plain(message) in errors, errors
    assert app.button(key="whatif.run").disabled  # never a run with another seed
    _seed(app).input("12")
    app.run()
    assert not app.error and not app.button(key="whatif.run").disabled


def test_a_run_uses_the_seed_typed(app: AppTest) -> None:
    app.run()
    _slider(app, "Simulated time (quarters)").set_value(QUARTERS)
    _slider(app, "Replications").set_value(2)
    _seed(app).input("4,321")
    app.run()
    app.button(key="whatif.run").click().run()
    assert not app.exception and not app.error
    assert any("Seed 4321." in c.value for c in app.caption)


def test_an_out_of_range_prediction_is_refused_next_to_the_field(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(WORKERS_ENV, "1")
    at = AppTest.from_string(page_script("pages", "classroom_page"), default_timeout=120)
    at.run()
    at.text_input(key="class.guess").input("5000")
    at.run()
    assert plain("Your prediction must be from -100% to 1,000% (got '5000')") in [
        e.value for e in at.error
    ]
    assert at.button(key="class.run").disabled
    at.text_input(key="class.guess").input("-20%")
    at.run()
    assert not at.error and not at.button(key="class.run").disabled


def test_an_uploaded_scenario_name_is_not_markdown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKERS_ENV, "1")
    script = (
        "from salessim.app import pages\n"
        "pages._take_uploads([('x.yaml', b'extends: baseline\\nname: \"**Bold** [link](http://x.example)\"\\n')])\n"
    )
    at = AppTest.from_string(script, default_timeout=60)
    at.run()
    assert not at.exception
    (message,) = [s.value for s in at.success]
    assert plain("**Bold** [link](http://x.example)") in message
    assert "**Bold**" not in message and "](http" not in message
