"""A finite list of accounts to call: a called account rests before it is worth calling again."""

from __future__ import annotations

from collections import deque


class Territory:
    """Accounts available for prospecting, with called accounts resting for a while.

    Because the list is finite, prospecting yield per hour falls as it is worked, and spare
    rep hours can be genuinely spare rather than an endless sink.
    """

    __slots__ = ("fresh", "rest_days", "resting")

    def __init__(self, accounts: float, rest_days: float) -> None:
        self.fresh = accounts
        self.rest_days = rest_days
        self.resting: deque[tuple[float, float]] = deque()

    def add(self, accounts: float) -> None:
        """More fresh accounts to call (a team that grows brings its share of the market)."""
        self.fresh += accounts

    def refresh(self, now: float) -> float:
        """Return rested accounts to the list; the number of fresh accounts now."""
        resting = self.resting
        while resting and resting[0][0] <= now:
            self.fresh += resting.popleft()[1]
        return self.fresh

    def work(self, now: float, accounts_wanted: float) -> float:
        """Call up to `accounts_wanted` fresh accounts; the number actually called."""
        called = min(self.refresh(now), accounts_wanted)
        if called > 0.0:
            self.fresh -= called
            self.resting.append((now + self.rest_days, called))
        return called
