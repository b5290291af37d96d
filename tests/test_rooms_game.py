"""A room's game in the rooms store: rounds open, take decisions, close with results, and the
leaderboard's switch; refusals are one line; a restarted store keeps the game."""

from __future__ import annotations

from pathlib import Path

import pytest

from salessim.rooms import GAME_CLOSED, GAME_CLOSING, GAME_OPEN, RoomError, RoomStore

SETUP = {"rounds": 2, "headcount_budget": 3}


def _room(tmp_path: Path) -> tuple[RoomStore, str, str, str]:
    store = RoomStore(tmp_path / "rooms.sqlite3")
    code = store.open_room()
    return store, code, store.join(code, "Reds"), store.join(code, "Blues")


def test_a_round_opens_takes_changeable_decisions_and_closes_with_results(
    tmp_path: Path,
) -> None:
    store, code, reds, blues = _room(tmp_path)
    assert store.game(code) is None
    store.start_game(code, SETUP, "profit")
    game = store.game(code)
    assert game is not None
    assert (game.setup, game.round, game.state, game.score, game.board, game.house) == (
        SETUP,
        0,
        GAME_CLOSED,
        "profit",
        False,
        {},
    )
    with pytest.raises(RoomError, match="round 1: not open for decisions"):
        store.submit_decisions(code, reds, 1, {"ae_hires": 1})
    with pytest.raises(RoomError, match="round 2 cannot open now"):
        store.open_round(code, 2)
    store.open_round(code, 1)
    store.submit_decisions(code, reds, 1, {"ae_hires": 1})
    store.submit_decisions(code, reds, 1, {"ae_hires": 2})  # changed before the close
    assert [(r.team, r.decisions) for r in store.rounds(code)] == [("Reds", {"ae_hires": 2})]
    store.start_closing(code, 1)
    assert store.game(code).state == GAME_CLOSING  # type: ignore[union-attr]
    with pytest.raises(RoomError, match="not open for decisions"):
        store.submit_decisions(code, blues, 1, {"ae_hires": 1})
    store.close_round(
        code,
        1,
        {reds: {"profit": 1.0}, blues: {"profit": 2.0}},
        {"profit": 3.0},
        {reds: {"ae_hires": 2}, blues: {}},
    )
    rows = {(r.team, r.round): (r.decisions, r.results) for r in store.rounds(code)}
    assert rows == {
        ("Reds", 1): ({"ae_hires": 2}, {"profit": 1.0}),
        ("Blues", 1): ({}, {"profit": 2.0}),
    }
    game = RoomStore(tmp_path / "rooms.sqlite3").game(code)  # as after a restart
    assert game is not None
    assert (game.round, game.state, game.house) == (1, GAME_CLOSED, {1: {"profit": 3.0}})
    with pytest.raises(RoomError, match="not closing"):
        store.close_round(code, 1, {}, None, {})
    store.open_round(code, 2)
    assert store.game(code).state == GAME_OPEN  # type: ignore[union-attr]


def test_the_leaderboard_switch_and_a_restart_of_the_game(tmp_path: Path) -> None:
    store, code, reds, _ = _room(tmp_path)
    with pytest.raises(RoomError, match="no game started"):
        store.show_board(code, shown=True, score="profit")
    store.start_game(code, SETUP, "profit")
    store.open_round(code, 1)
    store.submit_decisions(code, reds, 1, {"ae_hires": 1})
    store.save_round(code, reds, 0, decisions={"lever": 1})  # the guess's row stays
    store.show_board(code, shown=True, score="bookings")
    game = store.game(code)
    assert game is not None and (game.board, game.score) == (True, "bookings")
    store.start_game(code, {"rounds": 1}, "cost")
    game = store.game(code)
    assert game is not None
    assert (game.setup, game.round, game.board, game.score) == ({"rounds": 1}, 0, False, "cost")
    assert [(r.round, r.decisions) for r in store.rounds(code)] == [(0, {"lever": 1})]
    store.close_room(code)
    with pytest.raises(RoomError, match="no such open room"):
        store.game(code)
