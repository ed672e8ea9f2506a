"""Product code → NetSuite item id, by ONE SuiteQL query per deal, cached per warm container."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from closedwon.netsuite import NetSuiteClient

_cache: dict[str, str] = {}
_lock = threading.Lock()


def resolve_items(client: NetSuiteClient, product_codes: list[str]) -> dict[str, str]:
    """Map each product code to the internal id of the NetSuite item whose ``itemid`` equals it.

    Codes without an item are absent from the result (validation reports them). Only codes not
    already cached are queried, with bound parameters (never string-built SQL).
    """
    with _lock:
        missing = [c for c in product_codes if c not in _cache]
    if missing:
        placeholders = ", ".join("?" for _ in missing)
        rows = client.suiteql(
            # Only "?" placeholders are formatted in; every value is a bound parameter.
            f"SELECT id, itemid FROM item WHERE itemid IN ({placeholders})",  # noqa: S608
            missing,
        )
        with _lock:
            for row in rows:
                if row.get("itemid") in missing:
                    _cache[row["itemid"]] = str(row["id"])
    with _lock:
        return {c: _cache[c] for c in product_codes if c in _cache}


def clear_cache() -> None:
    with _lock:
        _cache.clear()
