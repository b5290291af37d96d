"""``salessim report``: compare scenarios and write a decision brief, one self-contained HTML
page (the question, the recommendation, headline numbers, why, a plan, the assumptions that
drive the answer, and how it was computed)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from salessim.cli import tables
from salessim.experiments import compare
from salessim.report import (
    OBJECTIVES,
    BriefInputs,
    brief_html,
    check_out,
    check_work,
    read_plan,
    recommend,
    recommendation_text,
    sensitivity,
    sensitivity_replications,
    write_brief,
)
from salessim.scenario_files import load_scenario
from salessim.targets import parse_target

EXIT_OK = 0


def add_arguments(command: argparse.ArgumentParser) -> None:
    """The options of ``salessim report`` of its own (the parser adds the shared -n, --seed,
    --set, --workers and work limits)."""
    command.add_argument("baseline", metavar="SCENARIO", help="the plan today: a file or name")
    command.add_argument(
        "others",
        nargs="+",
        metavar="ALTERNATIVE",
        help="the plans to weigh against SCENARIO (files or bundled names)",
    )
    command.add_argument(
        "--out", type=Path, required=True, metavar="FILE", help="the HTML page to write"
    )
    command.add_argument(
        "--target",
        dest="targets",
        action="append",
        default=[],
        metavar="METRIC=VALUE",
        help="show each scenario's chance of reaching it (repeatable), e.g. bookings_per_year=20e6",
    )
    command.add_argument(
        "--plan",
        type=Path,
        default=None,
        metavar="FILE",
        help="a plan.json written by salessim plan --out: its goal-seek or frontier table",
    )
    command.add_argument(
        "--objective",
        choices=OBJECTIVES,
        default="profit",
        help="what the recommendation maximises; the other must not fall significantly "
        "(default: profit)",
    )
    command.add_argument(
        "--no-sensitivity",
        action="store_true",
        help="skip re-running the comparison with key assumptions at -20%% and +20%%",
    )


def report(args: argparse.Namespace) -> int:
    """Check every argument, compare, build the page and write it atomically."""
    out: Path = args.out
    refs = [args.baseline, *args.others]
    scenarios = [load_scenario(ref, args.overrides) for ref in refs]
    targets = [(text, parse_target(text)) for text in args.targets]
    plan = read_plan(args.plan) if args.plan is not None else None
    check_out(out)
    check_work(
        [(f"scenario {ref}", sc) for ref, sc in zip(refs, scenarios, strict=True)],
        args.replications,
        with_sensitivity=not args.no_sensitivity,
        max_work=args.max_work,
        max_total_work=args.max_total_work,
    )
    interactive = sys.stderr.isatty()
    with tables.progress_bar(f"{len(scenarios)} scenarios", interactive) as progress:
        result = compare(
            scenarios, args.replications, seed=args.seed, workers=args.workers, progress=progress
        )
    recommendation = recommend(result, args.objective)
    shifts = None
    if not args.no_sensitivity:
        label = f"sensitivity ({sensitivity_replications(result.n)} replications per run)"
        with tables.progress_bar(label, interactive) as progress:
            shifts = sensitivity(result, recommendation, workers=args.workers, progress=progress)
    html = brief_html(result, BriefInputs(targets, plan, shifts, objective=args.objective))
    write_brief(html, out)
    print(recommendation_text(result, recommendation))
    if shifts is not None and shifts.decisive:
        print(f"The answer turns on: {', '.join(shifts.decisive)}.")
    print(f"Wrote {out}")
    return EXIT_OK
