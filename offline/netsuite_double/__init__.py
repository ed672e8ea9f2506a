"""A faithful test double of NetSuite SuiteTalk REST (record + SuiteQL + OAuth 2.0 / TBA).

Served over HTTP on 127.0.0.1 and persisted in SQLite; behaviour follows
docs/reference/netsuite.md §8.7. See :class:`NetSuiteDouble`.
"""

from .auth import AuthConfig, tba_signature
from .behaviour import Behaviour
from .double import NetSuiteDouble
from .faults import FaultConfig

__all__ = ["AuthConfig", "Behaviour", "FaultConfig", "NetSuiteDouble", "tba_signature"]
