"""Text a user reads cites articles by title and author, never salessim's internal documents.

The README, DEVELOPERS.md, scenario files, notebooks, docs, benchmarks and the package's own
source (its docstrings, comments, help and app text) are read by people who have neither the
design notes (DESIGN.md, STYLE.md, BENCHMARKS.md) nor the numbered copies of the articles
("seed 004"), so none of them may point there.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INTERNAL = re.compile(r"DESIGN\.md|BENCHMARKS\.md|STYLE\.md|seed (article )?00\d", re.IGNORECASE)
FILES = ["README.md", "DEVELOPERS.md"]
FOLDERS = ["scenarios", "notebooks", "docs", "benchmarks"]


def _text(path: Path) -> str | None:
    """The file's text, or None for a binary file (a figure, a screenshot)."""
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _user_files() -> list[Path]:
    files = [ROOT / name for name in FILES]
    for folder in FOLDERS:
        files += sorted(p for p in (ROOT / folder).rglob("*") if p.is_file())
    files += sorted((ROOT / "salessim").rglob("*.py"))
    return files


def test_the_scanned_files_exist() -> None:
    for path in [ROOT / name for name in FILES] + [ROOT / folder for folder in FOLDERS]:
        assert path.exists(), f"{path.relative_to(ROOT)} is gone: update this test's lists"
    assert any(path.suffix == ".ipynb" for path in _user_files())


def test_user_facing_text_cites_no_internal_document() -> None:
    hits = []
    for path in _user_files():
        text = _text(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            match = INTERNAL.search(line)
            if match:
                hits.append(f"{path.relative_to(ROOT)}:{number}: {match[0]!r} in {line.strip()}")
    assert not hits, "cite the article by title and author, or say it directly:\n" + "\n".join(hits)
