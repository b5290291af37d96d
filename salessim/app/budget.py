"""How much simulation work a request asks for, and the cap on any one request.

Work is counted in *units*: one unit is about the work of one replication of the bundled
baseline (three reported years, 8 AEs, ~240 leads a month; ~0.3 s of one core). A replication's
cost grows with simulated days and, per day, with the number of reps and of leads, as measured
on the model (``benchmarks/bench.py`` measures the baseline itself).
"""

from __future__ import annotations

from collections.abc import Sequence

from salessim.config import Scenario
from salessim.errors import SalessimError

MAX_WORK_UNITS = 150.0
"""The most work one request (one press of Run) may ask for: ~20 s on a 2-core laptop."""
MAX_REPLICATIONS = 50
MAX_SWEEP_POINTS = 9

# Seconds per replication ≈ days / 819 × (fixed + per rep × reps + per lead × leads a month),
# fitted on runs of the baseline with 1 to 100 AEs and 0.3× to 10× its lead volume.
_REFERENCE_DAYS = 819.0
_FIXED = 0.05
_PER_REP = 0.028
_PER_MONTHLY_LEAD = 0.00015
_BASELINE_SECONDS = _FIXED + _PER_REP * 8 + _PER_MONTHLY_LEAD * 240


class WorkLimitError(SalessimError):
    """A request asks for more simulation work than one request may use."""


def replication_work(scenario: Scenario) -> float:
    """Estimated work of one replication of `scenario`, in baseline-replication units."""
    reps = (
        scenario.aes.count
        + sum(hire.count for hire in scenario.aes.hiring_plan)
        + scenario.sdrs.count
    )
    leads = scenario.lead_volume_multiplier * sum(
        source.monthly_volume * source.volume_multiplier * _mean(source.seasonality)
        for source in scenario.lead_sources
    )
    seconds = _FIXED + _PER_REP * reps + _PER_MONTHLY_LEAD * leads
    return scenario.calendar.horizon_days / _REFERENCE_DAYS * seconds / _BASELINE_SECONDS


def request_work(scenarios: Sequence[Scenario], replications: int) -> float:
    """Estimated work of `replications` replications of every scenario."""
    return replications * sum(replication_work(sc) for sc in scenarios)


def check_work(
    scenarios: Sequence[Scenario], replications: int, limit: float = MAX_WORK_UNITS
) -> float:
    """Return the request's work, or raise WorkLimitError saying how to bring it under `limit`."""
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise WorkLimitError(
            f"replications must be between 1 and {MAX_REPLICATIONS} (got {replications})"
        )
    work = request_work(scenarios, replications)
    if work > limit:
        what = "scenario" if len(scenarios) == 1 else f"{len(scenarios)} scenarios or values"
        raise WorkLimitError(
            f"This run is too big: about {work:,.0f} units of simulation work (one unit is one "
            f"replication of the baseline scenario), and one run may use at most {limit:,.0f}. "
            f"Use fewer replications (now {replications} of each {what}), a shorter simulated "
            "time, fewer sweep values or a smaller team."
        )
    return work


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 1.0
