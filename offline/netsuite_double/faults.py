"""Fault injection: 429, 500, 503 (empty body), held-then-dropped requests, connection resets.

Decisions come from one seeded RNG, one draw per faultable request, so a given request sequence
always meets the same faults. Changing ``seed`` restarts the sequence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from offline.wire.faults import SeededDraws

RATE_429, RATE_500, RATE_503, TIMEOUT, RESET = "429", "500", "503", "timeout", "reset"

# Faults that may land after the write was committed when ``after_write`` is set.
AFTER_WRITE_KINDS = (RATE_500, TIMEOUT, RESET)


@dataclass
class FaultConfig:
    """Fault rates in 0..1, checked in this order on each record/query request."""

    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_503: float = 0.0
    rate_timeout: float = 0.0
    rate_reset: float = 0.0
    after_write: bool = False  # 500/timeout/reset on writes strike after the commit
    timeout_s: float = 3.0  # how long a "timeout" request is held before the socket closes
    seed: int = 0
    _draws: SeededDraws = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._draws = SeededDraws(self.seed)

    def draw(self) -> str | None:
        """The fault for the next request, or None."""
        rates = (
            (RATE_429, self.rate_429),
            (RATE_500, self.rate_500),
            (RATE_503, self.rate_503),
            (TIMEOUT, self.rate_timeout),
            (RESET, self.rate_reset),
        )
        return self._draws.pick(rates, self.seed)
