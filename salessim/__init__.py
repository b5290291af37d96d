"""salessim: a discrete-event simulation of B2B sales capacity (SimPy).

The names below are imported on first use, so ``import salessim`` (and the ``salessim``
command's start-up, which imports the package first) costs almost nothing.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from salessim.config import Scenario
    from salessim.model import SalesModel, run
    from salessim.results import RunResult

__all__ = ["RunResult", "SalesModel", "Scenario", "engine", "run"]
__version__ = "0.1.0"

_HOMES = {
    "RunResult": "salessim.results",
    "SalesModel": "salessim.model",
    "Scenario": "salessim.config",
    "run": "salessim.model",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'salessim' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


def engine() -> str:
    """The simulation build installed: "compiled" (the hot modules built with mypyc, about three
    times as fast) or "pure Python" (the same results). Looked up without importing them."""
    spec = importlib.util.find_spec("salessim.reps")
    origin = spec.origin if spec is not None else None
    return "pure Python" if origin is None or origin.endswith(".py") else "compiled"
