"""Replications of a scenario: independent seeds from one master seed, run in a process pool.

Replication *i* always uses child *i* of the master seed, whatever the number of workers, so
results are identical with 1 or N workers, and two scenarios replicated with the same master
seed share random numbers stream by stream (common random numbers).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import warnings
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import numpy as np

from salessim.config import Scenario
from salessim.errors import SalessimError
from salessim.model import run
from salessim.statistics import Interval, t_interval

Progress = Callable[[int, int], None]


class ReplicationError(SalessimError):
    """A replication raised: names the scenario and the seed so it can be rerun alone."""


def replication_seed(master_seed: int, index: int) -> np.random.SeedSequence:
    """Child `index` of `master_seed` (the same as ``SeedSequence(master).spawn(n)[index]``)."""
    return np.random.SeedSequence(master_seed, spawn_key=(index,))


def run_replication(scenario_data: dict[str, Any], master_seed: int, index: int) -> dict[str, Any]:
    """One replication as a plain dict (metrics, quarterly table, weekly series); picklable."""
    scenario = Scenario.model_validate(scenario_data)
    try:
        result = run(scenario, replication_seed(master_seed, index))
    except Exception as exc:
        raise ReplicationError(
            f"scenario '{scenario.name}', seed {master_seed}, replication {index}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    out = result.to_dict(series=True)
    out["replication"] = index
    return out


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def _pool(workers: int) -> ProcessPoolExecutor:
    # forkserver: workers never inherit a server's sockets or threads (see DEVELOPERS notes).
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method))


def run_many(
    tasks: list[tuple[dict[str, Any], int, int]],
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Run (scenario_data, master_seed, index) tasks; results in task order."""
    workers = default_workers() if workers is None else max(1, workers)
    results: list[dict[str, Any] | None] = [None] * len(tasks)
    done = 0
    if workers == 1 or len(tasks) <= 1:
        for i, task in enumerate(tasks):
            results[i] = run_replication(*task)
            done += 1
            if progress is not None:
                progress(done, len(tasks))
    else:
        with _pool(min(workers, len(tasks))) as pool:
            futures: dict[Future[dict[str, Any]], int] = {
                pool.submit(run_replication, *task): i for i, task in enumerate(tasks)
            }
            pending = set(futures)
            errors: list[BaseException] = []
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    exc = fut.exception()
                    if exc is not None:
                        errors.append(exc)
                    else:
                        results[futures[fut]] = fut.result()
                    done += 1
                    if progress is not None:
                        progress(done, len(tasks))
            if errors:
                distinct = list(dict.fromkeys(str(e) for e in errors))
                raise ReplicationError(
                    f"{len(errors)} of {len(tasks)} replications failed: " + "; ".join(distinct)
                )
    return [r for r in results if r is not None]


@dataclass
class ReplicationSet:
    """The replications of one scenario, and their summaries with 95% intervals."""

    scenario: Scenario
    seed: int
    runs: list[dict[str, Any]]

    @property
    def n(self) -> int:
        return len(self.runs)

    def values(self, metric: str) -> np.ndarray:
        """One metric across replications (NaN where undefined)."""
        return np.array([_nan(r["metrics"].get(metric)) for r in self.runs], dtype=float)

    def metric_names(self) -> list[str]:
        return list(self.runs[0]["metrics"]) if self.runs else []

    def intervals(self) -> dict[str, Interval]:
        """Mean and 95% t-interval over replications for every metric."""
        return {name: t_interval(self.values(name)) for name in self.metric_names()}

    def mean_weekly(self) -> dict[str, list[float]]:
        """Weekly series averaged over replications."""
        keys = list(self.runs[0]["weekly"])
        out: dict[str, list[float]] = {}
        for k in keys:
            arr = np.array([[_nan(x) for x in r["weekly"][k]] for r in self.runs], dtype=float)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN weeks stay NaN
                out[k] = np.nanmean(arr, axis=0).tolist() if arr.size else []
        out["report_start_week"] = [self.scenario.calendar.warmup_days / 5.0]
        return out

    def quarterly(self) -> dict[str, list[float]]:
        """Quarterly bookings and forecast, mean and 95% band over replications."""
        rows = [r["quarterly"] for r in self.runs]
        nq = len(rows[0])
        out: dict[str, list[float]] = {"quarter": [float(q) for q in range(nq)]}
        for key in ("bookings", "forecast", "wins", "opportunities"):
            ivs = [t_interval([_nan(rep[q][key]) for rep in rows]) for q in range(nq)]
            out[key] = [iv.mean for iv in ivs]
            out[f"{key}_low"] = [iv.ci_low for iv in ivs]
            out[f"{key}_high"] = [iv.ci_high for iv in ivs]
        out["reported"] = [float(rows[0][q]["reported"]) for q in range(nq)]
        return out

    def lead_fates(self) -> dict[str, float]:
        """Mean count of leads by fate over the reported window."""
        fates = (
            "filtered",
            "expired",
            "unreached",
            "disqualified",
            "cold",
            "no_opportunity",
            "converted",
        )
        return {f: float(np.nanmean(self.values(f"leads_{f}"))) for f in fates}

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``salessim run --json``."""
        return {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "replications": self.n,
            "metrics": {k: _interval_json(v) for k, v in self.intervals().items()},
            "quarterly": self.quarterly(),
        }


def replicate(
    scenario: Scenario,
    n: int,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
) -> ReplicationSet:
    """Run `n` replications of `scenario` from master `seed`."""
    if n < 1:
        raise ValueError("n must be at least 1")
    data = scenario.model_dump(mode="json")
    runs = run_many([(data, seed, i) for i in range(n)], workers, progress)
    return ReplicationSet(scenario, seed, runs)


def _nan(x: Any) -> float:
    return math.nan if x is None else float(x)


def _interval_json(iv: Interval) -> dict[str, float | None]:
    return {k: (v if math.isfinite(v) else None) for k, v in iv.to_dict().items()}
