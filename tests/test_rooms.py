"""The workshop rooms store: what survives a restart, its bounds and expiry, many writers."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from salessim.rooms import (
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_NAME_CHARS,
    RoomError,
    RoomStore,
    normalise_code,
)

EXERCISE = {"scenario": {"name": "baseline"}, "values": {"aes": 10}, "open": ["lead_volume"]}
ANSWER = {"mean": 12.5, "ci_low": 8.0, "ci_high": 17.0}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> RoomStore:
    return RoomStore(tmp_path / "rooms.sqlite3", clock=clock)


def test_a_room_code_is_short_and_unambiguous(store: RoomStore) -> None:
    codes = {store.open_room() for _ in range(20)}
    assert len(codes) == 20
    for code in codes:
        assert len(code) == CODE_LENGTH
        assert set(code) <= set(CODE_ALPHABET)
        assert not set(code) & set("0O1IL")
    code = next(iter(codes))
    assert store.room(normalise_code(f" {code[:2].lower()} {code[2:]} ")).code == code


def test_a_restarted_server_finds_its_rooms_teams_guesses_and_rounds(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "rooms.sqlite3"
    first = RoomStore(path, clock=clock)
    code = first.open_room()
    red = first.join(code, "Red team")
    blue = first.join(code, "Blue")
    version = first.push(code, EXERCISE)
    first.guess(code, red, 15.0)
    first.guess(code, blue, -5.0)
    first.guess(code, blue, 5.0)  # a team may change its mind until the reveal
    assert first.set_answer(code, version, ANSWER)
    first.reveal(code, named=True)
    first.save_round(code, red, 1, decisions={"lead_volume": 120})
    first.save_round(code, red, 1, results={"profit": 1.5e6})
    del first

    again = RoomStore(path, clock=clock)  # a new process would open the same file
    room = again.room(code)
    assert room.exercise == EXERCISE
    assert room.answer == ANSWER
    assert room.revealed and room.named
    assert [t.name for t in again.teams(code)] == ["Red team", "Blue"]
    assert [(g.team, g.value) for g in again.guesses(code)] == [("Red team", 15.0), ("Blue", 5.0)]
    team = again.team(code, red)
    assert team is not None and team.name == "Red team"
    (record,) = again.rounds(code)
    assert (record.team, record.round) == ("Red team", 1)
    assert record.decisions == {"lead_volume": 120}
    assert record.results == {"profit": 1.5e6}
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_new_exercise_clears_guesses_and_an_answer_fits_only_its_exercise(
    store: RoomStore,
) -> None:
    code = store.open_room()
    token = store.join(code, "A")
    with pytest.raises(RoomError, match="no exercise yet"):
        store.guess(code, token, 1.0)
    with pytest.raises(RoomError, match="no answer to reveal"):
        store.reveal(code, named=False)
    old = store.push(code, EXERCISE)
    store.guess(code, token, 10.0)
    new = store.push(code, {**EXERCISE, "values": {"aes": 12}})
    assert store.guesses(code) == []
    assert not store.set_answer(code, old, ANSWER)  # run for the exercise replaced since
    assert store.room(code).answer is None
    assert store.set_answer(code, new, ANSWER)
    assert not store.set_answer(code, new, {"mean": 0.0})  # the first answer stored counts
    assert store.room(code).answer == ANSWER
    store.reveal(code, named=False)
    with pytest.raises(RoomError, match="guesses are closed"):
        store.guess(code, token, 3.0)


@pytest.mark.parametrize(
    ("name", "rule"),
    [("", "enter a name"), ("   ", "enter a name"), ("x" * (MAX_NAME_CHARS + 1), "at most 40")],
)
def test_team_names_are_checked(store: RoomStore, name: str, rule: str) -> None:
    code = store.open_room()
    with pytest.raises(RoomError, match=rule) as caught:
        store.join(code, name)
    assert "\n" not in str(caught.value)


def test_a_team_name_is_taken_once_per_room_whatever_the_case(store: RoomStore) -> None:
    code, other = store.open_room(), store.open_room()
    store.join(code, "Tigers")
    with pytest.raises(RoomError, match="'tigers' is taken"):
        store.join(code, "tigers  ")
    store.join(other, "Tigers")  # another room may have its own Tigers
    assert [t.name for t in store.teams(code)] == ["Tigers"]


def test_rooms_and_teams_are_bounded(tmp_path: Path, clock: Clock) -> None:
    store = RoomStore(tmp_path / "rooms.sqlite3", clock=clock, max_rooms=3, max_teams=2)
    codes = [store.open_room() for _ in range(3)]
    with pytest.raises(RoomError, match="at most 3 rooms"):
        store.open_room()
    store.close_room(codes[0])
    store.open_room()
    store.join(codes[1], "A")
    store.join(codes[1], "B")
    with pytest.raises(RoomError, match="full"):
        store.join(codes[1], "C")
    with pytest.raises(RoomError, match="at most 256 kB"):
        store.push(codes[1], {"blob": "x" * 300_000})
    token = store.teams(codes[1])[0].token
    with pytest.raises(RoomError, match="round"):
        store.save_round(codes[1], token, -1, decisions={})
    with pytest.raises(RoomError, match="not in the room"):
        store.guess(codes[2], token, 1.0)


def test_an_idle_room_expires_and_frees_its_place(tmp_path: Path, clock: Clock) -> None:
    store = RoomStore(tmp_path / "rooms.sqlite3", clock=clock, max_rooms=2, idle_seconds=3600)
    idle, busy = store.open_room(), store.open_room()
    token = store.join(busy, "A")
    clock.now += 3000
    store.push(busy, EXERCISE)
    store.guess(busy, token, 1.0)  # activity keeps a room open
    clock.now += 1000  # idle for 4000 s, busy for 1000 s
    assert store.open_rooms() == [busy]
    with pytest.raises(RoomError, match="no such open room"):
        store.room(idle)
    with pytest.raises(RoomError, match="no such open room"):
        store.join(idle, "B")
    store.open_room()  # the expired room's place is free again
    assert len(store.open_rooms()) == 2
    assert store.guesses(busy)[0].value == 1.0


def test_unknown_room_and_team(store: RoomStore) -> None:
    with pytest.raises(RoomError, match="'ZZZZZ': no such open room"):
        store.room("zzzzz")
    code = store.open_room()
    assert store.team(code, "not-a-token") is None


def test_many_threads_write_to_one_room_at_once(store: RoomStore) -> None:
    """30 teams join, guess and save a round from 30 threads: nothing is lost or doubled."""
    code = store.open_room()
    version = store.push(code, EXERCISE)
    errors: list[BaseException] = []
    start = threading.Barrier(30)

    def play(i: int) -> None:
        try:
            start.wait()
            token = store.join(code, f"Team {i}")
            store.guess(code, token, float(i))
            store.save_round(code, token, 1, decisions={"i": i})
            store.set_answer(code, version, {"by": i})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=play, args=(i,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(g.value for g in store.guesses(code)) == [float(i) for i in range(30)]
    assert sorted(r.decisions["i"] for r in store.rounds(code) if r.decisions) == list(range(30))
    assert len(store.teams(code)) == 30
    answer = store.room(code).answer
    assert answer is not None and 0 <= answer["by"] < 30  # exactly one answer was stored


def test_a_trainer_session_survives_a_restart_and_is_stored_only_hashed(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "rooms.sqlite3"
    token = RoomStore(path, clock=clock).open_trainer_session()
    assert len(token) >= 32
    again = RoomStore(path, clock=clock)  # the server restarted
    assert again.is_trainer_session(token)
    assert not again.is_trainer_session(token[:-1])
    assert not again.is_trainer_session("")
    assert not again.is_trainer_session(token + "x" * 100)
    with sqlite3.connect(path) as connection:
        (stored,) = connection.execute("SELECT digest FROM trainer_sessions").fetchone()
        dump = "\n".join(connection.iterdump())
    assert token not in dump and len(stored) == 64  # its SHA-256, never the token


def test_a_team_token_is_no_trainer_session(store: RoomStore) -> None:
    code = store.open_room()
    team = store.join(code, "Reds")
    store.open_trainer_session()
    assert not store.is_trainer_session(team)
    assert not store.is_trainer_session(code)


def test_a_trainer_session_expires_after_twelve_hours_and_can_be_ended(
    store: RoomStore, clock: Clock
) -> None:
    token = store.open_trainer_session()
    clock.now += store.idle_seconds - 1
    assert store.is_trainer_session(token)
    clock.now += 2
    assert not store.is_trainer_session(token)
    other = store.open_trainer_session()
    store.end_trainer_session(other)
    assert not store.is_trainer_session(other)


def test_trainer_sessions_are_bounded_and_the_oldest_ends_first(
    tmp_path: Path, clock: Clock
) -> None:
    store = RoomStore(tmp_path / "rooms.sqlite3", clock=clock, max_trainer_sessions=3)
    tokens = []
    for _ in range(5):
        tokens.append(store.open_trainer_session())
        clock.now += 1
    assert [store.is_trainer_session(t) for t in tokens] == [False, False, True, True, True]
    with sqlite3.connect(store.path) as connection:
        (count,) = connection.execute("SELECT COUNT(*) FROM trainer_sessions").fetchone()
    assert count == 3
