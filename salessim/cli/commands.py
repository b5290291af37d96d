"""The handlers of the ``salessim`` subcommands: load, run through the library, print, write.

Each handler takes the parsed arguments and returns an exit code. What they write with ``--out``
comes from :mod:`salessim.outputs` (the same files the app and notebooks write); what they print
comes from :mod:`salessim.cli.tables`.
"""

from __future__ import annotations

import argparse
import difflib
import json
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from salessim import metrics as metric_registry
from salessim import workload
from salessim.cli import tables
from salessim.config import Scenario
from salessim.errors import SalessimError, ScenarioError
from salessim.experiments import Progress as ProgressCallback
from salessim.experiments import ReplicationSet, replicate, sweep_grid
from salessim.experiments import compare as compare_scenarios
from salessim.experiments import sweep as sweep_scenario
from salessim.explain import explain
from salessim.formatting import plural
from salessim.outputs import (
    SWEEP_POINTS_DIR,
    OutputError,
    check_replications_path,
    comparison_data,
    make_dir,
    prepared_dir,
    replications_csv,
    run_data,
    sweep_data,
    sweep_grid_data,
    value_text,
    write_comparison,
    write_replications,
    write_run,
    write_sweep,
    write_sweep_grid,
)
from salessim.scenario_files import bundled_scenarios, load_scenario, scenario_with
from salessim.targets import Target, parse_target

EXIT_OK = 0
EXIT_ERROR = 2
DEFAULT_SWEEP_METRICS = ("bookings", "profit", "wins", "opportunities")
_Swept = TypeVar("_Swept")


def run(args: argparse.Namespace) -> int:
    targets = _targets(args)
    scenario = load_scenario(args.scenario, args.overrides)
    _check_targets(scenario, targets)
    _check_work(args, [(f"scenario {args.scenario}", scenario)])
    out: Path | None = args.out
    with _out_option(), prepared_dir(out):
        with _progress(args, scenario.name, args.replications) as progress:
            result = replicate(
                scenario,
                args.replications,
                seed=args.seed,
                workers=args.workers,
                progress=progress,
                scheduler=args.scheduler,
            )
        written = write_run(result, out, targets) if out is not None else []
    _write_replications(args, [({"scenario": scenario.name}, result)])
    written_crm = _crm_export(args, scenario) if args.crm_export is not None else []
    if args.json:
        _print_json(run_data(result, targets))
    else:
        tables.print_summary(result)
        tables.print_spread([scenario.name], [result])
        tables.print_targets(targets, [scenario.name], [result])
        tables.print_profile_fit(result)
        tables.print_written(written, out)
        tables.print_written(written_crm, args.crm_export)
    return EXIT_OK


def calibrate(args: argparse.Namespace) -> int:
    """Fit a scenario to a CRM export, back-test it, write the file, chart and table."""
    from salessim.backtest import backtest
    from salessim.calibration import calibrate as fit
    from salessim.calibration import load_text
    from salessim.crm import read_export
    from salessim.outputs import write_calibration

    data = read_export(
        args.leads,
        args.opportunities,
        args.stage_history,
        args.mapping,
        args.skip_bad_rows,
        args.reps,
    )
    for line in data.skipped:
        print(f"salessim: skipped {line}", file=sys.stderr)
    if data.skipped:
        print(f"salessim: skipped {plural(len(data.skipped), 'bad row')} in all", file=sys.stderr)
    files = ", ".join(
        str(p)
        for p in (args.leads, args.opportunities, args.stage_history, args.reps)
        if p is not None
    )
    out: Path = args.out
    result = fit(data, load_scenario("baseline"), args.name or out.stem, files, seed=args.seed)
    scenario = load_text(result.text)
    bt = None
    if not args.no_backtest:
        with _progress(args, "back-test", args.replications) as progress:
            bt = backtest(
                scenario,
                data,
                result.quarters,
                args.replications,
                seed=args.seed,
                workers=args.workers,
                progress=progress,
            )
    written = write_calibration(result.text, bt, out)
    tables.print_calibration(result.notes, bt)
    tables.print_written([Path(p).name for p in written], out.parent)
    return EXIT_OK


def _crm_export(args: argparse.Namespace, scenario: Scenario) -> list[str]:
    """Replication 0 of the run again, with records, written as a CRM export."""
    from salessim.crm import export_run, write_export
    from salessim.experiments import replication_seed
    from salessim.workdays import DEFAULT_START

    start = args.start_date or DEFAULT_START
    texts = export_run(scenario, replication_seed(args.seed, 0), start)
    try:
        return write_export(texts, args.crm_export)
    except OutputError as exc:
        raise OutputError(f"--crm-export {exc}") from exc


def compare(args: argparse.Namespace) -> int:
    targets = _targets(args)
    refs = [args.baseline, *args.others]
    scenarios = [load_scenario(ref, args.overrides) for ref in refs]
    for scenario in scenarios:
        _check_targets(scenario, targets)
    _check_work(args, [(f"scenario {ref}", sc) for ref, sc in zip(refs, scenarios, strict=True)])
    out: Path | None = args.out
    with _out_option(), prepared_dir(out):
        label = f"{len(scenarios)} scenarios"
        total = args.replications * len(scenarios)
        with _progress(args, label, total) as progress:
            result = compare_scenarios(
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
        written = write_comparison(result, out, explanations, targets) if out is not None else []
    _write_replications(
        args, [({"scenario": n}, s) for n, s in zip(result.names, result.sets, strict=True)]
    )
    if args.json:
        _print_json(comparison_data(result, explanations, targets))
    else:
        tables.print_comparison(result, explanations)
        tables.print_spread(result.names, result.sets)
        tables.print_targets(targets, result.names, result.sets)
        tables.print_written(written, out)
    return EXIT_OK


def sweep(args: argparse.Namespace) -> int:
    targets = _targets(args)
    scenario = load_scenario(args.scenario, args.overrides)
    _check_targets(scenario, targets)
    path: str = args.param
    values, values2 = _sweep_values(args)
    if values2 is not None:
        return _sweep_grid(args, scenario, values, values2, targets)
    chosen = _sweep_metrics(args, scenario)
    points = _sweep_points(scenario, path, values)
    _check_work(
        args, [(f"--param {path}={value}", p) for value, p in zip(values, points, strict=True)]
    )
    result = _run_sweep(
        args,
        f"{scenario.name}: {path}",
        len(values),
        lambda progress, checkpoint: sweep_scenario(
            scenario,
            path,
            values,
            args.replications,
            seed=args.seed,
            workers=args.workers,
            progress=progress,
            scheduler=args.scheduler,
            checkpoint_dir=checkpoint,
        ),
    )
    _check_result_metrics(result.sets[0], chosen)
    with _out_option():
        written = write_sweep(result, args.out, chosen, targets) if args.out is not None else []
    _report_sweep(
        args,
        [
            ({"value": value_text(v)}, f"{path} = {value_text(v)}", s)
            for v, s in zip(result.values, result.sets, strict=True)
        ],
        targets,
        written,
        json_data=lambda: sweep_data(result, targets),
        print_table=lambda: tables.print_sweep(result, chosen),
    )
    return EXIT_OK


def _sweep_values(args: argparse.Namespace) -> tuple[list[Any], list[Any] | None]:
    """The values of --param and, with --param2, of --param2: one --values each, in order."""
    given: list[list[Any]] = args.values
    if args.param2 is None:
        if len(given) != 1:
            raise SalessimError(
                f"--values given {len(given)} times: give it once, or twice with --param2"
            )
        return given[0], None
    if len(given) != 2:
        raise SalessimError(
            f"--param2 needs --values twice, first for --param and then for --param2 "
            f"(given {len(given)} {'time' if len(given) == 1 else 'times'})"
        )
    if args.param2 == args.param:
        raise SalessimError(f"--param2 {args.param2}: the same field as --param")
    if len(given[1]) < 2:
        raise SalessimError(
            f"--param2 {args.param2}: needs at least two values to compare (got {given[1][0]})"
        )
    return given[0], given[1]


def _sweep_grid(
    args: argparse.Namespace,
    scenario: Scenario,
    values: list[Any],
    values2: list[Any],
    targets: Sequence[Target],
) -> int:
    """``sweep --param2``: the grid of both fields, and the paired differences between the
    values of --param2 at each value of --param."""
    path: str = args.param
    path2: str = args.param2
    chosen = _sweep_metrics(args, scenario)
    columns = _sweep_points(scenario, path2, values2, option="--param2")
    cells = [
        (f"--param {path}={value} --param2 {path2}={value2}", point)
        for value2, column in zip(values2, columns, strict=True)
        for value, point in zip(values, _sweep_points(column, path, values), strict=True)
    ]
    _check_work(args, cells)
    result = _run_sweep(
        args,
        f"{scenario.name}: {path} × {path2}",
        len(cells),
        lambda progress, checkpoint: sweep_grid(
            scenario,
            path,
            values,
            path2,
            values2,
            args.replications,
            seed=args.seed,
            workers=args.workers,
            progress=progress,
            scheduler=args.scheduler,
            checkpoint_dir=checkpoint,
        ),
    )
    _check_result_metrics(result.sweeps[0].sets[0], chosen)
    with _out_option():
        written = (
            write_sweep_grid(result, args.out, chosen, targets) if args.out is not None else []
        )
    _report_sweep(
        args,
        [
            (
                {"value": value_text(v), "value2": value_text(v2)},
                f"{path} = {value_text(v)}, {path2} = {value_text(v2)}",
                s,
            )
            for v2, column in zip(result.values2, result.sweeps, strict=True)
            for v, s in zip(result.values, column.sets, strict=True)
        ],
        targets,
        written,
        json_data=lambda: sweep_grid_data(result, targets),
        print_table=lambda: tables.print_sweep_grid(result, chosen),
    )
    return EXIT_OK


def _sweep_metrics(args: argparse.Namespace, scenario: Scenario) -> list[str]:
    """The metrics a sweep shows (--metric, else the default four), checked against the model."""
    chosen = list(dict.fromkeys(args.metrics or DEFAULT_SWEEP_METRICS))
    _check_metrics(scenario, chosen)
    return chosen


def _run_sweep(
    args: argparse.Namespace,
    label: str,
    points: int,
    run_points: Callable[[ProgressCallback | None, Path | None], _Swept],
) -> _Swept:
    """Run a sweep's points with progress, finished points checkpointed inside --out."""
    checkpoint = _checkpoint_dir(args.out)
    total = args.replications * points
    with _progress(args, label, total) as progress, _checkpoint_errors(args.out):
        return run_points(progress, checkpoint)


def _report_sweep(
    args: argparse.Namespace,
    points: Sequence[tuple[Mapping[str, str], str, ReplicationSet]],
    targets: Sequence[Target],
    written: list[str],
    *,
    json_data: Callable[[], Mapping[str, Any]],
    print_table: Callable[[], None],
) -> None:
    """A sweep's output: per-replication rows, then JSON or the table, targets and files.
    Each point is (its --per-replication keys, its label in the targets table, its runs)."""
    _write_replications(args, [(keys, runs) for keys, _, runs in points])
    if args.json:
        _print_json(json_data())
        return
    print_table()
    tables.print_targets(targets, [label for _, label, _ in points], [p[2] for p in points])
    if args.out is not None:
        written.append(f"finished points kept in {args.out / SWEEP_POINTS_DIR}")
    tables.print_written(written, args.out)


def _sweep_points(
    scenario: Scenario, path: str, values: Sequence[Any], option: str = "--param"
) -> list[Scenario]:
    """Build every point before any run, so a bad path or value fails at once, naming the
    option."""
    points = []
    for value in values:
        try:
            points.append(scenario_with(scenario, {path: value}))
        except ScenarioError as exc:
            raise ScenarioError(option, exc.path, exc.rule, exc.value) from exc
    return points


def _check_work(args: argparse.Namespace, scenarios: Sequence[tuple[str, Scenario]]) -> None:
    """Refuse, before any process starts, work past the limits (--max-work, --max-total-work),
    and a --per-replication file that could not be written."""
    workload.check(scenarios, args.replications, args.max_work, args.max_total_work)
    if args.per_replication is not None:
        try:
            check_replications_path(args.per_replication)
        except OutputError as exc:
            raise OutputError(f"--per-replication {exc}") from exc


def _targets(args: argparse.Namespace) -> list[Target]:
    """Every --target read before anything is loaded or run (a bad one is one line, exit 2)."""
    return [parse_target(text) for text in args.targets]


def _check_targets(scenario: Scenario, targets: Sequence[Target]) -> None:
    """A per-source target must name one of the scenario's lead sources."""
    _check_metrics(scenario, [t.metric for t in targets], option="--target")


def _write_replications(
    args: argparse.Namespace, points: Sequence[tuple[Mapping[str, str], ReplicationSet]]
) -> None:
    """With --per-replication FILE: one row per replication of every point."""
    if args.per_replication is None:
        return
    try:
        write_replications(args.per_replication, replications_csv(points))
    except OutputError as exc:
        raise OutputError(f"--per-replication {exc}") from exc


def _check_metrics(scenario: Scenario, chosen: Sequence[str], option: str = "--metric") -> None:
    """Refuse an unknown ``--metric`` before any work starts (per-source metrics must name
    one of the scenario's lead sources)."""
    sources = {source.name for source in scenario.lead_sources}
    for metric in chosen:
        known = metric_registry.known(metric)
        if known and metric.startswith("source:") and metric.split(":")[1] not in sources:
            known = False
        if not known:
            names = [m.key for m in metric_registry.registry()]
            names += [f"source:{s}:{what}" for s in sources for what in ("leads", "converted")]
            close = difflib.get_close_matches(metric, names, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else "salessim metrics lists them"
            raise SalessimError(f"{option} {metric}: no such metric ({hint})")


def _check_result_metrics(result: ReplicationSet, chosen: Sequence[str]) -> None:
    """Every chosen metric is in the results (the registry and results agree; a test checks)."""
    missing = [m for m in chosen if m not in result.metric_names()]
    if missing:
        raise SalessimError(f"--metric {missing[0]}: not reported by this scenario's runs")


def validate(args: argparse.Namespace) -> int:
    failed = False
    for ref in args.files:
        try:
            scenario = load_scenario(ref, args.overrides)
        except SalessimError as exc:
            print(tables.one_line(str(exc)), file=sys.stderr)
            failed = True
        else:
            print(f"ok  {ref} ({scenario.name})")
    return EXIT_ERROR if failed else EXIT_OK


def scenarios(_args: argparse.Namespace) -> int:
    entries = bundled_scenarios()
    width = max((len(name) for name, _ in entries), default=0)
    for name, description in entries:
        print(f"{name:<{width}}  {description}".rstrip())
    return EXIT_OK


def metrics(args: argparse.Namespace) -> int:
    specs = metric_registry.registry()
    if args.json:
        _print_json({"metrics": [spec.to_dict() for spec in specs]})
    else:
        tables.print_metrics(specs)
    return EXIT_OK


def fields(args: argparse.Namespace) -> int:
    from salessim import fields as field_reference

    rows = field_reference.field_rows(args.path)
    if args.json:
        _print_json({"fields": field_reference.rows_to_json(rows)})
    else:
        width = shutil.get_terminal_size().columns
        sys.stdout.write(field_reference.render_text(rows, width=width))
    return EXIT_OK


def serve(args: argparse.Namespace) -> int:
    # Imported here: the app's modules are needed only by this command.
    from salessim.app.server import serve as serve_app

    return serve_app(
        args.host, args.port, args.workers, trainer_pin=args.trainer_pin, rooms_db=args.rooms_db
    )


def _checkpoint_dir(out: Path | None) -> Path | None:
    """A sweep's checkpoint folder inside ``--out`` (created, and kept even if the sweep fails)."""
    if out is None:
        return None
    with _out_option():
        make_dir(out)
    return out / SWEEP_POINTS_DIR


@contextmanager
def _checkpoint_errors(out: Path | None) -> Iterator[None]:
    """A sweep's checkpoint problems as one line naming --out."""
    try:
        yield
    except json.JSONDecodeError as exc:
        raise OutputError(f"--out {out}: a checkpoint file is corrupt ({exc})") from exc
    except OSError as exc:
        if out is None or exc.filename is None:
            raise
        raise OutputError(f"--out {out}: cannot save checkpoints ({exc.strerror or exc})") from exc


@contextmanager
def _out_option() -> Iterator[None]:
    """Name the option in an output error: ``--out DIR: cannot write (...)``."""
    try:
        yield
    except OutputError as exc:
        raise OutputError(f"--out {exc}") from exc


def _progress(
    args: argparse.Namespace, label: str, total: int
) -> AbstractContextManager[ProgressCallback | None]:
    """Plain lines with --progress (for logs and pipes); else a bar when stderr is a terminal."""
    if getattr(args, "progress", False):
        return tables.progress_lines(total)
    json_out = getattr(args, "json", False)
    return tables.progress_bar(label, enabled=not json_out and sys.stderr.isatty())


def _print_json(data: Mapping[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, allow_nan=False) + "\n")
