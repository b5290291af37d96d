"""The ``salessim`` command: run, compare and sweep scenarios, validate and list them.

A thin layer over the library (``salessim.experiments``): it parses arguments, prints tables and
writes files.

Every problem a user can fix (a bad file, a bad ``--set``, a bad value) ends as one line on
stderr and exit code 2, never a traceback. ``--json`` keeps stdout to exactly one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import io
import json
import math
import os
import re
import secrets
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from salessim import __version__
from salessim.config import Scenario
from salessim.errors import SalessimError, ScenarioError
from salessim.experiments import Comparison, ReplicationSet, Sweep, compare, replicate, sweep
from salessim.experiments import Progress as ProgressCallback
from salessim.explain import Explanation, explain
from salessim.formatting import compact_money
from salessim.parallel import SCHEDULER_ENV
from salessim.scenario_files import bundled_scenarios, load_scenario, scenario_with
from salessim.statistics import Difference, Interval

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from salessim.plots import ValueKind

EXIT_OK = 0
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

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
DEFAULT_SWEEP_METRICS = ("bookings", "profit", "wins", "opportunities")
# Totals shown side by side in comparison.png, with their labels.
COMPARISON_TOTALS = (("bookings", "Bookings"), ("profit", "Profit"))
HOURS_SHARE_PREFIX = "hours_share_"

# How each metric of the summary table is shown; the order is the table's.
_MONEY, _COUNT, _SHARE, _HOURS, _RATIO = "money", "count", "share", "hours", "ratio"
SUMMARY_METRICS: tuple[tuple[str, str, str], ...] = (
    ("bookings", "Bookings", _MONEY),
    ("gross_profit", "Gross profit", _MONEY),
    ("profit", "Profit", _MONEY),
    ("wins", "Deals won", _COUNT),
    ("win_rate", "Win rate", _SHARE),
    ("avg_discount", "Average discount", _SHARE),
    ("opportunities", "Opportunities created", _COUNT),
    ("deals_lost_neglect", "Deals lost to neglect", _COUNT),
    ("leads", "Leads", _COUNT),
    ("leads_worked", "Leads worked", _COUNT),
    ("leads_expired", "Leads expired unworked", _COUNT),
    ("lead_response_hours", "Lead response time", _HOURS),
    ("quarterly_bookings_cv", "Quarterly bookings CV", _RATIO),
    ("forecast_mape", "Forecast error (MAPE)", _SHARE),
    ("hours_share_prospecting", "AE hours: prospecting", _SHARE),
    ("hours_share_qualifying", "AE hours: qualifying", _SHARE),
    ("hours_share_deal_work", "AE hours: deal work", _SHARE),
    ("hours_share_non_selling", "AE hours: non-selling", _SHARE),
    ("hours_share_idle", "AE hours: idle", _SHARE),
)


# Metrics outside the summary table: how their values read in sweep tables and plots.
_MONEY_METRICS = frozenset({"list_value_won", "marketing_cost", "salary_cost", "commission"})
_COUNT_PREFIXES = ("leads", "deals_", "opportunities", "wins", "losses", "source:")
_PLOT_KINDS: dict[str, ValueKind] = {_MONEY: "money", _SHARE: "share"}


class OutputError(SalessimError):
    """The ``--out`` directory or a file in it cannot be created or written."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    args = _parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except SalessimError as exc:
        print(f"salessim: error: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("salessim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


# --------------------------------------------------------------------------- arguments
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="salessim",
        description="Discrete-event simulation of B2B sales capacity.",
    )
    parser.add_argument("--version", action="version", version=f"salessim {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run",
        help="replicate a scenario and summarise its metrics",
        description="Replicate a scenario and print its key metrics with 95% intervals.",
    )
    run.add_argument("scenario", metavar="SCENARIO", help="scenario file or bundled name")
    _add_experiment_options(
        run,
        f"also write {SUMMARY_FILE}, {SERIES_FILE}, {QUARTERLY_FILE} and {DASHBOARD_FILE}",
    )
    run.set_defaults(handler=_cmd_run)

    compare_cmd = commands.add_parser(
        "compare",
        help="compare scenarios replicated with the same seeds",
        description="Replicate each scenario with the same seeds (common random numbers) and "
        "print each key metric with the paired difference from the first scenario and its "
        "95% interval.",
    )
    compare_cmd.add_argument(
        "baseline", metavar="A", help="baseline scenario: a file or a bundled name"
    )
    compare_cmd.add_argument(
        "others", nargs="+", metavar="B", help="scenarios to compare with A (files or names)"
    )
    compare_cmd.add_argument(
        "--explain",
        action="store_true",
        help="also explain why bookings differ from A: a short paragraph and the additive steps "
        f"(opportunities, win rate, deal size, discount); with --out, {EXPLAIN_FILE}",
    )
    _add_experiment_options(
        compare_cmd,
        f"also write {COMPARE_JSON_FILE}, {COMPARE_CSV_FILE} and {COMPARISON_FILE} "
        f"(and {EXPLAIN_FILE} with --explain)",
        set_help="(applies to every scenario)",
    )
    compare_cmd.set_defaults(handler=_cmd_compare)

    sweep_cmd = commands.add_parser(
        "sweep",
        help="vary one scenario field over values",
        description="Replicate a scenario at each value of one field (same seeds at every "
        "value) and print the chosen metrics with their 95% intervals.",
    )
    sweep_cmd.add_argument("scenario", metavar="SCENARIO", help="scenario file or bundled name")
    sweep_cmd.add_argument(
        "--param",
        required=True,
        metavar="PATH",
        help="dotted path of the field to vary, e.g. lead_sources.web_inbound.volume_multiplier",
    )
    sweep_cmd.add_argument(
        "--values",
        required=True,
        type=_sweep_values,
        metavar="V1,V2,...",
        help="comma-separated values, each read as YAML (numbers, true/false, names)",
    )
    sweep_cmd.add_argument(
        "--metric",
        dest="metrics",
        action="append",
        default=None,
        metavar="NAME",
        help="metric for the table and plots (repeatable; default: "
        f"{', '.join(DEFAULT_SWEEP_METRICS)})",
    )
    _add_experiment_options(
        sweep_cmd,
        f"save each finished point in DIR/{SWEEP_POINTS_DIR} (a rerun resumes), then write "
        f"{SWEEP_JSON_FILE}, {SWEEP_CSV_FILE} and sweep_METRIC.png per --metric",
    )
    sweep_cmd.set_defaults(handler=_cmd_sweep)

    validate = commands.add_parser(
        "validate",
        help="check scenario files",
        description="Check scenario files; exit 2 if any is invalid.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="scenario file or bundled name")
    validate.set_defaults(handler=_cmd_validate)

    scenarios = commands.add_parser(
        "scenarios",
        help="list the bundled scenarios",
        description="List the bundled scenarios and what each one is about.",
    )
    scenarios.set_defaults(handler=_cmd_scenarios)

    serve = commands.add_parser(
        "serve",
        help="start the classroom web app",
        description="Start the web app (what-if sliders, comparisons, sweeps, classroom "
        "predictions) for browsers on this machine or, with --host 0.0.0.0, on the network. "
        "Needs the app extra: python -m pip install 'salessim[app]'.",
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="ADDRESS",
        help="address to listen on (default: 127.0.0.1, this machine only; "
        "0.0.0.0 for a classroom network)",
    )
    serve.add_argument(
        "--port", type=_port, default=8050, metavar="PORT", help="port (default: 8050)"
    )
    serve.add_argument(
        "--workers",
        type=_at_least_one,
        default=None,
        metavar="N",
        help="simulation worker processes shared by all users (default: one per CPU)",
    )
    serve.set_defaults(handler=_cmd_serve)
    return parser


def _add_experiment_options(
    command: argparse.ArgumentParser, out_help: str, set_help: str = ""
) -> None:
    """The options every replicating command shares: -n, --seed, --set, --workers, --scheduler,
    --json and --out."""
    command.add_argument(
        "-n",
        "--replications",
        type=_at_least_one,
        default=10,
        metavar="N",
        help="number of replications (default: 10)",
    )
    command.add_argument(
        "--seed", type=_seed, default=0, metavar="S", help="master random seed (default: 0)"
    )
    command.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario field by dotted path (repeatable), "
        f"e.g. lead_sources.web_inbound.volume_multiplier=1.3 {set_help}".rstrip(),
    )
    command.add_argument(
        "--workers",
        type=_at_least_one,
        default=None,
        metavar="N",
        help="worker processes (default: one per CPU)",
    )
    command.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on an existing Dask cluster, e.g. tcp://host:8786 "
        f"(default: ${SCHEDULER_ENV} if set, else local worker processes)",
    )
    command.add_argument(
        "--json", action="store_true", help="print one JSON object to stdout and nothing else"
    )
    command.add_argument("--out", type=Path, default=None, metavar="DIR", help=out_help)


def _at_least_one(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def _seed(text: str) -> int:
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer (got {value})")
    return value


def _port(text: str) -> int:
    value = _integer(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 1 and 65535 (got {value})")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer (got {text!r})") from None


def _sweep_values(text: str) -> list[Any]:
    """Split ``0.5,1,1.5`` at commas and read each item as YAML (1 → int, true → bool)."""
    values: list[Any] = []
    seen: set[str] = set()
    for item in text.split(","):
        if not item.strip():
            raise argparse.ArgumentTypeError(f"empty value in {text!r}")
        try:
            value = yaml.safe_load(item)
        except yaml.YAMLError:
            raise argparse.ArgumentTypeError(f"{item.strip()!r} is not valid YAML") from None
        if not isinstance(value, str | int | float | bool | None):
            raise argparse.ArgumentTypeError(
                f"{item.strip()!r} is not a number, true/false, null or a name"
            )
        key = json.dumps(value)
        if key in seen:
            raise argparse.ArgumentTypeError(f"{item.strip()!r} appears more than once")
        seen.add(key)
        values.append(value)
    return values


# --------------------------------------------------------------------------- commands
def _cmd_run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.overrides)
    out: Path | None = args.out
    show_progress = not args.json and sys.stderr.isatty()
    with _created_dir(out):
        with _progress_bar(scenario.name, enabled=show_progress) as progress:
            result = replicate(
                scenario,
                args.replications,
                seed=args.seed,
                workers=args.workers,
                progress=progress,
                scheduler=args.scheduler,
            )
        summary = _json_safe(result.to_dict())
        if out is not None:
            _write_run_outputs(result, summary, out)
    if args.json:
        _print_json(summary)
    else:
        _print_summary(result, out)
    return EXIT_OK


def _cmd_compare(args: argparse.Namespace) -> int:
    refs = [args.baseline, *args.others]
    scenarios = [load_scenario(ref, args.overrides) for ref in refs]
    out: Path | None = args.out
    show_progress = not args.json and sys.stderr.isatty()
    with _created_dir(out):
        label = f"{len(scenarios)} scenarios"
        with _progress_bar(label, enabled=show_progress) as progress:
            result = compare(
                scenarios,
                args.replications,
                seed=args.seed,
                workers=args.workers,
                progress=progress,
                scheduler=args.scheduler,
            )
        explanations = (
            [explain(result, k) for k in range(1, len(result.sets))] if args.explain else []
        )
        data = result.to_dict()
        if args.explain:
            data["explain"] = [e.to_dict() for e in explanations]
        data = _json_safe(data)
        if out is not None:
            _write_compare_outputs(result, data, out, explanations)
    if args.json:
        _print_json(data)
    else:
        _print_comparison(result, out, explanations)
    return EXIT_OK


def _cmd_sweep(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.overrides)
    path: str = args.param
    values: list[Any] = args.values
    metrics = list(dict.fromkeys(args.metrics or DEFAULT_SWEEP_METRICS))
    _check_sweep_points(scenario, path, values)
    out: Path | None = args.out
    checkpoint = None
    if out is not None:
        _make_dir(out)
        checkpoint = out / SWEEP_POINTS_DIR
    show_progress = not args.json and sys.stderr.isatty()
    with _progress_bar(f"{scenario.name}: {path}", enabled=show_progress) as progress:
        try:
            result = sweep(
                scenario,
                path,
                values,
                args.replications,
                seed=args.seed,
                workers=args.workers,
                progress=progress,
                scheduler=args.scheduler,
                checkpoint_dir=checkpoint,
            )
        except json.JSONDecodeError as exc:
            raise OutputError(f"--out {out}: a checkpoint file is corrupt ({exc})") from exc
        except OSError as exc:
            if out is None or exc.filename is None:
                raise
            raise OutputError(
                f"--out {out}: cannot save checkpoints ({exc.strerror or exc})"
            ) from exc
    _check_metrics(result.sets[0], metrics)
    data = _json_safe(result.to_dict())
    if out is not None:
        _write_sweep_outputs(result, data, metrics, out)
    if args.json:
        _print_json(data)
    else:
        _print_sweep(result, metrics, out)
    return EXIT_OK


def _check_sweep_points(scenario: Scenario, path: str, values: Sequence[Any]) -> None:
    """Build every point before any run, so a bad path or value fails at once, naming --param."""
    for value in values:
        try:
            scenario_with(scenario, {path: value})
        except ScenarioError as exc:
            raise ScenarioError("--param", exc.path, exc.rule, exc.value) from exc


def _check_metrics(result: ReplicationSet, metrics: Sequence[str]) -> None:
    known = result.metric_names()
    unknown = [m for m in metrics if m not in known]
    if unknown:
        close = difflib.get_close_matches(unknown[0], known, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "salessim run --json lists them"
        raise SalessimError(f"--metric {unknown[0]}: no such metric ({hint})")


def _cmd_validate(args: argparse.Namespace) -> int:
    failed = False
    for ref in args.files:
        try:
            scenario = load_scenario(ref)
        except SalessimError as exc:
            print(_one_line(str(exc)), file=sys.stderr)
            failed = True
        else:
            print(f"ok  {ref} ({scenario.name})")
    return EXIT_ERROR if failed else EXIT_OK


def _cmd_scenarios(_args: argparse.Namespace) -> int:
    entries = bundled_scenarios()
    width = max((len(name) for name, _ in entries), default=0)
    for name, description in entries:
        print(f"{name:<{width}}  {description}".rstrip())
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    # Imported here: the app's modules are needed only by this command.
    from salessim.app.server import serve

    return serve(args.host, args.port, args.workers)


# --------------------------------------------------------------------------- output
def _print_summary(result: ReplicationSet, out: Path | None) -> None:
    """Print the header line and the table of key metrics with their 95% intervals."""
    console = Console()
    scenario = result.scenario
    console.print(_header(scenario, result), markup=False, highlight=False, soft_wrap=True)
    intervals = result.intervals()
    table = Table(show_edge=False, header_style="bold")
    table.add_column("Metric")
    table.add_column("Mean", justify="right")
    table.add_column("95% interval", justify="right")
    for name, label, kind in SUMMARY_METRICS:
        if name not in intervals:
            continue
        iv = intervals[name]
        band = f"{_format(iv.ci_low, kind)} – {_format(iv.ci_high, kind)}"
        if not (math.isfinite(iv.ci_low) and math.isfinite(iv.ci_high)):
            band = "–"
        table.add_row(label, _format(iv.mean, kind), band)
    console.print(table)
    if out is not None:
        console.print(
            f"Wrote {SUMMARY_FILE}, {SERIES_FILE}, {QUARTERLY_FILE} and {DASHBOARD_FILE} to {out}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def _print_comparison(
    result: Comparison, out: Path | None, explanations: Sequence[Explanation] = ()
) -> None:
    """Print each key metric per scenario, and the paired difference from the first scenario;
    then, if given, why bookings differ: a paragraph and a table of steps per explanation."""
    console = Console()
    base = result.names[0]
    runs = "replication" if result.n == 1 else "replications"
    console.print(
        f"Compared {len(result.names)} scenarios against {base}: {result.n} {runs} each, "
        f"seed {result.seed}, common random numbers",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    intervals = [s.intervals() for s in result.sets]
    for name, ivs, diffs in zip(result.names[1:], intervals[1:], result.differences(), strict=True):
        # One table per scenario against the baseline: stays readable in 80 columns.
        table = Table(
            title=Text(f"{name} vs {base}"),
            title_justify="left",
            show_edge=False,
            header_style="bold",
        )
        table.add_column("Metric")  # the only column that wraps in a narrow terminal
        table.add_column(Text(base), justify="right", no_wrap=True)
        table.add_column(Text(name), justify="right", no_wrap=True)
        table.add_column("Difference", justify="right", no_wrap=True)
        table.add_column("95% interval", justify="right", no_wrap=True)
        table.add_column("", min_width=1, no_wrap=True)
        for metric, label, kind in SUMMARY_METRICS:
            if metric in ivs and metric in intervals[0]:
                table.add_row(
                    Text(label),
                    Text(_format(intervals[0][metric].mean, kind)),
                    Text(_format(ivs[metric].mean, kind)),
                    *_difference_cells(diffs[metric], kind),
                )
        console.print(table)
    console.print(
        "Difference: paired (same seeds), scenario − baseline; "
        "* significant: its 95% interval excludes 0",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    for explanation in explanations:
        _print_explanation(console, explanation)
    if out is not None:
        files = [COMPARE_JSON_FILE, COMPARE_CSV_FILE, COMPARISON_FILE]
        files += [_explain_png(k) for k in range(len(explanations))]
        console.print(
            f"Wrote {', '.join(files[:-1])} and {files[-1]} to {out}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def _print_explanation(console: Console, explanation: Explanation) -> None:
    """Why bookings differ: the paragraph, then the steps that add up to the difference."""
    console.print()
    console.print(
        Text(f"Why bookings differ: {explanation.name} vs {explanation.vs}", style="bold")
    )
    console.print(explanation.paragraph(), markup=False, highlight=False)
    table = Table(show_edge=False, header_style="bold")
    table.add_column("Bookings")
    table.add_column("Amount", justify="right", no_wrap=True)
    table.add_column("95% interval", justify="right", no_wrap=True)
    table.add_column("", min_width=1, no_wrap=True)
    table.add_row(
        Text(explanation.vs),
        Text(_format(explanation.bookings_vs.mean, _MONEY)),
        Text(""),
        Text(""),
    )
    for step in explanation.steps:
        table.add_row(Text(step.label), *_difference_cells(step.difference, _MONEY))
        for part in step.parts:
            table.add_row(Text(f"  {part.label}"), *_difference_cells(part.difference, _MONEY))
    table.add_row(
        Text(explanation.name),
        Text(_format(explanation.bookings.mean, _MONEY)),
        Text(""),
        Text(""),
    )
    console.print(table)


def _difference_cells(diff: Difference, kind: str) -> tuple[Text, Text, Text]:
    """The mean difference, its 95% interval, and a mark if the interval excludes zero."""
    style = "bold" if _significant(diff) else ""
    band = "–"
    if math.isfinite(diff.ci_low) and math.isfinite(diff.ci_high):
        low, high = _format_delta(diff.ci_low, kind), _format_delta(diff.ci_high, kind)
        if kind == _SHARE:  # the unit once: "-0.6 to +1.0 pp"
            low = low.removesuffix(" pp")
        band = f"{low} to {high}"
    mark = "*" if _significant(diff) else ""
    return Text(_format_delta(diff.mean, kind), style=style), Text(band), Text(mark, style=style)


def _significant(diff: Difference) -> bool:
    """The 95% interval of the difference excludes zero."""
    finite = math.isfinite(diff.ci_low) and math.isfinite(diff.ci_high)
    return finite and (diff.ci_low > 0 or diff.ci_high < 0)


def _format_delta(value: float, kind: str) -> str:
    """A signed difference: +$1.2M, -3.4 pp (percentage points), +12.0; no sign on zero."""
    if not math.isfinite(value):
        return "–"
    text = f"{abs(value) * 100:.1f} pp" if kind == _SHARE else _format(abs(value), kind)
    if not any(digit in text for digit in "123456789"):
        return text
    return ("+" if value > 0 else "-") + text


def _print_sweep(result: Sweep, metrics: Sequence[str], out: Path | None) -> None:
    """Print one row per swept value: each chosen metric's mean over its 95% interval."""
    console = Console()
    runs = "replication" if result.n == 1 else "replications"
    console.print(
        f"Sweep of {result.path} over {len(result.values)} values: {result.n} {runs} each, "
        f"seed {result.seed}, common random numbers",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    table = Table(show_edge=False, header_style="bold")
    heading = result.path.rsplit(".", 1)[-1]
    table.add_column(Text(heading), justify="right", no_wrap=True, min_width=len(heading))
    styles = [_metric_style(m) for m in metrics]
    for label, _kind in styles:
        table.add_column(Text(label), justify="right")
    curves = [result.curve(m) for m in metrics]
    for k, value in enumerate(result.values):
        cells = [Text(_value_text(value))]
        for curve, (_label, kind) in zip(curves, styles, strict=True):
            band = "–"
            low, high = curve["ci_low"][k], curve["ci_high"][k]
            if math.isfinite(low) and math.isfinite(high):
                band = f"{_format(low, kind)} – {_format(high, kind)}"
            cells.append(Text.assemble(_format(curve["mean"][k], kind), "\n", (band, "dim")))
        table.add_row(*cells)
    console.print(table)
    console.print("Each cell: mean, and its 95% interval below", markup=False, highlight=False)
    if out is not None:
        pngs = ", ".join(_sweep_png(m) for m in metrics)
        console.print(
            f"Wrote {SWEEP_JSON_FILE}, {SWEEP_CSV_FILE} and {pngs} to {out} "
            f"(finished points kept in {out / SWEEP_POINTS_DIR})",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def _metric_style(metric: str) -> tuple[str, str]:
    """A metric's label and how its values read (money, share, count, hours or ratio)."""
    for name, label, kind in SUMMARY_METRICS:
        if name == metric:
            return label, kind
    if metric.startswith("cost_per_") or metric in _MONEY_METRICS:
        return metric, _MONEY
    if "share" in metric or metric.endswith("_rate") or metric.startswith(("discount", "forecast")):
        return metric, _SHARE
    if "hours" in metric:
        return metric, _HOURS
    if metric.startswith(_COUNT_PREFIXES):
        return metric, _COUNT
    return metric, _RATIO


def _header(scenario: Scenario, result: ReplicationSet) -> str:
    calendar = scenario.calendar
    runs = "replication" if result.n == 1 else "replications"
    return (
        f"Scenario {scenario.name}: {result.n} {runs}, seed {result.seed}, "
        f"{calendar.reported_days} reported days "
        f"(days {calendar.warmup_days}–{calendar.horizon_days})"
    )


def _format(value: float, kind: str) -> str:
    """Show a metric value for people: $12.3M, 23.4%, 1,234, 3.2 h."""
    if not math.isfinite(value):
        return "–"
    text = _format_finite(value, kind)
    # A tiny negative bound (an interval around zero) should not read as "-0.0%".
    if text.startswith("-") and not any(digit in text for digit in "123456789"):
        return text[1:]
    return text


def _format_finite(value: float, kind: str) -> str:
    if kind == _MONEY:
        return _money(value)
    if kind == _SHARE:
        return f"{value * 100:.1f}%"
    if kind == _HOURS:
        return f"{value:,.1f} h"
    if kind == _COUNT:
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"
    return f"{value:.2f}"


def _money(value: float) -> str:
    """One decimal for terminal tables: $12.3k, -$1.5M."""
    return compact_money(value, "{:.1f}".format)


def _write_run_outputs(result: ReplicationSet, summary: Mapping[str, Any], out: Path) -> None:
    """Write summary.json, series.csv, quarterly.csv and dashboard.png of ``salessim run``."""
    # Imported here: matplotlib takes a while to load and only --out needs it.
    from salessim import plots

    weekly = result.mean_weekly()
    series = {key: values for key, values in weekly.items() if key != "report_start_week"}
    quarterly = result.quarterly()
    title = f"{result.scenario.name}: mean of {result.n} replications (seed {result.seed})"
    _publish(
        out,
        {
            SUMMARY_FILE: _json_text(summary),
            SERIES_FILE: _csv_text(series),
            QUARTERLY_FILE: _csv_text(quarterly),
        },
        {DASHBOARD_FILE: plots.dashboard(weekly, quarterly, result.lead_fates(), title)},
    )


def _write_compare_outputs(
    result: Comparison,
    data: Mapping[str, Any],
    out: Path,
    explanations: Sequence[Explanation] = (),
) -> None:
    """Write compare.json, compare.csv and comparison.png of ``salessim compare``, and one
    waterfall per explanation (explain.png, explain_2.png, ...)."""
    from salessim import plots

    intervals = [s.intervals() for s in result.sets]
    totals = [
        {label: _interval_json(ivs[name]) for name, label in COMPARISON_TOTALS if name in ivs}
        for ivs in intervals
    ]
    hours = [
        {
            name.removeprefix(HOURS_SHARE_PREFIX): _json_number(iv.mean)
            for name, iv in ivs.items()
            if name.startswith(HOURS_SHARE_PREFIX)
        }
        for ivs in intervals
    ]
    title = (
        f"{' vs '.join(result.names)}: mean of {result.n} replications "
        f"(seed {result.seed}, common random numbers)"
    )
    figure = plots.comparison(
        result.names,
        totals,
        [s.quarterly() for s in result.sets],
        hours,
        [s.lead_fates() for s in result.sets],
        title,
    )
    figures = {COMPARISON_FILE: figure}
    for k, explanation in enumerate(explanations):
        figures[_explain_png(k)] = plots.waterfall(
            explanation.waterfall_data(),
            f"Why bookings differ: {explanation.name} vs {explanation.vs}\n"
            f"mean of {result.n} replications (seed {result.seed}, common random numbers); "
            "steps add up to the difference",
        )
    _publish(
        out,
        {COMPARE_JSON_FILE: _json_text(data), COMPARE_CSV_FILE: _compare_csv(result)},
        figures,
    )


def _explain_png(k: int) -> str:
    """The waterfall of the k-th explanation (from 0): explain.png, explain_2.png, ..."""
    return EXPLAIN_FILE if k == 0 else f"explain_{k + 1}.png"


def _compare_csv(result: Comparison) -> str:
    """One row per metric and scenario: its interval, and its paired difference from the first."""
    header = [
        "metric",
        "scenario",
        "mean",
        "ci_low",
        "ci_high",
        "vs",
        "diff_mean",
        "diff_ci_low",
        "diff_ci_high",
        "diff_p_value",
        "significant",
    ]
    intervals = [s.intervals() for s in result.sets]
    differences: list[dict[str, Difference] | None] = [None, *result.differences()]
    rows: list[list[str]] = []
    for metric in result.sets[0].metric_names():
        for name, ivs, diff in zip(result.names, intervals, differences, strict=True):
            iv = ivs[metric]
            row = [metric, name, *(_csv_number(v) for v in (iv.mean, iv.ci_low, iv.ci_high))]
            if diff is None:
                row += [""] * 6
            else:
                d = diff[metric]
                row += [result.names[0]]
                row += [_csv_number(v) for v in (d.mean, d.ci_low, d.ci_high, d.p_value)]
                row += ["true" if _significant(d) else "false"]
            rows.append(row)
    return _csv_rows(header, rows)


def _write_sweep_outputs(
    result: Sweep, data: Mapping[str, Any], metrics: Sequence[str], out: Path
) -> None:
    """Write sweep.json, sweep.csv and one sweep_<metric>.png per chosen metric."""
    from salessim import plots

    figures: dict[str, Figure] = {}
    for metric in metrics:
        label, kind = _metric_style(metric)
        figures[_sweep_png(metric)] = plots.sweep_curve(
            result.values,
            result.curve(metric),
            metric,
            result.path,
            label=label,
            kind=_PLOT_KINDS.get(kind, "number"),
            title=f"{label} vs {result.path}\n"
            f"mean of {result.n} replications at each value, seed {result.seed}",
        )
    _publish(out, {SWEEP_JSON_FILE: _json_text(data), SWEEP_CSV_FILE: _sweep_csv(result)}, figures)


def _sweep_png(metric: str) -> str:
    """``sweep_<metric>.png``, safe as a file name everywhere (``source:web`` → ``source_web``)."""
    return "sweep_" + re.sub(r"[^A-Za-z0-9_.-]", "_", metric) + ".png"


def _sweep_csv(result: Sweep) -> str:
    """One row per value and metric, every metric, with its mean and 95% interval."""
    rows = [
        [_value_text(value), metric, *(_csv_number(v) for v in (iv.mean, iv.ci_low, iv.ci_high))]
        for value, point in zip(result.values, result.sets, strict=True)
        for metric, iv in point.intervals().items()
    ]
    return _csv_rows(["value", "metric", "mean", "ci_low", "ci_high"], rows)


def _publish(out: Path, texts: Mapping[str, str], figures: Mapping[str, Figure]) -> None:
    """Stage every output file in ``out``, then move them into place only once all are ready."""
    try:
        _stage_and_replace(out, texts, figures)
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot write ({exc.strerror or exc})") from exc


def _stage_and_replace(out: Path, texts: Mapping[str, str], figures: Mapping[str, Figure]) -> None:
    from salessim import plots

    staged: dict[Path, Path] = {}
    try:
        for name, text in texts.items():
            temp = _temp_path(out / name)
            staged[out / name] = temp
            with temp.open("x", encoding="utf-8", newline="") as handle:
                handle.write(text)
        for name, figure in figures.items():
            temp = _temp_path(out / name)
            staged[out / name] = temp
            plots.save_figure(figure, temp)
        for final, temp in staged.items():
            os.replace(temp, final)
    finally:
        for temp in staged.values():
            temp.unlink(missing_ok=True)


def _temp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")


def _csv_text(columns: Mapping[str, Sequence[float]]) -> str:
    """A table of equally long columns as CSV text; NaN and infinities become empty cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    rows = max((len(values) for values in columns.values()), default=0)
    for i in range(rows):
        writer.writerow(
            [_csv_number(values[i]) if i < len(values) else "" for values in columns.values()]
        )
    return buffer.getvalue()


def _csv_rows(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _csv_number(value: float) -> str:
    value = float(value)
    if not math.isfinite(value):
        return ""
    return str(int(value)) if value.is_integer() else repr(value)


def _json_text(data: Mapping[str, Any]) -> str:
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def _print_json(data: Mapping[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, allow_nan=False) + "\n")


def _json_number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _interval_json(iv: Interval) -> dict[str, float | None]:
    return {key: _json_number(value) for key, value in iv.to_dict().items()}


def _value_text(value: object) -> str:
    """A swept value as typed in YAML: 1.25, true, null, lead_first."""
    return value if isinstance(value, str) else json.dumps(value)


def _json_safe(value: Any) -> Any:
    """Copy a JSON-ready structure with NaN and infinities replaced by null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


# --------------------------------------------------------------------------- plumbing
@contextmanager
def _created_dir(out: Path | None) -> Iterator[None]:
    """Create ``out`` (and missing parents) before a run; remove what it created if the run fails.

    Created up front so an unwritable location fails before a long run, not after it.
    """
    if out is None:
        yield
        return
    created = [path for path in (out, *out.parents) if not path.exists()]
    _make_dir(out)
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


def _make_dir(out: Path) -> None:
    """Create ``out`` to keep it: a sweep's folder holds its checkpoints even if the run fails."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out}: exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot create it ({exc.strerror or exc})") from exc


@contextmanager
def _progress_bar(label: str, enabled: bool) -> Iterator[ProgressCallback | None]:
    """A progress bar on stderr fed by the replication callback, or no callback when disabled."""
    if not enabled:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"{label}: replications", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":
    raise SystemExit(main())
