"""Compact dollar amounts: the digits each caller asks for, and no "$1000k" at unit edges."""

from __future__ import annotations

import pytest

from salessim.app.views import money_short
from salessim.formatting import MINUS, compact_money, table_money
from salessim.plots import _dollars


@pytest.mark.parametrize(
    ("value", "terminal", "headline", "tick"),
    [
        (0.0, "$0", "$0", "$0"),
        (950.0, "$950", "$950", "$950"),
        (-950.0, "-$950", f"{MINUS}$950", "-$950"),
        (12_345.0, "$12.3k", "$12.3k", "$12.3k"),
        (1_250_000.0, "$1.2M", "$1.25M", "$1.25M"),
        (3.4e9, "$3.4B", "$3.4B", "$3.4B"),
        # Amounts that round up to a thousand of one unit are shown in the next one.
        (999.7, "$1.0k", "$1k", "$1k"),
        (999_960.0, "$1.0M", "$1M", "$1M"),
        (-999_960.0, "-$1.0M", f"{MINUS}$1M", "-$1M"),
        (999.96e6, "$1.0B", "$1B", "$1B"),
        (999_499.0, "$999.5k", "$999k", "$999k"),  # stays below the edge
    ],
)
def test_compact_money_by_caller(value: float, terminal: str, headline: str, tick: str) -> None:
    assert table_money(value) == terminal
    assert money_short(value) == headline
    assert _dollars(value) == tick


def test_compact_money_uses_the_callers_digits_and_minus() -> None:
    assert compact_money(-2_500_000.0, "{:.2f}".format, "~") == "~$2.50M"
    assert money_short(float("nan")) == "n/a"
    assert _dollars(float("inf")) == ""
