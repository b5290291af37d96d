"""Start from today: a run can start from an open pipeline (a list or a CSV file) and from reps
with given tenure, so "next year" runs from the real state with no warm-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from salessim.cli import main
from salessim.config import Scenario
from salessim.entities import ORIGIN_INITIAL
from salessim.errors import ScenarioError
from salessim.model import SalesModel, run
from salessim.random_streams import lognormal, lognormal_beyond
from salessim.scenario_files import load_scenario, scenario_with

# No leads, no calling, no attrition, no neglect loss and no rushing: only the open deals move.
QUIET: dict[str, object] = {
    "calendar.horizon_days": 126,
    "calendar.warmup_days": 0,
    "lead_sources.web_inbound.monthly_volume": 0,
    "lead_sources.content.monthly_volume": 0,
    "prospecting.dials_per_hour": 0,
    "aes.attrition_per_year": 0,
    "neglect.loss_hazard_per_day": 0,
    "rushing.enabled": False,
}


@pytest.fixture(scope="module")
def quiet() -> Scenario:
    return load_scenario("baseline", QUIET)


def pipeline(*deals: dict[str, Any]) -> dict[str, object]:
    return {"initial_pipeline": list(deals)}


def test_a_deal_closes_when_its_stage_and_the_stages_after_it_are_done(quiet: Scenario) -> None:
    # Buyers take exactly their stage's days and never drop out: the schedule is arithmetic.
    exact = {f"deals.stages.{i}.buyer_days_cv": 0.0 for i in range(4)}
    exact |= {f"deals.stages.{i}.dropout_probability": 0.0 for i in range(4)}
    scenario = scenario_with(
        quiet,
        exact
        | pipeline(
            # Negotiation (8 buyer days), 3 days in: the buyer signs on day 5.
            {"stage": "negotiation", "value": 40_000, "age_in_stage_days": 3, "owner": 0},
            # Proposal (10 days) just begun: day 10, then 2 h of negotiation work, then 8 days.
            {"stage": 2, "value": 30_000, "owner": 1},
            # Stayed in negotiation beyond its 8 days: the buyer is due now.
            {"stage": "negotiation", "value": 20_000, "age_in_stage_days": 20, "owner": 2},
        ),
    )
    result = run(scenario, 0, records=True)
    assert result.deal_records is not None
    closed = {d["list_value"]: d["closed_day"] for d in result.deal_records}
    assert all(d["outcome"] == "won" for d in result.deal_records)
    assert closed[40_000] == pytest.approx(5.0)
    assert closed[30_000] == pytest.approx(10.0 + 2 / 8 + 8.0)
    assert closed[20_000] == pytest.approx(0.0)
    assert result.daily["bookings"].sum() == pytest.approx(90_000)


def test_later_stages_close_sooner_and_a_stage_drawn_given_its_age(quiet: Scenario) -> None:
    # 150 deals in each of the first and last stage (buyers' days lognormal, cv 0.5).
    deals = [{"stage": s, "value": 10_000} for s in (0, 3) for _ in range(150)]
    scenario = scenario_with(quiet, pipeline(*deals))
    result = run(scenario, 1, records=True)
    assert result.deal_records is not None
    won = [d for d in result.deal_records if d["outcome"] == "won"]
    first = [d["closed_day"] for d in won if d["id"] <= 150]
    last = [d["closed_day"] for d in won if d["id"] > 150]
    # Negotiation: 8 buyer days on average; from discovery the buyers' 38 days and the rep's
    # 10 hours of the later stages. Each stage's buyers drop out at its rate on the way.
    stages = scenario.deals.stages
    reaching = np.cumprod([1.0 - stage.dropout_probability for stage in stages])
    assert np.mean(last) == pytest.approx(8.0, rel=0.15)
    assert len(last) == pytest.approx(150 * (1 - stages[3].dropout_probability), abs=15)
    assert np.mean(first) == pytest.approx(38.0 + 10 / 8, rel=0.15)
    assert len(first) == pytest.approx(150 * reaching[-1], abs=12)


def test_a_stage_already_under_way_ends_sooner_but_never_before_day_0() -> None:
    # The buyer's days given they have lasted `age`: above `age`, and on average the mean
    # residual of a lognormal (mean 8, cv 0.5) is under 8 days for a 6-day-old stage.
    rng = np.random.default_rng(0)
    z = rng.standard_normal(20_000).tolist()
    fresh = [lognormal(8.0, 0.5, x) for x in z]
    aged = [lognormal_beyond(8.0, 0.5, x, 6.0) - 6.0 for x in z]
    assert min(aged) >= 0.0
    assert np.mean(fresh) == pytest.approx(8.0, rel=0.02)
    assert 3.0 < np.mean(aged) < 7.0
    # A draw given age 0 is the plain draw.
    assert lognormal_beyond(8.0, 0.5, 0.3, 1e-12) == pytest.approx(lognormal(8.0, 0.5, 0.3))


def test_open_deals_count_in_bookings_but_not_as_new_opportunities(quiet: Scenario) -> None:
    scenario = scenario_with(quiet, pipeline(*[{"stage": 3, "value": 10_000}] * 20))
    result = run(scenario, 2)
    m = result.metrics()
    assert result.deals_initial_total == 20
    assert result.deals_created_total == 0
    assert m["opportunities"] == 0
    assert m["wins"] > 10 and m["bookings"] == pytest.approx(10_000 * m["wins"])


def test_owners_are_named_or_take_turns(quiet: Scenario) -> None:
    scenario = scenario_with(
        quiet,
        pipeline(
            {"stage": 1, "value": 1_000, "owner": 5},
            *[{"stage": 1, "value": 1_000}] * 10,
        ),
    )
    model = SalesModel(scenario, 0)
    counts = [rep.open_deals for rep in model.aes]
    assert sum(counts) == 11
    # Ten in turn over eight AEs: the first two get a second; AE 5 also has its own.
    assert counts == [2, 2, 1, 1, 1, 2, 1, 1]


def test_reps_start_with_their_tenure_partly_ramped(quiet: Scenario) -> None:
    tenure = [0, 30, 105, 400, 0, 0, 0, 0]
    model = SalesModel(scenario_with(quiet, {"aes.tenure_days": tenure}), 0)
    got = [rep.ramp_productivity(0.0) for rep in model.aes]
    assert got[0] == pytest.approx(0.3)
    assert got[1] == pytest.approx(0.3 + 0.7 * 30 / 105)
    assert got[2] == got[3] == 1.0
    sdrs = SalesModel(
        scenario_with(quiet, {"sdrs.count": 2, "sdrs.tenure_days": [0, 63], "sdrs.ramp_days": 63}),
        0,
    ).sdrs
    assert [rep.ramp_productivity(0.0) for rep in sdrs] == pytest.approx([0.3, 1.0])


def test_tenure_needs_one_value_per_starting_rep(quiet: Scenario) -> None:
    with pytest.raises(ScenarioError, match=r"one value per starting rep: 2 values for aes.count"):
        scenario_with(quiet, {"aes.tenure_days": [10, 20]})


def test_a_pipeline_without_deals_changes_nothing(quiet: Scenario) -> None:
    base = load_scenario("baseline", {"calendar.horizon_days": 126})
    a = run(base, 3)
    b = run(scenario_with(base, {"initial_pipeline": []}), 3)
    for name in a.daily:
        assert a.daily[name].tolist() == b.daily[name].tolist(), name


def test_a_pipeline_does_not_shift_the_random_numbers_of_new_deals(quiet: Scenario) -> None:
    # The open deals draw from a stream of their own: the first new deal's numbers are alike.
    base = load_scenario("baseline", {"calendar.horizon_days": 63, "calendar.warmup_days": 0})
    plain = SalesModel(base, 4)
    with_deals = SalesModel(scenario_with(base, pipeline({"stage": 0, "value": 5_000})), 4)
    a = plain.desk.create("marketing", plain.aes[0])
    b = with_deals.desk.create("marketing", with_deals.aes[0])
    assert (a.list_value, a.dice, a.z) == (b.list_value, b.dice, b.z)
    assert b.origin != ORIGIN_INITIAL


@pytest.mark.parametrize(
    ("deal", "path", "rule"),
    [
        ({"stage": "closing", "value": 1}, "initial_pipeline.0.stage", "no such stage 'closing'"),
        ({"stage": 4, "value": 1}, "initial_pipeline.0.stage", "must be 0 to 3"),
        ({"stage": 0, "value": 1, "owner": 8}, "initial_pipeline.0.owner", "starting AE, 0 to 7"),
        ({"stage": 0, "value": 0}, "initial_pipeline.0.value", "must be > 0"),
        ({"stage": 0, "value": 1, "segment": "x"}, "initial_pipeline.0.segment", "no such"),
    ],
)
def test_an_open_deal_is_checked_field_by_field(
    quiet: Scenario, deal: dict[str, Any], path: str, rule: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        scenario_with(quiet, pipeline(deal))
    assert caught.value.path == path
    assert rule in caught.value.rule


# ---------------------------------------------------------------------------- CSV files
def write(tmp_path: Path, csv_text: str) -> Path:
    (tmp_path / "pipeline.csv").write_text(csv_text)
    path = tmp_path / "today.yaml"
    path.write_text(
        "extends: baseline\ncalendar: {warmup_days: 0}\ninitial_pipeline: pipeline.csv\n"
    )
    return path


def test_a_pipeline_csv_is_read_relative_to_its_scenario_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "stage,value,age_in_stage_days,owner\n"
        "negotiation,30000,2,0\n"
        "proposal,20000,,\n"
        "\n"
        "0,12500.5,30,3\n",
    )
    scenario = load_scenario(path)
    deals = scenario.initial_pipeline
    assert [(d.stage, d.value, d.age_in_stage_days, d.owner) for d in deals] == [
        ("negotiation", 30_000.0, 2.0, 0),
        ("proposal", 20_000.0, 0.0, None),
        (0, 12_500.5, 30.0, 3),
    ]
    # A file extending it reads the same deals (the path is the first file's).
    (tmp_path / "sub").mkdir()
    child = tmp_path / "sub" / "next_year.yaml"
    child.write_text("extends: ../today.yaml\nlead_volume_multiplier: 1.2\n")
    assert load_scenario(child).initial_pipeline == deals


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("stage,value\n0,100\n1,-3\n", "row 3, column value: must be a positive number (got '-3')"),
        ("stage,value\n0,abc\n", "row 2, column value: must be a positive number (got 'abc')"),
        ("stage,value,age_in_stage_days\n0,1,-1\n", "row 2, column age_in_stage_days: must be"),
        ("stage,value,owner\n0,1,first\n", "row 2, column owner: must be the index of a"),
        ("stage,value\n,100\n", "row 2, column stage: must not be empty"),
        ("stage,value,probability\n0,1,0.5\n", "row 1: unknown column"),
        ("value\n100\n", "row 1: column stage is required"),
    ],
)
def test_a_bad_pipeline_csv_is_one_line_naming_file_row_and_column(
    tmp_path: Path, csv_text: str, message: str
) -> None:
    path = write(tmp_path, csv_text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    text = str(caught.value)
    assert text.startswith(str(tmp_path / "pipeline.csv") + ": ")
    assert message in text
    assert "\n" not in text


def test_the_cli_refuses_a_bad_pipeline_csv_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "stage,value\nproposal,-3\n")
    assert main(["run", str(path), "-n", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "pipeline.csv: row 2, column value: must be a positive number" in err
    assert len(err.splitlines()) == 1
