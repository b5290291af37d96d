"""A team profile turned into a scenario: the derivations, the commented file, and the fit."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from salessim.config import DAYS_PER_YEAR, Scenario
from salessim.experiments import replicate
from salessim.outputs import run_data
from salessim.profile import (
    BASELINE_DISCOUNT,
    BASELINE_OTHER_LOSS_SURVIVAL,
    REP_HOURS_ELASTICITY,
    ProfileError,
    build,
    make_profile,
    profile_fit,
    solve_dropout_factor,
)
from salessim.scenario_files import dump_yaml, load_scenario

CEO = {
    "aes": 12,
    "sdrs": 2,
    "deal_size": 40_000.0,
    "sales_cycle_days": 90.0,
    "leads_per_month": 250.0,
    "win_rate": 0.25,
}
"""A 12-AE company: $40k deals, a ~90-day cycle, 250 inbound leads a month, 2 SDRs."""
SMALL_FAST = {
    "aes": 10,
    "sdrs": 3,
    "deal_size": 12_000.0,
    "sales_cycle_days": 45.0,
    "leads_per_month": 400.0,
    "web_share": 0.6,
    "win_rate": 0.35,
}
"""Smaller, faster deals won more often, web-heavy leads: far from baseline on every number."""


def _mean_list_value(scenario: Scenario) -> float:
    return sum(s.share * s.value_median * math.exp(s.value_sigma**2 / 2) for s in scenario.segments)


def test_stage_days_and_hours_add_up_to_the_asked_cycle(baseline: Scenario) -> None:
    team = build(make_profile(CEO), "ceo")
    stages = team.scenario.deals.stages
    selling = 8 * (1 - baseline.aes.non_selling_share)
    working = sum(s.buyer_days for s in stages) + sum(s.rep_hours for s in stages) / selling
    # 90 calendar days are 62.1 working days (252 a year), not 90 and not 64 (5/7).
    assert working == pytest.approx(90 * DAYS_PER_YEAR / 365, rel=2e-3)
    # Buyer days keep baseline's proportions between stages.
    base_days = [s.buyer_days for s in baseline.deals.stages]
    ratios = [s.buyer_days / b for s, b in zip(stages, base_days, strict=True)]
    assert max(ratios) == pytest.approx(min(ratios), rel=2e-3)


def test_deal_values_and_rep_hours_follow_the_deal_size(baseline: Scenario) -> None:
    team = build(make_profile(CEO), "ceo")
    mean_list = _mean_list_value(team.scenario)
    assert mean_list * (1 - BASELINE_DISCOUNT) == pytest.approx(40_000, rel=1e-3)
    size_factor = mean_list / _mean_list_value(baseline)
    for new, old in zip(team.scenario.deals.stages, baseline.deals.stages, strict=True):
        assert new.rep_hours == pytest.approx(
            old.rep_hours * size_factor**REP_HOURS_ELASTICITY, rel=1e-3
        )


def test_dropouts_share_one_factor_that_gives_the_asked_win_rate(baseline: Scenario) -> None:
    team = build(make_profile(CEO), "ceo")
    new = [s.dropout_probability for s in team.scenario.deals.stages]
    old = [s.dropout_probability for s in baseline.deals.stages]
    factors = [n / o for n, o in zip(new, old, strict=True)]
    assert max(factors) == pytest.approx(min(factors), rel=1e-3)
    through = math.prod(1 - p for p in new)
    assert through * BASELINE_OTHER_LOSS_SURVIVAL == pytest.approx(0.25, rel=1e-3)


def test_solve_dropout_factor() -> None:
    probs = [0.35, 0.25, 0.3, 0.22]
    assert solve_dropout_factor(probs, math.prod(1 - p for p in probs)) == pytest.approx(1.0)
    k = solve_dropout_factor(probs, 0.1)
    assert math.prod(1 - k * p for p in probs) == pytest.approx(0.1)
    assert solve_dropout_factor(probs, 1.0) == pytest.approx(0.0, abs=1e-9)


def test_leads_split_and_numbers_not_given_fall_back_to_baseline(baseline: Scenario) -> None:
    team = build(make_profile(SMALL_FAST), "small")
    volumes = {s.name: s.monthly_volume for s in team.scenario.lead_sources}
    assert volumes == {"web_inbound": 240.0, "content": 160.0}
    assert (team.scenario.aes.count, team.scenario.sdrs.count) == (10, 3)
    # Not asked: economics, quota, ramp, attrition and qualification stay baseline's.
    assert team.scenario.economics == baseline.economics
    assert team.scenario.aes.quota_per_year == baseline.aes.quota_per_year
    assert team.scenario.aes.ramp_days == baseline.aes.ramp_days
    assert team.scenario.qualification == baseline.qualification
    # Without a web share, baseline's split (90 web of 240).
    ceo = build(make_profile(CEO), "ceo").scenario
    assert ceo.lead_sources[0].monthly_volume == pytest.approx(250 * 90 / 240, rel=1e-3)


def test_people_and_money_numbers_are_set_as_asked() -> None:
    profile = make_profile(
        {
            **CEO,
            "ae_cost_per_year": 200_000,
            "sdr_cost_per_year": 90_000,
            "quota_per_ae": 900_000,
            "ramp_months": 4,
            "attrition_per_year": 0.2,
            "lead_to_opportunity": 0.3,
        }
    )
    scenario = build(profile, "ceo").scenario
    assert scenario.economics.ae_cost_per_year == 200_000
    assert scenario.economics.sdr_cost_per_year == 90_000
    assert scenario.aes.quota_per_year == 900_000
    assert scenario.aes.ramp_days == 84  # 4 months × 21 working days
    assert scenario.aes.attrition_per_year == 0.2
    # 30% of leads is more than conversion alone can give: capped at 1, fit shares take the rest.
    assert scenario.qualification.fit_conversion_probability == 1.0
    assert scenario.lead_sources[0].fit_share > 0.5


def test_the_written_file_extends_baseline_and_loads_to_the_same_scenario(
    tmp_path: Path,
) -> None:
    team = build(make_profile(CEO), "ceo")
    text = team.yaml_text()
    assert "\nextends: baseline\n" in text
    path = tmp_path / "ceo.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_scenario(path)
    assert loaded == team.scenario
    assert loaded.profile.given() == CEO
    # Every derived field is preceded by a comment saying what it came from.
    lines = text.splitlines()
    for setting in team.settings:
        field = setting.path.rsplit(".", 1)[-1]
        index = next(
            i
            for i, line in enumerate(lines)
            if line.strip().startswith(f"{field}:") and str(setting.value) in line
        )
        assert lines[index - 1].strip().startswith("#"), setting.path
    assert "working days" in text and "252/365" in text
    assert "# quota_per_ae: not given, baseline's $770,000" in text


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({**CEO, "win_rate": 1.2}, "win_rate"),
        ({**CEO, "aes": 0}, "aes"),
        ({**CEO, "deal_size": -5}, "deal_size"),
        ({**CEO, "web_share": 2}, "web_share"),
    ],
)
def test_bad_numbers_name_their_field(values: dict[str, object], field: str) -> None:
    with pytest.raises(ProfileError) as caught:
        make_profile(values)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: must be")


def test_a_cycle_too_short_for_the_reps_work_is_refused() -> None:
    with pytest.raises(ProfileError, match="sales_cycle_days: 3 calendar days") as caught:
        build(make_profile({**CEO, "sales_cycle_days": 3}), "x")
    assert caught.value.field == "sales_cycle_days"
    with pytest.raises(ProfileError, match="needs leads_per_month"):
        build(make_profile({"aes": 3, "deal_size": 1e4, "sales_cycle_days": 60}), "x")


def test_a_run_without_a_profile_has_no_fit(short_baseline: Scenario) -> None:
    result = replicate(short_baseline, 2, seed=0, workers=1)
    assert profile_fit(result) == []
    assert "profile_fit" not in run_data(result)


# Tolerances of the fit: relative for the cycle, deal size and leads, absolute for the win rate.
CYCLE_TOLERANCE = 0.06
WIN_RATE_TOLERANCE = 0.02
DEAL_SIZE_TOLERANCE = 0.05
LEADS_TOLERANCE = 0.03


@pytest.mark.slow
def test_two_different_profiles_produce_their_own_numbers() -> None:
    """4 replications of the full horizon (three reported years), seed 2026, for two profiles
    far apart: each produces its cycle within 6%, win rate within 2 points, deal size within 5%
    and leads within 3%, and lies outside the other's tolerances (the fit follows the profile,
    not a fixed default)."""
    produced = {}
    for name, values in (("ceo", CEO), ("small", SMALL_FAST)):
        result = replicate(build(make_profile(values), name).scenario, 4, seed=2026, workers=1)
        rows = {row.key: row for row in profile_fit(result)}
        assert set(rows) == {"sales_cycle_days", "win_rate", "deal_size", "leads_per_month"}
        produced[name] = {key: row.produced.mean for key, row in rows.items()}
        got = produced[name]
        assert got["sales_cycle_days"] == pytest.approx(
            values["sales_cycle_days"], rel=CYCLE_TOLERANCE
        )
        assert got["win_rate"] == pytest.approx(values["win_rate"], abs=WIN_RATE_TOLERANCE)
        assert got["deal_size"] == pytest.approx(values["deal_size"], rel=DEAL_SIZE_TOLERANCE)
        assert got["leads_per_month"] == pytest.approx(
            values["leads_per_month"], rel=LEADS_TOLERANCE
        )
    for key in ("sales_cycle_days", "deal_size", "leads_per_month"):
        assert produced["ceo"][key] != pytest.approx(SMALL_FAST[key], rel=0.2), key
    assert abs(produced["small"]["win_rate"] - CEO["win_rate"]) > 3 * WIN_RATE_TOLERANCE


def test_a_dumped_scenario_keeps_a_profile_only_when_it_has_one(baseline: Scenario) -> None:
    assert "profile:" not in dump_yaml(baseline)
    team = build(make_profile(CEO), "ceo").scenario
    text = dump_yaml(team)
    assert "profile:" in text
    assert Scenario.model_validate(yaml.safe_load(text)) == team
