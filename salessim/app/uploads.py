"""Scenario files uploaded by students: size-limited, checked, loaded from a temporary folder.

An uploaded file is untrusted. It is refused when it is too large, not UTF-8 text, uses YAML
anchors or aliases (a few lines of them can expand into gigabytes), or ``extends:`` anything but
a bundled scenario by name (a path could read files of the trainer's machine). It is written
only inside a fresh temporary folder, under a name the server makes up, and the folder is
deleted once the scenario is loaded. Every problem becomes one UploadError line naming the
file as the student called it, the field, the rule and the value.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from salessim.config import Scenario
from salessim.errors import SalessimError, ScenarioError
from salessim.scenario_files import bundled_scenarios, dump_yaml, load_scenario, parse_yaml

MAX_UPLOAD_BYTES = 64 * 1024
"""Scenario files are a few kilobytes; the bundled baseline is under 8 kB."""
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
    name = display_name(filename)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(
            f"{name}: the file is {len(data) / 1024:,.0f} kB; a scenario file may be at most "
            f"{MAX_UPLOAD_BYTES // 1024} kB"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UploadError(f"{name}: not a text file (expected UTF-8 YAML)") from None
    _check_yaml(name, text)
    with tempfile.TemporaryDirectory(prefix="salessim-upload-") as folder:
        path = Path(folder) / f"{safe_stem(filename)}.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            return load_scenario(path)
        except ScenarioError as exc:
            file = name if exc.file in (None, str(path)) else Path(exc.file).name
            raise UploadError(
                str(ScenarioError(file=file, path=exc.path, rule=exc.rule, value=exc.value))
            ) from None


def scenario_file_name(scenario: Scenario) -> str:
    """A download file name for a scenario: ``baseline_edited.yaml``."""
    return f"{safe_stem(scenario.name)}.yaml"


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as a complete YAML file that loads back to the same scenario."""
    return dump_yaml(scenario)


def _check_yaml(name: str, text: str) -> None:
    """Refuse what no scenario file may use (parse_yaml), extends: other than a bundled name and
    an initial pipeline read from a file."""
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
    parent = raw.get("extends")
    if parent is None:
        return
    bundled = {n for n, _ in bundled_scenarios()}
    if not isinstance(parent, str) or parent.removesuffix(".yaml") not in bundled:
        raise UploadError(
            f"{name}: extends: an uploaded file may extend only a bundled scenario by name "
            f"({', '.join(sorted(bundled))}) (got {parent!r})"
        )
