"""SQLite persistence: records by (type, id), a unique externalId index, per-type id counters.

One connection guarded by a re-entrant lock; :meth:`Store.transaction` holds the lock for a whole
read-validate-write sequence, so concurrent upserts of one externalId can never create two
records (the unique index is the second line of defence). Record types are stored lower-cased;
``record_types`` maps them back to their canonical spelling.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_DDL = """
CREATE TABLE IF NOT EXISTS records (
    rtype TEXT NOT NULL,
    id INTEGER NOT NULL,
    external_id TEXT,
    data TEXT NOT NULL,
    PRIMARY KEY (rtype, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS records_eid ON records (rtype, external_id);
CREATE TABLE IF NOT EXISTS counters (rtype TEXT PRIMARY KEY, next_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS record_types (lower TEXT PRIMARY KEY, canonical TEXT NOT NULL);
"""

# First internal id handed out per type: distinct ranges make a client that mixes up ids of two
# record types fail with an invalid reference instead of passing by accident.
ID_BASE = {
    "subscriptionterm": 100,
    "customer": 1000,
    "contact": 2000,
    "billingaccount": 3000,
    "subscriptionplan": 4000,
    "priceplan": 5000,
    "pricebook": 6000,
    "subscription": 7000,
    "subscriptionline": 8000,
    "subscriptionchangeorder": 9000,
}


class DuplicateExternalId(Exception):
    """The (type, externalId) pair is already taken."""


class Store:
    def __init__(self, path: Path) -> None:
        self._lock = threading.RLock()
        self._depth = 0
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_DDL)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Serialise a unit of work; commit on success, roll back on any exception."""
        with self._lock:
            if self._depth == 0:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if self._depth == 0:
                self._conn.execute("COMMIT")

    # --- type names -------------------------------------------------------------------------

    def register_type(self, canonical: str) -> None:
        with self.transaction():
            self._conn.execute(
                "INSERT OR IGNORE INTO record_types (lower, canonical) VALUES (?, ?)",
                (canonical.lower(), canonical),
            )

    def record_types(self) -> dict[str, str]:
        with self._lock:
            rows = self._conn.execute("SELECT lower, canonical FROM record_types").fetchall()
        return dict(rows)

    # --- records ----------------------------------------------------------------------------

    def get(self, rtype: str, rid: str | int) -> dict[str, Any] | None:
        try:
            key = int(rid)
        except (TypeError, ValueError):
            return None
        with self._lock:
            row = self._conn.execute(
                "SELECT data FROM records WHERE rtype = ? AND id = ?", (rtype.lower(), key)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def id_for_external_id(self, rtype: str, external_id: str) -> str | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT id FROM records WHERE rtype = ? AND external_id = ?",
                (rtype.lower(), external_id),
            ).fetchone()
        return str(row[0]) if row else None

    def all(self, rtype: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT data FROM records WHERE rtype = ? ORDER BY id", (rtype.lower(),)
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def insert(self, rtype: str, data: dict[str, Any]) -> str:
        """Store a new record; uses ``data["id"]`` when given, else the type's next id."""
        lower = rtype.lower()
        with self.transaction():
            if data.get("id") is None:
                data["id"] = str(self._next_id(lower))
            try:
                self._conn.execute(
                    "INSERT INTO records (rtype, id, external_id, data) VALUES (?, ?, ?, ?)",
                    (lower, int(data["id"]), data.get("externalId"), json.dumps(data)),
                )
            except sqlite3.IntegrityError as exc:
                raise DuplicateExternalId(str(exc)) from exc
        return str(data["id"])

    def update(self, rtype: str, data: dict[str, Any]) -> None:
        with self.transaction():
            try:
                self._conn.execute(
                    "UPDATE records SET external_id = ?, data = ? WHERE rtype = ? AND id = ?",
                    (data.get("externalId"), json.dumps(data), rtype.lower(), int(data["id"])),
                )
            except sqlite3.IntegrityError as exc:
                raise DuplicateExternalId(str(exc)) from exc

    def delete(self, rtype: str, rid: str) -> None:
        with self.transaction():
            self._conn.execute(
                "DELETE FROM records WHERE rtype = ? AND id = ?", (rtype.lower(), int(rid))
            )

    def _next_id(self, lower: str) -> int:
        row = self._conn.execute(
            "SELECT next_id FROM counters WHERE rtype = ?", (lower,)
        ).fetchone()
        (max_id,) = self._conn.execute(
            "SELECT MAX(id) FROM records WHERE rtype = ?", (lower,)
        ).fetchone()
        candidates = [ID_BASE.get(lower, 1), (max_id or 0) + 1]
        if row:
            candidates.append(row[0])
        new_id = max(candidates)
        self._conn.execute(
            "INSERT INTO counters (rtype, next_id) VALUES (?, ?) "
            "ON CONFLICT(rtype) DO UPDATE SET next_id = excluded.next_id",
            (lower, new_id + 1),
        )
        return new_id
