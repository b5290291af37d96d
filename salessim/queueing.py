"""The lead queue as an M/M/c queue: the degenerate scenario and Erlang C's answer for it.

With c always-available AEs (no non-selling time, ramped, no attrition, no prospecting, no
deals since every lead is a suspect), Poisson lead arrivals (a Poisson count per working day
with uniform times within the day is a Poisson process), one connected call per lead (connect
probability 1, attempts of 0 minutes) and an exponential conversation (CV 1), the marketing
lead queue is an M/M/c queue. The validation tests check it against Erlang C, and the
benchmark times it against a plain SimPy ``Resource`` model of the same queue.
"""

from __future__ import annotations

import math

from salessim.config import DAYS_PER_MONTH, Qualification, Scenario

# The longest expiry a scenario accepts (working days): the degenerate queue uses it so that
# nobody gives up waiting (at any stable load nobody waits that long).
MAX_EXPIRY_DAYS = float(
    next(m.le for m in Qualification.model_fields["expiry_days"].metadata if hasattr(m, "le"))
)


def erlang_c(servers: int, arrival_rate: float, service_rate: float) -> tuple[float, float]:
    """Erlang C for an M/M/c queue: (probability an arrival waits, mean wait in queue W_q),
    W_q in the time unit of the rates (λ = `arrival_rate`, μ = `service_rate` per server)."""
    a = arrival_rate / service_rate  # offered load in Erlangs
    if not 0.0 < a < servers:
        raise ValueError(f"an M/M/{servers} queue with offered load {a:g} is not stable")
    tail = a**servers / math.factorial(servers) * servers / (servers - a)
    p_wait = tail / (sum(a**k / math.factorial(k) for k in range(servers)) + tail)
    return p_wait, p_wait / (servers * service_rate - arrival_rate)


def mmc_lead_scenario(
    servers: int,
    arrivals_per_hour: float,
    service_hours: float,
    days: int,
    warmup_days: int,
    hours_per_day: float = 8.0,
) -> Scenario:
    """The degenerate scenario whose shared lead queue is an M/M/`servers` queue: Poisson lead
    arrivals at `arrivals_per_hour` per working hour, exponential conversations of mean
    `service_hours`, `days` reported working days after `warmup_days` of warm-up. Leads expire
    only after the longest expiry a scenario accepts (no one waits that long when ρ < 1)."""
    horizon = days + warmup_days
    return Scenario.model_validate(
        {
            "name": "mmc_leads",
            "calendar": {
                "hours_per_day": hours_per_day,
                "horizon_days": horizon,
                "warmup_days": warmup_days,
            },
            "lead_sources": [
                {
                    "name": "poisson",
                    "monthly_volume": arrivals_per_hour * hours_per_day * DAYS_PER_MONTH,
                    "seasonality": [1.0] * 12,
                    "fit_share": 0.0,  # suspects only: no opportunities, no deal work
                    "cost_per_lead": 0.0,
                    "routing_delay_hours": 0.0,
                    "response_decay": [{"hours": 0.0, "multiplier": 1.0}],
                }
            ],
            "qualification": {
                "attempt_minutes": 0.0,
                "connect_probability": 1.0,
                "max_attempts": 1,
                "conversation_hours": service_hours,
                "conversation_cv": 1.0,  # exponential service
                "queue_discipline": "fifo",
                "ae_lead_routing": "shared",  # one queue, c servers
                "expiry_days": min(float(horizon), MAX_EXPIRY_DAYS),
            },
            "prospecting": {"dials_per_hour": 0.0},
            "aes": {
                "count": servers,
                "non_selling_share": 0.0,
                "start_ramped": True,
                "attrition_per_year": 0.0,
            },
        }
    )
