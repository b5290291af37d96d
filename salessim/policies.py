"""How a free rep picks the next task. One small interface; a new policy is one class."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from salessim.config import Policy as PolicyConfig
from salessim.entities import Task

if TYPE_CHECKING:
    from salessim.reps import Rep


class RepPolicy(ABC):
    """Base policy: subclasses order the three kinds of work a rep can do."""

    name: ClassVar[str] = ""

    def __init__(self, config: PolicyConfig) -> None:
        self.config = config

    def start_day(self, rep: Rep) -> None:  # noqa: B027 - optional hook, most need none
        """Called at the start of each of the rep's working days."""

    @abstractmethod
    def choose(self, rep: Rep, now: float, hours_left: float) -> Task | None:
        """The next task, or None to wait (idle) until something changes."""


class CloserFirst(RepPolicy):
    """Deal work first, then leads, then prospecting only when the pipeline runs low.

    Reps paid to close prospect only when they have nothing to close ("Sales Prospecting: Who's
    Helping Your Sales Team?", Chris Lang): prospecting switches on below a low mark of open
    deals and off above a high mark, except for a daily floor of calling if the scenario sets
    one (`prospecting_share_above_mark`). A response SLA, if set, puts a lead that has waited too
    long ahead of deal work.
    """

    name = "closer_first"

    def choose(self, rep: Rep, now: float, hours_left: float) -> Task | None:
        return (
            rep.overdue_lead_task(now, hours_left)
            or rep.deal_task(now)
            or rep.lead_task(now, hours_left)
            or rep.pipeline_prospect_task(now, hours_left)
        )


class LeadFirst(RepPolicy):
    """New leads first (a respond-fast SLA), then deals, then prospecting as closer_first."""

    name = "lead_first"

    def choose(self, rep: Rep, now: float, hours_left: float) -> Task | None:
        return (
            rep.lead_task(now, hours_left)
            or rep.deal_task(now)
            or rep.pipeline_prospect_task(now, hours_left)
        )


class TimeBlocked(CloserFirst):
    """A fixed block of each day for prospecting, whatever the pipeline; otherwise closer_first."""

    name = "time_blocked"

    def start_day(self, rep: Rep) -> None:
        rep.block_hours_left = self.config.daily_prospecting_hours * rep.productivity

    def choose(self, rep: Rep, now: float, hours_left: float) -> Task | None:
        if rep.block_hours_left > 1e-9:
            task = rep.prospect_task(now, min(hours_left, rep.block_hours_left))
            if task is not None:
                return task
            rep.block_hours_left = 0.0  # territory rested out: the block's hours go to selling
        return super().choose(rep, now, hours_left)


class SDRPolicy(RepPolicy):
    """SDRs work the lead queue first and prospect whenever it is empty."""

    name = "sdr"

    def choose(self, rep: Rep, now: float, hours_left: float) -> Task | None:
        return rep.lead_task(now, hours_left) or rep.prospect_task(now, hours_left)


POLICIES: dict[str, type[RepPolicy]] = {
    cls.name: cls for cls in (CloserFirst, LeadFirst, TimeBlocked)
}


def make_policy(config: PolicyConfig) -> RepPolicy:
    """The AE policy the scenario names."""
    return POLICIES[config.name](config)
