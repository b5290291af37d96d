"""Tests for salessim.statistics: intervals, paired differences and boom-and-bust metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from salessim.statistics import (
    Difference,
    Interval,
    autocorrelation,
    bias,
    coefficient_of_variation,
    dominant_period,
    mape,
    paired_difference,
    peak_to_trough,
    t_interval,
)


def test_t_interval_matches_hand_computation() -> None:
    # Tables: t(0.975, 3) = 3.182446; sd of 1..4 = sqrt(5/3); half-width = t * sd / sqrt(4).
    half = 3.182446 * math.sqrt(5 / 3) / 2.0
    interval = t_interval([1.0, 2.0, 3.0, 4.0])
    assert interval.mean == pytest.approx(2.5)
    assert interval.ci_low == pytest.approx(2.5 - half, abs=1e-6)
    assert interval.ci_high == pytest.approx(2.5 + half, abs=1e-6)


def test_t_interval_confidence_level_widens_interval() -> None:
    values = [3.0, 5.0, 4.0, 6.0, 2.0]
    narrow, wide = t_interval(values, 0.80), t_interval(values, 0.99)
    assert wide.ci_low < narrow.ci_low < narrow.mean < narrow.ci_high < wide.ci_high


def test_t_interval_degenerate_cases() -> None:
    # One value has a mean but no interval: not a zero-width certainty.
    single = t_interval([7.0])
    assert single.mean == 7.0 and math.isnan(single.ci_low) and math.isnan(single.ci_high)
    assert not single.defined
    assert t_interval([3.0, 3.0, 3.0]) == Interval(3.0, 3.0, 3.0)
    assert t_interval([1.0, math.nan, 3.0]).mean == pytest.approx(2.0)
    empty = t_interval([math.nan, math.nan])
    assert math.isnan(empty.mean) and math.isnan(empty.ci_low) and math.isnan(empty.ci_high)


def test_t_interval_rejects_bad_confidence() -> None:
    with pytest.raises(ValueError, match="confidence"):
        t_interval([1.0, 2.0], confidence=95)


def test_t_interval_coverage() -> None:
    # 2000 samples of size 10 from N(5, 2), seed 1; the 95% interval must cover 5 in 93–97%
    # of them (±4 standard errors of a binomial proportion at 0.95).
    rng = np.random.default_rng(1)
    samples = rng.normal(5.0, 2.0, size=(2000, 10))
    intervals = [t_interval(sample) for sample in samples]
    coverage = np.mean([i.ci_low <= 5.0 <= i.ci_high for i in intervals])
    assert 0.93 <= coverage <= 0.97


def test_interval_to_dict() -> None:
    assert Interval(1.0, 0.5, 1.5).to_dict() == {"mean": 1.0, "ci_low": 0.5, "ci_high": 1.5}
    assert Difference(1.0, 0.5, 1.5, 0.01).to_dict()["p_value"] == 0.01


def test_paired_difference_detects_obvious_effect() -> None:
    # Seed 2, 30 pairs sharing a large common component (common random numbers), effect +5.
    rng = np.random.default_rng(2)
    a = rng.normal(100.0, 10.0, 30)
    b = a + 5.0 + rng.normal(0.0, 1.0, 30)
    diff = paired_difference(a, b)
    assert diff.ci_low < 5.0 < diff.ci_high
    assert diff.ci_low > 0.0
    assert diff.p_value < 1e-6
    assert diff.p_value == pytest.approx(stats.ttest_rel(b, a).pvalue)
    reverse = paired_difference(b, a)
    assert reverse.mean == pytest.approx(-diff.mean)
    assert reverse.ci_high < 0.0


def test_paired_difference_no_effect() -> None:
    # Seed 2, 30 pairs with no effect: the interval covers 0 and the test does not reject.
    rng = np.random.default_rng(2)
    a = rng.normal(100.0, 10.0, 30)
    b = a + rng.normal(0.0, 1.0, 30)
    diff = paired_difference(a, b)
    assert diff.ci_low < 0.0 < diff.ci_high
    assert diff.p_value > 0.05


def test_intervals_and_p_values_are_scipy_stats_own() -> None:
    """The intervals and paired p-values call Student's t functions of scipy.special directly;
    they must give scipy.stats' figures (t.ppf, ttest_rel). Seed 11, 300 samples of 2 to 60
    pairs over scales from 1e-3 to 1e7, whole numbers for a third of them (counts), at 90, 95
    and 99%: equal to 1e-13 relative (the same arithmetic gives the same bits; the tolerance
    leaves room for another scipy's rounding, not for another formula)."""
    rng = np.random.default_rng(11)
    for trial in range(300):
        n = int(rng.integers(2, 61))
        scale = 10.0 ** rng.uniform(-3, 7)
        a = rng.normal(0.0, scale, n)
        b = a + rng.normal(rng.uniform(-0.3, 0.3) * scale, scale * rng.uniform(0.01, 1.0), n)
        if trial % 3 == 0:
            a, b = np.round(a), np.round(b)
        confidence = (0.90, 0.95, 0.99)[trial % 3]
        diff = paired_difference(a, b, confidence)
        d = b - a
        if d.std(ddof=1) <= 1e-12 * max(abs(d.mean()), 1.0):
            continue  # a constant difference: scipy gives NaN, salessim 0 or 1 (tested above)
        half = stats.t.ppf((1 + confidence) / 2, n - 1) * d.std(ddof=1) / math.sqrt(n)
        assert diff.mean == d.mean()
        assert diff.ci_high - diff.mean == pytest.approx(half, rel=1e-13)
        assert diff.p_value == pytest.approx(stats.ttest_rel(b, a).pvalue, rel=1e-13, abs=1e-300)
        interval = t_interval(b, confidence)
        expected = stats.t.interval(confidence, n - 1, loc=b.mean(), scale=stats.sem(b))
        assert (interval.ci_low, interval.ci_high) == pytest.approx(expected, rel=1e-12)


def test_one_pair_is_never_significant() -> None:
    # compare -n 1: a difference of -366.2k must not claim certainty.
    one = paired_difference([1000.0], [633.8])
    assert one.mean == pytest.approx(-366.2)
    assert math.isnan(one.ci_low) and math.isnan(one.ci_high) and math.isnan(one.p_value)
    assert not one.significant


def test_significance_rule() -> None:
    assert Difference(1.0, 0.5, 1.5, 0.01).significant
    assert Difference(-1.0, -1.5, -0.5, 0.01).significant
    assert not Difference(0.2, -0.5, 0.9, 0.4).significant
    assert not Difference(1.0, math.nan, math.nan, math.nan).significant


def test_interval_clipped_to_possible_range() -> None:
    # A count's interval never goes below zero; a share's never above one; the mean is kept.
    assert Interval(0.1, -0.1, 0.3).clipped(low=0.0) == Interval(0.1, 0.0, 0.3)
    assert Interval(0.98, 0.95, 1.01).clipped(0.0, 1.0) == Interval(0.98, 0.95, 1.0)
    undefined = Interval(2.0, math.nan, math.nan).clipped(0.0)
    assert math.isnan(undefined.ci_low) and math.isnan(undefined.ci_high)


def test_paired_difference_zero_variance_and_nans() -> None:
    assert paired_difference([1.0, 2.0, 3.0], [3.0, 4.0, 5.0]).p_value == 0.0
    same = paired_difference([1.0, 2.0], [1.0, 2.0])
    assert same.mean == 0.0 and same.p_value == 1.0
    dropped = paired_difference([1.0, math.nan, 2.0, 4.0], [2.0, 9.0, math.nan, 5.0])
    assert dropped.mean == pytest.approx(1.0)
    assert math.isnan(paired_difference([1.0], [2.0]).p_value)
    with pytest.raises(ValueError, match="same length"):
        paired_difference([1.0, 2.0], [1.0])


def test_coefficient_of_variation() -> None:
    values = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]
    assert coefficient_of_variation(values) == pytest.approx(math.sqrt(32 / 7) / 5)
    assert math.isnan(coefficient_of_variation([3.0]))
    assert math.isnan(coefficient_of_variation([-1.0, 1.0]))


def test_peak_to_trough() -> None:
    assert peak_to_trough([2.0, 8.0, 4.0]) == pytest.approx(4.0)
    assert peak_to_trough([0.0, 3.0]) == math.inf
    assert math.isnan(peak_to_trough([]))
    assert math.isnan(peak_to_trough([0.0, 0.0]))


def test_autocorrelation_matches_definition() -> None:
    x = np.array([1.0, 3.0, 2.0, 5.0, 4.0])
    centred = x - x.mean()
    expected_lag1 = np.dot(centred[:-1], centred[1:]) / np.dot(centred, centred)
    acf = autocorrelation(x, 2)
    assert acf.shape == (3,)
    assert acf[0] == pytest.approx(1.0)
    assert acf[1] == pytest.approx(expected_lag1)
    assert np.isnan(autocorrelation([2.0, 2.0, 2.0], 1)).all()
    with pytest.raises(ValueError, match="max_lag"):
        autocorrelation(x, 5)


@pytest.mark.parametrize(("period", "length"), [(6, 120), (12, 156)])
def test_dominant_period_finds_noisy_cycle(period: int, length: int) -> None:
    # Seed 3, sine of amplitude 1 plus N(0, 0.5) noise: the first ACF peak is the period.
    rng = np.random.default_rng(3)
    t = np.arange(length)
    series = np.sin(2 * np.pi * t / period) + rng.normal(0.0, 0.5, length)
    assert dominant_period(series) == period


def test_dominant_period_none_in_window() -> None:
    series = np.sin(2 * np.pi * np.arange(156) / 12)
    assert math.isnan(dominant_period(series, min_lag=2, max_lag=8))
    assert dominant_period(series, min_lag=2, max_lag=12) == 12
    assert math.isnan(dominant_period(np.ones(20)))


def test_mape_and_bias() -> None:
    forecast = [110.0, 90.0, 50.0]
    actual = [100.0, 100.0, 0.0]
    assert mape(forecast, actual) == pytest.approx(0.1)  # the zero-actual pair is skipped
    assert bias(forecast, actual) == pytest.approx(50.0 / 200.0)
    assert bias([120.0, 90.0], [100.0, 100.0]) == pytest.approx(0.05)
    assert bias([80.0], [100.0]) == pytest.approx(-0.2)
    assert mape([math.nan, 120.0], [100.0, 100.0]) == pytest.approx(0.2)
    assert math.isnan(mape([1.0], [0.0]))
    assert math.isnan(bias([1.0], [0.0]))
