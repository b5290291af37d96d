"""Text in and out of the pages: numbers typed by users, read strictly, and text shown safely.

A number box must never quietly use something other than what the user typed: Streamlit's own
number inputs keep the previous value when a typed one is out of range and read ``3.7`` as 3 in
a whole-number box. The pages take numbers as text instead and read them here; a value that is
not acceptable comes back with the reason, shown next to the field.

Streamlit renders Markdown (and ``$…$`` as mathematics, ``:name:`` as icons) in most texts. Text
that did not come from the app itself — scenario names from uploaded files, error messages that
quote a value — and sentences with dollar amounts are escaped before they are shown.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_MINUSES = str.maketrans({"−": "-", "–": "-", "‒": "-"})


def plain(text: object) -> str:
    """`text` for a Markdown field, shown exactly as written: every ASCII punctuation mark is
    backslash-escaped (no bold, links, headings, maths or icons) and line breaks become spaces."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))


@dataclass(frozen=True)
class Reading:
    """A typed number, read: the value, or None and why not."""

    value: float | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.value is not None


def read_number(
    text: str,
    field: str,
    low: float | None = None,
    high: float | None = None,
    *,
    whole: bool = False,
    unit: str = "",
) -> Reading:
    """Read `text` as a number from `low` to `high` (a whole number if `whole`).

    Accepts what people type: spaces, thousands separators (``1,000``), a typographic minus and,
    when `unit` is ``%``, a trailing percent sign. Empty text is no value and no error. The
    error names `field` ("Random seed must be …"), or starts at "must be" if `field` is empty.
    """
    cleaned = text.strip().translate(_MINUSES).replace(",", "").replace(" ", "")
    if unit and cleaned.endswith(unit):
        cleaned = cleaned[: -len(unit)]
    if not cleaned:
        return Reading(None)
    subject = f"{field} must be" if field else "must be"
    kind = "a whole number" if whole else "a number"
    span = ""
    if low is not None and high is not None:
        span = f" from {_show(low, unit)} to {_show(high, unit)}"
    shown = f"(got '{text.strip()[:40]}')"
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return Reading(None, f"{subject} {kind}{span} {shown}")
    if not number.is_finite():
        return Reading(None, f"{subject} {kind}{span} {shown}")
    if whole and number != number.to_integral_value():
        return Reading(None, f"{subject} a whole number, without decimals {shown}")
    if (low is not None and number < low) or (high is not None and number > high):
        return Reading(None, f"{subject}{span} {shown}")
    return Reading(int(number) if whole else float(number))


def _show(value: float, unit: str) -> str:
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    return f"{text}{unit}"
