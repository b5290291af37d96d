"""The result of one run: counters turned into weekly series, a quarterly table and metrics."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from salessim.config import DAYS_PER_MONTH, DAYS_PER_QUARTER, DAYS_PER_WEEK
from salessim.entities import (
    ACTIVITIES,
    LEAD_FATES,
    LOSS_REASONS,
    ORIGINS,
    TASK_LEAD,
)
from salessim.ledger import FORECAST_PARTS
from salessim.quota import Tenure, ae_years, attainment_metrics
from salessim.statistics import (
    autocorrelation,
    bias,
    coefficient_of_variation,
    dominant_period,
    mape,
    peak_to_trough,
)

if TYPE_CHECKING:
    from salessim.model import SalesModel

# Weekly series reported (sums over each week of daily counters), besides the snapshots.
WEEKLY_SUMS: tuple[str, ...] = (
    "leads_arrived",
    *(f"leads_{fate}" for fate in LEAD_FATES),
    "leads_first_attempt",
    "response_hours_sum",
    *(f"opps_{origin}" for origin in ORIGINS),
    "wins",
    "bookings",
    "discount_given",
    *(f"losses_{reason}" for reason in LOSS_REASONS),
    *(f"ae_hours_{act}" for act in ACTIVITIES),
    "ae_hours_available",
    *(f"sdr_hours_{act}" for act in ACTIVITIES),
    "ae_headcount",
    "sdr_headcount",
)


@dataclass
class RunResult:
    """Everything one replication produced. Plain arrays; statistics are computed on demand."""

    scenario_name: str
    seed: str
    horizon_days: int
    warmup_days: int
    hours_per_day: float
    daily: dict[str, np.ndarray]
    weekly_snapshots: dict[str, np.ndarray]
    seat_pipeline: np.ndarray
    quarter_forecast: np.ndarray
    forecast_parts: dict[str, np.ndarray]
    leads_queued_end: int
    leads_in_progress_end: int
    deals_open_end: int
    deals_created_total: int
    deals_initial_total: int = 0
    """Deals of the pipeline the run started from (open at day 0, not created in the run)."""
    change_days: list[int] = field(default_factory=list)
    """Working days on which the scenario's ``changes`` took effect."""
    deal_records: list[dict[str, Any]] | None = None
    lead_records: list[dict[str, Any]] | None = None
    rep_records: list[dict[str, Any]] | None = None
    ae_tenures: list[Tenure] = field(default_factory=list)
    """Every AE ever on the team, with the wins credited to them (for quota attainment)."""
    quota_per_year: float = math.nan
    """Each ramped AE's bookings target a year (the scenario's at the end of the run)."""
    _metrics: dict[str, float] | None = field(default=None, repr=False)

    @classmethod
    def from_model(cls, model: SalesModel) -> RunResult:
        ledger = model.ledger
        in_progress = sum(
            1
            for rep in (*model.aes, *model.sdrs)
            if rep.carry is not None and rep.carry.kind == TASK_LEAD and rep.carry.lead is not None
        )
        n_q = model.horizon // DAYS_PER_QUARTER + 1
        parts = {name: np.full(n_q, np.nan) for name in FORECAST_PARTS}
        for q, called in ledger.quarter_forecast.items():
            for name in FORECAST_PARTS:
                parts[name][q] = called[name]
        qf = np.sum([parts[name] for name in FORECAST_PARTS], axis=0)
        seats = max((len(row) for row in ledger.seat_pipeline), default=0)
        seat_pipeline = np.zeros((len(ledger.seat_pipeline), seats))
        for i, row in enumerate(ledger.seat_pipeline):
            seat_pipeline[i, : len(row)] = row
        sc = model.scenario
        desk = model.desk
        return cls(
            scenario_name=sc.name,
            seed=str(_seed_label(model.seed)),
            horizon_days=model.horizon,
            warmup_days=sc.calendar.warmup_days,
            hours_per_day=model.hours_per_day,
            daily={k: np.asarray(v, dtype=float) for k, v in ledger.daily.items()},
            weekly_snapshots={k: np.asarray(v, dtype=float) for k, v in ledger.weekly.items()},
            seat_pipeline=seat_pipeline,
            quarter_forecast=qf,
            forecast_parts=parts,
            leads_queued_end=model.leads_queued(),
            leads_in_progress_end=in_progress,
            deals_open_end=len(desk.open),
            deals_created_total=desk.deals_created,
            deals_initial_total=desk.deals_initial,
            change_days=[day for day, _ in model.timeline],
            deal_records=[d.record() for d in desk.records] if desk.records is not None else None,
            lead_records=[lead.record(model.hours_per_day) for lead in model.lead_records]
            if model.lead_records is not None
            else None,
            rep_records=[
                {
                    "person": rep.person,
                    "role": rep.role,
                    "hired_day": rep.hired_at,
                    "left_day": rep.left_at if rep.left_at >= 0 else None,
                }
                for rep in model.people
            ]
            if model.people is not None
            else None,
            ae_tenures=[
                Tenure(
                    rep.hired_at,
                    rep.left_at if rep.left_at >= 0 else float(model.horizon),
                    rep.ramp_days,
                    rep.ramp_start_share,
                    rep.wins_booked,
                )
                for rep in model.ae_roster
            ],
            quota_per_year=float(model.scenario.aes.quota_per_year),
        )

    # ----------------------------------------------------------------- aggregation
    def _window_sum(self, name: str) -> float:
        return float(self.daily[name][self.warmup_days :].sum())

    def quarters(self) -> list[int]:
        """Indexes of complete quarters inside the reported window."""
        first = math.ceil(self.warmup_days / DAYS_PER_QUARTER)
        last = self.horizon_days // DAYS_PER_QUARTER
        return list(range(first, last))

    def quarterly(self, name: str) -> np.ndarray:
        """A daily counter summed by complete quarter (all quarters from day 0)."""
        n = self.horizon_days // DAYS_PER_QUARTER
        x = self.daily[name][: n * DAYS_PER_QUARTER]
        return np.asarray(x.reshape(n, DAYS_PER_QUARTER).sum(axis=1), dtype=float)

    def monthly(self, name: str) -> np.ndarray:
        """A daily counter summed by complete month over the reported window."""
        x = self.daily[name][self.warmup_days :]
        n = len(x) // DAYS_PER_MONTH
        return np.asarray(
            x[: n * DAYS_PER_MONTH].reshape(n, DAYS_PER_MONTH).sum(axis=1), dtype=float
        )

    def weekly_series(self) -> dict[str, list[float]]:
        """Weekly sums of counters and end-of-week snapshots, from week 0."""
        n = self.horizon_days // DAYS_PER_WEEK
        out: dict[str, list[float]] = {"week": [float(w) for w in range(n)]}
        for name in (*WEEKLY_SUMS, *(k for k in self.daily if k.startswith("source:"))):
            x = self.daily[name][: n * DAYS_PER_WEEK].reshape(n, DAYS_PER_WEEK).sum(axis=1)
            out[name] = x.tolist()
        for name, arr in self.weekly_snapshots.items():
            values = arr[:n].tolist()
            out[name] = values + [math.nan] * (n - len(values))
        fa = np.asarray(out["leads_first_attempt"])
        rs = np.asarray(out["response_hours_sum"])
        with np.errstate(invalid="ignore", divide="ignore"):
            out["lead_response_hours"] = np.where(fa > 0, rs / np.maximum(fa, 1), np.nan).tolist()
        return out

    def quarterly_table(self) -> list[dict[str, float]]:
        """One row per complete quarter: bookings, profit, wins, opportunities, the forecast by
        part (closed, commit, best case, pipeline, run-rate) and its error."""
        bookings = self.quarterly("bookings")
        profit = (
            self.quarterly("gross_profit")
            - self.quarterly("marketing_cost")
            - self.quarterly("ae_salary_cost")
            - self.quarterly("sdr_salary_cost")
            - self.quarterly("commission")
        )
        wins = self.quarterly("wins")
        opps = np.sum([self.quarterly(f"opps_{o}") for o in ORIGINS], axis=0)
        reported = set(self.quarters())
        rows = []
        for q in range(len(bookings)):
            f = float(self.quarter_forecast[q])
            a = float(bookings[q])
            rows.append(
                {
                    "quarter": float(q),
                    "reported": float(q in reported),
                    "bookings": a,
                    "profit": float(profit[q]),
                    "wins": float(wins[q]),
                    "opportunities": float(opps[q]),
                    "forecast": f,
                    **{
                        f"forecast_{name}": float(part[q])
                        for name, part in self.forecast_parts.items()
                    },
                    "forecast_error": f - a,
                }
            )
        return rows

    # ----------------------------------------------------------------- metrics
    def metrics(self) -> dict[str, float]:
        """Summary metrics over the reported window (after warm-up)."""
        if self._metrics is None:
            self._metrics = self._compute_metrics()
        return dict(self._metrics)

    def _compute_metrics(self) -> dict[str, float]:
        s = self._window_sum
        m: dict[str, float] = {}
        m["bookings"] = s("bookings")
        m["list_value_won"] = s("list_value_won")
        m["gross_profit"] = s("gross_profit")
        m["marketing_cost"] = s("marketing_cost")
        m["salary_cost"] = s("ae_salary_cost") + s("sdr_salary_cost")
        m["commission"] = s("commission")
        m["profit"] = m["gross_profit"] - m["marketing_cost"] - m["salary_cost"] - m["commission"]
        m["wins"] = s("wins")
        for reason in LOSS_REASONS:
            m[f"deals_lost_{reason}"] = s(f"losses_{reason}")
        losses = sum(m[f"deals_lost_{r}"] for r in LOSS_REASONS)
        m["losses"] = losses
        m["win_rate"] = _ratio(m["wins"], m["wins"] + losses)
        m["leads"] = s("leads_arrived")
        m["leads_fit"] = s("leads_arrived_fit")
        m["leads_incremental"] = s("leads_incremental")
        m["leads_worked"] = s("leads_first_attempt")
        for key in self.daily:
            if key.startswith("source:"):
                m[key] = s(key)
        for fate in LEAD_FATES:
            m[f"leads_{fate}"] = s(f"leads_{fate}")
        to_sales = m["leads"] - m["leads_filtered"]
        m["leads_never_worked_share"] = _ratio(m["leads_expired"], to_sales)
        # Not followed up: never called, or dropped before their retries were made.
        m["leads_abandoned"] = s("leads_abandoned")
        m["leads_not_followed_up_share"] = _ratio(
            m["leads_expired"] + m["leads_abandoned"], to_sales
        )
        m["lead_attempts_per_lead"] = _ratio(s("lead_attempts"), m["leads_worked"])
        m["lead_response_hours"] = _ratio(s("response_hours_sum"), m["leads_worked"])
        for origin in ORIGINS:
            m[f"opportunities_{origin}"] = s(f"opps_{origin}")
        m["opportunities"] = sum(m[f"opportunities_{o}"] for o in ORIGINS)
        m["avg_discount"] = _ratio(s("discount_given"), m["list_value_won"])
        m["deals_rushed"] = s("deals_rushed")
        available = s("ae_hours_available")
        for act in ACTIVITIES:
            m[f"hours_{act}"] = s(f"ae_hours_{act}")
            m[f"hours_share_{act}"] = _ratio(m[f"hours_{act}"], available)
        m["hours_available"] = available
        sdr_available = s("sdr_hours_available")
        for act in ACTIVITIES:
            m[f"sdr_hours_share_{act}"] = _ratio(s(f"sdr_hours_{act}"), sdr_available)
        # Boom and bust: quarter to quarter, leaving out the first reported quarter (a ramp).
        qs = self.quarters()[1:]
        qb = self.quarterly("bookings")[qs] if qs else np.array([])
        m["quarterly_bookings_cv"] = coefficient_of_variation(qb)
        m["quarterly_bookings_peak_to_trough"] = peak_to_trough(qb)
        qo = np.sum([self.quarterly(f"opps_{o}") for o in ORIGINS], axis=0)[qs] if qs else []
        m["quarterly_opportunities_cv"] = coefficient_of_variation(qo)
        for origin in ORIGINS:
            q_origin = self.quarterly(f"opps_{origin}")[qs] if qs else np.array([])
            m[f"quarterly_opportunities_cv_{origin}"] = (
                coefficient_of_variation(q_origin) if q_origin.sum() > 0 else math.nan
            )
        period, strength = self._rep_pipeline_cycle()
        m["rep_pipeline_cycle_weeks"] = period
        m["rep_pipeline_cycle_acf"] = strength
        period, strength = _cycle(self.weekly_snapshots["pipeline_count"][self._cycle_start() :])
        m["team_pipeline_cycle_weeks"] = period
        m["team_pipeline_cycle_acf"] = strength
        monthly = self.monthly("bookings")
        m["bookings_cycle_months"] = dominant_period(monthly) if len(monthly) >= 8 else math.nan
        qf = self.quarter_forecast[qs] if qs else np.array([])
        m["forecast_mape"] = mape(qf, qb)
        m["forecast_bias"] = bias(qf, qb)
        for name, part in self.forecast_parts.items():
            m[f"forecast_{name}"] = float(np.mean(part[qs])) if qs else math.nan
        m["bookings_after_call_share"] = _ratio(s("bookings_after_call"), m["bookings"])
        closed_fc = s("deals_closed_forecast_stage")
        m["forecast_deals_won_share"] = _ratio(s("forecast_stage_wins"), closed_fc)
        m["forecast_deals_lost_share"] = _ratio(s("forecast_stage_losses"), closed_fc)
        m["forecast_deals_no_decision_share"] = _ratio(s("forecast_stage_no_decision"), closed_fc)
        # Quarter-end bunching: share of wins in the last two weeks of each quarter.
        days = np.arange(self.horizon_days)
        late = (days % DAYS_PER_QUARTER) >= DAYS_PER_QUARTER - 2 * DAYS_PER_WEEK
        window = days >= self.warmup_days
        wins = self.daily["wins"]
        m["wins_share_last_two_weeks"] = _ratio(
            float(wins[late & window].sum()), float(wins[window].sum())
        )
        disc, lv = self.daily["discount_given"], self.daily["list_value_won"]
        m["discount_last_two_weeks"] = _ratio(
            float(disc[late & window].sum()), float(lv[late & window].sum())
        )
        m["discount_rest_of_quarter"] = _ratio(
            float(disc[~late & window].sum()), float(lv[~late & window].sum())
        )
        total_cost = m["marketing_cost"] + m["salary_cost"] + m["commission"]
        m["cost_per_lead"] = _ratio(m["marketing_cost"], m["leads"])
        m["cost_per_opportunity"] = _ratio(total_cost, m["opportunities"])
        m["cost_per_win"] = _ratio(total_cost, m["wins"])
        m["avg_deal_days"] = _ratio(s("open_deal_days"), m["wins"] + losses)
        m["won_deal_days"] = _ratio(s("won_deal_days"), m["wins"])
        m["avg_deal_won"] = _ratio(m["bookings"], m["wins"])
        m["lead_to_opportunity"] = _ratio(m["leads_converted"], m["leads"])
        m["pipeline_open_end"] = float(self.deals_open_end)
        reported_years = (self.horizon_days - self.warmup_days) / 252.0
        m["ae_headcount_avg"] = _ratio(s("ae_headcount"), self.horizon_days - self.warmup_days)
        m["bookings_per_year"] = m["bookings"] / reported_years
        attainment, weight = ae_years(
            self.ae_tenures, self.warmup_days, self.horizon_days, self.quota_per_year
        )
        m.update(attainment_metrics(attainment, weight))
        return m

    def _cycle_start(self) -> int:
        """First week the cycle measures look at: a quarter after warm-up (filling is no cycle)."""
        return self.warmup_days // DAYS_PER_WEEK + 13

    def _rep_pipeline_cycle(self) -> tuple[float, float]:
        """Median over AE seats of the dominant period (weeks) of each seat's open deals, and
        the median autocorrelation at that period (how strongly individual pipelines cycle)."""
        sp = self.seat_pipeline[self._cycle_start() :]
        periods, strengths = [], []
        for j in range(sp.shape[1] if sp.ndim == 2 else 0):
            p, acf = _cycle(sp[:, j])
            if math.isfinite(p):
                periods.append(p)
                strengths.append(acf)
        if not periods:
            return math.nan, math.nan
        return float(np.median(periods)), float(np.median(strengths))

    # ----------------------------------------------------------------- export
    def to_dict(self, series: bool = True) -> dict[str, Any]:
        """A JSON-ready dict: metrics, quarterly table and (optionally) weekly series."""
        out: dict[str, Any] = {
            "scenario": self.scenario_name,
            "seed": self.seed,
            "horizon_days": self.horizon_days,
            "warmup_days": self.warmup_days,
            "metrics": {k: _json_float(v) for k, v in self.metrics().items()},
            "quarterly": [
                {k: _json_float(v) for k, v in row.items()} for row in self.quarterly_table()
            ],
        }
        if series:
            out["weekly"] = {k: _json_floats(v) for k, v in self.weekly_series().items()}
        if self.deal_records is not None:
            out["deals"] = self.deal_records
        if self.lead_records is not None:
            out["leads"] = self.lead_records
        return out


def _cycle(weekly: np.ndarray) -> tuple[float, float]:
    """Dominant period (weeks, at least 4) of a weekly series and its autocorrelation there;
    NaN for a series too short (under half a year) or flat."""
    if len(weekly) < 26 or float(np.std(weekly)) == 0.0:
        return math.nan, math.nan
    period = dominant_period(weekly, min_lag=4)
    if not math.isfinite(period):
        return math.nan, math.nan
    return period, float(autocorrelation(weekly, int(period))[int(period)])


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def _json_float(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _json_floats(values: Sequence[float]) -> list[float | None]:
    """A series as :func:`_json_float` gives each value, converted by numpy at once (a
    replication's weekly series hold some 30,000 numbers)."""
    array = np.asarray(values, dtype=np.float64)
    if np.isfinite(array).all():
        finite: list[float | None] = array.tolist()
        return finite
    return [_json_float(x) for x in array.tolist()]


def _seed_label(seed: object) -> object:
    if isinstance(seed, np.random.SeedSequence):
        return f"{seed.entropy}/{'.'.join(str(k) for k in seed.spawn_key)}"
    return seed
