"""``salessim plan``: the least-cost levers for a target with a confidence (goal-seek), or the
best use of a yearly budget change (the frontier). Arguments are all checked, lever values and
target included, before any replication runs."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import AbstractContextManager
from pathlib import Path

from rich.console import Console
from rich.table import Table

from salessim import workload
from salessim.cli import tables
from salessim.config import Scenario
from salessim.experiments import Progress as ProgressCallback
from salessim.formatting import format_band, format_delta, table_money
from salessim.outputs import json_safe, prepared_dir
from salessim.plan import (
    OBJECTIVES,
    PLAN_CSV_FILE,
    PLAN_JSON_FILE,
    PLAN_PNG_FILE,
    START_REPLICATIONS,
    Lever,
    Plan,
    PlanError,
    frontier,
    goal_seek,
    make_lever,
    options_of,
    parse_lever,
)
from salessim.scenario_files import load_scenario
from salessim.targets import parse_target

EXIT_OK = 0
GOAL_SEEK_REPLICATIONS = 64
FRONTIER_REPLICATIONS = 20
OUT_HELP = f"also write {PLAN_JSON_FILE}, {PLAN_CSV_FILE} and {PLAN_PNG_FILE}"


def add_arguments(command: argparse.ArgumentParser) -> None:
    """The options of ``salessim plan`` (the shared experiment options are added by the parser)."""
    command.add_argument("scenario", metavar="SCENARIO", help="scenario file or bundled name")
    command.add_argument(
        "--lever",
        dest="levers",
        action="append",
        required=True,
        metavar="PATH[=VALUES]",
        help="a field the plan may change (repeatable): PATH alone for its default range "
        "(counts one at a time, lead_volume_multiplier in tenths, on/off both ways, every "
        "policy), PATH=LOW..HIGH for whole numbers, PATH=V1,V2,..., or when to hire: "
        "aes.hiring_plan=2@63,126 (no hire, or 2 AEs from one of those working days)",
    )
    command.add_argument(
        "--target",
        default=None,
        metavar="METRIC=VALUE",
        help="goal-seek: the target to reach, e.g. bookings_per_year=20e6",
    )
    command.add_argument(
        "--confidence",
        type=_share,
        default=0.8,
        metavar="P",
        help="goal-seek: the chance of reaching the target to be sure of (default: 0.8)",
    )
    command.add_argument(
        "--budget",
        type=_dollars,
        default=None,
        metavar="DOLLARS",
        help="goal-seek: weigh only options costing at most this much more a year",
    )
    command.add_argument(
        "--budget-change",
        type=_dollars,
        default=None,
        metavar="DOLLARS",
        help="frontier: spend up to this yearly change (e.g. +450000) across the levers",
    )
    command.add_argument(
        "--objective",
        choices=OBJECTIVES,
        default="profit",
        help="frontier: what ranks the options, a change a year (default: profit)",
    )


def plan(args: argparse.Namespace) -> int:
    """Check everything, then race (goal-seek) or replicate every option (frontier)."""
    goal = args.target is not None
    if goal == (args.budget_change is not None):
        raise PlanError("give --target (goal-seek) or --budget-change (frontier), one of them")
    if not goal and args.budget is not None:
        raise PlanError("--budget is for goal-seek; a frontier spends --budget-change")
    target = parse_target(args.target) if goal else None
    scenario = load_scenario(args.scenario, args.overrides)
    budget = args.budget if goal else args.budget_change
    levers = _levers(args, scenario, budget)
    n = args.replications or (GOAL_SEEK_REPLICATIONS if goal else FRONTIER_REPLICATIONS)
    if not goal and n < 2:
        raise PlanError("-n 1: a frontier needs at least 2 replications for its intervals")
    options = options_of(scenario, levers, budget, keep_scenario=goal)
    checked = [(f"option {o.label()}", o.scenario) for o in options]
    if not goal:
        checked.append((f"scenario {args.scenario}", scenario))
    workload.check(checked, n, args.max_work, args.max_total_work)
    out: Path | None = args.out
    with prepared_dir(out):
        first = min(START_REPLICATIONS, n) * len(options) if goal else n * (len(options) + 1)
        with _progress(args, scenario.name, first) as progress:
            if target is not None:
                result = goal_seek(
                    scenario,
                    levers,
                    target,
                    args.confidence,
                    seed=args.seed,
                    replications_max=n,
                    budget=budget,
                    workers=args.workers,
                    scheduler=args.scheduler,
                    progress=progress,
                )
            else:
                result = frontier(
                    scenario,
                    levers,
                    args.budget_change,
                    args.objective,
                    seed=args.seed,
                    replications=n,
                    workers=args.workers,
                    scheduler=args.scheduler,
                    progress=progress,
                )
        written = _write(result, out)
    if args.json:
        sys.stdout.write(json.dumps(json_safe(result.to_dict()), allow_nan=False) + "\n")
    else:
        print_plan(result)
        tables.print_written(written, out)
    return EXIT_OK


def _write(result: Plan, out: Path | None) -> list[str]:
    from salessim.outputs import OutputError
    from salessim.plan import write_plan

    if out is None:
        return []
    try:
        return write_plan(result, out)
    except OutputError as exc:
        raise OutputError(f"--out {exc}") from exc


def _levers(args: argparse.Namespace, scenario: Scenario, budget: float | None) -> list[Lever]:
    levers = []
    seen: set[str] = set()
    for text in args.levers:
        path, values = parse_lever(text)
        if path in seen:
            raise PlanError(f"--lever {path}: given twice")
        seen.add(path)
        levers.append(make_lever(scenario, path, values, budget))
    return levers


def _progress(
    args: argparse.Namespace, label: str, first: int
) -> AbstractContextManager[ProgressCallback | None]:
    """Lines with --progress, else a bar on a terminal; ``first`` is the first round's total
    (a goal-seek's total grows as it adds replications)."""
    if args.progress:
        return tables.progress_lines(first)
    return tables.progress_bar(f"{label}: plan", enabled=not args.json and sys.stderr.isatty())


def print_plan(result: Plan) -> None:
    """The options as a table (goal-seek: cheapest first; frontier: best first), the verdict
    and the method."""
    console = Console()
    table = Table(title=f"{result.scenario.name}: {result.kind.replace('_', '-')}")
    goal = result.kind == "goal_seek"
    table.add_column("option" if goal else "change from the scenario", ratio=3)
    table.add_column("cost a year", justify="right")
    if goal:
        table.add_column("P(target)", justify="right")
        table.add_column("95% interval", justify="right")
    else:
        for what in ("bookings", "profit"):
            table.add_column(f"{what} a year (95%)", justify="right")
    table.add_column("reps", justify="right")
    table.add_column("")
    for o in result.options:
        row = [o.label() if goal else o.change_label(result.scenario)]
        row.append(format_delta(o.cost_per_year, "money") if o.cost_per_year else table_money(0))
        if goal:
            chance = o.probability
            row += (
                ["n/a", "n/a"]
                if chance is None
                else [f"{chance.mean:.0%}", f"{chance.ci_low:.0%} – {chance.ci_high:.0%}"]
            )
        else:
            for iv in (o.bookings_change, o.profit_change):
                assert iv is not None
                band = format_band(iv.ci_low, iv.ci_high, "money")
                row.append(f"{format_delta(iv.mean, 'money')}\n{band}")
        row += [str(o.replications), "← pick" if o.recommended else ""]
        table.add_row(*row)
    console.print(table)
    console.print(result.verdict, soft_wrap=True)
    console.print(f"Method: {result.method}.", soft_wrap=True, style="dim")


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number (got {text!r})") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (got {text})")
    return value


def _dollars(text: str) -> float:
    try:
        value = float(text.replace(",", "").replace("$", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of dollars (got {text!r})") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"must be a finite number (got {text})")
    return value
