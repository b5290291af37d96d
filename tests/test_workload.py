"""The work estimate: one unit is one baseline replication; it grows with what a scenario asks."""

from __future__ import annotations

import pytest

from salessim.scenario_files import load_scenario
from salessim.workload import MAX_REPLICATION_WORK, WorkLimitError, check, estimate

BUNDLED = (
    "baseline",
    "hire_two_aes",
    "more_leads_30",
    "more_leads_30_filtered",
    "more_leads_30_with_sdrs",
    "more_leads_next_quarter",
    "reps_own_calling",
    "teleprospecting",
    "time_blocked_prospecting",
)


def test_the_baseline_is_one_unit() -> None:
    assert estimate(load_scenario("baseline")) == pytest.approx(1.0, rel=1e-3)


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_scenario_is_well_within_the_default_limit(name: str) -> None:
    assert 0.5 < estimate(load_scenario(name)) < 2.0


@pytest.mark.parametrize(
    ("override", "at_least"),
    [
        ("calendar.horizon_days=2520", 3.0),  # ~3× the days
        ("aes.count=80", 5.0),  # 10× the team
        ("lead_volume_multiplier=10", 3.0),  # 10× the leads
        ("prospecting.block_hours=0.25", 1.5),  # 8× the prospecting blocks
    ],
)
def test_the_estimate_grows_with_days_reps_leads_and_blocks(override: str, at_least: float) -> None:
    assert estimate(load_scenario("baseline", [override])) > at_least


def test_campaigns_and_seasonality_count_as_leads() -> None:
    quiet = load_scenario("reps_own_calling", ["lead_sources.web_inbound.monthly_volume=1000"])
    burst = load_scenario(
        "reps_own_calling",
        [
            "lead_sources.web_inbound.monthly_volume=1000",
            "lead_sources.web_inbound.campaigns="
            "[{start_day: 0, duration_days: 252, volume_multiplier: 10}]",
        ],
    )
    assert estimate(burst) > estimate(quiet) + 1.0


def test_planned_sdr_hires_and_changed_lead_volumes_count_from_their_day() -> None:
    base = estimate(load_scenario("baseline"))
    hired = load_scenario("baseline", {"sdrs.hiring_plan": [{"day": 0, "count": 8}]})
    late = load_scenario("baseline", {"sdrs.hiring_plan": [{"day": 756, "count": 8}]})
    # Eight SDRs double the rep-days from day 0; hired on day 756 they add little.
    assert estimate(hired) > base + 0.3
    assert base < estimate(late) < estimate(hired)
    more = load_scenario(
        "baseline", {"changes": [{"at_day": 63, "set": {"lead_volume_multiplier": 10}}]}
    )
    assert estimate(more) > estimate(load_scenario("baseline", ["lead_volume_multiplier=10"])) - 0.5
    assert estimate(more) > base + 2.0


def test_a_big_team_over_ten_years_is_past_the_default_limit() -> None:
    big = load_scenario("baseline", ["aes.count=500", "calendar.horizon_days=2520"])
    assert estimate(big) > MAX_REPLICATION_WORK
    with pytest.raises(WorkLimitError, match=r"^scenario big: one replication .* --max-work \d+$"):
        check([("scenario big", big)], 1)
    assert check([("scenario big", big)], 1, max_work=1000) == pytest.approx(estimate(big))


def test_the_total_counts_replications_of_every_scenario() -> None:
    baseline = load_scenario("baseline")
    assert check([("a", baseline), ("b", baseline)], 10) == pytest.approx(20.0, rel=1e-3)
    with pytest.raises(WorkLimitError, match=r"--max-total-work 20$"):
        check([("a", baseline), ("b", baseline)], 10, max_total_work=15)
