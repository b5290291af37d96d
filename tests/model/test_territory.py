"""A finite territory: called accounts rest before they can be called again."""

from __future__ import annotations

import pytest

from salessim.territory import Territory


def test_called_accounts_rest_for_their_rest_days_then_return() -> None:
    t = Territory(100.0, rest_days=10.0)
    assert t.work(now=2.0, accounts_wanted=30.0) == 30.0
    assert t.refresh(11.99) == 70.0
    assert t.refresh(12.0) == 100.0


def test_only_fresh_accounts_can_be_called() -> None:
    t = Territory(50.0, rest_days=10.0)
    assert t.work(now=0.0, accounts_wanted=40.0) == 40.0
    assert t.work(now=1.0, accounts_wanted=40.0) == 10.0  # only 10 left fresh
    assert t.work(now=2.0, accounts_wanted=40.0) == 0.0  # rested out
    assert t.refresh(10.0) == 40.0  # the first batch is back, the second still rests
    assert t.refresh(11.0) == 50.0


def test_a_rested_out_territory_books_no_empty_batch() -> None:
    t = Territory(0.0, rest_days=10.0)
    assert t.work(now=0.0, accounts_wanted=5.0) == 0.0
    assert not t.resting


@pytest.mark.parametrize("wanted", [0.0, 2.5, 7.25])
def test_fractional_calls_are_kept_exactly(wanted: float) -> None:
    # Dial hours turn into fractions of an account; nothing is lost or created by rounding.
    t = Territory(10.0, rest_days=3.0)
    called = t.work(now=0.0, accounts_wanted=wanted)
    assert called == wanted
    assert t.refresh(1.0) + called == 10.0
    assert t.refresh(3.0) == 10.0
