"""The things that move through the model: leads, deals and units of rep work."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from salessim.agenda import Timed

if TYPE_CHECKING:
    from salessim.reps import Rep

# Lead fates. A lead ends in exactly one of these, or is still queued when the run ends.
FATE_FILTERED: Final = "filtered"  # dropped by lead scoring before sales saw it
FATE_EXPIRED: Final = "expired"  # never worked before it aged out of the queue
FATE_UNREACHED: Final = "unreached"  # attempts used up without a conversation
FATE_DISQUALIFIED: Final = "disqualified"  # reached: a suspect, no project/budget/timing
FATE_COLD: Final = "cold"  # reached, a fit, but interest had gone (slow response)
FATE_NO_OPPORTUNITY: Final = "no_opportunity"  # reached, a fit, not ready for a deal now
FATE_CONVERTED: Final = "converted"  # became an opportunity
LEAD_FATES: Final = (
    FATE_FILTERED,
    FATE_EXPIRED,
    FATE_UNREACHED,
    FATE_DISQUALIFIED,
    FATE_COLD,
    FATE_NO_OPPORTUNITY,
    FATE_CONVERTED,
)

# Where an opportunity came from.
ORIGIN_MARKETING: Final = "marketing"  # a marketing lead qualified by an AE
ORIGIN_SDR_INBOUND: Final = "sdr_inbound"  # a marketing lead qualified by an SDR
ORIGIN_AE_PROSPECTING: Final = "ae_prospecting"
ORIGIN_SDR_PROSPECTING: Final = "sdr_prospecting"
ORIGINS: Final = (
    ORIGIN_MARKETING,
    ORIGIN_SDR_INBOUND,
    ORIGIN_AE_PROSPECTING,
    ORIGIN_SDR_PROSPECTING,
)
# A deal of the pipeline a run starts from: open before day 0, so no new opportunity.
ORIGIN_INITIAL: Final = "initial_pipeline"

# Why a deal was lost.
LOSS_COMPETITOR: Final = "competitor"
LOSS_NO_DECISION: Final = "no_decision"
LOSS_NEGLECT: Final = "neglect"
LOSS_DISQUALIFIED: Final = "disqualified"
LOSS_REASONS: Final = (LOSS_COMPETITOR, LOSS_NO_DECISION, LOSS_NEGLECT, LOSS_DISQUALIFIED)

# Rep activities: every rep hour is booked to exactly one.
ACT_PROSPECTING: Final = "prospecting"
ACT_QUALIFYING: Final = "qualifying"
ACT_DEAL_WORK: Final = "deal_work"
ACT_NON_SELLING: Final = "non_selling"
ACT_IDLE: Final = "idle"
ACTIVITIES: Final = (ACT_PROSPECTING, ACT_QUALIFYING, ACT_DEAL_WORK, ACT_NON_SELLING, ACT_IDLE)

# Deal phases.
PHASE_REP: Final = 0  # the deal waits for (or gets) its rep's stage work
PHASE_BUYER: Final = 1  # the buyer is doing their part; the rep owes touches
PHASE_WAITING_OWNER: Final = 2  # handed off, waiting for an AE to accept it
PHASE_CLOSED: Final = 3


class Lead(Timed):
    """A marketing lead: who it is (fit or suspect), when it came, and what became of it.

    In the compiled build a lead on its way to sales or due a retry waits in its queue's heap
    itself, until `at` (see :class:`salessim.leads.LeadQueue`)."""

    __slots__ = (
        "arrival",
        "attempts",
        "fate",
        "first_contact",
        "fit",
        "incremental",
        "score_high",
        "source",
    )

    def __init__(
        self, lead_id: int, source: int, arrival: float, fit: bool, incremental: bool
    ) -> None:
        self.id = lead_id
        self.source = source
        self.arrival = arrival
        self.fit = fit
        self.incremental = incremental
        self.score_high = fit
        self.attempts = 0
        self.first_contact = -1.0
        self.fate = ""

    def record(self, hours_per_day: float) -> dict[str, Any]:
        """A flat dict of this lead, for optional per-lead records."""
        return {
            "id": self.id,
            "source": self.source,
            "arrival_day": self.arrival,
            "fit": self.fit,
            "incremental": self.incremental,
            "attempts": self.attempts,
            "response_hours": (self.first_contact - self.arrival) * hours_per_day
            if self.first_contact >= 0
            else None,
            "fate": self.fate or "queued",
        }


class Deal:
    """An opportunity moving through stages on both the rep's and the buyer's clock."""

    __slots__ = (
        "buyer_factor",
        "closed_at",
        "created",
        "dice",
        "discount",
        "due",
        "expected_close",
        "history",
        "id",
        "last_touch",
        "lead_id",
        "list_value",
        "loss_at",
        "origin",
        "outcome",
        "owner",
        "phase",
        "reason",
        "rep_factor",
        "rushed",
        "segment",
        "slip",
        "stage",
        "token",
        "touch_due",
        "work_left",
        "z",
    )

    def __init__(
        self, deal_id: int, origin: str, segment: int, list_value: float, created: float
    ) -> None:
        self.id = deal_id
        self.origin = origin
        self.segment = segment
        self.list_value = list_value
        self.created = created
        self.owner: Rep | None = None
        self.stage = 0
        self.phase = PHASE_REP
        self.work_left = 0.0
        self.due = created
        self.loss_at = float("inf")
        self.last_touch = created
        self.touch_due = float("inf")
        self.token = 0
        self.rushed = False
        self.discount = 0.0
        self.rep_factor = 1.0
        self.buyer_factor = 1.0
        self.slip = 0.0
        # The deal's own random numbers, drawn when it is created: per stage a normal for the
        # buyer's days and uniforms for touch silence, drop-out, loss reason and neglect loss.
        # The k-th deal of an origin then behaves alike in two compared scenarios (CRN).
        self.dice: list[float] = []
        self.z: list[float] = []
        self.expected_close = created
        self.closed_at = -1.0
        self.outcome = ""
        self.reason = ""
        self.lead_id = 0  # the marketing lead it came from (0: from prospecting)
        # The day it entered each stage, kept only when per-deal records are asked for.
        self.history: list[float] | None = None

    @property
    def net_value(self) -> float:
        return self.list_value * (1.0 - self.discount)

    def record(self) -> dict[str, Any]:
        """A flat dict of this deal, for optional per-deal records."""
        return {
            "id": self.id,
            "origin": self.origin,
            "segment": self.segment,
            "created_day": self.created,
            "stage_reached": self.stage,
            "list_value": self.list_value,
            "discount": self.discount,
            "rushed": self.rushed,
            "outcome": self.outcome or "open",
            "reason": self.reason,
            "closed_day": self.closed_at if self.closed_at >= 0 else None,
            "lead_id": self.lead_id,
            "owner": self.owner.person if self.owner is not None and self.owner.is_ae else None,
            "stage_days": list(self.history) if self.history is not None else [],
        }


class Task:
    """A unit of rep work: an activity, the hours it still needs, and what it is about.

    A rep has one task at a time and keeps one task object, set afresh by :meth:`assign` for
    each task it chooses."""

    __slots__ = ("activity", "batch", "deal", "hours", "kind", "lead", "outcome")

    def __init__(self) -> None:
        self.assign(0, "", 0.0)

    def assign(
        self,
        kind: int,
        activity: str,
        hours: float,
        deal: Deal | None = None,
        lead: Lead | None = None,
        outcome: str = "",
        batch: list[Deal] | None = None,
    ) -> Task:
        """Set every field as a new task has them (the TASK_* kind and its activity, the hours
        it needs, what it is about); returns the task."""
        self.kind = kind
        self.batch = batch
        self.activity = activity
        self.hours = hours
        self.deal = deal
        self.lead = lead
        self.outcome = outcome
        return self


TASK_STAGE_WORK: Final = 0
TASK_TOUCH: Final = 1
TASK_LEAD: Final = 2
TASK_PROSPECT: Final = 3
KIND_ACTIVITY: Final = (ACT_DEAL_WORK, ACT_DEAL_WORK, ACT_QUALIFYING, ACT_PROSPECTING)
"""The activity a task of each kind (TASK_* number) books its hours to."""
