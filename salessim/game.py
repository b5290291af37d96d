"""The workshop game: teams run the same company quarter by quarter, each with its own decisions.

Before each round (a quarter of 63 working days after the exercise's warm-up) every team sets
its levers: lead budget, AE and SDR hires within a headcount budget, lead scoring, how AEs pick
their next task and their daily calling block, and a response rule. A team's game so far is the
exercise plus its decisions written as ``changes:`` on each round's first working day and its
hires as hiring-plan entries on that day, so the round is simulated from day 0 with the game's
seed: every team meets the same luck (common random numbers) and each quarter continues from the
state the previous one left, because a decision taken on day D changes nothing before day D.

Simulation goes through a caller-supplied :data:`Runner` (the web app's process pool) or the
library's own (:func:`library_runner`); results are plain JSON-ready dicts (:class:`TeamRound`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypedDict

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from salessim.config import DAYS_PER_QUARTER, Scenario
from salessim.entities import ACTIVITIES
from salessim.errors import SalessimError
from salessim.experiments import run_scenarios
from salessim.scenario_files import scenario_timeline, scenario_with
from salessim.statistics import t_interval

MAX_HIRES_PER_ROUND = 10
"""AEs (and, separately, SDRs) a team may hire in one round."""
MAX_LEAD_VOLUME = 3.0
"""The largest lead budget: three times each source's usual monthly volume."""
HOUSE_TEAM = "House"
"""The reference team: it plays the exercise unchanged, round after round."""
DEFAULT_REPLICATIONS = 6
"""Replications per team per round. One quarter's profit difference between two teams still
varies from seed to seed by about $70k-$100k (standard deviation, workshop_game's second round,
seed 2026) against effects of $10k-$50k, so a single run would rank teams by luck; six common
seeds bring that to about $30k-$40k, while the last of four rounds (30 teams and the house, 0.16
to 0.2 CPU-seconds per replication) stays near 30-35 s of CPU, 15-18 s on two cores."""

Runner = Callable[[Sequence[Scenario], int, int], list[list[dict[str, Any]]]]
"""Runs replications 0..n-1 of each scenario from a master seed, as
:func:`salessim.experiments.run_scenarios` does: ``runner(scenarios, n, seed)`` returns, per
scenario, one dict per replication as :func:`salessim.experiments.run_replication` makes. The
web app's pool fits: ``lambda s, n, seed: pool.submit(s, n, seed, series=False).result()``."""

Policy = Literal["closer_first", "lead_first", "time_blocked"]


class GameError(SalessimError):
    """A game set up or played against its rules (one line naming the field and the rule)."""


def one_line_error(exc: ValidationError, where: str) -> GameError:
    """The first pydantic error as one line: ``where.field: rule (got value)`` (a rule across
    fields: ``where: rule``)."""
    error = exc.errors()[0]
    path = ".".join(str(part) for part in (where, *error["loc"]) if part != "")
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "value_error":
        return GameError(f"{path}: {message}")
    return GameError(f"{path}: {message} (got {error.get('input')!r})")


class Decisions(BaseModel):
    """One team's levers for one round; validated strictly, every field bounded."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    lead_volume_multiplier: float = Field(
        1.0,
        ge=0.0,
        le=MAX_LEAD_VOLUME,
        description="marketing lead budget: each source's usual volume × this (1.3 = 30% more "
        "leads, of lower fit and higher cost beyond ×1)",
    )
    ae_hires: int = Field(
        0, ge=0, le=MAX_HIRES_PER_ROUND, description="AEs who start, unramped, this round"
    )
    sdr_hires: int = Field(
        0, ge=0, le=MAX_HIRES_PER_ROUND, description="SDRs who start, unramped, this round"
    )
    lead_scoring: bool = Field(False, description="lead scoring drops most suspects first")
    policy: Policy = Field(
        "closer_first",
        description="how AEs pick their next task: closer_first (deals, then leads, prospect "
        "when the pipeline runs low), lead_first (new leads first), time_blocked (a daily "
        "calling block, then as closer_first)",
    )
    calling_block_hours: float = Field(
        1.5, ge=0.5, le=4.0, description="with time_blocked: hours of calling each AE's day"
    )
    response_rule_hours: float | None = Field(
        None,
        gt=0.0,
        le=48.0,
        description="a lead waiting longer than this for its first call goes before deal work "
        "(none: no rule)",
    )

    @classmethod
    def read(cls, data: Mapping[str, Any], where: str = "decisions") -> Decisions:
        """Validate a mapping (a form, JSON); a bad value is a one-line :class:`GameError`."""
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise one_line_error(exc, where) from None

    @classmethod
    def of(cls, scenario: Scenario) -> Decisions:
        """The levers as a scenario already sets them, with no hires (the house's play)."""
        policy = scenario.aes.policy
        hours = policy.daily_prospecting_hours
        return cls.read(
            {
                "lead_volume_multiplier": float(scenario.lead_volume_multiplier),
                "lead_scoring": scenario.lead_filter.enabled,
                "policy": policy.name,
                "calling_block_hours": float(hours) if hours > 0 else 1.5,
                "response_rule_hours": policy.response_sla_hours,
            },
            where="exercise",
        )

    def settings(self) -> dict[str, object]:
        """The scenario fields these decisions set, by path (the calling block only with the
        time-blocked policy, the one that reads it)."""
        out: dict[str, object] = {
            "lead_volume_multiplier": self.lead_volume_multiplier,
            "lead_filter.enabled": self.lead_scoring,
            "aes.policy.name": self.policy,
            "aes.policy.response_sla_hours": self.response_rule_hours,
        }
        if self.policy == "time_blocked":
            out["aes.policy.daily_prospecting_hours"] = self.calling_block_hours
        return out

    @property
    def hires(self) -> int:
        return self.ae_hires + self.sdr_hires


class GameSetup(BaseModel):
    """What the trainer chose: the exercise, the rounds, the hiring budget and the luck."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    exercise: Scenario = Field(description="the company every team starts from")
    rounds: int = Field(4, ge=1, le=12, description="quarters played")
    headcount_budget: int = Field(
        4, ge=0, le=100, description="AEs and SDRs a team may hire over the whole game"
    )
    replications: int = Field(
        DEFAULT_REPLICATIONS, ge=1, le=100, description="common seeds averaged per round"
    )
    seed: int = Field(0, ge=0, description="master seed: the same luck for every team")

    @model_validator(mode="after")
    def _playable(self) -> GameSetup:
        first = self.first_day
        end = first + self.rounds * DAYS_PER_QUARTER
        late = [c.at_day for c in self.exercise.changes if first <= c.at_day < end]
        if late:
            raise ValueError(
                f"exercise.changes: a change on day {late[0]} falls inside the rounds (days "
                f"{first} to {end - 1}); there the teams' decisions are the plan"
            )
        try:
            Decisions.of(self.start)
        except GameError as exc:
            raise ValueError(str(exc)) from None
        return self

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> GameSetup:
        """Validate a setup; a bad value is a one-line :class:`GameError`."""
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise one_line_error(exc, "game") from None

    @property
    def first_day(self) -> int:
        """Round 1's first working day: the first quarter boundary after the warm-up (day 63
        at the earliest, so every team's decisions are a change on a working day)."""
        quarters = max(1, math.ceil(self.exercise.calendar.warmup_days / DAYS_PER_QUARTER))
        return quarters * DAYS_PER_QUARTER

    def days(self, round_: int) -> tuple[int, int]:
        """First working day of a round (1-based) and the first day after it."""
        if not 1 <= round_ <= self.rounds:
            raise GameError(f"round: must be 1 to {self.rounds} (got {round_})")
        start = self.first_day + (round_ - 1) * DAYS_PER_QUARTER
        return start, start + DAYS_PER_QUARTER

    @property
    def start(self) -> Scenario:
        """The exercise as it stands when round 1 begins (its own changes before then applied;
        those after the last round fall outside every round's run)."""
        earlier = [
            scenario for day, scenario in scenario_timeline(self.exercise) if day < self.first_day
        ]
        return earlier[-1] if earlier else self.exercise

    def reference(self) -> Decisions:
        """The house's decisions each round: the exercise's own levers, no hires."""
        return Decisions.of(self.start)


def check_history(setup: GameSetup, history: Sequence[Decisions], team: str = "team") -> None:
    """Refuse a team's decisions that break the game's rules: more rounds than the game has,
    or hires beyond the headcount budget (one-line :class:`GameError` naming the round)."""
    if len(history) > setup.rounds:
        raise GameError(f"{team}: decisions for {len(history)} rounds; the game has {setup.rounds}")
    hired = 0
    for k, decisions in enumerate(history, start=1):
        hired += decisions.hires
        if hired > setup.headcount_budget:
            raise GameError(
                f"{team}.round {k}.ae_hires + sdr_hires: hires beyond the headcount budget: "
                f"{hired} hired by round {k}, at most {setup.headcount_budget} in the game "
                f"(got {decisions.ae_hires} AEs and {decisions.sdr_hires} SDRs this round)"
            )


def team_scenario(
    setup: GameSetup,
    history: Sequence[Decisions],
    name: str = "team",
    *,
    whole_game: bool = False,
) -> Scenario:
    """A team's game through round ``len(history)`` as one scenario, reporting that round.

    Each round's decisions are a change on its first day setting only the fields that differ
    from those in force (a round that changes nothing adds no change, so the house's scenario
    is the exercise itself); hires join the hiring plans on that day. The horizon ends with the
    round and the warm-up covers everything before it, so the run's totals are the round's;
    with `whole_game` the exercise's own warm-up stays, and the totals cover every round.
    """
    if not history:
        raise GameError(f"{name}: no decisions to play")
    check_history(setup, history, name)
    start = setup.start
    in_force = setup.reference().settings()
    changes = [
        c.model_dump(mode="json") for c in setup.exercise.changes if c.at_day < setup.first_day
    ]
    ae_plan = [h.model_dump(mode="json") for h in start.aes.hiring_plan]
    sdr_plan = [h.model_dump(mode="json") for h in start.sdrs.hiring_plan]
    for k, decisions in enumerate(history, start=1):
        day, _ = setup.days(k)
        wanted = decisions.settings()
        changed = {path: value for path, value in wanted.items() if in_force.get(path) != value}
        if changed:
            changes.append({"at_day": day, "set": changed})
            in_force.update(changed)
        if decisions.ae_hires:
            ae_plan.append({"day": day, "count": decisions.ae_hires})
        if decisions.sdr_hires:
            sdr_plan.append({"day": day, "count": decisions.sdr_hires})
    first, end = setup.days(len(history))
    try:
        return scenario_with(
            setup.exercise,
            {
                "name": name,
                "calendar.horizon_days": end,
                "calendar.warmup_days": (
                    setup.exercise.calendar.warmup_days if whole_game else first
                ),
                "aes.hiring_plan": ae_plan,
                "sdrs.hiring_plan": sdr_plan,
                "changes": changes,
            },
        )
    except SalessimError as exc:
        raise GameError(f"{name}: {exc}") from None


def round_scenario(setup: GameSetup, history: Sequence[Decisions], team: str = "team") -> Scenario:
    """The scenario a team's latest round is simulated as: :func:`team_scenario` named after
    the round rather than the team, so that two teams (or a round simulated when a team submits
    and again when the trainer closes it) with the same decisions ask for the same runs."""
    scenario = team_scenario(setup, history, team)
    return scenario.model_copy(update={"name": f"round {len(history)}"})


class TeamRound(TypedDict):
    """One team's round: its decisions and the means over the game's replications.

    Money in $ over the round, a P&L: ``profit`` is ``gross_profit`` (bookings less the cost of
    what was sold) less ``cost``, itself marketing, salaries and commission; the forecast is
    the one called in the round's quarter, ``forecast_error_share`` its mean absolute miss as a
    share of bookings; hours shares are of the hours available (none without SDRs).
    """

    team: str
    round: int
    first_day: int
    last_day: int
    decisions: dict[str, Any]
    replications: int
    bookings: float
    gross_profit: float
    marketing_cost: float
    salary_cost: float
    commission: float
    cost: float
    profit: float
    profit_low: float | None
    profit_high: float | None
    wins: float
    opportunities: float
    leads: float
    pipeline_deals_end: float
    forecast: float
    forecast_error_share: float | None
    ae_headcount: float
    ae_hours: dict[str, float]
    ae_hours_share: dict[str, float | None]
    sdr_hours_share: dict[str, float | None]


def library_runner(workers: int | None = None) -> Runner:
    """The library's runner: replications in this process (``workers=1``) or a local pool."""

    def run(scenarios: Sequence[Scenario], n: int, seed: int) -> list[list[dict[str, Any]]]:
        return run_scenarios(list(scenarios), n, seed=seed, workers=workers, series=False)

    return run


def _mean(values: Sequence[float | None]) -> float:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _round_result(
    setup: GameSetup, team: str, round_: int, decisions: Decisions, runs: list[dict[str, Any]]
) -> TeamRound:
    first, end = setup.days(round_)
    quarter = first // DAYS_PER_QUARTER

    def metric(key: str) -> float:
        return _mean([r["metrics"].get(key) for r in runs])

    rows = [r["quarterly"][quarter] for r in runs]
    errors = [
        abs(row["forecast"] - row["bookings"]) / row["bookings"]
        for row in rows
        if row["forecast"] is not None and row["bookings"]
    ]
    profit = t_interval([r["metrics"]["profit"] for r in runs])
    costs = {key: metric(key) for key in ("marketing_cost", "salary_cost", "commission")}
    return TeamRound(
        team=team,
        round=round_,
        first_day=first,
        last_day=end - 1,
        decisions=decisions.model_dump(mode="json"),
        replications=len(runs),
        bookings=metric("bookings"),
        gross_profit=metric("gross_profit"),
        marketing_cost=costs["marketing_cost"],
        salary_cost=costs["salary_cost"],
        commission=costs["commission"],
        cost=sum(costs.values()),
        profit=metric("profit"),
        profit_low=_finite(profit.ci_low),
        profit_high=_finite(profit.ci_high),
        wins=metric("wins"),
        opportunities=metric("opportunities"),
        leads=metric("leads"),
        pipeline_deals_end=metric("pipeline_open_end"),
        forecast=_mean([row["forecast"] for row in rows]),
        forecast_error_share=_finite(_mean(errors)),
        ae_headcount=metric("ae_headcount_avg"),
        ae_hours={act: metric(f"hours_{act}") for act in ACTIVITIES},
        ae_hours_share={act: _finite(metric(f"hours_share_{act}")) for act in ACTIVITIES},
        sdr_hours_share={act: _finite(metric(f"sdr_hours_share_{act}")) for act in ACTIVITIES},
    )


def play_round(
    setup: GameSetup,
    histories: Mapping[str, Sequence[Decisions]],
    runner: Runner | None = None,
    *,
    house: bool = True,
) -> dict[str, TeamRound]:
    """Simulate the latest round for every team (and the house team, unless ``house=False``).

    `histories` maps each team to its decisions for rounds 1..k, the same k for all; teams whose
    games are identical are simulated once, as :func:`round_scenario` (so a runner that keeps
    finished runs, like the web app's pool, reuses those it simulated before the close).
    Returns each team's :class:`TeamRound` for round k.
    """
    games = dict(histories)
    if house:
        if HOUSE_TEAM in games:
            raise GameError(f"team '{HOUSE_TEAM}': the name is kept for the reference team")
        k = len(next(iter(games.values()))) if games else 1
        games[HOUSE_TEAM] = [setup.reference()] * k
    lengths = {len(h) for h in games.values()}
    if not games:
        raise GameError("decisions: no team to play")
    if len(lengths) != 1:
        raise GameError(f"decisions: every team must have played the same rounds (got {lengths})")
    (k,) = lengths
    scenarios = {team: round_scenario(setup, history, team) for team, history in games.items()}
    distinct: dict[str, Scenario] = {}
    key_of: dict[str, str] = {}
    for team, scenario in scenarios.items():
        key = scenario.model_dump_json()
        key_of[team] = key
        distinct.setdefault(key, scenario)
    run = runner if runner is not None else library_runner()
    keys = list(distinct)
    results = run([distinct[key] for key in keys], setup.replications, setup.seed)
    runs = dict(zip(keys, results, strict=True))
    return {
        team: _round_result(setup, team, k, games[team][-1], runs[key_of[team]]) for team in games
    }


def play_game(
    setup: GameSetup,
    histories: Mapping[str, Sequence[Decisions]],
    runner: Runner | None = None,
    *,
    house: bool = True,
) -> list[TeamRound]:
    """Every round played so far, round by round, as the trainer would have run them."""
    rounds = {len(h) for h in histories.values()} or {0}
    if len(rounds) != 1:
        raise GameError(f"decisions: every team must have played the same rounds (got {rounds})")
    (k,) = rounds
    out: list[TeamRound] = []
    for r in range(1, k + 1):
        played = {team: list(h[:r]) for team, h in histories.items()}
        out.extend(play_round(setup, played, runner, house=house).values())
    return out
