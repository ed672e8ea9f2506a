"""The field list shipped in the layer is the one the bundled 2026.1 schema gives."""

from __future__ import annotations

from closedwon.rules.catalog import CATALOG_PATH
from offline.netsuite_double.field_catalog import rendered


def test_the_shipped_field_catalog_is_current_with_the_bundled_schema() -> None:
    assert CATALOG_PATH.read_text(encoding="utf-8") == rendered(), (
        "run: python -m offline.netsuite_double.field_catalog"
    )
