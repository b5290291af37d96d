"""What the ``salessim`` command prints: terminal tables, explanations and a progress bar.

Labels, units and formats come from the metric registry (:mod:`salessim.metrics`) and the one
formatter (:mod:`salessim.formatting`); significance from
:attr:`salessim.statistics.Difference.significant`.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from salessim.experiments import Comparison, ReplicationSet, Sweep, SweepGrid
from salessim.experiments import Progress as ProgressCallback
from salessim.explain import Explanation
from salessim.formatting import (
    NOT_AVAILABLE,
    PERCENT_KINDS,
    format_band,
    format_delta,
    format_value,
    plural,
)
from salessim.metrics import MetricSpec, kind, label, spec
from salessim.outputs import has_sdrs, value_text
from salessim.profile import FitRow, profile_fit
from salessim.statistics import Difference

if TYPE_CHECKING:
    from salessim.backtest import Backtest
    from salessim.targets import Target

# The key metrics of the summary and comparison tables, in their order. AE hours are shown
# always; SDR hours only when a scenario has SDRs; a row that is zero everywhere is left out.
SUMMARY_METRICS: tuple[str, ...] = (
    "bookings",
    "gross_profit",
    "profit",
    "wins",
    "win_rate",
    "avg_discount",
    "quota_attainment_share",
    "quota_attainment_p50",
    "opportunities",
    "deals_lost_neglect",
    "leads",
    "leads_worked",
    "leads_expired",
    "lead_response_hours",
    "quarterly_bookings_cv",
    "forecast_mape",
    "hours_share_prospecting",
    "hours_share_qualifying",
    "hours_share_deal_work",
    "hours_share_non_selling",
    "hours_share_idle",
)
SDR_METRICS: tuple[str, ...] = (
    "sdr_hours_share_prospecting",
    "sdr_hours_share_qualifying",
    "sdr_hours_share_deal_work",
    "sdr_hours_share_non_selling",
    "sdr_hours_share_idle",
)
INTERVAL_NOTE = (
    "95% interval of the mean over replications (n/a with one replication: an interval needs "
    "two); intervals of counts and shares are clipped to their possible range"
)


def _table(title: str | None = None) -> Table:
    """A table in the command line's style: no outer edge, a bold header, the title (if any)
    on the left."""
    if title is None:
        return Table(show_edge=False, header_style="bold")
    return Table(title=Text(title), title_justify="left", show_edge=False, header_style="bold")


def _print(console: Console, text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def shown_metrics(sets: Sequence[ReplicationSet]) -> list[str]:
    """The table's rows: the key metrics, SDR hours if any scenario has SDRs, leaving out
    metrics missing from the results and those that are zero in every replication."""
    keys = list(SUMMARY_METRICS)
    if any(has_sdrs(s) for s in sets):
        keys += SDR_METRICS
    shown = []
    for key in keys:
        if not all(key in s.metric_names() for s in sets):
            continue
        values = [v for s in sets for v in s.values(key)]
        if all(v == 0.0 for v in values):
            continue
        shown.append(key)
    return shown


def print_summary(result: ReplicationSet) -> None:
    """The header line and the table of key metrics with their 95% intervals; totals over the
    reporting window also per year."""
    console = Console()
    scenario = result.scenario
    _print(
        console,
        f"Scenario {scenario.name}: {plural(result.n, 'replication')}, seed {result.seed}; "
        f"totals over {result.window['text']}",
    )
    intervals = result.intervals()
    years = result.window["reported_years"]
    table = _table()
    table.add_column("Metric")
    table.add_column("Mean", justify="right")
    table.add_column("95% interval", justify="right")
    table.add_column("Per year", justify="right")
    for key in shown_metrics([result]):
        iv, metric = intervals[key], spec(key)
        per_year = format_value(iv.mean / years, metric.kind) if metric.total else ""
        table.add_row(
            metric.label,
            format_value(iv.mean, metric.kind),
            format_band(iv.ci_low, iv.ci_high, metric.kind),
            per_year,
        )
    console.print(table)
    _print(console, INTERVAL_NOTE)


def print_spread(names: Sequence[str], sets: Sequence[ReplicationSet]) -> None:
    """The key metrics' spread over replications: P50 and, below, P10 – P90 per scenario
    (what one run, a period as it may turn out, produces; not the mean's interval)."""
    console = Console()
    console.print()
    table = _table("Spread over replications")
    table.add_column("Metric")
    single = len(sets) == 1
    for name in ("P10", "P50", "P90") if single else names:
        table.add_column(Text(name), justify="right", no_wrap=True)
    for key in shown_metrics(sets):
        metric = spec(key)
        cells = [Text(metric.label)]
        for s in sets:
            p = {k: format_value(v, metric.kind) for k, v in s.percentiles(key).items()}
            if single:
                cells += [Text(p["p10"]), Text(p["p50"]), Text(p["p90"])]
            else:
                band = f"{p['p10']} – {p['p90']}"
                cells.append(Text.assemble(p["p50"], "\n", (band, "dim")))
        table.add_row(*cells)
    console.print(table)
    what = "P10, P50 (the median run) and P90" if single else "P50 and, below, P10 – P90"
    _print(
        console,
        f"{what} over replications: a run in ten falls below P10, one in ten above P90 (the "
        "spread of what one run produces, not an interval of the mean)",
    )


def print_targets(
    targets: Sequence[Target], names: Sequence[str], sets: Sequence[ReplicationSet]
) -> None:
    """Per target, one table: for each scenario (or swept value) the share of replications
    that reach it and its 95% Wilson interval."""
    if not targets:
        return
    console = Console()
    for target in targets:
        console.print()
        table = _table(f"Chance of reaching {target_text(target)}")
        table.add_column("")
        table.add_column("Chance", justify="right", no_wrap=True)
        table.add_column("95% interval", justify="right", no_wrap=True)
        table.add_column("Runs reaching it", justify="right", no_wrap=True)
        for name, s in zip(names, sets, strict=True):
            hit = target.reached(s)
            iv = target.probability(s)
            table.add_row(
                Text(name),
                Text(format_value(iv.mean, "share")),
                Text(format_band(iv.ci_low, iv.ci_high, "share")),
                Text(f"{int(hit.sum())} of {hit.size}"),
            )
        console.print(table)
    _print(
        console,
        "Chance: the share of replications that reach the target; 95% Wilson score interval "
        "(more replications narrow it)",
    )


def target_text(target: Target) -> str:
    """``Bookings per year ≥ $20.0M``: the metric's label and the value in its unit."""
    name = label(target.metric) + (" per year" if target.per_year else "")
    sign = "≥" if target.at_least else "≤"
    return f"{name} {sign} {format_value(target.value, kind(target.metric))}"


def print_profile_fit(result: ReplicationSet) -> None:
    """When the scenario holds a profile: each number it asked for beside what the runs
    produced, measured the same way, with the 95% interval."""
    rows = profile_fit(result)
    if rows:
        print_fit(rows)


def print_fit(rows: Sequence[FitRow]) -> None:
    """The "Fit to your profile" table: profile, produced mean and its 95% interval."""
    console = Console()
    console.print()
    table = _table("Fit to your profile")
    table.add_column("Number")
    table.add_column("Profile", justify="right", no_wrap=True)
    table.add_column("Produced", justify="right", no_wrap=True)
    table.add_column("95% interval", justify="right", no_wrap=True)
    for row in rows:
        iv = row.produced
        table.add_row(
            Text(row.label),
            Text(format_value(row.asked, row.kind)),
            Text(format_value(iv.mean, row.kind)),
            Text(format_band(iv.ci_low, iv.ci_high, row.kind)),
        )
    console.print(table)
    _print(
        console,
        "Produced: mean over replications, the cycle in calendar days (working days × 365/252), "
        "leads per 21-working-day month",
    )


def print_calibration(notes: Sequence[str], backtest: Backtest | None) -> None:
    """What kept its default, then the back-test: per line the history's actual figure, the
    simulated 95% band, the verdict and the quarters inside their bands."""
    console = Console()
    for note in notes:
        _print(console, f"Default kept: {note}")
    if backtest is None:
        return
    _print(console, backtest.title())
    table = _table()
    table.add_column("Over the history")
    table.add_column("Actual", justify="right")
    table.add_column("Simulated 95% band", justify="right")
    table.add_column("Verdict")
    table.add_column("Quarters inside", justify="right")
    for line in backtest.lines:
        table.add_row(
            line.label,
            format_value(line.total_actual, line.kind),
            format_band(line.total_low, line.total_high, line.kind),
            "inside" if line.inside else "OUTSIDE",
            f"{line.quarters_inside} of {line.quarters_compared}",
        )
    console.print(table)
    _print(
        console,
        "Band: 95% prediction interval of one more run, from the replications' totals (win "
        "rate and cycle pooled over the history); each quarter has its own band in the chart",
    )


def print_written(files: Sequence[str], out: Path | None) -> None:
    """One line naming the files written to ``out``."""
    if out is None or not files:
        return
    listed = files[0] if len(files) == 1 else f"{', '.join(files[:-1])} and {files[-1]}"
    _print(Console(), f"Wrote {listed} to {out}")


def print_comparison(result: Comparison, explanations: Sequence[Explanation] = ()) -> None:
    """Each key metric per scenario and the paired difference from the first scenario; then, if
    given, why bookings differ: a paragraph and a table of steps per explanation."""
    console = Console()
    base = result.names[0]
    windows = "; ".join(dict.fromkeys(s.window["text"] for s in result.sets))
    _print(
        console,
        f"Compared {len(result.names)} scenarios against {base}: "
        f"{plural(result.n, 'replication')} each, seed {result.seed}, common random numbers; "
        f"totals over {windows}",
    )
    intervals = [s.intervals() for s in result.sets]
    rows = shown_metrics(result.sets)
    for name, ivs, diffs in zip(result.names[1:], intervals[1:], result.differences(), strict=True):
        # One table per scenario against the baseline: stays readable in 80 columns.
        table = _table(f"{name} vs {base}")
        table.add_column("Metric")  # the only column that wraps in a narrow terminal
        table.add_column(Text(base), justify="right", no_wrap=True)
        table.add_column(Text(name), justify="right", no_wrap=True)
        table.add_column("Difference", justify="right", no_wrap=True)
        table.add_column("95% interval", justify="right", no_wrap=True)
        table.add_column("", min_width=1, no_wrap=True)
        for key in rows:
            metric = spec(key)
            table.add_row(
                Text(metric.label),
                Text(format_value(intervals[0][key].mean, metric.kind)),
                Text(format_value(ivs[key].mean, metric.kind)),
                *difference_cells(diffs[key], metric.kind),
            )
        console.print(table)
    note = "Difference: paired (same seeds), scenario − baseline; * its 95% interval excludes 0"
    if result.n < 2:
        note += f" ({NOT_AVAILABLE} with one replication: an interval needs two)"
    _print(console, note)
    for explanation in explanations:
        print_explanation(console, explanation)


def print_explanation(console: Console, explanation: Explanation) -> None:
    """Why bookings differ: the paragraph, then the steps that add up to the difference."""
    console.print()
    console.print(
        Text(f"Why bookings differ: {explanation.name} vs {explanation.vs}", style="bold")
    )
    console.print(explanation.paragraph(), markup=False, highlight=False)
    table = _table()
    table.add_column("Bookings")
    table.add_column("Amount", justify="right", no_wrap=True)
    table.add_column("95% interval", justify="right", no_wrap=True)
    table.add_column("", min_width=1, no_wrap=True)
    blank = (Text(""), Text(""))
    table.add_row(
        Text(explanation.vs), Text(format_value(explanation.bookings_vs.mean, "money")), *blank
    )
    for step in explanation.steps:
        table.add_row(Text(step.label), *difference_cells(step.difference, "money"))
        for part in step.parts:
            table.add_row(Text(f"  {part.label}"), *difference_cells(part.difference, "money"))
    table.add_row(
        Text(explanation.name), Text(format_value(explanation.bookings.mean, "money")), *blank
    )
    console.print(table)


def difference_cells(diff: Difference, metric_kind: str) -> tuple[Text, Text, Text]:
    """The mean difference, its 95% interval (n/a with one replication), and * if the interval
    excludes zero."""
    style = "bold" if diff.significant else ""
    band = NOT_AVAILABLE
    if diff.defined:
        low, high = format_delta(diff.ci_low, metric_kind), format_delta(diff.ci_high, metric_kind)
        if metric_kind in PERCENT_KINDS:  # the unit once: "-0.6 to +1.0 pp"
            low = low.removesuffix(" pp")
        band = f"{low} to {high}"
    mark = "*" if diff.significant else ""
    return (
        Text(format_delta(diff.mean, metric_kind), style=style),
        Text(band),
        Text(mark, style=style),
    )


def print_sweep(result: Sweep, chosen: Sequence[str]) -> None:
    """One row per swept value: each chosen metric's mean over its 95% interval."""
    console = Console()
    _print(
        console,
        f"Sweep of {result.path} over {len(result.values)} values: "
        f"{plural(result.n, 'replication')} each, seed {result.seed}, common random numbers; "
        f"totals over {result.sets[0].window['text']}",
    )
    table = _table()
    heading = result.path.rsplit(".", 1)[-1]
    table.add_column(Text(heading), justify="right", no_wrap=True, min_width=len(heading))
    for metric in chosen:
        table.add_column(Text(label(metric)), justify="right")
    curves = [result.curve(m) for m in chosen]
    for k, value in enumerate(result.values):
        marker = " (scenario)" if _is_base(value, result.base_value) else ""
        cells = [Text(value_text(value) + marker)]
        for curve, metric in zip(curves, chosen, strict=True):
            metric_kind = kind(metric)
            band = format_band(curve["ci_low"][k], curve["ci_high"][k], metric_kind)
            mean = format_value(curve["mean"][k], metric_kind)
            p = result.sets[k].percentiles(metric)
            spread = format_band(p["p10"], p["p90"], metric_kind)
            cells.append(Text.assemble(mean, "\n", (band, "dim"), "\n", (spread, "italic dim")))
        table.add_row(*cells)
    console.print(table)
    _print(
        console,
        "Each cell: mean, its 95% interval below, then P10 – P90 over replications (a run in "
        "ten falls below P10, one in ten above P90). " + INTERVAL_NOTE,
    )
    if len(result.values) > 2 and all(_is_number(v) for v in result.values):
        for metric in chosen:
            _print(console, _tipping_point_line(result, metric))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _tipping_point_line(result: Sweep, metric: str) -> str:
    """Whether `metric` peaks inside the range, judged by paired differences only."""
    peak = result.tipping_point(metric)
    if peak is None:
        return (
            f"{label(metric)}: no peak is distinguishable (no value is significantly above both "
            "ends of the range in paired differences)"
        )
    mean = format_value(result.curve(metric)["mean"][peak], kind(metric))
    return (
        f"{label(metric)}: tipping point at {value_text(result.values[peak])} ({mean}; its "
        "paired differences from both ends of the range exclude 0)"
    )


def _is_base(value: object, base: object) -> bool:
    if base is None or isinstance(value, bool) != isinstance(base, bool):
        return False
    if isinstance(value, int | float) and isinstance(base, int | float):
        return math.isclose(float(value), float(base))
    return value == base


def print_metrics(specs: Sequence[MetricSpec]) -> None:
    """The metric registry, one metric per line and its meaning below: plain text that stays
    whole in any terminal width and greps well."""
    better = {True: "; higher is better", False: "; lower is better", None: ""}
    width = max(len(metric.key) for metric in specs)
    lines = []
    for metric in specs:
        unit = metric.unit + (", total over the window" if metric.total else "")
        lines.append(
            f"{metric.key:<{width}}  {metric.label} ({unit}{better[metric.higher_is_better]})"
        )
        lines.append(f"{'':<{width}}  {metric.meaning}")
    lines.append(
        "Totals cover the reporting window (the days after warm-up). Per-source metrics "
        "source:NAME:leads and source:NAME:converted follow the scenario's lead sources."
    )
    sys.stdout.write("\n".join(lines) + "\n")


@contextmanager
def progress_bar(label: str, enabled: bool) -> Iterator[ProgressCallback | None]:
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


@contextmanager
def progress_lines(total: int, every: float = 2.0) -> Iterator[ProgressCallback]:
    """Plain lines on stderr every ``every`` seconds and once at the end, where a bar cannot
    redraw (a log, a pipe): ``salessim: 12/40 replications, 8 s``."""
    start = time.monotonic()
    state = {"done": 0, "total": total}
    stop = threading.Event()

    def line() -> None:
        elapsed = time.monotonic() - start
        print(
            f"salessim: {state['done']}/{state['total']} replications, {elapsed:.0f} s",
            file=sys.stderr,
            flush=True,
        )

    def tick() -> None:
        while not stop.wait(every):
            line()

    def update(done: int, total: int) -> None:
        state.update(done=done, total=total)

    line()  # at once: a long run shows it has started before its first replication ends
    ticker = threading.Thread(target=tick, name="salessim-progress", daemon=True)
    ticker.start()
    try:
        yield update
    finally:
        stop.set()
        ticker.join()
    line()


def one_line(text: str) -> str:
    return " ".join(text.split())


def print_sweep_grid(result: SweepGrid, chosen: Sequence[str]) -> None:
    """Per value of the second field after the first, one table: a row per value of the first
    field, each chosen metric's paired difference from the first value, its interval and *."""
    console = Console()
    first = value_text(result.values2[0])
    _print(
        console,
        f"Sweep of {result.path} × {result.path2} over {len(result.values)} × "
        f"{len(result.values2)} values: {plural(result.n, 'replication')} each, seed "
        f"{result.seed}, common random numbers; totals over "
        f"{result.sweeps[0].sets[0].window['text']}",
    )
    tables = {m: result.differences(m) for m in chosen}
    heading = result.path.rsplit(".", 1)[-1]
    for k, value2 in enumerate(result.values2[1:]):
        table = _table(f"{result.path2} {value_text(value2)} vs {first}")
        table.add_column(Text(heading), justify="right", no_wrap=True, min_width=len(heading))
        for metric in chosen:
            table.add_column(Text(label(metric)), justify="right")
        for i, value in enumerate(result.values):
            marker = " (scenario)" if _is_base(value, result.base_value) else ""
            cells = [Text(value_text(value) + marker)]
            for metric in chosen:
                mean, band, mark = difference_cells(tables[metric][i][k], kind(metric))
                cells.append(Text.assemble(mean, " ", mark, "\n", (band.plain, "dim")))
            table.add_row(*cells)
        console.print(table)
    note = (
        f"Each cell: the paired difference (same seeds) from {result.path2} {first}, and its 95% "
        "interval below; * the interval excludes 0"
    )
    if result.n < 2:
        note += f" ({NOT_AVAILABLE} with one replication: an interval needs two)"
    _print(console, note)
