"""Wires a scenario into one SimPy run: lead sources, reps, deals, management and snapshots.

A run starts from the scenario's state at day 0 (an empty or given open pipeline, reps with
their tenure) and may change scenario on given days (``changes:``): on such a day every part of
the model re-reads the new scenario through its ``configure`` method, so any field read while
the run goes on takes effect; fields read only at the start are refused when the scenario loads
(:data:`salessim.config.FIXED_FOR_RUN`).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from typing import Any

import numpy as np
import simpy
from simpy.events import URGENT

from salessim.agenda import NORMAL, Agenda, Alarm, heappop, pop_timed
from salessim.config import DAYS_PER_QUARTER, DAYS_PER_WEEK, DAYS_PER_YEAR, Forecast, Scenario
from salessim.deals import DealDesk
from salessim.entities import FATE_CONVERTED, LEAD_FATES, Deal, Lead
from salessim.leads import DecayCurve, LeadQueue, LeadSourceArrivals
from salessim.ledger import FORECAST_CATEGORIES, Ledger
from salessim.policies import SDRPolicy, make_policy
from salessim.random_streams import Streams
from salessim.reps import Rep
from salessim.results import RunResult
from salessim.scenario_files import scenario_timeline
from salessim.territory import Territory


def forecast_category(probability: float, forecast: Forecast) -> int:
    """The forecast category (index into FORECAST_CATEGORIES) of a stage with this weight:
    commit for the latest stages (terms agreed), best case from even odds, else pipeline."""
    if probability >= forecast.commit_min_probability:
        return 0
    if probability >= forecast.best_case_min_probability:
        return 1
    return 2


class SalesModel:
    """One replication of a scenario. Build it, call :meth:`run`, get a :class:`RunResult`."""

    def __init__(
        self, scenario: Scenario, seed: int | np.random.SeedSequence = 0, records: bool = False
    ) -> None:
        self.scenario = scenario
        # The scenarios a run changes to on given days (plans that start on a date); a change
        # on or after the horizon falls outside the run.
        self.timeline = [
            (day, changed)
            for day, changed in (scenario_timeline(scenario) if scenario.changes else [])
            if day < scenario.calendar.horizon_days
        ]
        self.seed = seed
        self.env = simpy.Environment()
        self.agenda = Agenda(self.env)
        self.streams = Streams(seed)
        cal = scenario.calendar
        self.hours_per_day = cal.hours_per_day
        self.horizon = cal.horizon_days
        self.ledger = Ledger(self.horizon)
        self.source_keys = [
            (f"source:{src.name}:leads", f"source:{src.name}:converted")
            for src in scenario.lead_sources
        ]
        for keys in self.source_keys:
            self.ledger.add_counters(keys)
        # Each fate's counter name, built once (not a new string, hashed anew, per lead).
        self._fate_keys = {fate: "leads_" + fate for fate in LEAD_FATES}
        self.qual_stream = self.streams.get("qualification")
        self.prospect_stream = self.streams.get("prospecting")
        self.people_stream = self.streams.get("people")
        self.management_mode = ""
        self.aes: list[Rep] = []
        self.sdrs: list[Rep] = []
        self._next_seat = 0
        self._lead_id = 0
        self.lead_records: list[Lead] | None = [] if records else None
        self.people: list[Rep] | None = [] if records else None  # everyone ever hired
        self.ae_roster: list[Rep] = []  # every AE ever hired, for quota attainment
        self.desk = DealDesk(
            self.agenda,
            scenario,
            self.streams,
            self.ledger,
            lambda: self.aes,
            records,
        )
        # The team's lead queue: SDRs (or AEs when leads are shared) call from it; with leads
        # assigned to AEs it only holds leads while no AE is there to take them.
        self.lead_queue = LeadQueue(scenario.qualification, self.ledger)
        self.lead_queues = [self.lead_queue]
        self._lead_turn = 0
        self.decay = [
            DecayCurve([(p.hours, p.multiplier) for p in s.response_decay])
            for s in scenario.lead_sources
        ]
        sdr = scenario.sdrs
        # SDRs take over the marketing leads from the first SDR's first day (day 0 for a
        # starting team; a hiring plan's first day for a team hired later).
        self.sdrs_take_leads = sdr.count > 0 and sdr.works_inbound_leads
        self.leads_assigned = (
            not self.sdrs_take_leads and scenario.qualification.ae_lead_routing == "assigned"
        )
        self.sdr_territory = Territory(
            scenario.prospecting.territory_accounts_per_sdr * sdr.count,
            scenario.prospecting.account_rest_days,
        )
        self.ae_policy = make_policy(scenario.aes.policy)
        self.sdr_policy = SDRPolicy(scenario.aes.policy)
        self.ae_territories: dict[int, Territory] = {}
        # Each AE's list: a share of a fixed market if the scenario sets one, else a list of
        # its own (the market grows with the team).
        market = scenario.prospecting.ae_market_accounts
        self.ae_list_accounts = (
            scenario.prospecting.territory_accounts_per_ae
            if market is None
            else market // scenario.aes.count
        )
        # Each stage's forecast category (an index into FORECAST_CATEGORIES) by its weight.
        self.stage_category = [
            forecast_category(stage.forecast_probability, scenario.forecast)
            for stage in scenario.deals.stages
        ]
        # The deals each past call put in a category, until their quarter is over and scored.
        self._calls: dict[int, list[tuple[Deal, int, float]]] = {}
        # Per scored quarter and category: value called, and value of those deals won in it.
        self._call_outcomes: dict[int, list[tuple[float, float]]] = {}
        # Per scored quarter: bookings its call did not name (the run-rate's history).
        self._unnamed: dict[int, float] = {}
        self._build()

    # ----------------------------------------------------------------- construction
    def _build(self) -> None:
        sc = self.scenario
        env = self.env
        self.sources = [
            LeadSourceArrivals(
                i,
                source,
                self.streams.get("arrivals:" + source.name),
                self.streams.get("lead_attributes:" + source.name),
                sc.lead_filter,
                sc.qualification.score_accuracy,
                self.hours_per_day,
                self.ledger,
                sc.lead_volume_multiplier,
            )
            for i, source in enumerate(sc.lead_sources)
        ]
        if self.sources:
            env.process(self._lead_days())
        tenure = sc.aes.tenure_days
        for i in range(sc.aes.count):
            self._hire_ae(
                seat=None,
                ramped=sc.aes.start_ramped,
                tenure=None if tenure is None else float(tenure[i]),
            )
        tenure = sc.sdrs.tenure_days
        for i in range(sc.sdrs.count):
            self._hire_sdr(
                ramped=sc.sdrs.start_ramped,
                tenure=None if tenure is None else float(tenure[i]),
            )
        for hire in sc.aes.hiring_plan:
            if hire.day < self.horizon:
                self._later(hire.day, partial(self._hire_many, hire.count))
        for hire in sc.sdrs.hiring_plan:
            if hire.day < self.horizon:
                self._later(hire.day, partial(self._hire_sdrs, hire.count))
        self._open_initial_pipeline()
        env.process(self._weekly())
        env.process(self._quarter_forecasts())
        self.managing = False
        if sc.management.enabled:
            self.managing = True
            env.process(self._management())
        for day, changed in self.timeline:
            self._later(day, partial(self._apply, changed))

    def _open_initial_pipeline(self) -> None:
        """Today's open deals, owned by the starting AEs (named, or in turn)."""
        sc = self.scenario
        starting = list(self.aes)
        segments = [segment.name for segment in sc.segments]
        turn = 0
        for deal in sc.initial_pipeline:
            if deal.owner is not None:
                owner = starting[deal.owner]
            else:
                owner = starting[turn % len(starting)]
                turn += 1
            self.desk.open_existing(
                sc.stage_index(deal.stage),
                deal.value,
                deal.age_in_stage_days,
                segments.index(deal.segment) if deal.segment is not None else 0,
                owner,
            )

    def _apply(self, scenario: Scenario) -> None:
        """A change takes effect this morning: every part of the model reads the new scenario
        (the fields it reads only at the start are refused when the scenario is loaded)."""
        self.scenario = scenario
        self.desk.configure(scenario)
        for source, config in zip(self.sources, scenario.lead_sources, strict=True):
            source.configure(
                config,
                scenario.lead_filter,
                scenario.qualification.score_accuracy,
                scenario.lead_volume_multiplier,
            )
        self.decay = [
            DecayCurve([(p.hours, p.multiplier) for p in s.response_decay])
            for s in scenario.lead_sources
        ]
        for queue in self.lead_queues:
            queue.configure(scenario.qualification)
        self.ae_policy = make_policy(scenario.aes.policy)
        self.sdr_policy = SDRPolicy(scenario.aes.policy)
        for rep in self.aes:
            rep.configure(scenario, self.ae_policy)
            rep.notify()
        for rep in self.sdrs:
            rep.configure(scenario, self.sdr_policy)
            rep.notify()
        self.stage_category = [
            forecast_category(stage.forecast_probability, scenario.forecast)
            for stage in scenario.deals.stages
        ]
        if scenario.management.enabled and not self.managing:
            self.managing = True
            self.env.process(self._management())
        elif not scenario.management.enabled and self.management_mode:
            # Managers stop steering this morning (their review process ends when it wakes).
            self.management_mode = ""
            for rep in self.aes:
                rep.notify()

    def _later(self, delay: float, action: Callable[[], object]) -> None:
        """Call `action` after `delay` days (a bare timeout callback: no process needed)."""

        def fire(_event: object) -> None:
            action()

        self.agenda.call_later(float(delay), fire)

    def _hire_many(self, n: int) -> None:
        for _ in range(n):
            self._hire_ae(seat=None, ramped=False)

    def _hire_sdrs(self, n: int) -> None:
        """Planned SDR hires join (unramped) and bring their accounts to the SDRs' territory;
        the first SDRs of a team hired later take over the marketing leads."""
        s = self.scenario.sdrs
        self.sdr_territory.add(self.scenario.prospecting.territory_accounts_per_sdr * n)
        if s.works_inbound_leads and not self.sdrs_take_leads:
            self._sdrs_take_over_leads()
        for _ in range(n):
            self._hire_sdr(ramped=False)

    def _sdrs_take_over_leads(self) -> None:
        """From now on SDRs work the marketing leads: the AEs' waiting leads join the team's
        queue, and AEs call no more marketing leads."""
        now = self.env._now
        self.sdrs_take_leads = True
        self.leads_assigned = False
        team = self.lead_queue
        for rep in self.aes:
            own = rep.lead_queue
            if own is not None and own is not team:
                team.take_all(own, now)
            rep.lead_queue = None
        self.lead_queues = [team]

    def _hire_ae(self, seat: int | None, ramped: bool, tenure: float | None = None) -> Rep:
        sc = self.scenario
        if seat is None:
            seat = self._next_seat
            self._next_seat += 1
            self.ae_territories[seat] = Territory(
                self.ae_list_accounts, sc.prospecting.account_rest_days
            )
        now = self.env._now
        a = sc.aes
        rep = Rep(
            self,
            "ae",
            seat,
            self.ae_policy,
            self.ae_territories[seat],
            hired_at=now - (tenure if tenure is not None else a.ramp_days if ramped else 0),
            ramp_days=a.ramp_days,
            ramp_start_share=a.ramp_start_share,
            non_selling_share=a.non_selling_share,
            cost_per_year=sc.economics.ae_cost_per_year,
            lead_queue=None if self.sdrs_take_leads else self.lead_queue,
        )
        if self.leads_assigned:
            own = LeadQueue(sc.qualification, self.ledger, owner=rep)
            own.take_all(self.lead_queue, now)  # leads that waited for an AE to be there
            rep.lead_queue = own
            self.lead_queues.append(own)
        self.aes.append(rep)
        self.ae_roster.append(rep)
        self._enlist(rep)
        self._schedule_departure(rep, a.attrition_per_year)
        rep.start()
        if self.desk.handoff_queue:
            self.desk.capacity_freed()
        return rep

    def _hire_sdr(self, ramped: bool, tenure: float | None = None) -> Rep:
        sc = self.scenario
        s = sc.sdrs
        now = self.env._now
        rep = Rep(
            self,
            "sdr",
            -1 - len(self.sdrs),
            self.sdr_policy,
            self.sdr_territory,
            hired_at=now - (tenure if tenure is not None else s.ramp_days if ramped else 0),
            ramp_days=s.ramp_days,
            ramp_start_share=s.ramp_start_share,
            non_selling_share=s.non_selling_share,
            cost_per_year=sc.economics.sdr_cost_per_year,
            lead_queue=self.lead_queue if self.sdrs_take_leads else None,
        )
        self.sdrs.append(rep)
        self._enlist(rep)
        self._schedule_departure(rep, s.attrition_per_year)
        rep.start()
        return rep

    def _enlist(self, rep: Rep) -> None:
        """Keep a new hire in the per-person records (when asked for), numbered from 1."""
        if self.people is not None:
            self.people.append(rep)
            rep.person = len(self.people)

    def _schedule_departure(self, rep: Rep, per_year: float) -> None:
        if per_year <= 0.0:
            return
        tenure = self.people_stream.exponential(DAYS_PER_YEAR / per_year)
        if self.env._now + tenure < self.horizon:
            self._later(tenure, rep.give_notice)

    def rep_left(self, rep: Rep) -> None:
        """A rep's last day is over: their work moves on and a backfill is scheduled."""
        rep.left_at = self.env._now
        if self.env._now >= self.horizon:
            return
        sc = self.scenario
        now = self.env._now
        lead = rep.drop_carried_task()
        if lead is not None:
            # A conversation cut short by the leaver: the lead goes back to be called again,
            # into the queue it came from (the leaver's own, even when empty: it moves to a
            # colleague below; the team's if SDRs took the leads over during the call).
            own = rep.lead_queue
            (own if own is not None else self.lead_queue).push_retry(lead, now)
        if rep.is_ae:
            self.aes.remove(rep)
            own = rep.lead_queue
            if own is not None and own.owner is rep:
                # The leaver's leads go to the colleague whose turn it is.
                self._assignee().take_all(own, now)
            self.desk.reassign_from(rep)
            delay = sc.aes.backfill_days
            seat = rep.seat
            self._later(delay, partial(self._hire_ae, seat, False))
        else:
            self.sdrs.remove(rep)
            self._later(sc.sdrs.backfill_days, partial(self._hire_sdr, False))

    # ----------------------------------------------------------------- leads
    def _lead_days(self) -> Generator[simpy.Event, Any, None]:
        """Each morning, the day's leads from every source are put on their way to sales."""
        env = self.env
        records = self.lead_records
        shared = self.lead_queue
        for day in range(self.horizon):
            assigned = self.leads_assigned  # until SDRs hired later take the leads over
            # Who takes leads in turn cannot change while the morning's leads are handed out.
            takers = self._lead_takers() if assigned else []
            touched: set[LeadQueue] = set()
            for source in self.sources:
                for at, lead in source.day(day, self.horizon, self._lead_id + 1):
                    self._lead_id = lead.id
                    if records is not None:
                        records.append(lead)
                    if not lead.fate:  # not filtered out by lead scoring
                        queue = shared
                        if assigned and takers:  # round robin, as _assignee(takers)
                            self._lead_turn += 1
                            queue = takers[self._lead_turn % len(takers)]
                        queue.add_incoming(lead, at)
                        touched.add(queue)
            if touched:  # in the order of lead_queues (which holds every queue)
                for queue in self.lead_queues:
                    if queue in touched:
                        self.arm_lead_alarm(queue)
            yield env.timeout(1.0)

    def _lead_takers(self) -> list[LeadQueue]:
        """The queues of the AEs not leaving, who take assigned leads in turn."""
        return [r.lead_queue for r in self.aes if not r.leaving and r.lead_queue is not None]

    def _assignee(self, takers: list[LeadQueue] | None = None) -> LeadQueue:
        """The queue of the AE whose turn it is for the next lead (round robin over `takers`,
        by default the AEs not leaving); the team queue while there is none."""
        if takers is None:
            takers = self._lead_takers()
        if not takers:
            return self.lead_queue
        self._lead_turn += 1
        return takers[self._lead_turn % len(takers)]

    def lead_workers(self) -> list[Rep]:
        """The reps who work the marketing lead queue (SDRs if they take it, else AEs)."""
        return self.sdrs if self.sdrs_take_leads else self.aes

    def _workers_of(self, queue: LeadQueue) -> list[Rep]:
        return [queue.owner] if queue.owner is not None else self.lead_workers()

    def arm_lead_alarm(self, queue: LeadQueue) -> None:
        """Wake an idle worker of `queue` when its next lead reaches sales (one alarm at a time
        per queue)."""
        at = queue.next_incoming()
        if at >= queue.alarm_at or at == float("inf"):
            return
        # Runs whenever a rep goes idle: the workers are looked at in place, not listed.
        owner = queue.owner
        if owner is not None:
            if owner.wake is None:
                return
        else:
            for rep in self.sdrs if self.sdrs_take_leads else self.aes:
                if rep.wake is not None:
                    break
            else:
                return
        queue.alarm_at = at
        env = self.env
        self.agenda.call_in(max(at - env._now, 0.0), lambda _event: self._lead_alarm(queue, at))

    def _lead_alarm(self, queue: LeadQueue, at: float) -> None:
        if at != queue.alarm_at:
            return  # superseded by an earlier alarm
        queue.alarm_at = float("inf")
        for rep in self._workers_of(queue):
            if rep.wake is not None:
                rep.notify()
                break
        self.arm_lead_alarm(queue)

    def leads_queued(self) -> int:
        """Leads that have reached sales and wait for a first call or a retry, in all queues."""
        return sum(len(q) for q in self.lead_queues)

    def end_lead(self, lead: Lead, fate: str, when: float) -> None:
        lead.fate = fate
        self.ledger.add(self._fate_keys[fate], when)
        if fate == FATE_CONVERTED:
            self.ledger.add(self.source_keys[lead.source][1], when)

    # ----------------------------------------------------------------- forecast and management
    def weighted_pipeline(self) -> tuple[float, float, float, float, float]:
        """Open deals: count, value, stage-weighted value, and weighted value expected to
        close this quarter and next."""
        now = self.env._now
        q_now = int(now // DAYS_PER_QUARTER)
        stages = self.desk.stages
        value = weighted = this_q = next_q = 0.0
        count = 0
        for deal in self.desk.open.values():
            count += 1
            v = deal.net_value
            w = v * stages[deal.stage].forecast_probability
            value += v
            weighted += w
            q = int(deal.expected_close // DAYS_PER_QUARTER)
            if q == q_now:
                this_q += w
            elif q == q_now + 1:
                next_q += w
        return float(count), value, weighted, this_q, next_q

    def _weekly(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        ledger = self.ledger
        weekly = ledger.weekly
        while env._now + DAYS_PER_WEEK <= self.horizon:
            yield env.timeout(DAYS_PER_WEEK)
            self.desk.sweep()
            for queue in self.lead_queues:
                queue.purge(env._now)
            count, value, weighted, this_q, next_q = self.weighted_pipeline()
            weekly["pipeline_count"].append(count)
            weekly["pipeline_value"].append(value)
            weekly["weighted_pipeline"].append(weighted)
            weekly["coverage"].append(weighted / self._quarter_target())
            weekly["weighted_forecast"].append(this_q)
            weekly["weighted_forecast_next"].append(next_q)
            weekly["lead_queue"].append(float(self.leads_queued()))
            weekly["management_push"].append(1.0 if self.management_mode == "push" else 0.0)
            weekly["management_focus"].append(
                1.0 if self.management_mode in ("focus", "close") else 0.0
            )
            seats = [0] * self._next_seat
            for rep in self.aes:
                seats[rep.seat] = rep.open_deals
            ledger.seat_pipeline.append(seats)

    def _quarter_forecasts(self) -> Generator[simpy.Event, Any, None]:
        """Call each quarter's forecast at its snapshot week and freeze it, by part: booked so
        far, each category of open deals at the team's past conversion, and the run-rate."""
        env = self.env
        offset = self.scenario.forecast.snapshot_week * DAYS_PER_WEEK
        q = 0
        while True:
            at = q * DAYS_PER_QUARTER + offset
            if at >= self.horizon:
                return
            if at > env._now:
                yield env.timeout(at - env._now)
            self.desk.sweep()
            self._score_calls(q)
            start = q * DAYS_PER_QUARTER
            parts = {"closed": sum(self.ledger.daily["bookings"][start : int(env._now)])}
            parts.update(self.forecast_categories(q))
            parts["run_rate"] = self._run_rate(q)
            self.ledger.quarter_forecast[q] = parts
            q += 1

    def forecast_categories(self, q: int) -> dict[str, float]:
        """What each category of open deals expected to close by quarter `q`'s end will book:
        its value at the team's conversion over past quarters, or at the stage weights while
        the category has no history (and the deals are kept, to score when `q` is over)."""
        stages = self.desk.stages
        category = self.stage_category
        called: list[tuple[Deal, int, float]] = []
        value = [0.0] * len(FORECAST_CATEGORIES)
        weighted = [0.0] * len(FORECAST_CATEGORIES)
        for deal in self.desk.open.values():
            # A deal past its expected close date is still called for this quarter.
            if int(deal.expected_close // DAYS_PER_QUARTER) > q:
                continue
            c = category[deal.stage]
            v = deal.net_value
            called.append((deal, c, v))
            value[c] += v
            weighted[c] += v * stages[deal.stage].forecast_probability
        self._calls[q] = called
        history = [self._call_outcomes[p] for p in self._past_quarters(q)]
        out: dict[str, float] = {}
        for c, name in enumerate(FORECAST_CATEGORIES):
            past_called = sum(outcome[c][0] for outcome in history)
            past_won = sum(outcome[c][1] for outcome in history)
            out[name] = value[c] * past_won / past_called if past_called > 0 else weighted[c]
        return out

    def _score_calls(self, q: int) -> None:
        """Score the calls of quarters that ended before quarter `q`: of the value called in
        each category, how much was won inside its quarter; and what the quarter booked that
        its call did not name (deals created after it, or called for a later quarter)."""
        bookings = self.ledger.daily["bookings"]
        for p in [p for p in self._calls if p < q]:
            end = (p + 1) * DAYS_PER_QUARTER
            outcome = [(0.0, 0.0)] * len(FORECAST_CATEGORIES)
            for deal, c, v in self._calls.pop(p):
                won = deal.net_value if deal.outcome == "won" and deal.closed_at < end else 0.0
                outcome[c] = (outcome[c][0] + v, outcome[c][1] + won)
            self._call_outcomes[p] = outcome
            named = self.ledger.quarter_forecast[p]["closed"] + sum(won for _, won in outcome)
            self._unnamed[p] = sum(bookings[end - DAYS_PER_QUARTER : end]) - named

    def _past_quarters(self, q: int) -> range:
        """The completed quarters before quarter `q` that its forecast learns from."""
        return range(max(q - self.scenario.forecast.history_quarters, 0), q)

    def _run_rate(self, q: int) -> float:
        """Mean of what past quarters booked beyond their call (deals created after it or
        pulled in from a later quarter); 0 for a team with no completed quarter yet."""
        past = self._past_quarters(q)
        return sum(self._unnamed[p] for p in past) / len(past) if past else 0.0

    def _quarter_target(self) -> float:
        """A quarter's bookings target: the quota of the AEs on the team now (at least one)."""
        return max(self.scenario.aes.quota_per_year / 4.0 * max(len(self.aes), 1), 1.0)

    def _management(self) -> Generator[simpy.Event, Any, None]:
        """Team-wide reaction to forecast coverage: push prospecting, or focus on closing.

        Coverage is the stage-weighted open pipeline over a quarter's target; it is what a VP
        reads in the weekly forecast call, and a shared signal synchronises the reps.
        """
        env = self.env
        while env._now < self.horizon:
            m = self.scenario.management  # a change may switch management off, or retune it
            if not m.enabled:
                self.managing = False
                if self.management_mode:
                    self.management_mode = ""
                    for rep in self.aes:
                        rep.notify()
                return
            days_left = DAYS_PER_QUARTER - (env._now % DAYS_PER_QUARTER)
            old = self.management_mode
            if days_left <= m.quarter_end_window_days:
                mode = "close"
            else:
                self.desk.sweep()
                coverage = self.weighted_pipeline()[2] / self._quarter_target()
                if coverage < m.push_below_coverage:
                    mode = "push"
                elif coverage > m.focus_above_coverage:
                    mode = "focus"
                else:
                    mode = ""
            self.management_mode = mode
            if mode != old:
                for rep in self.aes:
                    rep.notify()
            yield env.timeout(m.review_every_days)

    # ----------------------------------------------------------------- run
    def run(self) -> RunResult:
        """Simulate the whole horizon and return the collected results."""
        run_until(self.env, self.horizon, self.agenda)
        return self.finish()

    def finish(self) -> RunResult:
        """Close the books once the clock has reached the horizon (by :meth:`run`, or by SimPy's
        own ``env.run(until=horizon)``, which gives the same run) and collect the results."""
        for rep in (*self.aes, *self.sdrs):
            rep.book_unfinished(float(self.horizon))
        self.desk.sweep()
        for queue in self.lead_queues:
            queue.purge(float(self.horizon))
        return RunResult.from_model(self)


def run_until(env: simpy.Environment, until: float, agenda: Agenda | None = None) -> None:
    """What ``env.run(until=until)`` does, with SimPy's step inlined: the same events in the
    same order (by time, priority and order of scheduling), one method call fewer per event;
    the model's own alarms (most events) have their callbacks called without SimPy's checks
    for a failed event, which an alarm never is. With the `agenda` of the run, and where it
    allows it (the compiled build), its near alarms wait in its own heap meanwhile and each
    event is the first of that heap and SimPy's queue by the same key."""
    stop = simpy.Event(env)
    stop._ok = True
    stop._value = None
    env.schedule(stop, URGENT, until - env._now)
    queue = env._queue
    if agenda is None or not agenda.native:
        _run_loop(env, queue, [], stop)  # an empty near heap: SimPy's queue alone
        return
    near = agenda.begin_direct()
    try:
        _run_loop(env, queue, near, stop)
    finally:
        agenda.end_direct()


def _run_loop(env: simpy.Environment, queue: list[Any], near: list[Alarm], stop: Any) -> None:
    """run_until's loop over SimPy's queue and the agenda's near heap, until `stop`."""
    while True:
        if near:
            first = near[0]
            head: tuple[float, int, int, Any] = queue[0]  # never empty: `stop` is in it
            at = first.at
            t = head[0]
            # A near alarm has normal priority: it goes first if its key is the smaller.
            if at < t or (
                at == t and (head[1] > NORMAL or (head[1] == NORMAL and first.id < head[2]))
            ):
                env._now = at
                pop_timed(near).ring()
                continue
        now, _, _, event = heappop(queue)
        env._now = now
        if isinstance(event, Alarm):  # Alarm.ring, inlined: one call fewer an event
            alarm: Alarm = event
            callbacks = alarm.callbacks
            alarm.callbacks = None
            assert callbacks is not None
            for callback in callbacks:
                callback(alarm)
            continue
        if event is stop:
            return
        _process(event)


def _process(event: Any) -> None:
    """What SimPy's step does with an event that is not an alarm."""
    callbacks = event.callbacks
    event.callbacks = None  # processed: SimPy's own mark
    for callback in callbacks:
        callback(event)
    if not event._ok and not hasattr(event, "_defused"):
        raise event._value


def run(
    scenario: Scenario, seed: int | np.random.SeedSequence = 0, records: bool = False
) -> RunResult:
    """Run one replication of `scenario` with `seed` (optionally keeping per-deal/lead records)."""
    return SalesModel(scenario, seed, records).run()
