"""Which NetSuite fields a ``fields`` rule may set (docs/mapping.md §7.2), checked at cold start."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from closedwon.rules.model import Rule
from closedwon.rules.paths import read_paths

CATALOG_PATH = Path(__file__).with_name("netsuite_fields.json")

#: Custom fields by script id: entity, transaction body, custom record and column fields.
CUSTOM_FIELD = re.compile(r"^(custentity|custbody|custrecord|custcol)[a-z0-9_]+$")

#: Fields §4 owns whatever the config says: ids, the links between the records, the sublists.
FORBIDDEN = frozenset(
    {"externalId", "id", "subsidiary", "currency", "addressBook", "member", "priceInterval"}
    | {"priceTiers", "subscriptionLine", "currencyList", "subLine"}
)
FORBIDDEN_BY_RECORD = {
    "subscriptionPlan": frozenset({"itemId"}),
    "subscription": frozenset({"customer", "subscriptionPlan", "priceBook", "billingAccount"}),
}

#: Record types the spec lets rules name whose payloads do not take rule values yet: refused, so
#: a rule is never accepted and then silently ignored.
NOT_YET_APPLIED = frozenset({"subscriptionChangeOrder"})

#: The document roots (§7.4) the rules of each record type can see.
_DEAL_ROOTS = frozenset({"Opportunity", "Account", "Quote", "PrimaryContact"})
_PACKAGE_ROOTS = _DEAL_ROOTS | {"RootLine", "Lines"}
ROOTS = {
    "customer": _DEAL_ROOTS,
    "billingAccount": _DEAL_ROOTS,
    "contact": _DEAL_ROOTS | {"Contact", "ContactRole"},
    "subscription": _PACKAGE_ROOTS,
    "priceBook": _PACKAGE_ROOTS,
    "subscriptionPlan": frozenset({"RootLine", "Lines"}),
    "pricePlan": _DEAL_ROOTS | {"Line"},
    "subscriptionChangeOrder": frozenset({"Lines"}),
}
RECORD_TYPES = tuple(ROOTS)
#: Routing rules (``netsuite.subsidiary_id`` …) are evaluated once per deal, so they see the deal.
ROUTING_ROOTS = _DEAL_ROOTS


@cache
def standard_fields() -> dict[str, dict[str, str]]:
    """``{recordType: {field: type}}``: the writable standard fields of the 2026.1 schema."""
    data: dict[str, dict[str, str]] = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    return data


def field_problem(record_type: str, field: str, rule: Rule) -> str | None:
    """Why ``fields.<record_type>.<field>`` cannot be set, or None when it can."""
    if record_type in NOT_YET_APPLIED:
        return f"rules on {record_type} are not applied by this version"
    if field in FORBIDDEN or field in FORBIDDEN_BY_RECORD.get(record_type, frozenset()):
        return f"{field} is set by the product itself (docs/mapping.md §7.2) and cannot be mapped"
    if CUSTOM_FIELD.match(field):
        return None
    known = standard_fields().get(record_type, {})
    if field not in known:
        return (
            f"{field} is not a writable standard field of {record_type} in NetSuite 2026.1, "
            "nor a custom field script id (custentity…, custbody…, custrecord…, custcol…)"
        )
    if rule.type is not None and rule.type != known[field]:
        return f"{field} is a {known[field]} field, the rule says type {rule.type}"
    return None


def field_type(record_type: str, field: str, rule: Rule) -> str:
    """How the value is sent: the rule's ``type``, else the schema's, else text."""
    return rule.type or standard_fields().get(record_type, {}).get(field, "text")


def routing_problem(rule: Rule) -> str | None:
    """A document root a routing rule reads that is not the deal's, or None."""
    for expression in rule.expressions:
        for path in read_paths(expression.parsed):
            if path[0] not in ROUTING_ROOTS:
                return (
                    f"reads {path[0]}; a routing rule is evaluated once per deal and sees "
                    + ", ".join(sorted(ROUTING_ROOTS))
                )
    return None


def roots_problem(record_type: str, rule: Rule) -> str | None:
    """A document root the rule reads that its record type does not see (§7.4), or None."""
    allowed = ROOTS[record_type]
    for expression in rule.expressions:
        for path in read_paths(expression.parsed):
            if path[0] not in allowed:
                return f"reads {path[0]}, which {record_type} rules cannot see ({', '.join(sorted(allowed))})"
            if record_type == "subscriptionPlan" and (
                len(path) < 2 or path[1] != "SBQQ__Product__r"
            ):
                return (
                    "a plan is shared between deals, so its rules may read only product fields "
                    "(RootLine.SBQQ__Product__r.…, Lines[].SBQQ__Product__r.…)"
                )
    return None
