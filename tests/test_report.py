"""The decision brief: one valid, self-contained HTML page whose recommendation, intervals and
target chances are the library's own numbers; a plan file shown or refused in one line; the
sensitivity re-runs the same seeds; and the page opens in Chromium with no network at all.

Runs are short (126 days, 63 reported after warm-up) with three replications, seed 1: the
checks are about what the page says, not about the effects themselves.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from salessim import workload
from salessim.cli.parser import build
from salessim.experiments import Comparison, ReplicationSet, compare
from salessim.formatting import format_delta, format_value
from salessim.report import (
    ASSUMPTIONS,
    BriefInputs,
    PlanFileError,
    brief_html,
    check_work,
    read_plan,
    recommend,
    sensitivity,
    sensitivity_scenarios,
)
from salessim.scenario_files import load_scenario, scenario_with
from salessim.statistics import paired_difference
from salessim.targets import parse_target

ROOT = Path(__file__).resolve().parent.parent
SHORT = ["calendar.horizon_days=126"]
N, SEED = 3, 1
CREATED = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
VOID = {"meta", "img", "br", "link", "input", "hr", "col", "area", "base", "source", "wbr"}


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    scenarios = [
        load_scenario(name, SHORT) for name in ("baseline", "more_leads_30", "hire_two_aes")
    ]
    return compare(scenarios, N, seed=SEED, workers=1)


@pytest.fixture(scope="module")
def page(comparison: Comparison) -> str:
    target = "bookings_per_year=2e6"
    return brief_html(comparison, BriefInputs([(target, parse_target(target))], created=CREATED))


class Structure(HTMLParser):
    """Checks that every element closes in order, and collects attributes and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: dict[str, int] = {}
        self.attributes: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.attributes += [(name, value or "") for name, value in attrs]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"unexpected </{tag}>")

    def handle_data(self, data: str) -> None:
        (self.styles if self.stack and self.stack[-1] == "style" else self.text).append(data)


def parsed(html: str) -> Structure:
    structure = Structure()
    structure.feed(html)
    structure.close()
    return structure


def words(html: str) -> str:
    """The page's visible text with whitespace collapsed."""
    return " ".join(" ".join(parsed(html).text).split())


def test_the_brief_is_one_valid_page_with_nothing_external(page: str) -> None:
    assert page.lstrip().startswith("<!DOCTYPE html>")
    structure = parsed(page)
    assert structure.errors == [] and structure.stack == []
    assert structure.tags["html"] == structure.tags["body"] == structure.tags["style"] == 1
    assert structure.tags.get("script", 0) == 0 and structure.tags.get("link", 0) == 0
    for name, value in structure.attributes:
        if name in ("src", "href"):
            assert not re.match(r"\s*(https?:)?//", value), (name, value[:80])
    css = "".join(structure.styles)
    assert "@import" not in css and "url(" not in css and "@media print" in css
    assert not re.search(r"https?://", page)
    # One waterfall per alternative, each a PNG inside the page.
    images = [v for n, v in structure.attributes if n == "src"]
    assert len(images) == 2
    for src in images:
        data = base64.b64decode(src.removeprefix("data:image/png;base64,"), validate=True)
        assert data.startswith(b"\x89PNG\r\n\x1a\n")


def test_the_recommendation_is_the_comparisons_own(comparison: Comparison, page: str) -> None:
    # The rule, independently: profit up significantly, bookings not down significantly; the
    # largest profit gain wins.
    candidates = []
    for name, diff in zip(comparison.names[1:], comparison.differences(), strict=True):
        profit, bookings = diff["profit"], diff["bookings"]
        gain = profit.ci_low > 0 and math.isfinite(profit.p_value)
        loss = bookings.ci_high < 0 and math.isfinite(bookings.p_value)
        if gain and not loss:
            candidates.append((profit.mean, name))
    text = words(page)
    chosen = recommend(comparison)
    if candidates:
        best = max(candidates)[1]
        assert chosen.index is not None and comparison.names[chosen.index] == best
        assert f"Choose '{best}'" in text
    else:
        assert chosen.index is None
        assert "No alternative is significantly better than 'baseline'" in text
        worse = [
            name
            for name, diff in zip(comparison.names[1:], comparison.differences(), strict=True)
            if diff["profit"].ci_high < 0
        ]
        assert ("significantly worse" in text) == bool(worse)
    # The headline change of profit per year is the paired difference over the window ÷ years.
    years = comparison.sets[0].window["reported_years"]
    for diff in comparison.differences():
        assert format_delta(diff["profit"].mean / years, "money") in text
    assert "over 63 reported days, days 63–126" in text


def test_headline_numbers_and_target_chances_are_the_librarys(
    comparison: Comparison, page: str
) -> None:
    text = words(page)
    years = comparison.sets[0].window["reported_years"]
    target = parse_target("bookings_per_year=2e6")
    for s in comparison.sets:
        bookings = s.intervals()["bookings"]
        assert format_value(bookings.mean / years, "money") in text
        p = target.probability(s)
        low, high = format_value(p.ci_low, "share"), format_value(p.ci_high, "share")
        assert f"{format_value(p.mean, 'share')} {low} – {high}" in text
    assert "Bookings per year ≥ $2.0M bookings_per_year=2e6" in text
    assert f"seed {SEED}" in text and "salessim 0.1.0" in text and "2026-11-30 12:00 UTC" in text


def test_user_text_is_escaped(comparison: Comparison) -> None:
    hostile = "<script>alert('x')</script>"
    renamed = Comparison([comparison.names[0], hostile, "b&c"], comparison.sets, comparison.seed)
    html = brief_html(renamed, BriefInputs(created=CREATED))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "b&amp;c" in html
    assert parsed(html).errors == []


def test_a_plan_file_is_shown_with_missing_keys_tolerated(
    comparison: Comparison, tmp_path: Path
) -> None:
    plan = {
        "kind": "goal_seek",
        "scenario": "baseline",
        "target": "bookings_per_year>=2e6",
        "options": [
            {
                "settings": {"aes.count": 10},
                "cost_per_year": 300000,
                "probability": {"mean": 0.9, "ci_low": 0.6, "ci_high": 0.98},
                "replications": 20,
                "bookings_change": {"mean": 1.5e6, "ci_low": 1e6, "ci_high": 2e6},
                "recommended": True,
            },
            {"settings": {"lead_volume_multiplier": 1.3}, "probability": None},
        ],
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    html = brief_html(comparison, BriefInputs(plan=read_plan(path), created=CREATED))
    text = words(html)
    assert "Goal seek" in text and "target: bookings_per_year>=2e6" in text
    assert "aes.count = 10" in text and "$300.0k" in text and "+$1.5M" in text
    assert "90.0% 60.0% – 98.0%" in text and "recommended" in text
    assert "lead_volume_multiplier = 1.3" in text


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("{", "JSONDecodeError"),
        ("[]", "a JSON list"),
        ('{"kind": "sweep", "options": []}', "kind is 'sweep'"),
        ('{"kind": "frontier"}', "options must be a list"),
        ('{"kind": "frontier", "options": [3]}', "options[0] must be an object"),
        ('{"kind": "frontier", "options": [{"probability": 0.5}]}', "options[0].probability"),
    ],
)
def test_a_malformed_plan_file_is_refused_in_one_line(
    tmp_path: Path, content: str, why: str
) -> None:
    path = tmp_path / "plan.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PlanFileError) as error:
        read_plan(path)
    message = str(error.value)
    assert "\n" not in message and message.startswith(f"--plan {path}") and why in message


def test_the_assumptions_move_by_twenty_percent_in_both_scenarios() -> None:
    base = load_scenario("baseline", SHORT)
    alternative = scenario_with(base, {"aes.count": 10})
    runs = sensitivity_scenarios(base, alternative)
    assert {a.label for a, *_ in runs} == {a.label for a in ASSUMPTIONS}
    by = {(a.label, f): (x, y) for a, f, x, y in runs}
    low, high = by[("Number of AEs", 0.8)], by[("Number of AEs", 1.2)]
    assert (low[0].aes.count, low[1].aes.count) == (6, 8)  # each scenario's own count, whole
    assert (high[0].aes.count, high[1].aes.count) == (10, 12)
    x, _ = by[("Rep hours per deal stage", 1.2)]
    for moved, stage in zip(x.deals.stages, base.deals.stages, strict=True):
        assert moved.rep_hours == pytest.approx(stage.rep_hours * 1.2)
    x, _ = by[("Lead connect probability", 0.8)]
    assert x.qualification.connect_probability == pytest.approx(0.24)


def test_sensitivity_reruns_the_same_seeds_and_flags_what_flips(comparison: Comparison) -> None:
    small = Comparison(
        comparison.names[:2],
        [ReplicationSet(s.scenario, s.seed, s.runs[:2]) for s in comparison.sets[:2]],
        comparison.seed,
    )
    result = sensitivity(small, recommend(small), workers=1)
    assert result.replications == 2
    base, alt = small.sets
    reference = paired_difference(base.values("bookings"), alt.values("bookings"))
    assert result.reference_bookings == reference
    assert len(result.shifts) == 2 * len(ASSUMPTIONS)
    for shift in result.shifts:
        assert shift.flips_sign == ((shift.bookings.mean > 0) != (reference.mean > 0))
        assert shift.flips_recommendation == (shift.recommended != result.reference_recommended)
    # Fewer AEs books less in both scenarios; the change between them is still computed.
    assert any(s.bookings != reference for s in result.shifts)
    html = brief_html(small, BriefInputs(sensitivity=result, created=CREATED))
    text = words(html)
    assert "Assumptions that drive the answer" in text
    for label in result.decisive:
        assert label in text


def test_sensitivity_counts_against_the_work_limit() -> None:
    scenarios = [(name, load_scenario(name)) for name in ("baseline", "more_leads_30")]
    without = check_work(scenarios, 10, with_sensitivity=False)
    with_it = check_work(scenarios, 10, with_sensitivity=True)
    assert with_it > without
    with pytest.raises(workload.WorkLimitError, match="--no-sensitivity"):
        check_work(scenarios, 10, with_sensitivity=True, max_total_work=without + 1)


def salessim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "salessim", "report", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_report_reads_the_shared_options_as_compare_does() -> None:
    parser = build()
    shared = ["-n", "4", "--seed", "7", "--set", "aes.count=9", "--workers", "1"]
    shared += ["--max-work", "3", "--max-total-work", "90"]
    report = vars(parser.parse_args(["report", "a", "b", "--out", "x.html", *shared]))
    other = vars(parser.parse_args(["compare", "a", "b", *shared]))
    keys = ("replications", "seed", "overrides", "workers", "max_work", "max_total_work")
    assert {k: report[k] for k in keys} == {k: other[k] for k in keys}
    assert (report["replications"], report["max_total_work"]) == (4, 90.0)
    for bad in (["-n", "0"], ["--seed", "-1"], ["--max-work", "0"]):
        with pytest.raises(SystemExit):
            parser.parse_args(["report", "a", "b", "--out", "x.html", *bad])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "nope=3"], "no such metric 'nope'"),
        (["--plan", "missing.json"], "--plan missing.json: cannot read it"),
        (["--set", "aes.count=-1"], "aes.count"),
        (["-n", "5000"], "--max-total-work"),
        (["--objective", "wins"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path, args: list[str], message: str
) -> None:
    done = salessim("baseline", "more_leads_30", "--out", "brief.html", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
    assert message in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_command_writes_the_brief(tmp_path: Path) -> None:
    done = salessim(
        "baseline",
        "more_leads_30",
        *("--out", "brief.html", "-n", "2", "--seed", "3", "--workers", "1"),
        *("--set", SHORT[0], "--no-sensitivity", "--target", "wins=1"),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "Wrote brief.html" in done.stdout
    html = (tmp_path / "brief.html").read_text(encoding="utf-8")
    assert "baseline vs more_leads_30" in html and "Assumptions that drive" not in html
    assert [p.name for p in tmp_path.iterdir()] == ["brief.html"]


@pytest.mark.browser
def test_the_brief_opens_offline_in_chromium(page: str, tmp_path: Path) -> None:
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    from playwright.sync_api import sync_playwright

    from salessim.app.browser import CHROMIUM, launch_chromium

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    path = tmp_path / "brief.html"
    path.write_text(page, encoding="utf-8")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            tab = browser.new_page()
            requests: list[str] = []
            problems: list[str] = []
            tab.on("request", lambda request: requests.append(request.url))
            tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            tab.on("pageerror", lambda error: problems.append(str(error)))
            tab.goto(path.as_uri(), wait_until="load")
            widths = tab.evaluate("Array.from(document.images, i => i.naturalWidth)")
            heading = tab.locator("h1").inner_text()
            pdf = tab.pdf(format="A4")
        finally:
            browser.close()
    assert requests == [path.as_uri()]
    assert problems == []
    assert len(widths) == 2 and all(w > 0 for w in widths)
    assert heading == "Decision brief: baseline vs more_leads_30 vs hire_two_aes"
    assert pdf.startswith(b"%PDF")
