"""Workshop rooms: the server-side store behind a trainer's room and the teams who join it.

A trainer opens a room and gets a short code; teams join with the code and a name and keep a
random token (their page's address carries it, so a reload keeps the team). The trainer pushes
one exercise to the room; each team enters one guess; the room's answer is stored once; the
trainer reveals it, with team names or without. A per-team, per-round table holds the
decisions and results of a game played in rounds, as JSON. A trainer who entered the PIN gets
a session token too (stored hashed), so a reload of the trainer's page asks no PIN again.

Everything lives in one SQLite file (standard library, write-ahead log), so a restarted server
finds its rooms again. Each call opens its own connection and each write is one short
transaction, so the store is safe to use from many threads (one per browser session). Rooms,
teams, names and JSON documents are bounded, and a room nobody has written to for
:data:`IDLE_SECONDS` expires. Every refusal is a :class:`RoomError` of one line.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import math
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from salessim.errors import SalessimError

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""Room code letters: no 0/O, 1/I/L, which read alike on a projector."""
CODE_LENGTH = 5
MAX_OPEN_ROOMS = 50
MAX_TEAMS = 60
MAX_NAME_CHARS = 40
MAX_JSON_BYTES = 256 * 1024
"""An exercise (a scenario of a few kilobytes and its settings) or a round's decisions."""
MAX_ROUND = 100
IDLE_SECONDS = 12 * 3600.0
MAX_TRAINER_SESSIONS = 20
"""Trainer sessions kept at once: opening one more ends the oldest."""
MAX_TOKEN_CHARS = 64
BUSY_TIMEOUT_SECONDS = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rooms (
    code TEXT PRIMARY KEY,
    created REAL NOT NULL,
    touched REAL NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    exercise TEXT,
    answer TEXT,
    revealed INTEGER NOT NULL DEFAULT 0,
    named INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS teams (
    token TEXT PRIMARY KEY,
    room TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,
    name TEXT NOT NULL,
    folded TEXT NOT NULL,
    joined REAL NOT NULL,
    UNIQUE (room, folded)
);
CREATE TABLE IF NOT EXISTS guesses (
    token TEXT PRIMARY KEY REFERENCES teams(token) ON DELETE CASCADE,
    room TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,
    value REAL NOT NULL,
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS rounds (
    token TEXT NOT NULL REFERENCES teams(token) ON DELETE CASCADE,
    room TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,
    round INTEGER NOT NULL,
    decisions TEXT,
    results TEXT,
    at REAL NOT NULL,
    PRIMARY KEY (token, round)
);
CREATE INDEX IF NOT EXISTS teams_room ON teams(room);
CREATE INDEX IF NOT EXISTS guesses_room ON guesses(room);
CREATE INDEX IF NOT EXISTS rounds_room ON rounds(room);
"""

_TRAINER_SCHEMA = """
CREATE TABLE IF NOT EXISTS trainer_sessions (
    digest TEXT PRIMARY KEY,
    created REAL NOT NULL
);
"""
"""A trainer's sessions, each the SHA-256 of its token: the file never holds a usable token."""


class RoomError(SalessimError):
    """A room request cannot be met (unknown code, full room, name taken…): one line why."""


@dataclass(frozen=True)
class Room:
    """A room as stored: its exercise and answer are JSON documents (None until set)."""

    code: str
    created: float
    touched: float
    version: int
    """Counts the exercises pushed: an answer is stored only for the exercise it was run for."""
    exercise: dict[str, Any] | None
    answer: dict[str, Any] | None
    revealed: bool
    named: bool


@dataclass(frozen=True)
class Team:
    token: str
    name: str
    joined: float


@dataclass(frozen=True)
class Guess:
    team: str
    value: float


@dataclass(frozen=True)
class RoundRecord:
    """One team's decisions and results for one round (either may be None)."""

    team: str
    token: str
    round: int
    decisions: dict[str, Any] | None
    results: dict[str, Any] | None


def normalise_code(text: str) -> str:
    """A room code as typed ("abc d2 ") in its stored form ("ABCD2")."""
    return "".join(str(text).split()).upper()


def check_team_name(text: str) -> str:
    """The team name to store: trimmed, 1 to :data:`MAX_NAME_CHARS` printable characters."""
    name = " ".join(str(text).split())
    if not name:
        raise RoomError("team name: enter a name for your team")
    if len(name) > MAX_NAME_CHARS:
        raise RoomError(
            f"team name: at most {MAX_NAME_CHARS} characters (got {len(name)}: {name[:20]!r}…)"
        )
    if not name.isprintable():
        raise RoomError(f"team name: letters, digits and punctuation only (got {name!r})")
    return name


def _dump(document: dict[str, Any], what: str) -> str:
    text = json.dumps(document, sort_keys=True, allow_nan=False)
    if len(text.encode("utf-8")) > MAX_JSON_BYTES:
        raise RoomError(
            f"{what}: at most {MAX_JSON_BYTES // 1024} kB of JSON "
            f"(got {len(text.encode('utf-8')) / 1024:,.0f} kB)"
        )
    return text


def _digest(token: str) -> str:
    return hashlib.sha256(str(token).encode("utf-8")).hexdigest()


def _load(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    document = json.loads(text)
    assert isinstance(document, dict)
    return document


class RoomStore:
    """Rooms, teams, guesses, answers and rounds in the SQLite file at `path`.

    `clock` gives the time in seconds (``time.time``; tests pass their own to age rooms).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Callable[[], float] = time.time,
        max_rooms: int = MAX_OPEN_ROOMS,
        max_teams: int = MAX_TEAMS,
        idle_seconds: float = IDLE_SECONDS,
        max_trainer_sessions: int = MAX_TRAINER_SESSIONS,
    ) -> None:
        self.path = Path(path)
        self.clock = clock
        self.max_rooms = max_rooms
        self.max_teams = max_teams
        self.idle_seconds = idle_seconds
        self.max_trainer_sessions = max_trainer_sessions
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.closing(self._connect()) as connection:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.executescript(_SCHEMA)
                connection.executescript(_TRAINER_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise RoomError(f"{self.path}: cannot open the rooms file ({exc})") from None

    # ------------------------------------------------------------------ connections
    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=True
        )
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction (taken at once, so two writers queue, never deadlock)."""
        with contextlib.closing(self._connect()) as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with contextlib.closing(self._connect()) as connection:
            yield connection

    def _expire(self, connection: sqlite3.Connection) -> None:
        connection.execute(
            "DELETE FROM rooms WHERE touched < ?", (self.clock() - self.idle_seconds,)
        )

    def _room_row(self, connection: sqlite3.Connection, code: str) -> tuple[Any, ...]:
        row = connection.execute(
            "SELECT code, created, touched, version, exercise, answer, revealed, named "
            "FROM rooms WHERE code = ?",
            (normalise_code(code),),
        ).fetchone()
        if row is None or row[2] < self.clock() - self.idle_seconds:
            raise RoomError(
                f"room {normalise_code(code)[:12]!r}: no such open room (check the code; "
                f"a room closes after {self.idle_seconds / 3600:g} hours without activity)"
            )
        return tuple(row)

    def _touch(self, connection: sqlite3.Connection, code: str) -> None:
        connection.execute("UPDATE rooms SET touched = ? WHERE code = ?", (self.clock(), code))

    # ------------------------------------------------------------------------ rooms
    def open_room(self) -> str:
        """Open a new room; return its code."""
        with self._write() as connection:
            self._expire(connection)
            (count,) = connection.execute("SELECT COUNT(*) FROM rooms").fetchone()
            if count >= self.max_rooms:
                raise RoomError(
                    f"rooms: at most {self.max_rooms} rooms may be open at once; close one "
                    "first (rooms close by themselves after "
                    f"{self.idle_seconds / 3600:g} hours without activity)"
                )
            taken = {row[0] for row in connection.execute("SELECT code FROM rooms")}
            while True:
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if code not in taken:
                    break
            now = self.clock()
            connection.execute(
                "INSERT INTO rooms (code, created, touched) VALUES (?, ?, ?)", (code, now, now)
            )
        return code

    def room(self, code: str) -> Room:
        """The open room with this code; RoomError if there is none (or it expired)."""
        with self._read() as connection:
            row = self._room_row(connection, code)
        return Room(
            code=row[0],
            created=row[1],
            touched=row[2],
            version=row[3],
            exercise=_load(row[4]),
            answer=_load(row[5]),
            revealed=bool(row[6]),
            named=bool(row[7]),
        )

    def open_rooms(self) -> list[str]:
        """Codes of the open rooms, newest first."""
        with self._read() as connection:
            rows = connection.execute(
                "SELECT code FROM rooms WHERE touched >= ? ORDER BY created DESC, code",
                (self.clock() - self.idle_seconds,),
            ).fetchall()
        return [row[0] for row in rows]

    def close_room(self, code: str) -> None:
        """Delete a room with its teams, guesses and rounds."""
        with self._write() as connection:
            row = self._room_row(connection, code)
            connection.execute("DELETE FROM rooms WHERE code = ?", (row[0],))

    def push(self, code: str, exercise: dict[str, Any]) -> int:
        """Give the room a new exercise: guesses, answer and reveal start afresh. Returns the
        exercise's version, which :meth:`set_answer` needs."""
        text = _dump(exercise, "exercise")
        with self._write() as connection:
            row = self._room_row(connection, code)
            version = int(row[3]) + 1
            connection.execute(
                "UPDATE rooms SET exercise = ?, version = ?, answer = NULL, revealed = 0, "
                "named = 0, touched = ? WHERE code = ?",
                (text, version, self.clock(), row[0]),
            )
            connection.execute("DELETE FROM guesses WHERE room = ?", (row[0],))
        return version

    def set_answer(self, code: str, version: int, answer: dict[str, Any]) -> bool:
        """Store the answer to exercise `version`; False (nothing stored) if another exercise
        was pushed since or an answer is stored already (the first one counts)."""
        text = _dump(answer, "answer")
        with self._write() as connection:
            row = self._room_row(connection, code)
            if int(row[3]) != version or row[5] is not None:
                return False
            connection.execute(
                "UPDATE rooms SET answer = ?, touched = ? WHERE code = ?",
                (text, self.clock(), row[0]),
            )
        return True

    def reveal(self, code: str, *, named: bool) -> None:
        """Show the answer and the class's guesses, with team names if `named`."""
        with self._write() as connection:
            row = self._room_row(connection, code)
            if row[5] is None:
                raise RoomError(f"room {row[0]}: there is no answer to reveal yet")
            connection.execute(
                "UPDATE rooms SET revealed = 1, named = ?, touched = ? WHERE code = ?",
                (int(named), self.clock(), row[0]),
            )

    # ------------------------------------------------------------- trainer sessions
    # After the PIN, the trainer's page keeps a random token in its address, so a reload
    # keeps the trainer's rights without the PIN. A session lasts :data:`IDLE_SECONDS` from
    # the PIN, like an idle room, and at most `max_trainer_sessions` are kept.
    def _live_digests(self, connection: sqlite3.Connection) -> list[str]:
        connection.execute(
            "DELETE FROM trainer_sessions WHERE created < ?", (self.clock() - self.idle_seconds,)
        )
        rows = connection.execute(
            "SELECT digest FROM trainer_sessions ORDER BY created DESC, digest"
        ).fetchall()
        return [row[0] for row in rows]

    def open_trainer_session(self) -> str:
        """Start a trainer session (call it once the PIN was accepted); return its token."""
        token = secrets.token_urlsafe(24)
        with self._write() as connection:
            for old in self._live_digests(connection)[self.max_trainer_sessions - 1 :]:
                connection.execute("DELETE FROM trainer_sessions WHERE digest = ?", (old,))
            connection.execute(
                "INSERT INTO trainer_sessions (digest, created) VALUES (?, ?)",
                (_digest(token), self.clock()),
            )
        return token

    def is_trainer_session(self, token: str) -> bool:
        """Whether `token` is a live trainer session's (compared in constant time with each)."""
        if not token or len(token) > MAX_TOKEN_CHARS:
            return False
        digest = _digest(token)
        with self._write() as connection:  # a write: expired sessions are deleted first
            live = self._live_digests(connection)
        found = False
        for stored in live:
            found |= hmac.compare_digest(stored.encode(), digest.encode())
        return found

    def end_trainer_session(self, token: str) -> None:
        """End a trainer session (its address no longer skips the PIN)."""
        with self._write() as connection:
            connection.execute("DELETE FROM trainer_sessions WHERE digest = ?", (_digest(token),))

    # ------------------------------------------------------------------------ teams
    def join(self, code: str, name: str) -> str:
        """Add a team to the room; return its token (keep it to act as the team)."""
        name = check_team_name(name)
        with self._write() as connection:
            row = self._room_row(connection, code)
            (count,) = connection.execute(
                "SELECT COUNT(*) FROM teams WHERE room = ?", (row[0],)
            ).fetchone()
            if count >= self.max_teams:
                raise RoomError(f"room {row[0]}: full ({self.max_teams} teams at most)")
            token = secrets.token_urlsafe(16)
            try:
                connection.execute(
                    "INSERT INTO teams (token, room, name, folded, joined) VALUES (?, ?, ?, ?, ?)",
                    (token, row[0], name, name.casefold(), self.clock()),
                )
            except sqlite3.IntegrityError:
                raise RoomError(
                    f"team name: {name!r} is taken in room {row[0]}; choose another"
                ) from None
            self._touch(connection, row[0])
        return token

    def team(self, code: str, token: str) -> Team | None:
        """The room's team with this token, or None."""
        with self._read() as connection:
            row = self._room_row(connection, code)
            found = connection.execute(
                "SELECT token, name, joined FROM teams WHERE room = ? AND token = ?",
                (row[0], str(token)),
            ).fetchone()
        return None if found is None else Team(*found)

    def teams(self, code: str) -> list[Team]:
        """The room's teams in the order they joined."""
        with self._read() as connection:
            row = self._room_row(connection, code)
            rows = connection.execute(
                "SELECT token, name, joined FROM teams WHERE room = ? ORDER BY joined, rowid",
                (row[0],),
            ).fetchall()
        return [Team(*found) for found in rows]

    def _team_of(self, connection: sqlite3.Connection, room: str, token: str) -> None:
        found = connection.execute(
            "SELECT 1 FROM teams WHERE room = ? AND token = ?", (room, str(token))
        ).fetchone()
        if found is None:
            raise RoomError(f"room {room}: this team is not in the room (join again)")

    # ---------------------------------------------------------------------- guesses
    def guess(self, code: str, token: str, value: float) -> None:
        """Record (or replace) a team's guess, while the room's answer is not revealed."""
        if not math.isfinite(value):
            raise RoomError(f"guess: must be a finite number (got {value!r})")
        with self._write() as connection:
            row = self._room_row(connection, code)
            self._team_of(connection, row[0], token)
            if row[4] is None:
                raise RoomError(f"room {row[0]}: no exercise yet; wait for your trainer")
            if row[6]:
                raise RoomError(f"room {row[0]}: the answer is revealed; guesses are closed")
            connection.execute(
                "INSERT INTO guesses (token, room, value, at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (token) DO UPDATE SET value = excluded.value, at = excluded.at",
                (str(token), row[0], float(value), self.clock()),
            )
            self._touch(connection, row[0])

    def guesses(self, code: str) -> list[Guess]:
        """The room's guesses, by team name."""
        with self._read() as connection:
            row = self._room_row(connection, code)
            rows = connection.execute(
                "SELECT teams.name, guesses.value FROM guesses JOIN teams USING (token) "
                "WHERE guesses.room = ? ORDER BY teams.joined, teams.rowid",
                (row[0],),
            ).fetchall()
        return [Guess(name, float(value)) for name, value in rows]

    # ----------------------------------------------------------------------- rounds
    def save_round(
        self,
        code: str,
        token: str,
        round_number: int,
        *,
        decisions: dict[str, Any] | None = None,
        results: dict[str, Any] | None = None,
    ) -> None:
        """Store a team's decisions and/or results for a round (a None keeps what is stored)."""
        if not 0 <= round_number <= MAX_ROUND:
            raise RoomError(f"round: must be from 0 to {MAX_ROUND} (got {round_number})")
        decided = None if decisions is None else _dump(decisions, "decisions")
        resulted = None if results is None else _dump(results, "results")
        with self._write() as connection:
            row = self._room_row(connection, code)
            self._team_of(connection, row[0], token)
            connection.execute(
                "INSERT INTO rounds (token, room, round, decisions, results, at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (token, round) DO UPDATE SET "
                "decisions = coalesce(excluded.decisions, decisions), "
                "results = coalesce(excluded.results, results), at = excluded.at",
                (str(token), row[0], round_number, decided, resulted, self.clock()),
            )
            self._touch(connection, row[0])

    def rounds(self, code: str) -> list[RoundRecord]:
        """Every team's stored rounds, by round then team."""
        with self._read() as connection:
            row = self._room_row(connection, code)
            rows = connection.execute(
                "SELECT teams.name, token, round, decisions, results FROM rounds "
                "JOIN teams USING (token) WHERE rounds.room = ? "
                "ORDER BY round, teams.joined, teams.rowid",
                (row[0],),
            ).fetchall()
        return [
            RoundRecord(name, token, number, _load(decided), _load(resulted))
            for name, token, number, decided, resulted in rows
        ]

    # ------------------------------------------------------------------------- game
    # A room's game (the rounds of :mod:`salessim.game`): its setup, the round in play and its
    # state, the leaderboard's score and whether teams see it, and the house team's results
    # (the house is no team of the room). Teams' decisions and results stay in ``rounds``.
    def _game_table(self, connection: sqlite3.Connection) -> None:
        connection.execute(_GAME_SCHEMA)

    def _game_row(self, connection: sqlite3.Connection, room: str) -> tuple[Any, ...]:
        self._game_table(connection)
        row = connection.execute(
            "SELECT setup, round, state, score, board, house FROM games WHERE room = ?", (room,)
        ).fetchone()
        if row is None:
            raise RoomError(f"room {room}: no game started; the trainer starts one")
        return tuple(row)

    def start_game(self, code: str, setup: dict[str, Any], score: str) -> None:
        """Start (or restart) the room's game: no round played, earlier game rounds deleted."""
        text = _dump(setup, "game setup")
        with self._write() as connection:
            row = self._room_row(connection, code)
            self._game_table(connection)
            connection.execute(
                "INSERT INTO games (room, setup, round, state, score, board, house) "
                "VALUES (?, ?, 0, ?, ?, 0, '{}') ON CONFLICT (room) DO UPDATE SET "
                "setup = excluded.setup, round = 0, state = excluded.state, "
                "score = excluded.score, board = 0, house = '{}'",
                (row[0], text, GAME_CLOSED, str(score)),
            )
            connection.execute("DELETE FROM rounds WHERE room = ? AND round >= 1", (row[0],))
            self._touch(connection, row[0])

    def game(self, code: str) -> GameState | None:
        """The room's game, or None before the trainer starts one."""
        with self._read() as connection:
            row = self._room_row(connection, code)
            try:
                setup, number, state, score, board, house = self._game_row(connection, row[0])
            except RoomError:
                return None
        return GameState(
            setup=json.loads(setup),
            round=int(number),
            state=str(state),
            score=str(score),
            board=bool(board),
            house={int(k): v for k, v in json.loads(house).items()},
        )

    def open_round(self, code: str, round_number: int) -> None:
        """Open round `round_number` for decisions: it must follow the last closed round."""
        with self._write() as connection:
            row = self._room_row(connection, code)
            _, number, state, *_ = self._game_row(connection, row[0])
            if state != GAME_CLOSED or round_number != int(number) + 1:
                raise RoomError(
                    f"round: round {round_number} cannot open now (round {number} is {state})"
                )
            connection.execute(
                "UPDATE games SET round = ?, state = ? WHERE room = ?",
                (round_number, GAME_OPEN, row[0]),
            )
            self._touch(connection, row[0])

    def submit_decisions(
        self, code: str, token: str, round_number: int, decisions: dict[str, Any]
    ) -> None:
        """Store a team's decisions for the open round (replacing earlier ones); refused once
        the trainer has closed it."""
        text = _dump(decisions, "decisions")
        with self._write() as connection:
            row = self._room_row(connection, code)
            self._team_of(connection, row[0], token)
            _, number, state, *_ = self._game_row(connection, row[0])
            if state != GAME_OPEN or int(number) != round_number:
                raise RoomError(f"round {round_number}: not open for decisions (closed)")
            connection.execute(
                "INSERT INTO rounds (token, room, round, decisions, results, at) "
                "VALUES (?, ?, ?, ?, NULL, ?) ON CONFLICT (token, round) DO UPDATE SET "
                "decisions = excluded.decisions, at = excluded.at",
                (str(token), row[0], round_number, text, self.clock()),
            )
            self._touch(connection, row[0])

    def start_closing(self, code: str, round_number: int) -> None:
        """Stop taking decisions for the open round (its results are being simulated)."""
        with self._write() as connection:
            row = self._room_row(connection, code)
            _, number, state, *_ = self._game_row(connection, row[0])
            if int(number) != round_number or state not in (GAME_OPEN, GAME_CLOSING):
                raise RoomError(f"round {round_number}: not open (round {number} is {state})")
            connection.execute("UPDATE games SET state = ? WHERE room = ?", (GAME_CLOSING, row[0]))
            self._touch(connection, row[0])

    def close_round(
        self,
        code: str,
        round_number: int,
        results: dict[str, dict[str, Any]],
        house: dict[str, Any] | None,
        decisions: dict[str, dict[str, Any]],
    ) -> None:
        """Store a closing round's results in one transaction: each team's (by token) with the
        decisions it was played with, and the house's; the round is then closed."""
        texts = {token: _dump(r, "results") for token, r in results.items()}
        decided = {token: _dump(d, "decisions") for token, d in decisions.items()}
        with self._write() as connection:
            row = self._room_row(connection, code)
            _, number, state, _, _, house_text = self._game_row(connection, row[0])
            if int(number) != round_number or state != GAME_CLOSING:
                raise RoomError(f"round {round_number}: not closing (round {number} is {state})")
            now = self.clock()
            for token, text in texts.items():
                self._team_of(connection, row[0], token)
                connection.execute(
                    "INSERT INTO rounds (token, room, round, decisions, results, at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (token, round) DO UPDATE SET "
                    "decisions = excluded.decisions, results = excluded.results, "
                    "at = excluded.at",
                    (token, row[0], round_number, decided.get(token), text, now),
                )
            stored = json.loads(house_text)
            if house is not None:
                stored[str(round_number)] = house
            connection.execute(
                "UPDATE games SET state = ?, house = ? WHERE room = ?",
                (GAME_CLOSED, _dump(stored, "house results"), row[0]),
            )
            self._touch(connection, row[0])

    def show_board(self, code: str, *, shown: bool, score: str) -> None:
        """Show (or hide) the leaderboard to the teams, ranked by `score`."""
        with self._write() as connection:
            row = self._room_row(connection, code)
            self._game_row(connection, row[0])
            connection.execute(
                "UPDATE games SET board = ?, score = ? WHERE room = ?",
                (int(shown), str(score), row[0]),
            )
            self._touch(connection, row[0])


GAME_OPEN, GAME_CLOSING, GAME_CLOSED = "open", "closing", "closed"
"""A game round's states: taking decisions; simulating (decisions refused); played."""

_GAME_SCHEMA = """
CREATE TABLE IF NOT EXISTS games (
    room TEXT PRIMARY KEY REFERENCES rooms(code) ON DELETE CASCADE,
    setup TEXT NOT NULL,
    round INTEGER NOT NULL,
    state TEXT NOT NULL,
    score TEXT NOT NULL,
    board INTEGER NOT NULL,
    house TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class GameState:
    """A room's game as stored: the setup (a :class:`salessim.game.GameSetup` as JSON), the
    latest round opened (0 before the first) and its state, the leaderboard's score, whether
    teams see the leaderboard, and the house team's results by round."""

    setup: dict[str, Any]
    round: int
    state: str
    score: str
    board: bool
    house: dict[int, dict[str, Any]]
