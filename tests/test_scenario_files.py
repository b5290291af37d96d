"""Scenario files: extends, overrides, validation messages and YAML round trips."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path
from typing import Any

import pytest
import yaml

from salessim import scenario_files
from salessim.config import Scenario
from salessim.errors import SalessimError, ScenarioError
from salessim.scenario_files import (
    apply_override,
    bundled_scenarios,
    dump_yaml,
    load_raw,
    load_scenario,
    parse_override,
    resolve_scenario_path,
    scenario_with,
    validate_raw,
)

DECAY = [{"hours": 0, "multiplier": 1}, {"hours": 24, "multiplier": 0.3}]


def minimal() -> dict[str, Any]:
    """A minimal valid raw scenario: one lead source, everything else default."""
    return {
        "name": "t",
        "lead_sources": [
            {
                "name": "web",
                "monthly_volume": 100,
                "fit_share": 0.4,
                "cost_per_lead": 50,
                "response_decay": copy.deepcopy(DECAY),
            }
        ],
    }


def two_sources() -> dict[str, Any]:
    raw = minimal()
    raw["lead_sources"].append(
        {
            "name": "events",
            "monthly_volume": 20,
            "fit_share": 0.6,
            "cost_per_lead": 200,
            "response_decay": copy.deepcopy(DECAY),
        }
    )
    return raw


def write(path: Path, data: object) -> Path:
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def error_of(call: Any, *args: Any) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        call(*args)
    return info.value


# --- ScenarioError ---------------------------------------------------------------------------


def test_error_message_names_file_path_rule_and_value() -> None:
    err = ScenarioError(file="a.yaml", path="calendar.horizon_days", rule="must be ≥ 5", value=2)
    assert str(err) == "a.yaml: calendar.horizon_days: must be ≥ 5 (got 2)"
    assert isinstance(err, SalessimError)
    assert (err.file, err.path, err.rule, err.value) == (
        "a.yaml",
        "calendar.horizon_days",
        "must be ≥ 5",
        2,
    )


def test_error_message_without_file_or_path_and_with_a_long_value() -> None:
    err = ScenarioError(file=None, path="", rule="bad\nthing", value="x" * 200)
    text = str(err)
    assert text.startswith("<top>: bad thing (got 'xxx")
    assert text.endswith("...)")
    assert "\n" not in text
    assert len(text) < 110


def test_error_survives_pickling() -> None:
    err = ScenarioError(file="a.yaml", path="name", rule="r", value=[1])
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err)
    assert again.value == [1]


# --- finding files -----------------------------------------------------------------------------


def test_resolve_existing_file_and_bundled_name(tmp_path: Path, monkeypatch: Any) -> None:
    own = write(tmp_path / "own.yaml", minimal())
    assert resolve_scenario_path(own) == own
    assert resolve_scenario_path(str(own)) == own
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    write(bundled / "baseline.yaml", minimal())
    monkeypatch.setattr(scenario_files, "BUNDLED_DIR", bundled)
    assert resolve_scenario_path("baseline") == bundled / "baseline.yaml"


def test_resolve_unknown_reference() -> None:
    err = error_of(resolve_scenario_path, "no_such_scenario_xyz")
    assert str(err) == (
        "no_such_scenario_xyz: <top>: no such scenario file or bundled scenario name "
        "(got 'no_such_scenario_xyz')"
    )


def test_bundled_scenarios_lists_names_and_first_description_line(
    tmp_path: Path, monkeypatch: Any
) -> None:
    write(tmp_path / "zeta.yaml", {**minimal(), "description": "Last one.\nMore detail."})
    write(tmp_path / "alpha.yaml", minimal())
    monkeypatch.setattr(scenario_files, "BUNDLED_DIR", tmp_path)
    assert bundled_scenarios() == [("alpha", ""), ("zeta", "Last one.")]


def test_bundled_scenarios_all_load() -> None:
    names = [name for name, _ in bundled_scenarios()]
    if not names:
        pytest.skip("no bundled scenarios yet")
    for name in names:
        assert isinstance(load_scenario(name), Scenario)


# --- extends -----------------------------------------------------------------------------------


def test_extends_merges_named_lists_by_name(tmp_path: Path) -> None:
    parent = two_sources()
    parent["lead_sources"][0]["seasonality"] = [1.0] * 12
    parent["calendar"] = {"horizon_days": 300, "warmup_days": 21}
    write(tmp_path / "parent.yaml", parent)
    child = {
        "extends": "parent.yaml",
        "calendar": {"horizon_days": 400},
        "lead_sources": [
            {"name": "events", "remove": True},
            {"name": "web", "fit_share": 0.5, "seasonality": [2.0] * 12},
            {
                "name": "partner",
                "monthly_volume": 5,
                "fit_share": 0.9,
                "cost_per_lead": 0,
                "response_decay": [{"hours": 0, "multiplier": 1}],
            },
        ],
    }
    raw = load_raw(write(tmp_path / "child.yaml", child))
    assert "extends" not in raw
    assert raw["name"] == "child"  # a child without a name is named after its file
    assert raw["calendar"] == {"horizon_days": 400, "warmup_days": 21}
    assert [s["name"] for s in raw["lead_sources"]] == ["web", "partner"]
    web = raw["lead_sources"][0]
    assert web["fit_share"] == 0.5
    assert web["monthly_volume"] == 100
    assert web["seasonality"] == [2.0] * 12
    assert web["response_decay"] == DECAY


def test_extends_chain_and_name_defaults_to_file_stem(tmp_path: Path) -> None:
    base = minimal()
    del base["name"]
    write(tmp_path / "base.yaml", base)
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "middle.yaml", {"name": "middle", "extends": "../base.yaml"})
    write(tmp_path / "sub" / "leaf.yaml", {"extends": "middle.yaml", "aes": {"count": 3}})
    assert load_raw(tmp_path / "base.yaml")["name"] == "base"
    assert load_raw(tmp_path / "sub" / "middle.yaml")["name"] == "middle"
    scenario = load_scenario(tmp_path / "sub" / "leaf.yaml")
    assert scenario.name == "leaf"
    assert scenario.aes.count == 3
    assert scenario.lead_sources[0].name == "web"


def test_extends_a_bundled_name(tmp_path: Path, monkeypatch: Any) -> None:
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    write(bundled / "baseline.yaml", minimal())
    monkeypatch.setattr(scenario_files, "BUNDLED_DIR", bundled)
    path = write(tmp_path / "mine.yaml", {"extends": "baseline", "aes": {"count": 2}})
    assert load_scenario(path).aes.count == 2


def test_extends_edits_and_removes_items_of_a_default_list(tmp_path: Path) -> None:
    write(tmp_path / "parent.yaml", minimal())
    child = {
        "extends": "parent.yaml",
        "deals": {
            "stages": [{"name": "demo", "remove": True}, {"name": "proposal", "rep_hours": 9}]
        },
    }
    stages = load_scenario(write(tmp_path / "child.yaml", child)).deals.stages
    assert [s.name for s in stages] == ["discovery", "proposal", "negotiation"]
    assert stages[1].rep_hours == 9
    assert stages[1].buyer_days == 10


def test_removing_an_unknown_item_names_the_available_ones(tmp_path: Path) -> None:
    write(tmp_path / "parent.yaml", two_sources())
    child = write(
        tmp_path / "child.yaml",
        {"extends": "parent.yaml", "lead_sources": [{"name": "webb", "remove": True}]},
    )
    assert str(error_of(load_raw, child)) == (
        f"{child}: lead_sources.webb: cannot remove it: no such item in lead_sources "
        "(available: web, events) (got 'webb')"
    )


def test_extends_cycle_is_detected(tmp_path: Path) -> None:
    a = write(tmp_path / "a.yaml", {"extends": "b.yaml"})
    b = write(tmp_path / "b.yaml", {"extends": "a.yaml"})
    assert str(error_of(load_raw, a)) == (
        f"{b}: extends: scenarios extend each other in a cycle: a.yaml → b.yaml → a.yaml "
        "(got 'a.yaml')"
    )
    me = write(tmp_path / "me.yaml", {"extends": "me.yaml"})
    assert "cycle: me.yaml → me.yaml" in str(error_of(load_raw, me))


def test_extends_missing_file(tmp_path: Path) -> None:
    child = write(tmp_path / "child.yaml", {"extends": "nowhere.yaml"})
    assert str(error_of(load_raw, child)) == (
        f"{child}: extends: no such scenario file or bundled scenario name (got 'nowhere.yaml')"
    )


def test_extends_chain_is_limited(tmp_path: Path) -> None:
    write(tmp_path / "f0.yaml", minimal())
    for i in range(1, 1300):
        write(tmp_path / f"f{i}.yaml", {"extends": f"f{i - 1}.yaml"})
    assert str(error_of(load_raw, tmp_path / "f1299.yaml")) == (
        f"{tmp_path / 'f1280.yaml'}: extends: more than 20 scenario files extend one another "
        "in a chain (got 'f1279.yaml')"
    )
    assert load_raw(tmp_path / "f19.yaml")["lead_sources"] == minimal()["lead_sources"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("root:x:0:0:root:/root:/bin/bash\nsecret:x:1:1::/home/secret:/bin/sh\n", "not text"),
        ("- token-abcdefgh\n", "not a list"),
        ("password: hunter2-abcdefgh\n", "fields a scenario does not have: password"),
        ("token: [\n", "invalid YAML at line 2"),
    ],
    ids=["text", "list", "other fields", "invalid YAML"],
)
def test_extends_a_file_that_is_no_scenario_names_the_child(
    tmp_path: Path, content: str, problem: str
) -> None:
    target = write(tmp_path / "passwd", content)
    child = write(tmp_path / "child.yaml", {"extends": str(target)})
    text = str(error_of(load_raw, child))
    assert text.startswith(f"{child}: extends: {target} is not a scenario file (")
    assert problem in text
    assert not any(secret in text for secret in ("x:0:0", "bin/", "abcdefgh", "hunter2"))


# --- what YAML scenario text may use -----------------------------------------------------------

# "Billion laughs": nine levels of nine aliases, a few hundred bytes that expand to 9⁹ strings.
LAUGH_LEVELS = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"] + [
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)
]
LAUGHS = "description: x\n" + "".join(f"{level}\n" for level in LAUGH_LEVELS)


@pytest.mark.parametrize(
    ("text", "rule", "got"),
    [
        (
            "description: &a [*a]\n",
            "line 1, column 14: YAML anchors and aliases",
            "description: &a [*a]",
        ),
        (LAUGHS, "line 2, column 5: YAML anchors and aliases", "a0: &a0 [lol, lol, lol,"),
        (
            "name: !!binary aGVsbG8=\n",
            "line 1, column 7: explicit YAML tags (!!binary)",
            "name: !!binary aGVsbG8=",
        ),
        ("name: !x t\n", "line 1, column 7: explicit YAML tags (!x)", "name: !x t"),
        (
            "description: " + "[" * 10_000 + "]" * 10_000 + "\n",
            "line 1, column 63: lists and mappings may be nested at most 50 deep",
            "[" * 24,
        ),
    ],
    ids=["recursive alias", "billion laughs", "binary tag", "local tag", "deep nesting"],
)
def test_scenario_files_use_plain_yaml_only(tmp_path: Path, text: str, rule: str, got: str) -> None:
    path = write(tmp_path / "s.yaml", text)
    assert str(error_of(load_scenario, path)).startswith(f"{path}: <top>: {rule}")
    assert str(error_of(load_scenario, path)).endswith(f" (got {got!r})")


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("&a [*a]", "YAML anchors and aliases (& and *) are not allowed"),
        ("{" + ", ".join(LAUGH_LEVELS) + "}", "YAML anchors and aliases (& and *) are not allowed"),
        ("!!binary aGVsbG8=", "explicit YAML tags (!!binary) are not allowed"),
        ("[" * 10_000 + "]" * 10_000, "lists and mappings may be nested at most 50 deep"),
    ],
    ids=["recursive alias", "billion laughs", "binary tag", "deep nesting"],
)
def test_override_values_use_plain_yaml_only(value: str, rule: str) -> None:
    err = error_of(load_scenario, "baseline", [f"description={value}"])
    assert err.file == "--set"
    assert err.path == "description"
    assert rule in err.rule


def test_nesting_up_to_the_limit_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "deep.yaml", "description: " + "[" * 49 + "]" * 49 + "\n")
    expected: list[Any] = []
    for _ in range(48):
        expected = [expected]
    assert load_raw(path)["description"] == expected


# --- file errors -------------------------------------------------------------------------------


def test_bad_yaml_syntax_names_the_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bad.yaml", "name: t\ncalendar:\n  horizon_days: 100\n warmup_days: 5\n"
    )
    assert str(error_of(load_scenario, path)) == (
        f"{path}: <top>: invalid YAML at line 4, column 2: expected <block end>, but found "
        "'<block mapping start>' (got 'warmup_days: 5')"
    )


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "dup.yaml", "name: t\nname: u\n")
    assert str(error_of(load_raw, path)) == (
        f"{path}: <top>: invalid YAML at line 2, column 1: key 'name' appears twice (got 'name: u')"
    )


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path / "list.yaml", "- 1\n- 2\n")
    assert str(error_of(load_scenario, path)) == (
        f"{path}: <top>: top level must be a mapping of scenario fields, not a list"
    )


# --- overrides ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("aes.count=3", ("aes.count", 3)),
        ("lead_sources.web.volume_multiplier=1.3", ("lead_sources.web.volume_multiplier", 1.3)),
        ("x=[1, 2]", ("x", [1, 2])),
        ("management.enabled=true", ("management.enabled", True)),
        ("qualification.queue_discipline=fifo", ("qualification.queue_discipline", "fifo")),
        ("description=a=b", ("description", "a=b")),
        (" name = quoted ", ("name", "quoted")),
    ],
)
def test_parse_override_parses_values_as_yaml(text: str, expected: tuple[str, object]) -> None:
    assert parse_override(text) == expected


@pytest.mark.parametrize("text", ["aes.count", "=3", " =3"])
def test_parse_override_rejects_malformed_text(text: str) -> None:
    err = error_of(parse_override, text)
    assert str(err) == f"{text}: override must look like path=value (got {text!r})"
    assert err.file is None


def test_override_named_item_nested_stage_and_index() -> None:
    raw = two_sources()
    apply_override(raw, "lead_sources.events.volume_multiplier", 1.3)
    apply_override(raw, "lead_sources.0.fit_share", 0.25)
    apply_override(raw, "lead_sources.web.response_decay.1.multiplier", 0.5)
    # deals and segments are absent from raw: their schema defaults are filled in first.
    apply_override(raw, "deals.stages.proposal.rep_hours", 7.5)
    apply_override(raw, "segments.mid_market.value_median", 40_000)
    apply_override(raw, "calendar.horizon_days", 300)
    scenario = validate_raw(raw, None)
    assert scenario.lead_sources[1].volume_multiplier == 1.3
    assert scenario.lead_sources[0].fit_share == 0.25
    assert scenario.lead_sources[0].response_decay[1].multiplier == 0.5
    assert [s.rep_hours for s in scenario.deals.stages] == [3.0, 5.0, 7.5, 3.0]
    assert scenario.segments[0].value_median == 40_000
    assert scenario.calendar.horizon_days == 300
    assert scenario.calendar.warmup_days == 63


def test_override_unknown_name_lists_available_names() -> None:
    err = error_of(apply_override, two_sources(), "lead_sources.mktg.volume_multiplier", 1.3)
    assert str(err) == (
        "lead_sources.mktg.volume_multiplier: no item of lead_sources has this name "
        "(available: web, events) (got 'mktg')"
    )


def test_override_index_out_of_range() -> None:
    err = error_of(apply_override, two_sources(), "lead_sources.2.fit_share", 0.1)
    assert str(err) == (
        "lead_sources.2.fit_share: no item at this index (lead_sources has 2 items) (got '2')"
    )


def test_override_into_a_scalar() -> None:
    err = error_of(apply_override, minimal(), "name.first", "x")
    assert (
        str(err)
        == "name.first: cannot set a field inside name, which holds a single value (got 't')"
    )


def test_override_unknown_intermediate_field_is_not_created() -> None:
    raw = minimal()
    err = error_of(apply_override, raw, "calender.horizon_days", 100)
    assert str(err) == "calender: unknown field (not in the schema) (got 100)"
    assert "calender" not in raw


def test_load_scenario_applies_string_and_mapping_overrides(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", minimal())
    from_text = load_scenario(path, ["aes.count=3", "qualification.queue_discipline=score"])
    assert (from_text.aes.count, from_text.qualification.queue_discipline) == (3, "score")
    from_mapping = load_scenario(path, {"aes.count": 3, "qualification.queue_discipline": "score"})
    assert from_mapping == from_text


def test_bad_override_string_in_load_scenario(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", minimal())
    err = error_of(load_scenario, path, ["aes.count"])
    assert str(err) == "--set: aes.count: override must look like path=value (got 'aes.count')"


def test_invalid_override_value_is_blamed_on_set(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", minimal())
    err = error_of(load_scenario, path, ["lead_sources.web.fit_share=1.5"])
    assert str(err) == "--set: lead_sources.web.fit_share: must be ≤ 1 (got 1.5)"
    err = error_of(load_scenario, path, ["lead_sources.nope.fit_share=1"])
    assert err.file == "--set"
    assert "(available: web)" in err.rule


# --- validation messages -----------------------------------------------------------------------


def test_probability_above_one_in_a_named_lead_source(tmp_path: Path) -> None:
    raw = two_sources()
    raw["lead_sources"][1]["fit_share"] = 1.5
    path = write(tmp_path / "s.yaml", raw)
    err = error_of(load_scenario, path)
    assert str(err) == f"{path}: lead_sources.events.fit_share: must be ≤ 1 (got 1.5)"
    assert (err.file, err.path, err.value) == (str(path), "lead_sources.events.fit_share", 1.5)


def test_unknown_key_is_named_in_the_path() -> None:
    raw = minimal()
    raw["lead_sources"][0]["fit_shares"] = 0.3
    err = error_of(validate_raw, raw, "s.yaml")
    assert (
        str(err)
        == "s.yaml: lead_sources.web.fit_shares: unknown field (not in the schema) (got 0.3)"
    )


def test_missing_required_field() -> None:
    raw = minimal()
    del raw["lead_sources"][0]["cost_per_lead"]
    err = error_of(validate_raw, raw, "s.yaml")
    assert err.path == "lead_sources.web.cost_per_lead"
    assert str(err).startswith(
        "s.yaml: lead_sources.web.cost_per_lead: required field is missing (got {'name': 'web',"
    )


def test_model_validator_error_drops_pydantic_prefix() -> None:
    raw = {**minimal(), "calendar": {"horizon_days": 100, "warmup_days": 100}}
    err = error_of(validate_raw, raw, None)
    assert str(err) == (
        "calendar: warmup_days (100) must be less than horizon_days (100) "
        "(got {'horizon_days': 100, 'warmup_days': 100})"
    )


def test_other_errors_are_counted() -> None:
    raw = {**minimal(), "aes": {"count": 0, "ramp_days": -1}, "bogus": 1}
    err = error_of(validate_raw, raw, None)
    assert err.rule.endswith(" (+2 more)")


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("calendar.hours_per_day=0", "calendar.hours_per_day: must be > 0 (got 0)"),
        ("aes.count=0", "aes.count: must be ≥ 1 (got 0)"),
        (
            "qualification.queue_discipline=lifo",
            "qualification.queue_discipline: must be one of 'fifo', 'newest_first' or 'score' "
            "(got 'lifo')",
        ),
        (
            "lead_sources.web.seasonality=[1]",
            "lead_sources.web.seasonality: must have at least 12 items (got [1])",
        ),
        ("calendar=[1]", "calendar: must be a mapping of fields (got [1])"),
    ],
)
def test_rules_are_short(override: str, expected: str) -> None:
    err = error_of(validate_raw, _overridden(override), None)
    assert str(err) == expected


def _overridden(text: str) -> dict[str, Any]:
    raw = minimal()
    apply_override(raw, *parse_override(text))
    return raw


# --- Python API and dumping --------------------------------------------------------------------


def test_scenario_with_returns_a_changed_copy() -> None:
    base = validate_raw(two_sources(), None)
    changed = scenario_with(
        base, {"lead_sources.events.volume_multiplier": 2.0, "deals.stages.demo.rep_hours": 1}
    )
    assert changed.lead_sources[1].volume_multiplier == 2.0
    assert changed.deals.stages[1].rep_hours == 1
    assert base.lead_sources[1].volume_multiplier == 1.0
    assert base.deals.stages[1].rep_hours == 5.0
    err = error_of(scenario_with, base, {"aes.count": 0})
    assert str(err) == "--set: aes.count: must be ≥ 1 (got 0)"


def test_dump_yaml_round_trips(tmp_path: Path) -> None:
    raw = two_sources()
    raw["description"] = "First line.\nSecond line with  spaces.  \n"
    raw["lead_sources"][0]["campaigns"] = [
        {"start_day": 10, "duration_days": 5, "volume_multiplier": 3}
    ]
    scenario = validate_raw(raw, None)
    text = dump_yaml(scenario)
    assert Scenario.model_validate(yaml.safe_load(text)) == scenario
    assert load_scenario(write(tmp_path / "dumped.yaml", text)) == scenario
