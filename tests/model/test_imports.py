"""Import cost: the model core loads neither scipy nor matplotlib.

A worker process that runs replications imports the model and ``salessim.experiments`` (its
task function); statistics that need scipy and plots that need matplotlib are loaded only where
they are used.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("scipy", "matplotlib")


@pytest.mark.parametrize("module", ["salessim", "salessim.model", "salessim.experiments"])
def test_importing_the_model_loads_neither_scipy_nor_matplotlib(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules if m.startswith({HEAVY!r})}}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]", f"import {module} loaded {out.stdout.strip()}"
