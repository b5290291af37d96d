"""The notebooks run top to bottom in a fresh kernel and show what they promise; git holds them
without outputs, and the README links each one.

Each notebook is executed with nbclient in a kernel started from this interpreter (so it sees
the same installed salessim), in a temporary folder, with each cell under a timeout; any cell
error fails the test. The cells a reader relies on are found by their tags and checked for their
figure or their computed text.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CELL_TIMEOUT_SECONDS = 600  # each notebook runs in well under a minute on 2 cores
KERNEL = "salessim-tests"

# Tag → what the tagged cell must show: "png" (one figure each) and text patterns.
CHECKS: dict[str, dict[str, list[str]]] = {
    "01_quickstart": {
        "dashboard": ["png"],
        "comparison": ["png"],
        "explanation": [r"'more_leads_30'.*'baseline'", r"\$"],
    },
    "02_more_leads_fewer_sales": {
        "plan-table": [r"Bookings\s+\$", r"Profit\s+\$", r"clear|within the noise"],
        "why": ["png", r"'more_leads_30'"],
        "sweep": ["png", "png"],
        "tipping-point": [r"Bookings peak at [\d.]+×"],
        "alternatives-table": [r"two more AEs", r"the plan with two SDRs"],
        "alternatives-chart": ["png"],
        "comparison": ["png"],
        # Printed wrapped at 100 characters: any space may be a line break.
        "recommendation": [
            r"^Recommendation: ",
            r"Do\s+not\s+fund|pays|does\s+not\s+pay\s+measurably",
            r"tipping\s+point|Bookings\s+(peak|still\s+rise)",
            r"best\s+use\s+of\s+the\s+money\s+is|None\s+of\s+the\s+alternatives",
            r"\$[\d.]+[Mk]",
        ],
    },
    "03_teleprospecting_vs_own_calling": {
        "timeline": ["png"],
        "calling": ["png"],
        "rep-pipelines": ["png"],
        "rep-swing": [r"own calling\s+[\d.]+", r"AEs \+ SDRs\s+[\d.]+"],
        "teams": [r"Quarter-to-quarter swing", r"Forecast error"],
        "swings": ["png"],
        "forecast": ["png"],
        "ratio": ["png", r"8 AEs \+ 4 SDRs"],
        "summary": [r"same\s+budget", r"SDR:AE\s+1:[\d.]+", r"\$[\d.]+[Mk]"],
    },
    "04_classroom_exercises": {
        "check": [
            r"Your guess:",
            r"Simulation:",
            r"Spot on|Close|Wrong direction|Off by|Right|Not this time",
        ],
        "answers": [rf"(?m)^{k}\. " for k in range(1, 7)],
    },
}


def _notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def _kernel_manager(folder: Path) -> KernelManager:
    """A kernel of this very interpreter, whatever kernelspecs the user has installed."""
    spec = folder / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "salessim tests", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    specs = KernelSpecManager(kernel_dirs=[str(folder / "kernels")])
    return KernelManager(kernel_name=KERNEL, kernel_spec_manager=specs)


def _execute(path: Path, folder: Path) -> Any:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        km=_kernel_manager(folder),
        timeout=CELL_TIMEOUT_SECONDS,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    return nb


def _text(cell: Any) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            parts.append(out["text"])
        elif "data" in out and "image/png" not in out["data"]:
            parts.append(out["data"].get("text/plain", ""))
    return "".join(parts)


def _pngs(cell: Any) -> int:
    return sum(1 for out in cell.get("outputs", []) if "image/png" in out.get("data", {}))


def test_every_notebook_has_checks() -> None:
    assert sorted(p.stem for p in _notebooks()) == sorted(CHECKS)


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: cell {cell.get('id')} has outputs"
            assert cell.execution_count is None, f"{path.name}: cell {cell.get('id')} was run"


def test_readme_links_every_notebook() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in _notebooks():
        assert f"(notebooks/{path.name})" in readme, path.name


@pytest.mark.slow
@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_notebook_runs_and_shows_its_results(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Kernel files and IPython's history go to the temporary folder, not the user's home.
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    nb = _execute(path, tmp_path)

    checks = CHECKS[path.stem]
    for tag, expected in checks.items():
        cells = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
        assert cells, f"{path.name}: no cell tagged {tag!r}"
        for cell in cells:
            text = _text(cell)
            pngs = expected.count("png")
            assert _pngs(cell) >= pngs, f"{path.name} [{tag}]: {_pngs(cell)} figures, want {pngs}"
            for pattern in (p for p in expected if p != "png"):
                assert re.search(pattern, text), f"{path.name} [{tag}]: no {pattern!r} in\n{text}"
