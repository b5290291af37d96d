"""Back-test a calibrated scenario: simulate the history's period and compare, quarter by
quarter, what the CRM shows with the replications' 95% band.

Each replication is exported and read back exactly as the actual data was, so both sides count
leads, opportunities, wins, bookings, win rate and cycle days the same way.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from salessim.config import Scenario
from salessim.crm import BACKTEST_LINES, CRMData, export_run, parse_tables, quarterly_actuals
from salessim.crm import tables_of as crm_tables
from salessim.experiments import Progress, replication_seed
from salessim.parallel import execute

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DEFAULT_REPLICATIONS = 20
KINDS = {"bookings": "money", "win_rate": "share", "cycle_days": "days"}
"""How each line's values read (salessim.formatting kinds); the others are counts."""
BAND_LEVEL = 0.95
"""Each band is a 95% prediction interval: where one more run of the scenario — or the history,
if the scenario describes it — falls 95 times in 100. From n replications with mean m and
standard deviation s it is m ± t(0.975, n−1) · s · √(1 + 1/n), which widens with few
replications. (The 2.5th–97.5th percentiles of 20 replications would cover a new run only
about 86 times in 100.)"""


def backtest_chunk(
    scenario_data: dict[str, Any], seed: int, indices: list[int], start: str, quarters: int
) -> list[dict[str, list[float]]]:
    """Quarterly figures of replications `indices`, each counted from its own CRM export."""
    scenario = Scenario.model_validate(scenario_data)
    first = dt.date.fromisoformat(start)
    out = []
    for i in indices:
        texts = export_run(scenario, replication_seed(seed, i), first)
        data = parse_tables(crm_tables(texts), {}, start=first)
        out.append(quarterly_actuals(data, quarters))
    return out


@dataclass
class BacktestLine:
    """One compared figure: actual and simulated per quarter, and over the whole history."""

    key: str
    label: str
    actual: list[float]
    low: list[float]
    median: list[float]
    high: list[float]
    total_actual: float
    total_low: float
    total_high: float

    @property
    def kind(self) -> str:
        return KINDS.get(self.key, "count")

    @property
    def quarters_inside(self) -> int:
        return sum(
            1 for a, lo, hi in zip(self.actual, self.low, self.high, strict=True) if lo <= a <= hi
        )

    @property
    def quarters_compared(self) -> int:
        return sum(1 for a in self.actual if math.isfinite(a))

    @property
    def inside(self) -> bool:
        """The verdict: the history's total (a rate: its pooled value) inside the band."""
        return self.total_low <= self.total_actual <= self.total_high

    @property
    def verdict(self) -> str:
        """The history's total inside or outside its 95% band, and how many quarters were
        inside theirs."""
        word = "inside" if self.inside else "outside"
        return (
            f"total {word} the 95% band; {self.quarters_inside} of {self.quarters_compared} "
            "quarters inside"
        )


@dataclass
class Backtest:
    """Simulated vs actual by quarter for every line of BACKTEST_LINES."""

    start: dt.date
    quarters: int
    replications: int
    seed: int
    lines: list[BacktestLine]

    def title(self) -> str:
        return (
            f"Back-test: {self.quarters} quarter(s) from {self.start.isoformat()}, actual vs "
            f"{self.replications} simulated replications (seed {self.seed})"
        )

    def figure(self) -> Figure:
        """The chart: one panel per line, bands by quarter, the verdict in each title."""
        from salessim.plots import backtest_chart

        return backtest_chart(
            [
                {
                    "label": line.label,
                    "kind": line.kind,
                    "verdict": line.verdict,
                    "actual": line.actual,
                    "low": line.low,
                    "median": line.median,
                    "high": line.high,
                }
                for line in self.lines
            ],
            self.title(),
        )

    def csv(self) -> str:
        """One row per line and quarter (quarter 'all' for the whole history)."""
        rows = ["line,quarter,actual,sim_low,sim_median,sim_high,inside"]
        for line in self.lines:
            for q in range(self.quarters):
                a, lo, hi = line.actual[q], line.low[q], line.high[q]
                rows.append(
                    f"{line.key},{q + 1},{_n(a)},{_n(lo)},{_n(line.median[q])},{_n(hi)},"
                    f"{'yes' if lo <= a <= hi else 'no'}"
                )
            rows.append(
                f"{line.key},all,{_n(line.total_actual)},{_n(line.total_low)},,"
                f"{_n(line.total_high)},{'yes' if line.inside else 'no'}"
            )
        return "\n".join(rows) + "\n"


def backtest(
    scenario: Scenario,
    data: CRMData,
    quarters: int,
    n: int = DEFAULT_REPLICATIONS,
    *,
    seed: int = 0,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> Backtest:
    """Simulate `scenario` `n` times over the history's first `quarters` quarters (its day 0 a
    warm-up quarter before `data.start`) and compare with `data`."""
    scenario_data = scenario.model_dump(mode="json")
    size = max(1, min(5, math.ceil(n / 4)))
    chunks = [list(range(i, min(i + size, n))) for i in range(0, n, size)]
    tasks = [(scenario_data, seed, c, data.start.isoformat(), quarters) for c in chunks]
    sims: list[tuple[int, dict[str, list[float]]]] = []
    done = 0
    for k, result in execute(
        backtest_chunk,
        tasks,
        lambda i: f"back-test of '{scenario.name}', seed {seed}, replications {chunks[i]}",
        workers,
        scheduler,
    ):
        sims.extend(zip(chunks[k], result, strict=True))
        done += len(result)
        if progress is not None:
            progress(done, n)
    sims.sort(key=lambda item: item[0])
    actual = quarterly_actuals(data, quarters)
    lines = [
        _line(key, label, actual, [s for _, s in sims]) for key, label in BACKTEST_LINES.items()
    ]
    return Backtest(data.start, quarters, n, seed, lines)


def _line(
    key: str, label: str, actual: dict[str, list[float]], sims: list[dict[str, list[float]]]
) -> BacktestLine:
    arr = np.array([s[key] for s in sims], dtype=float)
    low, high = _prediction_band(arr)
    totals = np.array([_total(key, s) for s in sims], dtype=float)
    total_low, total_high = _prediction_band(totals)
    return BacktestLine(
        key,
        label,
        list(actual[key]),
        low.tolist(),
        np.nanmedian(arr, axis=0).tolist(),
        high.tolist(),
        _total(key, actual),
        float(total_low),
        float(total_high),
    )


def _prediction_band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 95% prediction interval of one more draw, per column (see BAND_LEVEL)."""
    from scipy import stats

    n = np.sum(~np.isnan(values), axis=0)
    mean = np.nanmean(values, axis=0)
    sd = np.nanstd(values, axis=0, ddof=1) if values.shape[0] > 1 else np.full_like(mean, np.nan)
    t = stats.t.ppf(0.5 + BAND_LEVEL / 2, np.maximum(n - 1, 1))
    half = t * sd * np.sqrt(1.0 + 1.0 / np.maximum(n, 1))
    return mean - half, mean + half


def _total(key: str, figures: dict[str, list[float]]) -> float:
    """The whole history's figure: a sum for counts, the pooled rate for win rate and cycle."""
    if key == "win_rate":
        closed = float(np.sum(figures["closed"]))
        return float(np.sum(figures["wins"])) / closed if closed else math.nan
    if key == "cycle_days":
        wins = np.asarray(figures["wins"])
        cycle = np.nan_to_num(np.asarray(figures["cycle_days"]))
        return float((cycle * wins).sum() / wins.sum()) if wins.sum() else math.nan
    return float(np.nansum(figures[key]))


def _n(x: float) -> str:
    return "" if not math.isfinite(x) else f"{x:.6g}"
