"""Fit a scenario to a CRM export: what the data can identify, each number with its sample size
and 95% interval, the baseline's published defaults where the data is too thin.

The fitted scenario is written as ``extends: baseline`` plus the fitted fields, with comments.
Its day 0 is one warm-up quarter before the history's first day, so a back-test simulates the
history's own period (see :mod:`salessim.backtest`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, stats

from salessim.config import (
    DAYS_PER_MONTH,
    DAYS_PER_QUARTER,
    DAYS_PER_YEAR,
    LeadSource,
    Scenario,
)
from salessim.crm import OPEN_LEAD_STATUSES, OUTBOUND_SOURCE, REACHED_STATUSES, CRMData
from salessim.leads import DecayCurve

WARMUP_DAYS = DAYS_PER_QUARTER
"""The fitted scenario starts a quarter before the history so its pipeline is full by then."""
MAX_QUARTERS = 38
"""Quarters of history a fitted scenario simulates at most (its horizon is at most 2,520 days)."""
MIN_MONTHS = 3
MIN_REACHED_LEADS = 30
MIN_STAGE_DEALS = 20
MIN_SEGMENT_DEALS = 10
MIN_LOSSES = 20
MIN_SEASONALITY_MONTHS = 12
MIN_LEAVERS = 3
MIN_HIRES = 3
"""AEs hired within the history needed to fit how fast a new AE ramps."""
RAMP_WINDOW = 126
"""Working days of a new AE's tenure compared with tenured AEs' (half a year)."""
MAX_RAMP_DAYS = 504
DEFAULT_STAGE_REP_HOURS = 3.0
_NAME = re.compile(r"[^A-Za-z0-9_\-]+")


@dataclass
class RampFit:
    """How fast new AEs ramp: their opportunities a day in their first RAMP_WINDOW working days
    as a share of a tenured AE's, in the history and in simulations of the fit at two ramps."""

    ramp_days: int
    low: int
    high: int
    hires: int
    hire_days: float
    opportunities: int
    share: float
    simulated: tuple[tuple[int, float], tuple[int, float]]


@dataclass
class Calibration:
    """A fitted scenario: its YAML text (comments included), the scenario it loads to, and
    notes on what fell back to the published defaults."""

    text: str
    data: CRMData
    quarters: int
    notes: list[str] = field(default_factory=list)
    stage_means: dict[str, float] = field(default_factory=dict)
    """Mean working days list-price deals spent in each stage (the CRM's stage names made safe)."""


def safe_name(text: str, fallback: str) -> str:
    """A scenario item name (letters, digits, _ and -) for a CRM label."""
    name = _NAME.sub("_", text.strip()).strip("_")[:60]
    return name or fallback


def calibrate(
    data: CRMData,
    baseline: Scenario,
    name: str,
    files: str,
    refine_runs: int = 2,
    seed: int = 0,
) -> Calibration:
    """Fit `baseline`'s identifiable fields to `data`; the YAML text extends 'baseline'.

    A stage's time in the CRM is the buyer's days plus the rep's work and the wait for it. A
    first fit subtracts the rep's hours only; then `refine_runs` replications of that fit
    measure the rep work and wait the model adds to each stage, and the final fit subtracts
    those instead (0: no refinement).
    """
    quarters = data.quarters
    if quarters < 1:
        from salessim.crm import CRMError

        raise CRMError(
            f"{files}: the history covers {math.floor(data.last_day) + 1} working days; "
            f"calibrate needs at least a quarter ({DAYS_PER_QUARTER})"
        )
    quarters = min(quarters, MAX_QUARTERS)
    first = _fit(data, baseline, name, files, quarters, None, 0)
    observed = ramp_statistic(data, quarters)
    if refine_runs < 1 or not (first.stage_means or observed is not None):
        return first
    scenario = load_text(first.text)
    sims = [_simulate(scenario, seed, i, data.start) for i in range(refine_runs)]
    overheads: dict[str, float] | None = None
    if first.stage_means:
        simulated: dict[str, list[float]] = {}
        for sim in sims:
            sim_first = _fit(sim, baseline, name, files, quarters, None, 0)
            for stage, mean in sim_first.stage_means.items():
                simulated.setdefault(stage, []).append(mean)
        fitted = {s.name: s.buyer_days for s in scenario.deals.stages}
        overheads = {
            stage: max(float(np.nanmean(means)) - fitted[stage], 0.0)
            for stage, means in simulated.items()
            if stage in fitted and np.isfinite(means).any()
        }
    ramp = None
    if observed is not None:
        ramp = _fit_ramp(observed, scenario, sims, seed, data, quarters)
    runs = refine_runs if overheads is not None else 0
    return _fit(data, baseline, name, files, quarters, overheads, runs, ramp)


def _simulate(scenario: Scenario, seed: int, index: int, start: Any) -> CRMData:
    """Replication `index` of `scenario`, exported and read back like the history."""
    from salessim.crm import export_run, parse_tables, tables_of
    from salessim.experiments import replication_seed

    texts = export_run(scenario, replication_seed(seed, index), start)
    return parse_tables(tables_of(texts), {}, start=start)


def ramp_statistic(data: CRMData, quarters: int) -> tuple[float, int, float, int] | None:
    """New AEs' opportunities a day in their first RAMP_WINDOW working days as a share of tenured
    AEs' (tenure past the window), over the history: (share, hires, hire-days, their
    opportunities), or None with too few hires or no rep dates."""
    if data.reps is None:
        return None
    reps = data.reps[data.reps["role"] == "ae"]
    last = float(quarters * DAYS_PER_QUARTER)
    opps = data.opportunities
    owners = opps["owner"].to_numpy(dtype=object)
    days = opps["day"].to_numpy(float)
    new_days = vet_days = 0.0
    new_opps = vet_opps = hires = 0
    for rep, start, end in zip(
        reps["rep_id"].to_numpy(dtype=object),
        reps["start_day"].to_numpy(float),
        reps["end_day"].to_numpy(float),
        strict=True,
    ):
        stop = last if math.isnan(end) else min(float(end), last)
        own = days[owners == rep]
        if start >= 0:
            until = min(start + RAMP_WINDOW, stop)
            if until - start >= RAMP_WINDOW / 2:
                hires += 1
                new_days += until - start
                new_opps += int(((own >= start) & (own < until)).sum())
        tenured = max(start + RAMP_WINDOW, 0.0)
        if stop > tenured:
            vet_days += stop - tenured
            vet_opps += int(((own >= tenured) & (own < stop)).sum())
    if hires < MIN_HIRES or vet_opps == 0 or new_days <= 0:
        return None
    return (new_opps / new_days) / (vet_opps / vet_days), hires, new_days, new_opps


def _fit_ramp(
    observed: tuple[float, int, float, int],
    scenario: Scenario,
    sims: list[CRMData],
    seed: int,
    data: CRMData,
    quarters: int,
) -> RampFit | None:
    """The ramp at which the fitted scenario's new AEs reach the share the history shows.

    Simulated at the fit's ramp (those replications are already run) and at a longer one, with
    the same seeds, the share falls as the ramp lengthens; the history's share is interpolated
    (or extrapolated) along that line, within 0 and MAX_RAMP_DAYS. Its interval maps the Poisson
    interval of the new AEs' opportunity count the same way."""
    from salessim.scenario_files import scenario_with

    share, hires, hire_days, opportunities = observed
    r1 = scenario.aes.ramp_days
    r2 = r1 + 105 if r1 + 105 <= MAX_RAMP_DAYS else max(r1 - 105, 0)
    longer = scenario_with(scenario, {"aes.ramp_days": r2})
    s1_runs, s2_runs = [], []
    for i, sim in enumerate(sims):
        a = ramp_statistic(sim, quarters)
        b = ramp_statistic(_simulate(longer, seed, i, data.start), quarters)
        if a is not None and b is not None:
            s1_runs.append(a[0])
            s2_runs.append(b[0])
    if not s1_runs:
        return None
    s1, s2 = float(np.mean(s1_runs)), float(np.mean(s2_runs))
    if abs(s2 - s1) < 1e-3:
        return None
    slope = (r2 - r1) / (s2 - s1)

    def to_days(x: float) -> int:
        return round(min(max(r1 + (x - s1) * slope, 0.0), MAX_RAMP_DAYS))

    low, high = _poisson_interval(opportunities)
    per = share / opportunities if opportunities else 0.0
    bounds = sorted((to_days(low * per), to_days(high * per)))
    return RampFit(
        to_days(share),
        bounds[0],
        bounds[1],
        hires,
        hire_days,
        opportunities,
        share,
        ((r1, s1), (r2, s2)),
    )


def load_text(text: str) -> Scenario:
    """The scenario a calibrated YAML text loads to (``extends: baseline`` resolved)."""
    import tempfile
    from pathlib import Path

    from salessim.scenario_files import load_scenario

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "calibrated.yaml"
        path.write_text(text, encoding="utf-8")
        return load_scenario(path)


def _fit(
    data: CRMData,
    baseline: Scenario,
    name: str,
    files: str,
    quarters: int,
    overheads: dict[str, float] | None,
    refine_runs: int,
    ramp: RampFit | None = None,
) -> Calibration:
    w = _Writer()
    notes: list[str] = []
    stage_means: dict[str, float] = {}
    end = data.date_of(quarters * DAYS_PER_QUARTER - 1)
    w.comment(0, f"Fitted by salessim calibrate from {files}.")
    w.comment(
        0,
        f"History: {data.start.isoformat()} to {end}, {quarters} full quarter(s) of 63 working "
        f"days. Day {WARMUP_DAYS} of this scenario is {data.start.isoformat()}; the quarter "
        "before it is a warm-up that fills the pipeline.",
    )
    w.comment(
        0,
        "Each fitted number says its sample and 95% interval; fields not written here are the "
        "baseline's published defaults.",
    )
    w.line(0, f"name: {json.dumps(name)}")
    w.line(0, f"description: {json.dumps(f'Calibrated from a CRM export ({files}).')}")
    w.line(0, "extends: baseline")
    w.blank()
    w.line(0, "calendar:")
    w.comment(2, f"a warm-up quarter, then the history's {quarters} quarter(s)")
    w.line(2, f"horizon_days: {WARMUP_DAYS + quarters * DAYS_PER_QUARTER}")
    w.line(2, f"warmup_days: {WARMUP_DAYS}")
    w.blank()
    hpd = baseline.calendar.hours_per_day
    sources = _fit_sources(data, baseline, w, notes)
    _fit_conversion(data, baseline, sources, hpd, w, notes)
    _fit_deals(data, baseline, hpd, w, notes, stage_means, overheads, refine_runs)
    _fit_segments(data, baseline, w, notes)
    _fit_team(data, baseline, quarters, w, notes, ramp)
    return Calibration(w.text(), data, quarters, notes, stage_means)


# --------------------------------------------------------------------------- leads
def _fit_sources(
    data: CRMData, baseline: Scenario, w: _Writer, notes: list[str]
) -> dict[str, LeadSource]:
    """Lead volume, seasonality and fit share per source; returns each source's curve holder."""
    leads = data.leads
    months = int((math.floor(data.last_day) + 1) // DAYS_PER_MONTH)
    template = baseline.lead_sources[0] if baseline.lead_sources else None
    names = leads["source"].map(lambda s: safe_name(str(s), "unnamed"))
    by_name = {s.name: s for s in baseline.lead_sources}
    fitted: dict[str, LeadSource] = {}
    w.line(0, "lead_sources:")
    order = names.value_counts().index.tolist()
    for src in order:
        rows = leads[names == src]
        originals = sorted({str(s) for s in rows["source"]})
        w.line(2, f"- name: {src}")
        if originals != [src]:
            w.comment(4, f"the CRM's {', '.join(repr(o) for o in originals)}")
        base = by_name.get(src)
        if base is None and template is not None:
            w.comment(
                4,
                f"not a baseline source: cost and response decay copied from the baseline's "
                f"'{template.name}' (the data has no cost; the decay is a published curve)",
            )
            w.line(4, f"cost_per_lead: {_num(template.cost_per_lead)}")
            w.line(4, "response_decay: " + _flow([p.model_dump() for p in template.response_decay]))
        reference = base or template
        day = rows["day"].to_numpy(float)
        if months >= MIN_MONTHS:
            in_window = day[(day >= 0) & (day < months * DAYS_PER_MONTH)]
            n = len(in_window)
            low, high = _poisson_interval(n)
            w.comment(
                4,
                f"{n:,} leads over {months} months of 21 working days; 95% interval "
                f"{low / months:.1f}-{high / months:.1f} a month",
            )
            w.line(4, f"monthly_volume: {_num(n / months)}")
            _fit_seasonality(in_window, months, w)
        else:
            w.comment(
                4,
                _default_kept(
                    notes,
                    f"lead_sources.{src}.monthly_volume",
                    f"{months} month(s) of history",
                    f"fewer than {MIN_MONTHS}",
                ),
            )
            if base is None:
                w.line(4, f"monthly_volume: {_num(len(day) / max(months, 1))}")
        status = rows["status"].to_numpy(dtype=object)
        reached = np.isin(status, REACHED_STATUSES)
        fit = np.isin(status, ["converted", "nurture"])
        n_reached, n_fit = int(reached.sum()), int(fit.sum())
        finished = ~np.isin(status, OPEN_LEAD_STATUSES)
        n_conv, n_done = int((status == "converted").sum()), int(finished.sum())
        if n_done:
            lo, hi = _binomial_interval(n_conv, n_done)
            w.comment(
                4,
                f"lead→opportunity {n_conv / n_done:.1%} of {n_done:,} finished leads (95% "
                f"{lo:.1%}-{hi:.1%}): absorbed by fit_share (reached leads the rep did not "
                "disqualify) and qualification.fit_conversion_probability; connect_probability "
                "and max_attempts stay the baseline's",
            )
        if n_reached >= MIN_REACHED_LEADS:
            lo, hi = _binomial_interval(n_fit, n_reached)
            share = n_fit / n_reached
            w.comment(
                4,
                f"{n_fit:,} of {n_reached:,} reached leads not disqualified; 95% interval "
                f"{lo:.3f}-{hi:.3f}",
            )
            w.line(4, f"fit_share: {_num(share)}")
            if base is not None and base.marginal_fit_share is not None:
                w.comment(4, "leads beyond this volume: the baseline's marginal fit share")
        else:
            default = reference.fit_share if reference is not None else 0.5
            w.comment(
                4,
                _default_kept(
                    notes,
                    f"lead_sources.{src}.fit_share",
                    f"{n_reached} reached leads",
                    f"fewer than {MIN_REACHED_LEADS}",
                    default,
                ),
            )
            share = default
            if base is None:
                w.line(4, f"fit_share: {_num(default)}")
        if reference is not None:
            fitted[src] = reference.model_copy(update={"fit_share": share})
    for src in by_name:
        if src not in fitted:
            w.line(2, f"- {{name: {src}, remove: true}}  # not in the leads file")
    w.blank()
    return fitted


def _fit_seasonality(days: np.ndarray, months: int, w: _Writer) -> None:
    """Monthly factors if a chi-square test finds the months differ (12+ months of data)."""
    if months < MIN_SEASONALITY_MONTHS:
        w.comment(4, f"seasonality: {months} months of history (under 12); flat (default)")
        return
    years = months // 12
    month = (days // DAYS_PER_MONTH).astype(int)
    counts = np.bincount(month[month < years * 12] % 12, minlength=12).astype(float)
    if counts.sum() == 0:
        return
    p = float(stats.chisquare(counts).pvalue)
    if p >= 0.05:
        w.comment(4, f"seasonality: months alike over {years} year(s) (chi-square p={p:.2f}); flat")
        return
    factors = counts / counts.mean()
    shift = WARMUP_DAYS // DAYS_PER_MONTH
    rotated = [float(min(factors[(k - shift) % 12], 5.0)) for k in range(12)]
    w.comment(
        4,
        f"months differ (chi-square p={p:.3g}, {years} year(s)); factor k is for the 21-day "
        f"month k of this scenario (month {shift} is the history's first)",
    )
    w.line(4, "seasonality: [" + ", ".join(f"{f:.3f}" for f in rotated) + "]")


def _fit_conversion(
    data: CRMData,
    baseline: Scenario,
    sources: dict[str, LeadSource],
    hpd: float,
    w: _Writer,
    notes: list[str],
) -> None:
    """fit_conversion_probability: the chance a fit lead reached becomes an opportunity, by
    maximum likelihood given each lead's response-time decay (the source's published curve)."""
    leads = data.leads
    names = leads["source"].map(lambda s: safe_name(str(s), "unnamed")).to_numpy(dtype=object)
    status = leads["status"].to_numpy(dtype=object)
    touched = leads["touch_day"].to_numpy(float)
    hours = (touched - leads["day"].to_numpy(float)) * hpd
    fit = np.isin(status, ["converted", "nurture"]) & np.isfinite(hours)
    decay = np.ones(len(leads))
    curves = {
        src: DecayCurve([(p.hours, p.multiplier) for p in s.response_decay])
        for src, s in sources.items()
    }
    for i in np.flatnonzero(fit):
        curve = curves.get(names[i])
        decay[i] = curve(max(float(hours[i]), 0.0)) if curve is not None else 1.0
    d = decay[fit]
    c = (status[fit] == "converted").astype(float)
    w.line(0, "qualification:")
    default = baseline.qualification.fit_conversion_probability
    if len(d) < MIN_REACHED_LEADS or c.sum() == 0:
        w.comment(
            2,
            _default_kept(
                notes,
                "qualification.fit_conversion_probability",
                f"{len(d)} fit leads with a first touch",
                f"fewer than {MIN_REACHED_LEADS}"
                if len(d) < MIN_REACHED_LEADS
                else "none of them converted",
                default,
            ),
        )
        w.blank()
        return

    def loglik(p: float) -> float:
        q = np.clip(p * d, 1e-12, 1 - 1e-12)
        return -float(np.sum(c * np.log(q) + (1 - c) * np.log(1 - q)))

    upper = float(min(1.0, 1.0 / d.max()))
    best = optimize.minimize_scalar(loglik, bounds=(1e-6, upper), method="bounded")
    p = float(best.x)
    info = float(np.sum(d / (p * np.clip(1 - p * d, 1e-9, None))))
    se = 1.0 / math.sqrt(info) if info > 0 else math.nan
    w.comment(
        2,
        f"{int(c.sum()):,} of {len(d):,} fit leads reached became opportunities; corrected "
        f"for each lead's response time by its source's decay curve (maximum likelihood; 95% "
        f"interval {max(p - 1.96 * se, 0):.3f}-{min(p + 1.96 * se, 1):.3f})",
    )
    w.line(2, f"fit_conversion_probability: {_num(p)}")
    median_h = float(np.nanmedian(hours[np.isfinite(hours)])) if np.isfinite(hours).any() else 0
    within = float(np.mean(hours[np.isfinite(hours)] <= 1.0)) if np.isfinite(hours).any() else 0
    w.comment(
        2,
        f"observed, not set: first touch after a median {median_h:.1f} working hours, "
        f"{within:.0%} within the hour (the model's response times come from rep capacity)",
    )
    w.blank()


# --------------------------------------------------------------------------- deals
def _fit_deals(
    data: CRMData,
    baseline: Scenario,
    hpd: float,
    w: _Writer,
    notes: list[str],
    stage_means: dict[str, float],
    overheads: dict[str, float] | None,
    refine_runs: int,
) -> None:
    opps = data.opportunities
    status = opps["status"].to_numpy(dtype=object)
    won, lost = int((status == "won").sum()), int((status == "lost").sum())
    w.line(0, "deals:")
    if won + lost:
        lo, hi = _binomial_interval(won, won + lost)
        w.comment(
            2,
            f"observed, not set: win rate {won / (won + lost):.1%} of {won + lost:,} closed "
            f"opportunities (95% {lo:.1%}-{hi:.1%}); it follows from the stages' drop-outs and "
            "from neglect",
        )
    outbound = int((opps["source"] == OUTBOUND_SOURCE).sum())
    if (opps["source"] != "").any():
        w.comment(
            2,
            f"observed, not set: {len(opps):,} opportunities, {outbound:,} of them "
            f"'{OUTBOUND_SOURCE}' (prospecting: its yield follows from the reps' spare hours)",
        )
    cycle = (opps["close_day"] - opps["day"])[status == "won"].to_numpy(float)
    if len(cycle):
        w.comment(
            2,
            f"observed, not set: cycle of {len(cycle):,} won deals median {np.median(cycle):.0f}, "
            f"mean {cycle.mean():.0f} working days",
        )
    order = data.stage_order()
    if not order:
        notes.append("deals.stages: no stage history: the baseline's stages kept")
        w.comment(2, "stages: no stage history given; the baseline's stages kept")
    else:
        _fit_stages(data, baseline, order, hpd, w, notes, stage_means, overheads, refine_runs)
    reasons = opps["loss_reason"].to_numpy(dtype=object)
    comp, nodec = int((reasons == "competitor").sum()), int((reasons == "no_decision").sum())
    if comp + nodec >= MIN_LOSSES:
        lo, hi = _binomial_interval(comp, comp + nodec)
        w.comment(
            2,
            f"{comp:,} of {comp + nodec:,} losses to a competitor or no decision went to a "
            f"competitor; 95% interval {lo:.3f}-{hi:.3f}",
        )
        w.line(2, f"competitor_share: {_num(comp / (comp + nodec))}")
    else:
        w.comment(
            2,
            _default_kept(
                notes,
                "deals.competitor_share",
                f"{comp + nodec} losses with a competitor or no-decision reason",
                f"fewer than {MIN_LOSSES}",
            ),
        )
    counts = {
        k: int((reasons == k).sum())
        for k in ("competitor", "no_decision", "went_dark", "disqualified", "other")
    }
    w.comment(
        2,
        "loss reasons: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in counts.items()),
    )
    w.blank()


def _fit_stages(
    data: CRMData,
    baseline: Scenario,
    order: list[str],
    hpd: float,
    w: _Writer,
    notes: list[str],
    stage_means: dict[str, float],
    overheads: dict[str, float] | None,
    refine_runs: int,
) -> None:
    """Per stage: the buyer's days (time in stage less the rep's hours, from list-price deals:
    a discounted deal was rushed and went faster) and the share of deals that dropped out."""
    h = data.history
    assert h is not None
    opps = data.opportunities.set_index("opportunity_id")
    h = h.sort_values(["opportunity_id", "day"], kind="stable")
    nxt = h.groupby("opportunity_id")["day"].shift(-1)
    deal_status = h["opportunity_id"].map(opps["status"])
    close = h["opportunity_id"].map(opps["close_day"])
    reason = h["opportunity_id"].map(opps["loss_reason"])
    discounted = h["opportunity_id"].map(opps["discount"] > 0).fillna(False)
    is_last = nxt.isna()
    safe = [safe_name(s, f"stage_{i + 1}") for i, s in enumerate(order)]
    same = safe == [s.name for s in baseline.deals.stages]
    by_name = {s.name: s for s in baseline.deals.stages}
    fitted: list[tuple[dict[str, Any], str, list[tuple[str, str]]]] = []
    w.line(2, "stages:")
    if not same:
        for s in baseline.deals.stages:
            w.line(4, f"- {{name: {s.name}, remove: true}}  # the CRM's stages replace these")
    for i, stage in enumerate(order):
        last_stage = i == len(order) - 1
        rows = (h["stage"] == stage).to_numpy()
        exit_day = np.where(
            is_last & (deal_status == "won") & last_stage, close, nxt.to_numpy(float)
        )[rows]
        entered = h["day"].to_numpy(float)[rows]
        st = deal_status.to_numpy(dtype=object)[rows]
        lastrow = is_last.to_numpy()[rows]
        listp = ~discounted.to_numpy(dtype=bool)[rows]
        advanced = np.isfinite(exit_day) & ~(lastrow & (st != "won"))
        dropped = lastrow & (st == "lost") & (reason.to_numpy(dtype=object)[rows] != "went_dark")
        base = by_name.get(safe[i])
        rep_hours = base.rep_hours if base is not None else DEFAULT_STAGE_REP_HOURS
        item: dict[str, Any] = {"name": safe[i]}
        lines: list[tuple[str, str]] = []
        raw = (exit_day - entered)[advanced & listp]
        stage_means[safe[i]] = float(raw.mean()) if len(raw) else math.nan
        overhead = overheads.get(safe[i]) if overheads else None
        durations = raw - (rep_hours / hpd if overhead is None else overhead)
        if len(durations) >= MIN_STAGE_DEALS:
            m = max(float(durations.mean()), 0.0)
            sd = float(durations.std(ddof=1))
            half = stats.t.ppf(0.975, len(durations) - 1) * sd / math.sqrt(len(durations))
            item["buyer_days"] = round(m, 2)
            item["buyer_days_cv"] = round(min(sd / m, 3.0), 3) if m > 0 else 0.5
            less = (
                f"less {rep_hours:g} rep hours"
                if overhead is None
                else f"less the {overhead:.1f} days of rep work and waiting the model itself "
                f"adds to the stage (measured on {refine_runs} simulated replications)"
            )
            lines.append(
                (
                    f"buyer_days: {len(durations):,} list-price deals left the stage after a "
                    f"mean {raw.mean():.1f} working days, {less}; 95% interval "
                    f"{m - half:.1f}-{m + half:.1f}",
                    "",
                )
            )
        else:
            kept = _default_kept(
                notes,
                f"deals.stages.{safe[i]}.buyer_days",
                f"{len(durations)} list-price deals left the stage",
                f"fewer than {MIN_STAGE_DEALS}",
            )
            lines.append((kept, ""))
        # Drop-outs from every deal, but at the last stage from list-price deals only: a
        # rushed buyer walks away more often there; earlier, leaving out rushed deals (which
        # all passed the early stages) would make those stages look riskier than they are.
        counted = listp if last_stage else np.ones(len(listp), dtype=bool)
        n_adv, n_drop = int((advanced & counted).sum()), int((dropped & counted).sum())
        if n_adv + n_drop >= MIN_STAGE_DEALS:
            lo, hi = _binomial_interval(n_drop, n_adv + n_drop)
            item["dropout_probability"] = round(n_drop / (n_adv + n_drop), 4)
            lines.append(
                (
                    f"dropout_probability: {n_drop:,} of {n_adv + n_drop:,} "
                    f"{'list-price ' if last_stage else ''}deals "
                    f"lost here (not counting 'went dark': neglect); 95% interval "
                    f"{lo:.3f}-{hi:.3f}",
                    "",
                )
            )
        else:
            kept = _default_kept(
                notes,
                f"deals.stages.{safe[i]}.dropout_probability",
                f"{n_adv + n_drop} deals advanced or dropped out",
                f"fewer than {MIN_STAGE_DEALS}",
            )
            lines.append((kept, ""))
        if not same:
            item.setdefault("buyer_days", base.buyer_days if base else 10.0)
            item.setdefault("dropout_probability", base.dropout_probability if base else 0.2)
            item["rep_hours"] = rep_hours
            lines.append((f"rep_hours: not in the data; {rep_hours:g} assumed", ""))
        fitted.append((item, stage, lines))
    if not same:
        # The CRM's own stages need a forecast weight: the fitted chance to win from each on.
        for i, (item, _, lines) in enumerate(fitted):
            p = float(np.prod([1 - f[0]["dropout_probability"] for f in fitted[i:]]))
            item["forecast_probability"] = round(p, 3)
            lines.append(("forecast_probability: the fitted chance to win from this stage", ""))
    for item, stage, lines in fitted:
        w.line(4, f"- name: {item['name']}")
        if item["name"] != stage:
            w.comment(6, f"the CRM's {stage!r}")
        for text, _ in lines:
            w.comment(6, text)
        for key, value in item.items():
            if key != "name":
                w.line(6, f"{key}: {_num(value)}")
    if not same and baseline.rushing.from_stage >= len(fitted):
        w.blank()
        w.line(0, "rushing:")
        w.comment(2, "the first stage at which a deal can rush must be one of the CRM's")
        w.line(2, f"from_stage: {len(fitted) - 1}")


def _fit_segments(data: CRMData, baseline: Scenario, w: _Writer, notes: list[str]) -> None:
    """Share of opportunities and lognormal list amount per segment."""
    opps = data.opportunities
    amount = opps["list_amount"].to_numpy(float)
    labels = opps["segment"].to_numpy(dtype=object)
    if (labels == "").all():
        default = baseline.segments[0].name if len(baseline.segments) == 1 else "all"
        labels = np.full(len(labels), default, dtype=object)
    names = np.array([safe_name(str(s), "unnamed") for s in labels], dtype=object)
    ok = amount > 0
    logs_all = np.log(amount[ok])
    total = len(names)
    order = sorted(set(names), key=lambda s: -int((names == s).sum()))
    shares = {s: round(int((names == s).sum()) / total, 6) for s in order}
    shares[order[0]] = round(shares[order[0]] + 1.0 - sum(shares.values()), 6)
    by_name = {s.name: s for s in baseline.segments}
    w.line(0, "segments:")
    for s in order:
        mask = names == s
        logs = np.log(amount[mask & ok])
        w.line(2, f"- name: {s}")
        w.comment(4, f"{int(mask.sum()):,} of {total:,} opportunities")
        w.line(4, f"share: {shares[s]}")
        pooled = len(logs) < MIN_SEGMENT_DEALS
        if pooled:
            notes.append(
                f"segments.{s}: {len(logs)} amounts (fewer than {MIN_SEGMENT_DEALS}): the values "
                "of all opportunities together used"
            )
            logs = logs_all
        if len(logs) >= 2:
            mu, sd = float(logs.mean()), float(logs.std(ddof=1))
            half = stats.t.ppf(0.975, len(logs) - 1) * sd / math.sqrt(len(logs))
            what = "all opportunities' list amounts (too few here)" if pooled else "list amounts"
            w.comment(
                4,
                f"lognormal fit to {len(logs):,} {what}: median 95% interval "
                f"{math.exp(mu - half):,.0f}-{math.exp(mu + half):,.0f}",
            )
            w.line(4, f"value_median: {_num(math.exp(mu))}")
            w.line(4, f"value_sigma: {_num(min(sd, 3.0))}")
    for s in by_name:
        if s not in shares:
            w.line(2, f"- {{name: {s}, remove: true}}  # not in the opportunities file")
    w.blank()


def _fit_team(
    data: CRMData,
    baseline: Scenario,
    quarters: int,
    w: _Writer,
    notes: list[str],
    ramp: RampFit | None = None,
) -> None:
    """AEs: from rep start and end dates if given, else from the opportunities' owners."""
    if data.reps is not None and (data.reps["role"] == "ae").any():
        _fit_reps(data, baseline, quarters, w, notes, ramp)
        return
    opps = data.opportunities
    if "owner" not in opps or (opps["owner"] == "").all():
        notes.append("aes.count: no rep dates and no opportunity owners: the baseline's team kept")
        return
    day = opps["day"].to_numpy(float)
    counts = []
    for q in range(quarters):
        mask = (day >= q * DAYS_PER_QUARTER) & (day < (q + 1) * DAYS_PER_QUARTER)
        owners = {o for o in opps["owner"].to_numpy(dtype=object)[mask] if o}
        counts.append(len(owners))
    n = max(round(float(np.median(counts))), 1)
    w.line(0, "aes:")
    w.comment(
        2,
        f"owners creating opportunities per quarter: {', '.join(str(c) for c in counts)} "
        "(median); ramp, attrition and hiring stay the baseline's (no rep dates given)",
    )
    w.line(2, f"count: {n}")
    w.blank()


def _fit_reps(
    data: CRMData,
    baseline: Scenario,
    quarters: int,
    w: _Writer,
    notes: list[str],
    ramp: RampFit | None = None,
) -> None:
    """Headcount at the scenario's start, attrition per AE-year, the wait to backfill a leaver
    and hires beyond backfills, from the AEs' start and end dates."""
    assert data.reps is not None
    reps = data.reps[data.reps["role"] == "ae"]
    start = reps["start_day"].to_numpy(float)
    end = reps["end_day"].to_numpy(float)
    end_or_inf = np.where(np.isnan(end), np.inf, end)
    first, last = -float(WARMUP_DAYS), float(quarters * DAYS_PER_QUARTER)
    count = int(((start <= first) & (end_or_inf > first)).sum())
    w.line(0, "aes:")
    w.comment(2, f"AEs on the team on day 0 (a quarter before the history): {count}")
    w.line(2, f"count: {max(count, 1)}")
    exposure = float(np.clip(np.minimum(end_or_inf, last) - np.maximum(start, 0.0), 0, None).sum())
    years = exposure / DAYS_PER_YEAR
    leavers = int(((end >= 0) & (end < last)).sum())
    if leavers >= MIN_LEAVERS and years > 0:
        low, high = _poisson_interval(leavers)
        w.comment(
            2,
            f"{leavers} AEs left over {years:.1f} AE-years of the history; 95% interval "
            f"{low / years:.2f}-{high / years:.2f} a year",
        )
        w.line(2, f"attrition_per_year: {_num(leavers / years)}")
    else:
        w.comment(
            2,
            _default_kept(
                notes,
                "aes.attrition_per_year",
                f"{leavers} AEs left",
                f"fewer than {MIN_LEAVERS}" if years > 0 else "no AE-years in the history",
            ),
        )
    # Each hire fills the earliest open leaver's seat; hires with no seat to fill grow the team.
    leaves = sorted(float(e) for e in end if first <= e < last)
    gaps: list[float] = []
    growth: list[int] = []
    for s in sorted(float(x) for x in start if first < x < last):
        if leaves and leaves[0] <= s:
            gaps.append(s - leaves.pop(0))
        else:
            growth.append(int(s - first))
    if len(gaps) >= 2:
        w.comment(
            2,
            f"{len(gaps)} hires filled a leaver's seat after a median {np.median(gaps):.0f} "
            "working days",
        )
        w.line(2, f"backfill_days: {round(float(np.median(gaps)))}")
    if growth:
        w.comment(2, f"{len(growth)} hire(s) beyond backfills: on the days they started")
        days = sorted(set(growth))
        w.line(
            2,
            "hiring_plan: ["
            + ", ".join(f"{{day: {d}, count: {growth.count(d)}}}" for d in days)
            + "]",
        )
    if ramp is not None:
        (r1, s1), (r2, s2) = ramp.simulated
        w.comment(
            2,
            f"{ramp.hires} AEs hired in the history made {ramp.share:.0%} of a tenured AE's "
            f"opportunities a day in their first {RAMP_WINDOW} working days ({ramp.opportunities} "
            f"opportunities over {ramp.hire_days:,.0f} AE-days); this fit simulated makes "
            f"{s1:.0%} at a {r1}-day ramp and {s2:.0%} at {r2} days; 95% interval "
            f"{ramp.low}-{ramp.high} days",
        )
        w.line(2, f"ramp_days: {ramp.ramp_days}")
    else:
        hired = ramp_statistic(data, quarters)
        why = (
            f"fewer than {MIN_HIRES} AEs hired in the history with half a year of tenure seen"
            if hired is None
            else "not simulated, or the simulated ramps did not separate"
        )
        notes.append(f"aes.ramp_days: {why}: the default kept")
        w.comment(2, f"ramp_days stays the baseline's {baseline.aes.ramp_days} ({why})")
    w.blank()


# --------------------------------------------------------------------------- helpers
def _poisson_interval(n: int) -> tuple[float, float]:
    low = 0.0 if n == 0 else float(stats.chi2.ppf(0.025, 2 * n) / 2)
    return low, float(stats.chi2.ppf(0.975, 2 * n + 2) / 2)


def _binomial_interval(k: int, n: int) -> tuple[float, float]:
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    return float(ci.low), float(ci.high)


def _num(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.0f}"
    return str(value)


def _flow(items: list[dict[str, Any]]) -> str:
    return (
        "["
        + ", ".join("{" + ", ".join(f"{k}: {_num(v)}" for k, v in i.items()) + "}" for i in items)
        + "]"
    )


def _default_kept(
    notes: list[str], path: str, evidence: str, rule: str, value: float | None = None
) -> str:
    """A field the history is too thin to fit keeps its default: the note for the user
    (field, evidence, rule) is added to `notes`; returns the YAML comment for its place."""
    kept = "the default kept" if value is None else f"the default {value:g} kept"
    notes.append(f"{path}: {evidence} ({rule}): {kept}")
    return f"{path.rsplit('.', 1)[-1]}: {evidence} ({rule}); {kept}"


class _Writer:
    """YAML lines with comments above the values they explain."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def line(self, indent: int, text: str) -> None:
        self.lines.append(" " * indent + text)

    def comment(self, indent: int, text: str) -> None:
        self.lines.append(" " * indent + "# " + " ".join(text.split()))

    def blank(self) -> None:
        self.lines.append("")

    def text(self) -> str:
        """The YAML text; a section left with comments only becomes an empty mapping."""
        lines = list(self.lines)
        for i, line in enumerate(lines):
            if not line.rstrip().endswith(":") or line.lstrip().startswith("#"):
                continue
            indent = len(line) - len(line.lstrip())
            body = (x for x in lines[i + 1 :] if x.strip() and not x.lstrip().startswith("#"))
            following = next(body, None)
            if following is None or len(following) - len(following.lstrip()) <= indent:
                lines[i] = line + " {}"
        return "\n".join(lines).rstrip() + "\n"
