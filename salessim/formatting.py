"""Amounts as people read them, shared by the terminal tables, the charts and the web app."""

from __future__ import annotations

import math
from collections.abc import Callable

from salessim.config import DAYS_PER_YEAR

MINUS = "\N{MINUS SIGN}"
MONEY_UNITS: tuple[tuple[float, str], ...] = ((1e9, "B"), (1e6, "M"), (1e3, "k"))


def compact_money(value: float, scaled: Callable[[float], str], minus: str = "-") -> str:
    """Dollars with a thousands suffix: the sign, "$", ``scaled(amount / unit)`` and k, M or B;
    amounts under $1,000 in whole dollars. Each caller chooses its digits and minus sign.

    An amount that rounds up to a thousand of one unit is shown in the next: $999,960 with one
    decimal is "$1.0M", not "$1000.0k".
    """
    sign = minus if value < 0 else ""
    amount = abs(value)
    text, suffix = f"{amount:.0f}", ""
    for limit, unit in reversed(MONEY_UNITS):
        if amount >= limit or float(text) >= 1000.0:
            text, suffix = scaled(amount / limit), unit
        else:
            break
    return f"{sign}${text}{suffix}"


NOT_AVAILABLE = "n/a"
# Metric kinds shown as percentages (values are fractions) and their difference as points.
PERCENT_KINDS = frozenset({"share", "fraction"})
_SUFFIXES = {"hours": " h", "days": " days", "weeks": " wk", "months": " mo"}


def table_money(value: float) -> str:
    """Dollars with one decimal for tables: $12.3k, -$1.5M."""
    return compact_money(value, "{:.1f}".format)


def format_value(value: float, kind: str, minus: str = "-") -> str:
    """A metric value for tables, by the registry's kind: $12.3M, 23.4%, 1,234, 3.2 h; "n/a"
    where undefined. A tiny negative (an interval around zero) does not read as "-0.0%".
    ``minus`` is the sign's character (the web app uses the typographic one)."""
    if not math.isfinite(value):
        return NOT_AVAILABLE
    text = _finite_value(value, kind)
    if text.startswith("-"):
        return minus + text[1:] if any(digit in text for digit in "123456789") else text[1:]
    return text


def _finite_value(value: float, kind: str) -> str:
    if kind == "money":
        return table_money(value)
    if kind in PERCENT_KINDS:
        return f"{value * 100:.1f}%"
    if kind in _SUFFIXES:
        return f"{value:,.1f}{_SUFFIXES[kind]}"
    if kind == "count":
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"
    if kind == "headcount":
        return f"{value:,.1f}"
    return f"{value:.2f}"


def format_delta(value: float, kind: str, minus: str = "-") -> str:
    """A signed difference: +$1.2M, -3.4 pp (percentage points), +12.0; no sign on zero."""
    if not math.isfinite(value):
        return NOT_AVAILABLE
    text = f"{abs(value) * 100:.1f} pp" if kind in PERCENT_KINDS else format_value(abs(value), kind)
    if not any(digit in text for digit in "123456789"):
        return text
    return ("+" if value > 0 else minus) + text


def format_band(low: float, high: float, kind: str) -> str:
    """An interval's bounds, "low – high", or "n/a" when it is undefined (one replication)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return NOT_AVAILABLE
    return f"{format_value(low, kind)} – {format_value(high, kind)}"


def plural(n: int, word: str) -> str:
    """``1 replication``, ``20 replications``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def window_phrase(first_day: int, last_day: int) -> str:
    """The period totals cover, in words: "3 reported years, days 63–819"; under a year, in
    days: "126 reported days, days 63–189"."""
    days = last_day - first_day
    years = days / DAYS_PER_YEAR
    span = f"days {first_day}\N{EN DASH}{last_day}"
    if years >= 1:
        amount = f"{years:g}" if float(f"{years:.1f}") == round(years, 6) else f"{years:.1f}"
        return f"{amount} reported {'year' if amount == '1' else 'years'}, {span}"
    return f"{days} reported {'day' if days == 1 else 'days'}, {span}"
