"""Conservation: every lead, every opportunity and every rep hour is accounted for.

All balances use whole-run counters (daily arrays summed over *all* days, warm-up included),
so nothing can hide before the reported window. They are checked on every bundled scenario
(shortened to one year) and, with hypothesis, on randomly generated valid scenarios, which may
start from an open pipeline, hire SDRs on a plan and change fields on given days (every lead,
deal and hour is accounted for across a change).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from salessim.config import Scenario
from salessim.entities import (
    ACTIVITIES,
    LEAD_FATES,
    LOSS_REASONS,
    ORIGIN_INITIAL,
    ORIGIN_MARKETING,
    ORIGIN_SDR_PROSPECTING,
    ORIGINS,
)
from salessim.model import SalesModel, run
from salessim.results import RunResult
from salessim.scenario_files import BUNDLED_DIR, load_scenario, scenario_with

REL = 1e-6
"""Relative tolerance for sums of float hours."""

BUNDLED = sorted(BUNDLED_DIR.glob("*.yaml"))
SEEDS = (0, 1, 2)


def total(result: RunResult, name: str) -> float:
    """A daily counter summed over every simulated day (warm-up included)."""
    return float(result.daily[name].sum())


# ---------------------------------------------------------------------------- balances
def assert_leads_conserved(result: RunResult) -> None:
    """Every lead that arrived has exactly one fate, or is still queued or being worked."""
    arrived = total(result, "leads_arrived")
    ended = sum(total(result, f"leads_{fate}") for fate in LEAD_FATES)
    open_end = result.leads_queued_end + result.leads_in_progress_end
    assert ended + open_end == arrived, (
        f"leads: {arrived:g} arrived, but {ended:g} ended + {result.leads_queued_end} queued "
        f"+ {result.leads_in_progress_end} in progress = {ended + open_end:g}"
    )


def assert_deals_conserved(result: RunResult) -> None:
    """Every deal open at the start or created is won, lost for a reason, or still open at the
    end."""
    created = sum(total(result, f"opps_{origin}") for origin in ORIGINS)
    assert created == result.deals_created_total
    deals = created + result.deals_initial_total
    wins = total(result, "wins")
    losses = sum(total(result, f"losses_{reason}") for reason in LOSS_REASONS)
    assert wins + losses + result.deals_open_end == deals, (
        f"deals: {result.deals_initial_total} open at the start + {created:g} created, "
        f"{wins:g} won + {losses:g} lost + {result.deals_open_end} open "
        f"= {wins + losses + result.deals_open_end:g}"
    )


def assert_hours_add_up(result: RunResult, role: str) -> None:
    """A role's hours by activity add up to its hours available = headcount-days × hours/day."""
    available = total(result, f"{role}_hours_available")
    booked = sum(total(result, f"{role}_hours_{act}") for act in ACTIVITIES)
    headcount_days = total(result, f"{role}_headcount")
    assert available == pytest.approx(headcount_days * result.hours_per_day, rel=REL, abs=1e-9)
    assert booked == pytest.approx(available, rel=REL, abs=1e-9), (
        f"{role} hours: {available:.6f} available but {booked:.6f} booked to activities"
    )
    for act in ACTIVITIES:
        assert total(result, f"{role}_hours_{act}") >= -1e-9, f"negative {role} {act} hours"


def assert_records_agree(result: RunResult) -> None:
    """Per-lead and per-deal records tell the same story as the counters."""
    assert result.lead_records is not None and result.deal_records is not None
    leads = Counter(lead["fate"] for lead in result.lead_records)
    assert len(result.lead_records) == total(result, "leads_arrived")
    for fate in LEAD_FATES:
        assert leads[fate] == total(result, f"leads_{fate}"), f"lead fate {fate}"
    assert leads["queued"] == result.leads_queued_end + result.leads_in_progress_end
    assert set(leads) <= {*LEAD_FATES, "queued"}

    deals = Counter(deal["outcome"] for deal in result.deal_records)
    assert len(result.deal_records) == result.deals_created_total + result.deals_initial_total
    assert deals["won"] == total(result, "wins")
    assert deals["open"] == result.deals_open_end
    reasons = Counter(d["reason"] for d in result.deal_records if d["outcome"] == "lost")
    for reason in LOSS_REASONS:
        assert reasons[reason] == total(result, f"losses_{reason}"), f"loss reason {reason}"
    origins = Counter(deal["origin"] for deal in result.deal_records)
    for origin in ORIGINS:
        assert origins[origin] == total(result, f"opps_{origin}"), f"origin {origin}"
    assert origins[ORIGIN_INITIAL] == result.deals_initial_total


def assert_source_counters_agree(result: RunResult, scenario: Scenario) -> None:
    """Per-source counters (``source:<name>:leads`` / ``:converted``) match the lead records."""
    assert result.lead_records is not None
    names = [source.name for source in scenario.lead_sources]
    arrived = Counter(names[r["source"]] for r in result.lead_records)
    converted = Counter(names[r["source"]] for r in result.lead_records if r["fate"] == "converted")
    keys = [k for k in result.daily if k.startswith("source:")]
    for key in keys:
        _, name, what = key.split(":")
        expected = {"leads": arrived, "converted": converted}[what][name]
        assert total(result, key) == expected, key


# ---------------------------------------------------------------------------- bundled scenarios
Shorten = Callable[[str | Path], Scenario]
BundledRun = Callable[[Path, int], tuple[Scenario, RunResult]]


@pytest.fixture(scope="module")
def bundled_run(shorten: Shorten) -> BundledRun:
    """A bundled scenario shortened to one year and its run with records (each run once)."""
    cache: dict[tuple[Path, int], tuple[Scenario, RunResult]] = {}

    def get(path: Path, seed: int) -> tuple[Scenario, RunResult]:
        if (path, seed) not in cache:
            scenario = shorten(path)
            cache[path, seed] = (scenario, run(scenario, seed, records=True))
        return cache[path, seed]

    return get


bundled_cases = pytest.mark.parametrize(
    ("path", "seed"),
    [(p, s) for p in BUNDLED for s in SEEDS],
    ids=[f"{p.stem}-seed{s}" for p in BUNDLED for s in SEEDS],
)


def test_there_are_bundled_scenarios() -> None:
    assert any(p.stem == "baseline" for p in BUNDLED)


@bundled_cases
def test_bundled_leads_conserved(bundled_run: BundledRun, path: Path, seed: int) -> None:
    scenario, result = bundled_run(path, seed)
    # Scenarios without marketing leads (own calling) must produce none; the others some.
    has_leads = any(s.monthly_volume * s.volume_multiplier > 0 for s in scenario.lead_sources)
    assert (total(result, "leads_arrived") > 0) == has_leads
    assert_leads_conserved(result)


@bundled_cases
def test_bundled_deals_conserved(bundled_run: BundledRun, path: Path, seed: int) -> None:
    _, result = bundled_run(path, seed)
    assert result.deals_created_total > 0
    assert_deals_conserved(result)


@bundled_cases
def test_bundled_hours_add_up(bundled_run: BundledRun, path: Path, seed: int) -> None:
    _, result = bundled_run(path, seed)
    assert total(result, "ae_hours_available") > 0
    assert_hours_add_up(result, "ae")
    assert_hours_add_up(result, "sdr")


@bundled_cases
def test_bundled_records_agree_with_counters(
    bundled_run: BundledRun, path: Path, seed: int
) -> None:
    scenario, result = bundled_run(path, seed)
    assert_records_agree(result)
    assert_source_counters_agree(result, scenario)


# ---------------------------------------------------------------------------- random scenarios
_BASE = load_scenario("baseline")
probabilities = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
volumes = st.floats(min_value=0.0, max_value=400.0, allow_nan=False)


@st.composite
def valid_scenarios(draw: st.DrawFn) -> Scenario:
    """A valid scenario: the baseline with a handful of fields drawn at random."""
    policy = draw(st.sampled_from(["closer_first", "lead_first", "time_blocked"]))
    overrides: dict[str, object] = {
        "calendar.horizon_days": draw(st.integers(60, 200)),
        "calendar.warmup_days": draw(st.integers(0, 20)),
        "aes.count": draw(st.integers(1, 12)),
        "sdrs.count": draw(st.integers(0, 4)),
        "lead_sources.web_inbound.monthly_volume": draw(volumes),
        "lead_sources.content.monthly_volume": draw(volumes),
        "lead_sources.web_inbound.fit_share": draw(probabilities),
        "lead_sources.content.fit_share": draw(probabilities),
        "lead_sources.web_inbound.volume_multiplier": draw(st.sampled_from([0.5, 1.0, 1.3])),
        "aes.policy.name": policy,
        "aes.policy.daily_prospecting_hours": 1.5 if policy == "time_blocked" else 0.0,
        "management.enabled": draw(st.booleans()),
        "lead_filter.enabled": draw(st.booleans()),
        "qualification.queue_discipline": draw(st.sampled_from(["fifo", "newest_first", "score"])),
        "qualification.ae_lead_routing": draw(st.sampled_from(["assigned", "shared"])),
        "qualification.call_order": draw(st.sampled_from(["due_time", "new_first"])),
        "rushing.late_days_threshold": draw(st.none() | st.floats(0.5, 10.0)),
        "qualification.connect_probability": draw(probabilities),
        "aes.attrition_per_year": draw(st.floats(0.0, 3.0, allow_nan=False)),
        "aes.on_departure": draw(st.sampled_from(["reassign", "lose"])),
        "aes.start_ramped": draw(st.booleans()),
        "aes.non_selling_share": draw(st.sampled_from([0.0, 0.1, 0.25])),
        "sdrs.attrition_per_year": draw(st.floats(0.0, 3.0, allow_nan=False)),
        "sdrs.works_inbound_leads": draw(st.booleans()),
        "sdrs.ae_max_open_deals": draw(st.none() | st.integers(1, 20)),
    }
    horizon = overrides["calendar.horizon_days"]
    assert isinstance(horizon, int)
    aes = overrides["aes.count"]
    assert isinstance(aes, int)
    if draw(st.booleans()):
        overrides["sdrs.hiring_plan"] = [
            {"day": draw(st.integers(0, horizon)), "count": draw(st.integers(1, 3))}
        ]
    # Today's pipeline: open deals in any stage, owned by a named starting AE or in turn.
    overrides["initial_pipeline"] = [
        {
            "stage": draw(st.integers(0, 3)),
            "value": draw(st.floats(1_000.0, 100_000.0)),
            "age_in_stage_days": draw(st.floats(0.0, 40.0)),
            "owner": draw(st.none() | st.integers(0, aes - 1)),
        }
        for _ in range(draw(st.integers(0, 12)))
    ]
    # Plans that start on a date: a few fields set mid-run, in order of day.
    change_sets = st.dictionaries(
        st.sampled_from(
            [
                "lead_volume_multiplier",
                "lead_filter.enabled",
                "aes.policy.name",
                "management.enabled",
                "qualification.queue_discipline",
                "aes.on_departure",
                "deals.stages.demo.buyer_days",
                "aes.non_selling_share",
                "sdrs.ae_max_open_deals",
            ]
        ),
        st.none(),
        min_size=1,
        max_size=3,
    )
    values: dict[str, st.SearchStrategy[object]] = {
        "lead_volume_multiplier": st.sampled_from([0.0, 0.5, 1.5, 2.0]),
        "lead_filter.enabled": st.booleans(),
        "aes.policy.name": st.sampled_from(["closer_first", "lead_first"]),
        "management.enabled": st.booleans(),
        "qualification.queue_discipline": st.sampled_from(["fifo", "newest_first", "score"]),
        "aes.on_departure": st.sampled_from(["reassign", "lose"]),
        "deals.stages.demo.buyer_days": st.floats(0.0, 30.0),
        "aes.non_selling_share": st.sampled_from([0.0, 0.3, 0.6]),
        "sdrs.ae_max_open_deals": st.none() | st.integers(1, 20),
    }
    days = sorted(draw(st.lists(st.integers(1, horizon - 1), max_size=3)))
    overrides["changes"] = [
        {"at_day": day, "set": {path: draw(values[path]) for path in draw(change_sets)}}
        for day in days
    ]
    return scenario_with(_BASE, overrides)


seeds = st.integers(min_value=0, max_value=2**32 - 1)
# No shrinking: one failing model run can cost minutes of shrinking, which would blow the
# suite's time budget. A failure still prints the whole scenario and seed; the reproductions
# at the end of this file pin down the bugs these properties found.
random_runs = settings(
    max_examples=25,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    report_multiple_bugs=False,
)


@random_runs
@given(scenario=valid_scenarios(), seed=seeds)
def test_random_scenarios_conserve_leads(scenario: Scenario, seed: int) -> None:
    assert_leads_conserved(run(scenario, seed))


@random_runs
@given(scenario=valid_scenarios(), seed=seeds)
def test_random_scenarios_conserve_deals(scenario: Scenario, seed: int) -> None:
    assert_deals_conserved(run(scenario, seed))


@random_runs
@given(scenario=valid_scenarios(), seed=seeds)
def test_random_scenarios_hours_add_up(scenario: Scenario, seed: int) -> None:
    result = run(scenario, seed)
    assert_hours_add_up(result, "ae")
    assert_hours_add_up(result, "sdr")


@random_runs
@given(scenario=valid_scenarios(), seed=seeds)
def test_random_scenarios_records_agree_with_counters(scenario: Scenario, seed: int) -> None:
    result = run(scenario, seed, records=True)
    assert_records_agree(result)
    assert_source_counters_agree(result, scenario)


# ---------------------------------------------------------------------------- minimal reproductions
def one_ae_calling(**changes: Any) -> Scenario:
    """One AE, one lead source of suspects, no prospecting, no deals: only lead work."""
    data: dict[str, Any] = {
        "name": "lead_work_only",
        "calendar": {"horizon_days": 5, "warmup_days": 0},
        "lead_sources": [
            {
                "name": "web",
                "monthly_volume": 420,
                "fit_share": 0.0,
                "cost_per_lead": 0,
                "response_decay": [{"hours": 0, "multiplier": 1}],
            }
        ],
        "qualification": {"expiry_days": 504},
        "prospecting": {"dials_per_hour": 0},
        "aes": {"count": 1, "non_selling_share": 0.25, "attrition_per_year": 0},
    }
    for path, value in changes.items():
        block, field = path.split("__")
        target = data[block][0] if block == "lead_sources" else data[block]
        target[field] = value
    return Scenario.model_validate(data)


# Every lead answers the first call and takes a whole working day (8 h) to qualify.
EIGHT_HOUR_CONVERSATIONS: dict[str, Any] = {
    "qualification__attempt_minutes": 0,
    "qualification__connect_probability": 1,
    "qualification__max_attempts": 1,
    "qualification__conversation_hours": 8,
    "qualification__conversation_cv": 0,
}


def test_lead_worked_by_a_leaving_rep_is_not_lost() -> None:
    # Every conversation (8 h) outlasts a 6-hour selling day, so a rep always carries a lead
    # overnight; with 3 departures a year, reps leave while carrying one. Those leads must end
    # in a fate or go back to the queue.
    scenario = one_ae_calling(
        calendar__horizon_days=252,
        **EIGHT_HOUR_CONVERSATIONS,
        aes__attrition_per_year=3.0,
        aes__backfill_days=5,
        lead_sources__monthly_volume=42,
    )
    result = run(scenario, 0)
    assert total(result, "ae_headcount") < 252, "the scenario must make the AE leave"
    assert_leads_conserved(result)


def test_session_of_missed_calls_is_not_a_lead_in_progress() -> None:
    # Calls of 50 minutes never connect: each session is one missed call, settled at once
    # (unreached after one attempt). The last session of the day overruns the selling window
    # and is carried, but it holds no lead, so no lead is "in progress".
    scenario = one_ae_calling(
        qualification__attempt_minutes=50,
        qualification__connect_probability=0,
        qualification__max_attempts=1,
        qualification__call_session_minutes=30,
    )
    result = run(scenario, 0)
    assert total(result, "leads_unreached") > 0
    assert result.leads_in_progress_end == 0
    assert_leads_conserved(result)


def test_last_day_hours_booked_when_selling_fills_the_day() -> None:
    # No non-selling time: the selling window ends exactly at the horizon on the last day.
    # No leads, no prospecting: every hour available is idle, the last day's included.
    scenario = one_ae_calling(
        aes__non_selling_share=0.0,
        lead_sources__monthly_volume=0,
    )
    result = run(scenario, 0)
    assert result.daily["ae_hours_idle"].tolist() == result.daily["ae_hours_available"].tolist()
    assert_hours_add_up(result, "ae")


def test_lead_worked_at_the_horizon_is_accounted() -> None:
    # No non-selling time and 8-hour conversations: every day the AE starts a lead at the start
    # of the day and finishes it exactly at the end, the last one at the horizon itself.
    scenario = one_ae_calling(
        aes__non_selling_share=0.0,
        **EIGHT_HOUR_CONVERSATIONS,
    )
    result = run(scenario, 0)
    assert_leads_conserved(result)
    assert_hours_add_up(result, "ae")


def test_weekly_sweep_closes_each_neglected_deal_once() -> None:
    # One AE with a neglected deal of their own, and a hand-off waiting for them (the AE is at
    # the hand-off cap) that has also waited too long. The sweep loses the AE's deal first;
    # closing it frees capacity, which loses the waiting hand-off too. The sweep must not then
    # close the hand-off a second time.
    scenario = scenario_with(
        _BASE,
        {
            "aes.count": 1,
            "aes.attrition_per_year": 0,
            "sdrs.ae_max_open_deals": 1,
            "lead_sources.web_inbound.monthly_volume": 0,
            "lead_sources.content.monthly_volume": 0,
        },
    )
    model = SalesModel(scenario, 0)
    desk = model.desk
    ae = model.aes[0]
    owned = desk.create(ORIGIN_MARKETING, ae)
    waiting = desk.create(ORIGIN_SDR_PROSPECTING, None)
    assert owned.owner is ae and waiting.owner is None, "the hand-off must wait (AE at cap)"
    owned.loss_at = waiting.loss_at = model.env.now  # both have waited too long by now
    desk.sweep()
    assert desk.open == {}
    assert model.ledger.daily["losses_neglect"][0] == 2
