"""The files a run, a comparison or a sweep writes: JSON, CSV and PNG, published atomically.

The command line (``--out DIR``), the notebooks and the web app write results through these
functions, so the same result gives the same files wherever it was computed. Every file is
staged beside its final name and moved into place only once all of them are ready: a failure
(a full disk, Ctrl-C) leaves the previous files, never half-written ones.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from salessim.errors import SalessimError
from salessim.formatting import plural
from salessim.metrics import known as known_metric
from salessim.metrics import label
from salessim.profile import profile_fit

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from salessim.backtest import Backtest
    from salessim.experiments import Comparison, ReplicationSet, Sweep, SweepGrid
    from salessim.explain import Explanation
    from salessim.plots import ValueKind
    from salessim.statistics import Difference, Interval
    from salessim.targets import Target

SUMMARY_FILE = "summary.json"
SERIES_FILE = "series.csv"
QUARTERLY_FILE = "quarterly.csv"
DASHBOARD_FILE = "dashboard.png"
COMPARE_JSON_FILE = "compare.json"
COMPARE_CSV_FILE = "compare.csv"
COMPARISON_FILE = "comparison.png"
EXPLAIN_FILE = "explain.png"
SWEEP_JSON_FILE = "sweep.json"
SWEEP_CSV_FILE = "sweep.csv"
SWEEP_POINTS_DIR = "points"
SWEEP_GRID_JSON_FILE = "sweep_grid.json"
SWEEP_GRID_CSV_FILE = "sweep_grid.csv"
# The map of a grid with two values of its second parameter: one column per metric.
SWEEP_GRID_FILE = "sweep_grid.png"
BACKTEST_CHART_SUFFIX = "_backtest.png"
BACKTEST_CSV_SUFFIX = "_backtest.csv"
RUN_FILES = (SUMMARY_FILE, SERIES_FILE, QUARTERLY_FILE, DASHBOARD_FILE)
# Totals shown side by side in comparison.png.
COMPARISON_TOTALS = ("bookings", "profit")
HOURS_SHARE_PREFIX = "hours_share_"
SDR_HOURS_SHARE_PREFIX = "sdr_hours_share_"

Content = str | bytes | Callable[[IO[bytes]], None]
# How the charts read a metric kind's values (others are plain numbers).
_PLOT_KINDS: dict[str, ValueKind] = {"money": "money", "share": "share", "count": "count"}


class OutputError(SalessimError):
    """The output directory or a file in it cannot be created or written."""


# --------------------------------------------------------------------------- atomic writing
def write_atomic(path: Path, content: Content) -> None:
    """Write one file via a temporary file beside it and a rename: never half-written.

    ``content`` is text (UTF-8), bytes, or a function that writes bytes to an open file (a
    figure's ``savefig``)."""
    publish_files(Path(path).parent, {Path(path).name: content})


def publish_files(out: Path, files: Mapping[str, Content]) -> None:
    """Stage every file in ``out``, then move them all into place once every one is ready."""
    staged: dict[Path, Path] = {}
    try:
        for name, content in files.items():
            final = out / name
            temp = final.with_name(f".{final.name}.{secrets.token_hex(6)}.tmp")
            staged[final] = temp
            with temp.open("xb") as handle:
                if isinstance(content, str):
                    handle.write(content.encode("utf-8"))
                elif isinstance(content, bytes):
                    handle.write(content)
                else:
                    content(handle)
        for final, temp in staged.items():
            os.replace(temp, final)
    finally:
        for temp in staged.values():
            temp.unlink(missing_ok=True)


def _publish(out: Path, texts: Mapping[str, str], figures: Mapping[str, Figure]) -> list[str]:
    """Publish texts and figures (PNG) to ``out``, creating it if needed; an OSError becomes one
    line naming ``out``."""
    make_dir(out)
    files: dict[str, Content] = dict(texts)
    files.update({name: figure_png(figure) for name, figure in figures.items()})
    try:
        publish_files(out, files)
    except OSError as exc:
        raise OutputError(f"{out}: cannot write ({exc.strerror or exc})") from exc
    return list(files)


def figure_png(figure: Figure) -> Callable[[IO[bytes]], None]:
    """What writes ``figure`` as a PNG into an open file (for :func:`publish_files`)."""
    from salessim.plots import PNG_DPI

    def write(handle: IO[bytes]) -> None:
        figure.savefig(handle, format="png", dpi=PNG_DPI)

    return write


@contextmanager
def prepared_dir(out: Path | None) -> Iterator[None]:
    """Create ``out`` (and missing parents) before a run; remove what it created if the run
    fails, so an interrupted run leaves no empty folder behind.

    Created up front so an unwritable location fails before a long run, not after it.
    """
    if out is None:
        yield
        return
    created = [path for path in (out, *out.parents) if not path.exists()]
    make_dir(out)
    try:
        yield
    except BaseException:
        # Deepest first; rmdir leaves alone a directory someone else put files into meanwhile.
        for directory in created:
            try:
                directory.rmdir()
            except OSError:
                break
        raise


def make_dir(out: Path) -> None:
    """Create ``out`` to keep it (a sweep's folder holds its checkpoints even if it fails)."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create it ({exc.strerror or exc})") from exc


# --------------------------------------------------------------------------- JSON data
def run_data(result: ReplicationSet, targets: Sequence[Target] = ()) -> dict[str, Any]:
    """The JSON object of a run (``summary.json``, ``salessim run --json``)."""
    data: dict[str, Any] = json_safe(result.to_dict(targets))
    fit = profile_fit(result)
    if fit:
        data["profile_fit"] = [row.to_dict() for row in fit]
    return data


def comparison_data(
    result: Comparison,
    explanations: Sequence[Explanation] = (),
    targets: Sequence[Target] = (),
) -> dict[str, Any]:
    """The JSON object of a comparison, with its explanations and targets if any."""
    data = result.to_dict(targets)
    if explanations:
        data["explain"] = [e.to_dict() for e in explanations]
    safe: dict[str, Any] = json_safe(data)
    return safe


def sweep_data(result: Sweep, targets: Sequence[Target] = ()) -> dict[str, Any]:
    """The JSON object of a sweep."""
    data: dict[str, Any] = json_safe(result.to_dict(targets))
    return data


def sweep_grid_data(result: SweepGrid, targets: Sequence[Target] = ()) -> dict[str, Any]:
    """The JSON object of a two-parameter sweep."""
    data: dict[str, Any] = json_safe(result.to_dict(targets))
    return data


def json_safe(value: Any) -> Any:
    """Copy a JSON-ready structure with NaN and infinities replaced by null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return value


def json_text(data: Mapping[str, Any]) -> str:
    """Indented JSON text of a JSON-safe object."""
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


# --------------------------------------------------------------------------- titles
def run_title(result: ReplicationSet, name: str | None = None) -> str:
    """A chart title: what was run, how often, and the period its totals cover."""
    return (
        f"{name or result.scenario.name}: mean of {plural(result.n, 'replication')} "
        f"(seed {result.seed}; {result.window['text']})"
    )


def comparison_title(result: Comparison) -> str:
    windows = list(dict.fromkeys(s.window["text"] for s in result.sets))
    return (
        f"{' vs '.join(result.names)}: mean of {plural(result.n, 'replication')} "
        f"(seed {result.seed}, common random numbers; {'; '.join(windows)})"
    )


# --------------------------------------------------------------------------- writers
def write_run(result: ReplicationSet, out: Path, targets: Sequence[Target] = ()) -> list[str]:
    """Write summary.json, series.csv, quarterly.csv and dashboard.png; return their names."""
    from salessim import plots

    weekly = result.mean_weekly()
    series = {key: values for key, values in weekly.items() if key != "report_start_week"}
    quarterly = result.quarterly()
    figure = plots.dashboard(
        weekly,
        quarterly,
        result.lead_fates(),
        run_title(result),
        change_days=result.change_days,
    )
    return _publish(
        out,
        {
            SUMMARY_FILE: json_text(run_data(result, targets)),
            SERIES_FILE: csv_columns(series),
            QUARTERLY_FILE: csv_columns(quarterly),
        },
        {DASHBOARD_FILE: figure},
    )


def write_calibration(text: str, backtest: Backtest | None, out: Path) -> list[str]:
    """Write a calibrated scenario file `out` and, with a back-test, its chart and table beside
    it (NAME_backtest.png, NAME_backtest.csv), all at once; return the paths written."""
    texts = {out.name: text}
    figures = {}
    if backtest is not None:
        texts[out.stem + BACKTEST_CSV_SUFFIX] = backtest.csv()
        figures[out.stem + BACKTEST_CHART_SUFFIX] = backtest.figure()
    folder = out.parent
    return [str(folder / name) for name in _publish(folder, texts, figures)]


def hours_shares(result: ReplicationSet, prefix: str) -> dict[str, float | None]:
    """Mean share of paid hours by activity (AE with ``hours_share_``, SDR with
    ``sdr_hours_share_``), as charts take them."""
    return {
        name.removeprefix(prefix): _json_number(iv.mean)
        for name, iv in result.intervals().items()
        if name.startswith(prefix)
    }


def has_sdrs(result: ReplicationSet) -> bool:
    """Whether the scenario has SDRs at any time (their hours are then shown beside AEs')."""
    return any(math.isfinite(v) for v in result.values("sdr_hours_share_idle"))


def write_comparison(
    result: Comparison,
    out: Path,
    explanations: Sequence[Explanation] = (),
    targets: Sequence[Target] = (),
) -> list[str]:
    """Write compare.json, compare.csv and comparison.png, and one waterfall per explanation
    (explain.png, explain_2.png, ...); return the names written."""
    from salessim import plots

    totals = []
    for s in result.sets:
        ivs = s.intervals()
        totals.append({label(m): _interval_json(ivs[m]) for m in COMPARISON_TOTALS if m in ivs})
    sdr_hours = None
    if any(has_sdrs(s) for s in result.sets):
        sdr_hours = [hours_shares(s, SDR_HOURS_SHARE_PREFIX) for s in result.sets]
    figure = plots.comparison(
        result.names,
        totals,
        [s.quarterly() for s in result.sets],
        [hours_shares(s, HOURS_SHARE_PREFIX) for s in result.sets],
        [s.lead_fates() for s in result.sets],
        comparison_title(result),
        sdr_hours=sdr_hours,
        change_days=[s.change_days for s in result.sets],
    )
    figures = {COMPARISON_FILE: figure}
    for k, explanation in enumerate(explanations):
        figures[explain_png(k)] = plots.waterfall(
            explanation.waterfall_data(),
            f"Why bookings differ: {explanation.name} vs {explanation.vs}\n"
            f"mean of {plural(result.n, 'replication')} (seed {result.seed}, common random "
            f"numbers; {result.sets[0].window['text']}); steps add up to the difference",
        )
    texts = {
        COMPARE_JSON_FILE: json_text(comparison_data(result, explanations, targets)),
        COMPARE_CSV_FILE: compare_csv(result),
    }
    return _publish(out, texts, figures)


def explain_png(k: int) -> str:
    """The waterfall of the k-th explanation (from 0): explain.png, explain_2.png, ..."""
    return EXPLAIN_FILE if k == 0 else f"explain_{k + 1}.png"


_INTERVAL_COLUMNS = ["mean", "ci_low", "ci_high"]
_DIFFERENCE_COLUMNS = [
    "vs",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
    "diff_p_value",
    "significant",
]
"""A CSV row's paired difference: what it is compared with, the difference and its test."""


def _interval_cells(iv: Interval) -> list[str]:
    """The cells of _INTERVAL_COLUMNS."""
    return [csv_number(v) for v in (iv.mean, iv.ci_low, iv.ci_high)]


def _difference_cells(vs: str, d: Difference | None) -> list[str]:
    """The cells of _DIFFERENCE_COLUMNS; empty for the reference itself (`d` None)."""
    if d is None:
        return [""] * len(_DIFFERENCE_COLUMNS)
    return [
        vs,
        *(csv_number(v) for v in (d.mean, d.ci_low, d.ci_high, d.p_value)),
        "true" if d.significant else "false",
    ]


def compare_csv(result: Comparison) -> str:
    """One row per metric and scenario: its interval, and its paired difference from the first."""
    header = ["metric", "scenario", *_INTERVAL_COLUMNS, *_DIFFERENCE_COLUMNS]
    intervals = [s.intervals() for s in result.sets]
    differences = [None, *result.differences()]
    rows: list[list[str]] = []
    for metric in result.sets[0].metric_names():
        for name, ivs, diff in zip(result.names, intervals, differences, strict=True):
            d = None if diff is None else diff[metric]
            cells = _interval_cells(ivs[metric]) + _difference_cells(result.names[0], d)
            rows.append([metric, name, *cells])
    return csv_rows(header, rows)


def write_sweep(
    result: Sweep, out: Path, metrics: Sequence[str], targets: Sequence[Target] = ()
) -> list[str]:
    """Write sweep.json, sweep.csv and one sweep_<metric>.png per chosen metric."""
    from salessim import plots
    from salessim.metrics import kind

    figures: dict[str, Figure] = {}
    scenario_value = _scenario_value(result)
    for metric in metrics:
        name = label(metric)
        figures[sweep_png(metric)] = plots.sweep_curve(
            result.values,
            result.curve(metric),
            metric,
            result.path,
            label=name,
            kind=_PLOT_KINDS.get(kind(metric), "number"),
            title=f"{name} vs {result.path}\n"
            f"mean of {plural(result.n, 'replication')} at each value, seed {result.seed}; "
            f"{result.sets[0].window['text']}",
            scenario_value=scenario_value,
        )
    texts = {
        SWEEP_JSON_FILE: json_text(sweep_data(result, targets)),
        SWEEP_CSV_FILE: sweep_csv(result),
    }
    return _publish(out, texts, figures)


def _scenario_value(result: Sweep) -> Any:
    """The swept field's value in the scenario the sweep started from, if it has one."""
    return result.base_value


def sweep_png(metric: str) -> str:
    """``sweep_<metric>.png``, safe as a file name everywhere (``source:web`` → ``source_web``)."""
    return "sweep_" + re.sub(r"[^A-Za-z0-9_.-]", "_", metric) + ".png"


def sweep_csv(result: Sweep) -> str:
    """One row per value and metric, every metric, with its mean and 95% interval."""
    rows = [
        [value_text(value), metric, *(csv_number(v) for v in (iv.mean, iv.ci_low, iv.ci_high))]
        for value, point in zip(result.values, result.sets, strict=True)
        for metric, iv in point.intervals().items()
    ]
    return csv_rows(["value", "metric", "mean", "ci_low", "ci_high"], rows)


def write_sweep_grid(
    result: SweepGrid, out: Path, metrics: Sequence[str], targets: Sequence[Target] = ()
) -> list[str]:
    """Write sweep_grid.json, sweep_grid.csv and the maps of paired differences: with two
    values of the second parameter one map, sweep_grid.png, one column per metric; with more,
    one sweep_grid_<metric>.png per metric, one column per value after the first."""
    from salessim import plots
    from salessim.metrics import kind, spec

    first = value_text(result.values2[0])
    scope = (
        f"mean of {plural(result.n, 'replication')} at each point, seed {result.seed}, common "
        f"random numbers; {result.sweeps[0].sets[0].window['text']}"
    )
    tables = {m: result.differences(m) for m in metrics}

    def better(metric: str) -> bool | None:
        return spec(metric).higher_is_better if known_metric(metric) else None

    rows = range(len(result.values))
    figures: dict[str, Figure] = {}
    if len(result.values2) == 2:
        figures[SWEEP_GRID_FILE] = plots.difference_map(
            result.values,
            [label(m) for m in metrics],
            [[tables[m][i][0].mean for m in metrics] for i in rows],
            [[tables[m][i][0].significant for m in metrics] for i in rows],
            kinds=[kind(m) for m in metrics],
            better=[better(m) for m in metrics],
            row_label=result.path,
            title=f"Change when {result.path2} goes from {first} to "
            f"{value_text(result.values2[1])}, by {result.path}\n{scope}",
            shared_scale=False,
            scenario_value=result.base_value,
        )
    else:
        for metric in metrics:
            others = range(len(result.values2) - 1)
            figures[sweep_grid_png(metric)] = plots.difference_map(
                result.values,
                [value_text(v) for v in result.values2[1:]],
                [[tables[metric][i][k].mean for k in others] for i in rows],
                [[tables[metric][i][k].significant for k in others] for i in rows],
                kinds=[kind(metric)] * len(others),
                better=[better(metric)] * len(others),
                row_label=result.path,
                title=f"{label(metric)}: change from {result.path2} = {first}, by "
                f"{result.path}\n{scope}",
                shared_scale=True,
                column_label=result.path2,
                scenario_value=result.base_value,
            )
    texts = {
        SWEEP_GRID_JSON_FILE: json_text(sweep_grid_data(result, targets)),
        SWEEP_GRID_CSV_FILE: sweep_grid_csv(result),
    }
    return _publish(out, texts, figures)


def sweep_grid_png(metric: str) -> str:
    """``sweep_grid_<metric>.png``, safe as a file name everywhere."""
    return "sweep_grid_" + re.sub(r"[^A-Za-z0-9_.-]", "_", metric) + ".png"


def sweep_grid_csv(result: SweepGrid) -> str:
    """One row per cell and metric, every metric: its interval and, after the first value of
    the second parameter, its paired difference from that value's cell in the same row."""
    header = ["value", "value2", "metric", *_INTERVAL_COLUMNS, *_DIFFERENCE_COLUMNS]
    first = value_text(result.values2[0])
    metrics = result.sweeps[0].sets[0].metric_names()
    tables = {m: result.differences(m) for m in metrics}
    rows: list[list[str]] = []
    for k, (value2, column) in enumerate(zip(result.values2, result.sweeps, strict=True)):
        for i, (value, point) in enumerate(zip(result.values, column.sets, strict=True)):
            intervals = point.intervals()
            for metric in metrics:
                d = None if k == 0 else tables[metric][i][k - 1]
                rows.append(
                    [
                        value_text(value),
                        value_text(value2),
                        metric,
                        *_interval_cells(intervals[metric]),
                        *_difference_cells(first, d),
                    ]
                )
    return csv_rows(header, rows)


# --------------------------------------------------------------------------- per replication
def replications_csv(points: Sequence[tuple[Mapping[str, str], ReplicationSet]]) -> str:
    """One row per replication of each point (a scenario, a swept value): the point's labels
    (``scenario`` or ``value``), the replication index, the master seed (replication i runs on
    child i of it) and every metric; a metric a point does not report is an empty cell."""
    labels = list(points[0][0]) if points else []
    metrics = list(dict.fromkeys(m for _, runs in points for m in runs.metric_names()))
    rows = []
    for names, runs in points:
        for run in runs.runs:
            values = run["metrics"]
            row = [names[key] for key in labels]
            row += [str(run["replication"]), str(runs.seed)]
            row += [csv_number(_number(values.get(m))) for m in metrics]
            rows.append(row)
    return csv_rows([*labels, "replication", "seed", *metrics], rows)


def check_replications_path(path: Path) -> None:
    """Refuse, before a run, a per-replication file that could not be written."""
    if path.is_dir():
        raise OutputError(f"{path}: is a directory, expected a file name such as runs.csv")
    if not path.parent.is_dir():
        raise OutputError(f"{path}: folder {path.parent} does not exist")


def write_replications(path: Path, text: str) -> None:
    """Write the per-replication table to ``path`` atomically; an OSError becomes one line."""
    check_replications_path(path)
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from exc


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else math.nan


# --------------------------------------------------------------------------- CSV
def csv_columns(columns: Mapping[str, Sequence[float]]) -> str:
    """A table of columns as CSV text; NaN and infinities become empty cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    rows = max((len(values) for values in columns.values()), default=0)
    for i in range(rows):
        writer.writerow(
            [csv_number(values[i]) if i < len(values) else "" for values in columns.values()]
        )
    return buffer.getvalue()


def csv_rows(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def csv_number(value: float) -> str:
    value = float(value)
    if not math.isfinite(value):
        return ""
    return str(int(value)) if value.is_integer() else repr(value)


def value_text(value: object) -> str:
    """A swept value as typed in YAML: 1.25, true, null, lead_first."""
    return value if isinstance(value, str) else json.dumps(value)


def _json_number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _interval_json(iv: Any) -> dict[str, float | None]:
    return {key: _json_number(value) for key, value in iv.to_dict().items()}
