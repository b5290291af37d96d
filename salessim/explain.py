"""Why two scenarios differ: their bookings difference split into additive steps, with drivers.

Bookings are a product of four factors, computed per replication over the reported window::

    bookings = opportunities created
               × wins per opportunity created     (win rate, incl. deals lost to neglect)
               × list value per win               (deal size)
               × bookings / list value won        (1 − average discount)

Each replication of one scenario is paired with the same replication of the other (same seed,
common random numbers). Within each pair the bookings difference is split among the four factors
by their Shapley values: a factor's part is the change it makes, averaged over every order in
which the four factors can switch from the first scenario's value to the second's. The parts add
up exactly to the pair's bookings difference, whatever the order, and unlike log-change methods a
factor may be zero. The parts are then averaged over pairs, each with a paired 95% interval.

The opportunities part is split further by where the opportunities came from: each source's
change in opportunities (marketing leads, qualified by AEs or SDRs; prospecting by AEs or SDRs)
valued at the same Shapley-averaged bookings per opportunity, so the two parts add up exactly.

Beside the steps, and not part of the sum, the explanation gives the drivers that show the
mechanism: rep hours moved between activities, leads that went cold or expired unworked, lead
response time, deals lost to neglect or rushed, the discount, and the costs behind profit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from salessim.config import DAYS_PER_MONTH, DAYS_PER_YEAR
from salessim.entities import (
    ACTIVITIES,
    ORIGIN_AE_PROSPECTING,
    ORIGIN_MARKETING,
    ORIGIN_SDR_INBOUND,
    ORIGIN_SDR_PROSPECTING,
)
from salessim.experiments import Comparison, ReplicationSet
from salessim.formatting import MINUS
from salessim.metrics import kind, label
from salessim.statistics import Difference, Interval, paired_difference, t_interval

FloatArray = npt.NDArray[np.float64]
Unit = Literal["money", "count", "hours", "share"]

# Opportunity origins grouped by who found the buyer: marketing, or a rep's own calling.
MARKETING_ORIGINS = (ORIGIN_MARKETING, ORIGIN_SDR_INBOUND)
PROSPECTING_ORIGINS = (ORIGIN_AE_PROSPECTING, ORIGIN_SDR_PROSPECTING)
# The metrics the decomposition reads, per replication.
DECOMPOSITION_METRICS = (
    "bookings",
    "list_value_won",
    "wins",
    *(f"opportunities_{origin}" for origin in (*MARKETING_ORIGINS, *PROSPECTING_ORIGINS)),
)

# Steps of the decomposition in the order of the product (and of the waterfall).
OPPORTUNITIES, WIN_RATE, DEAL_SIZE, DISCOUNT = "opportunities", "win_rate", "deal_size", "discount"
OPPS_MARKETING = "opportunities_marketing_sourced"
OPPS_PROSPECTING = "opportunities_prospecting_sourced"
STEP_LABELS = {
    OPPORTUNITIES: "Opportunities created",
    OPPS_MARKETING: "Opportunities from marketing leads",
    OPPS_PROSPECTING: "Opportunities from prospecting",
    WIN_RATE: "Win rate (incl. deals lost to neglect)",
    DEAL_SIZE: "Deal size",
    DISCOUNT: "Discount given",
}
# How the paragraph names a step that raises (+) or lowers (−) bookings.
STEP_PHRASES = {
    OPPORTUNITIES: ("more opportunities created", "fewer opportunities created"),
    OPPS_MARKETING: (
        "more opportunities from marketing leads",
        "fewer opportunities from marketing leads",
    ),
    OPPS_PROSPECTING: (
        "more opportunities from prospecting",
        "fewer opportunities from prospecting",
    ),
    WIN_RATE: ("a higher share of opportunities won", "a lower share of opportunities won"),
    DEAL_SIZE: ("larger deals", "smaller deals"),
    DISCOUNT: ("smaller discounts", "deeper discounts"),
}

# Drivers, labelled and typed by the metric registry; SDR hours count only where both
# scenarios have SDRs. "discount_given" is derived: list value won − bookings.
DERIVED_DISCOUNT = "discount_given"
DRIVER_METRICS: tuple[str, ...] = (
    *(f"hours_{a}" for a in ACTIVITIES),
    *(f"hours_share_{a}" for a in ACTIVITIES),
    *(f"sdr_hours_share_{a}" for a in ACTIVITIES),
    "leads",
    "leads_cold",
    "leads_expired",
    "lead_response_hours",
    "deals_lost_neglect",
    "deals_rushed",
    "avg_discount",
    DERIVED_DISCOUNT,
    "gross_profit",
    "marketing_cost",
    "salary_cost",
    "commission",
    "profit",
)
_DRIVER_UNITS: dict[str, Unit] = {
    "money": "money",
    "count": "count",
    "hours": "hours",
    "share": "share",
}


def _driver_spec(metric: str) -> tuple[str, str, Unit]:
    """A driver's metric, label and unit (from the registry)."""
    if metric == DERIVED_DISCOUNT:
        return metric, "Discount given", "money"
    return metric, label(metric), _DRIVER_UNITS[kind(metric)]


DRIVERS: tuple[tuple[str, str, Unit], ...] = tuple(_driver_spec(m) for m in DRIVER_METRICS)

# How the paragraph words a share of rep time: "more of their time qualifying leads", and
# where it came from: "taken mostly from prospecting".
TIME_SPENT = {
    "prospecting": "prospecting",
    "qualifying": "qualifying leads",
    "deal_work": "on deal work",
    "non_selling": "on non-selling work",
    "idle": "idle",
}
TIME_SOURCE = {
    "prospecting": "prospecting",
    "qualifying": "qualifying",
    "deal_work": "deal work",
    "non_selling": "non-selling work",
    "idle": "idle time",
}
MAX_CLAUSES = 4


@dataclass(frozen=True)
class Step:
    """One additive part of the bookings difference, with its paired 95% interval.

    `parts`, if any, split this step further and add up to it exactly.
    """

    key: str
    label: str
    difference: Difference
    parts: tuple[Step, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The step as JSON-ready data: key, label, mean, ci_low, ci_high, p_value, parts."""
        out: dict[str, Any] = {"key": self.key, "label": self.label}
        out.update(_finite_dict(self.difference.to_dict()))
        out["parts"] = [part.to_dict() for part in self.parts]
        return out


@dataclass(frozen=True)
class Driver:
    """A paired difference shown beside the decomposition (not part of its sum)."""

    metric: str
    label: str
    unit: Unit
    difference: Difference

    def to_dict(self) -> dict[str, Any]:
        """The driver as JSON-ready data: label, unit, mean, ci_low, ci_high, p_value."""
        return {
            "label": self.label,
            "unit": self.unit,
            **_finite_dict(self.difference.to_dict()),
        }


@dataclass(frozen=True)
class Explanation:
    """Why scenario `name` books more or less than scenario `vs`: steps, drivers, a paragraph."""

    name: str
    vs: str
    replications: int
    reported_days: int | None
    bookings_vs: Interval
    bookings: Interval
    difference: Difference
    steps: tuple[Step, ...]
    drivers: Mapping[str, Driver]
    sdr_shares: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    """Per scenario name, its SDRs' mean share of paid hours by activity (empty: no SDRs)."""

    @property
    def relative_difference(self) -> Interval:
        """The bookings difference and its interval as fractions of `vs`'s mean bookings."""
        base = self.bookings_vs.mean
        if not math.isfinite(base) or base == 0.0:
            return Interval(math.nan, math.nan, math.nan)
        d = self.difference
        return Interval(d.mean / base, d.ci_low / base, d.ci_high / base)

    def waterfall_data(self) -> list[tuple[str, float]]:
        """(label, value) bars: `vs`'s mean bookings, each step (split where it has parts), and
        `name`'s mean bookings; the steps add up to the difference between the two ends."""
        bars = [(f"{self.vs} bookings", self.bookings_vs.mean)]
        for step in self.steps:
            for leaf in step.parts or (step,):
                bars.append((leaf.label, leaf.difference.mean))
        bars.append((f"{self.name} bookings", self.bookings.mean))
        return bars

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: the bookings of both scenarios, the difference, steps and drivers."""
        return {
            "name": self.name,
            "vs": self.vs,
            "replications": self.replications,
            "method": "shapley",
            "bookings_vs": _finite_dict(self.bookings_vs.to_dict()),
            "bookings": _finite_dict(self.bookings.to_dict()),
            "difference": _finite_dict(self.difference.to_dict()),
            "relative_difference": _finite_dict(self.relative_difference.to_dict()),
            "steps": [step.to_dict() for step in self.steps],
            "drivers": {metric: driver.to_dict() for metric, driver in self.drivers.items()},
            "paragraph": self.paragraph(),
        }

    def paragraph(self) -> str:
        """Three to five plain sentences for a reader in a hurry, built from the numbers.

        A driver is named only if its 95% interval excludes zero; when bookings differ
        significantly, their largest step is named as well. One replication cannot tell what
        is significant, and the paragraph says so.
        """
        if self.replications < 2:
            return (
                f"'{self.name}' books {_signed_money(self.difference.mean)} against "
                f"'{self.vs}' {self._period()} in a single replication. Run at least two "
                "replications to see which differences are significant."
            )
        sentences = [
            self._headline(),
            self._hours_sentence(),
            self._hours_sentence("sdr_hours_share_", "SDRs"),
            self._sdr_sentence(),
            self._mechanism_sentence(),
            self._steps_sentence(),
            self._profit_sentence(),
        ]
        return " ".join(s for s in sentences if s)

    # ----------------------------------------------------------------- sentences
    def _period(self) -> str:
        days = self.reported_days
        if days is None:
            return "over the reported period"
        if days >= DAYS_PER_YEAR:
            return f"over {_plain(days / DAYS_PER_YEAR)} reported years"
        return f"over {_plain(days / DAYS_PER_MONTH)} reported months"

    def _headline(self) -> str:
        d = self.difference
        rel = self.relative_difference
        if math.isfinite(rel.mean):
            band = f"{_percent(rel.mean)}, 95% CI {_percent(rel.ci_low)} to {_percent(rel.ci_high)}"
        else:
            band = f"95% CI {_signed_money(d.ci_low)} to {_signed_money(d.ci_high)}"
        if d.significant:
            more = "more" if d.mean > 0 else "less"
            return (
                f"'{self.name}' books {_money(abs(d.mean))} {more} than '{self.vs}' "
                f"{self._period()} ({band})."
            )
        if d.mean == 0.0 and d.ci_low == 0.0 and d.ci_high == 0.0:
            return (
                f"There is no significant difference in bookings between '{self.name}' and "
                f"'{self.vs}' {self._period()}: they are the same in every replication."
            )
        return (
            f"There is no significant difference in bookings between '{self.name}' and "
            f"'{self.vs}' {self._period()} ({_signed_money(d.mean)}, {band})."
        )

    def _hours_sentence(self, prefix: str = "hours_share_", who: str = "AEs") -> str:
        """How the reps' split of paid hours moved: the largest significant shift and where it
        came from. For SDRs, only when both scenarios have them (and it moved)."""
        moves = [
            (a, self.drivers[f"{prefix}{a}"].difference)
            for a in ACTIVITIES
            if f"{prefix}{a}" in self.drivers
        ]
        shown = [(a, d) for a, d in moves if d.significant and _points(d.mean) != "0.0"]
        if not shown:
            if who != "AEs":
                return ""
            return "AEs split their time among activities much as before."
        main, main_diff = max(shown, key=lambda item: abs(item[1].mean))
        up = main_diff.mean > 0
        others = sorted(
            ((a, d) for a, d in shown if a != main and (d.mean > 0) != up),
            key=lambda item: -abs(item[1].mean),
        )[:2]
        text = (
            f"{who} spent {_points(main_diff.mean)} percentage points "
            f"{'more' if up else 'less'} of their time {TIME_SPENT.get(main, main)}"
        )
        if others:
            listed = _join(
                [f"{TIME_SOURCE.get(a, a)} ({_signed(d.mean * 100, 1)} points)" for a, d in others]
            )
            text += f", {'taken mostly from' if up else 'moved mostly to'} {listed}"
        return text + "."

    def _sdr_sentence(self) -> str:
        """Where only one scenario has SDRs, how they spend their time (the AE split alone
        would hide who qualifies the leads)."""
        sides = [(name, shares) for name, shares in self.sdr_shares.items() if shares]
        if len(sides) != 1:
            return ""
        name, shares = sides[0]
        busiest = sorted(shares.items(), key=lambda item: -item[1])[:2]
        listed = _join([f"{share * 100:.0f}% {TIME_SPENT.get(a, a)}" for a, share in busiest])
        return f"Only '{name}' has SDRs: they spend {listed}."

    def _mechanism_sentence(self) -> str:
        clauses: list[str] = []
        for metric, clause in (
            ("lead_response_hours", _response_clause),
            ("leads_cold", _count_clause("leads went cold before first contact")),
            ("leads_expired", _count_clause("leads expired without being worked")),
            ("deals_lost_neglect", _count_clause("deals were lost to neglect")),
            ("deals_rushed", _count_clause("deals were rushed to close with a discount")),
            ("avg_discount", _discount_clause),
        ):
            driver = self.drivers.get(metric)
            if driver is None or not driver.difference.significant:
                continue
            text = clause(driver.difference.mean)
            if text:
                clauses.append(text)
        if not clauses:
            return ""
        return "Meanwhile, " + _join(clauses[:MAX_CLAUSES]) + "."

    def _steps_sentence(self) -> str:
        """The significant steps (or parts of a step that is not): the largest first."""
        named: list[Step] = []
        for step in self.steps:
            if step.difference.significant:
                named.append(step)
            else:
                named += [p for p in step.parts if p.difference.significant]
        if self.difference.significant:
            largest = max(self.steps, key=lambda s: abs(s.difference.mean))
            if largest.difference.mean == 0.0:
                return ""
            if largest not in named:
                # Its phrase tells its parts: they are not named twice.
                named = [s for s in named if s not in largest.parts] + [largest]
        if not named:
            return ""
        named.sort(key=lambda s: -abs(s.difference.mean))
        if self.difference.significant:
            up = self.difference.mean > 0
            main, rest = named[0], named[1:]
            text = f"The largest driver of the bookings change is {_step_phrase(main)}"
            along = [_step_phrase(s) for s in rest if (s.difference.mean > 0) == up]
            against = [_step_phrase(s) for s in rest if (s.difference.mean > 0) != up]
            if along:
                text += f", together with {_join(along)}"
            if against:
                text += f", partly offset by {_join(against)}"
            return text + "."
        phrases = _join([_step_phrase(s) for s in named])
        if len({s.difference.mean > 0 for s in named}) == 2:
            return f"Underneath, significant changes offset each other: {phrases}."
        if len(named) == 1:
            return f"Underneath, a significant change is offset by smaller ones: {phrases}."
        return f"Underneath, significant changes are offset by smaller ones: {phrases}."

    def _profit_sentence(self) -> str:
        profit = self.drivers.get("profit")
        if profit is None:
            return ""
        parts = []
        for metric, name in (
            ("gross_profit", "gross profit"),
            ("marketing_cost", "marketing costs"),
            ("salary_cost", "salaries"),
            ("commission", "commission"),
        ):
            driver = self.drivers.get(metric)
            if driver is not None and driver.difference.significant:
                d = driver.difference.mean
                parts.append(f"{name} {'up' if d > 0 else 'down'} {_money(abs(d))}")
        if profit.difference.significant:
            d = profit.difference.mean
            text = f"Profit {'rises' if d > 0 else 'falls'} by {_money(abs(d))}"
            if parts:
                text += f", with {_join(parts)}"
            return text + "."
        text = "Profit shows no significant change"
        if parts:
            text += f", with {_join(parts)}"
        return text + "."


def bookings_contributions(
    first: Mapping[str, npt.ArrayLike], second: Mapping[str, npt.ArrayLike]
) -> dict[str, FloatArray]:
    """Per replication pair, each step's part of the bookings difference (second − first).

    `first` and `second` map each of DECOMPOSITION_METRICS to one value per replication, paired
    by position. Returns step key → parts per pair; the four steps (OPPORTUNITIES, WIN_RATE,
    DEAL_SIZE, DISCOUNT) add up exactly to the bookings difference of each pair, and the two
    opportunity parts (OPPS_MARKETING, OPPS_PROSPECTING) to the OPPORTUNITIES step.

    A ratio with a zero denominator counts as zero. The one case where the factors then do not
    multiply back to bookings (wins in the window from opportunities created before it, with
    none created in it) puts its remainder into the win-rate step, so the sum stays exact.
    """
    a = {key: np.asarray(first[key], dtype=float) for key in DECOMPOSITION_METRICS}
    b = {key: np.asarray(second[key], dtype=float) for key in DECOMPOSITION_METRICS}
    fa, fb = _factors(a), _factors(b)
    multipliers = _shapley_multipliers(fa, fb)
    parts = (fb - fa) * multipliers
    total = b["bookings"] - a["bookings"]
    parts[1] += total - parts.sum(axis=0)
    out = dict(zip((OPPORTUNITIES, WIN_RATE, DEAL_SIZE, DISCOUNT), parts, strict=True))
    # Each source's extra opportunities are worth the same bookings per opportunity.
    for key, origins in (
        (OPPS_MARKETING, MARKETING_ORIGINS),
        (OPPS_PROSPECTING, PROSPECTING_ORIGINS),
    ):
        change = sum(b[f"opportunities_{o}"] - a[f"opportunities_{o}"] for o in origins)
        out[key] = np.asarray(change * multipliers[0], dtype=float)
    return out


def explain(comparison: Comparison, index: int = 1) -> Explanation:
    """Explain why scenario `index` of `comparison` books more or less than the first one.

    See the module docstring for the method. Raises ValueError for an index that is not one of
    the compared scenarios after the first.
    """
    if not 1 <= index < len(comparison.sets):
        raise ValueError(
            f"index must be between 1 and {len(comparison.sets) - 1} "
            f"(a scenario after the first), got {index}"
        )
    base, other = comparison.sets[0], comparison.sets[index]
    contributions = bookings_contributions(
        {m: base.values(m) for m in DECOMPOSITION_METRICS},
        {m: other.values(m) for m in DECOMPOSITION_METRICS},
    )
    zeros = np.zeros(comparison.n)

    def step(key: str, parts: Sequence[str] = ()) -> Step:
        return Step(
            key,
            STEP_LABELS[key],
            paired_difference(zeros, contributions[key]),
            tuple(step(p) for p in parts),
        )

    steps = (
        step(OPPORTUNITIES, (OPPS_MARKETING, OPPS_PROSPECTING)),
        step(WIN_RATE),
        step(DEAL_SIZE),
        step(DISCOUNT),
    )
    known = set(base.metric_names()) | {DERIVED_DISCOUNT}
    drivers = {
        metric: Driver(
            metric,
            label,
            unit,
            paired_difference(_driver_values(base, metric), _driver_values(other, metric)),
        )
        for metric, label, unit in DRIVERS
        if metric in known
    }
    days = {s.scenario.calendar.reported_days for s in (base, other)}
    return Explanation(
        name=comparison.names[index],
        vs=comparison.names[0],
        replications=comparison.n,
        reported_days=days.pop() if len(days) == 1 else None,
        bookings_vs=t_interval(base.values("bookings")),
        bookings=t_interval(other.values("bookings")),
        difference=paired_difference(base.values("bookings"), other.values("bookings")),
        steps=steps,
        drivers=drivers,
        sdr_shares={
            comparison.names[0]: _sdr_shares(base),
            comparison.names[index]: _sdr_shares(other),
        },
    )


def _sdr_shares(result: ReplicationSet) -> dict[str, float]:
    """The SDRs' mean share of paid hours by activity; empty when the scenario has no SDRs."""
    values = {a: result.values(f"sdr_hours_share_{a}") for a in ACTIVITIES}
    if not all(np.isfinite(v).any() for v in values.values()):
        return {}
    return {a: float(np.nanmean(v)) for a, v in values.items()}


# --------------------------------------------------------------------------- arithmetic
def _ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """numerator / denominator, zero where the denominator is zero (and no warning)."""
    out = np.zeros_like(numerator)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def _factors(m: Mapping[str, FloatArray]) -> FloatArray:
    """The four factors of bookings, one row each, one column per replication."""
    opportunities = sum(
        (m[f"opportunities_{o}"] for o in (*MARKETING_ORIGINS, *PROSPECTING_ORIGINS)),
        np.zeros_like(m["bookings"]),
    )
    return np.vstack(
        [
            opportunities,
            _ratio(m["wins"], opportunities),
            _ratio(m["list_value_won"], m["wins"]),
            _ratio(m["bookings"], m["list_value_won"]),
        ]
    )


def _shapley_multipliers(first: FloatArray, second: FloatArray) -> FloatArray:
    """For a product of factors (rows), the weight each factor's change is multiplied by.

    The Shapley part of factor i in prod(second) − prod(first) is
    (second[i] − first[i]) × multiplier[i], where the multiplier averages the product of the
    other factors over every order of switching them from `first` to `second`.
    """
    k = first.shape[0]
    out = np.zeros_like(first)
    for i in range(k):
        others = [j for j in range(k) if j != i]
        for size in range(k):
            weight = math.factorial(size) * math.factorial(k - 1 - size) / math.factorial(k)
            for switched in combinations(others, size):
                term = np.ones_like(first[0])
                for j in others:
                    term = term * (second[j] if j in switched else first[j])
                out[i] += weight * term
    return out


def _driver_values(result: ReplicationSet, metric: str) -> FloatArray:
    if metric == DERIVED_DISCOUNT:
        return np.asarray(result.values("list_value_won") - result.values("bookings"), dtype=float)
    return np.asarray(result.values(metric), dtype=float)


def _finite_dict(values: Mapping[str, float]) -> dict[str, float | None]:
    return {k: (v if math.isfinite(v) else None) for k, v in values.items()}


# --------------------------------------------------------------------------- words
def _money(amount: float) -> str:
    """A non-negative amount for a sentence: $850, $12k, $412k, $1.2M, $3.4B."""
    if amount >= 1e9:
        return f"${amount / 1e9:.1f}B"
    if amount >= 999.5e3:
        return f"${amount / 1e6:.1f}M"
    if amount >= 1e3:
        return f"${amount / 1e3:.0f}k"
    return f"${amount:.0f}"


def _signed_money(value: float) -> str:
    text = _money(abs(value))
    if not any(c in text for c in "123456789"):
        return text
    return ("+" if value > 0 else MINUS) + text


def _signed(value: float, digits: int) -> str:
    text = f"{abs(value):.{digits}f}"
    if not any(c in text for c in "123456789"):
        return text
    return ("+" if value > 0 else MINUS) + text


def _percent(fraction: float) -> str:
    return _signed(fraction * 100, 1) + "%"


def _points(share: float) -> str:
    return f"{abs(share) * 100:.1f}"


def _plain(value: float) -> str:
    """3 for 3.0, 8.5 for 8.52: a duration in words."""
    text = f"{value:.1f}"
    return text.removesuffix(".0")


def _count(value: float) -> str:
    return f"{abs(value):,.0f}" if abs(value) >= 10 else f"{abs(value):.1f}".removesuffix(".0")


def _count_clause(what: str) -> Callable[[float], str]:
    def clause(mean: float) -> str:
        if _count(mean) in ("0", "0.0"):
            return ""
        return f"{_count(mean)} {'more' if mean > 0 else 'fewer'} {what}"

    return clause


def _response_clause(mean: float) -> str:
    if f"{abs(mean):.1f}" == "0.0":
        return ""
    return (
        f"first contact with new leads came {abs(mean):.1f} h {'later' if mean > 0 else 'sooner'}"
    )


def _discount_clause(mean: float) -> str:
    if _points(mean) == "0.0":
        return ""
    return f"the average discount {'rose' if mean > 0 else 'fell'} by {_points(mean)} points"


def _step_phrase(step: Step) -> str:
    """ "fewer opportunities created (−$0.5M: +$0.2M from marketing leads, ...)"."""
    up, down = STEP_PHRASES[step.key]
    d = step.difference.mean
    text = f"{up if d > 0 else down} ({_signed_money(d)}"
    shown = [p for p in step.parts if p.difference.significant]
    if shown:
        details = [f"{_signed_money(p.difference.mean)} {_part_words(p)}" for p in step.parts]
        text += ": " + ", ".join(details)
    return text + ")"


def _part_words(part: Step) -> str:
    return STEP_LABELS[part.key].removeprefix("Opportunities ")


def _join(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
