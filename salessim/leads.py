"""Lead arrivals, response decay, lead scoring and lead queues (a rep's own or the team's)."""

from __future__ import annotations

import bisect
from collections import deque
from typing import TYPE_CHECKING, Final

from salessim.agenda import heappop, heappush
from salessim.config import DAYS_PER_MONTH, LeadFilter, LeadSource, Qualification
from salessim.entities import FATE_EXPIRED, FATE_FILTERED, FATE_UNREACHED, Lead
from salessim.ledger import Ledger
from salessim.random_streams import Stream

if TYPE_CHECKING:
    from salessim.reps import Rep

INF: Final = float("inf")


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


def daily_rate(source: LeadSource, day: int, overall: float = 1.0) -> tuple[float, float]:
    """Expected base and incremental leads on working `day` (seasonality and campaigns applied);
    `overall` scales every source on top of its own multiplier."""
    month_of_year = (day // DAYS_PER_MONTH) % 12
    rate = source.monthly_volume / DAYS_PER_MONTH * source.seasonality[month_of_year]
    for c in source.campaigns:
        if c.start_day <= day < c.start_day + c.duration_days:
            rate *= c.volume_multiplier
    m = source.volume_multiplier * overall
    if m <= 1.0:
        return rate * m, 0.0
    return rate, rate * (m - 1.0)


class LeadQueue:
    """Leads on their way to sales, waiting for a call, or due for a retry.

    Each day's arrivals are generated at once and held in `incoming` until their time comes:
    no event per lead. The call list is worked in order of due time (a retry due this morning
    before a lead that came in at noon), or, with `call_order: new_first`, new leads before
    any retry. Aged leads are dropped lazily when the queue is looked at.
    """

    def __init__(self, q: Qualification, ledger: Ledger, owner: Rep | None = None) -> None:
        self.owner = owner  # the AE these leads are assigned to (None: a shared queue)
        self.alarm_at = INF  # when an idle worker of this queue is next woken for a lead
        self.configure(q)
        self.ledger = ledger
        self.incoming: list[tuple[float, int, Lead]] = []
        self.high: deque[Lead] = deque()
        self.low: deque[Lead] = deque()
        self.retries: list[tuple[float, int, Lead]] = []

    def configure(self, q: Qualification) -> None:
        """Read the call order and expiry (at the start, and again when a change sets them)."""
        self.discipline = q.queue_discipline
        self.due_order = q.call_order == "due_time"
        self.expiry_days = q.expiry_days

    def __len__(self) -> int:
        """Leads that have reached sales and wait for a first call or a retry."""
        return len(self.high) + len(self.low) + len(self.retries)

    def add_incoming(self, lead: Lead, at: float) -> None:
        """A lead that reaches sales at time `at` (arrival plus routing delay)."""
        heappush(self.incoming, (at, lead.id, lead))

    def next_incoming(self) -> float:
        """When the next lead reaches sales (inf if none is on its way)."""
        return self.incoming[0][0] if self.incoming else INF

    def push_retry(self, lead: Lead, ready_at: float) -> None:
        heappush(self.retries, (ready_at, lead.id, lead))

    def take_all(self, other: LeadQueue, now: float) -> None:
        """Move every lead of `other` here (a leaver's leads go to a colleague): waiting leads
        join the back of this queue, retries and leads on their way keep their times."""
        other.purge(now)
        for q in (other.high, other.low):
            while q:
                self.add_incoming(q.popleft(), now)
        while other.incoming:
            at, _, lead = heappop(other.incoming)
            self.add_incoming(lead, at)
        while other.retries:
            ready_at, _, lead = heappop(other.retries)
            self.push_retry(lead, ready_at)

    def purge(self, now: float) -> None:
        """Admit leads that have arrived by `now` and drop those aged beyond expiry."""
        incoming = self.incoming
        high, low = self.high, self.low
        if incoming and incoming[0][0] <= now:
            by_score = self.discipline == "score"
            while incoming and incoming[0][0] <= now:
                lead = heappop(incoming)[2]
                if by_score and not lead.score_high:
                    low.append(lead)
                else:
                    high.append(lead)
        limit = now - self.expiry_days
        if high and high[0].arrival < limit:
            self._expire(high, limit)
        if low and low[0].arrival < limit:
            self._expire(low, limit)

    def _expire(self, waiting: deque[Lead], limit: float) -> None:
        """Drop the leads at the front of `waiting` that arrived before `limit`."""
        while waiting and waiting[0].arrival < limit:
            lead = waiting.popleft()
            lead.fate = FATE_EXPIRED
            self.ledger.add("leads_" + FATE_EXPIRED, lead.arrival + self.expiry_days)

    def oldest_waiting(self, now: float) -> float:
        """Arrival time of the oldest lead still waiting for its first call (inf if none)."""
        self.purge(now)
        oldest = INF
        for q in (self.high, self.low):
            if q and q[0].arrival < oldest:
                oldest = q[0].arrival
        return oldest

    def pop(self, now: float) -> Lead | None:
        """The next lead to call, or None."""
        retries = self.retries
        high, low = self.high, self.low
        if not (high or low):
            incoming = self.incoming
            if (not incoming or incoming[0][0] > now) and (not retries or retries[0][0] > now):
                return None  # nothing has arrived and no retry is due: the common case
        self.purge(now)
        newest = self.discipline == "newest_first"
        limit = now - self.expiry_days
        while True:
            waiting = high or low
            due = bool(retries) and retries[0][0] <= now
            if waiting:
                lead = waiting[-1] if newest else waiting[0]
                # In due-time order a retry that fell due before this lead came in goes first.
                if not (due and self.due_order and retries[0][0] <= lead.arrival):
                    return waiting.pop() if newest else waiting.popleft()
            if not due:
                return None
            lead = heappop(retries)[2]
            if lead.arrival < limit:
                # Its retries came too late: given up before the calls it was due.
                lead.fate = FATE_UNREACHED
                self.ledger.add("leads_" + FATE_UNREACHED, now)
                self.ledger.add("leads_abandoned", now)
                continue
            return lead


class LeadSourceArrivals:
    """Poisson arrivals of one lead source, generated one working day at a time."""

    def __init__(
        self,
        index: int,
        source: LeadSource,
        arrivals: Stream,
        attributes: Stream,
        lead_filter: LeadFilter,
        score_accuracy: float,
        hours_per_day: float,
        ledger: Ledger,
        overall: float = 1.0,
    ) -> None:
        self.index = index
        self.arrivals = arrivals
        self.attributes = attributes
        self.hours_per_day = hours_per_day
        self.configure(source, lead_filter, score_accuracy, overall)
        daily = ledger.daily
        self._counters = [
            daily[key]
            for key in (
                "leads_arrived",
                f"source:{source.name}:leads",
                "leads_arrived_fit",
                "leads_incremental",
                "marketing_cost",
            )
        ]
        self.ledger = ledger

    def configure(
        self, source: LeadSource, lead_filter: LeadFilter, score_accuracy: float, overall: float
    ) -> None:
        """Read the source's volume, fit, cost and delay, the lead scoring and the overall
        multiplier (at the start, and again when a change sets them)."""
        self.overall = overall
        self.source = source
        self.lead_filter = lead_filter
        self.score_accuracy = score_accuracy
        self.delay_days = source.routing_delay_hours / self.hours_per_day
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

    def day(self, day: int, horizon: float, first_id: int) -> list[tuple[float, Lead]]:
        """The leads reaching sales from working `day`'s arrivals, with their time of reaching
        sales (before `horizon`); filtered leads are included with their fate set."""
        arr = self.arrivals
        base, extra = daily_rate(self.source, day, self.overall)
        times: list[tuple[float, bool]] = []
        for rate, incremental in ((base, False), (extra, True)):
            if rate > 0.0:
                times.extend((day + arr.uniform(), incremental) for _ in range(arr.poisson(rate)))
        times.sort()
        out: list[tuple[float, Lead]] = []
        for t, incremental in times:
            at = t + self.delay_days
            if at >= horizon:
                break
            out.append((at, self._lead(first_id + len(out), t, at, incremental)))
        return out

    def _lead(self, lead_id: int, arrival: float, at: float, incremental: bool) -> Lead:
        attr = self.attributes
        fit = attr.uniform() < (self.marginal_fit if incremental else self.base_fit)
        lead = Lead(lead_id, self.index, arrival, fit, incremental)
        d = int(at)  # at < horizon: a valid day index
        c = self._counters
        c[0][d] += 1.0
        c[1][d] += 1.0
        if fit:
            c[2][d] += 1.0
        if incremental:
            c[3][d] += 1.0
        c[4][d] += self.marginal_cost if incremental else self.base_cost
        # A lead score tells fit from suspect with limited accuracy (used by scoring queues).
        correct = attr.uniform() < self.score_accuracy
        lead.score_high = fit if correct else not fit
        lf = self.lead_filter
        if lf.enabled:
            u = attr.uniform()
            if (not fit and u < lf.suspect_catch_share) or (fit and u < lf.fit_drop_share):
                lead.fate = FATE_FILTERED
                self.ledger.add("leads_" + FATE_FILTERED, at)
        return lead
