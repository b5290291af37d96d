"""Scenario files: find, read (with ``extends:``), override by dotted path, validate and dump.

Everything here works on the raw mapping read from YAML; :class:`salessim.config.Scenario` is
built only at the end, so overrides may fix values a file gets wrong and every error is reported
as one :class:`~salessim.errors.ScenarioError` naming file, field path, rule and value.
"""

from __future__ import annotations

import csv
import importlib.resources
import re
import types
import typing
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from salessim.config import FIXED_FOR_RUN, FIXED_ITEMS, Scenario
from salessim.errors import NO_VALUE, ScenarioError

# Installed packages are folders on disk (pip unpacks wheels; an editable install maps the
# package salessim.scenarios to the repository's scenarios/ folder), so this is a real path.
BUNDLED_DIR: Path = Path(str(importlib.resources.files("salessim.scenarios")))
"""The bundled scenarios (package ``salessim.scenarios``): scenarios named without a path."""

MAX_NESTING = 50
"""Deepest nesting of mappings and lists in a scenario file or ``--set`` value (the schema
needs four)."""
MAX_EXTENDS = 20
"""Longest chain of scenario files extending one another."""

OVERRIDE_FILE = "--set"
"""The ``file`` that errors caused by overrides carry."""

_YAML_MERGE_TAG = "tag:yaml.org,2002:merge"
_YAML_TAG_PREFIX = "tag:yaml.org,2002:"
_NO_SUCH_SCENARIO = "no such scenario file or bundled scenario name"
_CONTEXT_CHARS = 24
"""How much of a line a YAML error quotes: enough to find the spot, too little to leak a file."""

# Pydantic messages made shorter and readable; the first matching prefix wins.
_MESSAGE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("Value error, ", ""),
    ("Assertion failed, ", ""),
    ("Input should be less than or equal to ", "must be ≤ "),
    ("Input should be greater than or equal to ", "must be ≥ "),
    ("Input should be less than ", "must be < "),
    ("Input should be greater than ", "must be > "),
)
_SHOULD = re.compile(r"^(?:Input|String|List|Dictionary|Tuple|Set|Object|Value) should ")
_RULES_BY_TYPE = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field (not in the schema)",
    "model_type": "must be a mapping of fields",
    "model_attributes_type": "must be a mapping of fields",
    "dict_type": "must be a mapping",
    "list_type": "must be a list",
}


class _RefusedYaml(yaml.YAMLError):
    """Valid YAML that scenario text may not use: which rule it breaks, and where."""

    def __init__(self, problem: str, event: yaml.Event) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = event.start_mark


class _ScenarioLoader(yaml.SafeLoader):
    """Safe YAML loader for scenario text: plain YAML only, each key once, nesting bounded.

    Anchors and aliases are refused (nine short lines of them expand into gigabytes), explicit
    tags too (``!!binary`` turns text into bytes), and nesting deeper than MAX_NESTING (Python
    recursion would fail long before the schema could say anything useful).
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.NodeEvent) and (
            isinstance(event, yaml.AliasEvent) or event.anchor is not None
        ):
            raise _RefusedYaml(
                problem="YAML anchors and aliases (& and *) are not allowed",
                event=event,
            )
        tag = getattr(event, "tag", None)
        if tag is not None:
            standard = tag.startswith(_YAML_TAG_PREFIX)
            shown = "!!" + tag.removeprefix(_YAML_TAG_PREFIX) if standard else tag
            raise _RefusedYaml(
                problem=f"explicit YAML tags ({shown}) are not allowed",
                event=event,
            )
        if not isinstance(event, yaml.CollectionStartEvent):
            return super().compose_node(parent, index)
        if self._depth >= MAX_NESTING:
            raise _RefusedYaml(
                problem=f"lists and mappings may be nested at most {MAX_NESTING} deep",
                event=event,
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            # Keys brought in by a `<<: *anchor` merge may be overridden; only own keys count.
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _YAML_MERGE_TAG:
                continue
            key = self.construct_object(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"key {key!r} appears twice",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _ScenarioDumper(yaml.SafeDumper):
    """Safe YAML dumper that writes lists of numbers on one line and long text as a block."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


def _represent_list(dumper: yaml.SafeDumper, items: list[Any]) -> yaml.SequenceNode:
    flow = all(not isinstance(item, dict | list) for item in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flow)


_ScenarioDumper.add_representer(str, _represent_str)
_ScenarioDumper.add_representer(list, _represent_list)


def bundled_scenarios() -> list[tuple[str, str]]:
    """List bundled scenarios as (name to pass to :func:`load_scenario`, first description line)."""
    if not BUNDLED_DIR.is_dir():
        return []
    result = []
    for path in sorted(BUNDLED_DIR.glob("*.yaml")):
        description = load_raw(path).get("description", "")
        lines = description.strip().splitlines() if isinstance(description, str) else []
        result.append((path.stem, lines[0].strip() if lines else ""))
    return result


def resolve_scenario_path(ref: str | Path) -> Path:
    """Turn an existing file path or a bundled scenario name (``baseline``) into a file path."""
    path = _find_scenario(ref, None)
    if path is None:
        raise ScenarioError(file=str(ref), path="", rule=_NO_SUCH_SCENARIO, value=str(ref))
    return path


def load_raw(path: str | Path) -> dict[str, Any]:
    """Read a scenario file into a plain mapping, with its ``extends:`` chain merged in."""
    return _load_raw(Path(path), ())


def parse_yaml(text: str, file: str | None) -> Any:
    """Parse scenario YAML text (a file's or an override value's) with the scenario rules.

    Plain YAML only: no anchors or aliases, no explicit tags, each key once, nesting at most
    MAX_NESTING deep. A problem is one ScenarioError naming ``file``, line, column and rule.
    """
    try:
        return yaml.load(text, Loader=_ScenarioLoader)
    except yaml.YAMLError as exc:
        raise _yaml_error(file, text, exc) from exc


def parse_override(text: str) -> tuple[str, object]:
    """Split ``path=value`` and parse the value as YAML (``1.3`` → float, ``fifo`` → str)."""
    path, sep, value_text = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise ScenarioError(
            file=None, path=text, rule="override must look like path=value", value=text
        )
    try:
        value: object = parse_yaml(value_text, None)
    except ScenarioError as exc:
        raise ScenarioError(
            file=None, path=path, rule=f"override value: {exc.rule}", value=exc.value
        ) from exc
    return path, value


def apply_override(raw: dict[str, Any], path: str, value: object) -> None:
    """Set ``value`` at a dotted path; list items are addressed by ``name`` or by index."""
    _set_by_path(raw, path, value)


def validate_raw(raw: dict[str, Any], file: str | None) -> Scenario:
    """Build a :class:`Scenario`, turning pydantic's first error into a one-line ScenarioError;
    each of its ``changes`` must give a valid scenario too (see :func:`scenario_timeline`)."""
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        first = errors[0]
        rule = _human_rule(first)
        if len(errors) > 1:
            rule += f" (+{len(errors) - 1} more)"
        path = _error_path(raw, first["loc"])
        value = first["input"]
        located = _LOCATED_RULE.match(rule) if not path else None
        if located is not None:
            # A cross-field check on one item of a list names the item itself.
            path, rule, value = located["path"], located["rule"], NO_VALUE
        raise ScenarioError(file=file, path=path, rule=rule, value=value) from exc
    if scenario.changes:
        scenario_timeline(scenario, file)
    return scenario


_LOCATED_RULE = re.compile(r"^(?P<path>(?:initial_pipeline|changes)\.[\w.]+): (?P<rule>.*)$")


def scenario_timeline(scenario: Scenario, file: str | None = None) -> list[tuple[int, Scenario]]:
    """The scenarios a run goes through: for each of ``scenario.changes`` in order, its day and
    the scenario in force from that day (the previous one with the change's fields set).

    A change must give a valid scenario and may not touch a field the model reads only when a
    run starts (:data:`salessim.config.FIXED_FOR_RUN`); either is a ScenarioError naming
    ``changes.<i>.set.<path>``.
    """
    raw = scenario.model_dump()
    raw["changes"] = []
    before = _plain_copy(raw)
    timeline: list[tuple[int, Scenario]] = []
    for i, change in enumerate(scenario.changes):
        where = f"changes.{i}.set"
        done: list[tuple[str, str]] = []
        for path, value in change.set.items():
            try:
                done.append((path, _set_by_path(raw, path, value)))
            except ScenarioError as exc:
                at = f"{where}.{exc.path or path}"
                raise ScenarioError(file, at, exc.rule, exc.value) from exc
        try:
            changed = Scenario.model_validate(raw)
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            at = _error_path(raw, error["loc"])
            named = _set_path_of(done, at)
            raise ScenarioError(
                file,
                f"{where}.{named}" if named else where,
                _human_rule(error) if named else f"{at or '<top>'}: {_human_rule(error)}",
                error["input"],
            ) from exc
        after = changed.model_dump()
        for key, rule in FIXED_FOR_RUN.items():
            if _value_at(before, key) != _value_at(after, key):
                named = _set_path_of(done, key)
                raise ScenarioError(
                    file,
                    f"{where}.{named}" if named else where,
                    f"cannot change mid-run: {rule}",
                    change.set.get(named, NO_VALUE) if named else NO_VALUE,
                )
        for key, what in FIXED_ITEMS.items():
            old, new = _value_at(before, key), _value_at(after, key)
            if [item["name"] for item in old] != [item["name"] for item in new]:
                named = _set_path_of(done, key)
                raise ScenarioError(
                    file,
                    f"{where}.{named}" if named else where,
                    f"cannot change mid-run: {what} cannot be added, removed or renamed "
                    "(change their fields instead)",
                )
        timeline.append((change.at_day, changed))
        before = after
    return timeline


def _value_at(data: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of plain fields (no list items) of a dumped scenario."""
    value: Any = data
    for key in path.split("."):
        value = value[key]
    return value


def _set_path_of(done: list[tuple[str, str]], field: str) -> str | None:
    """The path as the user wrote it of the set that reached ``field`` (or a field inside it,
    or the block holding it)."""
    for written, named in done:
        for path in (named, written):
            if path == field or field.startswith(path + ".") or path.startswith(field + "."):
                return written
    return None


def load_scenario(
    ref: str | Path, overrides: Sequence[str] | Mapping[str, object] = ()
) -> Scenario:
    """Load a scenario file or bundled name, apply ``path=value`` overrides, and validate it."""
    path = resolve_scenario_path(ref)
    raw = load_raw(path)
    return _override_and_validate(raw, str(path), overrides)


def scenario_with(scenario: Scenario, overrides: Mapping[str, object]) -> Scenario:
    """Return a copy of a scenario with fields set by dotted path (the Python API for ``--set``)."""
    return _override_and_validate(scenario.model_dump(), None, overrides)


def dump_yaml(scenario: Scenario) -> str:
    """Write a scenario as YAML text that loads back to an equal scenario (without an empty
    ``profile:``, which only ``salessim init`` fills)."""
    data = scenario.model_dump(mode="json")
    if not scenario.profile.given():
        del data["profile"]
    return yaml.dump(
        data,
        Dumper=_ScenarioDumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )


def _find_scenario(ref: str | Path, base_dir: Path | None) -> Path | None:
    """Resolve a file path (relative to ``base_dir`` if given) or a bundled name, else None."""
    path = Path(ref)
    candidate = base_dir / path if base_dir is not None else path
    if candidate.is_file():
        return candidate
    if len(path.parts) == 1:
        name = path.name.removesuffix(".yaml")
        bundled = BUNDLED_DIR / f"{name}.yaml"
        if bundled.is_file():
            return bundled
    return None


def _load_raw(
    path: Path, chain: tuple[Path, ...], data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Read one file and merge it onto the file it extends; ``chain`` holds the files below it.

    ``data`` is the file's mapping when the caller has read it already.
    """
    file = str(path)
    if data is None:
        data = _read_yaml(path)
    pipeline = data.get("initial_pipeline")
    if isinstance(pipeline, str):
        data["initial_pipeline"] = read_pipeline_csv(path.parent / pipeline)
    ref = data.pop("extends", None)
    if ref is None:
        merged = data
    else:
        if not isinstance(ref, str) or not ref.strip():
            raise ScenarioError(
                file=file,
                path="extends",
                rule="must be a scenario file path or bundled name",
                value=ref,
            )
        parent_path = _find_scenario(ref, path.parent)
        if parent_path is None:
            raise ScenarioError(file=file, path="extends", rule=_NO_SUCH_SCENARIO, value=ref)
        here = (*chain, path.resolve())
        if parent_path.resolve() in here:
            loop = " → ".join(p.name for p in (*here, parent_path))
            raise ScenarioError(
                file=file,
                path="extends",
                rule=f"scenarios extend each other in a cycle: {loop}",
                value=ref,
            )
        if len(here) >= MAX_EXTENDS:
            raise ScenarioError(
                file=file,
                path="extends",
                rule=f"more than {MAX_EXTENDS} scenario files extend one another in a chain",
                value=ref,
            )
        parent = _load_raw(parent_path, here, _read_parent(parent_path, file))
        merged = _merge(parent, data, Scenario, file, "")
    if "name" not in data:
        merged["name"] = path.stem
    return merged


PIPELINE_COLUMNS: tuple[str, ...] = ("stage", "value", "age_in_stage_days", "owner", "segment")
"""Columns of an ``initial_pipeline`` CSV file (stage and value required, the rest optional)."""


def read_pipeline_csv(path: Path) -> list[dict[str, Any]]:
    """Read today's open deals from a CSV file with a header row of PIPELINE_COLUMNS.

    A problem is one ScenarioError naming the file, the row (its line in the file), the column,
    the rule and the value.
    """
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise ScenarioError(
            file=file, path="initial_pipeline", rule=f"cannot read the pipeline CSV ({reason})"
        ) from exc
    reader = csv.DictReader(text.splitlines())
    columns = [name.strip() for name in reader.fieldnames or []]
    unknown = [name for name in columns if name not in PIPELINE_COLUMNS]
    if unknown:
        raise ScenarioError(
            file=file,
            path="row 1",
            rule=f"unknown column (columns: {', '.join(PIPELINE_COLUMNS)})",
            value=unknown[0],
        )
    missing = [name for name in ("stage", "value") if name not in columns]
    if missing:
        raise ScenarioError(file=file, path="row 1", rule=f"column {missing[0]} is required")
    deals: list[dict[str, Any]] = []
    for row in reader:
        line = reader.line_num
        cells = {
            str(key).strip(): (cell or "").strip()
            for key, cell in row.items()
            if key is not None and isinstance(cell, str)
        }
        if not any(cells.values()):
            continue  # a blank line
        deal: dict[str, Any] = {}
        for column, cell in cells.items():
            if not cell:
                continue
            deal[column] = _pipeline_cell(file, line, column, cell)
        for column in ("stage", "value"):
            if column not in deal:
                raise ScenarioError(
                    file=file, path=f"row {line}, column {column}", rule="must not be empty"
                )
        deals.append(deal)
    return deals


def _pipeline_cell(file: str, line: int, column: str, cell: str) -> object:
    """One cell of a pipeline CSV as the value its column holds."""

    def bad(rule: str) -> ScenarioError:
        return ScenarioError(file=file, path=f"row {line}, column {column}", rule=rule, value=cell)

    if column == "stage":
        return int(cell) if cell.isascii() and cell.isdigit() else cell
    if column == "segment":
        return cell
    if column == "owner":
        if not (cell.isascii() and cell.isdigit()):
            raise bad("must be the index of a starting AE (0, 1, 2…)")
        return int(cell)
    try:
        number = float(cell)
    except ValueError:
        number = float("nan")
    if column == "value" and not number > 0:
        raise bad("must be a positive number")
    if column == "age_in_stage_days" and not number >= 0:
        raise bad("must be a number ≥ 0")
    return number


def _read_parent(path: Path, child: str) -> dict[str, Any]:
    """Read the file ``child`` extends; a file that is no scenario is the ``extends:`` error.

    The error names the child file and its ``extends`` field, the file extended and what is
    wrong with it, but none of its content: ``extends: /etc/passwd`` must not print the file.
    """
    try:
        data = _read_yaml(path)
    except ScenarioError as exc:
        problem = exc.rule
    else:
        unknown = sorted(str(key) for key in data if key not in Scenario.model_fields)
        if not unknown or unknown == ["extends"]:
            return data
        problem = f"fields a scenario does not have: {', '.join(unknown[:3])}"
        if len(unknown) > 3:
            problem += f" (+{len(unknown) - 3} more)"
    raise ScenarioError(
        file=child, path="extends", rule=f"{path} is not a scenario file ({problem})"
    )


def _read_yaml(path: Path) -> dict[str, Any]:
    """Parse one YAML file whose top level must be a mapping."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            file=file, path="", rule="cannot read file (not UTF-8 text)", value=file
        ) from exc
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ScenarioError(
            file=file, path="", rule=f"cannot read file ({reason})", value=file
        ) from exc
    data = parse_yaml(text, file)
    if not isinstance(data, dict):
        raise ScenarioError(
            file=file,
            path="",
            rule=f"top level must be a mapping of scenario fields, not {_kind(data)}",
        )
    return data


def _kind(value: object) -> str:
    """What a YAML document holds, in words (never its content)."""
    if value is None:
        return "an empty document"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    return f"a single value ({type(value).__name__})"


def _yaml_error(file: str | None, text: str, exc: yaml.YAMLError) -> ScenarioError:
    """Describe a YAML problem by line, column and a few characters around that spot."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or str(exc)
    what = "" if isinstance(exc, _RefusedYaml) else "invalid YAML at "
    if mark is None:
        return ScenarioError(file=file, path="", rule=f"invalid YAML: {problem}")
    lines = text.splitlines()
    line_text = lines[mark.line] if mark.line < len(lines) else ""
    start = max(0, min(mark.column - _CONTEXT_CHARS // 2, len(line_text) - _CONTEXT_CHARS))
    return ScenarioError(
        file=file,
        path="",
        rule=f"{what}line {mark.line + 1}, column {mark.column + 1}: {problem}",
        value=line_text[start : start + _CONTEXT_CHARS].strip(),
    )


def _plain_copy(value: Any) -> Any:
    """Copy nested dicts and lists, never sharing one object between two places."""
    if isinstance(value, dict):
        return {key: _plain_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_copy(item) for item in value]
    return value


def _is_named_list(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) > 0
        and all(isinstance(item, dict) and "name" in item for item in value)
    )


def _merge(parent: Any, child: Any, schema: Any, file: str, path: str) -> Any:
    """Merge a child value onto its parent's: mappings by key, named lists by name, else replace.

    A key the parent leaves out stands for the schema default, so a child can edit or remove
    items of a default list (``deals.stages``) just as of one the parent spelled out.
    """
    if isinstance(parent, dict) and isinstance(child, dict):
        model = _model_of(schema)
        merged = _plain_copy(parent)
        for key, value in child.items():
            sub = f"{path}.{key}" if path else str(key)
            field = model.model_fields.get(key) if model is not None else None
            if key in parent:
                base = parent[key]
            elif isinstance(value, dict):
                base = {}
            elif _is_named_list(value):
                default = _default_for(field) if field is not None else []
                base = default if isinstance(default, list) else []
            else:
                merged[key] = value
                continue
            merged[key] = _merge(base, value, field.annotation if field else None, file, sub)
        return merged
    if _is_named_list(child) and (_is_named_list(parent) or parent == []):
        return _merge_named(parent, child, _list_item_type(schema), file, path)
    return _plain_copy(child)


def _merge_named(
    parent: list[dict[str, Any]],
    child: list[dict[str, Any]],
    item_schema: Any,
    file: str,
    path: str,
) -> list[dict[str, Any]]:
    """Merge items by ``name``: update, append a new name, or drop one with ``remove: true``."""
    merged: list[dict[str, Any]] = _plain_copy(parent)
    for item in child:
        name = item["name"]
        sub = f"{path}.{name}"
        index = next((i for i, old in enumerate(merged) if old.get("name") == name), None)
        item = dict(item)
        remove = item.pop("remove", False)
        if remove is True:
            if set(item) != {"name"}:
                raise ScenarioError(
                    file=file,
                    path=sub,
                    rule="an item with remove: true may hold only its name",
                    value=item,
                )
            if index is None:
                raise ScenarioError(
                    file=file,
                    path=sub,
                    rule=f"cannot remove it: no such item in {path} ({_available(merged)})",
                    value=name,
                )
            del merged[index]
        elif remove is not False:
            raise ScenarioError(
                file=file, path=f"{sub}.remove", rule="must be true or false", value=remove
            )
        elif index is None:
            merged.append(item)
        else:
            merged[index] = _merge(merged[index], item, item_schema, file, sub)
    return merged


def _available(items: list[Any]) -> str:
    names = [str(item["name"]) for item in items if isinstance(item, dict) and "name" in item]
    return "available: " + (", ".join(names) if names else "none")


def _set_by_path(raw: dict[str, Any], path: str, value: object) -> str:
    """Set a value by dotted path and return the path with list indices written as names."""
    segments = path.split(".")
    if any(not segment for segment in segments):
        raise ScenarioError(
            file=None, path=path, rule="empty segment in the field path", value=value
        )
    container: Any = raw
    schema: Any = Scenario
    done: list[str] = []
    for position, segment in enumerate(segments):
        last = position == len(segments) - 1
        if isinstance(container, dict):
            model = _model_of(schema)
            field = model.model_fields.get(segment) if model is not None else None
            if model is not None and field is None and not last:
                raise ScenarioError(
                    file=None,
                    path=".".join([*done, segment]),
                    rule="unknown field (not in the schema)",
                    value=value,
                )
            schema = field.annotation if field is not None else None
            key: Any = segment
            if not last and container.get(segment) is None:
                container[segment] = _default_for(field)
        elif isinstance(container, list):
            index = _item_index(container, segment)
            if index is None:
                where = ".".join(done)
                raise ScenarioError(
                    file=None,
                    path=path,
                    rule=_no_item_rule(where, container, segment),
                    value=segment,
                )
            item = container[index]
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                segment = item["name"]
            schema = _list_item_type(schema)
            key = index
        else:
            where = ".".join(done)
            raise ScenarioError(
                file=None,
                path=path,
                rule=f"cannot set a field inside {where}, which holds a single value",
                value=container,
            )
        done.append(segment)
        if last:
            container[key] = _plain_copy(value)
        else:
            container = container[key]
    return ".".join(done)


def _item_index(items: list[Any], segment: str) -> int | None:
    """Find a list item by its ``name``, else by a non-negative integer index."""
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == segment:
            return index
    if segment.isascii() and segment.isdigit() and int(segment) < len(items):
        return int(segment)
    return None


def _no_item_rule(where: str, items: list[Any], segment: str) -> str:
    if segment.isascii() and segment.isdigit():
        return f"no item at this index ({where} has {len(items)} items)"
    return f"no item of {where} has this name ({_available(items)})"


def _default_for(field: Any) -> Any:
    """The plain-data default of a schema field missing from the raw mapping, to step into."""
    if field is not None and not field.is_required():
        default = _plain_data(field.get_default(call_default_factory=True))
        if isinstance(default, dict | list):
            return default
    if field is not None and _list_item_type(field.annotation) is not None:
        return []
    return {}


def _plain_data(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, list):
        return [_plain_data(item) for item in value]
    return value


def _strip_type(annotation: Any) -> Any:
    """Remove ``Annotated`` and ``| None`` around a type."""
    while True:
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin is typing.Annotated:
            annotation = args[0]
        elif origin in (typing.Union, types.UnionType):
            others = [arg for arg in args if arg is not type(None)]
            if len(others) != 1:
                return annotation
            annotation = others[0]
        else:
            return annotation


def _model_of(annotation: Any) -> type[BaseModel] | None:
    annotation = _strip_type(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _list_item_type(annotation: Any) -> Any:
    annotation = _strip_type(annotation)
    if typing.get_origin(annotation) is list:
        return typing.get_args(annotation)[0]
    return None


def _override_and_validate(
    raw: dict[str, Any], file: str | None, overrides: Sequence[str] | Mapping[str, object]
) -> Scenario:
    """Apply overrides to a raw mapping and validate it; errors in overridden fields name --set."""
    if isinstance(overrides, str):
        overrides = [overrides]
    pairs = (
        list(overrides.items())
        if isinstance(overrides, Mapping)
        else [_as_override(text) for text in overrides]
    )
    paths = []
    for path, value in pairs:
        try:
            paths.append(_set_by_path(raw, path, value))
        except ScenarioError as exc:
            raise _from_override(exc) from exc
    try:
        return validate_raw(raw, file)
    except ScenarioError as exc:
        if any(exc.path == p or exc.path.startswith(p + ".") for p in paths):
            raise _from_override(exc) from exc
        raise


def _as_override(text: str) -> tuple[str, object]:
    try:
        return parse_override(text)
    except ScenarioError as exc:
        raise _from_override(exc) from exc


def _from_override(exc: ScenarioError) -> ScenarioError:
    return ScenarioError(file=OVERRIDE_FILE, path=exc.path, rule=exc.rule, value=exc.value)


def _human_rule(error: ErrorDetails) -> str:
    """A short rule from a pydantic error: ``must be ≤ 1`` rather than its full message."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in _RULES_BY_TYPE:
        return _RULES_BY_TYPE[kind]
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}"
    if kind in ("too_short", "too_long"):
        bound = ctx.get("min_length" if kind == "too_short" else "max_length")
        word = "at least" if kind == "too_short" else "at most"
        return f"must have {word} {bound} item{'' if bound == 1 else 's'}"
    message = error["msg"]
    for prefix, replacement in _MESSAGE_PREFIXES:
        if message.startswith(prefix):
            return replacement + message.removeprefix(prefix)
    return _SHOULD.sub("must ", message)


def _error_path(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Dotted path of a pydantic ``loc``, naming list items by their ``name`` if they have one."""
    parts = []
    node: Any = raw
    for part in loc:
        label = str(part)
        if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            node = node[part]
            name = node.get("name") if isinstance(node, dict) else None
            if isinstance(name, str) and name and "." not in name:
                label = name
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            node = None
        parts.append(label)
    return ".".join(parts)
