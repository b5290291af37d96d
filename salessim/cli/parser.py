"""The ``salessim`` command's arguments: one parser, a subcommand per handler."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from salessim import __version__, engine, workload
from salessim.cli import commands, plan_command, profile_command, report_command
from salessim.errors import ScenarioError
from salessim.outputs import (
    BACKTEST_CHART_SUFFIX,
    BACKTEST_CSV_SUFFIX,
    COMPARE_CSV_FILE,
    COMPARE_JSON_FILE,
    COMPARISON_FILE,
    DASHBOARD_FILE,
    EXPLAIN_FILE,
    QUARTERLY_FILE,
    SERIES_FILE,
    SUMMARY_FILE,
    SWEEP_CSV_FILE,
    SWEEP_JSON_FILE,
    SWEEP_POINTS_DIR,
)
from salessim.parallel import SCHEDULER_ENV
from salessim.scenario_files import parse_yaml


class ArgumentParser(argparse.ArgumentParser):
    """argparse with errors on one line: ``salessim run: error: ... (see salessim run --help)``.

    argparse prints its usage block before the message; a user who mistyped an option needs
    only the message and where to look.
    """

    def error(self, message: str) -> Any:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build() -> argparse.ArgumentParser:
    """The parser of the ``salessim`` command; each subcommand sets ``handler``."""
    parser = ArgumentParser(
        prog="salessim",
        description="Discrete-event simulation of B2B sales capacity.",
    )
    parser.add_argument(
        "--version", action="version", version=f"salessim {__version__} ({engine()})"
    )
    subcommands = parser.add_subparsers(
        title="commands", metavar="COMMAND", required=True, parser_class=ArgumentParser
    )

    run = subcommands.add_parser(
        "run",
        help="replicate a scenario and summarise its metrics",
        description="Replicate a scenario and print its key metrics with 95% intervals, over "
        "its reporting window (the days after warm-up), with yearly figures beside totals.",
    )
    run.add_argument("scenario", metavar="SCENARIO", help="scenario file or bundled name")
    _add_experiment_options(
        run,
        f"also write {SUMMARY_FILE}, {SERIES_FILE}, {QUARTERLY_FILE} and {DASHBOARD_FILE}",
    )
    run.add_argument(
        "--crm-export",
        type=Path,
        default=None,
        metavar="DIR",
        help="also write replication 0 as a CRM export in DIR (leads.csv, opportunities.csv, "
        "stage_history.csv, reps.csv: the columns salessim calibrate reads) over the reporting "
        "window",
    )
    run.add_argument(
        "--start-date",
        type=_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="with --crm-export: the date of the first reported day (default: 2026-01-05; "
        "a weekend date moves to the Monday after)",
    )
    run.set_defaults(handler=commands.run)

    compare = subcommands.add_parser(
        "compare",
        help="compare scenarios replicated with the same seeds",
        description="Replicate each scenario with the same seeds (common random numbers) and "
        "print each key metric with the paired difference from the first scenario and its "
        "95% interval (n/a with one replication: an interval needs two).",
    )
    compare.add_argument(
        "baseline", metavar="A", help="baseline scenario: a file or a bundled name"
    )
    compare.add_argument(
        "others", nargs="+", metavar="B", help="scenarios to compare with A (files or names)"
    )
    compare.add_argument(
        "--explain",
        action="store_true",
        help="also explain why bookings differ from A: a short paragraph and the additive steps "
        f"(opportunities, win rate, deal size, discount); with --out, {EXPLAIN_FILE}",
    )
    _add_experiment_options(
        compare,
        f"also write {COMPARE_JSON_FILE}, {COMPARE_CSV_FILE} and {COMPARISON_FILE} "
        f"(and {EXPLAIN_FILE} with --explain)",
        set_help="(applies to every scenario)",
    )
    compare.set_defaults(handler=commands.compare)

    sweep = subcommands.add_parser(
        "sweep",
        help="vary one scenario field over values",
        description="Replicate a scenario at each value of one field (same seeds at every "
        "value) and print the chosen metrics with their 95% intervals, then, over three or "
        "more numbers, each metric's tipping point: a value whose paired differences from both "
        "ends of the range exclude zero, or none distinguishable.",
    )
    sweep.add_argument("scenario", metavar="SCENARIO", help="scenario file or bundled name")
    sweep.add_argument(
        "--param",
        required=True,
        metavar="PATH",
        help="dotted path of the field to vary, e.g. lead_sources.web_inbound.volume_multiplier "
        "(salessim fields lists them)",
    )
    sweep.add_argument(
        "--values",
        required=True,
        action="append",
        type=sweep_values,
        metavar="V1,V2,...",
        help="comma-separated values, each read as YAML (numbers, true/false, names); with "
        "--param2, give --values twice: first for --param, then for --param2",
    )
    sweep.add_argument(
        "--param2",
        default=None,
        metavar="PATH",
        help="a second field: the sweep runs at every pair of values and shows, at each "
        "--param value, the paired difference of each --param2 value from its first "
        "(e.g. --param2 lead_volume_multiplier --values 1,1.3: where do more leads pay?)",
    )
    sweep.add_argument(
        "--metric",
        dest="metrics",
        action="append",
        default=None,
        metavar="NAME",
        help="metric for the table and plots (repeatable; default: "
        f"{', '.join(commands.DEFAULT_SWEEP_METRICS)}; salessim metrics lists them)",
    )
    _add_experiment_options(
        sweep,
        f"save each finished point in DIR/{SWEEP_POINTS_DIR} (a rerun resumes), then write "
        f"{SWEEP_JSON_FILE}, {SWEEP_CSV_FILE} and sweep_METRIC.png per --metric",
    )
    sweep.set_defaults(handler=commands.sweep)

    plan = subcommands.add_parser(
        "plan",
        help="least-cost levers for a target, or the best use of a budget change",
        description="Goal-seek (--target, --confidence): the least-cost setting of the levers "
        "whose chance of reaching the target is at least the confidence, raced with common "
        "random numbers (-n is the cap on replications per option, default "
        f"{plan_command.GOAL_SEEK_REPLICATIONS}). Frontier (--budget-change): every option "
        "costing at most the budget change a year, with its paired effect on bookings and "
        f"profit, best first (-n replications each, default "
        f"{plan_command.FRONTIER_REPLICATIONS}). Costs come from the scenario's economics.",
    )
    plan_command.add_arguments(plan)
    _add_experiment_options(plan, plan_command.OUT_HELP, replications_default=None, targets=False)
    plan.set_defaults(handler=plan_command.plan)

    report = subcommands.add_parser(
        "report",
        help="write a decision brief: one HTML page to take to a board meeting",
        description="Compare scenarios (same seeds) and write one self-contained HTML page: the "
        "question, the recommendation derived from the paired differences, headline numbers "
        "with 95% intervals and the chance of each --target, why bookings differ (a waterfall "
        "and a paragraph), a salessim plan result (--plan), the assumptions whose change by "
        "20% would change the answer, and how it was computed. No network needed to open or "
        "print it.",
    )
    report_command.add_arguments(report)
    _add_experiment_options(
        report,
        set_help="(applies to every scenario)",
        targets=False,
        outputs=False,
        refused="a brief (comparison and sensitivity)",
    )
    report.set_defaults(handler=report_command.report)

    init = subcommands.add_parser(
        "init",
        help="write a scenario of your own team from a dozen business numbers",
        description="Write a commented scenario file extending baseline from your team's "
        "numbers: AEs, SDRs, deal size, sales cycle, leads a month, win rate... Each derived "
        "field (stage buyer days and rep hours, lead split, deal values, drop-outs) says what "
        "it came from. Give the numbers as flags, or be asked in a terminal. salessim run then "
        "shows what the scenario produces beside your numbers.",
    )
    profile_command.add_arguments(init, _at_least_one, _seed)
    init.set_defaults(handler=profile_command.init)

    calibrate = subcommands.add_parser(
        "calibrate",
        help="fit a scenario to a CRM export and back-test it",
        description="Fit a scenario to CRM export files (Salesforce, HubSpot or salessim run "
        "--crm-export; columns in docs/crm.md, dates in any ISO format) and write it as a "
        "scenario file that extends baseline, each fitted number with its sample size and 95% "
        "interval; fields the data cannot support keep the baseline's published defaults. "
        "Then simulate the history's period and compare it with the data quarter by quarter: "
        "leads, opportunities, wins, bookings, win rate and cycle days, each with a verdict "
        "(inside or outside the 95% band of the replications).",
    )
    calibrate.add_argument(
        "--leads", type=Path, required=True, metavar="FILE", help="the leads export (CSV)"
    )
    calibrate.add_argument(
        "--opportunities",
        type=Path,
        required=True,
        metavar="FILE",
        help="the opportunities (deals) export (CSV)",
    )
    calibrate.add_argument(
        "--stage-history",
        type=Path,
        default=None,
        metavar="FILE",
        help="the stage history export (CSV: opportunity, stage, date entered); without it "
        "the baseline's stages are kept",
    )
    calibrate.add_argument(
        "--reps",
        type=Path,
        default=None,
        metavar="FILE",
        help="the reps' start and end dates (CSV: rep_id, start_date, end_date, role) for "
        "headcount, attrition, backfill and hiring; without it the team size comes from the "
        "opportunities' owners",
    )
    calibrate.add_argument(
        "--mapping",
        type=Path,
        default=None,
        metavar="FILE",
        help="YAML naming your columns: {leads: {created_at: CreatedDate, ...}, "
        "opportunities: {...}, stage_history: {...}}",
    )
    calibrate.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE",
        help="the scenario file to write (e.g. my_team.yaml); the back-test goes beside it as "
        f"FILE's name with {BACKTEST_CHART_SUFFIX} and {BACKTEST_CSV_SUFFIX}",
    )
    calibrate.add_argument(
        "--name", default=None, metavar="NAME", help="the scenario's name (default: FILE's stem)"
    )
    calibrate.add_argument(
        "-n",
        "--replications",
        type=_at_least_one,
        default=20,
        metavar="N",
        help="back-test replications (default: 20)",
    )
    calibrate.add_argument(
        "--seed", type=_seed, default=0, metavar="S", help="master random seed (default: 0)"
    )
    calibrate.add_argument(
        "--workers",
        type=_at_least_one,
        default=None,
        metavar="N",
        help="worker processes (default: one per CPU)",
    )
    calibrate.add_argument(
        "--no-backtest", action="store_true", help="write the fitted scenario only"
    )
    calibrate.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="leave out bad rows (one line each on stderr, then a summary) instead of stopping "
        "at the first",
    )
    calibrate.set_defaults(handler=commands.calibrate)

    validate = subcommands.add_parser(
        "validate",
        help="check scenario files",
        description="Check scenario files; exit 2 if any is invalid.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="scenario file or bundled name")
    validate.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a field by dotted path before checking (repeatable), as run accepts it",
    )
    validate.set_defaults(handler=commands.validate)

    scenarios = subcommands.add_parser(
        "scenarios",
        help="list the bundled scenarios",
        description="List the bundled scenarios and what each one is about.",
    )
    scenarios.set_defaults(handler=commands.scenarios)

    metrics = subcommands.add_parser(
        "metrics",
        help="list the metrics a run reports",
        description="List every metric a run reports: its key (for --metric and JSON), label, "
        "unit, which direction is better, and what it means. Totals cover the reporting "
        "window (the days after warm-up). Per-source metrics (source:NAME:leads, "
        "source:NAME:converted) follow the scenario's lead sources.",
    )
    metrics.add_argument("--json", action="store_true", help="print one JSON object")
    metrics.set_defaults(handler=commands.metrics)

    fields = subcommands.add_parser(
        "fields",
        help="list the fields a scenario file can set",
        description="List every scenario field with its type, unit, range, default and "
        "meaning: what a scenario file, --set and sweep --param accept.",
    )
    fields.add_argument(
        "path",
        nargs="?",
        default=None,
        metavar="PATH",
        help="a field or a section, e.g. aes or lead_sources (default: all)",
    )
    fields.add_argument("--json", action="store_true", help="print one JSON object")
    fields.set_defaults(handler=commands.fields)

    serve = subcommands.add_parser(
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
    serve.add_argument(
        "--trainer-pin",
        type=_trainer_pin,
        default=None,
        metavar="PIN",
        help="run workshop rooms: the Trainer page opens rooms and pushes exercises to teams "
        "for whoever enters this PIN (4 to 32 characters, no spaces); the Classroom page's "
        "exercise setup is then hidden from everyone else (default: no rooms)",
    )
    serve.add_argument(
        "--rooms-db",
        type=Path,
        default=None,
        metavar="PATH",
        help="the SQLite file that keeps the rooms, so a restarted server restores them "
        "(default: rooms.sqlite3 in your user data folder)",
    )
    serve.set_defaults(handler=commands.serve)
    return parser


def _add_experiment_options(
    command: argparse.ArgumentParser,
    out_help: str = "",
    set_help: str = "",
    replications_default: int | None = 10,
    targets: bool = True,
    outputs: bool = True,
    refused: str = "a command whose replications are",
) -> None:
    """The options every replicating command shares: -n, --seed, --set, --workers and the work
    limits (`refused`: what --max-total-work refuses); with `outputs`, also --scheduler,
    --json, --out and --progress (report writes one page, its own --out); with `targets`, also
    --target and --per-replication (plan and report have a --target of their own)."""
    command.add_argument(
        "-n",
        "--replications",
        type=_at_least_one,
        default=replications_default,
        metavar="N",
        help="number of replications "
        + (
            f"(default: {replications_default}; intervals need at least 2)"
            if replications_default is not None
            else "(default: see above)"
        ),
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
    if outputs:
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
    if targets:
        command.add_argument(
            "--target",
            dest="targets",
            action="append",
            default=[],
            metavar="METRIC=VALUE",
            help="also report the chance of reaching a target, with its 95%% (Wilson) interval: "
            "the share of replications at or above VALUE (at or below for a metric where lower "
            "is better; write >= or <= for one with no better side), e.g. "
            "bookings_per_year=20e6; a "
            "total over the window may end in _per_year (repeatable)",
        )
        command.add_argument(
            "--per-replication",
            type=Path,
            default=None,
            metavar="FILE",
            help="also write FILE (CSV): one row per replication (of each scenario or value) with "
            "its index, the master seed and every metric",
        )
    if outputs:
        command.add_argument(
            "--progress",
            action="store_true",
            help="print a line to stderr every few seconds with the replications done, "
            "even when stderr is not a terminal",
        )
    command.add_argument(
        "--max-work",
        type=_units,
        default=workload.MAX_REPLICATION_WORK,
        metavar="UNITS",
        help="refuse a scenario whose one replication is estimated at more than UNITS "
        "replications of the baseline scenario (default: "
        f"{workload.MAX_REPLICATION_WORK:g})",
    )
    command.add_argument(
        "--max-total-work",
        type=_units,
        default=workload.MAX_TOTAL_WORK,
        metavar="UNITS",
        help=f"refuse {refused} estimated at more than UNITS replications of the baseline "
        f"scenario in all (default: {workload.MAX_TOTAL_WORK:g})",
    )


def _at_least_one(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def _units(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number (got {text!r})") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number (got {text})")
    return value


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date YYYY-MM-DD (got {text!r})") from None


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


def _trainer_pin(text: str) -> str:
    if not 4 <= len(text) <= 32:
        raise argparse.ArgumentTypeError(f"must be 4 to 32 characters (got {len(text)})")
    if not text.isprintable() or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError("must be letters, digits or punctuation, no spaces")
    return text


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer (got {text!r})") from None


def sweep_values(text: str) -> list[Any]:
    """Split ``0.5,1,1.5`` at commas and read each item as YAML (1 → int, true → bool)."""
    values: list[Any] = []
    seen: set[str] = set()
    for item in text.split(","):
        if not item.strip():
            raise argparse.ArgumentTypeError(f"empty value in {text!r}")
        try:
            value = parse_yaml(item, None)
        except ScenarioError as exc:
            raise argparse.ArgumentTypeError(f"{item.strip()!r}: {exc.rule}") from None
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
