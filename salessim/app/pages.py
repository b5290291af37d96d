"""The app's pages: What-if, Compare, Sweep, Plan, Classroom and Your team, and the navigation
between them.

Each page reads its inputs, runs the request in the shared pool when asked (see
:func:`salessim.app.ui.run_job`; a comparison shows a first estimate while it runs) and keeps a
small summary of the result in the session, tagged with the inputs it was computed for, so that
a page can say when the inputs have changed since.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from salessim.app import charts, ui
from salessim.app.budget import DEFAULT_REPLICATIONS, MAX_SWEEP_POINTS
from salessim.app.levers import (
    HORIZON,
    Lever,
    LeverValue,
    build_scenario,
    describe_changes,
    levers_for,
    sweep_levers,
    sweep_scenarios,
    sweep_values,
    with_horizon,
)
from salessim.app.results_cache import scenario_fingerprint
from salessim.app.text import plain, read_number
from salessim.app.uploads import (
    MAX_BATCH_FILES,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_MB,
    UploadError,
    load_uploaded_batch,
    safe_stem,
    scenario_file_name,
    scenario_yaml,
)
from salessim.app.views import (
    PREDICTION_METRICS,
    SWEEP_METRICS,
    ComparisonView,
    PredictionCheck,
    SweepView,
    check_prediction,
    comparison_from_runs,
    signed_percent,
    summarise_comparison,
    summarise_sweep,
    sweep_from_runs,
)
from salessim.config import Scenario
from salessim.errors import SalessimError
from salessim.formatting import MINUS, format_band, format_delta, format_value, plural, table_money
from salessim.metrics import label, spec
from salessim.plan import (
    OBJECTIVES,
    Option,
    Plan,
    frontier_options,
    frontier_plan,
    goal_seek_options,
    goal_seek_plan,
    lever_value,
    make_lever,
    plan_figure,
)
from salessim.profile import (
    CORE_FIELDS,
    FALLBACKS,
    QUESTIONS,
    Question,
    TeamScenario,
    build,
    field_errors,
    make_profile,
)

APP_TITLE = "salessim"
NO_THIRD = "(none)"
GUESS_LOW, GUESS_HIGH = -100.0, 1000.0
"""The range of a prediction, in percent: a metric cannot fall by more than all of it."""
CUSTOM_EXERCISE = "Custom (set the levers in 'Exercise setup')"

# Classroom exercises: a question and the lever values that pose it.
EXERCISES: dict[str, dict[str, LeverValue]] = {
    "30% more marketing leads": {"lead_volume": 130},
    "Two more AEs": {"aes": 10},
    "Lead scoring filters out suspects": {"lead_filter": True},
    "Two SDRs take the leads": {"sdrs": 2},
    "Reps put their deals before new leads": {"policy": "closer_first"},
    "Deals first, but every lead called within 2 hours": {
        "policy": "closer_first",
        "response_sla": 2.0,
    },
}


@dataclass(frozen=True)
class Result:
    """A page's last result and the inputs it was computed for."""

    inputs: tuple[Any, ...]
    view: ComparisonView | SweepView
    changes: tuple[str, ...] = ()
    check: PredictionCheck | None = None
    scenarios: tuple[Scenario, ...] = ()
    """The scenarios run (a few kilobytes), to write the result's files when asked."""


def _fingerprint(scenario: Scenario) -> str:
    return scenario_fingerprint(scenario.model_dump(mode="json"))


def _download_scenario(label: str, scenario: Scenario, help: str) -> None:
    """A button that downloads `scenario` as a complete YAML scenario file."""
    st.download_button(
        label,
        scenario_yaml(scenario),
        file_name=scenario_file_name(scenario),
        mime="application/x-yaml",
        on_click="ignore",
        help=help,
    )


def _stale_note(result: Result, inputs: tuple[Any, ...]) -> None:
    if result.inputs != inputs:
        st.warning(
            "You changed the inputs since this result was computed: press Run to update it.",
            icon=":material/update:",
        )


def _build(base: Scenario, values: dict[str, LeverValue]) -> Scenario | None:
    try:
        return build_scenario(base, values)
    except SalessimError as exc:
        problem = f"These inputs do not make a valid scenario: {exc}"
        st.error(plain(problem), icon=":material/error:")
        return None


# ----------------------------------------------------------------------------------- What-if
def what_if_page() -> None:
    """Start from a scenario, move the levers, run both, see what changed and why."""
    st.title("What if…?")
    st.caption(
        "Pick a starting scenario, move the levers in the sidebar, and press **Run**. Both the "
        "starting scenario and your edit are simulated with the same random luck, so the "
        "differences come from your changes alone."
    )
    with st.sidebar:
        st.header("Your what-if")
        start = ui.pick_scenario(
            "Starting scenario",
            f"{ui.PERSISTENT_PREFIX}whatif.base",
            "The scenario your changes start from. Every lever starts at its value.",
            with_edit=False,
        )
        values = ui.lever_inputs("whatif", start)
        st.divider()
        st.subheader("Run settings")
        n, seed, quarters = ui.run_settings("whatif", [start])
        st.divider()
        st.subheader("Target (optional)")
        target = ui.target_input("whatif")
    base = with_horizon(start, quarters)
    edited = _build(base, values)
    if edited is None:
        return
    st.session_state[ui.WHATIF_EDIT] = edited
    changes = describe_changes(start, values)
    if changes:
        st.markdown("**Your changes:** " + "; ".join(changes) + ".")
    else:
        st.markdown("**Your changes:** none yet. Move a lever in the sidebar.")
    ok = ui.work_ok([base, edited], n) and seed is not None
    left, right = st.columns([1, 4], vertical_alignment="center")
    run = left.button("Run", type="primary", key="whatif.run", disabled=not ok)
    with right:
        _download_scenario(
            "Download the edited scenario (YAML)",
            edited,
            "A complete scenario file: run it with `salessim run FILE`, or upload it on the "
            "Classroom page.",
        )
    inputs = (_fingerprint(base), _fingerprint(edited), n, seed)
    if run and seed is not None:
        drawer = ui.first_estimate_drawer([base, edited], seed, cards=True)
        outcome = ui.run_job([base, edited], n, seed, show_first=drawer)
        if outcome is not None:
            runs, reused = outcome
            view = summarise_comparison(comparison_from_runs([base, edited], runs, seed), reused)
            st.session_state["whatif.result"] = Result(
                inputs, view, tuple(changes), scenarios=(base, edited)
            )
    result = st.session_state.get("whatif.result")
    if not isinstance(result, Result) or not isinstance(result.view, ComparisonView):
        st.info("Press **Run** to simulate.", icon=":material/play_arrow:")
        return
    _stale_note(result, inputs)
    view = result.view
    ui.result_heading(view)
    ui.headline(view)
    if target is not None:
        ui.target_chances(view, target)
    ui.explanations(view)
    ui.comparison_charts(view)
    ui.key_numbers(view)
    ui.results_download(result.scenarios, view.replications, view.seed)
    ui.brief_download(result.scenarios, view.replications, view.seed)


# ----------------------------------------------------------------------------------- Compare
def compare_page() -> None:
    """Two or three scenarios side by side, with the same random luck."""
    st.title("Compare scenarios")
    st.caption(
        "Pick two or three scenarios: bundled ones, files you uploaded on the Classroom page, or "
        "your edit from the What-if page. The first is the reference the others are compared to."
    )
    columns = st.columns(3)
    with columns[0]:
        first = ui.pick_scenario(
            "Reference scenario", f"{ui.PERSISTENT_PREFIX}compare.a", "Compared against."
        )
    with columns[1]:
        key_b = f"{ui.PERSISTENT_PREFIX}compare.b"
        if key_b not in st.session_state:
            st.session_state[key_b] = "more_leads_30"
        second = ui.pick_scenario("Second scenario", key_b, "Compared with the reference.")
    with columns[2]:
        choices = ui.scenario_choices()
        key_c = f"{ui.PERSISTENT_PREFIX}compare.c"
        options = [NO_THIRD, *choices]
        if st.session_state.get(key_c) not in options:
            st.session_state[key_c] = NO_THIRD
        third_name = st.selectbox(
            "Third scenario (optional)", options, key=key_c, help="Leave empty to compare two."
        )
    picked = [first, second] + ([choices[str(third_name)]] if third_name != NO_THIRD else [])
    with st.expander("Run settings"):
        n, seed, quarters = ui.run_settings("compare", picked)
    scenarios = [with_horizon(sc, quarters) for sc in picked]
    ok = ui.work_ok(scenarios, n) and seed is not None
    run = st.button("Run", type="primary", key="compare.run", disabled=not ok)
    inputs = (*(_fingerprint(sc) for sc in scenarios), n, seed)
    if run and seed is not None:
        drawer = ui.first_estimate_drawer(scenarios, seed)
        outcome = ui.run_job(scenarios, n, seed, show_first=drawer)
        if outcome is not None:
            runs, reused = outcome
            view = summarise_comparison(comparison_from_runs(scenarios, runs, seed), reused)
            st.session_state["compare.result"] = Result(inputs, view, scenarios=tuple(scenarios))
    result = st.session_state.get("compare.result")
    if not isinstance(result, Result) or not isinstance(result.view, ComparisonView):
        st.info("Press **Run** to simulate.", icon=":material/play_arrow:")
        return
    _stale_note(result, inputs)
    view = result.view
    ui.result_heading(view)
    ui.explanations(view)
    ui.key_numbers(view)
    ui.results_download(result.scenarios, view.replications, view.seed)
    ui.brief_download(result.scenarios, view.replications, view.seed)
    ui.comparison_charts(view)


# ------------------------------------------------------------------------------------- Sweep
def _sweep_range(lever: Lever, base: Scenario) -> tuple[float, float, int] | None:
    """Range widgets for a numeric lever; None for a lever that sweeps all its choices."""
    if lever.kind in ("choice", "sla", "toggle"):
        st.caption("Every value of this lever is simulated.")
        return None
    low, high = lever.bounds_for(base)
    start = lever.initial(base)
    assert isinstance(start, int | float)
    key = f"{ui.PERSISTENT_PREFIX}sweep.{ui.scenario_tag(base)}.{lever.key}.range"
    if key not in st.session_state:
        if lever.key == "lead_volume":
            ends: tuple[float, float] = (50, 200)
        else:
            ends = (max(low, start / 2), min(high, start * 2 or high / 2))
        # On the lever's step, as the slider moves.
        snapped = tuple(round(v / lever.step) * lever.step for v in ends)
        st.session_state[key] = (
            snapped if lever.kind == "hours" else tuple(round(v) for v in snapped)
        )
    chosen: Any
    if lever.kind == "hours":
        chosen = st.slider(
            f"Range: {lever.label}",
            min_value=float(low),
            max_value=float(high),
            step=float(lever.step),
            key=key,
        )
    else:
        chosen = st.slider(
            f"Range: {lever.label}",
            min_value=int(low),
            max_value=int(high),
            step=int(lever.step),
            key=key,
        )
    a, b = chosen
    points_key = f"{ui.PERSISTENT_PREFIX}sweep.points"
    st.session_state.setdefault(points_key, 5)
    points = st.slider(
        "Values in the range",
        min_value=2,
        max_value=MAX_SWEEP_POINTS,
        key=points_key,
        help="Evenly spaced from the first to the last value of the range, plus the starting "
        "scenario's own value when it lies inside the range.",
    )
    return float(a), float(b), int(points)


def sweep_page() -> None:
    """One lever over a range of values: the curve and its band show any tipping point."""
    st.title("Sweep one lever")
    st.caption(
        "Vary one lever over a range and see how a result responds. A curve that rises and "
        "then falls has a tipping point: past it, more of the lever gives less."
    )
    left, right = st.columns([1, 2])
    with left:
        start = ui.pick_scenario(
            "Starting scenario", f"{ui.PERSISTENT_PREFIX}sweep.base", "The scenario to vary."
        )
        levers = {lever.key: lever for lever in sweep_levers(start)}
        lever_key = st.selectbox(
            "Lever to vary",
            list(levers),
            key=f"{ui.PERSISTENT_PREFIX}sweep.lever",
            format_func=lambda k: levers[k].label,
            help="Everything else stays as in the starting scenario.",
        )
        lever = levers[str(lever_key)]
        span = _sweep_range(lever, start)
        with st.expander("Run settings"):
            n, seed, quarters = ui.run_settings("sweep", [start])
    base = with_horizon(start, quarters)
    try:
        if span is None:
            values = sweep_values(lever, base, 0, 0, 0)
        else:
            values = sweep_values(lever, base, span[0], span[1], span[2], lever.initial(base))
        points = sweep_scenarios(base, lever, values)
    except SalessimError as exc:
        right.error(plain(exc), icon=":material/error:")
        return
    with left:
        st.caption("Values: " + ", ".join(lever.describe(v) for v in values))
        ok = ui.work_ok(points, n) and seed is not None
        run = st.button("Run", type="primary", key="sweep.run", disabled=not ok)
    inputs = (_fingerprint(base), lever.key, tuple(values), n, seed)
    with right:
        if run and seed is not None:
            outcome = ui.run_job(points, n, seed, series=False)
            if outcome is not None:
                runs, _ = outcome
                result_sweep = sweep_from_runs(
                    base, lever.path, [lever.write(v) for v in values], points, runs, seed
                )
                view = summarise_sweep(
                    result_sweep,
                    base.name,
                    lever.label,
                    values,
                    [lever.describe(v) for v in values],
                    lever.read(base),
                    lever.describe(lever.read(base)),
                )
                st.session_state["sweep.result"] = Result(inputs, view)
        result = st.session_state.get("sweep.result")
        if not isinstance(result, Result) or not isinstance(result.view, SweepView):
            st.info("Press **Run** to simulate.", icon=":material/play_arrow:")
            return
        _stale_note(result, inputs)
        _sweep_result(result.view)


def _sweep_result(view: SweepView) -> None:
    metric = st.selectbox(
        "Result to show",
        [m for m in SWEEP_METRICS if m in view.curves],
        key=f"{ui.PERSISTENT_PREFIX}sweep.metric",
        format_func=label,
    )
    metric = str(metric)
    info = spec(metric)
    st.altair_chart(charts.sweep_curve(view, metric), width="stretch")
    curve = view.curves[metric]
    if view.numeric and len(view.values) > 2:
        if metric in view.peaks:
            peak = view.peaks[metric]
            st.success(
                f"**Tipping point:** {info.label.lower()} peak at {view.value_labels[peak]} "
                f"({format_value(curve['mean'][peak], info.kind, MINUS)} on average; its paired "
                "differences from both ends of the range exclude zero); beyond it, more of "
                f"'{view.lever_label.lower()}' gives less.",
                icon=":material/trending_down:",
            )
        else:
            st.caption(
                f"{info.label}: no peak is distinguishable in this range. No value in it is "
                "significantly above both ends (paired differences, the same random luck at "
                "every value, 95% interval); more replications or a wider range may show one."
            )
    rows = [
        {
            view.lever_label: text + (" (the scenario's own)" if view.is_start(value) else ""),
            f"{info.label} (mean)": format_value(curve["mean"][k], info.kind, MINUS),
            "95% CI": format_band(curve["ci_low"][k], curve["ci_high"][k], info.kind),
        }
        for k, (value, text) in enumerate(zip(view.values, view.value_labels, strict=True))
    ]
    st.table(rows, hide_index=True)
    one = " One replication gives no 95% interval (it needs two)." if view.replications < 2 else ""
    st.caption(
        plain(
            f"Totals over {view.window}. Scenario '{view.scenario}', "
            f"{plural(view.replications, 'replication')} per value, seed {view.seed}; every "
            f"value shares the same random luck.{one}"
        )
    )


# --------------------------------------------------------------------------------- Classroom
def _apply_exercise(scope: str, base: Scenario) -> None:
    """Set the exercise's levers (a select box callback): others go back to the scenario's."""
    name = st.session_state.get(f"{ui.PERSISTENT_PREFIX}class.exercise")
    if name not in EXERCISES:
        return  # "custom": keep the levers as the trainer set them
    wanted = EXERCISES[str(name)]
    for lever in levers_for(base):
        key = ui.lever_key(scope, base, lever)
        st.session_state[key] = wanted.get(lever.key, lever.initial(base))


def classroom_page() -> None:
    """Predict, then run: a student's guess against the simulated result."""
    st.title("Classroom: predict, then run")
    st.markdown(
        "1. Read the question.\n"
        "2. Write down your prediction.\n"
        "3. Press **Run and reveal** to see how close you were, and why."
    )
    scope = "class"
    left, middle, right = st.columns(3)
    with left:
        start = ui.pick_scenario(
            "Starting scenario",
            f"{ui.PERSISTENT_PREFIX}class.base",
            "The scenario the exercise changes.",
        )
    with middle:
        exercise_key = f"{ui.PERSISTENT_PREFIX}class.exercise"
        st.session_state.setdefault(exercise_key, next(iter(EXERCISES)))
        st.selectbox(
            "Exercise",
            [*EXERCISES, CUSTOM_EXERCISE],
            key=exercise_key,
            on_change=_apply_exercise,
            args=(scope, start),
            help="The question your trainer gives: it sets the levers (see 'Exercise setup').",
        )
    with right:
        metric_key = f"{ui.PERSISTENT_PREFIX}class.metric"
        st.session_state.setdefault(metric_key, "bookings")
        metric = str(
            st.selectbox(
                "Result to predict",
                PREDICTION_METRICS,
                key=metric_key,
                format_func=label,
            )
        )
    from salessim.app.room_pages import is_trainer

    if is_trainer():
        with st.expander("Exercise setup: levers and run settings (for the trainer)"):
            values = ui.lever_inputs(
                scope, start, initial=EXERCISES.get(str(st.session_state[exercise_key]), {})
            )
            n, seed, quarters = ui.run_settings(scope, [start])
    else:  # the server has a trainer PIN: the exercise as chosen, default run settings
        chosen = EXERCISES.get(str(st.session_state[exercise_key]), {})
        values = {
            lever.key: chosen.get(lever.key, lever.initial(start)) for lever in levers_for(start)
        }
        n, seed, quarters = DEFAULT_REPLICATIONS, 0, int(HORIZON.read(start))
    base = with_horizon(start, quarters)
    edited = _build(base, values)
    if edited is None:
        return
    changes = describe_changes(start, values)
    name = label(metric).lower()
    what = "; ".join(c[0].lower() + c[1:] for c in changes) if changes else "no change at all"
    st.subheader(
        plain(f"Question: starting from '{base.name}', with {what}, how do {name} change?")
    )
    guess_text = st.text_input(
        f"Your prediction: change in {name} (%)",
        key="class.guess",
        placeholder="e.g. 20 for +20%, -10 for −10%",
        help="Your best guess before you see the result, from −100 to +1,000: +20 means 20% "
        "more than the starting scenario.",
    )
    reading = read_number(guess_text, "Your prediction", GUESS_LOW, GUESS_HIGH, unit="%")
    if reading.error:
        st.error(plain(reading.error), icon=":material/error:")
    guess = reading.value if reading.ok else None
    ok = ui.work_ok([base, edited], n) and seed is not None
    run = st.button(
        "Run and reveal",
        type="primary",
        key="class.run",
        disabled=guess is None or not ok,
        help="Enter a prediction first." if guess is None else None,
    )
    inputs = (_fingerprint(base), _fingerprint(edited), n, seed, metric)
    if run and guess is not None and seed is not None:
        drawer = ui.first_estimate_drawer([base, edited], seed)
        outcome = ui.run_job([base, edited], n, seed, show_first=drawer)
        if outcome is not None:
            runs, reused = outcome
            comparison = comparison_from_runs([base, edited], runs, seed)
            check = check_prediction(comparison, metric, float(guess))
            view = summarise_comparison(comparison, reused)
            st.session_state["class.result"] = Result(inputs, view, tuple(changes), check)
    result = st.session_state.get("class.result")
    if isinstance(result, Result) and result.check is not None:
        _stale_note(result, inputs)
        _reveal(result)
    st.divider()
    _trainer_files(edited)


def _reveal(result: Result) -> None:
    check = result.check
    assert check is not None and isinstance(result.view, ComparisonView)
    view = result.view
    st.markdown(
        f"**You predicted {signed_percent(check.guess_percent)}.** The simulation says "
        f"**{signed_percent(check.actual_percent.mean)}** ({check.interval_text()}) for "
        f"{label(check.metric).lower()}, totals over {view.window}."
    )
    if not check.decided:
        st.info(check.verdict(), icon=":material/info:")
    elif check.inside:
        st.success(check.verdict(), icon=":material/check_circle:")
    else:
        st.warning(check.verdict(), icon=":material/psychology:")
    st.altair_chart(charts.prediction(check), width="stretch")
    ui.explanations(view)
    with st.expander("All the results"):
        ui.headline(view)
        ui.comparison_charts(view)
        ui.key_numbers(view)


UPLOAD_KEY = "class.upload"


def _trainer_files(edited: Scenario) -> None:
    """Download the exercise's scenario; upload a scenario file to start from."""
    st.markdown("**Scenario files**")
    left, right = st.columns(2)
    with left:
        _download_scenario(
            "Download this exercise's scenario (YAML)",
            edited,
            "Share it with the class: students upload it here to start from it.",
        )
    with right:
        # Streamlit states its own cap (whole megabytes) under the box: hidden, as the label
        # gives the real one, which load_uploaded_batch enforces.
        st.html(
            f"<style>.st-key-{UPLOAD_KEY.replace('.', '-')} "
            "[data-testid='stFileUploaderDropzoneInstructions'] {display: none;}</style>"
        )
        uploaded = st.file_uploader(
            f"Upload scenario files (YAML, at most {MAX_UPLOAD_BYTES // 1024} kB each)",
            type=["yaml", "yml"],
            accept_multiple_files=True,
            key=UPLOAD_KEY,
            max_upload_size=MAX_UPLOAD_MB,
            help="Scenario files, for example ones downloaded from this app. They are checked "
            "and then offered as starting scenarios on every page. A file may extend a bundled "
            f"scenario or another file uploaded with it (up to {MAX_BATCH_FILES} at once).",
        )
        if uploaded:
            _take_uploads([(file.name, file.getvalue()) for file in uploaded])


def _take_uploads(files: list[tuple[str, bytes]]) -> None:
    try:
        loaded = load_uploaded_batch(files)
    except UploadError as exc:
        st.error(plain(str(exc)), icon=":material/error:")
        return
    uploads: dict[str, Scenario] = st.session_state.setdefault(ui.UPLOADS, {})
    for _, outcome in loaded:
        if isinstance(outcome, UploadError):
            st.error(plain(f"This file cannot be used: {outcome}"), icon=":material/error:")
            continue
        uploads[outcome.name] = outcome
        st.success(
            plain(
                f"Loaded scenario '{outcome.name}': pick 'Uploaded: {outcome.name}' as the "
                "starting scenario on any page."
            ),
            icon=":material/check_circle:",
        )


# --------------------------------------------------------------------------------- Your team
TEAM_PREFIX = f"{ui.PERSISTENT_PREFIX}team."
TEAM_BUILT = "team.built"
# A starting point for the form: a mid-market team close to the bundled baseline.
TEAM_START: dict[str, float] = {
    "aes": 8,
    "deal_size": 27_000.0,
    "sales_cycle_days": 58.0,
    "leads_per_month": 240.0,
}


def team_page() -> None:
    """A team in an executive's numbers, turned into a scenario the other pages can start from."""
    st.title("Your team")
    st.caption(
        "Describe your team in the numbers you know. The app derives a complete scenario from "
        "them: stage timings and rep hours from your sales cycle and deal size, the lead mix, "
        "the deal values, the drop-outs that give your win rate. Leave a number empty to use "
        "the baseline scenario's."
    )
    values: dict[str, float | int | None] = {}
    slots: dict[str, Any] = {}
    typed: dict[str, str | None] = {}
    needed = [q for q in QUESTIONS if q.field in CORE_FIELDS]
    optional = [q for q in QUESTIONS if q.field not in CORE_FIELDS]
    left, right = st.columns(2)
    with left:
        st.subheader("What every team knows")
        for q in needed:
            values[q.field], slots[q.field], typed[q.field] = _team_input(
                q, TEAM_START.get(q.field)
            )
        name = st.text_input("Scenario name", value="my_team", key=f"{TEAM_PREFIX}name")
    with right:
        st.subheader("If you know them")
        for q in optional:
            values[q.field], slots[q.field], typed[q.field] = _team_input(q, None)
    errors = field_errors(values)
    errors.update({field: problem for field, problem in typed.items() if problem})
    for field, rule in errors.items():
        slot = slots.get(field)
        (slot if slot is not None else st).error(plain(rule), icon=":material/error:")
    name = safe_stem(name or "my_team")
    if st.button("Make my scenario", type="primary", key="team.make", disabled=bool(errors)):
        made = build(make_profile(values), name)
        uploads: dict[str, Scenario] = st.session_state.setdefault(ui.UPLOADS, {})
        uploads[made.name] = made.scenario
        st.session_state[TEAM_BUILT] = made
    team = st.session_state.get(TEAM_BUILT)
    if not isinstance(team, TeamScenario):
        return
    st.success(
        plain(
            f"Scenario '{team.name}' is ready: pick 'Uploaded: {team.name}' as the starting "
            "scenario on any page."
        ),
        icon=":material/check_circle:",
    )
    st.download_button(
        "Download the scenario (YAML)",
        team.yaml_text(),
        file_name=team.file_name(),
        mime="application/x-yaml",
        on_click="ignore",
        help="A commented scenario file extending baseline: run it with `salessim run FILE` to "
        "see what it produces beside your numbers.",
    )
    st.table([{"Field": s.path, "Value": f"{s.value:g}", "From": s.note} for s in team.settings])


def _team_input(q: Question, start: float | None) -> tuple[float | int | None, Any, str | None]:
    """A box for one profile number, read as typed (empty: not given), a slot below it for its
    error, and the error if what was typed is not a number of the right kind."""
    key = f"{TEAM_PREFIX}{q.field}"
    if not isinstance(st.session_state.get(key), str):
        st.session_state[key] = "" if start is None else f"{start:g}"
    text = st.text_input(
        q.label,
        key=key,
        placeholder="baseline's" if start is None else None,
        help=None if q.field in CORE_FIELDS else f"Empty: {FALLBACKS.get(q.field, 'baseline')}",
    )
    reading = read_number(text, "", whole=q.integer)
    slot = st.empty()
    if reading.error:
        return None, slot, reading.error
    if reading.value is None:
        return None, slot, None
    return (int(reading.value) if q.integer else float(reading.value)), slot, None


# -------------------------------------------------------------------------------------- Plan
PLAN_LEVERS = {
    "aes.count": "AEs",
    "sdrs.count": "SDRs",
    "lead_volume_multiplier": "Lead volume",
    "lead_filter.enabled": "Lead scoring",
}
"""The levers the Plan page offers (paths of :mod:`salessim.plan`) and their names."""
GOAL_LEVERS = ("aes.count", "sdrs.count")
FRONTIER, GOAL_SEEK = "Best use of a budget (frontier)", "Least cost to reach a target"
MAX_BUDGET_CHANGE = 100_000_000.0


@dataclass(frozen=True)
class PlanResult:
    """The Plan page's last plan and the inputs it was computed for."""

    inputs: tuple[Any, ...]
    plan: Plan


def _typed(
    label: str, key: str, default: str, low: float, high: float, whole: bool
) -> float | None:
    """A number typed as text, its error shown under the field; None when unreadable."""
    st.session_state.setdefault(key, default)
    text = st.text_input(label, key=key)
    reading = read_number(text, label, low, high, whole=whole)
    if not reading.ok:
        st.error(plain(reading.error or f"{label}: type a number"), icon=":material/error:")
        return None
    return reading.value


def plan_page() -> None:
    """Goal-seek (least cost to reach a target) or the frontier (best use of a budget), every
    option run in the shared pool and judged by :mod:`salessim.plan`."""
    st.title("Plan")
    st.caption(
        "How many to hire, and the best use of the same money. Every option is simulated with "
        "the same random luck as the starting scenario, and priced from its economics (a year "
        "of each AE or SDR, leads at their cost). The app runs every option the same number "
        "of replications, with no racing; the salessim plan command races the options instead "
        "and can weigh more levers."
    )
    left, right = st.columns([1, 2])
    with left:
        start = ui.pick_scenario(
            "Starting scenario", f"{ui.PERSISTENT_PREFIX}plan.base", "The scenario to plan from."
        )
        mode = st.radio("Question", [FRONTIER, GOAL_SEEK], key=f"{ui.PERSISTENT_PREFIX}plan.mode")
        with st.expander("Run settings"):
            n, seed, quarters = ui.run_settings("plan", [start], default_replications=4)
        base = with_horizon(start, quarters)
        request = _frontier_request(base, n) if mode == FRONTIER else _goal_request(base)
    if request is None:
        return
    inputs, options, reference, make = request
    scenarios = [o.scenario for o in options] + ([base] if reference else [])
    with left:
        ok = ui.work_ok(scenarios, n) and seed is not None
        run = st.button("Run", type="primary", key="plan.run", disabled=not ok)
    inputs = (_fingerprint(base), mode, *inputs, n, seed)
    with right:
        if run and seed is not None:
            outcome = ui.run_job(scenarios, n, seed, series=False)
            if outcome is not None:
                runs, _ = outcome
                for option, option_runs in zip(options, runs[: len(options)], strict=True):
                    option.runs = list(option_runs)
                try:
                    plan = make(runs[-1] if reference else [], seed)
                except SalessimError as exc:
                    st.error(plain(exc), icon=":material/error:")
                    return
                st.session_state["plan.result"] = PlanResult(inputs, plan)
        result = st.session_state.get("plan.result")
        if not isinstance(result, PlanResult):
            st.info("Press **Run** to simulate every option.", icon=":material/play_arrow:")
            return
        if result.inputs != inputs:
            st.warning(
                "You changed the inputs since this result was computed: press Run to update it.",
                icon=":material/update:",
            )
        _plan_result(result.plan)


PlanRequest = tuple[tuple[Any, ...], list[Option], bool, Any]
"""(the inputs, the options, whether the scenario itself runs too, and the function that
turns the runs into the plan)."""


def _frontier_request(base: Scenario, n: int) -> PlanRequest | None:
    budget = _typed(
        "Yearly budget change ($)",
        f"{ui.PERSISTENT_PREFIX}plan.budget",
        "400,000",
        0,
        MAX_BUDGET_CHANGE,
        False,
    )
    objective = str(
        st.selectbox("Objective", OBJECTIVES, key=f"{ui.PERSISTENT_PREFIX}plan.objective")
    )
    paths = st.multiselect(
        "Levers",
        list(PLAN_LEVERS),
        default=["aes.count", "lead_filter.enabled"],
        format_func=lambda p: PLAN_LEVERS[p],
        key=f"{ui.PERSISTENT_PREFIX}plan.levers",
        help="Counts go up one at a time and lead volume in steps of 10%, as far as the budget "
        "buys; lead scoring on or off.",
    )
    if budget is None:
        return None
    if not paths:
        st.error("Choose at least one lever.", icon=":material/error:")
        return None
    if n < 2:
        st.error("A frontier needs at least 2 replications.", icon=":material/error:")
        return None
    try:
        levers = [make_lever(base, p, None, budget) for p in paths]
        options = frontier_options(base, levers, budget, objective, n)
    except SalessimError as exc:
        st.error(plain(exc), icon=":material/error:")
        return None

    def make(reference_runs: list[dict[str, Any]], seed: int) -> Plan:
        return frontier_plan(
            base, options, reference_runs, budget, objective, seed=seed, replications=n
        )

    return (budget, objective, tuple(paths)), options, True, make


def _goal_request(base: Scenario) -> PlanRequest | None:
    path = str(
        st.selectbox(
            "Lever",
            GOAL_LEVERS,
            format_func=lambda p: PLAN_LEVERS[p],
            key=f"{ui.PERSISTENT_PREFIX}plan.goal_lever",
        )
    )
    own = int(lever_value(base, path))
    low = _typed("From", f"{ui.PERSISTENT_PREFIX}plan.{path}.low", str(own), 0, 200, True)
    high = _typed("To", f"{ui.PERSISTENT_PREFIX}plan.{path}.high", str(own + 4), 0, 200, True)
    target = ui.target_input("plan")
    confidence = _typed(
        "Confidence (%)", f"{ui.PERSISTENT_PREFIX}plan.confidence", "80", 1, 99, False
    )
    if low is None or high is None or confidence is None:
        return None
    if target is None:
        st.info("Choose a target metric and type its value.", icon=":material/flag:")
        return None
    if high < low:
        st.error(
            plain(f"To must be at least From (got {high:g} < {low:g})"), icon=":material/error:"
        )
        return None
    share = confidence / 100
    try:
        lever = make_lever(base, path, list(range(int(low), int(high) + 1)))
        options = goal_seek_options(base, [lever], share)
    except SalessimError as exc:
        st.error(plain(exc), icon=":material/error:")
        return None

    def make(_reference_runs: list[dict[str, Any]], seed: int) -> Plan:
        n = min(o.replications for o in options)
        return goal_seek_plan(base, options, target, share, seed=seed, replications_max=n)

    return (path, low, high, target.text(), share), options, False, make


def _plan_result(plan: Plan) -> None:
    """The options as a table (the pick marked), the verdict, the method and the chart."""
    goal = plan.kind == "goal_seek"
    rows = []
    for o in plan.options:
        row: dict[str, str] = {
            "Option" if goal else "Change": o.label() if goal else o.change_label(plan.scenario),
            "Cost a year": format_delta(o.cost_per_year, "money")
            if o.cost_per_year
            else table_money(0),
        }
        if goal:
            p = o.probability
            row["Chance of the target"] = "n/a" if p is None else f"{p.mean:.0%}"
            row["95% interval"] = "n/a" if p is None else f"{p.ci_low:.0%} – {p.ci_high:.0%}"
        else:
            for name, iv in (("Bookings", o.bookings_change), ("Profit", o.profit_change)):
                row[f"{name} a year"] = "n/a" if iv is None else format_delta(iv.mean, "money")
                row[f"{name} 95% interval"] = (
                    "n/a" if iv is None else format_band(iv.ci_low, iv.ci_high, "money")
                )
        row["Replications"] = str(o.replications)
        row["Pick"] = "← pick" if o.recommended else ""
        rows.append(row)
    st.subheader("Options, cheapest first" if goal else f"Options, best {plan.objective} first")
    st.table(rows, hide_index=True)
    picked = plan.recommended()
    if picked is not None:
        st.success(plain(plan.verdict), icon=":material/check_circle:")
    else:
        st.warning(plain(plan.verdict), icon=":material/help:")
    st.caption(plain(f"Method: {plan.method}."))
    st.pyplot(plan_figure(plan), clear_figure=False)


# ---------------------------------------------------------------------------------- the app
def main() -> None:
    """The app: page settings, navigation, and the page the user chose."""
    st.set_page_config(page_title=APP_TITLE, page_icon=":material/trending_up:", layout="wide")
    ui.keep_inputs()
    pages = [
        st.Page(what_if_page, title="What-if", url_path="what-if", default=True),
        st.Page(compare_page, title="Compare", url_path="compare"),
        st.Page(sweep_page, title="Sweep", url_path="sweep"),
        st.Page(plan_page, title="Plan", url_path="plan"),
        st.Page(classroom_page, title="Classroom", url_path="classroom"),
        st.Page(team_page, title="Your team", url_path="your-team"),
    ]
    from salessim.app import room_pages

    if room_pages.rooms_enabled():
        pages += [
            st.Page(room_pages.room_page, title="Room", url_path="room"),
            st.Page(room_pages.trainer_page, title="Trainer", url_path="trainer"),
        ]
    st.navigation(pages, position="top").run()
