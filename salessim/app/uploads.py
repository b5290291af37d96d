"""Scenario files uploaded by students: size-limited, checked, loaded from a temporary folder.

An uploaded file is untrusted. It is refused when it is too large, not UTF-8 text, uses YAML
anchors or aliases (a few lines of them can expand into gigabytes), or ``extends:`` anything but
a bundled scenario by name or another file uploaded in the same batch by its file name (a path
could read files of the trainer's machine). A batch is written only inside a fresh temporary
folder, under names the server makes up, and the folder is deleted once its scenarios are
loaded. Every problem becomes one UploadError line naming the
file as the student called it, the field, the rule and the value.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from salessim.config import Scenario
from salessim.errors import SalessimError, ScenarioError
from salessim.scenario_files import bundled_scenarios, dump_yaml, load_scenario, parse_yaml

MAX_UPLOAD_BYTES = 64 * 1024
"""Scenario files are a few kilobytes; the bundled baseline is under 8 kB."""
MAX_BATCH_FILES = 10
"""Files one upload may hold (each at most MAX_UPLOAD_BYTES)."""
MAX_UPLOAD_MB = 1
"""The web server's own cap (Streamlit counts whole megabytes); MAX_UPLOAD_BYTES is checked too."""
_SAFE_STEM = re.compile(r"[^A-Za-z0-9_\-]+")


class UploadError(SalessimError):
    """An uploaded scenario file cannot be used; the message says why in one line."""


def display_name(filename: str) -> str:
    """The uploaded file's own name (no folders), for messages."""
    return Path(filename.replace("\\", "/")).name or "uploaded file"


def safe_stem(filename: str) -> str:
    """A file stem made of letters, digits, ``_`` and ``-`` only (the scenario's default name)."""
    stem = _SAFE_STEM.sub("_", Path(display_name(filename)).stem).strip("_")
    return stem[:60] or "uploaded"


def load_uploaded_scenario(filename: str, data: bytes) -> Scenario:
    """Validate an uploaded scenario file and return the scenario it describes."""
    ((_, outcome),) = load_uploaded_batch([(filename, data)])
    if isinstance(outcome, UploadError):
        raise outcome
    return outcome


def load_uploaded_batch(
    files: Sequence[tuple[str, bytes]],
) -> list[tuple[str, Scenario | UploadError]]:
    """Validate scenario files uploaded together: each file's name and its scenario or its
    one-line error. A file may extend a bundled scenario by name or another file of the same
    batch by its file name (with or without ``.yaml``); nothing else is read."""
    if len(files) > MAX_BATCH_FILES:
        raise UploadError(
            f"{len(files)} files uploaded at once; upload at most {MAX_BATCH_FILES} scenario "
            "files together"
        )
    names = [display_name(filename) for filename, _ in files]
    outcomes: list[Scenario | UploadError | None] = [None] * len(files)
    raws: dict[int, dict[str, Any]] = {}
    stems: dict[str, int] = {}
    for k, ((filename, data), name) in enumerate(zip(files, names, strict=True)):
        stem = safe_stem(filename)
        try:
            if stem in stems:
                raise UploadError(
                    f"{name}: another file uploaded with it, {names[stems[stem]]}, has the same "
                    f"name once made safe ({stem}.yaml): rename one of them"
                )
            raws[k] = _read_upload(name, data)
            stems[stem] = k
        except UploadError as exc:
            outcomes[k] = exc
    # extends: names another file of the batch by its name, with or without the extension.
    refs = {ref: k for k, name in enumerate(names) for ref in (name, Path(name).stem)}
    siblings = {ref: k for ref, k in refs.items() if k in raws}
    refused = {ref for ref, k in refs.items() if k not in raws}
    with tempfile.TemporaryDirectory(prefix="salessim-upload-") as folder:
        written: dict[str, str] = {}
        for k, raw in raws.items():
            try:
                parent = _parent(names[k], raw.get("extends"), siblings, refused, names)
            except UploadError as exc:
                outcomes[k] = exc
                continue
            if parent is not None:
                raw["extends"] = parent
            path = Path(folder) / f"{safe_stem(files[k][0])}.yaml"
            path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), "utf-8")
            written[str(path)] = names[k]
        for k in raws:
            if outcomes[k] is not None:
                continue
            path = Path(folder) / f"{safe_stem(files[k][0])}.yaml"
            try:
                outcomes[k] = load_scenario(path)
            except ScenarioError as exc:
                file = written.get(exc.file or str(path), Path(exc.file or names[k]).name)
                outcomes[k] = UploadError(
                    str(ScenarioError(file=file, path=exc.path, rule=exc.rule, value=exc.value))
                )
    return [(name, outcome) for name, outcome in zip(names, outcomes, strict=True) if outcome]


def scenario_file_name(scenario: Scenario) -> str:
    """A download file name for a scenario: ``baseline_edited.yaml``."""
    return f"{safe_stem(scenario.name)}.yaml"


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as a complete YAML file that loads back to the same scenario."""
    return dump_yaml(scenario)


def _read_upload(name: str, data: bytes) -> dict[str, Any]:
    """An uploaded file's mapping, refusing what no upload may hold: too many bytes, text that
    is not UTF-8, what parse_yaml refuses, and an initial pipeline read from a file."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(
            f"{name}: the file is {len(data) / 1024:,.0f} kB; a scenario file may be at most "
            f"{MAX_UPLOAD_BYTES // 1024} kB"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UploadError(f"{name}: not a text file (expected UTF-8 YAML)") from None
    try:
        raw = parse_yaml(text, name)
    except ScenarioError as exc:
        raise UploadError(f"{name}: {exc.rule}") from None
    if not isinstance(raw, dict):
        raise UploadError(f"{name}: the top level must be a mapping of scenario fields")
    if isinstance(raw.get("initial_pipeline"), str):
        # A path would be read on the server, and its errors would quote what it holds.
        raise UploadError(
            f"{name}: initial_pipeline: an uploaded file must list its open deals in the file "
            "(a list of {stage, value, age_in_stage_days, owner}), not name a CSV file"
        )
    return raw


def _parent(
    name: str,
    parent: object,
    siblings: dict[str, int],
    refused: set[str],
    names: Sequence[str],
) -> str | None:
    """What ``extends:`` becomes in the batch's folder: another file of the batch by the name
    it is written under, or a bundled scenario by name; anything else is refused."""
    if parent is None:
        return None
    if isinstance(parent, str) and parent in siblings:
        return f"{safe_stem(names[siblings[parent]])}.yaml"
    if isinstance(parent, str) and parent in refused:
        raise UploadError(
            f"{name}: extends: {parent!r} is a file uploaded with it that cannot be used (see "
            "its own error)"
        )
    bundled = {n for n, _ in bundled_scenarios()}
    if isinstance(parent, str) and parent.removesuffix(".yaml") in bundled:
        # The bare name: no file of the batch's folder has a name without .yaml.
        return parent.removesuffix(".yaml")
    raise UploadError(
        f"{name}: extends: an uploaded file may extend only a bundled scenario by name "
        f"({', '.join(sorted(bundled))}) or another file uploaded with it (got {parent!r})"
    )
