"""Replications of a scenario: independent seeds from one master seed, run in a process pool.

Replication *i* always uses child *i* of the master seed, whatever the number of workers, so
results are identical with 1 or N workers, and two scenarios replicated with the same master
seed share random numbers stream by stream (common random numbers).
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from salessim.config import DAYS_PER_WEEK, DAYS_PER_YEAR, Scenario
from salessim.entities import LEAD_FATES
from salessim.errors import SalessimError
from salessim.formatting import window_phrase
from salessim.metrics import known, spec
from salessim.model import run
from salessim.outputs import write_atomic
from salessim.parallel import default_workers, execute
from salessim.scenario_files import scenario_with
from salessim.statistics import Difference, Interval, paired_difference, t_interval
from salessim.targets import Target
from salessim.workload import estimate

PERCENTILES = (10, 50, 90)

Progress = Callable[[int, int], None]


class ReplicationError(SalessimError):
    """A replication raised: names the scenario and the seed so it can be rerun alone."""


def replication_seed(master_seed: int, index: int) -> np.random.SeedSequence:
    """Child `index` of `master_seed` (the same as ``SeedSequence(master).spawn(n)[index]``)."""
    return np.random.SeedSequence(master_seed, spawn_key=(index,))


def run_replication(
    scenario_data: dict[str, Any], master_seed: int, index: int, *, series: bool = True
) -> dict[str, Any]:
    """One replication as a plain dict (metrics, quarterly table, weekly series); picklable.

    Replication `index` of `master_seed` identifies the run, so both are positional.
    """
    scenario = Scenario.model_validate(scenario_data)
    try:
        result = run(scenario, replication_seed(master_seed, index))
    except Exception as exc:
        raise ReplicationError(
            f"scenario '{scenario.name}', seed {master_seed}, replication {index}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    out = result.to_dict(series=series)
    out["replication"] = index
    return out


def run_chunk(
    scenario_data: dict[str, Any], master_seed: int, indices: list[int], series: bool = True
) -> list[dict[str, Any]]:
    """Several replications in one task: short runs amortise the cost of shipping a task.

    A task function: pools and Dask call it with its arguments as one positional tuple.
    """
    return [run_replication(scenario_data, master_seed, i, series=series) for i in indices]


def _chunks(n: int, size: int) -> list[list[int]]:
    """Replications 0..n-1 in as few chunks of at most `size` as will do, their sizes one apart
    at most: no short chunk left over for the end."""
    count = math.ceil(n / size)
    bounds = [n * j // count for j in range(count + 1)]
    return [list(range(bounds[j], bounds[j + 1])) for j in range(count)]


def _chunk_size(total: int, workers: int | None, scheduler: str | None) -> int:
    """Several tasks per worker for load balance, yet few enough that each is worth sending."""
    w = 8 if scheduler else (default_workers() if workers is None else max(1, workers))
    return max(1, min(10, math.ceil(total / (w * 4))))


def run_scenarios(
    scenarios: list[Scenario],
    n: int,
    *,
    seed: int,
    workers: int | None = None,
    progress: Progress | None = None,
    scheduler: str | None = None,
    series: bool = True,
    on_done: Callable[[int, list[dict[str, Any]]], None] | None = None,
) -> list[list[dict[str, Any]]]:
    """Replications 0..n-1 of each scenario, all with the same master seed (CRN).

    Results come back in replication order whatever the backend; `on_done(k, runs)` is called
    as soon as every replication of scenario k has finished (sweeps checkpoint there).
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    size = _chunk_size(n * len(scenarios), workers, scheduler)
    planned: list[tuple[float, int, tuple[Any, ...]]] = []
    for k, sc in enumerate(scenarios):
        data = sc.model_dump(mode="json")
        work = estimate(sc)
        planned.extend(
            (work * len(chunk), k, (data, seed, chunk, series)) for chunk in _chunks(n, size)
        )
    # The longest tasks first, so that the last ones, when some workers have nothing left to
    # take, are short (results do not depend on the order: each replication has its own seed).
    planned.sort(key=lambda entry: -entry[0])
    tasks = [task for _, _, task in planned]
    owner = [k for _, k, _ in planned]

    def label(i: int) -> str:
        chunk = tasks[i][2]
        return (
            f"scenario '{scenarios[owner[i]].name}', seed {seed}, "
            f"replications {chunk[0]}-{chunk[-1]}"
        )

    runs: list[list[dict[str, Any]]] = [[] for _ in scenarios]
    left = [sum(1 for o in owner if o == k) for k in range(len(scenarios))]
    done = 0
    total = n * len(scenarios)
    for i, result in execute(run_chunk, tasks, label, workers, scheduler):
        k = owner[i]
        runs[k].extend(result)
        left[k] -= 1
        done += len(result)
        if progress is not None:
            progress(done, total)
        if left[k] == 0:
            runs[k].sort(key=lambda r: int(r["replication"]))
            if on_done is not None:
                on_done(k, runs[k])
    return runs


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
        """One metric across replications (NaN where undefined: numpy reads None as NaN)."""
        return np.array([r["metrics"].get(metric) for r in self.runs], dtype=float)

    def metric_names(self) -> list[str]:
        return list(self.runs[0]["metrics"]) if self.runs else []

    def intervals(self) -> dict[str, Interval]:
        """Mean and 95% t-interval over replications for every metric, each interval clipped
        to its metric's possible range (a count's never below zero, a share's never above 1)."""
        return {name: _clipped(name, t_interval(self.values(name))) for name in self.metric_names()}

    @property
    def window(self) -> dict[str, Any]:
        """The reporting window every total covers: first and last day, days, years, in words."""
        calendar = self.scenario.calendar
        return {
            "first_day": calendar.warmup_days,
            "last_day": calendar.horizon_days,
            "reported_days": calendar.reported_days,
            "reported_years": calendar.reported_days / DAYS_PER_YEAR,
            "text": window_phrase(calendar.warmup_days, calendar.horizon_days),
        }

    @property
    def change_days(self) -> list[int]:
        """The working days on which the scenario's plan changed (its ``changes:``)."""
        horizon = self.scenario.calendar.horizon_days
        return [c.at_day for c in self.scenario.changes if c.at_day < horizon]

    def metrics_json(self) -> dict[str, dict[str, float | None]]:
        """Every metric's interval for JSON (null where undefined); totals over the reporting
        window also carry their mean per reported year."""
        years = self.scenario.calendar.reported_days / DAYS_PER_YEAR
        out = {}
        for name, iv in self.intervals().items():
            entry = _interval_json(iv)
            if known(name) and spec(name).total:
                entry["per_year"] = _interval_json(Interval(iv.mean / years, 0.0, 0.0))["mean"]
            out[name] = entry
        return out

    def percentiles(self, metric: str) -> dict[str, float]:
        """P10, P50 and P90 of one metric over replications: the spread of what a single run
        (a year as it may turn out) produces, not the uncertainty of the mean (NaN if undefined)."""
        values = self.values(metric)
        values = values[np.isfinite(values)]
        if not values.size:
            return {f"p{p}": math.nan for p in PERCENTILES}
        return {f"p{p}": float(np.percentile(values, p)) for p in PERCENTILES}

    def percentiles_json(self) -> dict[str, dict[str, float | None]]:
        """Every metric's P10, P50 and P90 over replications for JSON (null where undefined)."""
        return {
            name: {k: (v if math.isfinite(v) else None) for k, v in self.percentiles(name).items()}
            for name in self.metric_names()
        }

    def targets_json(self, targets: Sequence[Target]) -> list[dict[str, Any]]:
        """Each target's chance of being reached, with its Wilson 95% interval."""
        return [target.to_dict(self) for target in targets]

    def mean_weekly(self) -> dict[str, list[float]]:
        """Weekly series averaged over replications."""
        keys = list(self.runs[0]["weekly"])
        out: dict[str, list[float]] = {}
        for k in keys:
            arr = np.array([r["weekly"][k] for r in self.runs], dtype=float)  # None → NaN
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN weeks stay NaN
                out[k] = np.nanmean(arr, axis=0).tolist() if arr.size else []
        out["report_start_week"] = [self.scenario.calendar.warmup_days / DAYS_PER_WEEK]
        return out

    def quarterly(self) -> dict[str, list[float]]:
        """Quarterly bookings, profit and forecast: mean and 95% band over replications."""
        rows = [r["quarterly"] for r in self.runs]
        nq = len(rows[0])
        out: dict[str, list[float]] = {"quarter": [float(q) for q in range(nq)]}
        for key in ("bookings", "profit", "forecast", "wins", "opportunities"):
            ivs = [t_interval([_nan(rep[q][key]) for rep in rows]) for q in range(nq)]
            out[key] = [iv.mean for iv in ivs]
            out[f"{key}_low"] = [iv.ci_low for iv in ivs]
            out[f"{key}_high"] = [iv.ci_high for iv in ivs]
        out["reported"] = [float(rows[0][q]["reported"]) for q in range(nq)]
        return out

    def lead_fates(self) -> dict[str, float]:
        """Mean count of leads by fate over the reported window."""
        return {f: float(np.nanmean(self.values(f"leads_{f}"))) for f in LEAD_FATES}

    def to_dict(self, targets: Sequence[Target] = ()) -> dict[str, Any]:
        """The JSON object of ``salessim run --json``: with `targets`, their chances too."""
        out = {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "replications": self.n,
            "window": self.window,
            "metrics": self.metrics_json(),
            "percentiles": self.percentiles_json(),
            "quarterly": self.quarterly(),
        }
        if targets:
            out["targets"] = self.targets_json(targets)
        return out


def replicate(
    scenario: Scenario,
    n: int,
    *,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    scheduler: str | None = None,
) -> ReplicationSet:
    """Run `n` replications of `scenario` from master `seed`."""
    (runs,) = run_scenarios(
        [scenario], n, seed=seed, workers=workers, progress=progress, scheduler=scheduler
    )
    return ReplicationSet(scenario, seed, runs)


def unique_names(scenarios: Sequence[Scenario]) -> list[str]:
    """Scenario names, made unique ('baseline', 'baseline (2)') for tables and JSON."""
    seen: dict[str, int] = {}
    out = []
    for sc in scenarios:
        seen[sc.name] = seen.get(sc.name, 0) + 1
        out.append(sc.name if seen[sc.name] == 1 else f"{sc.name} ({seen[sc.name]})")
    return out


@dataclass
class Comparison:
    """Scenarios replicated with the same seeds, and paired differences against the first."""

    names: list[str]
    sets: list[ReplicationSet]
    seed: int

    @property
    def n(self) -> int:
        return self.sets[0].n

    def differences(self) -> list[dict[str, Difference]]:
        """For each scenario after the first: metric → paired difference (it − first)."""
        base = self.sets[0]
        out = []
        for other in self.sets[1:]:
            out.append(
                {m: paired_difference(base.values(m), other.values(m)) for m in base.metric_names()}
            )
        return out

    def to_dict(self, targets: Sequence[Target] = ()) -> dict[str, Any]:
        """The JSON object of ``salessim compare --json``: with `targets`, each scenario's
        chance of reaching them."""
        return {
            "seed": self.seed,
            "replications": self.n,
            "scenarios": [
                {
                    "name": name,
                    "window": s.window,
                    "metrics": s.metrics_json(),
                    "percentiles": s.percentiles_json(),
                    **({"targets": s.targets_json(targets)} if targets else {}),
                }
                for name, s in zip(self.names, self.sets, strict=True)
            ],
            "differences": [
                {
                    "name": name,
                    "vs": self.names[0],
                    "metrics": {k: _difference_json(v) for k, v in diff.items()},
                }
                for name, diff in zip(self.names[1:], self.differences(), strict=True)
            ],
        }


def compare(
    scenarios: Sequence[Scenario],
    n: int,
    *,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    scheduler: str | None = None,
) -> Comparison:
    """Replicate each scenario with the same seeds; differences are paired (CRN)."""
    if len(scenarios) < 2:
        raise ValueError("compare needs at least two scenarios")
    runs = run_scenarios(
        list(scenarios), n, seed=seed, workers=workers, progress=progress, scheduler=scheduler
    )
    sets = [ReplicationSet(sc, seed, r) for sc, r in zip(scenarios, runs, strict=True)]
    return Comparison(unique_names(scenarios), sets, seed)


@dataclass
class Sweep:
    """One parameter varied over values; each point replicated with the same seeds."""

    path: str
    values: list[Any]
    sets: list[ReplicationSet]
    seed: int
    base_value: Any = None
    """The field's value in the scenario the sweep started from (None if it has none)."""

    @property
    def n(self) -> int:
        return self.sets[0].n

    def curve(self, metric: str) -> dict[str, list[float]]:
        """Mean and 95% interval of `metric` at each value."""
        ivs = [s.intervals()[metric] for s in self.sets]
        return {
            "mean": [iv.mean for iv in ivs],
            "ci_low": [iv.ci_low for iv in ivs],
            "ci_high": [iv.ci_high for iv in ivs],
        }

    def tipping_point(self, metric: str) -> int | None:
        """Index of the inner value with the highest mean of `metric` when its paired
        differences (common random numbers) from both ends of the range exclude zero: a peak
        past which more of the field gives less. None otherwise, including when the highest
        mean is within the noise: means alone never make a peak."""
        means = self.curve(metric)["mean"]
        finite = [(m, k) for k, m in enumerate(means) if math.isfinite(m)]
        if not finite:
            return None
        best = max(finite)[1]
        if not 0 < best < len(means) - 1:
            return None
        peak = self.sets[best].values(metric)
        for end in (self.sets[0], self.sets[-1]):
            drop = paired_difference(peak, end.values(metric))
            if not (drop.significant and drop.mean < 0):
                return None
        return best

    def tipping_points(self) -> dict[str, Any]:
        """Every metric that has a tipping point (see :meth:`tipping_point`), with the value
        of the field where it lies."""
        found = {m: self.tipping_point(m) for m in self.sets[0].intervals()}
        return {m: self.values[k] for m, k in found.items() if k is not None}

    def to_dict(self, targets: Sequence[Target] = ()) -> dict[str, Any]:
        """The JSON object of ``salessim sweep --json``: with `targets`, each value's chance
        of reaching them; ``tipping_points`` names the metrics that peak inside the range
        (paired differences from both ends exclude zero) and the value where they do."""
        return {
            "seed": self.seed,
            "replications": self.n,
            "path": self.path,
            "scenario_value": self.base_value,
            "values": self.values,
            "tipping_points": self.tipping_points(),
            "points": [
                {
                    "value": v,
                    "window": s.window,
                    "metrics": s.metrics_json(),
                    "percentiles": s.percentiles_json(),
                    **({"targets": s.targets_json(targets)} if targets else {}),
                }
                for v, s in zip(self.values, self.sets, strict=True)
            ],
        }


class CheckpointError(SalessimError):
    """A sweep's output folder holds results of a different scenario, seed or size."""


def _read_manifest(path: Path) -> dict[str, Any]:
    """A sweep checkpoint file (manifest or finished point) as a mapping, or CheckpointError."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CheckpointError(
            f"{path}: not a salessim sweep checkpoint ({type(exc).__name__}); use another --out "
            "folder or delete it"
        ) from None
    if not isinstance(data, dict):
        raise CheckpointError(
            f"{path}: not a salessim sweep checkpoint (a JSON {type(data).__name__}, expected an "
            "object); use another --out folder or delete it"
        )
    return data


def _fingerprint(obj: Any) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def sweep(
    scenario: Scenario,
    path: str,
    values: Sequence[Any],
    n: int,
    *,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    scheduler: str | None = None,
    checkpoint_dir: Path | None = None,
) -> Sweep:
    """Vary `path` over `values`, replicating each point with the same seeds.

    With `checkpoint_dir`, each finished point is saved there at once (atomically); a rerun
    loads finished points and computes only the rest. A folder holding a sweep of another
    scenario, parameter, seed or replication count is refused rather than mixed.
    """
    values = list(values)
    if not values:
        raise ValueError("sweep needs at least one value")
    points = [scenario_with(scenario, {path: v}) for v in values]
    done: dict[int, list[dict[str, Any]]] = {}
    point_files: list[Path] = []
    if checkpoint_dir is not None:
        checkpoint_dir.mkdir(parents=True, exist_ok=True)
        key = {
            "scenario": scenario.model_dump(mode="json"),
            "path": path,
            "seed": seed,
            "replications": n,
        }
        fp = _fingerprint(key)
        manifest = checkpoint_dir / "sweep_manifest.json"
        if manifest.exists():
            old = _read_manifest(manifest)
            if old.get("fingerprint") != fp:
                raise CheckpointError(
                    f"{checkpoint_dir}: holds a sweep of a different scenario, parameter, seed "
                    f"or replication count (was {old.get('path')!r}, seed {old.get('seed')}, "
                    f"n={old.get('replications')}); use another --out folder or delete it"
                )
        else:
            write_atomic(
                manifest,
                json.dumps(
                    {"fingerprint": fp, "path": path, "seed": seed, "replications": n}, indent=1
                ),
            )
        for k, v in enumerate(values):
            f = checkpoint_dir / f"point-{_fingerprint(v)}.json"
            point_files.append(f)
            if f.exists():
                saved = _read_manifest(f)
                runs = saved.get("runs")
                if saved.get("fingerprint") == fp and isinstance(runs, list) and len(runs) == n:
                    done[k] = runs
    todo = [k for k in range(len(values)) if k not in done]

    def save(j: int, runs: list[dict[str, Any]]) -> None:
        k = todo[j]
        done[k] = runs
        if checkpoint_dir is not None:
            payload = {"fingerprint": fp, "value": values[k], "runs": runs}
            write_atomic(point_files[k], json.dumps(payload))

    if todo:
        offset = (len(values) - len(todo)) * n
        total = len(values) * n

        def shifted(d: int, _t: int) -> None:
            if progress is not None:
                progress(offset + d, total)

        run_scenarios(
            [points[k] for k in todo],
            n,
            seed=seed,
            workers=workers,
            progress=shifted,
            scheduler=scheduler,
            series=False,
            on_done=save,
        )
    elif progress is not None:
        progress(len(values) * n, len(values) * n)
    sets = [ReplicationSet(points[k], seed, done[k]) for k in range(len(values))]
    return Sweep(path, values, sets, seed, value_at(scenario, path))


@dataclass
class SweepGrid:
    """Two parameters varied together: one :class:`Sweep` of `path` per value of `path2`, every
    point replicated with the same seeds, so each cell pairs with the first `path2` value's."""

    path: str
    values: list[Any]
    path2: str
    values2: list[Any]
    sweeps: list[Sweep]
    """One sweep of `path` per value of `path2`, in the order of `values2`."""
    seed: int
    base_value2: Any = None
    """The `path2` field's value in the scenario the grid started from (None if it has none)."""

    @property
    def n(self) -> int:
        return self.sweeps[0].n

    @property
    def base_value(self) -> Any:
        """The `path` field's value in the scenario the grid started from."""
        return self.sweeps[0].base_value

    def differences(self, metric: str) -> list[list[Difference]]:
        """Rows by value of `path`; per value of `path2` after the first, the paired
        difference of `metric` (it − first), replication by replication."""
        first = self.sweeps[0]
        return [
            [
                paired_difference(first.sets[i].values(metric), other.sets[i].values(metric))
                for other in self.sweeps[1:]
            ]
            for i in range(len(self.values))
        ]

    def to_dict(self, targets: Sequence[Target] = ()) -> dict[str, Any]:
        """The JSON object of ``salessim sweep --param2 --json``: with `targets`, each cell's
        chance of reaching them."""
        metrics = self.sweeps[0].sets[0].metric_names()
        table = {m: self.differences(m) for m in metrics}
        return {
            "seed": self.seed,
            "replications": self.n,
            "path": self.path,
            "values": self.values,
            "scenario_value": self.base_value,
            "path2": self.path2,
            "values2": self.values2,
            "scenario_value2": self.base_value2,
            "points": [
                {
                    "value": v,
                    "value2": v2,
                    "window": s.window,
                    "metrics": s.metrics_json(),
                    "percentiles": s.percentiles_json(),
                    **({"targets": s.targets_json(targets)} if targets else {}),
                }
                for v2, column in zip(self.values2, self.sweeps, strict=True)
                for v, s in zip(self.values, column.sets, strict=True)
            ],
            "differences": [
                {
                    "value": v,
                    "value2": v2,
                    "vs": self.values2[0],
                    "metrics": {m: _difference_json(table[m][i][k]) for m in metrics},
                }
                for k, v2 in enumerate(self.values2[1:])
                for i, v in enumerate(self.values)
            ],
        }


def sweep_grid(
    scenario: Scenario,
    path: str,
    values: Sequence[Any],
    path2: str,
    values2: Sequence[Any],
    n: int,
    *,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    scheduler: str | None = None,
    checkpoint_dir: Path | None = None,
) -> SweepGrid:
    """Vary `path` over `values` at each value of `path2`, every point with the same seeds.

    Each value of `path2` is one :func:`sweep` of `path` (its own checkpoint folder inside
    `checkpoint_dir`, so a rerun resumes point by point); the differences pair every cell with
    the cell of the first `path2` value in the same row, replication by replication.
    """
    values, values2 = list(values), list(values2)
    if path == path2:
        raise SalessimError(f"{path}: the two swept parameters must differ")
    if len(values2) < 2:
        raise SalessimError(f"{path2}: a grid needs at least two values to compare (got {values2})")
    columns = [scenario_with(scenario, {path2: v}) for v in values2]
    for column in columns:  # every cell checked before the first runs
        for v in values:
            scenario_with(column, {path: v})
    per_column = len(values) * n
    sweeps = []
    for k, (v2, column) in enumerate(zip(values2, columns, strict=True)):

        def shifted(done: int, _total: int, offset: int = k * per_column) -> None:
            if progress is not None:
                progress(offset + done, per_column * len(values2))

        folder = None
        if checkpoint_dir is not None:
            folder = checkpoint_dir / f"column-{_fingerprint(v2)}"
        sweeps.append(
            sweep(
                column,
                path,
                values,
                n,
                seed=seed,
                workers=workers,
                progress=shifted,
                scheduler=scheduler,
                checkpoint_dir=folder,
            )
        )
    return SweepGrid(path, values, path2, values2, sweeps, seed, value_at(scenario, path2))


def value_at(scenario: Scenario, path: str) -> Any:
    """The value of a dotted field path in ``scenario`` (list items by name or index, as in
    ``--set``), or None where the path leads nowhere."""
    node: Any = scenario.model_dump(mode="json")
    for segment in path.split("."):
        if isinstance(node, dict):
            node = node.get(segment)
        elif isinstance(node, list):
            named = [
                item for item in node if isinstance(item, dict) and item.get("name") == segment
            ]
            if named:
                node = named[0]
            elif segment.isdigit() and int(segment) < len(node):
                node = node[int(segment)]
            else:
                return None
        else:
            return None
    return node


def _nan(x: Any) -> float:
    return math.nan if x is None else float(x)


def _interval_json(iv: Interval) -> dict[str, float | None]:
    return {k: (v if math.isfinite(v) else None) for k, v in iv.to_dict().items()}


def _difference_json(d: Difference) -> dict[str, float | bool | None]:
    out: dict[str, float | bool | None] = {
        k: (v if math.isfinite(v) else None) for k, v in d.to_dict().items()
    }
    out["significant"] = d.significant
    return out


def _clipped(metric: str, interval: Interval) -> Interval:
    """``interval`` kept within the metric's possible range, when the registry knows it."""
    if not known(metric):
        return interval
    low, high = spec(metric).bounds
    return interval.clipped(low, high)
