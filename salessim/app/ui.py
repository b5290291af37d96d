"""Building blocks the pages share: the shared pool, scenario pickers, lever widgets, running a
request with a progress bar (and a first estimate while a comparison runs), and drawing a
comparison's results.

Session state keeps each browser's inputs and results; the pool and the bundled scenarios are
server-wide resources (``st.cache_resource``). Widget keys that start with ``lv.`` hold inputs
and survive a visit to another page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from salessim.app import charts
from salessim.app.budget import (
    DEFAULT_REPLICATIONS,
    FIRST_ESTIMATE_REPLICATIONS,
    MAX_REPLICATIONS,
    MAX_WORK_UNITS,
    WorkLimitError,
    check_work,
)
from salessim.app.levers import HORIZON, Lever, LeverValue, horizon_bounds, levers_for
from salessim.app.pool import JobFailed, SimulationPool, app_workers
from salessim.app.results_cache import scenario_fingerprint
from salessim.app.text import plain, read_number
from salessim.app.views import (
    SIGNIFICANT_MARK,
    TARGET_KEYS,
    ComparisonView,
    comparison_from_runs,
    comparison_zip,
    first_estimate,
    first_estimate_note,
    format_change,
    money_short,
    relative_change,
    results_file_name,
    summary_rows,
)
from salessim.config import Scenario
from salessim.errors import SalessimError
from salessim.formatting import MINUS, NOT_AVAILABLE, format_value, plural
from salessim.metrics import spec
from salessim.scenario_files import bundled_scenarios, load_scenario
from salessim.targets import Target, parse_target

PERSISTENT_PREFIX = "lv."
UPLOADS = "uploads"
WHATIF_EDIT = "whatif.edited"
WHATIF_CHOICE = "Your what-if edit (What-if page)"
POLL_SECONDS = 0.25
MAX_SEED = 999_999
HEADLINE_METRICS = ("bookings", "profit", "wins", "win_rate")
NO_TARGET = "No target"


@st.cache_resource(show_spinner=False)
def shared_pool() -> SimulationPool:
    """The server's one process pool (and result cache), shared by every session."""
    pool = SimulationPool(app_workers())
    pool.warm_up()
    return pool


@st.cache_resource(show_spinner=False)
def bundled() -> dict[str, tuple[Scenario, str]]:
    """Bundled scenarios by name, each with the first line of its description."""
    return {name: (load_scenario(name), text) for name, text in bundled_scenarios()}


def keep_inputs() -> None:
    """Keep input widgets' values when their page is not shown (Streamlit drops them)."""
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key.startswith(PERSISTENT_PREFIX):
            st.session_state[key] = st.session_state[key]


def scenario_choices(with_edit: bool = True) -> dict[str, Scenario]:
    """Starting points a user can pick: bundled, uploaded in this session, the what-if edit."""
    choices = {name: sc for name, (sc, _) in bundled().items()}
    uploads: dict[str, Scenario] = st.session_state.get(UPLOADS, {})
    for name, sc in uploads.items():
        choices[f"Uploaded: {name}"] = sc
    edit = st.session_state.get(WHATIF_EDIT)
    if with_edit and isinstance(edit, Scenario):
        choices[WHATIF_CHOICE] = edit
    return choices


def pick_scenario(label: str, key: str, help: str, with_edit: bool = True) -> Scenario:
    """A select box of starting scenarios; returns the chosen one."""
    choices = scenario_choices(with_edit)
    names = list(choices)
    if st.session_state.get(key) not in names:
        st.session_state[key] = "baseline" if "baseline" in names else names[0]
    descriptions = {name: text for name, (_, text) in bundled().items()}

    def show(name: str) -> str:
        text = descriptions.get(name, "")
        return f"{name}: {text}" if text else name

    name = st.selectbox(label, names, key=key, format_func=show, help=help)
    return choices[str(name)]


def scenario_tag(scenario: Scenario) -> str:
    """A short, stable tag of a scenario for widget keys (same name, other content: new tag)."""
    return scenario_fingerprint(scenario.model_dump(mode="json"))[:12]


def lever_key(scope: str, scenario: Scenario, lever: Lever) -> str:
    return f"{PERSISTENT_PREFIX}{scope}.{scenario_tag(scenario)}.{lever.key}"


def lever_inputs(
    scope: str,
    base: Scenario,
    initial: dict[str, LeverValue] | None = None,
    only: Sequence[str] | None = None,
) -> dict[str, LeverValue]:
    """Draw a widget per lever (starting at `base`'s values, or `initial`); return the values."""
    values: dict[str, LeverValue] = {}
    for lever in levers_for(base):
        if only is not None and lever.key not in only:
            continue
        if lever.requires is not None:
            other, needed = lever.requires
            if values.get(other) != needed:
                continue
        key = lever_key(scope, base, lever)
        if key not in st.session_state:
            st.session_state[key] = (initial or {}).get(lever.key, lever.initial(base))
        values[lever.key] = _lever_widget(lever, base, key)
    return values


def _lever_widget(lever: Lever, base: Scenario, key: str) -> LeverValue:
    """The widget for one lever; its value lives in session state under `key`."""
    if lever.kind == "choice":
        labels = dict(lever.choices)
        return str(
            st.selectbox(
                lever.label,
                lever.options(base),
                key=key,
                help=lever.help,
                format_func=lambda v: labels.get(str(v), str(v)),
            )
        )
    if lever.kind == "toggle":
        return bool(st.toggle(lever.label, key=key, help=lever.help))
    if lever.kind == "sla":
        value: Any = st.select_slider(
            lever.label,
            options=lever.options(base),
            key=key,
            help=lever.help,
            format_func=lambda v: "no rule" if float(v) <= 0 else f"{float(v):g} h",
        )
        return float(value)
    low, high = lever.bounds_for(base)
    if lever.kind == "hours":
        return float(
            st.slider(
                lever.label,
                min_value=float(low),
                max_value=float(high),
                step=float(lever.step),
                key=key,
                help=lever.help,
                format="%.2f h",
            )
        )
    formats = {"percent": "%d%%", "money": "$%,d", "minutes": "%d min"}
    return int(
        st.slider(
            lever.label,
            min_value=int(low),
            max_value=int(high),
            step=int(lever.step),
            key=key,
            help=lever.help,
            format=formats.get(lever.kind, "%d"),
        )
    )


def run_settings(
    scope: str, scenarios: Sequence[Scenario], default_replications: int = DEFAULT_REPLICATIONS
) -> tuple[int, int | None, int]:
    """Simulated time, replications and seed widgets; returns (replications, seed, quarters).

    The seed is None, with the reason shown under its box, when what was typed is not a seed."""
    low, high = horizon_bounds(scenarios)
    quarters_key = f"{PERSISTENT_PREFIX}{scope}.quarters.{low}-{high}"
    reps_key = f"{PERSISTENT_PREFIX}{scope}.replications"
    seed_key = f"{PERSISTENT_PREFIX}{scope}.seed_text"
    own = int(HORIZON.read(scenarios[0]))
    st.session_state.setdefault(quarters_key, min(high, max(low, own)))
    st.session_state.setdefault(reps_key, default_replications)
    if not isinstance(st.session_state.get(seed_key), str):
        st.session_state[seed_key] = "0"
    quarters = st.slider(
        HORIZON.label,
        min_value=low,
        max_value=high,
        step=1,
        key=quarters_key,
        help=HORIZON.help + " It applies to every scenario of the run.",
    )
    n = st.slider(
        "Replications",
        min_value=1,
        max_value=MAX_REPLICATIONS,
        step=1,
        key=reps_key,
        help="How many times each scenario is simulated with different random luck. More "
        "replications give narrower 95% intervals and take longer; one replication gives no "
        "interval (it needs two).",
    )
    seed_text = st.text_input(
        "Random seed",
        key=seed_key,
        help="A whole number from 0 to 999,999. The same seed and inputs always give the same "
        "results. Every scenario of one run shares the seed's random luck, so their differences "
        "are due to the inputs alone.",
    )
    reading = read_number(seed_text, "Random seed", 0, MAX_SEED, whole=True)
    if not reading.ok:
        problem = reading.error or f"Random seed: enter a whole number from 0 to {MAX_SEED:,}"
        st.error(plain(problem), icon=":material/error:")
        return int(n), None, int(quarters)
    return int(n), int(reading.value or 0), int(quarters)


def target_label(key: str) -> str:
    """A target key as people read it: "Bookings per year", "Profit per year"."""
    target = parse_target(f"{key}>=0")
    return spec(target.metric).label + (" per year" if target.per_year else "")


def target_input(scope: str) -> Target | None:
    """An optional target: a metric picked from :data:`TARGET_KEYS` and a value typed as text
    (shares in percent). None when no target is asked or its value cannot be read (the reason
    shown under its box); the runs do not depend on it, so it never blocks Run."""
    metric_key = f"{PERSISTENT_PREFIX}{scope}.target_metric"
    value_key = f"{PERSISTENT_PREFIX}{scope}.target_value"
    if st.session_state.get(metric_key) not in (NO_TARGET, *TARGET_KEYS):
        st.session_state[metric_key] = NO_TARGET
    if not isinstance(st.session_state.get(value_key), str):
        st.session_state[value_key] = ""
    key = st.selectbox(
        "Target metric",
        [NO_TARGET, *TARGET_KEYS],
        key=metric_key,
        format_func=lambda k: k if k == NO_TARGET else target_label(k),
        help="Optional: the chance that a run reaches a target, e.g. bookings of $20,000,000 a "
        "year, for both scenarios (the share of replications at or above it).",
    )
    if key == NO_TARGET:
        return None
    name = target_label(str(key))
    share = spec(parse_target(f"{key}>=0").metric).kind == "share"
    text = st.text_input(
        f"{name} at least" + (" (%)" if share else " ($)" if "per_year" in str(key) else ""),
        key=value_key,
        placeholder="e.g. 30%" if share else "e.g. 20,000,000",
        help="Typed as a number: thousands separators are fine; a share in percent.",
    )
    reading = read_number(text, name, 0, 100 if share else None, unit="%" if share else "")
    if reading.error is not None:
        st.error(plain(reading.error), icon=":material/error:")
        return None
    if reading.value is None:
        st.caption("Type a value to see the chance of reaching it.")
        return None
    value = reading.value / 100 if share else reading.value
    return parse_target(f"{key}>={value!r}")


def target_chances(view: ComparisonView, target: Target) -> None:
    """Each scenario's chance of reaching `target`: hits out of runs and the Wilson interval."""
    metric = spec(target.metric)
    shown = format_value(target.value, metric.kind, MINUS)
    name = target_label(target.key)
    st.subheader(plain(f"Chance of reaching {name} ≥ {shown}"))
    columns = st.columns(len(view.scenarios))
    for column, summary in zip(columns, view.scenarios, strict=True):
        hits, n, chance = summary.chance(target)
        band = (
            f"{format_value(chance.ci_low, 'share')} to {format_value(chance.ci_high, 'share')}"
            if n
            else NOT_AVAILABLE
        )
        column.metric(
            summary.name,
            format_value(chance.mean, "share") if n else NOT_AVAILABLE,
            border=True,
            help=plain(
                f"{hits} of {plural(n, 'replication')} reached it; 95% interval (Wilson) {band}."
            ),
        )
        column.caption(plain(f"{hits} of {n} runs; 95% interval {band}"))
    st.caption(
        "The share of replications (each a possible run of the period, with its own luck) that "
        "reach the target. The interval narrows with more replications."
    )


def work_ok(scenarios: Sequence[Scenario], n: int) -> bool:
    """Show the request's size; False (with the reason) when it is over the cap."""
    try:
        work = check_work(scenarios, n)
    except WorkLimitError as exc:
        st.error(plain(exc), icon=":material/block:")
        return False
    amount = f"{work:,.1f}" if work < 10 else f"{work:,.0f}"
    st.caption(
        f"{len(scenarios)} scenario{'s' if len(scenarios) > 1 else ''} × {n} replications ≈ "
        f"{amount} units of work (limit {MAX_WORK_UNITS:,.0f}; one unit is one replication "
        "of the baseline scenario)."
    )
    return True


Runs = list[list[dict[str, Any]]]


def run_job(
    scenarios: Sequence[Scenario],
    n: int,
    seed: int,
    series: bool = True,
    show_first: Callable[[Runs, int], None] | None = None,
) -> tuple[Runs, int] | None:
    """Run a request in the shared pool with a progress bar; (runs, reused) or None on error.

    With `show_first`, once the first FIRST_ESTIMATE_REPLICATIONS replications of every
    scenario have finished and more are to come, ``show_first(runs, n)`` draws a provisional
    result from them under the bar, and draws it again each time further replications finish
    in order; it is removed when the run ends (the page then draws the final result).

    The script thread only waits: the simulations run in the pool's worker processes. If the
    user presses Stop or changes an input meanwhile, Streamlit stops this script at the next
    progress update, and the job is cancelled on the way out: its queued tasks are dropped and
    its running ones stopped, unless another session waits for the same runs.
    """
    try:
        check_work(scenarios, n)
    except WorkLimitError as exc:
        st.error(plain(exc), icon=":material/block:")
        return None
    job = shared_pool().submit(scenarios, n, seed, series)
    try:
        if not job.done():
            st.button(
                "Stop",
                key="run.stop",
                icon=":material/stop:",
                help="Stop this run; the results shown stay those of the last finished run.",
            )
            bar = st.progress(0.0, text="Starting the simulations…")
            board = st.empty()
            shown = 0
            while not job.wait(POLL_SECONDS):
                done, total = job.progress()
                bar.progress(done / total, text=f"Simulating: {done} of {total} replications done")
                ordered = job.finished_in_order()
                fresh = ordered > shown and FIRST_ESTIMATE_REPLICATIONS <= ordered < n
                if show_first is not None and fresh:
                    with board.container():
                        show_first(job.first_runs(ordered), n)
                    shown = ordered
            bar.empty()
            board.empty()
        return job.result(), job.reused
    except (JobFailed, SalessimError) as exc:
        st.error(plain(f"The simulation failed: {exc}"), icon=":material/error:")
        return None
    finally:
        job.cancel()


def first_estimate_drawer(
    scenarios: Sequence[Scenario], seed: int, cards: bool = False
) -> Callable[[Runs, int], None]:
    """What :func:`run_job` draws while a comparison of `scenarios` runs: the first estimate,
    labelled as provisional, with the key numbers and their 95% intervals (and the headline
    cards, with `cards`)."""
    chosen = list(scenarios)

    def draw(runs: Runs, n: int) -> None:
        view = first_estimate(chosen, runs, seed)
        st.info(plain(first_estimate_note(view.replications, n)), icon=":material/hourglass_top:")
        if cards:
            headline(view)
        st.table(summary_rows(view), hide_index=True)
        st.caption(
            "Means of the replications finished so far, every scenario with the same random "
            "luck; changes with their 95% confidence interval."
        )

    return draw


def _delta_color(higher_is_better: bool | None, significant: bool) -> Any:
    """Green for a change for the better, red for the worse, grey when the change is not
    significant (or neither direction is better)."""
    if not significant or higher_is_better is None:
        return "off"
    return "normal" if higher_is_better else "inverse"


def headline(view: ComparisonView, index: int = 1) -> None:
    """Metric cards: the scenario's value and its change against the first scenario, coloured
    only when the change is significant."""
    summary, first = view.scenarios[index], view.scenarios[0]
    diff = view.differences[index - 1]
    columns = st.columns(len(HEADLINE_METRICS))
    for column, key in zip(columns, HEADLINE_METRICS, strict=True):
        metric = spec(key)
        value = summary.value(key)
        before = first.value(key).mean
        if metric.kind == "money":
            shown = money_short(value.mean)
        else:
            shown = format_value(value.mean, metric.kind, MINUS)
        if metric.kind == "share":
            change = (value.mean - before) * 100
            delta = f"{change:+.1f} pp"
        else:
            change = relative_change(before, value.mean) * 100
            delta = f"{change:+.1f}%"
        column.metric(
            metric.label,
            shown,
            # An ASCII sign: Streamlit colours the delta by its first character.
            delta=delta if math.isfinite(change) else None,
            delta_color=_delta_color(metric.higher_is_better, diff[key].significant),
            help=plain(
                f"{metric.meaning} Change against '{first.name}': "
                f"{format_change(diff[key], metric.kind)}."
            ),
            border=True,
        )


def result_heading(view: ComparisonView) -> None:
    """The scenarios compared and the period their totals cover."""
    st.subheader(plain(f"{' and '.join(view.names[1:])} vs {view.names[0]}"))
    st.caption(view.totals_caption())


def comparison_charts(view: ComparisonView) -> None:
    """The charts of a comparison: bookings and profit, forecast and pipeline, hours, leads."""
    left, right = st.columns([3, 2])
    left.altair_chart(charts.quarterly_bookings(view), width="stretch")
    left.altair_chart(charts.quarterly_profit(view), width="stretch")
    with right:
        st.altair_chart(charts.totals(view, "bookings"), width="stretch")
        st.altair_chart(charts.totals(view, "profit"), width="stretch")
    left, right = st.columns(2)
    left.altair_chart(charts.forecast_vs_actual(view), width="stretch")
    right.altair_chart(charts.pipeline(view), width="stretch")
    left, right = st.columns(2)
    left.altair_chart(charts.rep_hours(view), width="stretch")
    right.altair_chart(charts.lead_fates(view), width="stretch")


def explanations(view: ComparisonView) -> None:
    """The "why" paragraph and waterfall for each scenario after the first."""
    for explanation in view.explanations:
        title = f"Why '{explanation.name}' differs from '{explanation.vs}'"
        st.markdown(f"**{plain(title)}**")
        st.info(plain(explanation.paragraph()), icon=":material/lightbulb:")
        st.altair_chart(charts.waterfall(explanation), width="stretch")


def key_numbers(view: ComparisonView) -> None:
    """The table of key metrics: means per scenario and changes with 95% intervals."""
    st.markdown(
        f"**Key numbers**: totals over {view.window}, mean of "
        f"{plural(view.replications, 'replication')}"
    )
    st.table(summary_rows(view), hide_index=True)
    if view.replications < 2:
        certainty = (
            f"With one replication every 95% interval is {NOT_AVAILABLE} (an interval needs "
            "two), so no change can be called significant."
        )
    else:
        certainty = f"{SIGNIFICANT_MARK.strip()} the change's 95% interval excludes zero."
    st.caption(
        f"Seed {view.seed}. Changes are paired (the same random luck in every scenario) with "
        f"their 95% confidence interval; {certainty}"
        + (f" {view.reused} replications were reused from earlier runs." if view.reused else "")
    )


def results_download(scenarios: Sequence[Scenario], n: int, seed: int) -> None:
    """A button that downloads the files ``salessim compare --explain --out`` writes, zipped.

    The zip is built only when the button is pressed, in a thread of its own: the runs come
    back from the shared pool (its cache, or its workers if they were dropped), and the files
    are written by the library's own writer.
    """
    pool = shared_pool()
    chosen, names = list(scenarios), [sc.name for sc in scenarios]

    def build() -> bytes:
        with pool.submit(chosen, n, seed) as job:
            runs = job.result()
        return comparison_zip(comparison_from_runs(chosen, runs, seed))

    st.download_button(
        "Download results (zip)",
        build,
        file_name=results_file_name(names),
        mime="application/zip",
        on_click="ignore",
        help="The files `salessim compare --explain --out DIR` writes for these runs: "
        "compare.json, compare.csv, comparison.png and a waterfall per scenario compared.",
    )


def brief_download(scenarios: Sequence[Scenario], n: int, seed: int) -> None:
    """A button that downloads the decision brief of these runs (``salessim report
    --no-sensitivity``): one HTML page, built when pressed from the shared pool's runs."""
    from salessim.report import brief_html

    pool = shared_pool()
    chosen, names = list(scenarios), [sc.name for sc in scenarios]

    def build() -> bytes:
        with pool.submit(chosen, n, seed) as job:
            runs = job.result()
        return brief_html(comparison_from_runs(chosen, runs, seed)).encode("utf-8")

    st.download_button(
        "Download a brief (HTML)",
        build,
        file_name=results_file_name(names, "html"),
        mime="text/html",
        on_click="ignore",
        help="One page for a board meeting, as `salessim report --no-sensitivity` writes it: "
        "the question, the recommendation, headline numbers with 95% intervals and why.",
    )
