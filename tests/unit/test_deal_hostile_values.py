"""Any value in any field the reader returns ends as a skip, a Deal or InvalidDeal, never a crash.

Each hostile value replaces one raw field of a valid deal (as if Salesforce had returned it); the
validator must answer with a Deal or with InvalidDeal whose every problem is capped, and nothing
else (no ValueError, TypeError, KeyError or InvalidOperation reaching the state machine).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from closedwon.config import parse_mapping_config
from closedwon.deal import Deal, build_deal, product_codes, skip_reason
from closedwon.deal.problems import PROBLEM_LIMIT
from closedwon.errors import InvalidDeal
from closedwon.salesforce import soql
from offline.corpus import CATALOG, LineSpec, OrgBuilder
from tests.support import deal_source

ITEMS = {code: item for code, (_, item) in CATALOG.items()}
CONFIG = parse_mapping_config({"salesforce": {"multi_currency": True}})
HOSTILE: list[Any] = [
    None,
    "",
    " \n",
    "x" * 100_000,
    "001A0000006Vm9rIAC\n",
    {},
    {"nested": ["value"]},
    [],
    [1, 2],
    True,
    float("nan"),
    float("inf"),
    1e308,
    -1,
    0,
    10**40,
    "9999-99-99",
    "1e5000",
]


def base_source() -> dict[str, Any]:
    org = OrgBuilder()
    aid = org.account(
        "Acme",
        billing={"Street": "1 Main St", "City": "Boston", "Country": "US", "CountryCode": "US"},
    )
    cid = org.contact(aid, "Jane", "Doe", email="jane@example.com")
    oid = org.opportunity(
        aid,
        "Deal",
        [LineSpec("PLATFORM-PRO", bundle=True), LineSpec("PRO-SEATS", parent=0)],
        contacts=[(cid, "Decision Maker", True)],
        primary_contact=cid,
    )
    source = deal_source(org.snapshot(), oid)
    source["opportunity"]["CurrencyIsoCode"] = "USD"
    return source


BASE = base_source()
TARGETS = (
    [("line", f) for f in soql.QUOTE_LINE_FIELDS if "." not in f]
    + [("line", "SBQQ__Product__r")]
    + [("quote", f) for f in soql.QUOTE_FIELDS if "." not in f]
    + [("quote", "SBQQ__PrimaryContact__r")]
    + [("opportunity", f) for f in soql.OPPORTUNITY_FIELDS]
    + [("opportunity", f) for f in ("Account", "SBQQ__PrimaryQuote__r", "OpportunityContactRoles")]
    + [("account", f) for f in soql.ACCOUNT_FIELDS]
)


def with_value(target: str, field: str, value: Any) -> dict[str, Any]:
    source = copy.deepcopy(BASE)
    opp = source["opportunity"]
    record = {
        "line": source["lines"][1],
        "quote": opp["SBQQ__PrimaryQuote__r"],
        "opportunity": opp,
        "account": opp["Account"],
    }[target]
    record[field] = copy.deepcopy(value)
    return source


@pytest.mark.parametrize(("target", "field"), TARGETS, ids=[f"{t}.{f}" for t, f in TARGETS])
def test_a_hostile_value_in_any_field_ends_as_a_skip_a_deal_or_invalid_deal(
    target: str, field: str
) -> None:
    for value in HOSTILE:
        source = with_value(target, field, value)
        skip_reason(source, CONFIG)
        product_codes(source)
        try:
            result = build_deal(source, ITEMS, CONFIG)
        except InvalidDeal as exc:
            assert exc.problems, (field, value)
            assert all(len(p) <= PROBLEM_LIMIT for p in exc.problems), (field, value)
            assert all(": " in p for p in exc.problems), (field, value)
        else:
            assert isinstance(result, Deal)
