"""Workshop rooms in the app, through Streamlit's AppTest: the trainer's PIN, pushing an exercise,
the room's answer (the library's numbers), a team joining, its locked levers and its guess."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("streamlit", reason="the app extra is not installed: pip install -e '.[app]'")

from app_pages import page_script
from streamlit.testing.v1 import AppTest

from salessim.app import server
from salessim.app.levers import build_scenario, levers_for, with_horizon
from salessim.app.pages import EXERCISES
from salessim.app.pool import WORKERS_ENV
from salessim.app.room_pages import (
    CUSTOM_PRESET,
    answer_document,
    class_chart,
    exercise_document,
)
from salessim.app.server import ROOMS_DB_ENV, TRAINER_PIN_ENV
from salessim.app.views import check_prediction, signed_percent
from salessim.cli import main
from salessim.experiments import compare
from salessim.rooms import RoomStore
from salessim.scenario_files import load_scenario

PIN = "open-sesame"
QUARTERS = 2
REPLICATIONS = 2
SEED = 0
TRAINER_SCRIPT = page_script("room_pages", "trainer_page")
ROOM_SCRIPT = page_script("room_pages", "room_page")
CLASSROOM_SCRIPT = page_script("pages", "classroom_page")
LEVERS = {lever.key: lever.label for lever in levers_for(load_scenario("baseline"))}


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "rooms.sqlite3"
    monkeypatch.setenv(WORKERS_ENV, "1")
    monkeypatch.setenv(TRAINER_PIN_ENV, PIN)
    monkeypatch.setenv(ROOMS_DB_ENV, str(path))
    return path


def _slider(at: AppTest, label: str) -> Any:
    return next(s for s in at.slider if s.label == label)


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error]
    parts += [s.value for s in at.success] + [s.value for s in at.subheader]
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))  # as read on screen


def _exercise(values: dict[str, Any], open_levers: list[str]) -> dict[str, Any]:
    start = with_horizon(load_scenario("baseline"), QUARTERS)
    return exercise_document(start, values, open_levers, "bookings", REPLICATIONS, SEED)


def _library_answer(values: dict[str, Any]) -> dict[str, Any]:
    start = with_horizon(load_scenario("baseline"), QUARTERS)
    library = compare([start, build_scenario(start, values)], n=REPLICATIONS, seed=SEED, workers=1)
    return answer_document(check_prediction(library, "bookings", 0.0))


def test_trainer_controls_are_not_drawn_without_the_pin(db: Path) -> None:
    at = AppTest.from_string(TRAINER_SCRIPT, default_timeout=60)
    at.run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Trainer PIN"]
    assert [b.label for b in at.button] == ["Enter"]
    assert not at.selectbox and not at.slider and not at.multiselect
    at.text_input(key="room.pin").input("wrong-pin")
    at.button(key="room.pin_enter").click().run()
    assert "not the trainer's PIN" in _texts(at)
    assert [b.label for b in at.button] == ["Enter"]
    at.text_input(key="room.pin").input(PIN)
    at.button(key="room.pin_enter").click().run()
    assert not at.exception
    assert at.button(key="room.open").label == "Open a new room"


def test_classroom_setup_is_hidden_from_students_when_the_server_has_a_pin(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = AppTest.from_string(CLASSROOM_SCRIPT, default_timeout=60)
    at.run()
    assert not at.exception
    assert not any("for the trainer" in e.label for e in at.expander)
    assert not at.slider  # no lever and no run setting can be moved
    assert at.text_input(key="class.guess")  # the student still predicts
    monkeypatch.delenv(TRAINER_PIN_ENV)  # without a PIN the page is as it always was
    at = AppTest.from_string(CLASSROOM_SCRIPT, default_timeout=60)
    at.run()
    assert any("for the trainer" in e.label for e in at.expander)
    assert _slider(at, "Replications")


def test_the_trainer_opens_a_room_pushes_an_exercise_and_reveals_the_libraries_answer(
    db: Path,
) -> None:
    at = AppTest.from_string(TRAINER_SCRIPT, default_timeout=120)
    at.session_state["room.trainer"] = True  # as after the PIN (tested above)
    at.run()
    at.button(key="room.open").click().run()
    assert not at.exception
    store = RoomStore(db)
    (code,) = store.open_rooms()
    assert f"Room code: `{code}`" in _texts(at)
    _slider(at, "Simulated time (quarters)").set_value(QUARTERS)
    _slider(at, "Replications").set_value(REPLICATIONS)
    _slider(at, "Account executives (AEs)").set_value(10)
    at.multiselect[0].select("lead_volume")
    at.run()
    at.button(key="room.push").click().run()
    assert not at.exception
    room = store.room(code)
    assert room.exercise == _exercise({**room.exercise["values"], "aes": 10}, ["lead_volume"])
    answer = room.answer  # simulated once, as soon as it was pushed
    assert answer == _library_answer({"aes": 10})
    token = store.join(code, "Reds")
    store.guess(code, token, 5.0)
    at.button(key="room.refresh").click().run()
    assert "1 joined, 1 guessed" in _texts(at)
    at.toggle(key="room.named").set_value(True)
    at.button(key="room.reveal").click().run()
    assert not at.exception
    room = store.room(code)
    assert room.revealed and room.named
    assert f"The simulation says {signed_percent(answer['mean'])}" in _texts(at)
    assert at.table[-1].value["Team"].tolist() == ["Reds"]


def test_a_team_joins_sees_the_exercise_locked_and_guesses(db: Path) -> None:
    store = RoomStore(db)
    code = store.open_room()
    version = store.push(code, _exercise({"aes": 10}, ["lead_volume", "policy"]))
    at = AppTest.from_string(ROOM_SCRIPT, default_timeout=120)
    at.run()
    assert not at.exception
    at.text_input(key="room.join_code").input(code.lower())
    at.text_input(key="room.join_name").input("Blue whales")
    at.button(key="room.join").click().run()
    assert not at.exception
    (team,) = store.teams(code)
    assert at.query_params["room"] == code and at.query_params["team"] == team.token
    assert "team Blue whales" in _texts(at)
    assert "with account executives: 8 → 10" in _texts(at)
    settings = dict(zip(at.table[0].value["Setting"], at.table[0].value["Value"], strict=True))
    assert settings[LEVERS["aes"]] == "10"
    assert LEVERS["lead_volume"] not in settings  # open, so not locked
    # Locked: only the levers the trainer opened can be moved; no run settings at all.
    assert [s.label for s in at.slider] == [LEVERS["lead_volume"]]
    assert [s.label for s in at.selectbox] == [LEVERS["policy"]]
    assert not any(b.key in ("room.push", "room.open", "room.reveal") for b in at.button)
    at.text_input(key=f"room.guess.{code}.{version}").input("twelve")
    at.run()
    assert "Your prediction must be a number from -100% to 1,000%" in _texts(at)
    assert at.button(key="room.submit").disabled
    _slider(at, LEVERS["lead_volume"]).set_value(120)
    at.text_input(key=f"room.guess.{code}.{version}").input("12")
    at.run()
    at.button(key="room.submit").click().run()
    assert not at.exception
    assert [(g.team, g.value) for g in store.guesses(code)] == [("Blue whales", 12.0)]
    (record,) = store.rounds(code)
    assert record.decisions is not None and record.decisions["lead_volume"] == 120

    # A reload (a new session with the same address) keeps the team and its guess.
    again = AppTest.from_string(ROOM_SCRIPT, default_timeout=120)
    again.query_params["room"] = code
    again.query_params["team"] = team.token
    again.run()
    assert not again.exception
    assert "team Blue whales" in _texts(again)
    assert "Your team's prediction is in: +12.0%" in _texts(again)
    assert not any(t.key == "room.join_name" for t in again.text_input)

    # Revealed anonymously: the histogram and the answer, no team names.
    answer = _library_answer({"aes": 10})
    assert store.set_answer(code, version, answer)
    store.reveal(code, named=False)
    again.run()
    assert not again.exception
    assert f"The simulation says {signed_percent(answer['mean'])}" in _texts(again)
    assert "Your team predicted +12.0%" in _texts(again)
    drawn = again.get("vega_lite_chart")
    assert len(drawn) >= 2  # the class's guesses, then the "why" waterfall
    histogram = json.dumps(json.loads(drawn[0].proto.spec))
    assert "The class's guesses vs the simulated change in bookings" in histogram
    drawn_data = json.dumps(class_chart(store.guesses(code), answer).to_dict()["datasets"])
    assert '{"guess": 12.0}' in drawn_data and f'{{"answer": {answer["mean"]}}}' in drawn_data
    assert not again.table or "Team" not in again.table[0].value.columns


def _trainer_page(**params: str) -> AppTest:
    at = AppTest.from_string(TRAINER_SCRIPT, default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception
    return at


def _asks_the_pin(at: AppTest) -> bool:
    return [t.label for t in at.text_input] == ["Trainer PIN"] and not any(
        b.key == "room.open" for b in at.button
    )


def test_a_reloaded_trainer_page_keeps_the_trainer_and_a_team_address_never_does(
    db: Path,
) -> None:
    at = _trainer_page()
    at.text_input(key="room.pin").input(PIN)
    at.button(key="room.pin_enter").click().run()
    token = at.query_params["trainer"]
    token = token[0] if isinstance(token, list) else token
    store = RoomStore(db)
    assert store.is_trainer_session(token)
    # A reload: a new session with the same address skips the PIN.
    reloaded = _trainer_page(trainer=token)
    assert not _asks_the_pin(reloaded)
    assert reloaded.button(key="room.open").label == "Open a new room"
    # A team's address, or its token put where the trainer's goes, asks the PIN.
    code = store.open_room()
    team = store.join(code, "Copycats")
    assert _asks_the_pin(_trainer_page(room=code, team=team))
    for wrong in (team, token[:-2], "x" * 40):
        at = _trainer_page(trainer=wrong)
        assert _asks_the_pin(at)
        assert "expired or was signed out" in at.warning[0].value
    # Signed out, the address no longer works; nor does an expired one (12 h after the PIN).
    reloaded.button(key="room.sign_out").click().run()
    assert _asks_the_pin(reloaded) and "trainer" not in reloaded.query_params
    assert _asks_the_pin(_trainer_page(trainer=token))
    late = store.open_trainer_session()
    assert not _asks_the_pin(_trainer_page(trainer=late))
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE trainer_sessions SET created = created - 12 * 3600 - 1")
    assert _asks_the_pin(_trainer_page(trainer=late))


def test_the_trainer_pushes_a_classroom_exercise_in_two_clicks(db: Path) -> None:
    store = RoomStore(db)
    code = store.open_room()
    at = AppTest.from_string(TRAINER_SCRIPT, default_timeout=120)
    at.session_state["room.trainer"] = True  # as after the PIN
    at.run()
    preset = at.selectbox(key="lv.room.preset")
    assert preset.options == [CUSTOM_PRESET, *EXERCISES]  # the Classroom page's own list
    assert _slider(at, LEVERS["lead_volume"]).value == 100
    preset.set_value("30% more marketing leads").run()
    assert not at.exception
    assert _slider(at, LEVERS["lead_volume"]).value == 130
    _slider(at, "Simulated time (quarters)").set_value(QUARTERS)
    _slider(at, "Replications").set_value(REPLICATIONS)
    at.run()
    at.button(key="room.push").click().run()
    assert not at.exception
    room = store.room(code)
    assert room.exercise is not None
    start = with_horizon(load_scenario("baseline"), QUARTERS)
    expected = {lever.key: lever.initial(start) for lever in levers_for(start)}
    pushed = room.exercise["values"]
    assert EXERCISES["30% more marketing leads"] == {"lead_volume": 130}
    assert {k: v for k, v in pushed.items() if v != expected[k]} == {"lead_volume": 130}
    assert room.answer == _library_answer({"lead_volume": 130})


@pytest.mark.parametrize("pin", ["123", "x" * 33, "12 34"])
def test_serve_refuses_a_bad_trainer_pin_in_one_line(
    pin: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["serve", "--trainer-pin", pin])
    assert caught.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--trainer-pin" in error and pin not in error.split("--trainer-pin")[1]


def test_the_pin_reaches_streamlit_through_the_environment_not_its_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = server.server_environment(2, PIN, tmp_path / "r.sqlite3")
    assert env[TRAINER_PIN_ENV] == PIN and env[ROOMS_DB_ENV] == str(tmp_path / "r.sqlite3")
    assert not any(PIN in part for part in server.streamlit_command("127.0.0.1", 8050))
    monkeypatch.setenv(TRAINER_PIN_ENV, "inherited")
    plain_env = server.server_environment(2)  # no --trainer-pin: no rooms, whatever was set
    assert TRAINER_PIN_ENV not in plain_env and ROOMS_DB_ENV not in plain_env
