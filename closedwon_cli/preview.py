"""``closedwon preview OPPORTUNITY_ID``: what a sync of this deal would send, sending nothing.

It reads and validates the deal as LoadDeal does, maps every record with the steps' own
functions (closedwon.mapping), and GETs each record's externalId to say whether the sync would
create it, update it or leave it as it is. Only GETs and queries: nothing is written anywhere.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from closedwon import adoption, mapping
from closedwon.container import Container
from closedwon.deal import Deal, build_deal, product_codes, skip_reason
from closedwon.rules.apply import with_rule_values

#: Stands for the internal id of a record the sync would create first.
NEW = "(new)"


@dataclass
class PlannedRecord:
    """One NetSuite record of the deal: what would happen to it, and the payload."""

    recordType: str
    externalId: str
    action: str  # create | update | unchanged | kept (create-if-absent records that exist)
    changedFields: list[str]
    payload: dict[str, Any]
    internalId: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def differs(sent: Any, held: Any) -> bool:
    """Whether writing ``sent`` would change ``held`` (the record as NetSuite answers it)."""
    if isinstance(sent, dict):
        if not isinstance(held, dict):
            return True
        if "id" in sent and len(sent) == 1:
            return str(sent["id"]) != str(held.get("id"))
        return any(differs(v, held.get(k)) for k, v in sent.items())
    if isinstance(sent, list):
        items = held.get("items") if isinstance(held, dict) else held
        if not isinstance(items, list) or len(items) != len(sent):
            return True
        return any(differs(a, b) for a, b in zip(sent, items, strict=True))
    if isinstance(held, dict) and "id" in held:
        return str(sent) != str(
            held["id"]
        )  # an enum or a reference NetSuite answers as {id, refName}
    if isinstance(sent, (int, float, Decimal)) and not isinstance(sent, bool):
        try:
            return Decimal(str(sent)) != Decimal(str(held))
        except ArithmeticError:
            return True
    return bool(sent != held)


def _plan(
    container: Container, record_type: str, external_id: str, body: dict[str, Any], *, upsert: bool
) -> tuple[PlannedRecord, str]:
    held = container.netsuite.get(record_type, external_id, expand=upsert)
    if held is None:
        return PlannedRecord(record_type, external_id, "create", [], body), NEW
    changed = sorted(k for k, v in body.items() if differs(v, held.get(k))) if upsert else []
    action = ("update" if changed else "unchanged") if upsert else "kept"
    return PlannedRecord(record_type, external_id, action, changed, body), str(held["id"])


def _customer_plan(container: Container, deal: Deal) -> tuple[PlannedRecord, str]:
    """As UpsertCustomer decides: create a new customer, else PATCH only what changes; with the
    subsidiary the deal's other records are in (an existing customer's own)."""
    config = container.config
    external_id = mapping.customer_eid(deal, prefix=config.netsuite.external_id_prefix)
    existing = adoption.existing_customer(deal, container.netsuite, config)
    subsidiary_id = mapping.subsidiary_of(existing, deal, config)
    if existing is None:
        planned = PlannedRecord(
            "customer", external_id, "create", [], mapping.customer(deal, config)
        )
        return planned, subsidiary_id
    body = mapping.customer_update(deal, config, existing)
    action = "update" if body else "unchanged"
    planned = PlannedRecord("customer", external_id, action, sorted(body), body)
    planned.internalId = str(existing["id"])
    return planned, subsidiary_id


def preview(container: Container, opportunity_id: str) -> dict[str, Any]:
    """The preview document: the deal's records, their actions and the rounding report."""
    config = container.config
    source = container.salesforce.read_deal(
        opportunity_id, multi_currency=config.salesforce.multi_currency, extra=config.soql_fields
    )
    reason = skip_reason(source, config)
    if reason:
        return {"opportunityId": opportunity_id, "status": "Skipped", "skipReason": reason}
    codes = product_codes(source)
    items = container.items.resolve(container.netsuite, codes) if codes else {}
    deal = with_rule_values(build_deal(source, items, config), source, config)
    prefix = config.netsuite.external_id_prefix

    records: list[PlannedRecord] = []
    customer_plan, subsidiary_id = _customer_plan(container, deal)
    records.append(customer_plan)
    customer_id = customer_plan.internalId or NEW
    for person in deal.contacts:
        body = mapping.contact(
            person,
            customer_id,
            config,
            deal.rule_values.contact.get(person.id),
            subsidiary_id=subsidiary_id,
        )
        records.append(
            _plan(
                container, "contact", mapping.contact_eid(person, prefix=prefix), body, upsert=True
            )[0]
        )
    account, account_id = _plan(
        container,
        "billingAccount",
        mapping.billing_account_eid(deal, prefix=prefix),
        mapping.billing_account(deal, customer_id, config, subsidiary_id),
        upsert=False,
    )
    records.append(account)
    for package in deal.packages:
        plan_values = deal.rule_values.subscriptionPlan.get(package.root_line_id)
        term, term_id = _plan(
            container,
            "subscriptionTerm",
            mapping.term_eid(package.term_months, prefix=prefix),
            mapping.subscription_term(package.term_months),
            upsert=True,
        )
        plan, plan_id = _plan(
            container,
            "subscriptionPlan",
            mapping.plan_eid(package, config, plan_values),
            mapping.subscription_plan(package, term_id, config, plan_values),
            upsert=False,
        )
        price_plans = [
            _plan(
                container,
                "pricePlan",
                mapping.price_plan_eid(line, prefix=prefix),
                mapping.price_plan(line, deal, config),
                upsert=False,
            )
            for line in package.members
        ]
        book, book_id = _plan(
            container,
            "priceBook",
            mapping.price_book_eid(deal, package, prefix=prefix),
            mapping.price_book(deal, package, plan_id, [i for _, i in price_plans], config),
            upsert=False,
        )
        subscription = _plan(
            container,
            "subscription",
            mapping.subscription_eid(deal, package, prefix=prefix),
            mapping.subscription(
                deal,
                package,
                customer_id=customer_id,
                billing_account_id=account_id,
                plan_id=plan_id,
                price_book_id=book_id,
                term_id=term_id,
                config=config,
                subsidiary_id=subsidiary_id,
            ),
            upsert=False,
        )[0]
        planned = {(r.recordType, r.externalId) for r in records}
        if (term.recordType, term.externalId) in planned:
            records += [plan, *(p for p, _ in price_plans), book, subscription]
        else:
            records += [term, plan, *(p for p, _ in price_plans), book, subscription]
    return {
        "opportunityId": deal.opportunity_id,
        "status": "Ready",
        "records": [r.to_json() for r in records],
        "rounding": {"delta": str(mapping.rounding_delta(deal, config)), "currency": deal.currency},
        "writes": 0,
    }
