"""Every field name the mapping sends exists, writable, in NetSuite's 2026.1 REST schema.

The schema files are the real REST API Browser definitions (offline/netsuite_double/schema/);
enum values must be among the schema's allowed ids where it lists them.
"""

from __future__ import annotations

from typing import Any

import pytest

from closedwon import mapping
from closedwon.deal import build_deal
from offline.netsuite_double.schema import load_schema
from tests.support import deal_source

#: Oracle's tutorial (docs/reference/netsuite.md §5.7): "For one-time lines, you must specify that
#: repeatEvery is 0 and prorateBy is an empty string" - a value the schema's enum does not list.
DOCUMENTED_EXCEPTIONS = {("prorateBy", "")}


def check(payload: dict[str, Any], definition: str, path: str = "") -> list[str]:
    schema = load_schema()
    fields = schema.fields(definition)
    assert fields, f"no schema definition {definition}"
    problems = []
    for name, value in payload.items():
        where = f"{path}{name}"
        spec = fields.get(name)
        if spec is None:
            problems.append(f"{where}: not a field of {definition}")
            continue
        if spec.read_only:
            problems.append(f"{where}: read-only in {definition}")
        if spec.kind == "sublist":
            for i, item in enumerate(value["items"]):
                problems += check(item, spec.target, f"{where}.items[{i}].")
        elif spec.kind == "subrecord":
            problems += check(value, spec.target, f"{where}.")
        elif spec.kind == "enum" and spec.enum:
            given = value["id"] if isinstance(value, dict) else value
            if given not in spec.enum and (name, given) not in DOCUMENTED_EXCEPTIONS:
                problems.append(f"{where}: {given!r} not in {spec.enum}")
        elif spec.kind == "ref":
            assert set(value) == {"id"}, where
    return problems


@pytest.fixture
def deal(sample_org, sample_items, sample_config):
    return build_deal(
        deal_source(sample_org, sample_org["records"]["Opportunity"][0]["Id"]),
        sample_items,
        sample_config,
    )


def payloads(deal, config) -> list[tuple[str, dict[str, Any]]]:
    package = deal.packages[0]
    line = package.members[0]
    kwargs = {
        "customer_id": "1",
        "billing_account_id": "2",
        "plan_id": "3",
        "price_book_id": "4",
        "term_id": "5",
    }
    return [
        ("customer", mapping.customer(deal, config)),
        ("contact", mapping.contact(deal.contacts[0], "1", config)),
        ("billingAccount", mapping.billing_account(deal, "1", config)),
        ("subscriptionTerm", mapping.subscription_term(12)),
        ("subscriptionPlan", mapping.subscription_plan(package, "5", config)),
        ("pricePlan", mapping.price_plan(line, deal, config)),
        ("priceBook", mapping.price_book(deal, package, "3", ["9"] * len(package.members), config)),
        ("subscription", mapping.subscription(deal, package, config=config, **kwargs)),
        ("subscription", mapping.subscription_quantities(package)),
        ("subscriptionLine", dict(mapping.PENDING_ACTIVATION)),
        ("subscriptionChangeOrder", mapping.activation_change_order("7", "2026-04-01", [1, 2])),
    ]


def test_every_payload_uses_only_real_writable_fields(deal, sample_config) -> None:
    problems = [
        p for record_type, body in payloads(deal, sample_config) for p in check(body, record_type)
    ]
    assert problems == []


def test_the_checker_catches_a_misspelled_field(deal, sample_config) -> None:
    body = mapping.customer(deal, sample_config)
    body["companyname"] = body.pop("companyName")
    body["addressBook"]["items"][0]["addressBookAddress"]["zipCode"] = "x"
    assert len(check(body, "customer")) == 2
