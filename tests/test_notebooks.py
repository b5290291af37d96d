"""The notebooks run top to bottom in a fresh kernel and show what they promise; git holds them
without outputs, and the README links each one.

Each notebook is executed with nbclient in a kernel started from this interpreter (so it sees
the same installed salessim), in a temporary folder, with each cell under a timeout; any cell
error fails the test. The cells a reader relies on are found by their tags and checked for their
figure or their computed text. Notebooks 02 and 03 take the scenarios they compare from one
cell tagged ``parameters`` (papermill-style): notebook 02 is also run on a user's own files.
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

from salessim.scenario_files import bundled_scenarios

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CELL_TIMEOUT_SECONDS = 600  # each notebook runs in well under a minute on 2 cores
KERNEL = "salessim-tests"
# Notebooks whose scenarios are named once, in the cell tagged "parameters", and nowhere after it.
PARAMETERISED = ["02_more_leads_fewer_sales", "03_teleprospecting_vs_own_calling"]
# The classroom notebook runs its six exercises (160 replications at its 10 runs a set-up) with
# 4 runs a set-up here: the same code, a shorter suite. Its checks are the verdicts' wording.
RUN_WITH = {"04_classroom_exercises": "FULL = False\nN = 4\nSEED = 2026\nWORKERS = None"}

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


def _execute(path: Path, folder: Path, parameters: str | None = None) -> Any:
    """Run a notebook in ``folder``; ``parameters`` replaces its ``parameters`` cell's source."""
    nb = nbformat.read(path, as_version=4)
    if parameters is not None:
        cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(cells) == 1, f"{path.name}: {len(cells)} cells tagged 'parameters', want 1"
        cells[0].source = parameters
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


def _check(nb: Any, name: str, checks: dict[str, list[str]]) -> None:
    """Each tagged cell shows at least its figures and matches each of its text patterns."""
    for tag, expected in checks.items():
        cells = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
        assert cells, f"{name}: no cell tagged {tag!r}"
        for cell in cells:
            text = _text(cell)
            pngs = expected.count("png")
            assert _pngs(cell) >= pngs, f"{name} [{tag}]: {_pngs(cell)} figures, want {pngs}"
            for pattern in (p for p in expected if p != "png"):
                assert re.search(pattern, text), f"{name} [{tag}]: no {pattern!r} in\n{text}"


def _isolate_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kernel files and IPython's history go to the temporary folder, not the user's home."""
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))


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


@pytest.mark.parametrize("stem", PARAMETERISED)
def test_scenarios_are_named_only_in_the_parameters_cell(stem: str) -> None:
    nb = nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4)
    tagged = [k for k, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{stem}: {len(tagged)} cells tagged 'parameters', want 1"
    first_code = next(k for k, c in enumerate(nb.cells) if c.cell_type == "code")
    assert tagged == [first_code], f"{stem}: the parameters cell is not the first code cell"
    names = "|".join(re.escape(name) for name, _ in bundled_scenarios())
    quoted = re.compile(rf"""["'`]({names})(\.yaml)?["'`]""")
    for cell in nb.cells[first_code + 1 :]:
        hit = quoted.search(cell.source)
        assert hit is None, f"{stem}: cell {cell.id} names the bundled scenario {hit[1]!r}"


def test_readme_links_every_notebook() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in _notebooks():
        assert f"(notebooks/{path.name})" in readme, path.name


@pytest.mark.slow
@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_notebook_runs_and_shows_its_results(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _isolate_kernel(tmp_path, monkeypatch)
    nb = _execute(path, tmp_path, RUN_WITH.get(path.stem))
    _check(nb, path.name, CHECKS[path.stem])


@pytest.mark.slow
def test_more_leads_notebook_runs_on_the_users_own_scenarios(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Today's team of nine AEs, and a plan of 20% more leads for it: neither file is bundled.
    today = tmp_path / "team_of_nine.yaml"
    today.write_text("extends: baseline\nname: team_of_nine\naes:\n  count: 9\n", "utf-8")
    plan = tmp_path / "nine_more_leads.yaml"
    plan.write_text(
        "extends: team_of_nine.yaml\nname: nine_more_leads\nlead_volume_multiplier: 1.2\n", "utf-8"
    )
    parameters = "\n".join(
        [
            f"TODAY = {str(today)!r}",
            f"PLAN = {str(plan)!r}",
            'PLAN_LABEL = "the nine-AE leads plan"',
            "ALTERNATIVES = {}",
            "FULL = False",
            "SEED = 2026",
            "WORKERS = None",
        ]
    )
    _isolate_kernel(tmp_path, monkeypatch)
    nb = _execute(NOTEBOOKS / "02_more_leads_fewer_sales.ipynb", tmp_path, parameters)

    checks = CHECKS["02_more_leads_fewer_sales"]
    label = r"[Tt]he\s+nine-AE\s+leads\s+plan"
    verdict = rf"Do\s+not\s+fund\s+{label}|{label}\s+(pays|does\s+not\s+pay)"
    _check(
        nb,
        "02 on the user's scenarios",
        {
            "plan-table": checks["plan-table"],
            "why": ["png", r"(?s)'nine_more_leads'.*'team_of_nine'"],
            "sweep": checks["sweep"],
            "tipping-point": checks["tipping-point"],
            "alternatives-table": [r"today's team\s+\$", rf"{label}\s+\$"],
            "alternatives-chart": ["png"],
            "comparison": ["png"],
            "recommendation": [r"^Recommendation: ", verdict],
        },
    )
    shown = "".join(_text(cell) for cell in nb.cells)
    assert "team_of_nine" in shown and "nine_more_leads" in shown
    bundled = [name for name, _ in bundled_scenarios() if re.search(rf"\b{name}\b", shown)]
    assert not bundled, f"the outputs name bundled scenarios the user did not ask for: {bundled}"
