"""Fault injection knobs; tests mutate a live instance while the double runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from offline.wire.faults import SeededDraws


@dataclass
class SalesforceFaults:
    """Probabilities (0.0-1.0) of each injected fault, drawn from one seeded RNG.

    - ``rate_request_limit``: 403 ``REQUEST_LIMIT_EXCEEDED`` (org's daily allocation used up).
    - ``rate_503``: 503 ``SERVER_UNAVAILABLE``.
    - ``rate_unable_to_lock_row``: on each record write, ``UNABLE_TO_LOCK_ROW``.
    - ``fail_all``: Salesforce is down; every call, the token endpoint included, gets 503.

    The same seed and the same sequence of calls give the same faults.
    """

    rate_request_limit: float = 0.0
    rate_503: float = 0.0
    rate_unable_to_lock_row: float = 0.0
    fail_all: bool = False
    seed: int = 0
    _draws: SeededDraws = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._draws = SeededDraws(self.seed)

    def roll(self, rate: float) -> bool:
        """True with probability ``rate``. A rate of 0 draws nothing, so it never shifts the
        sequence other knobs see."""
        return self._draws.roll(rate, self.seed)
