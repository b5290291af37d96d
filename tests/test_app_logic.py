"""The web app's logic without a browser: levers, work cap, result cache, shared pool, views,
uploads, the serve command, and the pages through Streamlit's AppTest.

Runs are two quarters long (one reported) with two or three replications: these tests prove the
wiring and that the app's numbers are the library's, not the model's behaviour.
"""

from __future__ import annotations

import io
import json
import math
import socket
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

pytest.importorskip("streamlit", reason="the app extra is not installed: pip install -e '.[app]'")

from app_pages import page_script
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from salessim import metrics
from salessim.app import charts, server
from salessim.app.budget import (
    MAX_WORK_UNITS,
    WorkLimitError,
    check_work,
    replication_work,
)
from salessim.app.levers import (
    LeverError,
    build_scenario,
    describe_changes,
    levers_for,
    sweep_choices,
    sweep_levers,
    sweep_scenarios,
    sweep_values,
    with_horizon,
)
from salessim.app.pool import WORKERS_ENV, JobFailed, SimulationPool
from salessim.app.results_cache import ResultCache, RunKey, scenario_fingerprint
from salessim.app.text import plain
from salessim.app.ui import UPLOADS
from salessim.app.uploads import (
    MAX_BATCH_FILES,
    UploadError,
    load_uploaded_batch,
    load_uploaded_scenario,
    safe_stem,
    scenario_yaml,
)
from salessim.app.views import (
    KEY_METRICS,
    check_prediction,
    comparison_from_runs,
    comparison_zip,
    format_change,
    hours_rows,
    money_short,
    signed_percent,
    summarise_comparison,
    summarise_sweep,
    summary_rows,
    sweep_from_runs,
)
from salessim.cli import main
from salessim.config import Scenario
from salessim.errors import SalessimError
from salessim.experiments import (
    Comparison,
    ReplicationSet,
    Sweep,
    compare,
    run_scenarios,
    sweep,
)
from salessim.explain import explain
from salessim.formatting import MINUS, format_delta, format_value
from salessim.outputs import COMPARE_JSON_FILE, write_comparison
from salessim.profile import build as profile_build
from salessim.profile import make_profile
from salessim.scenario_files import load_scenario, scenario_with
from salessim.statistics import Difference, Interval

QUARTERS = 2  # one warm-up quarter and one reported quarter
SEED = 3


@pytest.fixture(scope="module")
def base() -> Scenario:
    """The bundled baseline, two quarters long."""
    return with_horizon(load_scenario("baseline"), QUARTERS)


@pytest.fixture(scope="module")
def pool() -> Iterator[SimulationPool]:
    shared = SimulationPool(workers=2)
    yield shared
    shared.shutdown()


# ----------------------------------------------------------------------------------- levers
def test_untouched_levers_leave_the_scenario_itself(base: Scenario) -> None:
    values = {lever.key: lever.initial(base) for lever in levers_for(base)}
    assert build_scenario(base, values) is base
    assert describe_changes(base, values) == []


def test_levers_edit_their_fields_and_rename(base: Scenario) -> None:
    edited = build_scenario(
        base,
        {
            "lead_volume": 130,
            "fit_share.web_inbound": 40,
            "aes": 10,
            "sdrs": 2,
            "conversation_hours": 1.0,
            "attempt_minutes": 8,
            "lead_filter": True,
            "response_sla": 2.0,
            "deal_size.mid_market": 30_000,
        },
    )
    assert edited.name == "baseline (edited)"
    assert edited.lead_volume_multiplier == pytest.approx(1.3)
    assert edited.lead_sources[0].fit_share == pytest.approx(0.4)
    assert (edited.aes.count, edited.sdrs.count) == (10, 2)
    assert edited.qualification.conversation_hours == 1.0
    assert edited.qualification.attempt_minutes == 8
    assert edited.lead_filter.enabled is True
    assert edited.aes.policy.response_sla_hours == 2.0
    assert edited.segments[0].value_median == 30_000
    assert edited.calendar == base.calendar  # the horizon is a run setting, not a lever
    # The starting scenario's description ("no SDRs") no longer holds: the edits replace it.
    assert edited.description.startswith("'baseline' edited in the salessim app: ")
    assert "SDRs: 0 → 2" in edited.description and base.description not in edited.description
    downloaded = load_uploaded_scenario("mine.yaml", scenario_yaml(edited).encode())
    assert downloaded.description == edited.description
    assert scenario_with(base, {"aes.count": 10}).aes == build_scenario(base, {"aes": 10}).aes


def test_calling_block_applies_only_with_the_time_blocked_policy(base: Scenario) -> None:
    assert build_scenario(base, {"daily_block": 2.0}) is base
    blocked = build_scenario(base, {"policy": "time_blocked", "daily_block": 2.0})
    assert blocked.aes.policy.name == "time_blocked"
    assert blocked.aes.policy.daily_prospecting_hours == 2.0
    assert describe_changes(base, {"policy": "time_blocked", "daily_block": 2.0})[1] == (
        "Daily calling block: 0 h → 2 h"
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [("aes", 0), ("aes", 41), ("lead_volume", 301), ("policy", "nobody"), ("lead_filter", 1)],
)
def test_levers_refuse_values_out_of_bounds(base: Scenario, key: str, value: object) -> None:
    with pytest.raises(LeverError):
        build_scenario(base, {key: value})


def test_horizon_applies_to_a_whole_run(base: Scenario) -> None:
    full = load_scenario("baseline")
    assert with_horizon(full, 13) is full
    assert with_horizon(full, 2).calendar.horizon_days == 126
    with pytest.raises(LeverError):
        with_horizon(full, 1)  # the warm-up would eat the whole run
    assert with_horizon(load_scenario("reps_own_calling"), 1).calendar.horizon_days == 63


def test_sweep_values_are_spaced_on_the_lever_step(base: Scenario) -> None:
    levers = {lever.key: lever for lever in sweep_levers(base)}
    assert sweep_values(levers["lead_volume"], base, 50, 200, 5) == [50, 90, 125, 160, 200]
    # The starting scenario's own value joins the values when it lies inside the range.
    assert sweep_values(levers["lead_volume"], base, 50, 200, 5, 100) == [
        50,
        90,
        100,
        125,
        160,
        200,
    ]
    assert sweep_values(levers["lead_volume"], base, 200, 50, 5, 100) == [
        200,
        160,
        125,
        100,
        90,
        50,
    ]
    assert sweep_values(levers["lead_volume"], base, 50, 150, 5, 100) == [50, 75, 100, 125, 150]
    assert sweep_values(levers["lead_volume"], base, 120, 200, 3, 100) == [120, 160, 200]
    assert sweep_values(levers["aes"], base, 4, 6, 5) == [4, 5, 6]
    assert sweep_values(levers["conversation_hours"], base, 0, 1, 3) == [0.0, 0.5, 1.0]
    assert sweep_choices(levers["policy"], base) == ["closer_first", "lead_first"]
    assert sweep_choices(levers["lead_filter"], base) == [False, True]
    with pytest.raises(LeverError):
        sweep_values(levers["aes"], base, 4, 400, 3)
    points = sweep_scenarios(base, levers["aes"], [4, 6])
    assert [p.aes.count for p in points] == [4, 6]
    assert points[0] == scenario_with(base, {"aes.count": 4})  # as experiments.sweep builds it


# ------------------------------------------------------------------------------ work budget
def test_work_is_counted_in_baseline_replications() -> None:
    assert replication_work(load_scenario("baseline")) == pytest.approx(1.0, rel=0.1)
    full = load_scenario("baseline")
    assert check_work([full, full], 10) == pytest.approx(20, rel=0.1)  # the default what-if
    big = scenario_with(full, {"aes.count": 40})
    with pytest.raises(WorkLimitError, match=f"at most {MAX_WORK_UNITS:,.0f}"):
        check_work([full, big], 50)
    with pytest.raises(WorkLimitError, match="replications"):
        check_work([full], 51)


# ----------------------------------------------------------------------------- result cache
def test_cache_returns_copies_and_drops_the_oldest_by_bytes() -> None:
    cache = ResultCache(max_bytes=10_000)
    key = RunKey("s", 0, 0, True)
    cache.put(key, {"replication": 0, "metrics": {"x": 1.0}, "weekly": {"week": [0.0]}})
    first = cache.get(key)
    assert first is not None
    first["metrics"]["x"] = 2.0
    assert cache.get(key) == {"replication": 0, "metrics": {"x": 1.0}, "weekly": {"week": [0.0]}}
    assert cache.get(key._replace(series=False)) == {"replication": 0, "metrics": {"x": 1.0}}
    for i in range(1, 200):
        cache.put(RunKey("s", 0, i, True), {"replication": i, "pad": "x" * 100})
    assert cache.size_bytes <= 10_000
    assert cache.get(key) is None and cache.get(RunKey("s", 0, 199, True)) is not None


def test_scenario_fingerprint_is_stable(base: Scenario) -> None:
    data = base.model_dump(mode="json")
    assert scenario_fingerprint(data) == scenario_fingerprint(dict(reversed(data.items())))
    other = scenario_with(base, {"aes.count": 9}).model_dump(mode="json")
    assert scenario_fingerprint(other) != scenario_fingerprint(data)


# ------------------------------------------------------------------------------------ pool
def test_pool_uses_forkserver_or_spawn(pool: SimulationPool) -> None:
    executor = pool._get_executor()
    assert executor._mp_context.get_start_method() in ("forkserver", "spawn")


def test_pool_gives_the_library_results_and_reuses_them(
    pool: SimulationPool, base: Scenario
) -> None:
    edited = build_scenario(base, {"aes": 10})
    with pool.submit([base, edited], 3, SEED) as job:
        runs = job.result()
    assert runs == run_scenarios([base, edited], 3, seed=SEED, workers=1)
    with pool.submit([edited, base], 3, SEED) as again:
        assert again.reused == 6 and again.done()
        assert again.result() == [runs[1], runs[0]]
    with pool.submit([base], 3, SEED, series=False) as lean:
        (lean_runs,) = lean.result()
    assert lean_runs == run_scenarios([base], 3, seed=SEED, workers=1, series=False)[0]


def test_pool_shares_work_in_flight_and_cancels_what_nobody_needs(
    pool: SimulationPool, base: Scenario
) -> None:
    scenario = build_scenario(base, {"aes": 12})
    first = pool.submit([scenario], 12, SEED + 1)
    in_flight = pool.tasks_in_flight()
    second = pool.submit([scenario], 12, SEED + 1)
    assert pool.tasks_in_flight() == in_flight  # the second job waits for the same tasks
    first.cancel()  # the second still needs them: nothing is cancelled
    assert second.result() == run_scenarios([scenario], 12, seed=SEED + 1, workers=1)
    second.cancel()

    lone = build_scenario(base, {"aes": 14})
    job = pool.submit([lone], 40, SEED)
    job.cancel()  # tasks not started are dropped
    deadline = time.monotonic() + 60
    while pool.tasks_in_flight() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool.tasks_in_flight() == 0
    lone_key = scenario_fingerprint(lone.model_dump(mode="json"))
    computed = [pool.cache.get(RunKey(lone_key, SEED, i, True)) for i in range(40)]
    assert sum(run is not None for run in computed) < 40
    with pytest.raises(JobFailed, match="cancelled"):
        job.result()
    with pool.submit([base], 2, SEED) as job_after:  # the pool still works
        assert len(job_after.result()[0]) == 2


def test_app_workers_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from salessim.app.pool import app_workers

    monkeypatch.setenv(WORKERS_ENV, "3")
    assert app_workers() == 3
    monkeypatch.setenv(WORKERS_ENV, "many")
    with pytest.raises(SalessimError, match=WORKERS_ENV):
        app_workers()


# ----------------------------------------------------------------------------------- views
def test_views_are_the_library_comparison(pool: SimulationPool, base: Scenario) -> None:
    edited = build_scenario(base, {"lead_volume": 130})
    with pool.submit([base, edited], 3, SEED) as job:
        result = comparison_from_runs([base, edited], job.result(), SEED)
    library = compare([base, edited], n=3, seed=SEED, workers=1)
    assert result.to_dict() == library.to_dict()
    view = summarise_comparison(result)
    assert view.explanations[0].paragraph() == explain(library).paragraph()
    bookings = next(row for row in summary_rows(view) if row["Metric"] == "Bookings")
    means = [s.intervals()["bookings"].mean for s in library.sets]
    assert bookings["baseline"] == format_value(means[0], "money")
    assert bookings["baseline (edited)"] == format_value(means[1], "money")


def test_sweep_view_is_the_library_sweep(pool: SimulationPool, base: Scenario) -> None:
    lever = next(lever for lever in sweep_levers(base) if lever.key == "aes")
    values = [6, 8]
    points = sweep_scenarios(base, lever, values)
    with pool.submit(points, 2, SEED, series=False) as job:
        result = sweep_from_runs(base, lever.path, values, points, job.result(), SEED)
    library = sweep(base, "aes.count", values, n=2, seed=SEED, workers=1)
    assert result.to_dict() == library.to_dict()
    view = summarise_sweep(result, base.name, lever.label, values, ["6", "8"], 8, "8")
    assert view.window == library.sets[0].window["text"]
    chart = charts.sweep_curve(view, "bookings").to_dict()
    (rows,) = _datasets(chart, "start")
    assert [row["start"] for row in rows] == [False, True]  # the scenario's own 8 AEs
    assert "the scenario's own value, 8" in chart["title"]


def _datasets(spec: dict[str, Any], field: str) -> list[list[dict[str, Any]]]:
    """The inline data sets of a chart spec whose rows have `field`."""
    return [rows for rows in spec["datasets"].values() if rows and field in rows[0]]


def _marks(chart: charts.ChartSpec) -> list[str]:
    """The mark of each layer of a chart (its spec checked as strict JSON: no NaN)."""
    spec = chart.to_dict()
    json.dumps(spec, allow_nan=False)
    return [
        layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        for layer in spec.get("layer", [spec])
    ]


def test_quarterly_charts_mark_the_quarter_a_plan_changes(base: Scenario) -> None:
    # Four quarters: a warm-up quarter, then day 126 starts the second reported quarter.
    long = with_horizon(base, 4)
    plan = scenario_with(long, {"changes": [{"at_day": 126, "set": {"lead_filter.enabled": True}}]})
    view = summarise_comparison(compare([long, plan], n=1, seed=SEED, workers=1))
    assert view.scenarios[1].change_days == (126,)
    assert _marks(charts.quarterly_bookings(view)) == ["line", "rule", "text"]
    spec = charts.forecast_vs_actual(view).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar", "tick", "rule", "text"]
    rows = [row for data in spec["datasets"].values() for row in data if "label" in row]
    assert [(row["quarter"], row["label"]) for row in rows] == [("Y1 Q2", "day 126")]
    unchanged = summarise_comparison(compare([long, long], n=1, seed=SEED, workers=1))
    assert _marks(charts.quarterly_bookings(unchanged)) == ["line"]


def test_sweep_marks_the_scenario_value_between_the_swept_values(base: Scenario) -> None:
    lever = next(lever for lever in sweep_levers(base) if lever.key == "lead_volume")
    values = [50, 125, 200]  # the scenario's own 100% lies between two of them
    result = sweep(base, lever.path, [lever.write(v) for v in values], n=1, seed=SEED, workers=1)
    start = lever.read(base)
    assert (start, result.base_value) == (100, 1.0)
    labels = [lever.describe(v) for v in values]
    view = summarise_sweep(result, base.name, lever.label, values, labels, start, "100%")
    assert view.start_in_range and not any(view.is_start(v) for v in values)
    chart = charts.sweep_curve(view, "bookings")
    assert _marks(chart) == ["line", "rule", "point"]  # one replication: no band
    spec = chart.to_dict()
    assert [{"x": 100}] in _datasets(spec, "x")  # the rule at the scenario's own value
    assert "no band" in spec["title"] and "own value, 100%" in spec["title"]


def _fake_set(scenario: Scenario, bookings: list[float]) -> ReplicationSet:
    runs = [{"replication": i, "metrics": {"bookings": b}} for i, b in enumerate(bookings)]
    return ReplicationSet(scenario, 0, runs)


def test_a_tipping_point_is_a_peak_significantly_above_both_ends(base: Scenario) -> None:
    def view(middle: list[float]) -> Any:
        sets = [_fake_set(base, b) for b in ([10.0, 11.0, 12.0], middle, [10.0, 12.0, 11.0])]
        result = Sweep("aes.count", [4, 8, 12], sets, 0, 8)
        return summarise_sweep(result, "baseline", "AEs", [4, 8, 12], ["4", "8", "12"], 8, "8")

    assert view([20.0, 21.0, 23.0]).peaks == {"bookings": 1}
    noisy = view([9.0, 16.0, 11.0])  # the highest mean, but within the noise
    assert max(noisy.curves["bookings"]["mean"]) == noisy.curves["bookings"]["mean"][1]
    assert noisy.peaks == {}
    # Far above one end but not the other (paired differences from 12: 0, 1, -1).
    assert view([10.0, 13.0, 11.0]).peaks == {}


@pytest.mark.parametrize(
    ("middle", "shown"),
    [
        ([20.0, 21.0, 23.0], "Tipping point:"),
        ([9.0, 16.0, 11.0], "no peak is distinguishable in this range"),
    ],
)
def test_the_sweep_page_calls_a_peak_only_from_paired_differences(
    middle: list[float], shown: str
) -> None:
    script = f"""
from salessim.app import pages
from salessim.app.views import summarise_sweep
from salessim.experiments import ReplicationSet, Sweep
from salessim.scenario_files import load_scenario

base = load_scenario("baseline")
sets = [
    ReplicationSet(
        base, 0, [{{"replication": i, "metrics": {{"bookings": b}}}} for i, b in enumerate(v)]
    )
    for v in ([10.0, 11.0, 12.0], {middle!r}, [10.0, 12.0, 11.0])
]
result = Sweep("aes.count", [4, 8, 12], sets, 0, 8)
pages._sweep_result(
    summarise_sweep(result, "baseline", "AEs", [4, 8, 12], ["4", "8", "12"], 8, "8")
)
"""
    at = AppTest.from_string(script, default_timeout=60)
    at.run()
    assert not at.exception
    said = " ".join(e.value for e in [*at.success, *at.caption])
    assert shown in said
    assert "highest at" not in said  # no claim from the means alone


def test_prediction_is_checked_against_the_paired_change(base: Scenario) -> None:
    from salessim.experiments import Comparison

    comparison = Comparison(
        ["a", "b"],
        [_fake_set(base, [100.0, 100.0, 100.0]), _fake_set(base, [89.0, 90.0, 91.0])],
        0,
    )
    near = check_prediction(comparison, "bookings", -10.0)
    assert near.actual_percent.mean == pytest.approx(-10.0)
    assert near.inside and "inside" in near.verdict()
    wrong_way = check_prediction(comparison, "bookings", 20.0)
    assert not wrong_way.inside and "other way" in wrong_way.verdict()
    too_low = check_prediction(comparison, "bookings", -30.0)
    assert "20.0 percentage points higher" in too_low.verdict()


def test_numbers_read_as_people_write_them() -> None:
    assert money_short(15_436_887) == "$15.4M" and money_short(451_000) == "$451k"
    assert signed_percent(12.34) == "+12.3%" and signed_percent(-4) == "−4.0%"
    assert format_change(Difference(0.001, -0.002, 0.004, 1.0), "money") == ("$0 (95% CI $0 to $0)")
    assert format_change(Difference(0.02, 0.01, 0.03, 0.01), "share") == (
        "+2.0 pp (95% CI +1.0 pp to +3.0 pp) *"
    )
    assert format_change(Difference(5.0, math.nan, math.nan, math.nan), "count") == (
        "+5.0 (95% CI n/a)"
    )


@pytest.fixture(scope="module")
def with_sdrs(base: Scenario) -> dict[int, Comparison]:
    """Baseline (no SDRs) against teleprospecting (SDRs), with one and with two replications."""
    teleprospecting = with_horizon(load_scenario("teleprospecting"), QUARTERS)
    return {n: compare([base, teleprospecting], n=n, seed=SEED, workers=1) for n in (1, 2)}


def test_one_replication_claims_no_certainty(with_sdrs: dict[int, Comparison]) -> None:
    one, two = (summarise_comparison(with_sdrs[n]) for n in (1, 2))
    changes = [row["Change"] for row in summary_rows(one)]
    bookings = one.differences[0]["bookings"].mean
    assert bookings < 0, "the SDR team's first quarters book less than the baseline's"
    assert f"{format_delta(bookings, 'money', MINUS)} (95% CI n/a)" in changes
    assert all(change == "n/a" or change.endswith("(95% CI n/a)") for change in changes)
    assert not any(d.significant for d in one.differences[0].values())
    assert not any(row["Change"].endswith("(95% CI n/a)") for row in summary_rows(two))
    # No band or error bar without an interval; with two replications they are drawn.
    assert _marks(charts.totals(one, "bookings")) == ["bar"]
    assert _marks(charts.totals(two, "bookings")) == ["bar", "rule"]
    assert _marks(charts.quarterly_bookings(one)) == ["line"]
    assert _marks(charts.quarterly_bookings(two)) == ["area", "line"]
    for view in (one, two):
        for chart in (charts.rep_hours, charts.lead_fates, charts.pipeline):
            _marks(chart(view))
    guess = check_prediction(with_sdrs[1], "bookings", 10.0)
    assert not guess.decided and not guess.inside
    assert "needs two replications" in guess.verdict()
    assert guess.interval_text().startswith("95% CI n/a")
    assert _marks(charts.prediction(guess)) == ["bar", "rule"]  # the zero line only
    assert _marks(charts.prediction(check_prediction(with_sdrs[2], "bookings", 10.0))) == [
        "bar",
        "rule",
        "rule",
    ]


def test_sdr_hours_are_shown_beside_ae_hours_when_a_scenario_has_sdrs(
    with_sdrs: dict[int, Comparison],
) -> None:
    view = summarise_comparison(with_sdrs[2])
    rows = hours_rows(view)
    assert {(row["bar"], row["team"]) for row in rows} == {
        ("baseline: AEs", "AEs"),
        ("teleprospecting: AEs", "AEs"),
        ("teleprospecting: SDRs", "SDRs"),
    }
    sdr = {row["activity"]: row["share"] for row in rows if row["team"] == "SDRs"}
    expected = view.scenarios[1].value("sdr_hours_share_prospecting").mean
    assert sdr["Prospecting"] == pytest.approx(expected) and expected > 0
    spec = charts.rep_hours(view).to_dict()
    assert spec["title"] == "Where AE and SDR hours went"
    # Each bar's shares add up to one: the axis ends at 100%, not at a rounded-up 110%.
    assert spec["encoding"]["x"]["scale"] == {"domain": [0, 1], "nice": False}
    for bar in {row["bar"] for row in rows}:
        assert sum(r["share"] for r in rows if r["bar"] == bar) == pytest.approx(1.0, abs=1e-6)
    # Baseline alone has no SDRs; an activity at zero in every bar is left out.
    alone = view.scenarios[0]
    idle = {**alone.intervals, "hours_share_idle": Interval(0.0, 0.0, 0.0)}
    no_sdrs = replace(view, scenarios=(replace(alone, intervals=idle),))
    rows = hours_rows(no_sdrs)
    assert {row["bar"] for row in rows} == {"baseline"}
    assert "Idle" not in {row["activity"] for row in rows}
    assert "Deal work" in {row["activity"] for row in rows}
    assert charts.rep_hours(no_sdrs).to_dict()["title"] == "Where AE hours went"


def test_results_state_their_reporting_window(with_sdrs: dict[int, Comparison]) -> None:
    comparison = with_sdrs[2]
    view = summarise_comparison(comparison)
    windows = [s.window["text"] for s in comparison.sets]
    assert [s.window for s in view.scenarios] == windows
    assert view.totals_caption().startswith(f"Totals over {'; '.join(dict.fromkeys(windows))};")
    axis = charts.totals(view, "bookings").to_dict()["layer"][0]["encoding"]["x"]["axis"]
    assert axis["title"] == f"Bookings over {view.window}"


def test_results_zip_holds_the_files_compare_writes(
    with_sdrs: dict[int, Comparison], tmp_path: Path
) -> None:
    comparison = with_sdrs[2]
    archive = zipfile.ZipFile(io.BytesIO(comparison_zip(comparison)))
    written = write_comparison(comparison, tmp_path, [explain(comparison)])
    assert "explain.png" in written
    assert sorted(archive.namelist()) == sorted(written)
    for name in (COMPARE_JSON_FILE, "compare.csv"):
        assert archive.read(name) == (tmp_path / name).read_bytes()


# --------------------------------------------------------------------------------- uploads
GOOD = b"extends: baseline\nname: mine\naes:\n  count: 12\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"aes:\n  count: 0\n", "bad.yaml: aes.count: must be ≥ 1 (got 0)"),
        (b"aes:\n  cont: 3\n", "bad.yaml: aes.cont: unknown field"),
        (b"aes: [\n", "bad.yaml: invalid YAML at line 2"),
        (b"a: &x [1]\nb: *x\n", "anchors and aliases"),
        (b"extends: /etc/passwd\n", "extends: an uploaded file may extend only a bundled"),
        (b"extends: ../scenarios/baseline.yaml\n", "may extend only a bundled scenario"),
        (b"initial_pipeline: /etc/passwd\n", "initial_pipeline: an uploaded file must list"),
        (b"- 1\n", "top level must be a mapping"),
        (b"\xff\xfe\x00", "not a text file"),
        (b"#" * 70_000, "may be at most 64 kB"),
    ],
)
def test_bad_uploads_are_refused_in_one_line(data: bytes, message: str) -> None:
    with pytest.raises(UploadError) as caught:
        load_uploaded_scenario("bad.yaml", data)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_good_upload_loads_and_leaves_no_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    scenario = load_uploaded_scenario("../../class/mine.yaml", GOOD)
    assert (scenario.name, scenario.aes.count) == ("mine", 12)
    assert list(tmp_path.iterdir()) == []
    unnamed = load_uploaded_scenario("../../My Plan!.yml", b"extends: baseline\n")
    assert unnamed.name == safe_stem("My Plan!.yml") == "My_Plan"


def _batch(files: list[tuple[str, bytes]]) -> dict[str, Any]:
    """Each file's scenario, or its error as text."""
    return {
        name: str(outcome) if isinstance(outcome, UploadError) else outcome
        for name, outcome in load_uploaded_batch(files)
    }


def test_an_upload_may_extend_another_file_of_the_same_batch(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    loaded = _batch(
        [
            ("plan.yaml", b"extends: team base\nsdrs:\n  count: 2\n"),
            ("../x/team base.yaml", b"extends: baseline\naes:\n  count: 12\n"),
            ("later.yml", b"extends: plan.yaml\nname: later\naes:\n  count: 14\n"),
        ]
    )
    assert list(tmp_path.iterdir()) == []
    team, plan, later = loaded["team base.yaml"], loaded["plan.yaml"], loaded["later.yml"]
    assert (team.name, team.aes.count, team.sdrs.count) == ("team_base", 12, 0)
    assert (plan.name, plan.aes.count, plan.sdrs.count) == ("plan", 12, 2)
    assert (later.name, later.aes.count, later.sdrs.count) == ("later", 14, 2)
    # As the command line reads the same files side by side.
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "team base.yaml").write_text("extends: baseline\naes:\n  count: 12\n")
    (folder / "plan.yaml").write_text("extends: team base.yaml\nsdrs:\n  count: 2\n")
    assert load_scenario(folder / "plan.yaml") == plan


@pytest.mark.parametrize(
    ("files", "message"),
    [
        # Alone, a file still extends only a bundled scenario.
        ([("a.yaml", b"extends: b\n")], "a.yaml: extends: an uploaded file may extend only a"),
        (
            [("a.yaml", b"extends: ../b.yaml\n"), ("b.yaml", b"extends: baseline\n")],
            "(got '../b.yaml')",
        ),
        (
            [("a.yaml", b"extends: /etc/passwd\n"), ("b.yaml", b"extends: a\n")],
            "or another file uploaded with it",
        ),
        (
            [("a.yaml", b"extends: b\n"), ("b.yaml", b"aes: [\n")],
            "a.yaml: extends: 'b' is a file uploaded with it that cannot be used",
        ),
        (
            [("a.yaml", b"extends: b\n"), ("b.yaml", b"extends: a\n")],
            "a.yaml: extends: scenarios extend each other in a cycle",
        ),
        (
            [("a.yaml", b"extends: b\n"), ("b.yaml", b"extends: baseline\naes:\n  count: 0\n")],
            "b.yaml: aes.count: must be ≥ 1 (got 0)",
        ),
        (
            [
                ("a.yaml", b"extends: b\n"),
                ("b.yaml", b"extends: baseline\ninitial_pipeline: /etc/x.csv\n"),
            ],
            "a.yaml: extends: 'b' is a file uploaded with it that cannot be used",
        ),
        (
            [("a.yaml", b"extends: b\n"), ("b.yaml", b"#" * 70_000)],
            "a.yaml: extends: 'b' is a file",
        ),
        (
            [("a b.yaml", b"extends: baseline\n"), ("a_b.yaml", b"extends: baseline\n")],
            "a_b.yaml: another file uploaded with it, a b.yaml, has the same name",
        ),
    ],
)
def test_a_batch_stays_sandboxed_with_one_line_errors(
    files: list[tuple[str, bytes]], message: str
) -> None:
    errors = [text for text in _batch(files).values() if isinstance(text, str)]
    assert any(message in text for text in errors), errors
    assert not any("\n" in text or "salessim-upload-" in text for text in errors)


def test_a_batch_has_a_bounded_number_of_files() -> None:
    files = [(f"f{k}.yaml", b"extends: baseline\n") for k in range(MAX_BATCH_FILES + 1)]
    with pytest.raises(UploadError, match=f"upload at most {MAX_BATCH_FILES} scenario files"):
        load_uploaded_batch(files)


# ---------------------------------------------------------------------------------- serve
def test_streamlit_runs_headless_without_usage_statistics() -> None:
    command = server.streamlit_command("0.0.0.0", 8050)
    pairs = dict(zip(command[5::2], command[6::2], strict=True))
    assert command[1:4] == ["-m", "streamlit", "run"] and command[4] == str(server.APP_SCRIPT)
    assert pairs["--server.headless"] == "true"
    assert pairs["--browser.gatherUsageStats"] == "false"
    assert (pairs["--server.address"], pairs["--server.port"]) == ("0.0.0.0", "8050")
    assert server.server_environment(3)[WORKERS_ENV] == "3"
    assert server.urls("127.0.0.1", 8050) == [("Open", "http://127.0.0.1:8050")]
    assert server.urls("0.0.0.0", 8050)[-1] == ("On this machine", "http://127.0.0.1:8050")


def test_serve_reports_a_busy_port_and_a_missing_streamlit(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
    monkeypatch.setattr(server.importlib.util, "find_spec", lambda name: None)
    assert main(["serve"]) == 2
    assert "pip install 'salessim[app]'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["serve", "--port", "70000"])


# ----------------------------------------------------------------------- pages via AppTest
@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv(WORKERS_ENV, "1")
    return AppTest.from_file(str(server.APP_SCRIPT), default_timeout=120)


def _slider(at: AppTest, label: str) -> Any:
    return next(s for s in at.slider if s.label == label)


def test_what_if_page_shows_the_library_result(app: AppTest) -> None:
    app.run()
    assert not app.exception
    _slider(app, "Simulated time (quarters)").set_value(QUARTERS)
    _slider(app, "Replications").set_value(2)
    _slider(app, "Account executives (AEs)").set_value(10)
    app.run()
    assert "Account executives: 8 → 10" in app.markdown[0].value
    app.button(key="whatif.run").click().run()
    assert not app.exception and not app.error
    start = with_horizon(load_scenario("baseline"), QUARTERS)
    library = compare([start, build_scenario(start, {"aes": 10})], n=2, seed=0, workers=1)
    means = [s.intervals()["bookings"].mean for s in library.sets]
    table = app.table[0].value
    bookings = table[table["Metric"] == "Bookings"].iloc[0]
    assert (bookings["baseline"], bookings["baseline (edited)"]) == (
        format_value(means[0], "money"),
        format_value(means[1], "money"),
    )
    assert app.metric[0].value == money_short(means[1])
    # Shown as plain text: its dollar amounts must not become mathematics.
    assert plain(explain(library).paragraph()) in [i.value for i in app.info]


def _markdown_order(at: AppTest, *starts: str) -> list[int]:
    """The position of the first markdown element starting with each text, in page order."""
    texts = [m.value for m in at.markdown]
    return [next(k for k, t in enumerate(texts) if t.startswith(s)) for s in starts]


@pytest.mark.parametrize("page", ["what_if_page", "compare_page"])
def test_the_why_sits_in_the_same_place_on_what_if_and_compare(
    monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    monkeypatch.setenv(WORKERS_ENV, "1")
    at = AppTest.from_string(page_script("pages", page), default_timeout=120)
    at.run()
    _slider(at, "Simulated time (quarters)").set_value(QUARTERS)
    _slider(at, "Replications").set_value(2)
    if page == "what_if_page":
        _slider(at, "Account executives (AEs)").set_value(10)
    at.run()
    at.button(key=f"{page.removesuffix('_page').replace('_', '')}.run").click().run()
    assert not at.exception and not at.error
    # Right under the result (and What-if's headline cards), before the tables and charts.
    why, numbers = _markdown_order(at, "**Why ", "**Key numbers**")
    assert why < numbers


def test_what_if_page_refuses_a_run_over_the_work_cap(app: AppTest) -> None:
    app.run()
    _slider(app, "Account executives (AEs)").set_value(40)
    _slider(app, "Replications").set_value(50)
    app.run()
    assert any("This run is too big" in e.value for e in app.error)
    assert app.button(key="whatif.run").disabled


def test_classroom_compares_the_prediction_with_the_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(WORKERS_ENV, "1")
    at = AppTest.from_string(page_script("pages", "classroom_page"), default_timeout=120)
    at.run()
    assert at.button(key="class.run").disabled  # no prediction yet
    # The three steps are a list of three items (CommonMark, as the browser renders it).
    tokens = MarkdownIt().parse(at.markdown[0].value)
    assert [t.type for t in tokens].count("list_item_open") == 3
    # The uploader states the real limit; Streamlit's own (whole megabytes) is hidden.
    (uploader,) = at.get("file_uploader")
    assert "at most 64 kB each" in uploader.proto.label and uploader.proto.multiple_files
    assert any(
        ".st-key-class-upload [data-testid='stFileUploaderDropzoneInstructions'] {display: none;}"
        in html.proto.body
        for html in at.get("html")
    )
    _slider(at, "Simulated time (quarters)").set_value(QUARTERS)
    _slider(at, "Replications").set_value(2)
    at.text_input(key="class.guess").input("25")
    at.run()
    at.button(key="class.run").click().run()
    assert not at.exception
    start = with_horizon(load_scenario("baseline"), QUARTERS)
    library = compare([start, build_scenario(start, {"lead_volume": 130})], n=2, seed=0, workers=1)
    expected = check_prediction(library, "bookings", 25.0).actual_percent.mean
    reveal = next(m.value for m in at.markdown if "You predicted" in m.value)
    assert "**You predicted +25.0%.**" in reveal
    assert f"**{signed_percent(expected)}**" in reveal


def test_what_if_page_with_one_replication_claims_no_certainty(app: AppTest) -> None:
    app.run()
    _slider(app, "Simulated time (quarters)").set_value(QUARTERS)
    _slider(app, "Replications").set_value(1)
    _slider(app, "Account executives (AEs)").set_value(10)
    app.run()
    app.button(key="whatif.run").click().run()
    assert not app.exception and not app.error
    table = app.table[0].value
    changes = dict(zip(table["Metric"], table["Change"], strict=True))
    assert changes["Bookings"].endswith("(95% CI n/a)")
    assert all(c == "n/a" or c.endswith("(95% CI n/a)") for c in changes.values())
    captions = " ".join(c.value for c in app.caption)
    assert "Totals over 63 reported days, days 63–126; mean of 1 replication" in captions
    assert "no change can be called significant" in captions
    gray = MetricProto.MetricColor.GRAY
    assert [m.color for m in app.metric] == [gray] * 4  # no change is flagged as real
    downloads = [button.label for button in app.get("download_button")]
    assert "Download results (zip)" in downloads
    assert "Download a brief (HTML)" in downloads


def test_key_numbers_leave_out_rows_zero_everywhere(with_sdrs: dict[int, Comparison]) -> None:
    # Neither team lets a lead expire over these quarters: that row says nothing and is left
    # out, as the command line's tables do; a row zero in one scenario only stays.
    view = summarise_comparison(with_sdrs[2])
    labels = [row["Metric"] for row in summary_rows(view)]
    hidden = []
    for key in KEY_METRICS:
        means = [summary.value(key).mean for summary in view.scenarios]
        shown = metrics.label(key) in labels
        assert shown == (not all(m == 0.0 for m in means)), key
        hidden += [] if shown else [key]
    assert hidden == ["leads_expired"]


def test_your_team_page_builds_the_init_scenario_and_offers_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(WORKERS_ENV, "1")
    at = AppTest.from_string(page_script("pages", "team_page"), default_timeout=60)
    at.run()
    assert not at.exception and not at.error
    # A bad number: its error shows below its field, and nothing can be made.
    at.text_input(key="lv.team.win_rate").input("1.5").run()
    assert [e.value for e in at.error] == [plain("must be less than 1 (got 1.5)")]
    assert at.button(key="team.make").disabled
    # A cycle too short for the reps' own work is the cycle's error.
    at.text_input(key="lv.team.win_rate").input("0.3").run()
    at.text_input(key="lv.team.sales_cycle_days").input("3").run()
    assert len(at.error) == 1 and at.error[0].value.startswith("3 calendar days")
    # A whole number typed with decimals is refused, not rounded.
    at.text_input(key="lv.team.sales_cycle_days").input("90").run()
    at.text_input(key="lv.team.aes").input("3.7").run()
    assert [e.value for e in at.error] == [
        plain("must be a whole number, without decimals (got '3.7')")
    ]
    assert at.button(key="team.make").disabled
    values = {
        "aes": 12,
        "sdrs": 2,
        "deal_size": 40_000.0,
        "sales_cycle_days": 90.0,
        "leads_per_month": 250.0,
        "win_rate": 0.3,
    }
    for field, value in values.items():
        at.text_input(key=f"lv.team.{field}").input(f"{value:g}")
    at.text_input(key="lv.team.name").set_value("ceo team")
    at.run()
    assert not at.error
    at.button(key="team.make").click().run()
    assert not at.exception
    expected = profile_build(make_profile(values), "ceo_team")
    assert at.session_state[UPLOADS]["ceo_team"] == expected.scenario
    assert plain("Uploaded: ceo_team") in at.success[0].value
    table = at.table[0].value
    assert list(table["Field"]) == [s.path for s in expected.settings]
