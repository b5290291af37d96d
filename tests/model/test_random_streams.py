"""Named random streams: draws with the intended moments, and keys that stay put.

Moments are checked against scipy.stats' analytic mean and variance on N = 100,000 draws from
a fixed seed, within 5 standard errors: sqrt(var / N) for the mean and, for the variance,
var * sqrt((excess kurtosis + 2) / N).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from scipy import stats

from salessim.random_streams import Stream, Streams, lognormal

N = 100_000
SEED = 20240611
Z = 5.0


def assert_moments(sample: list[float], dist: stats.rv_continuous | stats.rv_discrete) -> None:
    """Sample mean and variance within Z standard errors of the distribution's own."""
    mean, var, _, kurt = (float(x) for x in dist.stats(moments="mvsk"))
    x = np.asarray(sample, dtype=float)
    assert len(x) == N
    se_mean = math.sqrt(var / N)
    se_var = var * math.sqrt((kurt + 2.0) / N)
    assert abs(x.mean() - mean) < Z * se_mean, f"mean {x.mean():.5g}, expected {mean:.5g}"
    assert abs(x.var(ddof=1) - var) < Z * se_var, (
        f"variance {x.var(ddof=1):.5g}, expected {var:.5g}"
    )


def stream(name: str = "test") -> Stream:
    return Streams(SEED).get(name)


# ---------------------------------------------------------------------------- distributions
@pytest.mark.parametrize("lam", [0.3, 3.5, 9.99, 10.0, 40.0])  # both sides of the 10 switch
def test_poisson_counts_have_poisson_moments(lam: float) -> None:
    s = stream()
    sample = [float(s.poisson(lam)) for _ in range(N)]
    assert all(v == int(v) >= 0 for v in sample[:1000])
    assert_moments(sample, stats.poisson(lam))


@pytest.mark.parametrize(("mean", "cv"), [(0.75, 0.5), (2.0, 1.0), (1.0, 2.0), (10.0, 0.2)])
def test_gamma_draws_have_the_mean_and_cv_asked_for(mean: float, cv: float) -> None:
    s = stream()
    sample = [s.gamma_mean_cv(mean, cv) for _ in range(N)]
    shape = 1.0 / (cv * cv)
    assert_moments(sample, stats.gamma(a=shape, scale=mean / shape))


@pytest.mark.parametrize(("mean", "cv"), [(8.0, 0.5), (12.0, 1.0), (1.0, 0.1)])
def test_lognormal_values_have_the_mean_and_cv_asked_for(mean: float, cv: float) -> None:
    sample = [lognormal(mean, cv, z) for z in stream().normals(N)]
    sigma2 = math.log1p(cv * cv)
    dist = stats.lognorm(s=math.sqrt(sigma2), scale=mean * math.exp(-0.5 * sigma2))
    assert_moments(sample, dist)


@pytest.mark.parametrize(
    "draw",
    [
        lambda s: s.gamma_mean_cv(3.0, 0.0),
        lambda _s: lognormal(3.0, 0.0, 1.7),
    ],
)
def test_no_variation_gives_the_mean_itself(draw: Callable[[Stream], float]) -> None:
    assert draw(stream()) == 3.0


def test_nothing_to_draw_gives_zero() -> None:
    s = stream()
    assert s.poisson(0.0) == 0
    assert s.gamma_mean_cv(0.0, 0.5) == 0.0
    assert lognormal(0.0, 0.5, 1.0) == 0.0


def test_choice_index_follows_the_cumulative_weights() -> None:
    s = stream()
    counts = np.bincount([s.choice_index([0.2, 0.5, 1.0]) for _ in range(N)], minlength=3)
    expected = np.array([0.2, 0.3, 0.5]) * N
    # Each count is binomial: within 5 standard errors of N * p.
    assert np.all(np.abs(counts - expected) < Z * np.sqrt(expected * (1 - expected / N)))


# ---------------------------------------------------------------------------- stream keys
def test_the_same_name_from_the_same_seed_gives_the_same_numbers() -> None:
    first, second = Streams(7), Streams(7)
    assert first.get("deals:marketing") is first.get("deals:marketing")
    assert first.get("deals:marketing").normals(20) == second.get("deals:marketing").normals(20)
    assert first.get("qualification").uniforms(20) == second.get("qualification").uniforms(20)


def test_different_names_and_different_seeds_give_different_numbers() -> None:
    streams = Streams(7)
    names = ("qualification", "prospecting", "deals:marketing", "arrivals:web_inbound")
    draws = {tuple(streams.get(name).uniforms(5)) for name in names}
    assert len(draws) == len(names)
    assert Streams(8).get("qualification").uniforms(5) != Streams(7).get("qualification").uniforms(
        5
    )


def test_adding_a_stream_does_not_change_the_existing_ones() -> None:
    # A scenario with an extra lead source or an SDR team draws from more streams; the streams
    # both scenarios share must give the same numbers (common random numbers).
    alone = Streams(7)
    expected = alone.get("qualification").uniforms(50)
    crowded = Streams(7)
    crowded.get("arrivals:new_source").uniforms(1_000)
    crowded.get("people").exponential(1.0)
    assert crowded.get("qualification").uniforms(50) == expected


def test_replications_get_different_streams_from_child_seeds() -> None:
    child = [np.random.SeedSequence(3, spawn_key=(i,)) for i in range(2)]
    assert Streams(child[0]).get("people").uniforms(5) != Streams(child[1]).get("people").uniforms(
        5
    )
    assert Streams(3).get("people").uniforms(5) == Streams(np.random.SeedSequence(3)).get(
        "people"
    ).uniforms(5)


def test_stream_numbers_are_pinned_to_seed_and_name() -> None:
    # A name's numbers must not depend on the process (e.g. Python's randomised str hash) or the
    # numpy version's defaults: saved results and every figure quoted rely on them.
    streams = Streams(2024)
    assert streams.get("qualification").uniforms(3) == pytest.approx(
        [0.037844012408846495, 0.32091243084722965, 0.4822291960212597], abs=1e-15
    )
    assert streams.get("deals:marketing").normals(2) == pytest.approx(
        [-0.6111971290533043, 0.031344908516906606], abs=1e-15
    )


@pytest.mark.parametrize("k", [0, 1, 7, 300, 511, 512, 513, 1_500])
def test_uniform_run_gives_the_draws_successive_uniform_calls_would(k: int) -> None:
    # uniform_run(k) stands for k calls of uniform() (a day's lead arrival times): the same
    # numbers in the same order, and the stream left where those calls would leave it, whether
    # the block holds them all, exactly, or must be refilled (blocks of 512). Some draws are
    # taken first so the run starts inside a block.
    run, calls = Streams(SEED).get("arrivals:web"), Streams(SEED).get("arrivals:web")
    for stream in (run, calls):
        stream.uniforms(5)
    assert run.uniform_run(k) == [calls.uniform() for _ in range(k)]
    assert [run.uniform() for _ in range(600)] == [calls.uniform() for _ in range(600)]
