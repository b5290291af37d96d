"""The ``salessim`` command: run, validate and list scenarios; a thin layer over the library.

Every problem a user can fix (a bad file, a bad ``--set``, a bad value) ends as one line on
stderr and exit code 2, never a traceback. ``--json`` keeps stdout to exactly one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import secrets
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from salessim import __version__
from salessim.config import Scenario
from salessim.errors import SalessimError
from salessim.experiments import Progress as ProgressCallback
from salessim.experiments import ReplicationSet, replicate
from salessim.scenario_files import bundled_scenarios, load_scenario

EXIT_OK = 0
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

SUMMARY_FILE = "summary.json"
SERIES_FILE = "series.csv"
QUARTERLY_FILE = "quarterly.csv"
DASHBOARD_FILE = "dashboard.png"

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
        description="Replicate a scenario and print its key metrics with 95%% intervals.",
    )
    run.add_argument("scenario", metavar="SCENARIO", help="scenario file or bundled name")
    run.add_argument(
        "-n",
        "--replications",
        type=_at_least_one,
        default=10,
        metavar="N",
        help="number of replications (default: 10)",
    )
    run.add_argument(
        "--seed", type=_seed, default=0, metavar="S", help="master random seed (default: 0)"
    )
    run.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario field by dotted path (repeatable), "
        "e.g. lead_sources.web_inbound.volume_multiplier=1.3",
    )
    run.add_argument(
        "--workers",
        type=_at_least_one,
        default=None,
        metavar="N",
        help="worker processes (default: one per CPU)",
    )
    run.add_argument(
        "--json", action="store_true", help="print one JSON object to stdout and nothing else"
    )
    run.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"also write {SUMMARY_FILE}, {SERIES_FILE}, {QUARTERLY_FILE} and {DASHBOARD_FILE}",
    )
    run.set_defaults(handler=_cmd_run)

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
    return parser


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


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer (got {text!r})") from None


# --------------------------------------------------------------------------- commands
def _cmd_run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.overrides)
    out: Path | None = args.out
    show_progress = not args.json and sys.stderr.isatty()
    with _created_dir(out):
        with _progress_bar(scenario.name, enabled=show_progress) as progress:
            result = replicate(
                scenario, args.replications, seed=args.seed, workers=args.workers, progress=progress
            )
        summary = _json_safe(result.to_dict())
        if out is not None:
            _write_outputs(result, summary, out)
    if args.json:
        sys.stdout.write(json.dumps(summary, allow_nan=False) + "\n")
    else:
        _print_summary(result, out)
    return EXIT_OK


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
    sign = "-" if value < 0 else ""
    amount = abs(value)
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if amount >= threshold:
            return f"{sign}${amount / threshold:.1f}{suffix}"
    return f"{sign}${amount:.0f}"


def _write_outputs(result: ReplicationSet, summary: Mapping[str, Any], out: Path) -> None:
    """Stage every output file in ``out``, then move them into place only once all are ready."""
    try:
        _stage_and_replace(result, summary, out)
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot write ({exc.strerror or exc})") from exc


def _stage_and_replace(result: ReplicationSet, summary: Mapping[str, Any], out: Path) -> None:
    # Imported here: matplotlib takes a while to load and only --out needs it.
    from salessim.plots import dashboard, save_figure

    weekly = result.mean_weekly()
    series = {key: values for key, values in weekly.items() if key != "report_start_week"}
    quarterly = result.quarterly()
    staged: dict[Path, Path] = {}
    try:
        for name, text in (
            (SUMMARY_FILE, json.dumps(summary, indent=2, allow_nan=False) + "\n"),
            (SERIES_FILE, _csv_text(series)),
            (QUARTERLY_FILE, _csv_text(quarterly)),
        ):
            temp = _temp_path(out / name)
            staged[out / name] = temp
            with temp.open("x", encoding="utf-8", newline="") as handle:
                handle.write(text)
        title = f"{result.scenario.name}: mean of {result.n} replications (seed {result.seed})"
        figure = dashboard(weekly, quarterly, result.lead_fates(), title)
        temp = _temp_path(out / DASHBOARD_FILE)
        staged[out / DASHBOARD_FILE] = temp
        save_figure(figure, temp)
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


def _csv_number(value: float) -> str:
    value = float(value)
    if not math.isfinite(value):
        return ""
    return str(int(value)) if value.is_integer() else repr(value)


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
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out}: exists and is not a directory")
    created = [path for path in (out, *out.parents) if not path.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot create it ({exc.strerror or exc})") from exc
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
