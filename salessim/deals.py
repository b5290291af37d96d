"""Deals maturing through stages: rep work, buyer time, touches, neglect, rushing, outcomes."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import simpy

from salessim.agenda import Agenda
from salessim.config import DAYS_PER_QUARTER, DAYS_PER_WEEK, Scenario
from salessim.entities import (
    LOSS_COMPETITOR,
    LOSS_DISQUALIFIED,
    LOSS_NEGLECT,
    LOSS_NO_DECISION,
    ORIGIN_INITIAL,
    PHASE_BUYER,
    PHASE_CLOSED,
    PHASE_REP,
    PHASE_WAITING_OWNER,
    Deal,
)
from salessim.ledger import Ledger
from salessim.random_streams import Stream, Streams, lognormal, lognormal_beyond

if TYPE_CHECKING:
    from salessim.reps import Rep

INF: Final = float("inf")


class DealDesk:
    """Owns every open deal and moves it along; reps only do the hours of work it asks for."""

    def __init__(
        self,
        agenda: Agenda,
        scenario: Scenario,
        streams: Streams,
        ledger: Ledger,
        ae_roster: Callable[[], list[Rep]],
        records: bool = False,
    ) -> None:
        self.env: simpy.Environment = agenda.env
        self._agenda = agenda  # the model's: one agenda (one heap of distant alarms) a run
        self.streams = streams
        self.ledger = ledger
        self.ae_roster = ae_roster
        self.hours_per_day = scenario.calendar.hours_per_day
        self.n_stages = len(scenario.deals.stages)
        # Day of each quarter on which its forecast is called (deals created later are run-rate).
        self.call_day = scenario.forecast.snapshot_week * DAYS_PER_WEEK
        self.open: dict[int, Deal] = {}
        self.handoff_queue: deque[Deal] = deque()
        self._rr = 0
        self._last_id = 0
        self.deals_created = 0
        self.deals_initial = 0
        self.configure(scenario)
        self.records: list[Deal] | None = [] if records else None

    def configure(self, scenario: Scenario) -> None:
        """Read the scenario's deal rules (at the start, and again when a change sets them)."""
        self.sc = scenario
        self.stages = scenario.deals.stages
        self.neglect = scenario.neglect
        self.rush = scenario.rushing
        self.touch_every = scenario.deals.touch_every_days
        self.touch_hours = scenario.deals.touch_hours
        self.competitor_share = scenario.deals.competitor_share
        seg_cum: list[float] = []
        acc = 0.0
        for seg in scenario.segments:
            acc += seg.share
            seg_cum.append(acc)
        self.segment_cum = seg_cum
        # First stage whose forecast weight is counted as "in the forecast" (CSO Insights fates).
        self.forecast_stage = next(
            (i for i, s in enumerate(self.stages) if s.forecast_probability >= 0.5),
            self.n_stages - 1,
        )
        # Expected remaining days from the start of each stage, for expected close dates.
        remaining: list[float] = [0.0] * (self.n_stages + 1)
        for i in range(self.n_stages - 1, -1, -1):
            s = self.stages[i]
            remaining[i] = remaining[i + 1] + s.buyer_days + s.rep_hours / self.hours_per_day
        self.remaining_days = remaining
        self.handoff_cap = scenario.sdrs.ae_max_open_deals
        self.handoff_rule = scenario.sdrs.handoff
        # The rules read at every stage of every deal, copied as plain numbers: the compiled
        # build then reads a field rather than asking a validated scenario model for it.
        stages = self.stages
        self._buyer_days = [s.buyer_days for s in stages]
        self._buyer_days_cv = [s.buyer_days_cv for s in stages]
        self._rep_hours = [s.rep_hours for s in stages]
        self._dropout = [s.dropout_probability for s in stages]
        self._segment_values = [(s.value_median, s.value_sigma) for s in scenario.segments]
        neglect = self.neglect
        self._grace_days = neglect.grace_days
        self._loss_hazard = neglect.loss_hazard_per_day
        self._slip_per_day = neglect.slip_days_per_day
        rush = self.rush
        self._rush_on = rush.enabled
        self._rush_from = rush.from_stage
        self._rush_late = rush.late_days_threshold
        self._rush_window = rush.quarter_end_window_days
        self._rush_backlog = rush.backlog_hours_threshold
        self._rush_extra_loss = rush.extra_loss_probability

    # ----------------------------------------------------------------- creation and ownership
    def open_existing(
        self, stage: int, value: float, age_in_stage: float, segment: int, owner: Rep
    ) -> Deal:
        """A deal already open at the start of the run (today's pipeline): in the buyer's part
        of `stage` for `age_in_stage` days so far, owned by `owner`. It counts as no new
        opportunity; its random numbers come from a stream of its own."""
        v = self.streams.get("deals:" + ORIGIN_INITIAL)
        self._last_id += 1
        self.deals_initial += 1
        deal = Deal(self._last_id, ORIGIN_INITIAL, segment, value, self.env._now - age_in_stage)
        deal.dice = v.uniforms(4 * self.n_stages)
        deal.z = v.normals(self.n_stages)
        deal.stage = stage
        self.open[deal.id] = deal
        if self.records is not None:
            self.records.append(deal)
            # No stage history: when it entered its earlier stages is not known.
        deal.owner = owner
        owner.take_deal()
        self._start_buyer_phase(deal, age_in_stage)
        return deal

    def create(self, origin: str, owner: Rep | None, lead_id: int = 0) -> Deal:
        """A new opportunity (its first meeting is now); owned by `owner` or handed off;
        `lead_id` names the marketing lead it came from (0: prospecting)."""
        now: float = self.env._now
        v = self._stream(origin)
        seg = v.choice_index(self.segment_cum)
        median, sigma = self._segment_values[seg]
        value = median * math.exp(sigma * v.normal())
        self.deals_created += 1
        self._last_id += 1
        deal = Deal(self._last_id, origin, seg, value, now)
        deal.lead_id = lead_id
        n = self.n_stages
        deal.dice = v.uniforms(4 * n)
        deal.z = v.normals(n)
        self.open[deal.id] = deal
        if self.records is not None:
            self.records.append(deal)
            deal.history = [now]
        self.ledger.add("opps_" + origin, now)
        if owner is not None and owner.active:
            self._give(deal, owner)
        else:
            self._hand_off(deal)
        return deal

    def _give(self, deal: Deal, rep: Rep) -> None:
        deal.owner = rep
        rep.take_deal()
        if deal.phase == PHASE_WAITING_OWNER or (deal.stage == 0 and deal.phase == PHASE_REP):
            self._start_rep_phase(deal, keep_due=deal.phase == PHASE_WAITING_OWNER)
        elif deal.phase == PHASE_REP:
            rep.queue_stage_work(deal)
        elif deal.phase == PHASE_BUYER:
            rep.schedule_touch(deal)

    def _pick_ae(self) -> Rep | None:
        roster = [r for r in self.ae_roster() if r.active]
        if not roster:
            return None
        cap = self.handoff_cap
        if cap is not None:
            roster = [r for r in roster if r.open_deals < cap]
            if not roster:
                return None
        if self.handoff_rule == "round_robin":
            self._rr += 1
            return roster[self._rr % len(roster)]
        return min(roster, key=lambda r: (r.open_deals, r.seat))

    def _hand_off(self, deal: Deal) -> None:
        rep = self._pick_ae()
        if rep is not None:
            self._give(deal, rep)
            return
        # Nobody can take it: it waits, and waiting is neglect like any other.
        now: float = self.env._now
        deal.owner = None
        deal.phase = PHASE_WAITING_OWNER
        deal.due = now
        deal.loss_at = self._loss_time(deal, now)
        self.handoff_queue.append(deal)

    def capacity_freed(self) -> None:
        """An AE closed a deal or joined: waiting hand-offs may now find an owner."""
        q = self.handoff_queue
        now: float = self.env._now
        while q:
            deal = q[0]
            if deal.loss_at <= now:
                q.popleft()
                self._lose(deal, LOSS_NEGLECT, deal.loss_at)
                continue
            rep = self._pick_ae()
            if rep is None:
                return
            q.popleft()
            self._give(deal, rep)

    def reassign_from(self, leaver: Rep) -> None:
        """A rep left: their open deals go to colleagues, or are lost, per the scenario."""
        deals = [d for d in self.open.values() if d.owner is leaver]
        lose = self.sc.aes.on_departure == "lose"
        now: float = self.env._now
        for deal in deals:
            if lose:
                self._lose(deal, LOSS_NEGLECT, now)  # closing it releases it from the leaver
            else:
                leaver.release_deal(deal)
                deal.owner = None
                self._hand_off(deal)

    # ----------------------------------------------------------------- the stage cycle
    def _stream(self, origin: str) -> Stream:
        return self.streams.get("deals:" + origin)

    def _loss_time(self, deal: Deal, due: float) -> float:
        """When a deal waiting since `due` is lost if still waiting (hazard after grace)."""
        hazard = self._loss_hazard
        if hazard <= 0.0:
            return INF
        u = deal.dice[4 * min(deal.stage, self.n_stages - 1) + 3]
        return due + self._grace_days - math.log1p(-u) / hazard

    def _start_rep_phase(self, deal: Deal, keep_due: bool = False) -> None:
        now: float = self.env._now
        deal.phase = PHASE_REP
        deal.token += 1
        deal.work_left = self._rep_hours[deal.stage] * deal.rep_factor
        if not keep_due:
            deal.due = now
            deal.loss_at = self._loss_time(deal, now)
        deal.expected_close = now + self.remaining_days[deal.stage] * deal.buyer_factor
        rep = deal.owner
        assert rep is not None
        if deal.work_left <= 0.0:
            self._start_buyer_phase(deal)
            return
        rep.queue_stage_work(deal)

    def begin_stage_work(self, deal: Deal, rep: Rep) -> bool:
        """The rep turns to this deal's stage work: False if the wait already lost it."""
        now: float = self.env._now
        if deal.loss_at <= now:
            self._lose(deal, LOSS_NEGLECT, deal.loss_at)
            return False
        # Each day the buyer waited beyond grace pushes their own timetable out (slip).
        waited = now - deal.due
        excess = waited - self._grace_days
        deal.slip = self._slip_per_day * excess if excess > 0.0 else 0.0
        deal.loss_at = INF
        if not deal.rushed and self._rush_on and deal.stage >= self._rush_from:
            days_left = DAYS_PER_QUARTER - (now % DAYS_PER_QUARTER)
            late = self._rush_late
            if (
                days_left <= self._rush_window
                or (late is not None and waited > late)
                or rep.backlog_hours() > self._rush_backlog
            ):
                self._rush(deal)
        return True

    def _rush(self, deal: Deal) -> None:
        r = self.rush
        deal.rushed = True
        deal.discount = r.discount_share
        deal.rep_factor = 1.0 - r.rep_hours_saved_share
        deal.buyer_factor = 1.0 - r.buyer_days_saved_share
        deal.work_left *= deal.rep_factor
        self.ledger.add("deals_rushed", self.env._now)

    def finish_stage_work(self, deal: Deal) -> None:
        """The rep's stage work is done: the deal slips by its neglect, then the buyer works."""
        self._start_buyer_phase(deal)

    def _start_buyer_phase(self, deal: Deal, elapsed: float = 0.0) -> None:
        """The buyer's part of the stage; `elapsed` days of it are already over (a deal of
        today's pipeline), so its length is drawn given it has lasted that long."""
        now: float = self.env._now
        mean = self._buyer_days[deal.stage] * deal.buyer_factor
        cv = self._buyer_days_cv[deal.stage]
        z = deal.z[deal.stage]
        if elapsed > 0.0:
            days = lognormal_beyond(mean, cv, z, elapsed) - elapsed
        else:
            days = lognormal(mean, cv, z) + deal.slip
        deal.slip = 0.0
        deal.phase = PHASE_BUYER
        deal.token += 1
        deal.last_touch = now
        deal.loss_at = INF
        deal.expected_close = now + days + self.remaining_days[deal.stage + 1] * deal.buyer_factor
        rep = deal.owner
        if rep is not None and self.touch_hours > 0.0 and days > self.touch_every:
            deal.touch_due = now + self.touch_every
            rep.schedule_touch(deal)
        else:
            deal.touch_due = INF
        token = deal.token
        self._agenda.call_later(days, lambda _e: self._buyer_done(deal, token))

    def touch_valid(self, deal: Deal, token: int) -> bool:
        return deal.phase == PHASE_BUYER and deal.token == token

    def finish_touch(self, deal: Deal) -> None:
        """A touch keeps the buyer warm; the next one falls due a cadence later (the rep who
        touched it schedules that one)."""
        now: float = self.env._now
        deal.last_touch = now
        deal.touch_due = now + self.touch_every

    def _buyer_done(self, deal: Deal, token: int) -> None:
        if deal.phase != PHASE_BUYER or deal.token != token:
            return
        now: float = self.env._now
        # A buyer left without contact beyond the cadence and grace may go elsewhere.
        if self.touch_hours > 0.0:
            silent = now - deal.last_touch - self.touch_every - self._grace_days
            if silent > 0.0:
                hazard = self._loss_hazard
                if deal.dice[4 * deal.stage] < 1.0 - math.exp(-hazard * silent):
                    self._lose(deal, LOSS_NEGLECT, now)
                    return
        p_drop = self._dropout[deal.stage]
        if deal.rushed and deal.stage == self.n_stages - 1:
            p_drop = min(1.0, p_drop + self._rush_extra_loss)
        if deal.dice[4 * deal.stage + 1] < p_drop:
            if deal.stage == 0:
                reason = LOSS_DISQUALIFIED
            elif deal.dice[4 * deal.stage + 2] < self.competitor_share:
                reason = LOSS_COMPETITOR
            else:
                reason = LOSS_NO_DECISION
            self._lose(deal, reason, now)
            return
        deal.stage += 1
        if deal.history is not None and deal.stage < self.n_stages:
            deal.history.append(now)
        if deal.stage >= self.n_stages:
            self._win(deal)
            return
        self._start_rep_phase(deal)

    # ----------------------------------------------------------------- outcomes
    def _close(self, deal: Deal, when: float) -> None:
        deal.phase = PHASE_CLOSED
        deal.token += 1
        deal.closed_at = when
        del self.open[deal.id]
        rep = deal.owner
        if rep is not None:
            rep.release_deal(deal)
        self.ledger.add("open_deal_days", when, when - deal.created)
        if deal.stage >= self.forecast_stage:
            self.ledger.add("deals_closed_forecast_stage", when)
        if rep is not None:
            rep.notify()
            if self.handoff_queue:
                self.capacity_freed()

    def _win(self, deal: Deal) -> None:
        now: float = self.env._now
        deal.outcome = "won"
        owner = deal.owner
        self._close(deal, now)
        net = deal.net_value
        if owner is not None:
            owner.credit_win(now, net)
        ledger = self.ledger
        ledger.add("wins", now)
        ledger.add("won_deal_days", now, now - deal.created)
        ledger.add("bookings", now, net)
        if deal.created > now - now % DAYS_PER_QUARTER + self.call_day:
            ledger.add("bookings_after_call", now, net)
        ledger.add("list_value_won", now, deal.list_value)
        ledger.add("discount_given", now, deal.list_value - net)
        ledger.add(
            "gross_profit", now, net - deal.list_value * (1.0 - self.sc.economics.gross_margin)
        )
        ledger.add("commission", now, net * self.sc.economics.commission_rate)
        ledger.add("forecast_stage_wins", now)

    def _lose(self, deal: Deal, reason: str, when: float) -> None:
        deal.outcome = "lost"
        deal.reason = reason
        self._close(deal, when)
        self.ledger.add("losses_" + reason, when)
        if deal.stage >= self.forecast_stage:
            key = (
                "forecast_stage_no_decision"
                if reason == LOSS_NO_DECISION
                else ("forecast_stage_losses")
            )
            self.ledger.add(key, when)

    def lose_neglected(self, deal: Deal) -> None:
        """Book the loss of a deal that waited too long for its rep, at the time it was lost."""
        self._lose(deal, LOSS_NEGLECT, deal.loss_at)

    def sweep(self) -> None:
        """Book every neglect loss that has happened by now (weekly, for honest snapshots)."""
        now: float = self.env._now
        lost = [d for d in self.open.values() if d.phase != PHASE_BUYER and d.loss_at <= now]
        for deal in lost:
            if deal.phase == PHASE_CLOSED:
                continue  # already lost while an earlier loss freed hand-off capacity
            if deal.phase == PHASE_WAITING_OWNER:
                self.handoff_queue.remove(deal)
            self._lose(deal, LOSS_NEGLECT, deal.loss_at)
