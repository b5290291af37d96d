"""Named random streams: one numpy Generator per process, derived from one seed.

Each stream is keyed by its *name*, not by creation order, so two scenarios run with the same
seed draw the same numbers for the same purpose (common random numbers), even when one scenario
has an extra lead source or SDR team. Draws are taken from numpy in blocks and handed out as
Python floats: one numpy call per event would cost a third of the model's speed.
"""

from __future__ import annotations

import math
import zlib
from statistics import NormalDist
from typing import Final

import numpy as np

_BLOCK: Final = 512


def seed_sequence(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    """A SeedSequence from an int seed or an existing sequence (replications pass children)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    return np.random.SeedSequence(int(seed))


def lognormal(mean: float, cv: float, z: float) -> float:
    """A lognormal value with given mean and coefficient of variation from a standard normal
    draw `z` (deals pre-draw their normals, so the value is fixed before it is needed)."""
    if mean <= 0.0:
        return 0.0
    if cv <= 0.0:
        return mean
    s2 = math.log1p(cv * cv)
    return mean * math.exp(math.sqrt(s2) * z - 0.5 * s2)


_STANDARD_NORMAL: Final = NormalDist()


def lognormal_beyond(mean: float, cv: float, z: float, elapsed: float) -> float:
    """A lognormal value (mean, cv) drawn given that it exceeds `elapsed`, from a standard
    normal draw `z`: the whole length of a wait that has already lasted `elapsed` (with cv 0,
    or a mean of 0, the value itself, or `elapsed` if it is already past)."""
    if mean <= 0.0 or cv <= 0.0:
        return max(mean, elapsed)
    s2 = math.log1p(cv * cv)
    mu = math.log(mean) - 0.5 * s2
    below = _STANDARD_NORMAL.cdf((math.log(elapsed) - mu) / math.sqrt(s2))
    u = below + (1.0 - below) * _STANDARD_NORMAL.cdf(z)
    if u >= 1.0:
        return elapsed
    return max(elapsed, math.exp(mu + math.sqrt(s2) * _STANDARD_NORMAL.inv_cdf(max(u, 1e-300))))


class Stream:
    """A buffered generator of one process's draws (uniform, normal, exponential, gamma,
    Poisson), handed out as Python floats."""

    __slots__ = ("_exp", "_gam", "_nor", "_uni", "generator")

    def __init__(self, generator: np.random.Generator) -> None:
        self.generator = generator
        self._uni: list[float] = []
        self._nor: list[float] = []
        self._exp: list[float] = []
        self._gam: dict[float, list[float]] = {}

    def uniform(self) -> float:
        """U(0,1)."""
        if not self._uni:
            self._uni = self.generator.random(_BLOCK).tolist()
        return self._uni.pop()

    def normal(self) -> float:
        """N(0,1)."""
        if not self._nor:
            self._nor = self.generator.standard_normal(_BLOCK).tolist()
        return self._nor.pop()

    def uniforms(self, k: int) -> list[float]:
        """k draws of U(0,1) at once (one list slice instead of k calls)."""
        buf = self._uni
        if len(buf) < k:
            buf = self._uni = self.generator.random(max(_BLOCK, k)).tolist() + buf
        out = buf[-k:]
        del buf[-k:]
        return out

    def uniform_run(self, k: int) -> list[float]:
        """k draws of U(0,1) in the order k calls of :meth:`uniform` would give them (and
        leaving the stream where they would): one list slice while the block holds them."""
        buf = self._uni
        n = len(buf)
        if k > n:
            return [self.uniform() for _ in range(k)]
        out = buf[n - k :]
        del buf[n - k :]
        out.reverse()  # uniform() takes them from the end
        return out

    def normals(self, k: int) -> list[float]:
        """k draws of N(0,1) at once."""
        buf = self._nor
        if len(buf) < k:
            buf = self._nor = self.generator.standard_normal(max(_BLOCK, k)).tolist() + buf
        out = buf[-k:]
        del buf[-k:]
        return out

    def exponential(self, mean: float) -> float:
        """Exponential with the given mean."""
        if not self._exp:
            self._exp = self.generator.standard_exponential(_BLOCK).tolist()
        return self._exp.pop() * mean

    def gamma_mean_cv(self, mean: float, cv: float) -> float:
        """A positive draw with given mean and coefficient of variation (gamma, cv 1 = exp.)."""
        if mean <= 0.0:
            return 0.0
        if cv <= 0.0:
            return mean
        if cv == 1.0:
            return self.exponential(mean)
        shape = 1.0 / (cv * cv)
        buf = self._gam.get(shape)
        if not buf:
            buf = self._gam[shape] = self.generator.standard_gamma(shape, _BLOCK).tolist()
        return buf.pop() * mean / shape

    def poisson(self, lam: float) -> int:
        """Poisson count with mean lam."""
        if lam <= 0.0:
            return 0
        if lam < 10.0:
            # Count unit-rate arrivals before lam (buffered exponentials; exact Poisson).
            n, total = 0, self.exponential(1.0)
            while total < lam:
                n += 1
                total += self.exponential(1.0)
            return n
        return int(self.generator.poisson(lam))

    def choice_index(self, weights: list[float]) -> int:
        """Index drawn with probability proportional to cumulative `weights` (already summed)."""
        u = self.uniform() * weights[-1]
        for i, w in enumerate(weights):
            if u < w:
                return i
        return len(weights) - 1


class Streams:
    """The named streams of one run; `get(name)` always returns the same stream for a name."""

    def __init__(self, seed: int | np.random.SeedSequence) -> None:
        self._root = seed_sequence(seed)
        self._streams: dict[str, Stream] = {}

    def get(self, name: str) -> Stream:
        stream = self._streams.get(name)
        if stream is None:
            key = zlib.crc32(name.encode("utf-8"))
            child = np.random.SeedSequence(
                self._root.entropy, spawn_key=(*self._root.spawn_key, 1_000_003, key)
            )
            stream = Stream(np.random.Generator(np.random.PCG64(child)))
            self._streams[name] = stream
        return stream
