"""How much work a run asks for, estimated from the scenario alone, and the limits on it.

Work is counted in *units*: one unit is one replication of the bundled ``baseline`` scenario
(819 days, 8 AEs, ~240 leads a month, 2-hour prospecting blocks). A replication's CPU time
grows with three things the scenario fixes before it runs:

- rep-days: each rep (AEs and SDRs at the start, planned hires of both from their start day) runs a
  day loop of tasks every simulated day;
- leads: every lead over the horizon, with seasonality, overlapping campaigns and both volume
  multipliers (as the scenario's changes set them from their day on), is drawn, queued and
  called;
- prospecting blocks: a rep can sit down to prospect once per block of its selling hours, so
  short blocks mean many more steps.

Calibration: CPU seconds ≈ per rep-day × rep-days + per lead × leads + per block × blocks,
with the three costs fitted by non-negative least squares (on relative error) to the CPU time
of one-year replications of eighteen scenarios: the baseline with 1 to 100 AEs, 0 to 10 times
its lead volume, blocks of 0.25 to 8 hours, the bundled SDR and own-calling scenarios, and a
ten-year horizon. SimPy events counted alongside grow with rep-days and blocks but hardly with
leads (a day's leads arrive in one step), so time, not events, is what is fitted. The estimate
lies between 0.65 and 1.5 times the measured time for every one of them (large teams cost a
little more per rep-day than small ones), and the baseline comes out at one unit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from salessim.config import Scenario
from salessim.errors import SalessimError
from salessim.leads import daily_rate
from salessim.scenario_files import scenario_timeline

MAX_REPLICATION_WORK = 50.0
"""The most work one replication may ask for unless raised: about a minute of one core."""
MAX_TOTAL_WORK = 2000.0
"""The most work one command may ask for unless raised: replications × scenarios or values."""

# CPU seconds of one rep-day, one lead and one potential prospecting block (see above).
_SECONDS_PER_REP_DAY = 4.68e-5
_SECONDS_PER_LEAD = 2.01e-5
_SECONDS_PER_BLOCK = 8.84e-6
# The baseline: 8 AEs × 819 days, 9,360 leads, 6 selling hours a day in 2-hour blocks.
_BASELINE_SECONDS = (
    _SECONDS_PER_REP_DAY * 6552 + _SECONDS_PER_LEAD * 9360 + _SECONDS_PER_BLOCK * 19656
)


class WorkLimitError(SalessimError):
    """A run asks for more work than its limit; the message says how to raise the limit."""


def estimate(scenario: Scenario) -> float:
    """Estimated work of one replication of ``scenario``, in baseline replications."""
    days = scenario.calendar.horizon_days
    ae_days = scenario.aes.count * days + sum(
        hire.count * max(0, days - hire.day) for hire in scenario.aes.hiring_plan
    )
    sdr_days = scenario.sdrs.count * days + sum(
        hire.count * max(0, days - hire.day) for hire in scenario.sdrs.hiring_plan
    )
    rep_days = ae_days + sdr_days
    # Changes may set lead volumes, non-selling shares and block lengths from their day on.
    periods = [(0, scenario), *((d, sc) for d, sc in scenario_timeline(scenario) if d < days)]
    ends = [day for day, _ in periods[1:]] + [days]
    leads = sum(
        sum(daily_rate(source, day, sc.lead_volume_multiplier))
        for (start, sc), end in zip(periods, ends, strict=True)
        for source in sc.lead_sources
        for day in range(start, end)
    )
    # Prospecting blocks: the busiest of the scenarios in force (an upper bound).
    blocks = max(
        sc.calendar.hours_per_day
        * (
            ae_days * (1.0 - sc.aes.non_selling_share)
            + sdr_days * (1.0 - sc.sdrs.non_selling_share)
        )
        / sc.prospecting.block_hours
        for _, sc in periods
    )
    seconds = (
        _SECONDS_PER_REP_DAY * rep_days + _SECONDS_PER_LEAD * leads + _SECONDS_PER_BLOCK * blocks
    )
    return seconds / _BASELINE_SECONDS


def check(
    scenarios: Sequence[tuple[str, Scenario]],
    replications: int,
    max_work: float = MAX_REPLICATION_WORK,
    max_total_work: float = MAX_TOTAL_WORK,
) -> float:
    """Return the total work of ``replications`` of each named scenario, or raise
    WorkLimitError naming the scenario or total past its limit and the option that raises it."""
    total = 0.0
    for label, scenario in scenarios:
        work = estimate(scenario)
        if work > max_work:
            raise WorkLimitError(
                f"{label}: one replication is estimated at {work:,.1f} units of work (one unit "
                f"is one replication of the baseline scenario), more than the limit of "
                f"{max_work:,.0f}; run it anyway with --max-work {_raised(work)}"
            )
        total += work * replications
    if total > max_total_work:
        what = "scenario" if len(scenarios) == 1 else f"{len(scenarios)} scenarios or values"
        raise WorkLimitError(
            f"{replications} replications of the {what} are estimated at {total:,.0f} "
            f"units of work (one unit is one replication of the baseline scenario), more than "
            f"the limit of {max_total_work:,.0f}; use fewer replications or run it anyway with "
            f"--max-total-work {_raised(total)}"
        )
    return total


def _raised(work: float) -> str:
    """The smallest whole limit that lets ``work`` through."""
    return f"{math.ceil(work)}"
