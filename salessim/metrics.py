"""The metric registry: every summary metric a run reports, with its label, unit and meaning.

Results compute the numbers (``salessim.results``); everything that shows them — terminal tables,
JSON, CSV, charts, the "why" and the web app — reads each metric's label, kind and meaning here,
so adding a metric is one :class:`MetricSpec` entry beside the line that computes it.

A metric's *kind* says how its values read and what range they can take: money in dollars, a
count of leads or deals, a share between 0 and 1, a signed fraction (a bias), hours, days...
Intervals of counts and shares are clipped to that range (a count's interval never goes below
zero). *total* marks the sums over the reporting window, for which a yearly figure is shown
beside the total.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "money", "count", "share", "fraction", "hours", "days", "weeks", "months", "ratio", "headcount"
]

UNITS: dict[Kind, str] = {
    "money": "dollars",
    "count": "count",
    "share": "fraction 0-1",
    "fraction": "signed fraction",
    "hours": "working hours",
    "days": "working days",
    "weeks": "weeks",
    "months": "months",
    "ratio": "ratio",
    "headcount": "people",
}
# The possible range of each kind, for clipping intervals (None: unbounded on that side).
RANGES: dict[Kind, tuple[float | None, float | None]] = {
    "money": (None, None),
    "count": (0.0, None),
    "share": (0.0, 1.0),
    "fraction": (None, None),
    "hours": (0.0, None),
    "days": (0.0, None),
    "weeks": (0.0, None),
    "months": (0.0, None),
    "ratio": (None, None),
    "headcount": (0.0, None),
}


@dataclass(frozen=True)
class MetricSpec:
    """One metric: its key in results, a label for people, its kind, which direction is better
    (``None`` where neither is), whether it is a total over the reporting window, and a
    one-line meaning."""

    key: str
    label: str
    kind: Kind
    higher_is_better: bool | None
    meaning: str
    total: bool = False

    @property
    def unit(self) -> str:
        return UNITS[self.kind]

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """The range a value (and so an interval) of this metric can take."""
        return RANGES[self.kind]

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "unit": self.unit,
            "higher_is_better": self.higher_is_better,
            "total": self.total,
            "meaning": self.meaning,
        }


def _m(
    key: str,
    label: str,
    kind: Kind,
    better: bool | None,
    meaning: str,
    total: bool = False,
) -> MetricSpec:
    return MetricSpec(key, label, kind, better, meaning, total)


_ACTIVITY_WORDS = {
    "prospecting": ("prospecting", "calling and emailing accounts to find new buyers"),
    "qualifying": ("qualifying", "calling marketing leads to find out whether they fit"),
    "deal_work": ("deal work", "working open deals: meetings, proposals, negotiation"),
    "non_selling": ("non-selling", "meetings, admin and training"),
    "idle": ("idle", "paid hours no task used"),
}
_LOSS_WORDS = {
    "competitor": ("Deals lost to competitors", "lost to a competitor"),
    "no_decision": ("Deals lost to no decision", "lost because the buyer decided nothing"),
    "neglect": ("Deals lost to neglect", "lost because they waited too long for their rep"),
    "disqualified": ("Deals disqualified", "disqualified after the first meeting"),
}
_LEAD_FATE_WORDS = {
    "filtered": ("Leads filtered out", "filtered out by lead scoring before sales saw them"),
    "expired": ("Leads expired unworked", "waited so long for a first call they were dropped"),
    "unreached": ("Leads never reached", "never answered any call attempt"),
    "disqualified": ("Leads disqualified", "reached, but did not fit (suspects)"),
    "cold": ("Leads gone cold", "fit, but had gone cold by the time they were called"),
    "no_opportunity": ("Leads with no opportunity", "fit and reached, but no deal came of it"),
    "converted": ("Leads converted", "became an opportunity"),
}
_ORIGIN_WORDS = {
    "marketing": ("marketing leads (AEs)", "from marketing leads qualified by AEs"),
    "sdr_inbound": ("marketing leads (SDRs)", "from marketing leads qualified by SDRs"),
    "ae_prospecting": ("AE prospecting", "from AEs' own prospecting"),
    "sdr_prospecting": ("SDR prospecting", "from SDRs' prospecting"),
}

METRICS: tuple[MetricSpec, ...] = (
    _m("bookings", "Bookings", "money", True, "Value of the deals won, after discounts.", True),
    _m("bookings_per_year", "Bookings per year", "money", True, "Bookings per reported year."),
    _m(
        "list_value_won",
        "List value won",
        "money",
        True,
        "Value of the deals won at list price.",
        True,
    ),
    _m("gross_profit", "Gross profit", "money", True, "Bookings times the gross margin.", True),
    _m(
        "profit",
        "Profit",
        "money",
        True,
        "Gross profit minus marketing, salaries and commission.",
        True,
    ),
    _m("marketing_cost", "Marketing cost", "money", False, "What the leads cost.", True),
    _m("salary_cost", "Salary cost", "money", False, "Fully loaded cost of AEs and SDRs.", True),
    _m("commission", "Commission", "money", False, "Commission paid on bookings.", True),
    _m("wins", "Deals won", "count", True, "Deals closed and won.", True),
    *(
        _m(f"deals_lost_{reason}", label, "count", False, f"Deals {words}.", True)
        for reason, (label, words) in _LOSS_WORDS.items()
    ),
    _m("losses", "Deals lost", "count", False, "Deals closed and lost, for any reason.", True),
    _m("win_rate", "Win rate", "share", True, "Share of closed deals that were won."),
    _m(
        "leads",
        "Leads",
        "count",
        None,
        "Marketing leads that arrived (before any scoring filter).",
        True,
    ),
    _m("leads_fit", "Fit leads", "count", None, "Arrived leads that fit the target market.", True),
    _m(
        "leads_incremental",
        "Extra leads",
        "count",
        None,
        "Leads above the sources' base volume (the marginal, mostly less-fit ones).",
        True,
    ),
    _m("leads_worked", "Leads worked", "count", None, "Leads that got a first call.", True),
    *(
        _m(f"leads_{fate}", label, "count", fate == "converted" or None, f"Leads {words}.", True)
        for fate, (label, words) in _LEAD_FATE_WORDS.items()
        if fate not in ("expired", "cold")
    ),
    _m(
        "leads_expired",
        "Leads expired unworked",
        "count",
        False,
        "Leads that waited so long for a first call that they were dropped.",
        True,
    ),
    _m(
        "leads_cold",
        "Leads gone cold",
        "count",
        False,
        "Fit leads that had gone cold by the time they were called.",
        True,
    ),
    _m(
        "leads_abandoned",
        "Leads abandoned",
        "count",
        False,
        "Leads dropped before their call-backs were made.",
        True,
    ),
    _m(
        "leads_never_worked_share",
        "Leads never worked",
        "share",
        False,
        "Share of leads sent to sales that never got a first call.",
    ),
    _m(
        "leads_not_followed_up_share",
        "Leads not followed up",
        "share",
        False,
        "Share of leads sent to sales never called or dropped before their call-backs.",
    ),
    _m(
        "lead_attempts_per_lead",
        "Call attempts per lead",
        "ratio",
        None,
        "Call attempts made per lead worked.",
    ),
    _m(
        "lead_response_hours",
        "Lead response time",
        "hours",
        False,
        "Average working hours from a lead's arrival to its first call.",
    ),
    *(
        _m(
            f"opportunities_{origin}",
            f"Opportunities: {label}",
            "count",
            True,
            f"Opportunities created {words}.",
            True,
        )
        for origin, (label, words) in _ORIGIN_WORDS.items()
    ),
    _m(
        "opportunities",
        "Opportunities created",
        "count",
        True,
        "Qualified deals opened, from every origin.",
        True,
    ),
    _m(
        "avg_discount",
        "Average discount",
        "share",
        False,
        "Discount given as a share of list value won (deals rushed at quarter end or by a "
        "busy rep).",
    ),
    _m(
        "deals_rushed",
        "Deals rushed",
        "count",
        False,
        "Deals closed at a discount because their rep reached them late.",
        True,
    ),
    *(
        _m(
            f"hours_{act}",
            f"AE hours {words}",
            "hours",
            None,
            f"AE hours spent {meaning}." if act != "idle" else "AE paid hours no task used.",
            True,
        )
        for act, (words, meaning) in _ACTIVITY_WORDS.items()
    ),
    _m("hours_available", "AE hours available", "hours", None, "AE paid hours.", True),
    *(
        _m(
            f"hours_share_{act}",
            f"AE hours: {words}",
            "share",
            False if act == "idle" else None,
            f"Share of AE paid hours {'no task used' if act == 'idle' else 'spent ' + meaning}.",
        )
        for act, (words, meaning) in _ACTIVITY_WORDS.items()
    ),
    *(
        _m(
            f"sdr_hours_share_{act}",
            f"SDR hours: {words}",
            "share",
            False if act == "idle" else None,
            f"Share of SDR paid hours {'no task used' if act == 'idle' else 'spent ' + meaning}.",
        )
        for act, (words, meaning) in _ACTIVITY_WORDS.items()
    ),
    _m(
        "quarterly_bookings_cv",
        "Quarterly bookings CV",
        "ratio",
        False,
        "Standard deviation over mean of quarterly bookings, after the first reported quarter "
        "(boom and bust).",
    ),
    _m(
        "quarterly_bookings_peak_to_trough",
        "Quarterly bookings peak/trough",
        "ratio",
        False,
        "Best quarter's bookings over the worst's, after the first reported quarter.",
    ),
    _m(
        "quarterly_opportunities_cv",
        "Quarterly opportunities CV",
        "ratio",
        False,
        "Standard deviation over mean of opportunities created per quarter.",
    ),
    *(
        _m(
            f"quarterly_opportunities_cv_{origin}",
            f"Quarterly opportunities CV: {label}",
            "ratio",
            False,
            f"Standard deviation over mean of quarterly opportunities {words}.",
        )
        for origin, (label, words) in _ORIGIN_WORDS.items()
    ),
    _m(
        "rep_pipeline_cycle_weeks",
        "Rep pipeline cycle",
        "weeks",
        None,
        "Median over AEs of the dominant period of each AE's open deals.",
    ),
    _m(
        "rep_pipeline_cycle_acf",
        "Rep pipeline cycle strength",
        "ratio",
        False,
        "Median autocorrelation of AEs' open deals at that period (how strongly they cycle).",
    ),
    _m(
        "team_pipeline_cycle_weeks",
        "Team pipeline cycle",
        "weeks",
        None,
        "Dominant period of the team's open deals, week by week.",
    ),
    _m(
        "team_pipeline_cycle_acf",
        "Team pipeline cycle strength",
        "ratio",
        False,
        "Autocorrelation of the team's open deals at that period (how strongly the team cycles).",
    ),
    _m(
        "bookings_cycle_months",
        "Bookings cycle",
        "months",
        None,
        "Dominant period of monthly bookings.",
    ),
    _m(
        "forecast_mape",
        "Forecast error (MAPE)",
        "share",
        False,
        "Mean absolute error, as a share of actual bookings, of each quarter's forecast "
        "(booked so far, commit, best case and pipeline at their win rates, and the run-rate "
        "of business created later), frozen at the snapshot week.",
    ),
    _m(
        "forecast_bias",
        "Forecast bias",
        "fraction",
        None,
        "Total over-forecast as a fraction of actual bookings (negative: forecasts too low).",
    ),
    _m(
        "forecast_closed",
        "Forecast: closed",
        "money",
        None,
        "Mean per quarter of the bookings closed before the forecast call.",
    ),
    _m(
        "forecast_commit",
        "Forecast: commit",
        "money",
        None,
        "Mean per quarter of the forecast from commit deals (the latest stages) due to close in "
        "the quarter, at the team's past conversion of commit deals.",
    ),
    _m(
        "forecast_best_case",
        "Forecast: best case",
        "money",
        None,
        "Mean per quarter of the forecast from best-case deals (middle stages) due to close in "
        "the quarter, at the team's past conversion of best-case deals.",
    ),
    _m(
        "forecast_pipeline",
        "Forecast: pipeline",
        "money",
        None,
        "Mean per quarter of the forecast from pipeline deals (early stages) due to close in the "
        "quarter, at the team's past conversion of pipeline deals.",
    ),
    _m(
        "forecast_run_rate",
        "Forecast: run-rate",
        "money",
        None,
        "Mean per quarter of the forecast's run-rate: what past quarters booked beyond their "
        "call (deals created after it, or pulled in from a later quarter).",
    ),
    _m(
        "bookings_after_call_share",
        "Bookings created after the forecast call",
        "share",
        None,
        "Share of bookings from deals created after their quarter's forecast call and won in "
        "that quarter (business no call can see in the pipeline).",
    ),
    _m(
        "forecast_deals_won_share",
        "Forecast-stage deals won",
        "share",
        True,
        "Share of deals closed from a forecast stage that were won.",
    ),
    _m(
        "forecast_deals_lost_share",
        "Forecast-stage deals lost",
        "share",
        False,
        "Share of deals closed from a forecast stage that were lost.",
    ),
    _m(
        "forecast_deals_no_decision_share",
        "Forecast-stage deals, no decision",
        "share",
        False,
        "Share of deals closed from a forecast stage that ended in no decision.",
    ),
    _m(
        "wins_share_last_two_weeks",
        "Wins in a quarter's last two weeks",
        "share",
        None,
        "Share of wins closed in the last two weeks of their quarter (quarter-end bunching).",
    ),
    _m(
        "discount_last_two_weeks",
        "Discount in a quarter's last two weeks",
        "share",
        False,
        "Discount as a share of list value won in the last two weeks of each quarter.",
    ),
    _m(
        "discount_rest_of_quarter",
        "Discount in the rest of the quarter",
        "share",
        False,
        "Discount as a share of list value won outside the last two weeks of each quarter.",
    ),
    _m("cost_per_lead", "Cost per lead", "money", False, "Marketing cost per lead."),
    _m(
        "cost_per_opportunity",
        "Cost per opportunity",
        "money",
        False,
        "Marketing, salaries and commission per opportunity created.",
    ),
    _m(
        "cost_per_win",
        "Cost per win",
        "money",
        False,
        "Marketing, salaries and commission per deal won.",
    ),
    _m(
        "avg_deal_days",
        "Days to close",
        "days",
        None,
        "Average working days from a deal's creation to its close, won or lost.",
    ),
    _m(
        "won_deal_days",
        "Sales cycle (won deals)",
        "days",
        None,
        "Average working days from creation to close of the deals won.",
    ),
    _m(
        "avg_deal_won",
        "Average deal won",
        "money",
        True,
        "Bookings per deal won: the average deal after discounts.",
    ),
    _m(
        "lead_to_opportunity",
        "Leads to opportunities",
        "share",
        True,
        "Share of the marketing leads that arrived that became an opportunity.",
    ),
    _m(
        "pipeline_open_end",
        "Open deals at the end",
        "count",
        None,
        "Deals still open when the run ends.",
    ),
    _m(
        "quota_attainment_share",
        "AE-years at quota",
        "share",
        True,
        "Share of AE-years (each AE in each reported year) whose bookings reached the quota "
        "due, pro-rated for days on the team and ramp; weighted by quota-bearing time.",
    ),
    *(
        _m(
            f"quota_attainment_p{p}",
            f"Quota attainment P{p}",
            "fraction",
            True,
            f"{p}th percentile over AE-years of bookings over quota due (1 = 100% of quota), "
            "weighted by quota-bearing time.",
        )
        for p in (10, 50, 90)
    ),
    _m(
        "ae_headcount_avg",
        "AE headcount",
        "headcount",
        None,
        "Average number of AEs on the team over the reporting window.",
    ),
)

# Metrics whose key carries a name from the scenario (a lead source): pattern → spec factory.
_SOURCE = re.compile(r"^source:(?P<name>[^:]+):(?P<what>leads|converted)$")

_BY_KEY: dict[str, MetricSpec] = {spec.key: spec for spec in METRICS}


class UnknownMetricError(KeyError):
    """A metric key the registry does not know."""


def spec(key: str) -> MetricSpec:
    """The registry entry of a metric key, including per-source keys such as
    ``source:web_inbound:leads``; raises :class:`UnknownMetricError` for others."""
    found = _BY_KEY.get(key)
    if found is not None:
        return found
    match = _SOURCE.match(key)
    if match is not None:
        name, what = match["name"], match["what"]
        if what == "leads":
            return _m(key, f"Leads from {name}", "count", None, f"Leads from {name}.", True)
        return _m(
            key,
            f"Opportunities from {name} leads",
            "count",
            True,
            f"Leads from {name} that became an opportunity.",
            True,
        )
    raise UnknownMetricError(key)


def known(key: str) -> bool:
    """Whether ``key`` is a registered metric."""
    try:
        spec(key)
    except UnknownMetricError:
        return False
    return True


def label(key: str) -> str:
    """A metric's label; the key itself for a key the registry does not know."""
    return spec(key).label if known(key) else key


def kind(key: str) -> Kind:
    """A metric's kind; ``ratio`` (a plain number) for a key the registry does not know."""
    return spec(key).kind if known(key) else "ratio"


def activity_label(activity: str) -> str:
    """An activity of paid hours as charts and sentences name it: "Deal work"."""
    words = _ACTIVITY_WORDS.get(activity, (activity.replace("_", " "), ""))[0]
    return words[:1].upper() + words[1:]


def registry() -> list[MetricSpec]:
    """Every registered metric, in the registry's order (per-source metrics are not listed:
    their keys depend on the scenario's lead sources)."""
    return list(METRICS)
