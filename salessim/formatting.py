"""Amounts as people read them, shared by the terminal tables, the charts and the web app."""

from __future__ import annotations

from collections.abc import Callable

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
