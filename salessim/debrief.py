"""After the workshop game: the leaderboard, the class's guesses against the answers, discussion
prompts drawn from what the teams did, and the debrief as HTML (prints to PDF) and CSV.

Everything here reads the rounds :func:`salessim.game.play_round` returned; nothing simulates.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from salessim import __version__
from salessim.entities import ACTIVITIES
from salessim.formatting import NOT_AVAILABLE, format_value
from salessim.game import HOUSE_TEAM, GameError, GameSetup, TeamRound, one_line_error
from salessim.metrics import activity_label

TEMPLATE = "debrief.html.j2"

SCORES: dict[str, tuple[str, bool]] = {
    "profit": ("Profit", True),
    "bookings": ("Bookings", True),
    "forecast_accuracy": ("Forecast accuracy", True),
    "cost": ("Cost", False),
}
"""Each score the trainer may rank by: its label and whether more is better."""

DECISION_COLUMNS = (
    "lead_volume_multiplier",
    "ae_hires",
    "sdr_hires",
    "lead_scoring",
    "policy",
    "calling_block_hours",
    "response_rule_hours",
)
RESULT_COLUMNS = (
    "bookings",
    "gross_profit",
    "marketing_cost",
    "salary_cost",
    "commission",
    "cost",
    "profit",
    "profit_low",
    "profit_high",
    "wins",
    "opportunities",
    "leads",
    "pipeline_deals_end",
    "forecast",
    "forecast_error_share",
    "ae_headcount",
)


class Standing(TypedDict):
    """A team's place on the leaderboard, with its totals over the rounds played."""

    rank: int
    team: str
    score: float | None
    profit: float
    bookings: float
    cost: float
    forecast_accuracy: float | None
    rounds: int


def _forecast_accuracy(rounds: Sequence[TeamRound]) -> float | None:
    """One minus the mean absolute forecast error as a share of bookings (1: every call right)."""
    errors = [r["forecast_error_share"] for r in rounds if r["forecast_error_share"] is not None]
    return 1.0 - sum(errors) / len(errors) if errors else None


def _by_team(results: Sequence[TeamRound]) -> dict[str, list[TeamRound]]:
    teams: dict[str, list[TeamRound]] = {}
    for row in sorted(results, key=lambda r: r["round"]):
        teams.setdefault(row["team"], []).append(row)
    return teams


def leaderboard(results: Sequence[TeamRound], score: str = "profit") -> list[Standing]:
    """Teams ranked by `score` over every round played (ties share a rank: 1, 1, 3)."""
    if score not in SCORES:
        raise GameError(f"score: must be one of {', '.join(SCORES)} (got {score!r})")
    higher = SCORES[score][1]
    table: list[Standing] = []
    for team, rounds in _by_team(results).items():
        totals = {key: sum(r[key] for r in rounds) for key in ("profit", "bookings", "cost")}
        accuracy = _forecast_accuracy(rounds)
        table.append(
            Standing(
                rank=0,
                team=team,
                score=accuracy if score == "forecast_accuracy" else totals[score],
                profit=totals["profit"],
                bookings=totals["bookings"],
                cost=totals["cost"],
                forecast_accuracy=accuracy,
                rounds=len(rounds),
            )
        )

    def order(s: Standing) -> tuple[float, str]:
        value = s["score"]
        if value is None or not math.isfinite(value):
            return math.inf, s["team"]
        return (-value if higher else value), s["team"]

    table.sort(key=order)
    for i, standing in enumerate(table):
        tied = i > 0 and table[i - 1]["score"] == standing["score"]
        standing["rank"] = table[i - 1]["rank"] if tied else i + 1
    return table


class Question(BaseModel):
    """One question the class guessed: the answer the simulation gave, its interval, and each
    team's guess."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    question: str = Field(min_length=1, max_length=300, description="what the class was asked")
    answer: float = Field(description="the simulated answer (the mean over replications)")
    low: float | None = Field(None, description="the answer's 95% interval, low end")
    high: float | None = Field(None, description="the answer's 95% interval, high end")
    kind: Literal["money", "share", "count"] = Field(
        "count", description="how the numbers read: money in $, a share 0-1, or a count"
    )
    guesses: dict[str, float] = Field(description="each team's guess, by team")

    @model_validator(mode="after")
    def _interval(self) -> Question:
        if (self.low is None) != (self.high is None):
            raise ValueError("low and high: give both ends of the interval or neither")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        return self

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> Question:
        """Validate a question; a bad value is a one-line :class:`GameError`."""
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise one_line_error(exc, "question") from None

    def inside(self, guess: float) -> bool | None:
        """Whether a guess falls within the answer's interval (None without one)."""
        if self.low is None or self.high is None:
            return None
        return self.low <= guess <= self.high

    def rows(self) -> list[dict[str, Any]]:
        """One row per team: its guess, the answer, the miss and whether it was inside."""
        return [
            {
                "question": self.question,
                "team": team,
                "guess": guess,
                "answer": self.answer,
                "low": self.low,
                "high": self.high,
                "miss": guess - self.answer,
                "inside_interval": self.inside(guess),
            }
            for team, guess in self.guesses.items()
        ]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _money(x: float) -> str:
    return format_value(x, "money")


def _pct(x: float | None) -> str:
    return NOT_AVAILABLE if x is None or not math.isfinite(x) else f"{x * 100:.0f}%"


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def _share(rounds: Sequence[TeamRound], activity: str) -> float:
    """Share of the AEs' hours spent on an activity over the game (hours over hours)."""
    total = sum(sum(r["ae_hours"].values()) for r in rounds)
    return sum(r["ae_hours"][activity] for r in rounds) / total if total else math.nan


def _foil(board: Sequence[Standing], team: str) -> tuple[str, str] | None:
    """Whom to set a team against: the leader, or the runner-up when the team leads."""
    if len(board) < 2:
        return None
    if team == board[0]["team"]:
        return "the runner-up", board[1]["team"]
    return "the leader", board[0]["team"]


def _against(board: Sequence[Standing], team: str, figure: Callable[[str], str]) -> str:
    foil = _foil(board, team)
    return f", against {figure(foil[1])} for {foil[0]}, {foil[1]}" if foil else ""


def discussion_prompts(results: Sequence[TeamRound], score: str = "profit") -> list[str]:
    """Three prompts for the class drawn from what happened: the biggest lead buyer, the
    biggest hirer (or, if nobody hired, the team whose AEs sat idle most) and the least
    accurate forecast, each set against the leader (or the runner-up) by its own figures."""
    board = leaderboard(results, score)
    if not board:
        return []
    teams = _by_team(results)
    rank = {s["team"]: s["rank"] for s in board}
    players = sorted(t for t in teams if t != HOUSE_TEAM) or sorted(teams)

    def place(team: str) -> str:
        return f"finished {_ordinal(rank[team])} of {len(board)}"

    def total(team: str, key: str) -> float:
        return float(sum(r[key] for r in teams[team]))  # type: ignore[literal-required]

    prompts = []
    leads = {
        t: _mean([r["decisions"]["lead_volume_multiplier"] for r in teams[t]]) for t in players
    }
    buyer = max(players, key=lambda t: leads[t])

    def qualifying(team: str) -> str:
        return _pct(_share(teams[team], "qualifying"))

    prompts.append(
        f"The team that bought the most leads, {buyer} (×{leads[buyer]:.2f} the usual volume on "
        f"average), {place(buyer)}: its AEs spent {qualifying(buyer)} of their time qualifying "
        f"leads{_against(board, buyer, qualifying)}. Were the extra leads worth the hours?"
    )
    hired = {
        t: (
            sum(r["decisions"]["ae_hires"] for r in teams[t]),
            sum(r["decisions"]["sdr_hires"] for r in teams[t]),
        )
        for t in players
    }
    hirer = max(players, key=lambda t: sum(hired[t]))
    if sum(hired[hirer]):

        def pay(team: str) -> str:
            return (
                f"{_money(total(team, 'salary_cost'))} in salaries for "
                f"{_money(total(team, 'bookings'))} of bookings"
            )

        aes, sdrs = hired[hirer]
        prompts.append(
            f"{hirer} hired the most ({aes} AE{'' if aes == 1 else 's'} and {sdrs} "
            f"SDR{'' if sdrs == 1 else 's'}) and {place(hirer)}: {pay(hirer)}"
            f"{_against(board, hirer, pay)}. When does a hire pay for the quarters it takes "
            "to ramp?"
        )
    else:
        idle = {t: _share(teams[t], "idle") for t in teams}
        waiting = max(players, key=lambda t: idle[t])
        prompts.append(
            f"Nobody hired. {waiting}'s AEs sat idle the most, {_pct(idle[waiting])} of their "
            f"time, and the team {place(waiting)}"
            f"{_against(board, waiting, lambda t: _pct(idle[t]))}. What would you have given "
            "them to do?"
        )
    misses = {
        t: _mean(
            [r["forecast_error_share"] for r in teams[t] if r["forecast_error_share"] is not None]
        )
        for t in teams
    }
    called = [t for t in players if math.isfinite(misses[t])]
    if called:
        worst = max(called, key=lambda t: misses[t])

        def miss(team: str) -> str:
            return (
                f"{_pct(misses[team])} of the bookings on average, with "
                f"{teams[team][-1]['pipeline_deals_end']:.0f} deals open at the end"
            )

        prompts.append(
            f"{worst}'s forecast missed the most and the team {place(worst)}: its quarters' "
            f"forecasts missed by {miss(worst)}{_against(board, worst, miss)}. What made its "
            "quarters hard to call?"
        )
    return prompts


def rounds_table(results: Sequence[TeamRound]) -> list[dict[str, Any]]:
    """Every team's decisions and results by round, one flat row each (the CSV's rows)."""
    rows = []
    for row in sorted(results, key=lambda r: (r["team"], r["round"])):
        flat: dict[str, Any] = {
            "team": row["team"],
            "round": row["round"],
            "first_day": row["first_day"],
            "last_day": row["last_day"],
            "replications": row["replications"],
        }
        flat.update({key: row["decisions"][key] for key in DECISION_COLUMNS})
        flat.update({key: row[key] for key in RESULT_COLUMNS})  # type: ignore[literal-required]
        flat.update({f"ae_hours_{act}": row["ae_hours"][act] for act in ACTIVITIES})
        flat.update({f"ae_hours_share_{act}": row["ae_hours_share"][act] for act in ACTIVITIES})
        flat.update({f"sdr_hours_share_{act}": row["sdr_hours_share"][act] for act in ACTIVITIES})
        rows.append(flat)
    return rows


def _csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in columns})
    return out.getvalue()


def rounds_csv(results: Sequence[TeamRound]) -> str:
    """The rounds table as CSV: decisions and results by team and round (empty: undefined)."""
    rows = rounds_table(results)
    columns = list(rows[0]) if rows else ["team", "round"]
    return _csv(rows, columns)


GUESS_COLUMNS = ("question", "team", "guess", "answer", "low", "high", "miss", "inside_interval")


def guesses_csv(questions: Sequence[Question]) -> str:
    """The class's guesses against the answers as CSV, one row per question and team."""
    return _csv([row for q in questions for row in q.rows()], GUESS_COLUMNS)


@dataclass(frozen=True)
class DebriefInputs:
    """What the debrief says besides the results: its title, the score and the guesses."""

    title: str = "Workshop debrief"
    score: str = "profit"
    questions: Sequence[Question] = ()
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def _value(x: float | None, kind: str) -> str:
    return NOT_AVAILABLE if x is None else format_value(x, kind)


def debrief_view(
    setup: GameSetup, results: Sequence[TeamRound], inputs: DebriefInputs
) -> dict[str, Any]:
    """Everything the debrief template shows, as text already formatted."""
    board = leaderboard(results, inputs.score)
    label = SCORES[inputs.score][0]
    teams = _by_team(results)
    return {
        "title": inputs.title,
        "score_label": label,
        "method": {
            "version": __version__,
            "created": inputs.created.strftime("%Y-%m-%d %H:%M UTC"),
            "exercise": setup.exercise.name,
            "rounds": max((r["round"] for r in results), default=0),
            "replications": setup.replications,
            "seed": setup.seed,
            "budget": setup.headcount_budget,
        },
        "house": HOUSE_TEAM if HOUSE_TEAM in teams else None,
        "leaderboard": [
            {
                "rank": s["rank"],
                "team": s["team"],
                "score": _value(
                    s["score"], "share" if inputs.score == "forecast_accuracy" else "money"
                ),
                "profit": _money(s["profit"]),
                "bookings": _money(s["bookings"]),
                "cost": _money(s["cost"]),
                "accuracy": _value(s["forecast_accuracy"], "share"),
            }
            for s in board
        ],
        "prompts": discussion_prompts(results, inputs.score),
        "activities": [activity_label(act) for act in ACTIVITIES],
        "teams": [
            {
                "name": team,
                "rounds": [
                    {
                        "round": r["round"],
                        "days": f"{r['first_day']}–{r['last_day']}",
                        "decisions": _decisions_text(r["decisions"]),
                        "bookings": _money(r["bookings"]),
                        "cost": _money(r["cost"]),
                        "profit": _money(r["profit"]),
                        "pipeline": f"{r['pipeline_deals_end']:.0f}",
                        "forecast": _money(r["forecast"]),
                        "miss": _value(r["forecast_error_share"], "share"),
                        "hours": [_value(r["ae_hours_share"][act], "share") for act in ACTIVITIES],
                    }
                    for r in rounds
                ],
            }
            for team, rounds in sorted(teams.items(), key=lambda kv: _rank_of(board, kv[0]))
        ],
        "questions": [
            {
                "question": q.question,
                "answer": format_value(q.answer, q.kind),
                "interval": (
                    f"{format_value(q.low, q.kind)} – {format_value(q.high, q.kind)}"
                    if q.low is not None and q.high is not None
                    else NOT_AVAILABLE
                ),
                "guesses": [
                    {
                        "team": row["team"],
                        "guess": format_value(row["guess"], q.kind),
                        "miss": format_value(row["miss"], q.kind),
                        "inside": row["inside_interval"],
                    }
                    for row in q.rows()
                ],
            }
            for q in inputs.questions
        ],
    }


def _rank_of(board: Sequence[Standing], team: str) -> tuple[int, str]:
    return next((s["rank"], team) for s in board if s["team"] == team)


def _decisions_text(d: Mapping[str, Any]) -> str:
    """A round's decisions in a line: leads ×1.30, +2 AEs, +1 SDR, scoring on, ..."""
    parts = [f"leads ×{d['lead_volume_multiplier']:.2f}"]
    if d["ae_hires"]:
        parts.append(f"+{d['ae_hires']} AE{'' if d['ae_hires'] == 1 else 's'}")
    if d["sdr_hires"]:
        parts.append(f"+{d['sdr_hires']} SDR{'' if d['sdr_hires'] == 1 else 's'}")
    parts.append("scoring on" if d["lead_scoring"] else "scoring off")
    policy = str(d["policy"]).replace("_", " ")
    if d["policy"] == "time_blocked":
        policy += f" {d['calling_block_hours']:g} h"
    parts.append(policy)
    rule = d["response_rule_hours"]
    parts.append("no response rule" if rule is None else f"respond within {rule:g} h")
    return ", ".join(parts)


def debrief_html(
    setup: GameSetup, results: Sequence[TeamRound], inputs: DebriefInputs | None = None
) -> str:
    """The debrief as one self-contained HTML page (autoescaped; prints to PDF)."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("salessim", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    view = debrief_view(setup, results, inputs or DebriefInputs())
    return environment.get_template(TEMPLATE).render(**view)


def debrief_files(
    setup: GameSetup, results: Sequence[TeamRound], inputs: DebriefInputs | None = None
) -> dict[str, str]:
    """The debrief's files by name: the HTML page, the rounds and the guesses as CSV."""
    inputs = inputs or DebriefInputs()
    return {
        "debrief.html": debrief_html(setup, results, inputs),
        "rounds.csv": rounds_csv(results),
        "guesses.csv": guesses_csv(inputs.questions),
    }
