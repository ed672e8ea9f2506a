"""Generate the product's compact list of writable NetSuite fields from the 2026.1 schema.

The product checks ``fields`` rules (docs/mapping.md §7.2) against this list at cold start; it
ships inside the layer (``closedwon/rules/netsuite_fields.json``) because the schema files do not.
Regenerate after changing schema/*.json: ``python -m offline.netsuite_double.field_catalog``
(tests/unit/rules/test_rule_field_catalog.py fails when the shipped list is stale).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from offline.netsuite_double.schema import Schema, load_schema

CATALOG_PATH = (
    Path(__file__).resolve().parents[2] / "layers/shared/closedwon/rules/netsuite_fields.json"
)

#: The record types a ``fields`` rule may name.
RECORD_TYPES = (
    "customer",
    "contact",
    "billingAccount",
    "subscriptionPlan",
    "pricePlan",
    "priceBook",
    "subscription",
    "subscriptionChangeOrder",
)

#: Schema kind -> rule type; kinds not listed (sublists, subrecords, links, free objects,
#: datetimes) cannot be set by a rule.
_RULE_TYPE = {
    "string": "text",
    "integer": "integer",
    "number": "decimal",
    "boolean": "checkbox",
    "date": "date",
    "ref": "select",
    "enum": "select",
    "refs": "multiselect",
}

#: Fields NetSuite computes (balances, agings, statuses, totals, bill-cycle dates, audit stamps):
#: the REST schema does not flag them read-only, yet a value sent for one is never what is kept.
_COMPUTED = re.compile(
    r"balance|aging|overdue|unbilled|status|^total|contractvalue|^last|^next|^created|modified"
    r"|^refname$|^id$|^idnumber$|renewalnumber|revision|^estimated",
    re.IGNORECASE,
)


def catalog(schema: Schema) -> dict[str, dict[str, str]]:
    """``{recordType: {field: rule type}}`` of the fields a rule may set."""
    result: dict[str, dict[str, str]] = {}
    for record_type in RECORD_TYPES:
        writable = {}
        for name, field in sorted(schema.fields(record_type).items()):
            kind = _RULE_TYPE.get(field.kind)
            if kind and not field.read_only and not _COMPUTED.search(name):
                writable[name] = kind
        result[record_type] = writable
    return result


def rendered(schema: Schema | None = None) -> str:
    """The catalog file's exact text."""
    return json.dumps(catalog(schema or load_schema()), indent=1, sort_keys=True) + "\n"


def main() -> int:
    CATALOG_PATH.write_text(rendered(), encoding="utf-8")
    sys.stdout.write(f"wrote {CATALOG_PATH}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
