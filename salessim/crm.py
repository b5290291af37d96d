"""CRM-shaped data: a run exported as leads, opportunities and stage history, and such exports
read back (from salessim or from Salesforce or HubSpot) into working-day tables.

The columns are the same both ways, so a run's export is what :mod:`salessim.calibration`
reads. An export holds only what a CRM would hold: never a lead's hidden fit, only what the rep
recorded (converted, not a fit, not now...).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from salessim.config import DAYS_PER_QUARTER, Scenario
from salessim.entities import (
    FATE_COLD,
    FATE_CONVERTED,
    FATE_DISQUALIFIED,
    FATE_EXPIRED,
    FATE_FILTERED,
    FATE_NO_OPPORTUNITY,
    FATE_UNREACHED,
    LOSS_COMPETITOR,
    LOSS_DISQUALIFIED,
    LOSS_NEGLECT,
    LOSS_NO_DECISION,
)
from salessim.errors import SalessimError
from salessim.workdays import Clock, first_weekday, to_days

if TYPE_CHECKING:
    import pandas as pd

    from salessim.results import RunResult

LEADS_FILE = "leads.csv"
OPPORTUNITIES_FILE = "opportunities.csv"
STAGE_HISTORY_FILE = "stage_history.csv"
REPS_FILE = "reps.csv"
OUTBOUND_SOURCE = "outbound"
"""The source of an opportunity that came from prospecting, not from a marketing lead."""


class CRMError(SalessimError):
    """A CRM export or mapping file cannot be read: names the file, row and column."""


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    meaning: str


LEAD_COLUMNS = (
    Column("lead_id", True, "unique id of the lead"),
    Column("created_at", True, "when the lead came in (ISO date or date-time)"),
    Column("source", True, "lead source (web form, content download, event...)"),
    Column(
        "status",
        True,
        "Open, Working, Converted, Unqualified (reached, not a fit), Nurture (reached, a fit "
        "but not now), Unresponsive (called, never reached), Unworked (never called), "
        "Rejected (dropped by lead scoring)",
    ),
    Column("first_touch_at", False, "first call to the lead (empty: never called)"),
    Column("opportunity_id", False, "the opportunity a converted lead became"),
)
OPPORTUNITY_COLUMNS = (
    Column("opportunity_id", True, "unique id of the opportunity"),
    Column("created_at", True, "when the opportunity was created (its first meeting)"),
    Column("status", True, "Open, Won or Lost (also: Closed Won, Closed Lost)"),
    Column("amount", True, "won: the amount booked (after discount); else the list amount"),
    Column("close_date", False, "when it was won or lost (needed for Won and Lost rows)"),
    Column("source", False, f"lead source of the lead it came from, or '{OUTBOUND_SOURCE}'"),
    Column("lead_id", False, "the lead it was converted from"),
    Column("owner", False, "the account executive who owns it"),
    Column("segment", False, "customer segment (mid-market, enterprise...)"),
    Column("stage", False, "its stage now (the last it reached if closed)"),
    Column("discount", False, "discount given as a share of list (0.12 = 12%); empty: none"),
    Column("loss_reason", False, "Competitor, No decision, Went dark, Disqualified or other"),
)
STAGE_HISTORY_COLUMNS = (
    Column("opportunity_id", True, "the opportunity"),
    Column("stage", True, "the stage it entered"),
    Column("entered_at", True, "when it entered the stage"),
)
REP_COLUMNS = (
    Column("rep_id", True, "unique id of the person (as in the opportunities' owner column)"),
    Column("start_date", True, "their first day on the team"),
    Column("end_date", False, "their last day (empty: still on the team)"),
    Column("role", False, "AE or SDR (empty: AE)"),
)
TABLES: dict[str, tuple[str, tuple[Column, ...]]] = {
    "leads": (LEADS_FILE, LEAD_COLUMNS),
    "opportunities": (OPPORTUNITIES_FILE, OPPORTUNITY_COLUMNS),
    "stage_history": (STAGE_HISTORY_FILE, STAGE_HISTORY_COLUMNS),
    "reps": (REPS_FILE, REP_COLUMNS),
}
ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "ae": ("ae", "account executive", "closer"),
    "sdr": ("sdr", "bdr", "sales development rep"),
}

# Lead statuses: what salessim writes for each fate, and the words read back (any case).
LEAD_STATUS = {
    FATE_CONVERTED: "Converted",
    FATE_DISQUALIFIED: "Unqualified",
    FATE_COLD: "Nurture",
    FATE_NO_OPPORTUNITY: "Nurture",
    FATE_UNREACHED: "Unresponsive",
    FATE_EXPIRED: "Unworked",
    FATE_FILTERED: "Rejected",
}
LEAD_STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "converted": ("converted", "qualified", "sql"),
    "unqualified": ("unqualified", "disqualified", "junk", "not a fit"),
    "nurture": ("nurture", "recycled", "not now"),
    "unresponsive": ("unresponsive", "unreached", "no response", "attempted"),
    "unworked": ("unworked", "expired", "never worked"),
    "rejected": ("rejected", "filtered"),
    "open": ("open", "new"),
    "working": ("working", "contacted", "in progress"),
}
REACHED_STATUSES = ("converted", "unqualified", "nurture")
OPEN_LEAD_STATUSES = ("open", "working")
DEAL_STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "won": ("won", "closed won", "closedwon"),
    "lost": ("lost", "closed lost", "closedlost"),
    "open": ("open", "pipeline", "in progress"),
}
LOSS_REASON = {
    LOSS_COMPETITOR: "Competitor",
    LOSS_NO_DECISION: "No decision",
    LOSS_NEGLECT: "Went dark",
    LOSS_DISQUALIFIED: "Disqualified",
}
LOSS_REASON_WORDS: dict[str, tuple[str, ...]] = {
    "competitor": ("competitor", "lost to competitor"),
    "no_decision": ("no decision", "no_decision", "no budget", "status quo"),
    "went_dark": ("went dark", "no response", "unresponsive", "neglect"),
    "disqualified": ("disqualified", "not a fit"),
}


# --------------------------------------------------------------------------- export
def export_texts(result: RunResult, scenario: Scenario, start: dt.date) -> dict[str, str]:
    """The CSV files of a run recorded with per-lead and per-deal records, as text.

    The export covers the run's reporting window: its first day (the day after warm-up) falls
    on `start` (or the Monday after). Leads that came in during warm-up are left out; deals
    created then and still open when the window starts are in, dated before `start`.
    """
    if result.deal_records is None or result.lead_records is None:
        raise ValueError("a CRM export needs a run with records=True")
    warmup = scenario.calendar.warmup_days
    hpd = scenario.calendar.hours_per_day
    clock = Clock(start)

    def when(day: float) -> str:
        return clock.text(day - warmup)

    sources = [s.name for s in scenario.lead_sources]
    stages = [s.name for s in scenario.deals.stages]
    segments = [s.name for s in scenario.segments]
    lead_source = {lead["id"]: sources[lead["source"]] for lead in result.lead_records}
    lead_opportunity = {d["lead_id"]: d["id"] for d in result.deal_records if d["lead_id"]}

    lead_rows: list[list[str]] = []
    for lead in result.lead_records:
        if lead["arrival_day"] < warmup:
            continue
        fate = lead["fate"]
        status = LEAD_STATUS.get(fate) or ("Working" if lead["attempts"] else "Open")
        touch = lead["response_hours"]
        opp = lead_opportunity.get(lead["id"])
        lead_rows.append(
            [
                _lead_id(lead["id"]),
                when(lead["arrival_day"]),
                lead_source[lead["id"]],
                status,
                when(lead["arrival_day"] + touch / hpd) if touch is not None else "",
                _opportunity_id(opp) if opp is not None else "",
            ]
        )
    opp_rows: list[list[str]] = []
    history_rows: list[list[str]] = []
    for deal in result.deal_records:
        closed = deal["closed_day"]
        if closed is not None and closed < warmup:
            continue
        oid = _opportunity_id(deal["id"])
        won = deal["outcome"] == "won"
        amount = deal["list_value"] * (1.0 - deal["discount"]) if won else deal["list_value"]
        status = {"won": "Won", "lost": "Lost"}.get(deal["outcome"], "Open")
        owner = deal["owner"]
        opp_rows.append(
            [
                oid,
                when(deal["created_day"]),
                status,
                f"{amount:.2f}",
                when(closed) if closed is not None else "",
                lead_source[deal["lead_id"]] if deal["lead_id"] else OUTBOUND_SOURCE,
                _lead_id(deal["lead_id"]) if deal["lead_id"] else "",
                f"AE-{owner:03d}" if owner is not None else "",
                segments[deal["segment"]],
                stages[min(deal["stage_reached"], len(stages) - 1)],
                f"{deal['discount']:.4f}" if deal["discount"] else "",
                LOSS_REASON.get(deal["reason"], deal["reason"]),
            ]
        )
        for stage, day in zip(stages, deal["stage_days"], strict=False):
            history_rows.append([oid, stage, when(day)])
    rep_rows = [
        [
            f"{rep['role'].upper()}-{rep['person']:03d}",
            when(rep["hired_day"]),
            when(rep["left_day"]) if rep["left_day"] is not None else "",
            rep["role"].upper(),
        ]
        for rep in result.rep_records or []
    ]
    texts = {
        LEADS_FILE: _csv([c.name for c in LEAD_COLUMNS], lead_rows),
        OPPORTUNITIES_FILE: _csv([c.name for c in OPPORTUNITY_COLUMNS], opp_rows),
        STAGE_HISTORY_FILE: _csv([c.name for c in STAGE_HISTORY_COLUMNS], history_rows),
    }
    if result.rep_records is not None:
        texts[REPS_FILE] = _csv([c.name for c in REP_COLUMNS], rep_rows)
    return texts


def _lead_id(number: int) -> str:
    return f"L-{number:06d}"


def _opportunity_id(number: int) -> str:
    return f"OPP-{number:06d}"


def _csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


# --------------------------------------------------------------------------- reading
@dataclass
class CRMData:
    """An export read into working days from `start` (the first lead's weekday).

    leads: lead_id, day, source, status (a key of LEAD_STATUS_WORDS), touch_day (NaN: never).
    opportunities: opportunity_id, day, status (won/lost/open), amount, list_amount, close_day,
    discount (0: none), owner, source, segment, stage, loss_reason (a key of
    LOSS_REASON_WORDS, "other" or "").
    history: opportunity_id, stage, day (None without a stage-history file).
    reps: rep_id, role (ae/sdr), start_day, end_day (NaN: still there); None without a file.
    """

    start: dt.date
    leads: pd.DataFrame
    opportunities: pd.DataFrame
    history: pd.DataFrame | None
    skipped: list[str] = field(default_factory=list)
    reps: pd.DataFrame | None = None

    @property
    def last_day(self) -> float:
        """The last working day any row mentions."""
        days = [self.leads["day"].max(), self.opportunities["day"].max()]
        days.append(self.opportunities["close_day"].max())
        if self.history is not None and len(self.history):
            days.append(self.history["day"].max())
        return float(np.nanmax(np.asarray(days, dtype=float)))

    def date_of(self, day: float) -> str:
        """The ISO date of working day `day` from `start`."""
        return Clock(self.start).text(day)[:10]

    @property
    def quarters(self) -> int:
        """Complete quarters (63 working days) of history from `start`."""
        return int((math.floor(self.last_day) + 1) // DAYS_PER_QUARTER)

    def stage_order(self) -> list[str]:
        """Stages in the order deals pass them: by their mean rank within each deal's history."""
        if self.history is None or not len(self.history):
            return []
        h = self.history.sort_values(["opportunity_id", "day"], kind="stable")
        rank = h.groupby("opportunity_id").cumcount()
        stats = (
            h.assign(rank=rank.to_numpy())
            .groupby("stage", sort=False)["rank"]
            .agg(["mean", "size"])
        )
        stats = stats.sort_values(["mean", "size"], ascending=[True, False], kind="stable")
        return [str(s) for s in stats.index]


def read_mapping(path: Path | None) -> dict[str, dict[str, str]]:
    """A mapping file (YAML: table → {our column: their column}); empty without one."""
    if path is None:
        return {}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CRMError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        raise CRMError(f"{path}: not valid YAML ({' '.join(str(exc).split())})") from exc
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise CRMError(f"{path}: must map tables ({', '.join(TABLES)}) to column names")
    out: dict[str, dict[str, str]] = {}
    for table, columns in raw.items():
        if table not in TABLES:
            raise CRMError(f"{path}: {table}: unknown table (expected {', '.join(TABLES)})")
        known = [c.name for c in TABLES[table][1]]
        if not isinstance(columns, dict):
            raise CRMError(f"{path}: {table}: must map our column names to yours")
        for ours, theirs in columns.items():
            if ours not in known:
                raise CRMError(
                    f"{path}: {table}.{ours}: unknown column (expected one of {', '.join(known)})"
                )
            if not isinstance(theirs, str) or not theirs:
                raise CRMError(f"{path}: {table}.{ours}: must be a column name (got {theirs!r})")
        out[table] = {str(k): str(v) for k, v in columns.items()}
    return out


def read_csv(path: Path) -> pd.DataFrame:
    """A CSV file as text cells (a BOM, as Excel writes, is dropped)."""
    import pandas as pd

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise CRMError(f"{path}: the file is empty") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise CRMError(f"{path}: cannot read ({' '.join(str(detail).split())})") from None
    if frame.empty:
        raise CRMError(f"{path}: has a header but no rows")
    return frame


def read_export(
    leads: Path,
    opportunities: Path,
    stage_history: Path | None = None,
    mapping: Path | None = None,
    skip_bad_rows: bool = False,
    reps: Path | None = None,
) -> CRMData:
    """Read CRM export files (columns as in LEAD_COLUMNS etc., renamed by `mapping`).

    A bad row (a bad date, a negative amount, a duplicated id...) is an error naming the file,
    row and column; with `skip_bad_rows` it is left out and noted in ``skipped`` instead.
    """
    names = read_mapping(mapping)
    files = {"leads": leads, "opportunities": opportunities}
    if stage_history is not None:
        files["stage_history"] = stage_history
    if reps is not None:
        files["reps"] = reps
    frames = {table: read_csv(path) for table, path in files.items()}
    return parse_tables(frames, {t: str(p) for t, p in files.items()}, names, skip_bad_rows)


def parse_tables(
    frames: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str],
    mapping: Mapping[str, Mapping[str, str]] | None = None,
    skip_bad_rows: bool = False,
    start: dt.date | None = None,
) -> CRMData:
    """Check and convert text tables (as read from CSV) into a :class:`CRMData` counted from
    `start` (default: the weekday of the first lead)."""
    tables = {
        table: _Table(labels.get(table, TABLES[table][0]), frame, TABLES[table][1], mapping)
        for table, frame in frames.items()
    }
    lt, ot = tables["leads"], tables["opportunities"]
    ht = tables.get("stage_history")
    lt.unique_ids("lead_id")
    ot.unique_ids("opportunity_id")
    lead_times = lt.times("created_at", required=True)
    opp_times = ot.times("created_at", required=True)
    close_times = ot.times("close_date", required=False)
    touch_times = lt.times("first_touch_at", required=False)
    lead_status = lt.words("status", LEAD_STATUS_WORDS)
    opp_status = ot.words("status", DEAL_STATUS_WORDS)
    amount = ot.numbers("amount", low=0.0, high=math.inf, required=True)
    discount = ot.numbers("discount", low=0.0, high=0.99, required=False)
    for i in np.flatnonzero(np.isin(opp_status, ["won", "lost"]) & np.isnat(close_times)):
        ot.bad(int(i), "close_date", "a won or lost opportunity needs its close date")
    for i in np.flatnonzero(~np.isnat(close_times) & (close_times < opp_times)):
        ot.bad(int(i), "close_date", "is before created_at", ot.cell(int(i), "close_date"))
    hist_times = None
    if ht is not None:
        hist_times = ht.times("entered_at", required=True)
        ht.text("stage", required=True)
        known = set(ot.text("opportunity_id", required=True))
        for row, oid in enumerate(ht.text("opportunity_id", required=True)):
            if oid not in known:
                ht.bad(row, "opportunity_id", "no such opportunity in the opportunities file", oid)
    rt = tables.get("reps")
    if rt is not None:
        rt.unique_ids("rep_id")
        rep_start = rt.times("start_date", required=True)
        rep_end = rt.times("end_date", required=False)
        rep_role = rt.words("role", ROLE_WORDS, other=True)
        for i in np.flatnonzero(rep_role == "other"):
            rt.bad(int(i), "role", "unknown role (expected AE or SDR)", rt.cell(int(i), "role"))
        for i in np.flatnonzero(~np.isnat(rep_end) & (rep_end < rep_start)):
            rt.bad(int(i), "end_date", "is before start_date", rt.cell(int(i), "end_date"))
    skipped: list[str] = []
    for table in tables.values():
        skipped.extend(table.settle(skip_bad_rows))
    if start is None:
        first = lead_times[~np.isnat(lead_times)].min()
        start = dt.date.fromisoformat(str(first.astype("datetime64[D]")))
    start = first_weekday(start)

    import pandas as pd

    def days(times: np.ndarray) -> np.ndarray:
        out = np.full(len(times), np.nan)
        ok = ~np.isnat(times)
        out[ok] = to_days(times[ok], start)
        return out

    lk = lt.keep
    leads = pd.DataFrame(
        {
            "lead_id": lt.text("lead_id")[lk],
            "day": days(lead_times)[lk],
            "source": lt.text("source", required=True)[lk],
            "status": lead_status[lk],
            "touch_day": days(touch_times)[lk],
        }
    )
    ok_ = ot.keep
    amounts = amount[ok_]
    disc = np.nan_to_num(discount[ok_])
    opps = pd.DataFrame(
        {
            "opportunity_id": ot.text("opportunity_id")[ok_],
            "day": days(opp_times)[ok_],
            "status": opp_status[ok_],
            "amount": amounts,
            "list_amount": np.where(opp_status[ok_] == "won", amounts / (1.0 - disc), amounts),
            "close_day": days(close_times)[ok_],
            "discount": disc,
            "owner": ot.text("owner")[ok_],
            "source": ot.text("source")[ok_],
            "segment": ot.text("segment")[ok_],
            "stage": ot.text("stage")[ok_],
            "loss_reason": ot.words("loss_reason", LOSS_REASON_WORDS, other=True)[ok_],
        }
    )
    history = None
    if ht is not None and hist_times is not None:
        hk = ht.keep
        kept_ids = set(opps["opportunity_id"])
        history = pd.DataFrame(
            {
                "opportunity_id": ht.text("opportunity_id")[hk],
                "stage": ht.text("stage")[hk],
                "day": days(hist_times)[hk],
            }
        )
        # A CRM's history often has the closing itself as a stage ("Closed Won"): the close
        # date is in the opportunities file, so those rows are not stages.
        closing = {w for key in ("won", "lost") for w in DEAL_STATUS_WORDS[key]}
        is_stage = ~history["stage"].str.lower().str.replace("_", " ").isin(closing)
        history = history[history["opportunity_id"].isin(kept_ids) & is_stage]
        history = history.reset_index(drop=True)
    rep_frame = None
    if rt is not None:
        rk = rt.keep
        rep_frame = pd.DataFrame(
            {
                "rep_id": rt.text("rep_id")[rk],
                "role": np.where(rep_role[rk] == "sdr", "sdr", "ae"),
                "start_day": days(rep_start)[rk],
                "end_day": days(rep_end)[rk],
            }
        )
    return CRMData(start, leads, opps, history, skipped, rep_frame)


class _Table:
    """One file's text cells, with the rows found bad so far (row numbers as a spreadsheet
    shows them: the header is row 1, the first data row is row 2)."""

    def __init__(
        self,
        label: str,
        frame: pd.DataFrame,
        columns: tuple[Column, ...],
        mapping: Mapping[str, Mapping[str, str]] | None,
    ) -> None:
        self.label = label
        table = next(t for t, (_, cols) in TABLES.items() if cols is columns)
        rename = dict((mapping or {}).get(table, {}))
        self.source_name = {c.name: rename.get(c.name, c.name) for c in columns}
        header = [str(c).strip() for c in frame.columns]
        frame = frame.set_axis(header, axis=1)
        for column in columns:
            theirs = self.source_name[column.name]
            if column.required and theirs not in header:
                raise CRMError(
                    f"{label}: column '{theirs}' is missing (needed for {column.name}; "
                    f"columns found: {', '.join(header)})"
                )
        self.frame = frame
        self.n = len(frame)
        self.problems: dict[int, str] = {}

    def has(self, column: str) -> bool:
        return self.source_name[column] in self.frame.columns

    def cell(self, i: int, column: str) -> str:
        return str(self.frame[self.source_name[column]].iat[i])

    def text(self, column: str, required: bool = False) -> np.ndarray:
        if not self.has(column):
            return np.full(self.n, "", dtype=object)
        values: np.ndarray = self.frame[self.source_name[column]].str.strip().to_numpy(object)
        if required:
            for i in np.flatnonzero(values == ""):
                self.bad(int(i), column, "is empty")
        return values

    def bad(self, i: int, column: str, rule: str, value: object = None) -> None:
        if i not in self.problems:
            got = f" (got {value!r})" if value is not None else ""
            self.problems[i] = (
                f"{self.label}: row {i + 2}, column {self.source_name[column]}: {rule}{got}"
            )

    def unique_ids(self, column: str) -> None:
        values = self.text(column, required=True)
        first: dict[str, int] = {}
        for i, v in enumerate(values):
            if v == "":
                continue
            if v in first:
                self.bad(i, column, f"duplicate id (also on row {first[v] + 2})", v)
            else:
                first[v] = i

    def times(self, column: str, required: bool) -> np.ndarray:
        import pandas as pd

        if not self.has(column):
            return np.full(self.n, np.datetime64("NaT"), dtype="datetime64[m]")
        raw = self.text(column, required=required)
        parsed = pd.to_datetime(
            pd.Series(raw, dtype=object), format="ISO8601", errors="coerce", utc=True
        )
        times: np.ndarray = parsed.dt.tz_localize(None).to_numpy(dtype="datetime64[m]")
        for i in np.flatnonzero(np.isnat(times) & (raw != "")):
            self.bad(int(i), column, "not an ISO date (YYYY-MM-DD[THH:MM])", raw[i])
        return times

    def numbers(self, column: str, low: float, high: float, required: bool) -> np.ndarray:
        import pandas as pd

        raw = self.text(column, required=required)
        values: np.ndarray = pd.to_numeric(pd.Series(raw, dtype=object), errors="coerce").to_numpy(
            float
        )
        for i in np.flatnonzero(raw != ""):
            v = values[i]
            if not math.isfinite(v):
                self.bad(int(i), column, "not a number", raw[i])
            elif not low <= v <= high:
                rule = (
                    f"must be at least {low:g}" if high == math.inf else f"must be {low:g}-{high:g}"
                )
                self.bad(int(i), column, rule, raw[i])
        return values

    def words(
        self, column: str, words: Mapping[str, tuple[str, ...]], other: bool = False
    ) -> np.ndarray:
        lookup = {w: key for key, ws in words.items() for w in ws}
        raw = self.text(column, required=not other)
        out = np.empty(self.n, dtype=object)
        for i, value in enumerate(raw):
            key = lookup.get(" ".join(value.lower().replace("_", " ").split()))
            if key is None and value == "":
                key = ""
            elif key is None and other:
                key = "other"
            elif key is None:
                expected = ", ".join(ws[0].capitalize() for ws in words.values())
                self.bad(i, column, f"unknown value (expected one of {expected})", value)
                key = ""
            out[i] = key
        return out

    @property
    def keep(self) -> np.ndarray:
        mask = np.ones(self.n, dtype=bool)
        mask[list(self.problems)] = False
        return mask

    def settle(self, skip: bool) -> list[str]:
        """Raise on the first bad row, or (with `skip`) return one line per bad row."""
        if not self.problems:
            return []
        lines = [self.problems[i] for i in sorted(self.problems)]
        if not skip:
            more = len(lines) - 1
            tail = f" (and {more} more bad row{'s' * (more != 1)}; --skip-bad-rows leaves them out)"
            raise CRMError(lines[0] + (tail if more else ""))
        if len(lines) == self.n:
            raise CRMError(f"{self.label}: every row is bad; first: {lines[0]}")
        return lines


def quarterly_actuals(data: CRMData, quarters: int) -> dict[str, list[float]]:
    """Per complete quarter from `data.start`: leads, opportunities, wins, bookings, win rate
    and cycle days (working days from creation to a win, of the quarter's wins); also the
    deals closed (won or lost) in each quarter."""
    out: dict[str, list[float]] = {key: [] for key in (*BACKTEST_LINES, "closed")}
    leads = data.leads["day"].to_numpy(float)
    opps = data.opportunities
    created = opps["day"].to_numpy(float)
    closed = opps["close_day"].to_numpy(float)
    status = opps["status"].to_numpy(dtype=object)
    amount = opps["amount"].to_numpy(float)
    won, lost = status == "won", status == "lost"
    for q in range(quarters):
        lo, hi = q * DAYS_PER_QUARTER, (q + 1) * DAYS_PER_QUARTER
        in_q = (closed >= lo) & (closed < hi)
        wins = won & in_q
        n_wins = float(wins.sum())
        n_closed = n_wins + float((lost & in_q).sum())
        out["leads"].append(float(((leads >= lo) & (leads < hi)).sum()))
        out["opportunities"].append(float(((created >= lo) & (created < hi)).sum()))
        out["wins"].append(n_wins)
        out["bookings"].append(float(amount[wins].sum()))
        out["closed"].append(n_closed)
        out["win_rate"].append(n_wins / n_closed if n_closed else math.nan)
        cycle = closed[wins] - created[wins]
        out["cycle_days"].append(float(cycle.mean()) if len(cycle) else math.nan)
    return out


BACKTEST_LINES: dict[str, str] = {
    "leads": "Leads",
    "opportunities": "Opportunities",
    "wins": "Wins",
    "bookings": "Bookings",
    "win_rate": "Win rate",
    "cycle_days": "Cycle (days, won deals)",
}
"""What the back-test compares per quarter, and the label of each line."""


def export_run(
    scenario: Scenario, seed: int | np.random.SeedSequence, start: dt.date
) -> dict[str, str]:
    """Run one replication with records and return its CRM export (file name → CSV text)."""
    from salessim.model import run

    return export_texts(run(scenario, seed, records=True), scenario, start)


def write_export(texts: Mapping[str, str], out: Path) -> list[str]:
    """Write an export's files into `out` together (none is half-written); their names."""
    from salessim.outputs import OutputError, make_dir, publish_files

    make_dir(out)
    try:
        publish_files(out, texts)
    except OSError as exc:
        raise OutputError(f"{out}: cannot write ({exc.strerror or exc})") from exc
    return list(texts)


def columns_markdown() -> str:
    """The documented columns of every file, as Markdown tables (README and docs)."""
    parts: list[str] = []
    for file, columns in TABLES.values():
        parts.append(f"`{file}`\n\n| column | required | meaning |\n|---|---|---|")
        for c in columns:
            parts.append(f"| `{c.name}` | {'yes' if c.required else 'no'} | {c.meaning} |")
        parts.append("")
    return "\n".join(parts)


def tables_of(rows: Mapping[str, str]) -> dict[str, Any]:
    """CSV texts (as :func:`export_texts` returns) read into text tables by table name."""
    import pandas as pd

    by_file = {file: table for table, (file, _) in TABLES.items()}
    return {
        by_file[name]: pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        for name, text in rows.items()
    }
