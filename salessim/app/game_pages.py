"""The workshop game in a room: the trainer starts a game, opens and closes its rounds and shows
the leaderboard and the debrief; each team sets its decisions for the open round and sees its
quarters.

Everything the game needs is in the room's store (:mod:`salessim.rooms`): its setup, the round
in play and whether it takes decisions, each team's decisions and results by round, the house
team's results. A reloaded page therefore keeps the team and what it submitted. Closing a round
simulates it for every team and the house team (the exercise played unchanged) with the game's
seed, the same luck for all, by :func:`salessim.game.play_round` with the shared pool as its
runner: the trainer's script thread only waits and shows progress.

Most of that simulation is done before the close: a team's decisions start simulating in the
pool as soon as they are submitted (a change cancels the superseded run), and the house team's
round as soon as it opens. The pool keeps finished runs, so closing waits only for what is still
running and simulates the teams that did not submit. The results are the same runs (same
scenario, seed and replications) and reach the store, and so the teams' pages, only at the
close.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, cast

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from salessim.app import charts, ui
from salessim.app.budget import WorkLimitError, check_work
from salessim.app.pool import Job, JobFailed, SimulationPool
from salessim.app.text import plain, read_number
from salessim.app.watch import watch
from salessim.config import Scenario
from salessim.debrief import (
    SCORES,
    DebriefInputs,
    Question,
    Standing,
    debrief_files,
    leaderboard,
)
from salessim.entities import ACTIVITIES
from salessim.errors import SalessimError
from salessim.formatting import MINUS, NOT_AVAILABLE, format_value
from salessim.game import (
    DEFAULT_REPLICATIONS,
    HOUSE_TEAM,
    MAX_HIRES_PER_ROUND,
    MAX_LEAD_VOLUME,
    Decisions,
    GameError,
    GameSetup,
    Runner,
    TeamRound,
    check_history,
    play_round,
    round_scenario,
)
from salessim.metrics import activity_label
from salessim.rooms import (
    GAME_CLOSED,
    GAME_CLOSING,
    GAME_OPEN,
    GameState,
    RoomError,
    RoomStore,
    RoundRecord,
    Team,
)

SEEN = "game.seen"
"""Session key: the game's state the team's page last drew (a change redraws the page)."""
POLL_SECONDS = 2.0
MAX_GAME_REPLICATIONS = 20
"""Replications per round the trainer may choose: with at most 60 teams of a room and one
replication bounded by the app's per-replication cap, a round stays a bounded job."""
MAX_HEADCOUNT_BUDGET = 20
PUSHED = "The exercise pushed to this room"
POLICIES = {
    "closer_first": "Deals first, then leads; prospect when the pipeline runs low",
    "lead_first": "New leads first",
    "time_blocked": "A daily calling block, then deals first",
}


# ----------------------------------------------------------------------- the game's logic
def read_setup(game: GameState) -> GameSetup:
    """The game's setup from its stored JSON (validated again: the file is outside the app)."""
    return GameSetup.model_validate_json(json.dumps(game.setup))


def carried(setup: GameSetup, previous: Decisions | None) -> Decisions:
    """A round's decisions before the team changes them: the last round's levers without its
    hires (hires happen once), or the exercise's own levers in round 1."""
    if previous is None:
        return setup.reference()
    return previous.model_copy(update={"ae_hires": 0, "sdr_hires": 0})


def _decisions(record: RoundRecord | None) -> Decisions | None:
    if record is None or record.decisions is None:
        return None
    return Decisions.read(record.decisions)


def team_history(
    setup: GameSetup, records: Sequence[RoundRecord], token: str, rounds: int
) -> list[Decisions]:
    """A team's decisions for rounds 1..`rounds`: those it submitted, and for a round it did
    not, the previous round's levers carried on without hires."""
    mine = {r.round: r for r in records if r.token == token}
    history: list[Decisions] = []
    for k in range(1, rounds + 1):
        decided = _decisions(mine.get(k))
        history.append(
            decided if decided is not None else carried(setup, history[-1] if history else None)
        )
    return history


def hires_before(history: Sequence[Decisions]) -> int:
    return sum(d.hires for d in history)


def _key(name: str) -> str:
    """A team's name as the game knows it (a team may not take the house team's name)."""
    return f"{name} (team)" if name.casefold() == HOUSE_TEAM.casefold() else name


def close_round(
    store: RoomStore, code: str, game: GameState, runner: Runner
) -> dict[str, TeamRound]:
    """Simulate the round being closed for every team and the house team, store the results
    and close the round; returns the round's results by team name."""
    setup = read_setup(game)
    k = game.round
    store.start_closing(code, k)
    teams = store.teams(code)
    records = store.rounds(code)
    histories = {t.token: team_history(setup, records, t.token, k) for t in teams}
    names = {t.token: _key(t.name) for t in teams}
    results = play_round(
        setup, {names[token]: history for token, history in histories.items()}, runner
    )
    store.close_round(
        code,
        k,
        {token: dict(results[names[token]]) for token in histories},
        dict(results[HOUSE_TEAM]),
        {token: history[-1].model_dump(mode="json") for token, history in histories.items()},
    )
    ahead_runs().release(code)
    return results


def room_results(store: RoomStore, code: str, game: GameState) -> list[TeamRound]:
    """Every played round's results, the teams' and the house's, as stored."""
    rows = [cast(TeamRound, r.results) for r in store.rounds(code) if r.round >= 1 and r.results]
    rows += [cast(TeamRound, house) for _, house in sorted(game.house.items())]
    return rows


def room_questions(store: RoomStore, code: str) -> list[Question]:
    """The room's prediction, if its answer is in: each team's guess against the answer (the
    change in % the simulation gave, with its 95% interval)."""
    from salessim.app.room_pages import read_exercise

    room = store.room(code)
    if room.exercise is None or room.answer is None or room.answer.get("mean") is None:
        return []
    exercise = read_exercise(room.exercise)
    low, high = room.answer.get("ci_low"), room.answer.get("ci_high")
    interval = low is not None and high is not None
    return [
        Question.read(
            {
                "question": f"{exercise.question()} (change in %)"[:300],
                "answer": float(room.answer["mean"]),
                "low": float(low) if interval and low is not None else None,
                "high": float(high) if interval and high is not None else None,
                "kind": "count",
                "guesses": {g.team: float(g.value) for g in store.guesses(code)},
            }
        )
    ]


def room_debrief(store: RoomStore, code: str) -> dict[str, str]:
    """The debrief's files (HTML, rounds CSV, guesses CSV) from what the room's store holds."""
    game = store.game(code)
    if game is None:
        raise RoomError(f"room {code}: no game started; the trainer starts one")
    inputs = DebriefInputs(
        title=f"Workshop debrief, room {code}",
        score=game.score,
        questions=room_questions(store, code),
    )
    return debrief_files(read_setup(game), room_results(store, code, game), inputs)


def pool_runner(progress: Callable[[int, int], None] | None = None) -> Runner:
    """The game's runner on the app's shared pool (the library's tasks, so the library's
    numbers); `progress` hears (done, total) replications while the script thread waits."""

    def run(scenarios: Sequence[Scenario], n: int, seed: int) -> list[list[dict[str, Any]]]:
        check_work(scenarios, n, limit=math.inf)  # each replication within the app's cap
        with ui.shared_pool().submit(scenarios, n, seed, series=False) as job:
            while not job.wait(ui.POLL_SECONDS):
                if progress is not None:
                    progress(*job.progress())
            return job.result()

    return run


class AheadRuns:
    """Rounds simulated ahead of the close, for the whole server: per room, the latest job of
    each team (and of the house team) for the open round, in the shared pool.

    Holding a job keeps its runs going; the close finds them in the pool's cache or in flight.
    A newer job for the same team replaces (and cancels) the older one; closing the round
    releases the room's jobs. Nothing here is shown to anyone: results reach the pages only
    through the store, at the close."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, dict[str, tuple[int, Job]]] = {}

    def start(
        self,
        pool: SimulationPool,
        code: str,
        who: str,
        round_: int,
        scenario: Scenario,
        setup: GameSetup,
    ) -> None:
        """Simulate `who`'s round `round_` as `scenario` (the game's seed and replications)."""
        check_work([scenario], setup.replications, limit=math.inf)
        job = pool.submit([scenario], setup.replications, setup.seed, series=False)
        with self._lock:
            old = self._jobs.setdefault(code, {}).pop(who, None)
            self._jobs[code][who] = (round_, job)
        if old is not None:
            # After the new job is queued: runs both need are kept, the rest dropped.
            old[1].cancel()

    def pending(self, code: str) -> dict[str, int]:
        """The room's jobs held: the round each team's (or the house's) was started for."""
        with self._lock:
            return {who: round_ for who, (round_, _) in self._jobs.get(code, {}).items()}

    def release(self, code: str) -> None:
        """Stop holding the room's jobs (the round closed, or the game started again)."""
        with self._lock:
            jobs = self._jobs.pop(code, {})
        for _, job in jobs.values():
            job.cancel()

    def keep_only(self, codes: Collection[str]) -> None:
        """Release the jobs of every room not in `codes` (rooms the store no longer has: they
        expired or were evicted with a round open)."""
        with self._lock:
            gone = [code for code in self._jobs if code not in codes]
        for code in gone:
            self.release(code)


@st.cache_resource(show_spinner=False)
def ahead_runs() -> AheadRuns:
    """The server's one :class:`AheadRuns`, shared by every session."""
    return AheadRuns()


def simulate_ahead(
    store: RoomStore, code: str, game: GameState, who: Team | None, decisions: Decisions | None
) -> None:
    """Start simulating the open round for a team with `decisions` (its earlier rounds as
    stored), or for the house team when `who` is None, in the shared pool."""
    setup = read_setup(game)
    k = game.round
    if who is None:
        key, history = HOUSE_TEAM, [setup.reference()] * k
    else:
        assert decisions is not None
        earlier = team_history(setup, store.rounds(code), who.token, k - 1)
        key, history = who.token, [*earlier, decisions]
    scenario = round_scenario(setup, history, _key(who.name) if who else HOUSE_TEAM)
    runs = ahead_runs()
    runs.keep_only(set(store.open_rooms()))
    runs.start(ui.shared_pool(), code, key, k, scenario, setup)


def submit_decisions(
    store: RoomStore, code: str, team: Team, setup: GameSetup, k: int, decisions: Decisions
) -> None:
    """Store a team's decisions for open round `k` and start simulating them at once.
    GameError or RoomError (one line) when they break the game's rules or the round closed."""
    earlier = team_history(setup, store.rounds(code), team.token, k - 1)
    check_history(setup, [*earlier, decisions], team.name)
    store.submit_decisions(code, team.token, k, decisions.model_dump(mode="json"))
    game = store.game(code)
    if game is not None and game.round == k and game.state == GAME_OPEN:
        simulate_ahead(store, code, game, team, decisions)


def open_round(store: RoomStore, code: str, k: int) -> None:
    """Open round `k` for decisions and start simulating the house team's round."""
    store.open_round(code, k)
    game = store.game(code)
    assert game is not None
    simulate_ahead(store, code, game, None, None)


# --------------------------------------------------------------------------- formatting
def _money(x: float | None) -> str:
    return NOT_AVAILABLE if x is None else format_value(x, "money", MINUS)


def _share(x: float | None) -> str:
    return NOT_AVAILABLE if x is None else format_value(x, "share", MINUS)


def standings_table(board: Sequence[Standing], score: str) -> list[dict[str, Any]]:
    """The leaderboard as the pages show it."""
    kind = "share" if score == "forecast_accuracy" else "money"
    return [
        {
            "Rank": s["rank"],
            "Team": s["team"],
            SCORES[score][0]: (
                NOT_AVAILABLE if s["score"] is None else format_value(s["score"], kind, MINUS)
            ),
            "Profit": _money(s["profit"]),
            "Bookings": _money(s["bookings"]),
            "Forecast accuracy": _share(s["forecast_accuracy"]),
            "Cost": _money(s["cost"]),
            "Rounds": s["rounds"],
        }
        for s in board
    ]


def rounds_table(rows: Sequence[TeamRound]) -> list[dict[str, Any]]:
    """A team's quarters: its P&L, pipeline, forecast against bookings and AE hours."""
    out = []
    for r in sorted(rows, key=lambda r: r["round"]):
        row: dict[str, Any] = {
            "Round": r["round"],
            "Bookings": _money(r["bookings"]),
            "Gross profit": _money(r["gross_profit"]),
            "Marketing": _money(r["marketing_cost"]),
            "Salaries": _money(r["salary_cost"]),
            "Commission": _money(r["commission"]),
            "Profit": _money(r["profit"]),
            "Open deals at the end": f"{r['pipeline_deals_end']:,.0f}",
            "Forecast": _money(r["forecast"]),
            "Forecast miss": _share(r["forecast_error_share"]),
            "AEs": f"{r['ae_headcount']:,.1f}",
        }
        for act in ACTIVITIES:
            row[f"AE hours: {activity_label(act).lower()}"] = _share(r["ae_hours_share"][act])
        out.append(row)
    return out


def rounds_charts(rows: Sequence[TeamRound]) -> dict[str, Any]:
    """A team's quarters as two charts side by side, a Vega-Lite spec: bookings, forecast and
    profit by round; the AE hours by activity. Written as the plain spec (no Altair objects)
    because the pages draw it for every team after each close, and validating it object by
    object cost most of a team page's time."""
    money = [
        {"Round": r["round"], "What": what, "$": r[key]}  # type: ignore[literal-required]
        for r in rows
        for what, key in (("Bookings", "bookings"), ("Forecast", "forecast"), ("Profit", "profit"))
        if math.isfinite(r[key])  # type: ignore[literal-required]
    ]
    hours = [
        {"Round": r["round"], "Activity": activity_label(act), "Hours": r["ae_hours"][act]}
        for r in rows
        for act in ACTIVITIES
        if math.isfinite(r["ae_hours"][act])
    ]
    left = {
        "data": {"values": money},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "Round", "type": "ordinal"},
            "y": {"field": "$", "type": "quantitative", "title": "$ in the round"},
            "color": {"field": "What", "type": "nominal", "title": None},
            "tooltip": [
                {"field": "Round", "type": "ordinal"},
                {"field": "What", "type": "nominal"},
                {"field": "$", "type": "quantitative", "format": "$,.0f"},
            ],
        },
        "title": "Bookings, forecast and profit",
        "height": charts.HEIGHT,
        "width": 300,
    }
    right = {
        "data": {"values": hours},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "Round", "type": "ordinal"},
            "y": {"field": "Hours", "type": "quantitative", "title": "AE hours in the round"},
            "color": {
                "field": "Activity",
                "type": "nominal",
                "scale": {
                    "domain": [activity_label(a) for a in ACTIVITIES],
                    "range": list(charts.ACTIVITY_COLORS),
                },
            },
            "tooltip": [
                {"field": "Round", "type": "ordinal"},
                {"field": "Activity", "type": "nominal"},
                {"field": "Hours", "type": "quantitative", "format": ",.0f"},
            ],
        },
        "title": "Where the AEs' hours went",
        "height": charts.HEIGHT,
        "width": 300,
    }
    return {"hconcat": [left, right]}


# ----------------------------------------------------------------------------- trainer
def trainer_game(store: RoomStore, code: str) -> None:
    """The trainer's game controls for a room: start, rounds, leaderboard and debrief."""
    game = store.game(code)
    with st.expander("Workshop game: rounds, leaderboard and debrief", expanded=game is not None):
        _start_form(store, code, game)
        game = store.game(code)
        if game is None:
            return
        setup = read_setup(game)
        _round_controls(store, code, game, setup)
        game = store.game(code)
        assert game is not None
        results = room_results(store, code, game)
        if results:
            _trainer_board(store, code, game, results)


def _start_form(store: RoomStore, code: str, game: GameState | None) -> None:
    room = store.room(code)
    choices = ([PUSHED] if room.exercise is not None else []) + list(ui.bundled())
    default = "workshop_game" if "workshop_game" in choices else choices[0]
    st.session_state.setdefault("game.exercise", default)
    if st.session_state["game.exercise"] not in choices:
        st.session_state["game.exercise"] = default
    name = str(st.selectbox("The game's company", choices, key="game.exercise"))
    left, middle, right = st.columns(3)
    with left:
        rounds = int(st.slider("Rounds (quarters)", 1, 8, 4, key="game.rounds"))
        headcount = int(
            st.slider(
                "Headcount budget (AE and SDR hires over the game)",
                0,
                MAX_HEADCOUNT_BUDGET,
                4,
                key="game.headcount",
            )
        )
    with middle:
        replications = int(
            st.slider(
                "Replications per round",
                1,
                MAX_GAME_REPLICATIONS,
                DEFAULT_REPLICATIONS,
                key="game.replications",
                help="Common seeds each team's round is averaged over: more ranks teams less "
                "by luck, and closing a round takes longer.",
            )
        )
        seed = int(st.number_input("Seed", 0, ui.MAX_SEED, 0, step=1, key="game.seed"))
    with right:
        score = str(
            st.selectbox(
                "Rank teams by",
                list(SCORES),
                key="game.score",
                format_func=lambda s: SCORES[s][0],
            )
        )
    if game is not None:
        st.caption(
            f"A game is on (round {game.round} of {read_setup(game).rounds}); starting a new "
            "one deletes its rounds."
        )
    if not st.button("Start the game", key="game.start", icon=":material/flag:"):
        return
    try:
        if name == PUSHED:
            from salessim.app.room_pages import read_exercise

            assert room.exercise is not None
            exercise = read_exercise(room.exercise).edited
        else:
            exercise = ui.bundled()[name][0]
        setup = GameSetup.read(
            {
                "exercise": exercise,
                "rounds": rounds,
                "headcount_budget": headcount,
                "replications": replications,
                "seed": seed,
            }
        )
        last = play_round_scenario(setup)
        check_work([last], replications, limit=math.inf)
        store.start_game(code, setup.model_dump(mode="json"), score)
        ahead_runs().release(code)
    except (SalessimError, WorkLimitError) as exc:
        st.error(plain(f"The game cannot start: {exc}"), icon=":material/error:")
        return
    st.success("The game is set: open round 1 when the teams are ready.", icon=":material/flag:")


def play_round_scenario(setup: GameSetup) -> Scenario:
    """The house's last round, the game's biggest replication (for the work check)."""
    from salessim.game import team_scenario

    return team_scenario(setup, [setup.reference()] * setup.rounds, HOUSE_TEAM)


def _round_controls(store: RoomStore, code: str, game: GameState, setup: GameSetup) -> None:
    k = game.round
    teams = store.teams(code)
    if k == 0:
        st.markdown(f"**{setup.rounds} rounds to play; {len(teams)} teams in the room.**")
    else:
        state = {GAME_OPEN: "open for decisions", GAME_CLOSING: "closing", GAME_CLOSED: "played"}
        st.markdown(f"**Round {k} of {setup.rounds}: {state.get(game.state, game.state)}.**")
    if game.state in (GAME_OPEN, GAME_CLOSING):
        submitted = {r.token for r in store.rounds(code) if r.round == k and r.decisions}
        st.markdown(f"Decisions in: {len(submitted)} of {len(teams)} teams.")
        st.table(
            [
                {"Team": t.name, "Decisions": "submitted" if t.token in submitted else "–"}
                for t in teams
            ],
            hide_index=True,
        )
        st.caption(
            "Closing simulates the round for every team and the house team with the same "
            "luck; a team that has not submitted keeps last round's levers, without hires. "
            "Submitted decisions start simulating as they come in, so the close mostly waits "
            "for the latest ones; teams see their results only once the round is closed."
        )
        if st.button(
            f"Close round {k} and simulate it",
            type="primary",
            key="game.close",
            icon=":material/play_arrow:",
        ):
            _close(store, code, game)
        if st.button("Refresh", key="game.refresh", icon=":material/refresh:"):
            st.rerun()
    elif k < setup.rounds:
        if st.button(f"Open round {k + 1}", type="primary", key="game.open"):
            open_round(store, code, k + 1)
            st.rerun()
    else:
        st.markdown("**The game is over.**")


def _close(store: RoomStore, code: str, game: GameState) -> None:
    bar = st.progress(0.0, text="Starting the simulations…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"Simulating: {done} of {total} replications done")

    try:
        close_round(store, code, game, pool_runner(progress))
    except (JobFailed, SalessimError) as exc:
        bar.empty()
        st.error(plain(f"The round was not closed: {exc}"), icon=":material/error:")
        return
    bar.empty()
    st.rerun()


def _trainer_board(
    store: RoomStore, code: str, game: GameState, results: Sequence[TeamRound]
) -> None:
    st.markdown("**Leaderboard**")
    score = str(
        st.selectbox(
            "Leaderboard ranked by",
            list(SCORES),
            index=list(SCORES).index(game.score) if game.score in SCORES else 0,
            key="game.board_score",
            format_func=lambda s: SCORES[s][0],
        )
    )
    shown = st.toggle("Teams see the leaderboard", value=game.board, key="game.board_shown")
    if (bool(shown), score) != (game.board, game.score):
        store.show_board(code, shown=bool(shown), score=score)
    st.table(standings_table(leaderboard(results, score), score), hide_index=True)
    files = room_debrief(store, code)
    columns = st.columns(3)
    for column, (name, mime) in zip(
        columns,
        (("debrief.html", "text/html"), ("rounds.csv", "text/csv"), ("guesses.csv", "text/csv")),
        strict=True,
    ):
        with column:
            st.download_button(
                f"Download {name}",
                files[name].encode("utf-8"),
                file_name=f"{code}-{name}",
                mime=mime,
                key=f"game.download.{name}",
                icon=":material/download:",
            )
    st.caption("The HTML debrief prints to PDF from the browser.")


# ------------------------------------------------------------------------------- teams
def _state(game: GameState | None) -> tuple[Any, ...]:
    return ("none",) if game is None else (game.round, game.state, game.board, game.score)


def _game_or_none(store: RoomStore, code: str) -> GameState | None:
    try:
        return store.game(code)
    except RoomError:
        return None


def team_game(store: RoomStore, code: str, team: Team) -> bool:
    """A team's game: its decisions while a round is open, its quarters, the leaderboard.
    True when the room has a game (drawn), False when it has none."""
    game = _game_or_none(store, code)
    if game is None:
        # No polling of its own before a game: the room page's watch notices one starting.
        return False
    st.session_state[SEEN] = _state(game)
    # Redraw when the trainer opens or closes a round or shows the leaderboard.
    watch(SEEN, lambda: _state(_game_or_none(store, code)), POLL_SECONDS)
    setup = read_setup(game)
    k = game.round
    st.subheader(f"Workshop game: round {max(k, 1)} of {setup.rounds}")
    records = [r for r in store.rounds(code) if r.token == team.token and r.round >= 1]
    if game.state == GAME_OPEN:
        _decisions_form(store, code, team, setup, k, records)
    elif game.state == GAME_CLOSING:
        st.info(f"Round {k} is being simulated…", icon=":material/hourglass:")
    elif k < setup.rounds:
        st.info(f"Waiting for your trainer to open round {k + 1}.", icon=":material/hourglass:")
    else:
        st.success("The game is over.", icon=":material/flag:")
    played = [cast(TeamRound, r.results) for r in records if r.results]
    if played:
        st.markdown("**Your team's quarters**")
        st.table(rounds_table(played), hide_index=True)
        st.vega_lite_chart(spec=rounds_charts(played))
    if game.board:
        results = room_results(store, code, game)
        if results:
            st.markdown(f"**Leaderboard** (ranked by {SCORES[game.score][0].lower()})")
            st.table(standings_table(leaderboard(results, game.score), game.score), hide_index=True)
    return True


def _text(key: str, label: str, default: str, help: str) -> str:
    # The start value is the widget's own default, not a Session State value set before it:
    # then every copy of the widget the browser builds starts from it (a page redrawn while
    # the student typed elsewhere once came back with a widget's first choice instead).
    return str(st.text_input(label, value=default, key=key, help=help))


def _number_text(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def read_form(values: Mapping[str, Any], remaining: int) -> tuple[dict[str, Any], dict[str, str]]:
    """The decisions a form's texts and choices give, and the errors by field (empty when the
    decisions are acceptable). `remaining` is the headcount budget left for this round."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {
        "lead_scoring": bool(values["lead_scoring"]),
        "policy": str(values["policy"]),
    }
    volume = read_number(str(values["lead_volume_multiplier"]), "Lead budget", 0, MAX_LEAD_VOLUME)
    hires_cap = min(MAX_HIRES_PER_ROUND, remaining)
    ae = read_number(str(values["ae_hires"]), "AE hires", 0, hires_cap, whole=True)
    sdr = read_number(str(values["sdr_hires"]), "SDR hires", 0, hires_cap, whole=True)
    block = read_number(str(values["calling_block_hours"]), "Calling block", 0.5, 4.0, unit="h")
    rule = read_number(str(values["response_rule_hours"]), "Response rule", 0, 48, unit="h")
    for key, reading, empty in (
        ("lead_volume_multiplier", volume, "Lead budget: enter a number"),
        ("ae_hires", ae, None),
        ("sdr_hires", sdr, None),
        ("calling_block_hours", block, "Calling block: enter a number of hours"),
    ):
        if reading.error:
            errors[key] = reading.error
        elif reading.value is None:
            if empty is not None:
                errors[key] = empty
            out[key] = 0
        else:
            out[key] = reading.value
    both = "ae_hires" not in errors and "sdr_hires" not in errors
    if both and out["ae_hires"] + out["sdr_hires"] > remaining:
        errors["sdr_hires"] = (
            f"AE and SDR hires: {remaining} left in the headcount budget "
            f"(got {out['ae_hires']} + {out['sdr_hires']})"
        )
    if rule.error:
        errors["response_rule_hours"] = rule.error
    elif rule.value is not None and rule.value <= 0:
        errors["response_rule_hours"] = "Response rule must be above 0 h, or empty for no rule"
    out["response_rule_hours"] = rule.value
    for key in ("lead_volume_multiplier", "calling_block_hours"):
        if key in out:
            out[key] = float(out[key])
    for key in ("ae_hires", "sdr_hires"):
        out[key] = int(out.get(key, 0))
    return out, errors


def _decisions_form(
    store: RoomStore,
    code: str,
    team: Team,
    setup: GameSetup,
    k: int,
    records: Sequence[RoundRecord],
) -> None:
    earlier = team_history(setup, records, team.token, k - 1)
    mine = {r.round: r for r in records}
    submitted = _decisions(mine.get(k))
    start = submitted or carried(setup, earlier[-1] if earlier else None)
    remaining = setup.headcount_budget - hires_before(earlier)
    st.markdown(
        f"**Your decisions for round {k}** (quarter days {setup.days(k)[0]}–"
        f"{setup.days(k)[1] - 1}). Headcount budget: {remaining} of "
        f"{setup.headcount_budget} hires left."
    )
    fields = Decisions.model_fields
    prefix = f"game.{code}.{k}."
    values: dict[str, Any] = {}
    errors_at: dict[str, DeltaGenerator] = {}

    def text_field(key: str, label: str, default: str) -> None:
        """A decision typed as text, with a place for its error right under it."""
        values[key] = _text(prefix + key, label, default, str(fields[key].description))
        errors_at[key] = st.empty()

    hires = min(MAX_HIRES_PER_ROUND, remaining)
    left, right = st.columns(2)
    with left:
        text_field(
            "lead_volume_multiplier",
            f"Lead budget (× the usual volume, 0 to {MAX_LEAD_VOLUME:g})",
            _number_text(start.lead_volume_multiplier),
        )
        text_field("ae_hires", f"AE hires this round (0 to {hires})", str(start.ae_hires))
        text_field("sdr_hires", f"SDR hires this round (0 to {hires})", str(start.sdr_hires))
        values["lead_scoring"] = st.checkbox(
            "Lead scoring",
            value=start.lead_scoring,
            key=prefix + "lead_scoring",
            help=str(fields["lead_scoring"].description),
        )
    with right:
        policies = list(POLICIES)
        values["policy"] = st.selectbox(
            "How AEs pick their next task",
            policies,
            index=policies.index(start.policy),
            key=prefix + "policy",
            format_func=lambda p: POLICIES[p],
        )
        text_field(
            "calling_block_hours",
            "Daily calling block (hours, 0.5 to 4; with a calling block)",
            _number_text(start.calling_block_hours),
        )
        text_field(
            "response_rule_hours",
            "Response rule (hours, up to 48; empty: none)",
            _number_text(start.response_rule_hours),
        )
    decided, errors = read_form(values, remaining)
    for key, message in errors.items():
        errors_at[key].error(plain(message), icon=":material/error:")
    label = "Change our decisions" if submitted is not None else "Submit our decisions"
    if st.button(label, type="primary", key=prefix + "submit", disabled=bool(errors)):
        try:
            decisions = Decisions.read(decided)
            submit_decisions(store, code, team, setup, k, decisions)
        except (GameError, RoomError, WorkLimitError) as exc:
            st.error(plain(exc), icon=":material/error:")
            return
        submitted = decisions
    if submitted is not None:
        st.success(
            f"Your decisions for round {k} are in; you can change them until the trainer "
            "closes the round.",
            icon=":material/check_circle:",
        )
