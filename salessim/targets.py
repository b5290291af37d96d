"""Targets: "bookings of $20M a year" as something a run reaches or not, and the chance of it.

A target names a registered metric, optionally per reported year (``bookings_per_year``: a
total over the reporting window divided by its years), and a value. Reaching it means being at
or above the value for a metric where higher is better, at or below where lower is better; for a
metric with no better direction the user writes the comparison (``avg_discount<=0.05``).

The chance of reaching a target is estimated from the replications as hits / n with a Wilson
score interval, which keeps its coverage near the stated level even at 0 or n hits (where the
normal approximation gives an interval of zero width).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from salessim import metrics
from salessim.config import DAYS_PER_YEAR
from salessim.errors import SalessimError
from salessim.statistics import Interval

if TYPE_CHECKING:
    from salessim.experiments import ReplicationSet

PER_YEAR = "_per_year"
_FORM = re.compile(r"^\s*([A-Za-z0-9_:\-]+)\s*(>=|<=|=)\s*(\S+)\s*$")


class TargetError(SalessimError):
    """A target that cannot be read; the message says why in one line."""


@dataclass(frozen=True)
class Target:
    """A metric (per reported year or over the window), a value, and which side reaches it."""

    metric: str
    value: float
    per_year: bool = False
    at_least: bool = True

    @property
    def key(self) -> str:
        """The metric as written: ``bookings_per_year`` or ``win_rate``."""
        return self.metric + (PER_YEAR if self.per_year else "")

    def text(self) -> str:
        """``bookings_per_year ≥ 20,000,000``."""
        return f"{self.key} {'≥' if self.at_least else '≤'} {self.value:,.6g}"

    def values(self, runs: ReplicationSet) -> np.ndarray:
        """The target's metric in each replication (per reported year if asked so)."""
        values = runs.values(self.metric)
        if self.per_year:
            values = values / (runs.scenario.calendar.reported_days / DAYS_PER_YEAR)
        return values

    def reached(self, runs: ReplicationSet) -> np.ndarray:
        """Per replication: did it reach the target (a replication with no value did not)?"""
        return self.reached_by(self.values(runs))

    def reached_by(self, values: np.ndarray) -> np.ndarray:
        """Which of the target metric's values (per year if the target is) reach it."""
        values = np.asarray(values, dtype=float)
        with np.errstate(invalid="ignore"):
            hit = values >= self.value if self.at_least else values <= self.value
        return np.asarray(hit & np.isfinite(values), dtype=bool)

    def probability(self, runs: ReplicationSet, confidence: float = 0.95) -> Interval:
        """The share of replications that reach the target, with its Wilson interval."""
        hit = self.reached(runs)
        return proportion_interval(int(hit.sum()), int(hit.size), confidence)

    def to_dict(self, runs: ReplicationSet, confidence: float = 0.95) -> dict[str, object]:
        """The target and its chance in ``runs`` for JSON: hits out of replications, the
        share and its Wilson interval (null where undefined)."""
        hit = self.reached(runs)
        iv = proportion_interval(int(hit.sum()), int(hit.size), confidence)
        return {
            "target": self.key,
            "metric": self.metric,
            "per_year": self.per_year,
            "at_least": self.at_least,
            "value": self.value,
            "text": self.text(),
            "hits": int(hit.sum()),
            "replications": int(hit.size),
            "probability": _finite(iv.mean),
            "ci_low": _finite(iv.ci_low),
            "ci_high": _finite(iv.ci_high),
            "confidence": confidence,
        }


def parse_target(text: str) -> Target:
    """Read ``METRIC=VALUE`` (or ``METRIC>=VALUE``, ``METRIC<=VALUE``); METRIC may end in
    ``_per_year`` for a total per reported year."""
    match = _FORM.match(text)
    if match is None:
        raise TargetError(
            f"--target {text!r}: write METRIC=VALUE, e.g. bookings_per_year=20e6 "
            "(salessim metrics lists the metrics)"
        )
    name, operator, number = match.groups()
    per_year = name.endswith(PER_YEAR) and not metrics.known(name)
    metric = name.removesuffix(PER_YEAR) if per_year else name
    if not metrics.known(metric):
        raise TargetError(
            f"--target {text!r}: no such metric {name!r} (salessim metrics lists them)"
        )
    spec = metrics.spec(metric)
    if per_year and not spec.total:
        raise TargetError(
            f"--target {text!r}: {metric} is not a total over the reporting window, so it has "
            "no per-year value; use it without _per_year"
        )
    try:
        value = float(number)
    except ValueError:
        raise TargetError(f"--target {text!r}: {number!r} is not a number") from None
    if not math.isfinite(value):
        raise TargetError(f"--target {text!r}: the value must be a finite number")
    if operator == "=":
        if spec.higher_is_better is None:
            raise TargetError(
                f"--target {text!r}: neither more nor less {metric} is better; say which side "
                f"reaches the target: {name}>={number} or {name}<={number}"
            )
        at_least = spec.higher_is_better
    else:
        at_least = operator == ">="
    return Target(metric, value, per_year, at_least)


def proportion_interval(hits: int, n: int, confidence: float = 0.95) -> Interval:
    """hits / n with its Wilson score interval (NaN for n = 0)."""
    if n <= 0:
        return Interval(math.nan, math.nan, math.nan)
    if not 0 <= hits <= n:
        raise ValueError(f"hits must be between 0 and n={n} (got {hits})")
    from scipy import special

    z = float(special.ndtri(0.5 + confidence / 2))  # scipy.stats.norm.ppf's own function
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None
