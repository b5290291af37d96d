"""The wheel holds the whole package: every module and every bundled scenario."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_every_module_and_bundled_scenario(tmp_path: Path) -> None:
    # Built from a copy so that setuptools' build/ folder never lands in (or stales) the checkout.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for folder in ("salessim", "scenarios"):
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    command = [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation"]
    subprocess.run(
        [*command, "--quiet", "-w", str(tmp_path / "dist")],
        cwd=source,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = (tmp_path / "dist").glob("salessim-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    scenarios = {f"salessim/scenarios/{p.name}" for p in (ROOT / "scenarios").glob("*.yaml")}
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "salessim").rglob("*.py")}
    assert "salessim/scenarios/baseline.yaml" in scenarios
    assert scenarios - shipped == set()
    assert modules - shipped == set()
    templates = {p.relative_to(ROOT).as_posix() for p in (ROOT / "salessim/templates").glob("*")}
    assert "salessim/templates/brief.html.j2" in templates
    assert templates - shipped == set()
