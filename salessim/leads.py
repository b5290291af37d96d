"""Lead arrivals, response decay, lead scoring and lead queues (a rep's own or the team's)."""

from __future__ import annotations

import bisect
from collections import deque
from typing import TYPE_CHECKING, Any, Final

from salessim.agenda import COMPILED, heappop, heappush, pop_timed, push_timed
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

    `incoming` and `retries` are heaps by (time, lead id): of the leads themselves, compared as
    plain numbers, in the compiled build (the time in ``lead.at``: a lead waits in one heap at a
    time), and of (time, id, lead) tuples in pure Python, where ``heapq`` on tuples is faster.
    The earliest time in each is kept in `next_in` and `next_retry` (inf when empty).
    """

    def __init__(self, q: Qualification, ledger: Ledger, owner: Rep | None = None) -> None:
        self.owner = owner  # the AE these leads are assigned to (None: a shared queue)
        self.alarm_at = INF  # when an idle worker of this queue is next woken for a lead
        self.configure(q)
        self.ledger = ledger
        self.incoming: list[Any] = []
        self.next_in = INF
        self.high: deque[Lead] = deque()
        self.low: deque[Lead] = deque()
        self.retries: list[Any] = []
        self.next_retry = INF
        self.received = 0  # leads handed to this queue: routed here, or a leaver's passed on

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
        self.received += 1
        if at < self.next_in:
            self.next_in = at
        if COMPILED:
            lead.at = at
            push_timed(self.incoming, lead)
        else:
            heappush(self.incoming, (at, lead.id, lead))

    def next_incoming(self) -> float:
        """When the next lead reaches sales (inf if none is on its way)."""
        return self.next_in

    def push_retry(self, lead: Lead, ready_at: float) -> None:
        """`lead` is due another call at time `ready_at`."""
        if ready_at < self.next_retry:
            self.next_retry = ready_at
        if COMPILED:
            lead.at = ready_at
            push_timed(self.retries, lead)
        else:
            heappush(self.retries, (ready_at, lead.id, lead))

    def retry_leads(self) -> list[Lead]:
        """The leads due a retry, in no particular order."""
        return list(self.retries) if COMPILED else [lead for _, _, lead in self.retries]

    def take_all(self, other: LeadQueue, now: float) -> None:
        """Move every lead of `other` here (a leaver's leads go to a colleague): waiting leads
        join the back of this queue, retries and leads on their way keep their times."""
        other.purge(now)
        for q in (other.high, other.low):
            while q:
                self.add_incoming(q.popleft(), now)
        while other.incoming:
            at = other.next_in
            lead, other.next_in = _pop_lead(other.incoming)
            self.add_incoming(lead, at)
        while other.retries:
            ready_at = other.next_retry
            lead, other.next_retry = _pop_lead(other.retries)
            self.push_retry(lead, ready_at)

    def purge(self, now: float) -> None:
        """Admit leads that have arrived by `now` and drop those aged beyond expiry."""
        high, low = self.high, self.low
        if self.next_in <= now:
            by_score = self.discipline == "score"
            while self.next_in <= now:
                lead, self.next_in = _pop_lead(self.incoming)
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
        high, low = self.high, self.low
        if not (high or low) and self.next_in > now and self.next_retry > now:
            return None  # nothing has arrived and no retry is due: the common case
        self.purge(now)
        newest = self.discipline == "newest_first"
        limit = now - self.expiry_days
        while True:
            waiting = high or low
            due = self.next_retry <= now
            if waiting:
                lead = waiting[-1] if newest else waiting[0]
                # In due-time order a retry that fell due before this lead came in goes first.
                if not (due and self.due_order and self.next_retry <= lead.arrival):
                    return waiting.pop() if newest else waiting.popleft()
            if not due:
                return None
            lead, self.next_retry = _pop_lead(self.retries)
            if lead.arrival < limit:
                # Its retries came too late: given up before the calls it was due.
                lead.fate = FATE_UNREACHED
                self.ledger.add("leads_" + FATE_UNREACHED, now)
                self.ledger.add("leads_abandoned", now)
                continue
            return lead


def _pop_lead(heap: list[Any]) -> tuple[Lead, float]:
    """Take the first lead off a queue's heap of leads on their way or of retries (not empty):
    the lead, and the time of the one now first (inf if none), for the queue to keep."""
    if COMPILED:
        lead: Lead = pop_timed(heap)
        if not heap:
            return lead, INF
        first: Lead = heap[0]  # typed: its `at` is then a native field read
        return lead, first.at
    lead = heappop(heap)[2]
    return lead, heap[0][0] if heap else INF


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
        self._arrived = daily["leads_arrived"]
        self._source_leads = daily[f"source:{source.name}:leads"]
        self._arrived_fit = daily["leads_arrived_fit"]
        self._incremental = daily["leads_incremental"]
        self._cost = daily["marketing_cost"]
        self.ledger = ledger

    def configure(
        self, source: LeadSource, lead_filter: LeadFilter, score_accuracy: float, overall: float
    ) -> None:
        """Read the source's volume, fit, cost and delay, the lead scoring and the overall
        multiplier (at the start, and again when a change sets them)."""
        self.overall = overall
        self.source = source
        self.lead_filter = lead_filter
        # The filter's rules as plain numbers (read for every lead; a scenario model's
        # attributes are slow generic lookups in the compiled build).
        self.filter_on = lead_filter.enabled
        self.suspect_catch = lead_filter.suspect_catch_share
        self.fit_drop = lead_filter.fit_drop_share
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
                n = arr.poisson(rate)
                if n > 0:
                    times.extend([(day + u, incremental) for u in arr.uniform_run(n)])
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
        # `c[d] = c[d] + x`: a float add in the compiled build (see Rep._morning).
        c = self._arrived
        c[d] = c[d] + 1.0
        c = self._source_leads
        c[d] = c[d] + 1.0
        if fit:
            c = self._arrived_fit
            c[d] = c[d] + 1.0
        if incremental:
            c = self._incremental
            c[d] = c[d] + 1.0
        c = self._cost
        c[d] = c[d] + (self.marginal_cost if incremental else self.base_cost)
        # A lead score tells fit from suspect with limited accuracy (used by scoring queues).
        correct = attr.uniform() < self.score_accuracy
        lead.score_high = fit if correct else not fit
        if self.filter_on:
            u = attr.uniform()
            if (not fit and u < self.suspect_catch) or (fit and u < self.fit_drop):
                lead.fate = FATE_FILTERED
                self.ledger.add("leads_" + FATE_FILTERED, at)
        return lead
