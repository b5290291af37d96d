"""Why two scenarios differ: the additive bookings steps, the drivers, the paragraph, the
waterfall figure and ``salessim compare --explain``."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.patches import Rectangle

from salessim.cli import main
from salessim.experiments import Comparison, ReplicationSet, compare
from salessim.explain import (
    DEAL_SIZE,
    DECOMPOSITION_METRICS,
    DISCOUNT,
    OPPORTUNITIES,
    OPPS_MARKETING,
    OPPS_PROSPECTING,
    WIN_RATE,
    FloatArray,
    bookings_contributions,
    explain,
)
from salessim.plots import WATERFALL_DOWN, WATERFALL_UP, PlotDataError, save_figure, waterfall
from salessim.scenario_files import load_scenario, scenario_with

# Short runs (200 days) with 4 paired replications, seed 0: enough for +30% leads to move rep
# hours and leads clearly, while the tests stay fast.
SHORT = ["calendar.horizon_days=200", "calendar.warmup_days=21"]
SHORT_ARGS = [arg for item in SHORT for arg in ("--set", item)]
N = 4
MORE_LEADS = """\
extends: baseline
name: more_leads
lead_sources:
  - {name: web_inbound, volume_multiplier: 1.3}
  - {name: content, volume_multiplier: 1.3}
"""
STEPS = (OPPORTUNITIES, WIN_RATE, DEAL_SIZE, DISCOUNT)


@pytest.fixture(scope="module")
def more_leads_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("scenarios") / "more_leads.yaml"
    path.write_text(MORE_LEADS, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def more_leads(more_leads_file: str) -> Comparison:
    base = load_scenario("baseline", SHORT)
    return compare([base, load_scenario(more_leads_file, SHORT)], n=N, seed=0, workers=1)


@pytest.fixture(scope="module")
def identical() -> Comparison:
    base = load_scenario("baseline", SHORT)
    return compare([base, base], n=3, seed=0, workers=1)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=\.)\s+", text) if s]


# --------------------------------------------------------------------------- decomposition
@pytest.fixture(scope="module")
def per_pair(more_leads: Comparison) -> dict[str, FloatArray]:
    """Each step's contribution to the bookings difference, replication by replication."""
    base, other = more_leads.sets
    return bookings_contributions(
        {m: base.values(m) for m in DECOMPOSITION_METRICS},
        {m: other.values(m) for m in DECOMPOSITION_METRICS},
    )


def test_steps_add_up_to_the_bookings_difference(
    more_leads: Comparison, per_pair: dict[str, FloatArray]
) -> None:
    base, other = more_leads.sets
    total = other.values("bookings") - base.values("bookings")
    summed = sum(per_pair[key] for key in STEPS)
    np.testing.assert_allclose(summed, total, rtol=1e-6, atol=1e-6 * np.abs(total).max())
    np.testing.assert_allclose(
        per_pair[OPPS_MARKETING] + per_pair[OPPS_PROSPECTING], per_pair[OPPORTUNITIES], rtol=1e-9
    )

    result = explain(more_leads)
    assert [s.key for s in result.steps] == list(STEPS)
    means = sum(s.difference.mean for s in result.steps)
    assert means == pytest.approx(result.difference.mean, rel=1e-6)
    (opportunities,) = [s for s in result.steps if s.key == OPPORTUNITIES]
    parts = sum(p.difference.mean for p in opportunities.parts)
    assert parts == pytest.approx(opportunities.difference.mean, rel=1e-6)
    assert result.difference == more_leads.differences()[0]["bookings"]


def test_step_signs_follow_the_factor_changes(
    more_leads: Comparison, per_pair: dict[str, FloatArray]
) -> None:
    """Each factor's part has the sign of that factor's change, pair by pair."""
    base, other = more_leads.sets
    opportunities = other.values("opportunities") - base.values("opportunities")
    assert np.array_equal(np.sign(per_pair[OPPORTUNITIES]), np.sign(opportunities))
    prospecting = sum(
        other.values(f"opportunities_{o}") - base.values(f"opportunities_{o}")
        for o in ("ae_prospecting", "sdr_prospecting")
    )
    assert np.array_equal(np.sign(per_pair[OPPS_PROSPECTING]), np.sign(prospecting))
    wins_per_opp = other.values("wins") / other.values("opportunities") - base.values(
        "wins"
    ) / base.values("opportunities")
    assert np.array_equal(np.sign(per_pair[WIN_RATE]), np.sign(wins_per_opp))


def test_shapley_parts_of_hand_made_numbers() -> None:
    def run(opps: tuple[float, float], wins: float, list_value: float, bookings: float) -> Any:
        marketing, prospecting = opps
        return {
            "opportunities_marketing": [marketing],
            "opportunities_sdr_inbound": [0.0],
            "opportunities_ae_prospecting": [prospecting],
            "opportunities_sdr_prospecting": [0.0],
            "wins": [wins],
            "list_value_won": [list_value],
            "bookings": [bookings],
        }

    # Only the discount changes: the whole difference is the discount step.
    parts = bookings_contributions(run((60, 40), 20, 1e6, 9e5), run((60, 40), 20, 1e6, 8e5))
    assert parts[DISCOUNT][0] == pytest.approx(-1e5)
    assert all(
        parts[k][0] == pytest.approx(0.0, abs=1e-6) for k in (OPPORTUNITIES, WIN_RATE, DEAL_SIZE)
    )

    # Two factors change (20% more opportunities, 10% larger deals, every deal won, no
    # discount): Shapley gives each the change valued at the average of the other.
    parts = bookings_contributions(run((60, 40), 100, 1e5, 1e5), run((90, 30), 120, 1.32e5, 1.32e5))
    assert parts[OPPORTUNITIES][0] == pytest.approx(20 * (1000 + 1100) / 2)
    assert parts[DEAL_SIZE][0] == pytest.approx(100 * (100 + 120) / 2)
    assert parts[WIN_RATE][0] == pytest.approx(0.0, abs=1e-6)
    # +30 marketing and −10 prospecting opportunities, each worth the same $1,050.
    assert parts[OPPS_MARKETING][0] == pytest.approx(30 * 1050)
    assert parts[OPPS_PROSPECTING][0] == pytest.approx(-10 * 1050)


def test_zero_opportunities_and_wins_still_add_up_without_warnings() -> None:
    empty = {m: [0.0, 0.0] for m in DECOMPOSITION_METRICS}
    # Second replication: wins from deals opened before the window, none opened in it.
    some = {m: [0.0, 0.0] for m in DECOMPOSITION_METRICS}
    some.update(wins=[0.0, 2.0], list_value_won=[0.0, 5e4], bookings=[0.0, 4.5e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parts = bookings_contributions(empty, some)
    summed = sum(parts[k] for k in STEPS)
    np.testing.assert_allclose(summed, [0.0, 4.5e4])


# --------------------------------------------------------------------------- drivers
def test_drivers_are_the_paired_differences(more_leads: Comparison) -> None:
    result = explain(more_leads)
    (diffs,) = more_leads.differences()
    for metric in (
        "hours_qualifying",
        "hours_prospecting",
        "hours_share_qualifying",
        "leads_cold",
        "leads_expired",
        "lead_response_hours",
        "deals_lost_neglect",
        "deals_rushed",
        "avg_discount",
        "marketing_cost",
        "salary_cost",
        "commission",
        "profit",
    ):
        assert result.drivers[metric].difference == diffs[metric], metric
    # 30% more leads: reps qualify more and prospect less (intervals clear of zero).
    assert result.drivers["hours_qualifying"].difference.ci_low > 0
    assert result.drivers["hours_prospecting"].difference.ci_high < 0
    assert result.drivers["marketing_cost"].difference.ci_low > 0
    d = {k: v.difference.mean for k, v in result.drivers.items()}
    costs = d["marketing_cost"] + d["salary_cost"] + d["commission"]
    assert d["profit"] == pytest.approx(d["gross_profit"] - costs, rel=1e-9, abs=1e-6)
    discount = diffs["list_value_won"].mean - diffs["bookings"].mean
    assert d["discount_given"] == pytest.approx(discount, rel=1e-9, abs=1e-6)


# --------------------------------------------------------------------------- paragraph
def test_paragraph_names_both_scenarios_and_the_bookings_change(more_leads: Comparison) -> None:
    result = explain(more_leads)
    text = result.paragraph()
    assert "'more_leads'" in text and "'baseline'" in text
    assert 3 <= len(_sentences(text)) <= 5, text
    first = _sentences(text)[0]
    d = result.difference
    significant = d.ci_low > 0 or d.ci_high < 0
    if significant:
        assert ("more than" if d.mean > 0 else "less than") in first
    else:
        assert "no significant difference" in first
        assert ("+$" if d.mean > 0 else "\N{MINUS SIGN}$") in first
    # Significant drivers only: qualifying rose clearly, so the time shift is told.
    assert "more of their time qualifying leads" in text
    assert "prospecting" in text


def test_identical_scenarios_have_no_significant_difference(identical: Comparison) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = explain(identical)
        text = result.paragraph()
        data = result.to_dict()
    assert result.name == "baseline (2)"
    assert "no significant difference" in _sentences(text)[0]
    assert "'baseline (2)'" in text and "'baseline'" in text
    assert 3 <= len(_sentences(text)) <= 5, text
    assert all(s.difference.mean == 0.0 for s in result.steps)
    assert "largest driver" not in text
    json.dumps(data, allow_nan=False)


def test_one_replication_claims_no_significance(more_leads: Comparison) -> None:
    single = Comparison(
        more_leads.names,
        [ReplicationSet(s.scenario, s.seed, s.runs[:1]) for s in more_leads.sets],
        more_leads.seed,
    )
    text = explain(single).paragraph()
    assert "single replication" in text and "at least two replications" in text
    assert "significant difference" not in text


# --------------------------------------------------------------------------- data and figure
def test_to_dict_is_json_ready_with_steps_drivers_and_paragraph(more_leads: Comparison) -> None:
    result = explain(more_leads)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert (data["name"], data["vs"], data["replications"]) == ("more_leads", "baseline", N)
    assert [s["key"] for s in data["steps"]] == list(STEPS)
    for step in data["steps"]:
        assert {"label", "mean", "ci_low", "ci_high", "p_value", "parts"} <= set(step)
    assert [p["key"] for p in data["steps"][0]["parts"]] == [OPPS_MARKETING, OPPS_PROSPECTING]
    assert set(data["drivers"]["hours_qualifying"]) == {
        "label",
        "unit",
        "mean",
        "ci_low",
        "ci_high",
        "p_value",
    }
    assert data["paragraph"] == result.paragraph()
    assert data["difference"]["mean"] == pytest.approx(result.difference.mean)


def test_waterfall_data_runs_from_one_total_to_the_other(more_leads: Comparison) -> None:
    result = explain(more_leads)
    bars = result.waterfall_data()
    assert bars[0] == ("baseline bookings", result.bookings_vs.mean)
    assert bars[-1] == ("more_leads bookings", result.bookings.mean)
    assert len(bars) == 2 + 5, "two totals, two opportunity parts and three other steps"
    assert bars[0][1] + sum(v for _, v in bars[1:-1]) == pytest.approx(bars[-1][1], rel=1e-9)


def _bars(figure: Any) -> list[Rectangle]:
    (ax,) = figure.axes
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def test_waterfall_figure_colours_changes_and_says_when_the_axis_is_cut(tmp_path: Path) -> None:
    steps = [("A", 10e6), ("up", 0.5e6), ("down", -0.8e6), ("B", 9.7e6)]
    fig = waterfall(steps, "Why bookings differ")
    bars = _bars(fig)
    assert len(bars) == 4
    assert bars[1].get_facecolor() == pytest.approx(_rgba(WATERFALL_UP))
    assert bars[2].get_facecolor() == pytest.approx(_rgba(WATERFALL_DOWN))
    assert bars[2].get_y() + bars[2].get_height() == pytest.approx(9.7e6), "drawn from 10.5M"
    (ax,) = fig.axes
    assert "not $0" in ax.get_ylabel()
    texts = [t.get_text() for t in ax.texts]
    assert {"+$500k", "-$800k", "$10M", "$9.7M"} <= set(texts)
    save_figure(fig, tmp_path / "w.png")
    assert (tmp_path / "w.png").read_bytes().startswith(b"\x89PNG")

    flat = waterfall([("A", 1e6), ("none", 0.0), ("B", 1e6)], "No change")
    assert "not $0" not in flat.axes[0].get_ylabel()
    assert flat.axes[0].get_ylim()[0] == 0.0
    with pytest.raises(PlotDataError, match="starting and a final total"):
        waterfall([("A", 1.0)], "too short")
    with pytest.raises(PlotDataError, match="finite"):
        waterfall([("A", 1.0), ("B", float("nan"))], "undefined")


def _rgba(colour: str) -> tuple[float, ...]:
    from matplotlib.colors import to_rgba

    return tuple(to_rgba(colour))


def test_explain_rejects_an_index_outside_the_comparison(more_leads: Comparison) -> None:
    with pytest.raises(ValueError, match="between 1 and 1"):
        explain(more_leads, 2)
    with pytest.raises(ValueError, match="between 1 and 1"):
        explain(more_leads, 0)


# --------------------------------------------------------------------------- command line
def _compare(*scenarios: str, extra: tuple[str, ...] = ()) -> list[str]:
    return ["compare", *scenarios, "-n", "3", "--workers", "1", *SHORT_ARGS, *extra]


def test_compare_explain_json_and_out_write_one_waterfall_per_pair(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], more_leads_file: str
) -> None:
    out_dir = tmp_path / "cmp"
    argv = _compare(
        "baseline",
        more_leads_file,
        "baseline",
        extra=("--explain", "--json", "--out", str(out_dir)),
    )
    assert main(argv) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [(e["name"], e["vs"]) for e in printed["explain"]] == [
        ("more_leads", "baseline"),
        ("baseline (2)", "baseline"),
    ]
    for entry, diff in zip(printed["explain"], printed["differences"], strict=True):
        assert entry["difference"]["mean"] == pytest.approx(diff["metrics"]["bookings"]["mean"])
        steps = sum(s["mean"] for s in entry["steps"])
        assert steps == pytest.approx(entry["difference"]["mean"], rel=1e-6, abs=1e-6)
        assert entry["name"] in entry["paragraph"]
    assert "no significant difference" in printed["explain"][1]["paragraph"]
    names = {p.name for p in out_dir.iterdir()}
    assert names == {
        "compare.json",
        "compare.csv",
        "comparison.png",
        "explain.png",
        "explain_2.png",
    }
    saved = json.loads((out_dir / "compare.json").read_text(encoding="utf-8"))
    assert saved == printed
    png = (out_dir / "explain.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


def test_compare_explain_prints_the_paragraph_and_the_steps(
    capsys: pytest.CaptureFixture[str], more_leads_file: str
) -> None:
    assert main(_compare("baseline", more_leads_file, extra=("--explain",))) == 0
    out = capsys.readouterr().out
    after = out.split("Why bookings differ: more_leads vs baseline", 1)[1]
    flat = " ".join(after.split())
    assert "'more_leads'" in flat and "'baseline'" in flat
    for label in (
        "Opportunities created",
        "Opportunities from marketing leads",
        "Opportunities from prospecting",
        "Win rate (incl. deals lost to neglect)",
        "Deal size",
        "Discount given",
    ):
        assert label in after, label
    table = out.split("Why bookings differ")[0]
    assert "* its 95% interval excludes 0" in table, "comparison table first"


def test_explanation_speaks_of_sdr_hours_when_a_scenario_has_sdrs() -> None:
    # baseline (AEs qualify their own leads) against teleprospecting (SDRs qualify them):
    # the AE split alone would read "qualifying fell", so the SDRs' own split is named.
    short = {"calendar.horizon_days": 189, "calendar.warmup_days": 21}
    scenarios = [scenario_with(load_scenario(n), short) for n in ("baseline", "teleprospecting")]
    result = explain(compare(scenarios, 3, seed=5, workers=1))
    assert result.sdr_shares["baseline"] == {}
    sdr = result.sdr_shares["teleprospecting"]
    assert sum(sdr.values()) == pytest.approx(1.0)
    text = result.paragraph()
    assert "Only 'teleprospecting' has SDRs: they spend" in text
    assert "AEs spent" in text or "AEs split their time" in text
    assert result.drivers["sdr_hours_share_qualifying"].label == "SDR hours: qualifying"
