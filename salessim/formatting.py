"""Amounts as people read them, shared by the terminal tables, the charts and the web app."""

from __future__ import annotations

from collections.abc import Callable

MINUS = "\N{MINUS SIGN}"
MONEY_UNITS: tuple[tuple[float, str], ...] = ((1e9, "B"), (1e6, "M"), (1e3, "k"))


def compact_money(value: float, scaled: Callable[[float], str], minus: str = "-") -> str:
    """Dollars with a thousands suffix: the sign, "$", ``scaled(amount / unit)`` and k, M or B;
    amounts under $1,000 in whole dollars. Each caller chooses its digits and minus sign."""
    sign = minus if value < 0 else ""
    amount = abs(value)
    for limit, suffix in MONEY_UNITS:
        if amount >= limit:
            return f"{sign}${scaled(amount / limit)}{suffix}"
    return f"{sign}${amount:.0f}"
