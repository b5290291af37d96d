"""Statistics over replications and time series: intervals, paired differences, cycle metrics.

Pure functions over plain numbers so that experiments, reports and tests share one definition of
each metric; nothing here knows about the model that produced the numbers.

One replication has no interval: its bounds and p-value are NaN (shown as "n/a", ``null`` in
JSON), and :attr:`Difference.significant` — the one significance rule every table, chart, JSON
file and explanation uses — is false.

scipy is imported only by the two functions that need it, so a worker process that computes a
replication's metrics (cycle periods, forecast error) never loads it; they call Student's t
distribution functions of ``scipy.special`` directly (the ones ``scipy.stats.t.ppf`` and
``scipy.stats.ttest_rel`` end in, with the same arithmetic before them, so the same figures), at a
few microseconds a call instead of a few hundred: a comparison's page assembles hundreds of
intervals in the web server's process, beside the simulations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Interval:
    """A mean with the bounds of its confidence interval."""

    mean: float
    ci_low: float
    ci_high: float

    @property
    def defined(self) -> bool:
        """Whether the interval has finite bounds (at least two values were observed)."""
        return math.isfinite(self.ci_low) and math.isfinite(self.ci_high)

    def clipped(self, low: float | None = None, high: float | None = None) -> Interval:
        """The same interval with its bounds kept within a quantity's possible range (a count is
        never below 0, a share never above 1); the mean is left alone."""
        ci_low, ci_high = self.ci_low, self.ci_high
        if low is not None and math.isfinite(ci_low):
            ci_low = max(ci_low, low)
        if high is not None and math.isfinite(ci_high):
            ci_high = min(ci_high, high)
        return Interval(self.mean, ci_low, ci_high)

    def to_dict(self) -> dict[str, float]:
        """Return the interval as a flat mapping for tables and JSON."""
        return {"mean": self.mean, "ci_low": self.ci_low, "ci_high": self.ci_high}


@dataclass(frozen=True)
class Difference(Interval):
    """A mean paired difference (b − a) with its interval and two-sided paired t-test p-value."""

    p_value: float

    @property
    def significant(self) -> bool:
        """The one significance rule: a defined 95% interval that excludes zero. Never true for
        one replication, which has no interval."""
        return (
            self.defined and math.isfinite(self.p_value) and (self.ci_low > 0 or self.ci_high < 0)
        )

    def to_dict(self) -> dict[str, float]:
        """Return the difference as a flat mapping, p-value included."""
        return {**super().to_dict(), "p_value": self.p_value}


def _as_floats(values: npt.ArrayLike, name: str) -> FloatArray:
    """Return ``values`` as a 1-D float array, rejecting other shapes."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    return array


def _paired(a: npt.ArrayLike, b: npt.ArrayLike, names: tuple[str, str]) -> tuple[FloatArray, ...]:
    """Return two equal-length float arrays with the pairs where either is NaN dropped."""
    first, second = _as_floats(a, names[0]), _as_floats(b, names[1])
    if first.shape != second.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same length, "
            f"got {first.size} and {second.size}"
        )
    keep = ~(np.isnan(first) | np.isnan(second))
    return first[keep], second[keep]


def _check_confidence(confidence: float) -> None:
    """Reject a confidence level outside the open interval (0, 1)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence}")


def _interval_of(sample: FloatArray, confidence: float) -> Interval:
    """Student-t interval of a NaN-free sample: NaN bounds for one value (no interval), zero
    width for a constant sample."""
    if sample.size == 0:
        return Interval(math.nan, math.nan, math.nan)
    mean = float(sample.mean())
    if sample.size == 1:
        return Interval(mean, math.nan, math.nan)
    sd = float(sample.std(ddof=1))
    if sd == 0.0:
        return Interval(mean, mean, mean)
    from scipy import special

    quantile = float(special.stdtrit(sample.size - 1, (1.0 + confidence) / 2.0))  # t.ppf
    half = quantile * sd / math.sqrt(sample.size)
    return Interval(mean, mean - half, mean + half)


def _paired_p_value(diff: FloatArray) -> float:
    """Two-sided p-value of a paired t-test on the differences (``scipy.stats.ttest_rel``'s
    statistic and p-value, computed as it does them)."""
    from scipy import special

    n = diff.size
    mean = diff.mean()
    deviations = diff - mean
    variance = np.mean(deviations * deviations) * (n / (n - 1))
    statistic = mean / np.sqrt(variance / n)
    return float(2.0 * special.stdtr(n - 1, -abs(statistic)))


def t_interval(values: npt.ArrayLike, confidence: float = 0.95) -> Interval:
    """Mean over replications with a Student-t confidence interval; NaNs are ignored.

    One value gives NaN bounds (an interval needs two); zero variance gives a zero-width
    interval; no values give NaN throughout.
    """
    _check_confidence(confidence)
    sample = _as_floats(values, "values")
    return _interval_of(sample[~np.isnan(sample)], confidence)


def paired_difference(a: npt.ArrayLike, b: npt.ArrayLike, confidence: float = 0.95) -> Difference:
    """Mean of b − a over pairs (common random numbers), its t interval and paired t-test p-value.

    Pairs where either value is NaN are dropped; fewer than two pairs give a NaN p-value.
    """
    _check_confidence(confidence)
    first, second = _paired(a, b, ("a", "b"))
    diff = second - first
    interval = _interval_of(diff, confidence)
    if diff.size < 2:
        p_value = math.nan
    elif float(diff.std(ddof=1)) <= 1e-12 * max(abs(float(diff.mean())), 1.0):
        # scipy returns NaN here; a constant non-zero difference is as certain as it gets.
        p_value = 0.0 if interval.mean != 0.0 else 1.0
    else:
        p_value = _paired_p_value(diff)
    return Difference(interval.mean, interval.ci_low, interval.ci_high, p_value)


def coefficient_of_variation(values: npt.ArrayLike) -> float:
    """Sample standard deviation (ddof=1) over the mean; NaN for a zero mean or < 2 values."""
    sample = _as_floats(values, "values")
    if sample.size < 2:
        return math.nan
    mean = float(sample.mean())
    if mean == 0.0:
        return math.nan
    return float(sample.std(ddof=1)) / mean


def peak_to_trough(values: npt.ArrayLike) -> float:
    """Ratio of the largest to the smallest value of a non-negative series.

    Infinite when the trough is zero and the peak is not; NaN when empty or all zero.
    """
    sample = _as_floats(values, "values")
    if sample.size == 0:
        return math.nan
    peak, trough = float(sample.max()), float(sample.min())
    if trough == 0.0:
        return math.inf if peak > 0.0 else math.nan
    return peak / trough


def autocorrelation(series: npt.ArrayLike, max_lag: int) -> FloatArray:
    """Sample autocorrelation for lags 0..max_lag (demeaned, normalised by the lag-0 variance).

    A constant series has no defined autocorrelation and gives NaN at every lag.
    """
    x = _as_floats(series, "series")
    if not 0 <= max_lag < x.size:
        raise ValueError(
            f"max_lag must be between 0 and len(series) - 1 = {x.size - 1}, got {max_lag}"
        )
    x = x - x.mean()
    denominator = float(np.dot(x, x))
    if denominator == 0.0:
        return np.full(max_lag + 1, math.nan)
    n = x.size
    return np.array([np.dot(x[: n - k], x[k:]) / denominator for k in range(max_lag + 1)])


def dominant_period(series: npt.ArrayLike, min_lag: int = 2, max_lag: int | None = None) -> float:
    """Lag, in the series' own time units, of the highest positive local maximum of the ACF.

    Only lags in [min_lag, max_lag] (default len(series) // 2) are candidates; NaN if no
    candidate is a positive peak. Noise alone can produce small spurious peaks.
    """
    x = _as_floats(series, "series")
    last = x.size // 2 if max_lag is None else max_lag
    if min_lag < 1:
        raise ValueError(f"min_lag must be at least 1, got {min_lag}")
    if x.size < 3 or last < min_lag:
        return math.nan
    # One lag beyond the window so a peak at max_lag itself can be recognised.
    acf = autocorrelation(x, min(last + 1, x.size - 1))
    best_lag, best_value = math.nan, -math.inf
    for lag in range(min_lag, min(last, acf.size - 2) + 1):
        value = float(acf[lag])
        is_peak = value > acf[lag - 1] and value >= acf[lag + 1]
        if is_peak and value > 0.0 and value > best_value:
            best_lag, best_value = float(lag), value
    return best_lag


def mape(forecast: npt.ArrayLike, actual: npt.ArrayLike) -> float:
    """Mean absolute percentage error as a fraction, over pairs with a positive actual.

    Pairs with a NaN (e.g. quarters before the first forecast) are dropped; NaN if none remain.
    """
    f, a = _paired(forecast, actual, ("forecast", "actual"))
    positive = a > 0.0
    if not positive.any():
        return math.nan
    return float(np.mean(np.abs(f[positive] - a[positive]) / a[positive]))


def bias(forecast: npt.ArrayLike, actual: npt.ArrayLike) -> float:
    """Total over-forecast as a fraction of total actual: sum(f − a) / sum(a).

    Positive means optimistic forecasts. Pairs with a NaN are dropped; NaN if sum(a) is zero.
    """
    f, a = _paired(forecast, actual, ("forecast", "actual"))
    total = float(a.sum())
    if total == 0.0:
        return math.nan
    return float((f - a).sum()) / total
