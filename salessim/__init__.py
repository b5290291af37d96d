"""salessim: a discrete-event simulation of B2B sales capacity (SimPy)."""

from salessim.config import Scenario
from salessim.model import SalesModel, run
from salessim.results import RunResult

__all__ = ["RunResult", "SalesModel", "Scenario", "run"]
__version__ = "0.1.0"
