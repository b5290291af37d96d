"""``salessim init``: ask for a team's profile (by flags, or by questions in a terminal), write
the commented scenario the library derives from it, and optionally check its fit by running it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from salessim.cli import tables
from salessim.config import Profile
from salessim.errors import SalessimError
from salessim.experiments import replicate
from salessim.outputs import OutputError, write_atomic
from salessim.profile import (
    CORE_FIELDS,
    FALLBACKS,
    QUESTIONS,
    ProfileError,
    Question,
    build,
    check_value,
    make_profile,
    missing_core,
    profile_fit,
)

EXIT_OK = 0


FLAGS: dict[str, tuple[str, str]] = {
    "aes": ("--aes", "N"),
    "sdrs": ("--sdrs", "N"),
    "deal_size": ("--deal-size", "DOLLARS"),
    "sales_cycle_days": ("--sales-cycle-days", "DAYS"),
    "leads_per_month": ("--leads-per-month", "N"),
    "web_share": ("--web-share", "SHARE"),
    "win_rate": ("--win-rate", "SHARE"),
    "lead_to_opportunity": ("--lead-to-opportunity", "SHARE"),
    "ae_cost_per_year": ("--ae-cost", "DOLLARS"),
    "sdr_cost_per_year": ("--sdr-cost", "DOLLARS"),
    "quota_per_ae": ("--quota", "DOLLARS"),
    "ramp_months": ("--ramp-months", "MONTHS"),
    "attrition_per_year": ("--attrition", "SHARE"),
}
"""The flag and metavar of each profile number."""


def add_arguments(
    command: argparse.ArgumentParser,
    at_least_one: Callable[[str], int],
    seed: Callable[[str], int],
) -> None:
    """The options of ``salessim init``: one per profile number, and where and how to write."""
    command.add_argument("out", type=Path, metavar="OUT.yaml", help="the scenario file to write")
    numbers = command.add_argument_group(
        "the profile",
        f"{', '.join(FLAGS[f][0] for f in CORE_FIELDS)} are needed (asked for "
        "in a terminal when left out); every other number falls back to baseline's",
    )
    for q in QUESTIONS:
        flag, metavar = FLAGS[q.field]
        numbers.add_argument(
            flag,
            dest=q.field,
            type=flag_type(q),
            default=None,
            metavar=metavar,
            help=q.label + ("" if q.field in CORE_FIELDS else f" (default: {_fallback(q)})"),
        )
    command.add_argument(
        "--name", default=None, help="the scenario's name (default: the file name)"
    )
    command.add_argument("--force", action="store_true", help="overwrite OUT.yaml if it exists")
    command.add_argument(
        "--check",
        action="store_true",
        help="then run the scenario and show what it produces beside the profile",
    )
    command.add_argument(
        "-n",
        "--replications",
        type=at_least_one,
        default=5,
        metavar="N",
        help="replications for --check (default: 5)",
    )
    command.add_argument(
        "--seed", type=seed, default=0, metavar="S", help="master seed for --check (default: 0)"
    )


def _fallback(q: Question) -> str:
    return FALLBACKS.get(q.field, "baseline's")


def flag_type(q: Question) -> Callable[[str], int | float]:
    """Read a flag's number and check it against the profile's rule for that field."""

    def parse(text: str) -> int | float:
        kind = int if q.integer else float
        try:
            value: int | float = kind(text)
        except ValueError:
            what = "an integer" if q.integer else "a number"
            raise argparse.ArgumentTypeError(f"must be {what} (got {text!r})") from None
        try:
            check_value(q.field, value)
        except ProfileError as exc:
            raise argparse.ArgumentTypeError(exc.rule) from None
        return value

    parse.__name__ = "integer" if q.integer else "number"
    return parse


def init(args: argparse.Namespace) -> int:
    """Write OUT.yaml from the profile given by flags, asking in a terminal for what is left."""
    out: Path = args.out
    if out.exists() and not args.force:
        raise SalessimError(f"{out} exists; add --force to overwrite it")
    values: dict[str, Any] = {q.field: getattr(args, q.field) for q in QUESTIONS}
    profile = make_profile(values)
    missing = missing_core(profile)
    if missing:
        if not sys.stdin.isatty():
            flags = ", ".join(FLAGS[field][0] for field in missing)
            them = "them" if len(missing) > 1 else "it"
            raise SalessimError(
                f"init: missing {flags} (give {them} as flags, or run salessim init in a "
                "terminal to be asked) (see salessim init --help)"
            )
        print(
            "Describe your team in the numbers you know; the needed ones come first, then "
            "press Enter to skip any other and keep baseline's value."
        )
        profile = ask(values)
    name = args.name or out.stem
    team = build(profile, name)
    try:
        write_atomic(out, team.yaml_text())
    except (OutputError, OSError) as exc:
        raise SalessimError(f"{out}: cannot write it ({exc})") from exc
    print(
        f"Wrote {out}: scenario {name}, extending baseline with {len(team.settings)} fields "
        "derived from your profile (each says what it came from). Run it: salessim run "
        f"{out}"
    )
    if args.check:
        result = replicate(team.scenario, args.replications, seed=args.seed)
        print(
            f"Check: {args.replications} replications, seed {args.seed}, over "
            f"{result.window['text']}"
        )
        tables.print_fit(profile_fit(result))
    return EXIT_OK


def ask(values: dict[str, Any], read: Callable[[str], str] | None = None) -> Profile:
    """Ask for each number not given (with ``input`` unless ``read`` is given): the needed ones
    first, each until it is valid; the others may be skipped with Enter (baseline's value)."""
    read = read if read is not None else input
    answers = dict(values)
    # The needed numbers first, then the rest, each in the order of the flags.
    for q in sorted(QUESTIONS, key=lambda q: q.field not in CORE_FIELDS):
        if answers.get(q.field) is not None:
            continue
        needed = q.field in CORE_FIELDS
        hint = "" if needed else f" [Enter: {_fallback(q)}]"
        while True:
            text = read(f"{q.label}{hint}: ").strip()
            if not text and not needed:
                break
            try:
                answers[q.field] = flag_type(q)(text)
            except argparse.ArgumentTypeError as exc:
                print(f"  {exc}", file=sys.stderr)
                continue
            break
    return make_profile(answers)
