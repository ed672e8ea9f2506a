"""The public face of the double: construct, start on loopback, inspect, stop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from offline.wire.server import LoopbackServer

from .auth import AuthConfig, Authenticator
from .behaviour import Behaviour
from .faults import FaultConfig
from .governance import GOVERNANCE_SEED_KEY, governance_limits
from .records import RecordService
from .routes import Application
from .schema import load_schema
from .server import Gateway, Handler
from .store import Store

DB_NAME = "netsuite.sqlite3"


class NetSuiteDouble:
    """A SuiteTalk REST test double over real HTTP on 127.0.0.1, persisted in SQLite.

    ``state_dir / "netsuite.sqlite3"`` holds the records; a new double on the same directory
    sees them and continues the id counters. ``seed`` loads lookup records (subsidiary,
    currency, term, billingSchedule, item, ...) with their own ids; loading it again is a no-op.
    ``behaviour`` holds the account-level knobs (:class:`Behaviour`); mutate it while serving.
    """

    def __init__(
        self,
        state_dir: Path,
        seed: dict[str, list[dict[str, Any]]] | None = None,
        *,
        latency_s: float = 0.0,
        concurrency_limit: int | None = None,
        faults: FaultConfig | None = None,
        auth: AuthConfig | None = None,
        behaviour: Behaviour | None = None,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._store = Store(self.state_dir / DB_NAME)
        self.behaviour = behaviour or Behaviour()
        self._records = RecordService(self._store, load_schema(), self.behaviour)
        records = dict(seed or {})
        declared_limits: Any = records.pop(GOVERNANCE_SEED_KEY, None)
        if records:
            self._records.load_seed(records)
        self.auth_config = auth or AuthConfig()
        self._auth = Authenticator(self.auth_config)
        app = Application(self._records, self._auth)
        app.governance = governance_limits(declared_limits, concurrency_limit)
        self._gateway = Gateway(app, self._auth)
        self._gateway.latency_s = latency_s
        self._gateway.concurrency_limit = concurrency_limit
        self._gateway.faults = faults or FaultConfig()
        self._server: LoopbackServer | None = None
        self._last_base_url = "http://127.0.0.1"

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1:``port`` (0 picks a free port); returns the base URL."""
        if self._server is not None:
            return self.base_url
        self._gateway.stopping.clear()
        server = LoopbackServer(port, Handler, self._gateway)
        self._server = server
        self._last_base_url = f"http://127.0.0.1:{server.port}"
        self._gateway.base_url = self._last_base_url
        server.start("netsuite-double")
        return self._last_base_url

    def stop(self) -> None:
        """Stop serving and cut open connections; the state stays on disk."""
        server, self._server = self._server, None
        if server is None:
            return
        self._gateway.stopping.set()
        server.stop()

    def close(self) -> None:
        """Stop and release the database connection."""
        self.stop()
        self._store.close()

    def __enter__(self) -> NetSuiteDouble:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        return self._last_base_url

    # --- knobs and inspection -------------------------------------------------------------------

    @property
    def faults(self) -> FaultConfig:
        """The live fault configuration; mutate it (or assign a new one) between requests."""
        return self._gateway.faults

    @faults.setter
    def faults(self, value: FaultConfig) -> None:
        self._gateway.faults = value

    @property
    def latency_s(self) -> float:
        return self._gateway.latency_s

    @latency_s.setter
    def latency_s(self, value: float) -> None:
        self._gateway.latency_s = value

    @property
    def concurrency_limit(self) -> int | None:
        return self._gateway.concurrency_limit

    @concurrency_limit.setter
    def concurrency_limit(self, value: int | None) -> None:
        self._gateway.concurrency_limit = value

    @property
    def stats(self) -> dict[str, Any]:
        return self._gateway.stats.snapshot()

    def reset_stats(self) -> None:
        with self._gateway.stats.lock:
            self._gateway.stats.reset()

    def expire_tokens(self) -> None:
        """Every Bearer token issued so far becomes invalid (its next use gets the 401)."""
        self._auth.expire_all()

    def load_seed(self, seed: dict[str, list[dict[str, Any]]]) -> None:
        self._records.load_seed({k: v for k, v in seed.items() if k != GOVERNANCE_SEED_KEY})

    def dump(self) -> dict[str, list[dict[str, Any]]]:
        """Every record the product writes, as ``GET ?expandSubResources=true`` shows it."""
        return self._records.dump(self._last_base_url)
