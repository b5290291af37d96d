"""How much simulation work a request asks for, and the caps on any one request.

Work is counted in *units*: one unit is one replication of the bundled baseline (three reported
years, 8 AEs, ~240 leads a month). A replication's work is estimated from what the scenario
asks for — rep-days (planned hires included), every lead over the horizon (seasonality,
campaigns and volume multipliers included) and prospecting blocks — by the same estimator the
command line uses (:func:`salessim.workload.estimate`), so an uploaded file cannot look small
while asking for much.
"""

from __future__ import annotations

from collections.abc import Sequence

from salessim.config import Scenario
from salessim.errors import SalessimError
from salessim.workload import estimate

MAX_WORK_UNITS = 150.0
"""The most work one request (one press of Run) may ask for: a few minutes of one core."""
MAX_REPLICATION_UNITS = 10.0
"""The most work one replication may ask for. A replication runs in one worker, uncut, so this
also bounds how long another session may wait for a worker to come free."""
MAX_REPLICATIONS = 50
DEFAULT_REPLICATIONS = 10
"""Replications a run starts with on the app's pages (the slider's first value)."""
FIRST_ESTIMATE_REPLICATIONS = 3
"""Replications of every scenario (the same indices, so the comparison stays paired) after which
a page shows a first, provisional estimate; the pool runs every request's first ones before
anybody's later ones."""
MAX_SWEEP_POINTS = 9


class WorkLimitError(SalessimError):
    """A request asks for more simulation work than one request may use."""


def replication_work(scenario: Scenario) -> float:
    """Estimated work of one replication of `scenario`, in baseline-replication units."""
    return estimate(scenario)


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
    for scenario in scenarios:
        one = replication_work(scenario)
        if one > MAX_REPLICATION_UNITS:
            raise WorkLimitError(
                f"Scenario '{scenario.name}' is too big for the app: one replication is about "
                f"{one:,.1f} units of simulation work (one unit is one replication of the "
                f"baseline scenario), and one replication may use at most "
                f"{MAX_REPLICATION_UNITS:,.0f}. Use a smaller team, fewer leads or a shorter "
                "simulated time, or run it with the salessim command."
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
