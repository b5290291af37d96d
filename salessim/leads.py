"""Lead arrivals, response decay, lead scoring and the team's lead queue."""

from __future__ import annotations

import bisect
import heapq
from collections import deque
from collections.abc import Callable, Generator
from typing import Any

import simpy

from salessim.config import DAYS_PER_MONTH, LeadFilter, LeadSource, Qualification
from salessim.entities import FATE_EXPIRED, FATE_FILTERED, FATE_UNREACHED, Lead
from salessim.ledger import Ledger
from salessim.random_streams import Stream


class DecayCurve:
    """Relative chance a fit lead still qualifies, by working hours to contact (interpolated)."""

    __slots__ = ("_hours", "_mult")

    def __init__(self, points: list[tuple[float, float]]) -> None:
        self._hours = [h for h, _ in points]
        self._mult = [m for _, m in points]

    def __call__(self, hours: float) -> float:
        xs, ys = self._hours, self._mult
        if hours <= xs[0]:
            return ys[0]
        if hours >= xs[-1]:
            return ys[-1]
        i = bisect.bisect_right(xs, hours)
        x0, x1 = xs[i - 1], xs[i]
        return ys[i - 1] + (ys[i] - ys[i - 1]) * (hours - x0) / (x1 - x0)


def daily_rate(source: LeadSource, day: int) -> tuple[float, float]:
    """Expected base and incremental leads on working `day` (seasonality and campaigns applied)."""
    month_of_year = (day // DAYS_PER_MONTH) % 12
    rate = source.monthly_volume / DAYS_PER_MONTH * source.seasonality[month_of_year]
    for c in source.campaigns:
        if c.start_day <= day < c.start_day + c.duration_days:
            rate *= c.volume_multiplier
    m = source.volume_multiplier
    if m <= 1.0:
        return rate * m, 0.0
    return rate, rate * (m - 1.0)


class LeadQueue:
    """Leads waiting for sales: new leads (by discipline) and retries due later.

    New leads are tried before due retries: speed to lead matters more than a fourth call.
    Aged leads are dropped lazily when the queue is looked at — never a timeout per lead.
    """

    def __init__(self, q: Qualification, ledger: Ledger) -> None:
        self.discipline = q.queue_discipline
        self.expiry_days = q.expiry_days
        self.ledger = ledger
        self.high: deque[Lead] = deque()
        self.low: deque[Lead] = deque()
        self.retries: list[tuple[float, int, Lead]] = []
        self.on_fate: Callable[[Lead, str, float], None] | None = None

    def __len__(self) -> int:
        return len(self.high) + len(self.low) + len(self.retries)

    def push(self, lead: Lead) -> None:
        if self.discipline == "score" and not lead.score_high:
            self.low.append(lead)
        else:
            self.high.append(lead)

    def push_retry(self, lead: Lead, ready_at: float) -> None:
        heapq.heappush(self.retries, (ready_at, lead.id, lead))

    def _expire(self, q: deque[Lead], now: float) -> None:
        limit = now - self.expiry_days
        while q and q[0].arrival < limit:
            lead = q.popleft()
            self._end(lead, FATE_EXPIRED, lead.arrival + self.expiry_days)

    def _end(self, lead: Lead, fate: str, when: float) -> None:
        lead.fate = fate
        self.ledger.add("leads_" + fate, when)
        if self.on_fate is not None:
            self.on_fate(lead, fate, when)

    def has_work(self, now: float) -> bool:
        """Whether pop() would return a lead now (after dropping aged ones)."""
        self.purge(now)
        return bool(self.high or self.low or (self.retries and self.retries[0][0] <= now))

    def purge(self, now: float) -> None:
        self._expire(self.high, now)
        self._expire(self.low, now)

    def pop(self, now: float) -> Lead | None:
        """The next lead to call, or None."""
        self.purge(now)
        for q in (self.high, self.low):
            if q:
                return q.pop() if self.discipline == "newest_first" else q.popleft()
        limit = now - self.expiry_days
        while self.retries and self.retries[0][0] <= now:
            _, _, lead = heapq.heappop(self.retries)
            if lead.arrival < limit:
                self._end(lead, FATE_UNREACHED, now)
                continue
            return lead
        return None

    def close_out(self, end: float) -> None:
        """At the end of a run, book leads that aged out before `end`; the rest stay queued."""
        self.purge(end)


class LeadSourceProcess:
    """Poisson arrivals of one lead source, generated one day at a time (lazily)."""

    def __init__(
        self,
        env: simpy.Environment,
        index: int,
        source: LeadSource,
        arrivals: Stream,
        attributes: Stream,
        lead_filter: LeadFilter,
        score_accuracy: float,
        hours_per_day: float,
        horizon_days: int,
        ledger: Ledger,
        next_id: Callable[[], int],
        deliver: Callable[[Lead], None],
        on_filtered: Callable[[Lead], None],
    ) -> None:
        self.env = env
        self.index = index
        self.source = source
        self.arrivals = arrivals
        self.attributes = attributes
        self.lead_filter = lead_filter
        self.score_accuracy = score_accuracy
        self.delay_days = source.routing_delay_hours / hours_per_day
        self.horizon_days = horizon_days
        self.ledger = ledger
        self.next_id = next_id
        self.deliver = deliver
        self.on_filtered = on_filtered
        self.base_cost = source.cost_per_lead
        self.marginal_cost = (
            source.marginal_cost_per_lead
            if source.marginal_cost_per_lead is not None
            else source.cost_per_lead
        )
        self.base_fit = source.fit_share
        self.marginal_fit = (
            source.marginal_fit_share if source.marginal_fit_share is not None else source.fit_share
        )

    def run(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        arr = self.arrivals
        for day in range(self.horizon_days):
            base, extra = daily_rate(self.source, day)
            times: list[tuple[float, bool]] = []
            for rate, incremental in ((base, False), (extra, True)):
                if rate > 0.0:
                    n = arr.poisson(rate)
                    times.extend((day + arr.uniform(), incremental) for _ in range(n))
            times.sort()
            for t, incremental in times:
                at = t + self.delay_days
                if at >= self.horizon_days:
                    break
                if at > env.now:
                    yield env.timeout(at - env.now)
                self._arrive(t, incremental)
            if day + 1 > env.now:
                yield env.timeout(day + 1 - env.now)

    def _arrive(self, arrival: float, incremental: bool) -> None:
        attr = self.attributes
        fit = attr.uniform() < (self.marginal_fit if incremental else self.base_fit)
        lead = Lead(self.next_id(), self.index, arrival, fit, incremental)
        ledger = self.ledger
        now = self.env.now
        ledger.add("leads_arrived", now)
        if fit:
            ledger.add("leads_arrived_fit", now)
        if incremental:
            ledger.add("leads_incremental", now)
        ledger.add("marketing_cost", now, self.marginal_cost if incremental else self.base_cost)
        # A lead score tells fit from suspect with limited accuracy (used by scoring queues).
        correct = attr.uniform() < self.score_accuracy
        lead.score_high = fit if correct else not fit
        lf = self.lead_filter
        if lf.enabled:
            u = attr.uniform()
            if (not fit and u < lf.suspect_catch_share) or (fit and u < lf.fit_drop_share):
                lead.fate = FATE_FILTERED
                ledger.add("leads_" + FATE_FILTERED, now)
                self.on_filtered(lead)
                return
        self.deliver(lead)
