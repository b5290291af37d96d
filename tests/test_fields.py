"""Field reference: rows read from the schema, path filters, text and Markdown, docs/fields.md."""

from __future__ import annotations

import enum
import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, Field

from salessim.config import Scenario
from salessim.errors import SalessimError
from salessim.fields import (
    FieldRow,
    field_rows,
    model_rows,
    render_markdown,
    render_text,
    rows_to_json,
)
from salessim.scenario_files import scenario_with

DOCS = Path(__file__).resolve().parent.parent / "docs" / "fields.md"
REGENERATE = "python -m salessim.fields --markdown > docs/fields.md"


def _models(model: type[BaseModel]) -> set[type[BaseModel]]:
    """The model and every model its fields hold, directly or as list items."""
    found = {model}
    for info in model.model_fields.values():
        for held in _held_models(info.annotation):
            found |= _models(held)
    return found


def _held_models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _held_models(arg)]


def _leaf_paths(value: Any, prefix: str) -> set[str]:
    """Dotted paths of every value in a dumped scenario, list items written as slots."""
    if isinstance(value, dict):
        paths: set[str] = set()
        for key, item in value.items():
            paths |= _leaf_paths(item, f"{prefix}.{key}" if prefix else key)
        return paths
    if isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
        slot = "<name>" if all("name" in i for i in value) else "<index>"
        return {prefix} | set().union(*(_leaf_paths(i, f"{prefix}.{slot}") for i in value))
    return {prefix}


def _row(path: str) -> FieldRow:
    """The row of the field at ``path`` itself (a list's rows follow its own)."""
    return next(row for row in field_rows(path) if row.path == path)


def test_every_schema_field_has_a_description() -> None:
    missing = [
        f"{model.__name__}.{name}"
        for model in _models(Scenario)
        for name, info in model.model_fields.items()
        if not (info.description or "").strip()
    ]
    assert missing == []
    assert all(row.description for row in field_rows())


def test_every_value_of_a_full_scenario_has_exactly_one_row(baseline: Scenario) -> None:
    raw = baseline.model_dump()
    raw["lead_sources"][0]["campaigns"] = [
        {"start_day": 10, "duration_days": 5, "volume_multiplier": 2.0}
    ]
    raw["aes"]["hiring_plan"] = [{"day": 100, "count": 2}]
    raw["sdrs"]["hiring_plan"] = [{"day": 100, "count": 2}]
    raw["initial_pipeline"] = [{"stage": "demo", "value": 5000, "owner": 1, "segment": None}]
    raw["changes"] = [{"at_day": 200, "set": {"lead_volume_multiplier": 1.3}}]
    full = Scenario.model_validate(raw)
    paths = [row.path for row in field_rows()]
    assert len(paths) == len(set(paths))
    # A change's `set` is one field: a mapping of any paths to their values.
    leaves = {
        "changes.<index>.set" if leaf.startswith("changes.<index>.set.") else leaf
        for leaf in _leaf_paths(full.model_dump(), "")
    }
    assert set(paths) == leaves


@pytest.mark.parametrize(
    ("path", "type_", "unit", "range_", "default"),
    [
        ("calendar.hours_per_day", "float", "hours/day", "> 0, ≤ 16", "8"),
        ("calendar.horizon_days", "int", "working days", "5–2,520", "819"),
        ("aes.non_selling_share", "float", "share", "0–0.95", "0.25"),
        ("aes.quota_per_year", "float", "$/year", "0–1,000,000,000", "770,000"),
        ("rushing.late_days_threshold", "float or null", "working days", "> 0, ≤ 252", "null"),
        ("rushing.rep_hours_saved_share", "float", "share", "0–1", "0.4"),
        ("qualification.queue_discipline", "one of {fifo, newest_first, score}", "", "", "fifo"),
        ("lead_sources.<name>.monthly_volume", "float", "leads/month", "0–50,000", "required"),
        (
            "lead_sources.<name>.seasonality",
            "list of float",
            "×",
            "12 values, each 0–5",
            "all 1 (12 values)",
        ),
        ("lead_sources.<name>.marginal_fit_share", "float or null", "share", "0–1", "null"),
        ("segments.<name>.value_median", "float", "$", "> 0, ≤ 100,000,000", "required"),
        (
            "deals.stages",
            "list, items by name",
            "",
            "1–10 items",
            "discovery, demo, proposal, negotiation",
        ),
        ("aes.hiring_plan.<index>.count", "int", "people", "1–200", "required"),
        ("name", "text", "", "1–80 characters", "scenario"),
        ("sdrs.start_ramped", "bool", "", "", "true"),
    ],
)
def test_a_known_field_shows_its_real_type_unit_range_and_default(
    path: str, type_: str, unit: str, range_: str, default: str
) -> None:
    row = _row(path)
    assert (row.type, row.unit, row.range, row.default) == (type_, unit, range_, default)


def test_every_documented_path_is_one_that_set_accepts(baseline: Scenario) -> None:
    raw = baseline.model_dump()
    named = {"lead_sources": raw["lead_sources"][0], "deals.stages": raw["deals"]["stages"][1]}
    named["segments"] = raw["segments"][0]
    checked = 0
    for row in field_rows():
        if "<index>" in row.path or row.path.endswith(".name") or "items by" in row.type:
            continue
        head, slot, field = row.path.partition(".<name>.")
        item = named[head] if slot else raw
        path = f"{head}.{item['name']}.{field}" if slot else row.path
        value = item[field] if slot else _value_at(raw, row.path)
        assert scenario_with(baseline, {path: value}) == baseline, path
        checked += 1
    assert checked > 80


def _value_at(raw: dict[str, Any], path: str) -> Any:
    value: Any = raw
    for part in path.split("."):
        value = value[part]
    return value


def test_a_path_filters_to_its_field_or_block_with_real_item_names_or_slots() -> None:
    stage = [row.path for row in field_rows("deals.stages.proposal")]
    assert stage == [row.path for row in field_rows("deals.stages.<name>")]
    assert "deals.stages.<name>.rep_hours" in stage
    assert all(path.startswith("deals.stages.<name>.") for path in stage)
    assert [row.path for row in field_rows("lead_sources.web_inbound.fit_share")] == [
        "lead_sources.<name>.fit_share"
    ]
    assert {row.path for row in field_rows("aes.hiring_plan.0")} == {
        "aes.hiring_plan.<index>.day",
        "aes.hiring_plan.<index>.count",
    }
    assert field_rows("calendar") == [
        row for row in field_rows() if row.path.startswith("calendar.")
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("qualification.conect_probability", "did you mean qualification.connect_probability"),
        ("deals.stage", "did you mean deals.stages"),
        ("aes.hiring_plan.first", "did you mean aes.hiring_plan"),
        ("zzz", "top-level fields: name, description, calendar"),
    ],
)
def test_an_unknown_path_is_one_line_naming_close_matches(path: str, expected: str) -> None:
    with pytest.raises(SalessimError) as caught:
        field_rows(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: no such scenario field (")
    assert expected in message
    assert "\n" not in message


class _Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class _Part(BaseModel):
    size_hours: float = Field(1.0, ge=0, lt=5, description="hours a part takes")


class _Holder(BaseModel):
    colour: _Colour = Field(_Colour.RED, description="paint")
    weights: dict[str, float] = Field(default_factory=dict, description="weight by key")
    parts: dict[str, _Part] = Field(default_factory=dict, description="parts by key")
    limit: int | None = Field(None, ge=1, description="cap, or none")


def test_enums_mappings_and_optional_fields_are_described() -> None:
    rows = {row.path: row for row in model_rows(_Holder)}
    assert list(rows) == ["colour", "weights", "parts", "parts.<key>.size_hours", "limit"]
    assert (rows["colour"].type, rows["colour"].default) == ("one of {red, blue}", "red")
    assert (rows["weights"].type, rows["weights"].default) == ("mapping of text to float", "none")
    assert rows["parts"].type == "mapping, entries by key"
    size = rows["parts.<key>.size_hours"]
    assert (size.unit, size.range, size.default) == ("hours", "≥ 0, < 5", "1")
    assert (rows["limit"].type, rows["limit"].range, rows["limit"].default) == (
        "int or null",
        "≥ 1",
        "null",
    )


def test_text_table_puts_descriptions_beside_when_they_fit_and_under_when_not() -> None:
    wide = render_text(field_rows("calendar"), width=100).splitlines()
    assert wide[0].split() == ["PATH", "TYPE", "UNIT", "RANGE", "DEFAULT", "DESCRIPTION"]
    assert all(len(line) <= 100 for line in wide)
    column = wide[0].index("DESCRIPTION")
    hours = next(line for line in wide if line.startswith("calendar.hours_per_day"))
    assert hours[column:] == "working hours in a rep's day"
    # The warm-up description wraps: its second line continues in the description column.
    warmup = wide.index(next(line for line in wide if line.startswith("calendar.warmup_days")))
    assert len(wide) == 5
    assert wide[warmup + 1][:column].strip() == ""

    narrow = render_text(field_rows("lead_sources"), width=100).splitlines()
    assert "DESCRIPTION" not in narrow[0]
    under = narrow[
        narrow.index(next(x for x in narrow if x.startswith("lead_sources.<name>.name"))) + 1
    ]
    assert under.startswith("    the item's name")
    assert all(len(line) <= 100 for line in narrow if line.startswith("    "))


def test_markdown_has_an_intro_and_one_table_per_block() -> None:
    page = render_markdown(field_rows())
    assert page.startswith("# Scenario fields\n")
    assert "\n## `calendar`\n\nThe clock: hours in a day, horizon and warm-up.\n" in page
    assert (
        "| `calendar.hours_per_day` | float | hours/day | > 0, ≤ 16 | 8 | "
        "working hours in a rep's day |\n"
    ) in page
    # Two amounts on one line must not read as a formula.
    assert "| `economics.ae_cost_per_year` | float | \\$/year |" in page
    top = page.split("\n## Top level\n")[1].split("\n## ")[0]
    assert "`lead_volume_multiplier`" in top
    assert "`lead_sources`" not in top
    assert "\n## `lead_sources`\n" in page


def test_json_rows_name_every_column() -> None:
    data = json.loads(json.dumps(rows_to_json(field_rows("forecast.snapshot_week"))))
    assert data == [
        {
            "path": "forecast.snapshot_week",
            "type": "int",
            "unit": "week",
            "range": "0–12",
            "default": "2",
            "description": "week of the quarter (0-based) when its forecast is frozen",
        }
    ]


def test_docs_fields_md_is_current() -> None:
    committed = DOCS.read_text(encoding="utf-8")
    assert committed == render_markdown(field_rows()), (
        f"docs/fields.md is out of date; regenerate it: {REGENERATE}"
    )


def test_module_command_prints_the_markdown_page_and_rejects_other_arguments() -> None:
    command = [sys.executable, "-m", "salessim.fields"]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    run = functools.partial(subprocess.run, capture_output=True, encoding="utf-8", env=env)
    done = run([*command, "--markdown"], check=True)
    assert done.stdout == render_markdown(field_rows())
    wrong = run([*command, "--html"])
    assert wrong.returncode == 1
    assert wrong.stderr.strip() == f"usage: {REGENERATE}"
