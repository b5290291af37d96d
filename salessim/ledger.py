"""Flat counters collected during a run: one value per working day, plus weekly snapshots.

Everything the results report is computed afterwards from these arrays; the model only adds.
"""

from __future__ import annotations

from salessim.entities import ACTIVITIES, LEAD_FATES, LOSS_REASONS, ORIGINS

DAILY_COUNTERS: tuple[str, ...] = (
    "leads_arrived",
    "leads_arrived_fit",
    "leads_incremental",
    *(f"leads_{fate}" for fate in LEAD_FATES),
    "leads_first_attempt",
    "leads_abandoned",
    "response_hours_sum",
    "lead_attempts",
    "marketing_cost",
    *(f"opps_{origin}" for origin in ORIGINS),
    "wins",
    "bookings",
    # Bookings of deals created after their quarter's forecast call and won in that quarter:
    # the in-quarter business no call can see in the pipeline, forecast as a run-rate.
    "bookings_after_call",
    "list_value_won",
    "discount_given",
    "gross_profit",
    "deals_rushed",
    *(f"losses_{reason}" for reason in LOSS_REASONS),
    "deals_closed_forecast_stage",
    "forecast_stage_wins",
    "forecast_stage_losses",
    "forecast_stage_no_decision",
    *(f"ae_hours_{act}" for act in ACTIVITIES),
    "ae_hours_available",
    *(f"sdr_hours_{act}" for act in ACTIVITIES),
    "sdr_hours_available",
    "ae_salary_cost",
    "sdr_salary_cost",
    "commission",
    "ae_headcount",
    "sdr_headcount",
    "open_deal_days",
    "won_deal_days",
)

WEEKLY_SNAPSHOTS: tuple[str, ...] = (
    "pipeline_count",
    "pipeline_value",
    "weighted_pipeline",
    "coverage",
    "weighted_forecast",
    "weighted_forecast_next",
    "lead_queue",
    "management_push",
    "management_focus",
)

FORECAST_CATEGORIES: tuple[str, ...] = ("commit", "best_case", "pipeline")
"""The forecast call's categories of open deals, from the latest stages to the earliest."""
FORECAST_PARTS: tuple[str, ...] = ("closed", *FORECAST_CATEGORIES, "run_rate")
"""What a quarter's forecast adds up: booked before the call, each category, the run-rate."""


class Ledger:
    """Daily counters and weekly snapshots of one run."""

    def __init__(self, days: int) -> None:
        self.days = days
        self.daily: dict[str, list[float]] = {name: [0.0] * days for name in DAILY_COUNTERS}
        self.weekly: dict[str, list[float]] = {name: [] for name in WEEKLY_SNAPSHOTS}
        self.seat_pipeline: list[list[int]] = []
        self.quarter_forecast: dict[int, dict[str, float]] = {}

    def add_counters(self, names: tuple[str, ...]) -> None:
        """Extra daily counters named by the scenario (e.g. per lead source)."""
        for name in names:
            self.daily.setdefault(name, [0.0] * self.days)

    def add(self, name: str, now: float, amount: float = 1.0) -> None:
        """Add `amount` to counter `name` on the day containing time `now`."""
        day = int(now)
        counter = self.daily[name]
        if day >= self.days:
            day = self.days - 1
        # `c[day] = c[day] + x`: a float add in the compiled build (`+=` is a generic one).
        counter[day] = counter[day] + amount
