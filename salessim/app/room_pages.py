"""Workshop rooms in the app: the Trainer page (behind the PIN of ``salessim serve
--trainer-pin``) and the Room page where teams join, guess and see the class's result.

The rooms live in the server's SQLite store (:mod:`salessim.rooms`), so every session of the
server sees the same room. A team's page address carries the room code and the team's random
token: a reload keeps the team. Likewise, once the PIN is accepted, the Trainer page's address
carries a trainer session's token (kept hashed in the store, for 12 hours): a reload keeps the
trainer, and a team's token is never one. The room's answer is simulated once, in the shared
pool, by the trainer's session, and stored; a student's page only reads the store and, for the
"why", waits for the same runs (the pool's cache has them) once per server.
"""

from __future__ import annotations

import hmac
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import streamlit as st

from salessim.app import charts, game_pages, ui
from salessim.app.levers import (
    LeverValue,
    build_scenario,
    describe_changes,
    levers_for,
    with_horizon,
)
from salessim.app.pages import EXERCISES, GUESS_HIGH, GUESS_LOW
from salessim.app.server import ROOMS_DB_ENV, TRAINER_PIN_ENV
from salessim.app.text import plain, read_number
from salessim.app.uploads import MAX_UPLOAD_MB, UploadError, load_uploaded_scenario
from salessim.app.views import (
    PREDICTION_METRICS,
    ComparisonView,
    PredictionCheck,
    check_prediction,
    comparison_from_runs,
    signed_percent,
    summarise_comparison,
)
from salessim.app.watch import watch
from salessim.config import Scenario
from salessim.errors import SalessimError
from salessim.metrics import label
from salessim.rooms import Guess, Room, RoomError, RoomStore, normalise_code
from salessim.statistics import Difference

TRAINER = "room.trainer"
"""Session key: True once this browser session entered the trainer's PIN (or its token)."""
TRAINER_TOKEN = "room.trainer_token"
"""Session key: the trainer session's token, which the Trainer page's address carries."""
TRAINER_ROOM = "room.trainer_code"
ROOM_PARAM, TEAM_PARAM, TRAINER_PARAM = "room", "team", "trainer"
CUSTOM_PRESET = "Custom: set the levers below"
SEEN = "room.seen"
"""Session key: the room's state this page last drew (a change redraws the page)."""
POLL_SECONDS = 3.0
ANSWER_PRECISION = 6


# ------------------------------------------------------------------------- server-wide
def trainer_pin() -> str | None:
    """The PIN ``salessim serve --trainer-pin`` set; None when the app runs without rooms."""
    return os.environ.get(TRAINER_PIN_ENV) or None


def rooms_enabled() -> bool:
    return trainer_pin() is not None and bool(os.environ.get(ROOMS_DB_ENV))


def is_trainer() -> bool:
    """Whether this session may see trainer controls: always without a PIN (the app as it was
    before rooms), otherwise once the PIN was entered, in this session or in the one whose
    live trainer token the page's address carries (a reload of the Trainer page)."""
    if trainer_pin() is None or st.session_state.get(TRAINER) is True:
        return True
    token = str(st.query_params.get(TRAINER_PARAM, ""))
    if not token or not rooms_enabled():
        return False
    try:
        live = room_store().is_trainer_session(token)
    except RoomError:
        return False
    if live:
        st.session_state[TRAINER] = True
        st.session_state[TRAINER_TOKEN] = token
    return live


def room_store() -> RoomStore:
    """The server's rooms store (each of its calls opens its own short connection)."""
    return _store_at(os.environ[ROOMS_DB_ENV])


@st.cache_resource(show_spinner=False, max_entries=4)
def _store_at(path: str) -> RoomStore:
    return RoomStore(path)


# -------------------------------------------------------------------------- exercises
@dataclass(frozen=True)
class Exercise:
    """A pushed exercise, read back from its JSON document."""

    start: Scenario
    edited: Scenario
    values: dict[str, LeverValue]
    open: tuple[str, ...]
    metric: str
    replications: int
    seed: int

    @property
    def changes(self) -> list[str]:
        return describe_changes(self.start, self.values)

    def question(self) -> str:
        name = label(self.metric).lower()
        changes = self.changes
        what = "; ".join(c[0].lower() + c[1:] for c in changes) if changes else "no change"
        return f"Starting from '{self.start.name}', with {what}, how do {name} change?"


def exercise_document(
    start: Scenario,
    values: dict[str, LeverValue],
    open_levers: Sequence[str],
    metric: str,
    replications: int,
    seed: int,
) -> dict[str, Any]:
    """The JSON document the store keeps for an exercise."""
    return {
        "scenario": start.model_dump(mode="json"),
        "values": dict(values),
        "open": list(open_levers),
        "metric": metric,
        "replications": replications,
        "seed": seed,
    }


def read_exercise(document: dict[str, Any]) -> Exercise:
    """An exercise from its stored document (validated again: the file is outside the app)."""
    start = Scenario.model_validate(document["scenario"])
    values: dict[str, LeverValue] = dict(document["values"])
    return Exercise(
        start=start,
        edited=build_scenario(start, values),
        values=values,
        open=tuple(str(k) for k in document["open"]),
        metric=str(document["metric"]),
        replications=int(document["replications"]),
        seed=int(document["seed"]),
    )


def answer_document(check: PredictionCheck) -> dict[str, Any]:
    """The simulated change in % (mean, 95% interval, p-value) as JSON (NaN as null)."""
    a = check.actual_percent

    def number(x: float) -> float | None:
        return round(float(x), ANSWER_PRECISION) if math.isfinite(x) else None

    return {
        "metric": check.metric,
        "mean": number(a.mean),
        "ci_low": number(a.ci_low),
        "ci_high": number(a.ci_high),
        "p_value": number(a.p_value),
    }


def answer_check(answer: dict[str, Any], guess: float) -> PredictionCheck:
    """A guess against the stored answer, as the Classroom page compares them."""

    def number(key: str) -> float:
        value = answer.get(key)
        return math.nan if value is None else float(value)

    actual = Difference(number("mean"), number("ci_low"), number("ci_high"), number("p_value"))
    return PredictionCheck(str(answer["metric"]), float(guess), actual)


def class_chart(guesses: Sequence[Guess], answer: dict[str, Any]) -> charts.ChartSpec:
    """The class's guesses as a histogram, against the simulated change and its interval."""
    check = answer_check(answer, 0.0)
    name = label(check.metric).lower()
    a = check.actual_percent
    values = [g.value for g in guesses]
    low = min([*values, *(x for x in (a.ci_low, a.mean) if math.isfinite(x))], default=0.0)
    high = max([*values, *(x for x in (a.ci_high, a.mean) if math.isfinite(x))], default=0.0)
    step = max(1.0, _nice_step((high - low) / 12))
    axis = alt.X(
        "guess:Q",
        bin=alt.Bin(step=step),
        title=f"Guessed change in {name} (%)",
    )
    bars = (
        alt.Chart({"values": [{"guess": v} for v in values]})
        .mark_bar(color="#999999")
        .encode(x=axis, y=alt.Y("count():Q", title="Teams"))
    )
    layers: list[alt.Chart] = []
    if a.defined:
        band = {"low": a.ci_low, "high": a.ci_high}
        layers.append(
            alt.Chart({"values": [band]})
            .mark_rect(color=charts.TOTAL, opacity=0.2)
            .encode(x="low:Q", x2="high:Q")
        )
    layers.append(bars)
    if math.isfinite(a.mean):
        layers.append(
            alt.Chart({"values": [{"answer": a.mean}]})
            .mark_rule(color=charts.TOTAL, strokeWidth=3)
            .encode(
                x="answer:Q",
                tooltip=[alt.Tooltip("answer:Q", format="+.1f", title="Simulated change (%)")],
            )
        )
    return alt.layer(*layers).properties(
        title=f"The class's guesses vs the simulated change in {name}", height=charts.HEIGHT
    )


def _nice_step(raw: float) -> float:
    """A bin width of 1, 2 or 5 times a power of ten, at least `raw`."""
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


@st.cache_resource(show_spinner=False, max_entries=20)
def exercise_view(document_text: str) -> ComparisonView:
    """The exercise's comparison (for the "why"), once per server: its runs come from the
    shared pool, which has them from the trainer's run (or runs them again after a restart)."""
    exercise = read_exercise(json.loads(document_text))
    scenarios = [exercise.start, exercise.edited]
    with ui.shared_pool().submit(scenarios, exercise.replications, exercise.seed) as job:
        runs = job.result()
    return summarise_comparison(comparison_from_runs(scenarios, runs, exercise.seed))


def _room_or_none(code: str) -> Room | None:
    try:
        return room_store().room(code)
    except RoomError:
        return None


def _state(room: Room | None) -> tuple[Any, ...]:
    if room is None:
        return ("closed",)
    try:
        playing = room_store().game(room.code) is not None
    except RoomError:
        playing = False
    return (room.version, room.answer is not None, room.revealed, room.named, playing)


def _watch(code: str) -> None:
    """Redraw the page when the trainer pushed, ran or revealed since it was drawn."""
    watch(SEEN, lambda: _state(_room_or_none(code)), POLL_SECONDS)


# ------------------------------------------------------------------------ trainer page
def trainer_page() -> None:
    """Open a room, push an exercise, see who joined and guessed, run and reveal the answer."""
    st.title("Trainer: workshop rooms")
    if not is_trainer():
        if st.query_params.get(TRAINER_PARAM):
            st.warning(
                "This trainer address has expired or was signed out: enter the PIN again.",
                icon=":material/lock:",
            )
        _pin_form()
        return
    store = room_store()
    _keep_trainer_address(store)
    code = _room_picker(store)
    if code is None:
        return
    room = store.room(code)
    st.markdown(f"## Room code: `{code}`")
    st.caption(
        "Teams open the Room page, type this code and a team name. They see the exercise you "
        "push, locked, with only the levers you open."
    )
    game_pages.trainer_game(store, code)
    with st.expander("Exercise: pick it, set it and push it to the room", expanded=True):
        pushed = _push_form(store, code)
    room = store.room(code)
    if room.exercise is None:
        st.info("No exercise pushed yet.", icon=":material/info:")
        return
    exercise = read_exercise(room.exercise)
    st.subheader(plain(f"Question: {exercise.question()}"))
    _teams_table(store, code)
    if room.answer is None:
        _run_answer(store, room, exercise, now=pushed)
        room = store.room(code)
    if room.answer is None:
        return
    named = st.toggle(
        "Show team names with the guesses",
        key="room.named",
        help="Off: the class sees its guesses anonymously, as a histogram only.",
    )
    if st.button("Reveal the answer", type="primary", key="room.reveal"):
        store.reveal(code, named=bool(named))
        room = store.room(code)
    if room.revealed:
        _reveal(room, exercise, None)


def _pin_form() -> None:
    st.caption("Trainer controls are shown after the trainer's PIN (set by salessim serve).")
    pin = st.text_input("Trainer PIN", type="password", key="room.pin")
    if st.button("Enter", key="room.pin_enter"):
        expected = trainer_pin() or ""
        if hmac.compare_digest(str(pin).encode(), expected.encode()):
            st.session_state[TRAINER] = True
            st.session_state.pop("room.pin", None)
            try:
                token = room_store().open_trainer_session()
            except RoomError:
                st.query_params.pop(TRAINER_PARAM, None)  # this session only: no reload
            else:
                st.session_state[TRAINER_TOKEN] = token
                st.query_params[TRAINER_PARAM] = token
            st.rerun()
        st.error("That is not the trainer's PIN.", icon=":material/lock:")


def _keep_trainer_address(store: RoomStore) -> None:
    """Keep the trainer's token in the page's address (a reload then skips the PIN), and
    offer to end the trainer session."""
    token = st.session_state.get(TRAINER_TOKEN)
    if token is None:
        return
    if st.query_params.get(TRAINER_PARAM) != token:
        st.query_params[TRAINER_PARAM] = str(token)
    st.caption(
        f"This page's address lets whoever opens it act as the trainer for "
        f"{store.idle_seconds / 3600:g} hours: keep it to yourself (teams use the Room page)."
    )
    if st.button("Sign out", key="room.sign_out", icon=":material/logout:"):
        store.end_trainer_session(str(token))
        for key in (TRAINER, TRAINER_TOKEN):
            st.session_state.pop(key, None)
        st.query_params.pop(TRAINER_PARAM, None)
        st.rerun()


def _room_picker(store: RoomStore) -> str | None:
    codes = store.open_rooms()
    left, right = st.columns([3, 1])
    with right:
        if st.button("Open a new room", key="room.open", icon=":material/add:"):
            try:
                st.session_state[TRAINER_ROOM] = store.open_room()
            except RoomError as exc:
                st.error(plain(exc), icon=":material/error:")
            codes = store.open_rooms()
    if not codes:
        st.info("No room is open: open one.", icon=":material/info:")
        return None
    if st.session_state.get(TRAINER_ROOM) not in codes:
        st.session_state[TRAINER_ROOM] = codes[0]
    with left:
        code = str(st.selectbox("Room", codes, key=TRAINER_ROOM))
    return code


def _push_form(store: RoomStore, code: str) -> bool:
    """The exercise's scenario, levers, open levers and run settings; True once pushed."""
    uploaded = st.file_uploader(
        "Upload an exercise scenario (YAML)",
        type=["yaml", "yml"],
        key="room.upload",
        max_upload_size=MAX_UPLOAD_MB,
        help="A scenario file; it is checked as on the Classroom page and offered below.",
    )
    if uploaded is not None:
        try:
            scenario = load_uploaded_scenario(uploaded.name, uploaded.getvalue())
        except UploadError as exc:
            st.error(plain(f"This file cannot be used: {exc}"), icon=":material/error:")
        else:
            st.session_state.setdefault(ui.UPLOADS, {})[scenario.name] = scenario
    start = ui.pick_scenario(
        "Starting scenario", f"{ui.PERSISTENT_PREFIX}room.base", "The scenario teams start from."
    )
    preset_key = f"{ui.PERSISTENT_PREFIX}room.preset"
    st.session_state.setdefault(preset_key, CUSTOM_PRESET)
    preset = str(
        st.selectbox(
            "Exercise",
            [CUSTOM_PRESET, *EXERCISES],
            key=preset_key,
            on_change=_apply_preset,
            args=(preset_key, start),
            help="The Classroom page's exercises: one sets the levers below, then push it.",
        )
    )
    metric_key = f"{ui.PERSISTENT_PREFIX}room.metric"
    st.session_state.setdefault(metric_key, "bookings")
    metric = str(
        st.selectbox("Result to predict", PREDICTION_METRICS, key=metric_key, format_func=label)
    )
    st.markdown("**The exercise's levers** (what the question changes)")
    values = ui.lever_inputs("room", start, initial=EXERCISES.get(preset, {}))
    labels = {lever.key: lever.label for lever in levers_for(start)}
    open_levers = st.multiselect(
        "Levers teams may change",
        list(labels),
        key=f"{ui.PERSISTENT_PREFIX}room.open.{ui.scenario_tag(start)}",
        format_func=lambda k: labels[k],
        help="Teams see every other lever locked at the exercise's value.",
    )
    n, seed, quarters = ui.run_settings("room", [start])
    base = with_horizon(start, quarters)
    try:
        build_scenario(base, values)
    except SalessimError as exc:
        st.error(
            plain(f"These levers do not make a valid scenario: {exc}"), icon=":material/error:"
        )
        return False
    if not ui.work_ok([base, base], n) or seed is None:
        return False
    if not st.button("Push to the room", type="primary", key="room.push"):
        return False
    document = exercise_document(base, values, open_levers, metric, n, seed)
    try:
        store.push(code, document)
    except RoomError as exc:
        st.error(plain(exc), icon=":material/error:")
        return False
    st.success("Pushed: every team now sees this exercise.", icon=":material/send:")
    return True


def _apply_preset(preset_key: str, start: Scenario) -> None:
    """Set the chosen exercise's levers (a select box callback); "custom" keeps them."""
    name = st.session_state.get(preset_key)
    if name not in EXERCISES:
        return
    wanted = EXERCISES[str(name)]
    for lever in levers_for(start):
        st.session_state[ui.lever_key("room", start, lever)] = wanted.get(
            lever.key, lever.initial(start)
        )


def _teams_table(store: RoomStore, code: str) -> None:
    teams = store.teams(code)
    guessed = {g.team: g.value for g in store.guesses(code)}
    st.markdown(f"**Teams: {len(teams)} joined, {len(guessed)} guessed**")
    if teams:
        st.table(
            [
                {
                    "Team": t.name,
                    "Guess": signed_percent(guessed[t.name]) if t.name in guessed else "–",
                }
                for t in teams
            ],
            hide_index=True,
        )
    if st.button("Refresh", key="room.refresh", icon=":material/refresh:"):
        st.rerun()


def _run_answer(store: RoomStore, room: Room, exercise: Exercise, now: bool) -> None:
    """Simulate the exercise once in the shared pool and store the answer: `now` (just
    pushed), or when asked again (a run stopped half-way stores nothing)."""
    st.caption(
        f"The answer: {exercise.replications} replications of both scenarios, seed "
        f"{exercise.seed}, simulated once for the room."
    )
    asked = st.button("Simulate the answer", key="room.simulate", icon=":material/play_arrow:")
    if not (now or asked):
        return
    scenarios = [exercise.start, exercise.edited]
    outcome = ui.run_job(scenarios, exercise.replications, exercise.seed)
    if outcome is None:
        return
    runs, _ = outcome
    comparison = comparison_from_runs(scenarios, runs, exercise.seed)
    check = check_prediction(comparison, exercise.metric, 0.0)
    store.set_answer(room.code, room.version, answer_document(check))


# --------------------------------------------------------------------------- room page
def room_page() -> None:
    """A team's view of the room: join, see the exercise locked, guess, see the class's result."""
    st.title("Workshop room")
    store = room_store()
    code = normalise_code(str(st.query_params.get(ROOM_PARAM, "")))
    token = str(st.query_params.get(TEAM_PARAM, ""))
    team = None
    if code and token:
        try:
            team = store.team(code, token)
        except RoomError as exc:
            st.warning(plain(exc), icon=":material/warning:")
    if team is None:
        _join_form(store)
        return
    room = _room_or_none(code)
    if room is None:
        st.warning("This room has closed.", icon=":material/warning:")
        _leave()
        return
    st.session_state[SEEN] = _state(room)
    st.markdown(f"**Room `{code}`, team {plain(team.name)}**")
    playing = game_pages.team_game(store, code, team)
    if room.exercise is None:
        if not playing:
            st.info("Waiting for your trainer to push the exercise…", icon=":material/hourglass:")
        _watch(code)
        _leave()
        return
    exercise = read_exercise(room.exercise)
    st.subheader(plain(f"Question: {exercise.question()}"))
    _locked_levers(exercise)
    own = next((g.value for g in store.guesses(code) if g.team == team.name), None)
    if room.revealed and room.answer is not None:
        _reveal(room, exercise, own)
        if not playing:
            _watch(code)  # nothing to type here: wait for the trainer's game
    elif _guess_form(store, room, exercise, team.token, own):
        # Only while the team waits: a page redrawn while someone types would lose the text.
        _watch(code)
    _leave()


def _join_form(store: RoomStore) -> None:
    st.caption("Type the room code your trainer shows and your team's name.")
    code_text = st.text_input("Room code", key="room.join_code", max_chars=12)
    name = st.text_input("Team name", key="room.join_name", max_chars=40)
    if st.button("Join", type="primary", key="room.join"):
        code = normalise_code(code_text)
        try:
            token = store.join(code, name)
        except RoomError as exc:
            st.error(plain(exc), icon=":material/error:")
            return
        st.query_params[ROOM_PARAM] = code
        st.query_params[TEAM_PARAM] = token
        st.rerun()


def _leave() -> None:
    if st.button("Leave the room", key="room.leave"):
        st.query_params.clear()
        st.session_state.pop(SEEN, None)
        st.rerun()


def _locked_levers(exercise: Exercise) -> None:
    """The exercise's settings, fixed by the trainer; the open levers as the team's inputs."""
    shown = [
        {
            "Setting": lever.label,
            "Value": lever.describe(exercise.values.get(lever.key, lever.read(exercise.start))),
        }
        for lever in levers_for(exercise.start)
        if lever.key not in exercise.open
        and (lever.key in exercise.values or lever.requires is None)
    ]
    with st.expander("The exercise's settings (set by your trainer)"):
        st.table(shown, hide_index=True)


def _guess_form(
    store: RoomStore, room: Room, exercise: Exercise, token: str, own: float | None
) -> bool:
    """The team's open levers and its guess; True once the guess is in."""
    decisions: dict[str, LeverValue] = {}
    if exercise.open:
        st.markdown("**Your team's levers**")
        decisions = ui.lever_inputs(
            f"room.{room.code}.{room.version}",
            exercise.edited,
            only=exercise.open,
        )
    name = label(exercise.metric).lower()
    text = st.text_input(
        f"Your team's prediction: change in {name} (%)",
        key=f"room.guess.{room.code}.{room.version}",
        placeholder="e.g. 20 for +20%, -10 for −10%",
        help="From −100 to +1,000: +20 means 20% more than the starting scenario.",
    )
    reading = read_number(text, "Your prediction", GUESS_LOW, GUESS_HIGH, unit="%")
    if reading.error:
        st.error(plain(reading.error), icon=":material/error:")
    if st.button(
        "Submit our prediction", type="primary", key="room.submit", disabled=not reading.ok
    ):
        try:
            store.guess(room.code, token, float(reading.value or 0.0))
            store.save_round(room.code, token, 0, decisions=dict(decisions))
        except RoomError as exc:
            st.error(plain(exc), icon=":material/error:")
            return False
        own = float(reading.value or 0.0)
    if own is None:
        return False
    st.success(
        plain(f"Your team's prediction is in: {signed_percent(own)}. Wait for the reveal."),
        icon=":material/check_circle:",
    )
    return True


def _reveal(room: Room, exercise: Exercise, own: float | None) -> None:
    """The answer against the class's guesses (named if the trainer chose), and the why."""
    assert room.answer is not None
    guesses = room_store().guesses(room.code)
    check = answer_check(room.answer, own if own is not None else 0.0)
    name = label(exercise.metric).lower()
    st.markdown(
        f"**The simulation says {signed_percent(check.actual_percent.mean)}** "
        f"({check.interval_text()}) for {name}; {len(guesses)} teams guessed."
    )
    if own is not None:
        st.markdown(f"**Your team predicted {signed_percent(own)}.** {plain(check.verdict())}")
    st.altair_chart(class_chart(guesses, room.answer), width="stretch")
    if room.named:
        st.table(
            [{"Team": g.team, "Guess": signed_percent(g.value)} for g in guesses],
            hide_index=True,
        )
    ui.explanations(exercise_view(json.dumps(room.exercise, sort_keys=True)))
