"""Product code -> NetSuite item id, by ONE SuiteQL query per deal, cached per warm container."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from closedwon.mapping import item_ids_query


class SuiteQL(Protocol):
    def suiteql(self, query: str, params: Sequence[str | int] = ()) -> list[dict[str, Any]]: ...


class ItemCatalog:
    """The item ids this container has resolved; only codes not yet known are queried."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}

    def resolve(self, client: SuiteQL, product_codes: list[str]) -> dict[str, str]:
        """Map each product code to the internal id of the NetSuite item whose ``itemid`` equals it.

        Codes without an item are absent from the result (validation reports them). Values are
        bound parameters, never string-built SQL.
        """
        missing = sorted({c for c in product_codes if c not in self._ids})
        if missing:
            query, params = item_ids_query(missing)
            for row in client.suiteql(query, params):
                if row.get("itemid") in missing:
                    self._ids[str(row["itemid"])] = str(row["id"])
        return {c: self._ids[c] for c in product_codes if c in self._ids}
