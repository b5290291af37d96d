"""Field reference: every scenario field with its type, unit, range, default and meaning.

The rows are read from the pydantic schema in :mod:`salessim.config`, so the reference cannot
drift from what validation accepts. Paths are written as ``--set`` takes them; an item of a list
stands as ``<name>`` (named items) or ``<index>``, an entry of a mapping as ``<key>``.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import re
import sys
import textwrap
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from salessim.config import Scenario
from salessim.errors import SalessimError

NAME_SLOT = "<name>"
"""Path segment standing for any item of a named list (``lead_sources.<name>.fit_share``)."""
INDEX_SLOT = "<index>"
"""Path segment standing for an item of a list without names, counted from 0."""
KEY_SLOT = "<key>"
"""Path segment standing for any key of a mapping."""

# Units from a field's name, first match wins: the suffixes the schema's names follow.
_UNITS_BY_NAME: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), unit)
    for pattern, unit in (
        (r"(cost|quota)_per_year$", "$/year"),
        (r"cost_per_lead$", "$/lead"),
        (r"_cv$", "sd ÷ mean"),
        (r"per_year$", "per year"),
        (r"^hours_per_day$", "hours/day"),
        (r"^dials_per_hour$", "dials/hour"),
        (r"^dials_per_account$", "dials"),
        (r"days_per_day$", "days/day"),
        (r"per_day$", "per day"),
        (r"(^|_)(share|rate|margin)$", "share"),
        (r"(probability|accuracy)$", "probability"),
        (r"(^|_)hours($|_)", "hours"),
        (r"(^|_)days($|_)", "working days"),
        (r"(^|_)day$", "working day"),
        (r"_minutes$", "minutes"),
        (r"multiplier$", "×"),
        (r"coverage$", "× target"),
        (r"_deals$", "deals"),
        (r"_accounts_", "accounts"),
        (r"_attempts$", "attempts"),
        (r"^count$", "people"),
        (r"_week$", "week"),
        (r"_stage$", "stage index"),
        (r"_volume$", "leads/month"),
    )
)
# Otherwise a unit the description states: "median deal value, $" or "relative to ...".
_TRAILING_UNIT = re.compile(r", (\$[^\s,]*)$")
_RELATIVE = re.compile(r"\b(relative to|multiplier)\b")

_MARKDOWN_SPECIAL = re.compile(r"[|$]")
_INTRO = """\
# Scenario fields

Every field a scenario file can set, with its type, unit, allowed range, default and meaning.
A scenario file sets only the fields it changes; every other field keeps the default shown here.
A path is written as `--set` takes it: `salessim run baseline --set aes.count=12`. An item of a
named list (lead sources, stages, segments) is addressed by its name, shown here as `<name>`
(`lead_sources.web_inbound.fit_share`); an item of a list without names by its position from 0,
shown as `<index>`. "required" means a value must be given whenever the item is written.

This page is generated from the scenario schema by `python -m salessim.fields --markdown`.
"""
_TOP_LEVEL = "Top level"
_COLUMNS = ("path", "type", "unit", "range", "default", "description")
_TEXT_HEADERS = ("PATH", "TYPE", "UNIT", "RANGE", "DEFAULT", "DESCRIPTION")
_MARKDOWN_HEADERS = ("Field", "Type", "Unit", "Range", "Default", "Description")
_MIN_DESCRIPTION_WIDTH = 30
_GAP = "  "
_INDENT = "    "


@dataclass(frozen=True)
class FieldRow:
    """One field of the scenario schema as a reader needs it; every value is display text."""

    path: str
    type: str
    unit: str
    range: str
    default: str
    description: str


def field_rows(path: str | None = None) -> list[FieldRow]:
    """Rows of every scenario field, or of the field or block at ``path``.

    ``path`` is written as for ``--set``: a real item name (``lead_sources.web_inbound``) or
    index stands for ``<name>`` or ``<index>``. An unknown path raises a SalessimError that
    names the closest paths.
    """
    rows = model_rows(Scenario)
    if path is None:
        return rows
    wanted = path.strip().split(".")
    found = [row for row in rows if _path_matches(row.path.split("."), wanted)]
    if not found:
        raise SalessimError(f"{path}: no such scenario field ({_hint(path, rows)})")
    return found


def model_rows(model: type[BaseModel], prefix: str = "") -> list[FieldRow]:
    """Rows of every field of a pydantic model, nested blocks and list items included."""
    rows: list[FieldRow] = []
    for name, info in model.model_fields.items():
        rows.extend(_rows_of_field(f"{prefix}.{name}" if prefix else name, name, info))
    return rows


def rows_to_json(rows: Iterable[FieldRow]) -> list[dict[str, str]]:
    """Rows as plain dicts (path, type, unit, range, default, description) for JSON output."""
    return [dataclasses.asdict(row) for row in rows]


def render_text(rows: Sequence[FieldRow], width: int = 100) -> str:
    """A plain aligned table for a terminal ``width`` characters wide.

    Descriptions wrap within their column; when the other columns leave it too little room,
    each description goes on the lines under its row, indented.
    """
    cells = [_text_cells(row) for row in rows]
    widths = [len(header) for header in _TEXT_HEADERS[:-1]]
    for cell in cells:
        widths = [
            max(w, *(len(line) for line in part)) for w, part in zip(widths, cell, strict=True)
        ]
    left = sum(widths) + len(_GAP) * len(widths)
    beside = width - left >= _MIN_DESCRIPTION_WIDTH
    lines = [_text_line(_TEXT_HEADERS[:-1], widths, _TEXT_HEADERS[-1] if beside else "")]
    for row, cell in zip(rows, cells, strict=True):
        description = textwrap.wrap(row.description, width - left) if beside else []
        for i in range(max(len(part) for part in [*cell, description])):
            parts = [part[i] if i < len(part) else "" for part in cell]
            lines.append(_text_line(parts, widths, description[i] if i < len(description) else ""))
        if not beside:
            lines += textwrap.wrap(
                row.description, width, initial_indent=_INDENT, subsequent_indent=_INDENT
            )
    return "\n".join(lines) + "\n"


def render_markdown(rows: Sequence[FieldRow]) -> str:
    """A Markdown page: a short introduction, then one table per block of the scenario."""
    blocks = {row.path.partition(".")[0] for row in rows if "." in row.path}
    sections: dict[str, list[FieldRow]] = {}
    for row in rows:
        head = row.path.partition(".")[0]
        sections.setdefault(head if head in blocks else _TOP_LEVEL, []).append(row)
    parts = [_INTRO]
    for title, members in sections.items():
        heading = title if title == _TOP_LEVEL else f"`{title}`"
        parts.append(f"\n## {heading}\n\n")
        info = Scenario.model_fields.get(title)
        if info is not None and info.description:
            about = _first_line(info.description)
            parts.append(f"{about[:1].upper()}{about[1:]}.\n\n")
        parts.append(_markdown_line(_MARKDOWN_HEADERS))
        parts.append(_markdown_line(("---",) * len(_MARKDOWN_HEADERS)))
        for row in members:
            values = [getattr(row, column) for column in _COLUMNS]
            values[0] = f"`{values[0]}`"
            parts.append(_markdown_line(values))
    return "".join(parts)


def _rows_of_field(path: str, name: str, info: FieldInfo) -> list[FieldRow]:
    """The rows one field contributes: itself if it holds values, its own fields if a block."""
    annotation, nullable, constraints = _unwrap(info.annotation)
    constraints = [*info.metadata, *constraints]
    block = _model_of(annotation)
    if block is not None:
        return model_rows(block, path)
    description = _first_line(info.description or "")
    default = _default_text(info)
    origin = typing.get_origin(annotation)
    if origin in (list, dict):
        item, _, item_constraints = _unwrap(typing.get_args(annotation)[-1])
        item_model = _model_of(item)
        if item_model is not None:
            slot, kind = _item_slot(origin, item_model)
            itself = FieldRow(
                path=path,
                type=kind,
                unit="",
                range=_length_text(constraints, "item"),
                default=default,
                description=description,
            )
            return [itself, *model_rows(item_model, f"{path}.{slot}")]
        each = _range_text(item_constraints)
        if origin is list:
            kind = f"list of {_type_text(item)}"
            size = _length_text(constraints, "value")
        else:
            kind = f"mapping of text to {_type_text(item)}"
            size = ""
        value_range = ", ".join(part for part in (size, f"each {each}" if each else "") if part)
        annotation = item
    else:
        kind = _type_text(annotation)
        value_range = _range_text(constraints) or _length_text(constraints, "character")
    return [
        FieldRow(
            path=path,
            type=f"{kind} or null" if nullable else kind,
            unit=_unit(name, description, annotation),
            range=value_range,
            default=default,
            description=description,
        )
    ]


def _unwrap(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """Strip ``Annotated`` and ``| None``: the bare type, whether None is allowed, constraints."""
    nullable = False
    constraints: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin is typing.Annotated:
            annotation = args[0]
            for extra in args[1:]:
                constraints.extend(extra.metadata if isinstance(extra, FieldInfo) else [extra])
        elif origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
            nullable = True
            annotation = next(arg for arg in args if arg is not type(None))
        else:
            return annotation, nullable, constraints


def _item_slot(origin: Any, item_model: type[BaseModel]) -> tuple[str, str]:
    """How paths address the items of a list or mapping of blocks, and its type text."""
    if origin is dict:
        return KEY_SLOT, "mapping, entries by key"
    if "name" in item_model.model_fields:
        return NAME_SLOT, "list, items by name"
    return INDEX_SLOT, "list, items by index"


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _type_text(annotation: Any) -> str:
    """``int``, ``float``, ``bool``, ``text`` or ``one of {a, b}`` for a bare type."""
    if typing.get_origin(annotation) is typing.Literal:
        return _one_of(typing.get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return _one_of([member.value for member in annotation])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return " or ".join(_type_text(arg) for arg in typing.get_args(annotation))
    if annotation is Any:
        return "any value"
    names = {bool: "bool", int: "int", float: "float", str: "text"}
    if annotation in names:
        return names[annotation]
    raise TypeError(f"the field reference cannot describe the type {annotation!r}")


def _one_of(values: Iterable[object]) -> str:
    return "one of {" + ", ".join(str(value) for value in values) + "}"


def _range_text(constraints: Sequence[Any]) -> str:
    """``0–1``, ``> 0, ≤ 16``, ``≥ 1`` from gt/ge/lt/le constraints, the tightest of each."""
    lows: list[tuple[float, str]] = []
    highs: list[tuple[float, str]] = []
    for c in constraints:
        if isinstance(c, annotated_types.Ge):
            lows.append((typing.cast(float, c.ge), "≥"))
        elif isinstance(c, annotated_types.Gt):
            lows.append((typing.cast(float, c.gt), ">"))
        elif isinstance(c, annotated_types.Le):
            highs.append((typing.cast(float, c.le), "≤"))
        elif isinstance(c, annotated_types.Lt):
            highs.append((typing.cast(float, c.lt), "<"))
    # On a tie the strict bound is the tighter one: > after ≥, < before ≤.
    low = max(lows, key=lambda bound: (bound[0], bound[1] == ">"), default=None)
    high = min(highs, key=lambda bound: (bound[0], bound[1] == "≤"), default=None)
    if low is not None and high is not None and (low[1], high[1]) == ("≥", "≤"):
        return f"{_number(low[0])}–{_number(high[0])}"
    return ", ".join(f"{sign} {_number(value)}" for value, sign in filter(None, [low, high]))


def _length_text(constraints: Sequence[Any], what: str) -> str:
    """``12 values``, ``1–10 items``, ``≤ 80 characters`` from min_length/max_length."""
    shortest = next((c.min_length for c in constraints if isinstance(c, annotated_types.MinLen)), 0)
    longest = next(
        (c.max_length for c in constraints if isinstance(c, annotated_types.MaxLen)), None
    )
    plural = f"{what}s"
    if longest is None:
        return f"≥ {shortest} {what if shortest == 1 else plural}" if shortest else ""
    if shortest == longest:
        return f"{shortest} {what if shortest == 1 else plural}"
    if shortest == 0:
        return f"≤ {_number(longest)} {plural}"
    return f"{shortest}–{_number(longest)} {plural}"


def _default_text(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    return _value_text(info.get_default(call_default_factory=True))


def _value_text(value: object) -> str:
    """A default as a reader would type it in YAML; lists of items by their names."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return _value_text(value.value)
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, str):
        return value if value else '"" (empty)'
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_value_text(item)}" for key, item in value.items()) or "none"
    if isinstance(value, list):
        if not value:
            return "none"
        if all(isinstance(item, BaseModel) for item in value):
            names = [getattr(item, "name", None) for item in value]
            if all(isinstance(n, str) for n in names):
                return ", ".join(typing.cast(list[str], names))
            return f"{len(value)} items"
        if len(value) > 3 and len(set(value)) == 1:
            return f"all {_value_text(value[0])} ({len(value)} values)"
        return "[" + ", ".join(_value_text(item) for item in value) + "]"
    raise TypeError(f"the field reference cannot show the default {value!r}")


def _number(value: float) -> str:
    """``8``, ``0.35``, ``770,000``: whole numbers without ``.0``, thousands separated."""
    if isinstance(value, float) and not value.is_integer():
        return repr(value)
    return f"{int(value):,}"


def _unit(name: str, description: str, annotation: Any) -> str:
    """The unit of a number field from its name's suffix, else from what its description says."""
    if annotation not in (int, float):
        return ""
    for pattern, unit in _UNITS_BY_NAME:
        if pattern.search(name):
            return unit
    trailing = _TRAILING_UNIT.search(description)
    if trailing:
        return trailing.group(1)
    if _RELATIVE.search(description):
        return "×"
    return ""


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""


def _path_matches(row_parts: list[str], wanted: list[str]) -> bool:
    """Whether ``wanted`` is the row's path or a block above it; slots match any item."""
    if len(wanted) > len(row_parts):
        return False
    for slot, segment in zip(row_parts, wanted, strict=False):
        if segment == slot or slot in (NAME_SLOT, KEY_SLOT):
            continue
        if slot == INDEX_SLOT and segment.isascii() and segment.isdigit():
            continue
        return False
    return True


def _hint(path: str, rows: Sequence[FieldRow]) -> str:
    """Close matches among every field and block path, else the top-level names."""
    known: dict[str, None] = {}
    for row in rows:
        parts = row.path.split(".")
        for end in range(1, len(parts) + 1):
            known[".".join(parts[:end])] = None
    close = difflib.get_close_matches(path.strip(), list(known), n=3, cutoff=0.6)
    if close:
        return f"did you mean {', '.join(close)}?"
    tops = [key for key in known if "." not in key]
    return f"top-level fields: {', '.join(tops)}"


def _text_cells(row: FieldRow) -> list[list[str]]:
    """The lines of each text column but the description; long type lists wrap at commas."""
    cells = [[row.path], textwrap.wrap(row.type, 28) or [""], [row.unit or "-"]]
    cells += [[row.range or "-"], textwrap.wrap(row.default, 24) or [""]]
    return cells


def _text_line(parts: Sequence[str], widths: Sequence[int], last: str) -> str:
    return (
        _GAP.join(p.ljust(w) for p, w in zip(parts, widths, strict=True)) + _GAP + last
    ).rstrip()


def _markdown_line(values: Sequence[str]) -> str:
    # "$" is escaped so that two amounts on one line never read as a LaTeX formula.
    cells = [_MARKDOWN_SPECIAL.sub(r"\\\g<0>", value) if value else "–" for value in values]
    return "| " + " | ".join(cells) + " |\n"


if __name__ == "__main__":
    if sys.argv[1:] != ["--markdown"]:
        sys.exit("usage: python -m salessim.fields --markdown > docs/fields.md")
    sys.stdout.write(render_markdown(field_rows()))
