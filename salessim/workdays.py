"""Working days to calendar dates and back: the model's clock counts working days, a CRM dates.

Working day ``d`` (a float) falls on the ``floor(d)``-th weekday after a start date (weekends
skipped, no holidays) and its fraction is the time of day in a working day from 09:00 to 17:00.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

DAY_START_HOUR = 9.0
"""A working day starts at 09:00 on the calendar."""
DAY_CLOCK_HOURS = 8.0
"""A working day runs 8 hours on the calendar (09:00-17:00), whatever the scenario's hours."""
DEFAULT_START = dt.date(2026, 1, 5)
"""A Monday: the date of the first exported day unless told otherwise (deterministic exports)."""


def first_weekday(start: dt.date) -> dt.date:
    """`start`, or the Monday after it if it falls on a weekend."""
    return dt.date.fromisoformat(str(np.busday_offset(start, 0, roll="forward")))


def to_datetime(day: float, start: dt.date) -> dt.datetime:
    """The calendar time of working day `day` counted from `start` (day 0 at 09:00 on it)."""
    whole = math.floor(day)
    date = dt.date.fromisoformat(str(np.busday_offset(first_weekday(start), whole)))
    minutes = round((day - whole) * DAY_CLOCK_HOURS * 60.0)
    return dt.datetime.combine(date, dt.time()) + dt.timedelta(
        hours=DAY_START_HOUR, minutes=minutes
    )


class Clock:
    """Working days as ISO date-times from one start date (dates cached: exports are big)."""

    def __init__(self, start: dt.date) -> None:
        self.start = first_weekday(start)
        self._dates: dict[int, str] = {}

    def text(self, day: float) -> str:
        """``YYYY-MM-DDTHH:MM`` of working day `day` (as :func:`to_datetime`)."""
        whole = math.floor(day)
        date = self._dates.get(whole)
        if date is None:
            date = str(np.busday_offset(self.start, whole))
            self._dates[whole] = date
        minutes = round((day - whole) * DAY_CLOCK_HOURS * 60.0 + DAY_START_HOUR * 60.0)
        return f"{date}T{minutes // 60:02d}:{minutes % 60:02d}"


def to_days(times: np.ndarray, start: dt.date) -> np.ndarray:
    """Working days from `start` to each of `times` (numpy datetime64): whole weekdays between
    the dates plus the time of day as a share of 09:00-17:00 (clipped to it); a time on a
    weekend counts as the next Monday at 09:00."""
    t = np.asarray(times, dtype="datetime64[m]")
    dates = t.astype("datetime64[D]")
    whole = np.busday_count(np.datetime64(first_weekday(start)), dates).astype(float)
    minutes = (t - dates.astype("datetime64[m]")).astype(float)
    share = np.clip((minutes / 60.0 - DAY_START_HOUR) / DAY_CLOCK_HOURS, 0.0, 1.0)
    weekday = np.is_busday(dates)
    return np.where(weekday, whole + share, whole)
