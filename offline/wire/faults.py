"""Seeded fault draws: the same seed and the same sequence of calls give the same faults."""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence


class SeededDraws:
    """A thread-safe random source that restarts its sequence whenever ``seed`` changes.

    A rate of 0 draws nothing, so a knob left at 0 never shifts the sequence other knobs see.
    """

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._seed = seed
        self._rng = random.Random(seed)

    def _random(self, seed: int) -> float:
        with self._lock:
            if seed != self._seed:
                self._seed, self._rng = seed, random.Random(seed)
            return self._rng.random()

    def roll(self, rate: float, seed: int) -> bool:
        """True with probability ``rate``."""
        if rate <= 0:
            return False
        if rate >= 1:
            return True
        return self._random(seed) < rate

    def pick(self, rates: Sequence[tuple[str, float]], seed: int) -> str | None:
        """One of the kinds, each with its rate (rates add up to at most 1), or None; one draw."""
        if not any(rate > 0 for _, rate in rates):
            return None
        roll = self._random(seed)
        threshold = 0.0
        for kind, rate in rates:
            threshold += rate
            if roll < threshold:
                return kind
        return None
