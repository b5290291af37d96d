"""Quota attainment: each AE's bookings against the quota due for the time they were there.

The reporting window is cut into years of 252 working days from its first day (a last, shorter
year keeps its own length). An *AE-year* is one AE in one such year; its quota due is
``quota_per_year`` pro-rated for the days the AE was on the team that year and, while ramping,
for the ramp's share of a full rep's selling hours (the model's linear ramp), so a new hire is
held to a ramped quota and a leaver to the part of the year they stayed. Bookings are credited
to the AE who owns a deal when it is won (after a reassignment, the new owner).

Attainment is bookings over quota due. The share at or above quota and the percentiles weigh
each AE-year by its quota-bearing time in full-quota years (a full ramped year weighs 1, a
leaver's first quarter about ¼), so a rep who stayed a week counts for a week.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from salessim.config import DAYS_PER_YEAR

PERCENTILES = (10, 50, 90)


@dataclass(frozen=True)
class Tenure:
    """One AE as quota sees them: on the team from `hired` to `left` (days), ramping linearly
    from `ramp_start_share` over `ramp_days`, and the wins credited to them (day, value)."""

    hired: float
    left: float
    ramp_days: float
    ramp_start_share: float
    wins: Sequence[tuple[float, float]]


def ramped_days(t: Tenure, start: float, end: float) -> float:
    """Full-rep days of `t` in [start, end): days on the team weighted by ramp productivity."""
    a, b = max(start, t.hired), min(end, t.left)
    if b <= a:
        return 0.0
    if t.ramp_days <= 0:
        return b - a
    ramp_end = t.hired + t.ramp_days
    full = max(0.0, b - max(a, ramp_end))
    u = min(b, ramp_end)
    ramping = 0.0
    if u > a:
        slope = (1.0 - t.ramp_start_share) / t.ramp_days
        rise = ((u - t.hired) ** 2 - (a - t.hired) ** 2) / 2
        ramping = t.ramp_start_share * (u - a) + slope * rise
    return full + ramping


def ae_years(
    tenures: Sequence[Tenure], first_day: float, last_day: float, quota_per_year: float
) -> tuple[np.ndarray, np.ndarray]:
    """Attainment (bookings / quota due) and weight (quota-bearing years) of every AE-year
    with some quota due in the window [first_day, last_day)."""
    attainment: list[float] = []
    weight: list[float] = []
    if quota_per_year <= 0:
        return np.array(attainment), np.array(weight)
    starts = np.arange(first_day, last_day, DAYS_PER_YEAR, dtype=float)
    for t in tenures:
        for start in starts.tolist():
            end = min(start + DAYS_PER_YEAR, last_day)
            years = ramped_days(t, start, end) / DAYS_PER_YEAR
            if years <= 0.0:
                continue
            booked = sum(value for day, value in t.wins if start <= day < end)
            attainment.append(booked / (quota_per_year * years))
            weight.append(years)
    return np.array(attainment), np.array(weight)


def attainment_metrics(attainment: np.ndarray, weight: np.ndarray) -> dict[str, float]:
    """The share of AE-years at or above quota and the P10/P50/P90 of attainment, weighted by
    quota-bearing years; NaN without any AE-year (or without a quota)."""
    out = {"quota_attainment_share": math.nan}
    out.update({f"quota_attainment_p{p}": math.nan for p in PERCENTILES})
    total = float(weight.sum()) if weight.size else 0.0
    if total <= 0.0:
        return out
    out["quota_attainment_share"] = float(weight[attainment >= 1.0].sum()) / total
    order = np.argsort(attainment, kind="stable")
    cumulative = np.cumsum(weight[order]) / total
    for p in PERCENTILES:
        # The inverted CDF: the smallest attainment whose cumulative weight reaches p%.
        k = int(np.searchsorted(cumulative, p / 100.0 - 1e-12))
        out[f"quota_attainment_p{p}"] = float(attainment[order][min(k, len(order) - 1)])
    return out
