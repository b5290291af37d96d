"""A rep (AE or SDR): one dispatcher spending a finite day of hours on chosen tasks.

Each working day has a selling window (hours × (1 − non-selling share) × ramp productivity)
followed by non-selling time. Within the window the rep asks its policy for a task, works it
(chunked to what is left of the day, carried over otherwise) or waits, idle, until something
arrives. Every hour is booked to exactly one activity. The dispatcher is a chain of callbacks
on SimPy events (one event per step or wait, as a process would yield), not a process: the
same events in the same order, without a generator resumed at every step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import simpy

from salessim.agenda import Alarm, heappop, heappush
from salessim.config import DAYS_PER_QUARTER, DAYS_PER_YEAR
from salessim.entities import (
    ACT_DEAL_WORK,
    ACT_IDLE,
    ACT_NON_SELLING,
    ACT_PROSPECTING,
    ACT_QUALIFYING,
    ACTIVITIES,
    FATE_COLD,
    FATE_CONVERTED,
    FATE_DISQUALIFIED,
    FATE_NO_OPPORTUNITY,
    FATE_UNREACHED,
    KIND_ACTIVITY,
    ORIGIN_AE_PROSPECTING,
    ORIGIN_MARKETING,
    ORIGIN_SDR_INBOUND,
    ORIGIN_SDR_PROSPECTING,
    PHASE_BUYER,
    TASK_LEAD,
    TASK_PROSPECT,
    TASK_STAGE_WORK,
    TASK_TOUCH,
    Deal,
    Lead,
    Task,
)
from salessim.policies import RepPolicy
from salessim.territory import Territory

if TYPE_CHECKING:
    from salessim.config import Scenario
    from salessim.leads import LeadQueue
    from salessim.model import SalesModel

EPS: Final = 1e-9


class Rep:
    """An account executive or SDR with a seat, a territory, a pipeline and a policy."""

    def __init__(
        self,
        model: SalesModel,
        role: str,
        seat: int,
        policy: RepPolicy,
        territory: Territory,
        hired_at: float,
        ramp_days: int,
        ramp_start_share: float,
        non_selling_share: float,
        cost_per_year: float,
        lead_queue: LeadQueue | None,
    ) -> None:
        self.model = model
        self.env: simpy.Environment = model.env
        self._agenda = model.agenda
        self.role = role
        self.is_ae = role == "ae"
        self.seat = seat
        self.policy = policy
        self.territory = territory
        self.hired_at = float(hired_at)  # a float in every build (an int day would print as -105)
        self.left_at = -1.0  # the day they left (-1: still on the team)
        self.person = 0  # who this is (a backfill reuses the seat): set when records are kept
        self.ramp_days = ramp_days
        self.ramp_start_share = ramp_start_share
        self.non_selling_share = non_selling_share
        self.daily_cost = cost_per_year / DAYS_PER_YEAR
        self.lead_queue = lead_queue
        self.hours_per_day = model.hours_per_day
        self.prefix = role + "_hours_"
        # The rep's deals, changed only through the methods the deal desk calls: stage work
        # waiting, a heap of touches by due time, and the count of open deals owned.
        self._ready: list[Deal] = []
        self._touches: list[tuple[float, int, int, Deal]] = []
        self._open_deals = 0
        self.wins_booked: list[tuple[float, float]] = []  # (day, value) credited for quota
        self.active = True
        self.leaving = False
        self.prospecting_on = False  # set by the pipeline marks on the first decision
        self.block_hours_left = 0.0
        self.floor_hours_left = 0.0  # calling still owed today above the pipeline mark
        self.productivity = 1.0
        self.carry: Task | None = None  # the task under way, or carried over to tomorrow
        # The rep's one task object, set afresh for each task it chooses: a rep has one task
        # at a time, chosen only when the last is finished or dropped (`carry` is None).
        self._task = Task()
        self.doing = ""  # activity under way in the selling window ("" between steps)
        self.since = 0.0
        self.wake: simpy.Event | None = None
        self._day_timer: simpy.Event | None = None
        self._read_work_rules(model.scenario)
        # The working day as callbacks on SimPy events (one per step or wait, no process):
        # the counters each day adds to, and the day's state between its events.
        daily = model.ledger.daily
        prefix = self.prefix
        self._H = model.hours_per_day
        self._horizon = model.horizon
        self._hours_of = {act: daily[prefix + act] for act in ACTIVITIES}
        # The hours counter of each kind of task (by TASK_* number), for its steps.
        self._hours_by_kind = [self._hours_of[act] for act in KIND_ACTIVITY]
        self._available = daily[prefix + "available"]
        self._non_selling = self._hours_of[ACT_NON_SELLING]
        self._salary = daily[role + "_salary_cost"]
        self._headcount = daily[role + "_headcount"]
        self._first_attempts = daily["leads_first_attempt"]
        self._response_hours = daily["response_hours_sum"]
        self._lead_attempts = daily["lead_attempts"]
        self._policy = policy  # the policy read this morning (a change applies tomorrow)
        self._spare = self.spare_activity  # where this day's waiting hours go
        self._idle_hours = self._hours_of[self._spare]
        self._start = 0.0  # this working day's start
        self._day = 0
        self._window_end = 0.0  # end of this day's selling window
        self._step_hours = 0.0  # hours of the step under way, of the task's
        self._step_need = 0.0  # hours the task needed when the step began
        self._step_end = 0.0  # when the step under way is done (its alarm's time)
        # Bound once: every step schedules one of these as an event's callback.
        self._morning_cb: Callable[[object], None] = self._morning
        self._woken_cb: Callable[[object], None] = self._woken
        # The rep's next step or morning is one alarm at a time, each armed after the last
        # has rung: one alarm, armed again with one of two callback lists, for all of them.
        self._next = Alarm(self._morning_cb)
        self._next.callbacks = None  # rung: free to be armed
        self._step_cbs: list[Callable[[object], None]] = [self._step_done]
        self._morning_cbs: list[Callable[[object], None]] = [self._morning_cb]

    def _read_work_rules(self, sc: Scenario) -> None:
        """Cache the scenario's rules for calling, prospecting and picking work (read at every
        step, so kept as attributes; re-read when a change sets them)."""
        q = sc.qualification
        self.attempt_hours = q.attempt_minutes / 60.0
        self.connect_p = q.connect_probability
        self.max_attempts = q.max_attempts
        self.retry_gap = q.retry_gap_days
        self.conv_hours = q.conversation_hours
        self.conv_cv = q.conversation_cv
        self.fit_conv = q.fit_conversion_probability
        self.session_hours = q.call_session_minutes / 60.0
        pr = sc.prospecting
        eff = pr.efficiency.ae if self.is_ae else pr.efficiency.sdr
        self.dials_per_hour = pr.dials_per_hour * eff
        self.dials_per_account = pr.dials_per_account
        self.dial_p = pr.dial_to_opportunity_probability
        self.block_hours = pr.block_hours
        self.meeting_lag = pr.meeting_lag_days
        pol = sc.aes.policy
        self.low_mark = pol.pipeline_low_deals
        self.high_mark = pol.pipeline_high_deals
        self.floor_share = pol.prospecting_share_above_mark if self.is_ae else 0.0
        self.close_days = pol.quarter_end_close_days if self.is_ae else 0
        # Hours no task can use: waiting (idle), or account research and admin (non-selling).
        self.spare_activity = (
            ACT_NON_SELLING if self.is_ae and pol.spare_hours == "research" else ACT_IDLE
        )
        sla = pol.response_sla_hours
        self.sla_days = None if sla is None else sla / self.hours_per_day

    def configure(self, sc: Scenario, policy: RepPolicy) -> None:
        """A change set the scenario: from the next working day the rep works by its rules
        (ramp, non-selling share, cost, policy, calling and prospecting)."""
        team = sc.aes if self.is_ae else sc.sdrs
        self.ramp_days = team.ramp_days
        self.ramp_start_share = team.ramp_start_share
        self.non_selling_share = team.non_selling_share
        economics = sc.economics
        cost = economics.ae_cost_per_year if self.is_ae else economics.sdr_cost_per_year
        self.daily_cost = cost / DAYS_PER_YEAR
        self.policy = policy
        self._read_work_rules(sc)

    # ----------------------------------------------------------------- waking up
    def notify(self) -> None:
        """Something this rep could work on appeared: wake them if they are idle."""
        wake = self.wake
        if wake is not None and not wake.triggered:
            wake.succeed()

    def _day_over(self, _event: simpy.Event) -> None:
        self.notify()

    def give_notice(self) -> None:
        """The rep will leave at the start of their next working day."""
        self.leaving = True
        self.notify()

    def drop_carried_task(self) -> Lead | None:
        """A leaver drops the task under way; returns the lead of a conversation cut short."""
        task, self.carry = self.carry, None
        return task.lead if task is not None else None

    # ----------------------------------------------------------------- the deals owned
    @property
    def open_deals(self) -> int:
        """Open deals this rep owns."""
        return self._open_deals

    def take_deal(self) -> None:
        """The desk made this rep the owner of one more open deal."""
        self._open_deals += 1

    def queue_stage_work(self, deal: Deal) -> None:
        """A deal of this rep's waits for its stage work: wake the rep if idle."""
        self._ready.append(deal)
        wake = self.wake  # notify() inlined: this runs for every stage of every deal
        if wake is not None and not wake.triggered:
            wake.succeed()

    def schedule_touch(self, deal: Deal) -> None:
        """The deal's buyer is due a touch at `deal.touch_due` (stale once its token moves on)."""
        heappush(self._touches, (deal.touch_due, deal.id, deal.token, deal))

    def credit_win(self, day: float, value: float) -> None:
        """A deal this rep owned was won: its bookings count toward the rep's quota."""
        self.wins_booked.append((day, value))

    def release_deal(self, deal: Deal) -> None:
        """The deal closed or went to someone else: it is no longer this rep's work."""
        self._open_deals -= 1
        if deal in self._ready:
            self._ready.remove(deal)

    # ----------------------------------------------------------------- the day
    def ramp_productivity(self, now: float) -> float:
        """Share of a full rep's selling hours this rep has (new hires ramp up linearly)."""
        if self.ramp_days <= 0:
            return 1.0
        progress = (now - self.hired_at) / self.ramp_days
        if progress >= 1.0:
            return 1.0
        s0 = self.ramp_start_share
        return s0 + (1.0 - s0) * max(progress, 0.0)

    def start(self) -> None:
        """Start the rep's working days now, after the events already due now that SimPy
        runs first (as a process would start: an urgent event, not a call)."""
        self._agenda.call_soon(self._morning_cb)

    def _morning(self, _event: object) -> None:
        """A working day starts (or the rep leaves): read the day's rules and book its hours."""
        start: float = self.env._now
        day = int(start + EPS)
        if self.leaving or day >= self._horizon:
            self.active = False
            self.model.rep_left(self)
            return
        H = self._H
        # Read each morning: a change may have set the rep's rules overnight.
        policy = self._policy = self.policy
        self._spare = self.spare_activity
        self._idle_hours = self._hours_of[self._spare]
        self.productivity = self.ramp_productivity(start)
        selling = H * (1.0 - self.non_selling_share) * self.productivity
        self._start = start
        self._day = day
        self._window_end = start + selling / H
        # Counters added to as `c[day] = c[day] + x`: a float add in the compiled build
        # (`c[day] += x` is a generic in-place add there, with the 1.0 boxed first).
        available = self._available
        available[day] = available[day] + H
        non_selling = self._non_selling
        non_selling[day] = non_selling[day] + (H - selling)
        salary = self._salary
        salary[day] = salary[day] + self.daily_cost
        headcount = self._headcount
        headcount[day] = headcount[day] + 1.0
        self.floor_hours_left = self.floor_share * selling
        policy.start_day(self)
        if self._ready:
            self._lose_neglected(start)
        self._day_timer = None
        self._work(start)

    def _work(self, now: float) -> None:
        """Take the next task (or wait for one) until the selling window is over, then wait
        for tomorrow morning; every wait is one event whose callback carries on from here.
        `now` is the clock's time, passed by the caller that knows it (it is a generic
        attribute of SimPy's environment, slow to read in the compiled build)."""
        env = self.env
        H = self._H
        window_end = self._window_end
        left = (window_end - now) * H
        if left > EPS:
            task = self.carry
            if task is None:
                task = self._policy.choose(self, now, left)
            if task is None:
                wake = self.wake = simpy.Event(env)
                if self.lead_queue is not None:
                    self.model.arm_lead_alarm(self.lead_queue)
                if self._day_timer is None:
                    self._day_timer = env.timeout(window_end - now)
                    self._day_timer.callbacks.append(self._day_over)
                self.since, self.doing = now, self._spare
                wake.callbacks.append(self._woken_cb)
                return
            need = self._step_need = task.hours
            self._step_hours = need if need < left else left
            self.carry = task
            self.since, self.doing = now, task.activity
            delay = self._step_hours / H
            self._step_end = now + delay  # the clock's time when the step is done
            self._agenda.call_again(self._next, now, delay, self._step_cbs)
            return
        rest = self._start + 1.0 - now
        if rest > 0.0:
            self._agenda.call_again(self._next, now, rest, self._morning_cbs)
        else:
            self._morning(None)

    def _woken(self, _event: object) -> None:
        """Something to do arrived (or the window closed) while the rep waited."""
        self.doing = ""
        self.wake = None
        now: float = self.env._now
        idle = self._idle_hours
        day = self._day
        idle[day] = idle[day] + (now - self.since) * self._H
        self._work(now)

    def _step_done(self, _event: object) -> None:
        """A step of the task under way is over: book its hours, finish it if it is done."""
        self.doing = ""
        task = self.carry
        assert task is not None
        h = self._step_hours
        kind = task.kind
        hours = self._hours_by_kind[kind]  # task.activity's counter, found by number
        day = self._day
        hours[day] = hours[day] + h
        if kind == TASK_PROSPECT:
            self.block_hours_left -= h
            self.floor_hours_left -= h
        need = self._step_need - h
        task.hours = need
        if need > EPS:
            if task.deal is not None and kind == TASK_STAGE_WORK:
                task.deal.work_left = need
        else:
            self.carry = None
            self._finish(task, h)
        self._work(self._step_end)

    def book_unfinished(self, end: float) -> None:
        """At the end of a run, book the hours of the step under way (they count too)."""
        if self.doing:
            day = int(self.since + EPS)
            self.model.ledger.daily[self.prefix + self.doing][day] += (
                end - self.since
            ) * self.hours_per_day

    def _lose_neglected(self, now: float) -> None:
        """Deals that waited too long for this rep's stage work are lost (booked when lost)."""
        desk = self.model.desk
        for deal in [d for d in self._ready if d.loss_at <= now]:
            desk.lose_neglected(deal)

    # ----------------------------------------------------------------- what there is to do
    def backlog_hours(self) -> float:
        """Deal-work hours this rep owes (stage work waiting, including what is under way)."""
        total = sum(d.work_left for d in self._ready)
        carry = self.carry
        if carry is not None and carry.kind == TASK_STAGE_WORK:
            total += carry.hours
        return total

    def deal_task(self, now: float) -> Task | None:
        """The most advanced deal waiting for stage work, else a touch that has fallen due."""
        ready = self._ready
        desk = self.model.desk
        while ready:
            best = ready[0]
            for d in ready:
                if d.stage > best.stage or (d.stage == best.stage and d.due < best.due):
                    best = d
            ready.remove(best)
            if desk.begin_stage_work(best, self):
                return self._task.assign(TASK_STAGE_WORK, ACT_DEAL_WORK, best.work_left, deal=best)
        # Touches that have fallen due are done at one sitting (calls and emails in a row).
        touches = self._touches
        if not touches or touches[0][0] > now:
            return None
        batch: list[Deal] = []
        while touches and touches[0][0] <= now:
            _, _, token, deal = heappop(touches)
            if desk.touch_valid(deal, token) and deal.owner is self:
                batch.append(deal)
        if not batch:
            return None
        return self._task.assign(
            TASK_TOUCH, ACT_DEAL_WORK, desk.touch_hours * len(batch), batch=batch
        )

    def lead_task(self, now: float, hours_left: float) -> Task | None:
        """A calling session: dial queued leads until one connects or the sitting is over.

        Missed attempts are settled at their own minute within the session (retry booked or
        lead given up); a connected lead's conversation follows and ends the session.
        """
        queue = self.lead_queue
        if queue is None:
            return None
        lead = queue.pop(now)
        if lead is None:
            return None
        model = self.model
        first_attempts = self._first_attempts
        response_hours = self._response_hours
        attempts = self._lead_attempts
        qual = model.qual_stream  # qual.uniform() each time: a direct call when compiled
        H = self.hours_per_day
        session = self.session_hours
        cap = hours_left if hours_left < session else session
        attempt_hours = self.attempt_hours
        connect_p = self.connect_p
        max_attempts = self.max_attempts
        retry_gap = self.retry_gap
        spent = 0.0
        day = int(now)
        while lead is not None:
            t = now + spent / H
            tries = lead.attempts
            if tries == 0:
                lead.first_contact = t
                first_attempts[day] = first_attempts[day] + 1.0
                response_hours[day] = response_hours[day] + (t - lead.arrival) * H
            spent += attempt_hours
            if qual.uniform() < connect_p:
                return self._conversation(lead, t, spent)
            tries += 1
            lead.attempts = tries
            attempts[day] = attempts[day] + 1.0
            if tries < max_attempts:
                queue.push_retry(lead, t + retry_gap)
            else:
                model.end_lead(lead, FATE_UNREACHED, t)
            if spent >= cap:
                break
            lead = queue.pop(now)
        return self._task.assign(TASK_LEAD, ACT_QUALIFYING, spent)

    def _conversation(self, lead: Lead, t: float, spent: float) -> Task:
        model = self.model
        qual = model.qual_stream
        hours = spent + qual.gamma_mean_cv(self.conv_hours, self.conv_cv)
        if not lead.fit:
            outcome = FATE_DISQUALIFIED
        else:
            # The longer the lead waited for its first call, the less likely the interest is
            # still there when the rep gets through (Oldroyd: the first call's timing counts).
            decay = model.decay[lead.source](
                (lead.first_contact - lead.arrival) * self.hours_per_day
            )
            u = qual.uniform()
            if u < self.fit_conv * decay:
                outcome = FATE_CONVERTED
            elif u < self.fit_conv:
                outcome = FATE_COLD
            else:
                outcome = FATE_NO_OPPORTUNITY
        return self._task.assign(TASK_LEAD, ACT_QUALIFYING, hours, lead=lead, outcome=outcome)

    def overdue_lead_task(self, now: float, hours_left: float) -> Task | None:
        """A calling session if a lead has waited beyond the response SLA (none without SLA)."""
        queue = self.lead_queue
        if self.sla_days is None or queue is None:
            return None
        if queue.oldest_waiting(now) > now - self.sla_days:
            return None
        return self.lead_task(now, hours_left)

    def prospect_task(self, now: float, hours: float) -> Task | None:
        """A block of calls on the territory, if any account there is worth calling."""
        if self.territory.refresh(now) < 1.0 or self.dials_per_hour <= 0.0:
            return None
        return self._task.assign(TASK_PROSPECT, ACT_PROSPECTING, min(self.block_hours, hours))

    def pipeline_prospect_task(self, now: float, hours: float) -> Task | None:
        """Calling as the pipeline marks and management say; above the mark, only the day's
        floor of calling (a reluctant closer calls too little, not never)."""
        if self.wants_prospecting(now):
            return self.prospect_task(now, hours)
        left = self.floor_hours_left
        if left > EPS and not self.model.management_mode and not self.closing_out(now):
            return self.prospect_task(now, left if left < hours else hours)
        return None

    def wants_prospecting(self, now: float) -> bool:
        """Pipeline hysteresis, overridden by management's push or closing focus, and by the
        rep's own quarter-end close-out."""
        mode = self.model.management_mode
        if mode == "push":
            return True
        if mode:
            return False
        if self._open_deals < self.low_mark:
            self.prospecting_on = True
        elif self._open_deals > self.high_mark:
            self.prospecting_on = False
        return self.prospecting_on and not self.closing_out(now)

    def closing_out(self, now: float) -> bool:
        """In the quarter's last `close_days` a rep with a deal open works only to close it:
        commission is paid on what closes by quarter end (the calendar every rep shares)."""
        days = self.close_days
        return (
            days > 0
            and self._open_deals > 0
            and DAYS_PER_QUARTER - now % DAYS_PER_QUARTER <= days + EPS
        )

    # ----------------------------------------------------------------- finishing work
    def _finish(self, task: Task, last_hours: float) -> None:
        kind = task.kind
        desk = self.model.desk
        if kind == TASK_STAGE_WORK:
            deal = task.deal
            assert deal is not None
            deal.work_left = 0.0
            desk.finish_stage_work(deal)
        elif kind == TASK_TOUCH:
            touches = self._touches
            for deal in task.batch or ():
                if deal.phase == PHASE_BUYER and deal.owner is self:
                    desk.finish_touch(deal)
                    heappush(touches, (deal.touch_due, deal.id, deal.token, deal))
        elif kind == TASK_LEAD:
            self._finish_lead(task)
        else:
            # A prospecting block is never split across days: its hours are the last chunk.
            self._finish_prospecting(last_hours)

    def _finish_lead(self, task: Task) -> None:
        lead = task.lead
        if lead is None:  # a session of missed calls only: already settled
            return
        now: float = self.env._now
        model = self.model
        lead.attempts += 1
        attempts = self._lead_attempts  # the ledger's "lead_attempts", as Ledger.add adds
        day = int(now)
        if day >= self._horizon:
            day = self._horizon - 1
        attempts[day] = attempts[day] + 1.0
        model.end_lead(lead, task.outcome, now)
        if task.outcome == FATE_CONVERTED:
            origin = ORIGIN_MARKETING if self.is_ae else ORIGIN_SDR_INBOUND
            model.desk.create(origin, self if self.is_ae else None, lead.id)

    def _finish_prospecting(self, hours: float) -> None:
        """Dials on fresh accounts yield opportunities; their first meeting comes after a lag."""
        now: float = self.env._now
        model = self.model
        accounts = self.territory.work(now, self.dials_per_hour * hours / self.dials_per_account)
        dials = accounts * self.dials_per_account
        stream = model.prospect_stream
        n = stream.poisson(dials * self.dial_p)
        for _ in range(n):
            lag = self.meeting_lag * (0.5 + stream.uniform())
            self._agenda.call_later(lag, self._meeting)

    def _meeting(self, _event: object) -> None:
        if self.is_ae:
            self.model.desk.create(ORIGIN_AE_PROSPECTING, self if self.active else None)
        else:
            self.model.desk.create(ORIGIN_SDR_PROSPECTING, None)
