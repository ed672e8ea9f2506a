"""Deal → NetSuite payloads (docs/mapping.md §4). Pure functions: no I/O, no clients.

Every NetSuite field name the product writes is in this module. Ids that are NetSuite setup
(subsidiary, currency, terms, billing schedule, price plan type, pricing option, line types) come
from the mapping config. Enum values are sent as bare strings, as in Oracle's SuiteBilling
tutorials (docs/reference/netsuite.md §1.5, DEVREL-1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from decimal import Context, Decimal, localcontext
from typing import Any

from closedwon.amendment import (
    Action,
    ChangeOrderPlan,
    DraftUpdate,
    NetSuiteLine,
    SubscriptionState,
)
from closedwon.config import MappingConfig
from closedwon.deal import Address, Contact, Deal, Line, Package
from closedwon.deal.pricing import (
    MONTHS_PER_PERIOD,
    PLAN_VERSION_LENGTH,
    per_period_price,
    plan_name,
    rounded,
)
from closedwon.rules.model import Rule

FREQUENCIES = {
    "Monthly": "MONTHLY",
    "Quarterly": "QUARTERLY",
    "Semiannual": "SEMIANNUALLY",
    "Annual": "ANNUALLY",
}


def ref(internal_id: str) -> dict[str, str]:
    """A NetSuite reference field value."""
    return {"id": internal_id}


def routed(deal: Deal, config: MappingConfig, key: str) -> Any:
    """``netsuite.<key>`` for this deal: the value its routing rule gave (evaluated once in
    LoadDeal), else the configured literal."""
    if key in deal.rule_values.routing:
        return deal.rule_values.routing[key]
    return _literal(config, key)


def _literal(config: MappingConfig, key: str) -> Any:
    value = getattr(config.netsuite, key)
    if isinstance(value, Rule):
        raise ValueError(f"netsuite.{key} is a rule this deal was not evaluated with")
    return value


def with_rules(body: dict[str, Any], values: Mapping[str, Any] | None) -> dict[str, Any]:
    """``body`` with the ``fields`` rules' values (docs/mapping.md §7.2): a rule for a field §4
    maps replaces §4's value; config validation keeps rules off the ids, links and sublists."""
    return {**body, **values} if values else body


# -- external ids (docs/mapping.md §4 table) ------------------------------------------------------
# ``prefix`` is the config's ``netsuite.external_id_prefix`` (§6); "SF-" is its default.


def customer_eid(deal: Deal, *, prefix: str = "SF-") -> str:
    return f"{prefix}{deal.account.id}"


def contact_eid(contact: Contact, *, prefix: str = "SF-") -> str:
    return f"{prefix}{contact.id}"


def billing_account_eid(deal: Deal, *, prefix: str = "SF-") -> str:
    return f"{prefix}BA-{deal.account.id}-{deal.currency}"


def term_eid(months: int, *, prefix: str = "SF-") -> str:
    return f"{prefix}TERM-{months}M"


def plan_eid(
    package: Package, config: MappingConfig, values: Mapping[str, Any] | None = None
) -> str:
    version = plan_version(package, config, values)
    return f"{config.netsuite.external_id_prefix}PLAN-{package.root_product_id}-{version}"


def price_plan_eid(line: Line, *, prefix: str = "SF-") -> str:
    return f"{prefix}PP-{line.id}"


def price_book_eid(deal: Deal, package: Package, *, prefix: str = "SF-") -> str:
    return f"{prefix}PB-{deal.opportunity_id}-{package.root_line_id}"


def subscription_eid(deal: Deal, package: Package, *, prefix: str = "SF-") -> str:
    return f"{prefix}SUB-{deal.opportunity_id}-{package.root_line_id}"


def activation_eid(deal: Deal, package: Package, *, prefix: str = "SF-") -> str:
    return f"{prefix}ACT-{deal.opportunity_id}-{package.root_line_id}"


# -- 4.1 customer -----------------------------------------------------------------------------------


def customer(deal: Deal, config: MappingConfig) -> dict[str, Any]:
    ns = config.netsuite
    body: dict[str, Any] = {
        "companyName": deal.account.name,
        "isPerson": False,
        "subsidiary": ref(routed(deal, config, "subsidiary_id")),
        "currency": ref(ns.currencies[deal.currency]),
        "phone": deal.account.phone,
        "url": deal.account.website,
        "email": deal.email,
        "addressBook": {"items": address_book(deal.account.billing, deal.account.shipping)},
    }
    terms_id = ns.payment_terms.get(deal.payment_terms or "")
    if terms_id:
        body["terms"] = ref(terms_id)
    return with_rules(_without_none(body), deal.rule_values.customer)


def address_book(billing: Address | None, shipping: Address | None) -> list[dict[str, Any]]:
    """Billing and shipping entries; one entry carrying both defaults when they are the same place."""
    if billing and shipping and _same_place(billing, shipping):
        return [_address_entry(billing, "Billing", default_billing=True, default_shipping=True)]
    entries = []
    if billing:
        entries.append(
            _address_entry(billing, "Billing", default_billing=True, default_shipping=False)
        )
    if shipping:
        entries.append(
            _address_entry(shipping, "Shipping", default_billing=False, default_shipping=True)
        )
    return entries


def _same_place(a: Address, b: Address) -> bool:
    return (a.lines, a.city, a.state, a.zip, a.country) == (
        b.lines,
        b.city,
        b.state,
        b.zip,
        b.country,
    )


def _address_entry(
    address: Address, label: str, *, default_billing: bool, default_shipping: bool
) -> dict[str, Any]:
    fields: dict[str, Any] = {"addressee": address.addressee}
    for name, value in zip(("addr1", "addr2", "addr3"), address.lines, strict=False):
        fields[name] = value
    fields.update(city=address.city, state=address.state, zip=address.zip)
    if address.country:
        fields["country"] = ref(address.country)
    return {
        "defaultBilling": default_billing,
        "defaultShipping": default_shipping,
        "label": label,
        "addressBookAddress": _without_none(fields),
    }


# -- 8.2 / 8.3 updating an existing customer ---------------------------------------------------------

#: Labels of the address-book entries the product writes; every other entry is finance's.
OWN_ADDRESS_LABELS = ("Billing", "Shipping")
#: Fields read to tell whether a customer or contact named by its NetSuite id can be adopted.
ADOPTION_CHECK_FIELDS = ["id", "externalId"]


def customer_update(deal: Deal, config: MappingConfig, existing: dict[str, Any]) -> dict[str, Any]:
    """The PATCH body bringing an existing customer (read with its sublists) to the deal.

    Only fields whose value differs are sent; ``netsuite.create_only.customer`` fields are never
    sent; the address book keeps the entries the product did not write (labels other than
    Billing/Shipping); a deal currency that is neither the primary currency nor in
    ``currencyList`` is added to it (the whole list is sent: see :func:`update_replace`).
    """
    wanted = customer(deal, config)
    for name in config.netsuite.create_only.customer:
        wanted.pop(name, None)
    book = merged_address_book(existing, wanted.pop("addressBook")["items"])
    body = changed_fields(existing, wanted)
    if book is not None:
        body["addressBook"] = {"items": book}
    currencies = currency_list(existing, config.netsuite.currencies[deal.currency])
    if currencies is not None:
        body["currencyList"] = {"items": currencies}
    if not existing.get("externalId"):
        body["externalId"] = customer_eid(deal, prefix=config.netsuite.external_id_prefix)
    return body


def contact_update(
    person: Contact,
    customer_id: str,
    config: MappingConfig,
    existing: dict[str, Any],
    subsidiary_id: str | None = None,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The PATCH body bringing an existing contact to the deal (changed fields only); ``values``
    are the ``fields.contact`` rules' values for this person."""
    wanted = contact(person, customer_id, config, values, subsidiary_id=subsidiary_id)
    for name in config.netsuite.create_only.contact:
        wanted.pop(name, None)
    body = changed_fields(existing, wanted)
    if not existing.get("externalId"):
        body["externalId"] = contact_eid(person, prefix=config.netsuite.external_id_prefix)
    return body


def subsidiary_of(customer_record: dict[str, Any] | None, deal: Deal, config: MappingConfig) -> str:
    """The subsidiary a customer's contacts, billing accounts and subscriptions are in: an existing
    customer's own (it never changes, and wins over any routing rule), else the one the product
    creates it in (the deal's routed ``netsuite.subsidiary_id``)."""
    own = _ref_id((customer_record or {}).get("subsidiary"))
    return own or str(routed(deal, config, "subsidiary_id"))


def update_replace(body: dict[str, Any]) -> list[str]:
    """The sublists of an update body that are sent whole (``?replace=``)."""
    return [name for name in ("addressBook", "currencyList") if name in body]


def currency_list(existing: dict[str, Any], currency_id: str) -> list[dict[str, Any]] | None:
    """The customer's whole ``currencyList`` with ``currency_id`` added; None when it has it.

    The primary currency counts as one the customer has. The sublist is not keyed, so the
    entries already there are sent again (by currency) with the new one.
    """
    if _ref_id(existing.get("currency")) == currency_id:
        return None
    present = [_ref_id(e.get("currency")) for e in _items(existing.get("currencyList"))]
    if currency_id in present:
        return None
    return [{"currency": ref(c)} for c in [*present, currency_id] if c]


def merged_address_book(
    existing: dict[str, Any], own: list[dict[str, Any]]
) -> list[dict[str, Any]] | None:
    """The address book with the product's Billing/Shipping entries brought to ``own`` and every
    other entry kept (its default flags cleared where an own entry takes them); None when it
    already reads so."""
    current = _items(existing.get("addressBook"))
    kept = [_kept_entry(e) for e in current if e.get("label") not in OWN_ADDRESS_LABELS]
    for flag in ("defaultBilling", "defaultShipping"):
        if any(e.get(flag) for e in own):
            for entry in kept:
                entry[flag] = False
    merged = [*kept, *own]
    return None if _covers(current, merged) else merged


#: What of a kept address-book entry is sent back: its identity, flags and address fields.
_ENTRY_FIELDS = ("internalId", "label", "defaultBilling", "defaultShipping", "isResidential")
_ADDRESS_FIELDS = (
    "addressee",
    "attention",
    "addr1",
    "addr2",
    "addr3",
    "addrPhone",
    "city",
    "state",
    "zip",
    "country",
)


def _kept_entry(entry: dict[str, Any]) -> dict[str, Any]:
    kept = {k: entry[k] for k in _ENTRY_FIELDS if entry.get(k) is not None}
    address = entry.get("addressBookAddress")
    if isinstance(address, dict):
        fields = {k: address[k] for k in _ADDRESS_FIELDS if address.get(k) is not None}
        if isinstance(fields.get("country"), dict):
            fields["country"] = ref(str(fields["country"].get("id")))
        kept["addressBookAddress"] = fields
    return kept


def changed_fields(existing: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``wanted`` whose value the existing record does not already have."""
    return {k: v for k, v in wanted.items() if not _covers(existing.get(k), v)}


def _covers(have: Any, want: Any) -> bool:
    """Whether a value read from NetSuite already holds everything ``want`` would write.

    A reference read back carries ``refName`` and ``links`` besides its ``id``; numbers may come
    back as floats; so only the keys ``want`` names are compared.
    """
    if isinstance(want, dict):
        if not isinstance(have, dict):
            return False
        return all(_covers(have.get(k), v) for k, v in want.items())
    if isinstance(want, list):
        return (
            isinstance(have, list)
            and len(have) == len(want)
            and all(_covers(h, w) for h, w in zip(have, want, strict=True))
        )
    if isinstance(want, bool) or isinstance(have, bool):
        return have is want
    if isinstance(want, int | float) and isinstance(have, int | float):
        return float(have) == float(want)
    return bool(have == want)


def _items(sublist: Any) -> list[dict[str, Any]]:
    items = sublist.get("items") if isinstance(sublist, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _ref_id(value: Any) -> str:
    return str(value.get("id", "")) if isinstance(value, dict) else ""


# -- 4.2 contact ------------------------------------------------------------------------------------


def contact(
    person: Contact,
    customer_id: str,
    config: MappingConfig,
    values: Mapping[str, Any] | None = None,
    *,
    subsidiary_id: str | None = None,
) -> dict[str, Any]:
    """The contact under its customer, in the customer's subsidiary (``subsidiary_id``; the
    configured literal when not given): NetSuite requires a contact's subsidiary to be its
    company's. ``values`` are the ``fields.contact`` rules' values for this person."""
    body = _without_none(
        {
            "firstName": person.first_name,
            "lastName": person.last_name,
            "email": person.email,
            "phone": person.phone,
            "title": person.title,
            "company": ref(customer_id),
            "subsidiary": ref(subsidiary_id or _literal(config, "subsidiary_id")),
        }
    )
    return with_rules(body, values)


# -- 4.3 billing account ----------------------------------------------------------------------------


def billing_accounts_query(customer_id: str, currency_id: str) -> tuple[str, list[str]]:
    """SuiteQL for a customer's billing accounts in one currency (an adopted customer's one is
    adopted instead of creating a second, docs/mapping.md §8.1)."""
    return (
        "SELECT id, externalid FROM billingaccount WHERE customer = ? AND currency = ?",
        [customer_id, currency_id],
    )


def billing_account(
    deal: Deal, customer_id: str, config: MappingConfig, subsidiary_id: str | None = None
) -> dict[str, Any]:
    """The customer's billing account in the deal's currency, in the customer's subsidiary."""
    ns = config.netsuite
    body = {
        "name": f"{deal.account.name} - {deal.currency}",
        "customer": ref(customer_id),
        "subsidiary": ref(subsidiary_id or routed(deal, config, "subsidiary_id")),
        "currency": ref(ns.currencies[deal.currency]),
        "billingSchedule": ref(routed(deal, config, "billing_schedule_id")),
        "startDate": deal.start_date.isoformat(),
    }
    return with_rules(body, deal.rule_values.billingAccount)


# -- 4.4 subscription term --------------------------------------------------------------------------


def subscription_term(months: int) -> dict[str, Any]:
    return {
        "name": f"{months} Months",
        "subscriptionTermType": "STANDARD",
        "subscriptionTermDuration": months,
        "subscriptionTermUnit": "MONTHS",
    }


# -- 4.5 subscription plan --------------------------------------------------------------------------


def _member_shape(line: Line, config: MappingConfig) -> tuple[str, str, str, str]:
    """(ProductCode, subscriptionLineType, billingMode, renewalOption): what makes a plan version."""
    line_type = config.netsuite.line_types[line.charge_type]
    billing_mode = "IN_ARREARS" if line.billing_type == "Arrears" else "IN_ADVANCE"
    renewal = "NEVER" if line.charge_type == "One-Time" else "ALWAYS"
    return (line.product_code, line_type, billing_mode, renewal)


def plan_version(
    package: Package, config: MappingConfig, values: Mapping[str, Any] | None = None
) -> str:
    """``<v8>``: first 8 hex chars of SHA-256 over the canonical JSON of the members and the term.

    The same package configuration in two deals gives the same plan; any change (a member, its
    type, billing mode, renewal option, order, or the term) gives a new plan. ``values`` (the
    ``fields.subscriptionPlan`` rules' values, read from product fields only) are part of the
    configuration when there are any.
    """
    shape: dict[str, Any] = {
        "members": [list(_member_shape(m, config)) for m in package.members],
        "termMonths": package.term_months,
    }
    if values:
        shape["fields"] = dict(values)
    canonical = json.dumps(
        shape,
        separators=(",", ":"),
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:PLAN_VERSION_LENGTH]


def subscription_plan(
    package: Package,
    term_id: str,
    config: MappingConfig,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The plan of a package; ``values`` are its ``fields.subscriptionPlan`` rules' values."""
    members = []
    for number, line in enumerate(package.members, start=1):
        _, line_type, billing_mode, renewal = _member_shape(line, config)
        member: dict[str, Any] = {
            "lineNumber": number,
            "item": ref(line.item_id),
            "isRequired": True,
            "subscriptionLineType": line_type,
            "billingMode": billing_mode,
            "renewalOption": renewal,
        }
        if line.charge_type == "Recurring":
            member.update(prorateStartDate=True, prorateEndDate=True)
        members.append(member)
    body = {
        "itemId": plan_name(package.root_product_name, plan_version(package, config, values)),
        "displayName": package.root_product_name,
        "initialTerm": ref(term_id),
        "member": {"items": members},
    }
    return with_rules(body, values)


# -- 4.6 price plan ---------------------------------------------------------------------------------


def unit_price(line: Line, currency: str, config: MappingConfig) -> Decimal:
    """Price per unit per billing period, rounded half-up to the currency's decimals."""
    value = per_period_price(
        line.net_price, line.charge_type, line.billing_frequency, line.term_months
    )
    return rounded(value, config.netsuite.decimals(currency))


def price_plan(line: Line, deal: Deal, config: MappingConfig) -> dict[str, Any]:
    ns = config.netsuite
    body = {
        "currency": ref(ns.currencies[deal.currency]),
        "pricePlanType": routed(deal, config, "price_plan_type"),
        "priceTiers": {
            "items": [
                {
                    "fromVal": 0,
                    "pricingOption": ref(routed(deal, config, "pricing_option_per_unit")),
                    "value": float(unit_price(line, deal.currency, config)),
                }
            ]
        },
    }
    return with_rules(body, deal.rule_values.pricePlan.get(line.id))


def rounding_delta(deal: Deal, config: MappingConfig) -> Decimal:
    """Σ NetTotal − Σ value × quantity × periods over recurring lines (reported, never hidden).

    Worked with enough precision for the largest amounts validation lets through (15 digits of
    price, 15 of quantity, the periods of the longest term), so it never raises.
    """
    with localcontext(Context(prec=60)):
        return _rounding_delta(deal, config)


def _rounding_delta(deal: Deal, config: MappingConfig) -> Decimal:
    delta = Decimal(0)
    for package in deal.packages:
        for line in package.members:
            if (
                line.charge_type != "Recurring"
                or not line.billing_frequency
                or line.net_total is None
            ):
                continue
            periods = Decimal(line.term_months) / MONTHS_PER_PERIOD[line.billing_frequency]
            delta += (
                line.net_total - unit_price(line, deal.currency, config) * line.quantity * periods
            )
    return delta.quantize(Decimal("0.0001"))


# -- 4.7 price book ---------------------------------------------------------------------------------


def price_book(
    deal: Deal, package: Package, plan_id: str, price_plan_ids: list[str], config: MappingConfig
) -> dict[str, Any]:
    intervals = []
    for number, (line, price_plan_id) in enumerate(
        zip(package.members, price_plan_ids, strict=True), start=1
    ):
        one_time = line.charge_type == "One-Time"
        intervals.append(
            {
                "subscriptionPlanLineNumber": number,
                "pricePlan": ref(price_plan_id),
                "frequency": "ONETIME"
                if one_time
                else FREQUENCIES.get(line.billing_frequency or "", "MONTHLY"),
                "repeatEvery": "0" if one_time else "1",
                "startOffsetUnit": "MONTH",
                "startOffsetValue": 1,
                "prorateBy": "" if one_time else "MONTH",
            }
        )
    body = {
        "name": f"{deal.opportunity_name} - {package.root_product_name} - {deal.currency}",
        "subscriptionPlan": ref(plan_id),
        "currency": ref(config.netsuite.currencies[deal.currency]),
        "priceInterval": {"items": intervals},
    }
    return with_rules(body, deal.rule_values.priceBook.get(package.root_line_id))


# -- 4.8 subscription -------------------------------------------------------------------------------


def subscription_quantities(package: Package) -> dict[str, Any]:
    return {
        "priceInterval": {
            "items": [
                {"subscriptionPlanLineNumber": number, "quantity": float(line.quantity)}
                for number, line in enumerate(package.members, start=1)
            ]
        }
    }


def subscription(
    deal: Deal,
    package: Package,
    *,
    customer_id: str,
    billing_account_id: str,
    plan_id: str,
    price_book_id: str,
    term_id: str,
    config: MappingConfig,
    subsidiary_id: str | None = None,
) -> dict[str, Any]:
    ns = config.netsuite
    body: dict[str, Any] = {
        "name": f"{deal.opportunity_name} - {package.root_product_name}",
        "customer": ref(customer_id),
        "billingAccount": ref(billing_account_id),
        "subscriptionPlan": ref(plan_id),
        "priceBook": ref(price_book_id),
        "initialTerm": ref(term_id),
        "startDate": package.start_date.isoformat(),
        "subsidiary": ref(subsidiary_id or routed(deal, config, "subsidiary_id")),
        "currency": ref(ns.currencies[deal.currency]),
        "autoRenewal": routed(deal, config, "auto_renewal"),
    }
    if ns.subscription_quantities == "create":
        body.update(subscription_quantities(package))
    return with_rules(body, deal.rule_values.subscription.get(package.root_line_id))


# -- 4.9 activation ---------------------------------------------------------------------------------


PENDING_ACTIVATION = {"subscriptionLineStatus": "PENDING_ACTIVATION"}


def activation_change_order(
    subscription_id: str, effective_date: str, line_numbers: list[int]
) -> dict[str, Any]:
    return {
        "action": "ACTIVATE",
        "subscription": ref(subscription_id),
        "effectiveDate": effective_date,
        "subLine": {"items": [{"sequence": n, "apply": True} for n in line_numbers]},
    }


def _without_none(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


# -- NetSuite queries and record fields the steps read --------------------------------------------

SUBSCRIPTION_STATUS_FIELD = "billingSubscriptionStatus"
#: Fields read to tell whether a subscription exists and how far its activation got.
SUBSCRIPTION_STATUS_FIELDS = ["id", SUBSCRIPTION_STATUS_FIELD]


def item_ids_query(product_codes: list[str]) -> tuple[str, list[str]]:
    """SuiteQL (with one bound ``?`` per code) for the items whose ``itemid`` is a product code."""
    placeholders = ", ".join("?" for _ in product_codes)
    # Only "?" placeholders are formatted in; every value is a bound parameter.
    query = f"SELECT id, itemid FROM item WHERE itemid IN ({placeholders})"  # noqa: S608
    return query, list(product_codes)


def subscription_status(record: dict[str, Any]) -> str:
    """The ``billingSubscriptionStatus`` id of a subscription record ("" when absent)."""
    return _status_id(record.get(SUBSCRIPTION_STATUS_FIELD))


def subscription_lines(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The included lines of an expanded subscription record."""
    items = (record.get("subscriptionLine") or {}).get("items", [])
    return [line for line in items if line.get("isIncluded", True)]


def line_is_draft(line: dict[str, Any]) -> bool:
    return _status_id(line.get("status")) == "DRAFT"


def line_number(line: dict[str, Any]) -> int:
    return int(line["lineNumber"])


def line_id(line: dict[str, Any]) -> str:
    return str(line["subscriptionLine"])


def _status_id(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("id", ""))
    return str(value or "")


#: Sublists sent whole with ``?replace=`` (so a re-run never appends lines), by record type.
REPLACED_SUBLISTS = {
    "customer": ["addressBook"],
    "subscriptionPlan": ["member"],
    "priceBook": ["priceInterval"],
}


# -- 9.2 amendments: change orders and draft updates ------------------------------------------------


def package_subscription_eid(opportunity_id: str, root_line_id: str) -> str:
    """The subscription the product created for one package of a deal (§4 row 8)."""
    return f"SF-SUB-{opportunity_id}-{root_line_id}"


def change_order_eid(order: ChangeOrderPlan) -> str:
    """``SF-CO-<AmendOppId18>-<rootLineId18>-<MP|TM>``, ``-<YYYYMMDD>`` when several dates."""
    eid = f"SF-CO-{order.opportunity_id}-{order.root_line_id}-{order.action.value}"
    return f"{eid}-{order.effective_date:%Y%m%d}" if order.dated else eid


def change_order(order: ChangeOrderPlan, config: MappingConfig) -> dict[str, Any]:
    """A MODIFY_PRICING (UPSELL_DOWNSELL) or TERMINATE change order.

    ``quantityNew`` is the new total quantity, as CPQ's amendment ``SBQQ__Quantity__c`` is, or
    the change when ``netsuite.quantity_new`` is "delta" (docs/reference/
    amendments-and-custom-fields.md §B.5 ❓); ``subLine`` items are matched by ``sequence``, the
    line's ``lineNumber`` (§B.3 ❓).
    """
    body: dict[str, Any] = {
        "action": order.action.name,
        "subscription": ref(order.subscription_id),
        "effectiveDate": order.effective_date.isoformat(),
    }
    if order.action is Action.MODIFY_PRICING:
        body["modificationType"] = "UPSELL_DOWNSELL"
        delta = config.netsuite.quantity_new == "delta"
        items = [
            {
                "sequence": str(number),
                "apply": True,
                "quantityNew": float(quantity - prior if delta else quantity),
            }
            for number, quantity, prior in order.lines
        ]
    else:
        items = [{"sequence": str(number), "apply": True} for number, _, _ in order.lines]
        if order.at_start_of_day:
            body["terminateAtStartOfDay"] = True
    body["subLine"] = {"items": items}
    return body


def change_order_differences(
    order: ChangeOrderPlan, record: dict[str, Any], config: MappingConfig
) -> list[str]:
    """How an existing change order with this externalId differs from the plan (empty: same).

    A replay finds its own change order and writes nothing; one that exists with other values
    means the amendment changed after it was applied, which a person must decide (docs/mapping.md §9.2).
    """
    eid = change_order_eid(order)
    differences = []
    if _status_id(record.get("action")) != order.action.name:
        differences.append(f"{eid}: action {_status_id(record.get('action'))} in NetSuite")
    if str(record.get("effectiveDate") or "")[:10] != order.effective_date.isoformat():
        differences.append(
            f"{eid}: effective {str(record.get('effectiveDate'))[:10]} in NetSuite, "
            f"{order.effective_date.isoformat()} on the amendment"
        )
    sent = {
        str(item["sequence"]): item.get("quantityNew")
        for item in change_order(order, config)["subLine"]["items"]
    }
    have = {
        str(item.get("sequence")): item.get("quantityNew")
        for item in (record.get("subLine") or {}).get("items", [])
        if item.get("apply", True)
    }
    if set(have) != set(sent):
        differences.append(
            f"{eid}: lines {', '.join(sorted(have)) or 'none'} in NetSuite, "
            f"{', '.join(sorted(sent))} on the amendment"
        )
    elif order.action is Action.MODIFY_PRICING:
        for number, quantity in sent.items():
            if have[number] is None or Decimal(str(have[number])) != Decimal(str(quantity)):
                differences.append(
                    f"{eid}: line {number} quantity {_number(have[number])} in NetSuite, "
                    f"{_number(quantity)} on the amendment"
                )
    return differences


def _number(value: Any) -> str:
    try:
        return format(Decimal(str(value)).normalize(), "f")
    except ArithmeticError:
        return str(value)[:20]


def draft_quantities(update: DraftUpdate) -> dict[str, Any]:
    """The PATCH that sets a DRAFT subscription's quantities in place (no change order)."""
    return {
        "priceInterval": {
            "items": [
                {"subscriptionPlanLineNumber": number, "quantity": float(quantity)}
                for number, quantity in update.quantities
            ]
        }
    }


#: A draft update replaces no sublist: ``priceInterval`` items are matched by line number.
DRAFT_REPLACED_SUBLISTS: list[str] = []

#: Fields read of an original subscription before an amendment changes it.
SUBSCRIPTION_AMENDMENT_FIELDS = [
    "id",
    SUBSCRIPTION_STATUS_FIELD,
    "startDate",
    "endDate",
    "subscriptionLine",
]


def subscription_state(record: dict[str, Any]) -> SubscriptionState:
    """What an expanded subscription record says about its status, dates and lines."""
    lines = tuple(
        NetSuiteLine(
            number=line_number(line),
            quantity=Decimal(str(line.get("quantity") or 0)),
            status=_status_id(line.get("status")),
        )
        for line in subscription_lines(record)
    )
    return SubscriptionState(
        id=str(record["id"]),
        status=subscription_status(record),
        start_date=_date_or_none(record.get("startDate")),
        end_date=_date_or_none(record.get("endDate")),
        lines=lines,
    )


def _date_or_none(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


# -- 9.3 renewals ---------------------------------------------------------------------------------

#: Fields read of a renewed contract's subscription.
SUBSCRIPTION_RENEWAL_FIELDS = ["id", "autoRenewal"]


def renews_automatically(record: dict[str, Any]) -> bool:
    """Whether NetSuite starts the subscription's renewal itself (``autoRenewal``)."""
    return record.get("autoRenewal") is True


# -- 9.4 drift: a replayed deal compared with its subscription ------------------------------------


def changed_by_change_orders(record: dict[str, Any]) -> bool:
    """Whether change orders other than its activation changed an expanded subscription.

    A MODIFY_PRICING adds a price interval starting on its effective date, and a TERMINATE
    ends a line (docs/reference/amendments-and-custom-fields.md §B.4-§B.5): such a subscription
    is owned by the contract's amendments, and the original quote no longer describes it.
    """
    lines = subscription_lines(record)
    if any(_status_id(line.get("status")) in ("TERMINATED", "CLOSED") for line in lines):
        return True
    numbers = [
        item.get("subscriptionPlanLineNumber")
        for item in (record.get("priceInterval") or {}).get("items", [])
    ]
    return len(numbers) != len(set(numbers))


def subscription_differences(
    record: dict[str, Any], package: Package, external_id: str
) -> list[str]:
    """How an expanded subscription's lines differ from the package on the quote (per line:
    item and quantity), one readable difference each."""
    by_number = {line_number(line): line for line in subscription_lines(record)}
    if not by_number:
        return []  # a record read without its lines has nothing to compare
    differences = []
    for number, member in enumerate(package.members, start=1):
        line = by_number.get(number)
        if line is None:
            differences.append(
                f"{external_id}: {member.product_code} is not line {number} in NetSuite"
            )
            continue
        item = _status_id(line.get("item"))
        if item and item != member.item_id:
            differences.append(
                f"{external_id}: line {number} is item {item} in NetSuite, "
                f"{member.product_code} (item {member.item_id}) on the quote"
            )
        quantity = Decimal(str(line.get("quantity") or 0))
        if quantity != member.quantity:
            differences.append(
                f"{external_id}: {member.product_code} quantity {_number(quantity)} in NetSuite, "
                f"{_number(member.quantity)} on the quote; change it with an amendment quote"
            )
    return differences


#: `closedwon link customers`: the customers no Salesforce record has claimed yet (docs/go-live.md).
UNLINKED_CUSTOMERS_QUERY = (
    "SELECT id, companyname, email FROM customer WHERE externalid IS NULL ORDER BY id"
)


def billing_country(record: dict[str, Any]) -> str | None:
    """The ISO code of a customer's default billing address (as GET ?expandSubResources answers)."""
    for entry in (record.get("addressBook") or {}).get("items") or []:
        if entry.get("defaultBilling"):
            country = (entry.get("addressBookAddress") or {}).get("country")
            value = country.get("id") if isinstance(country, dict) else country
            return str(value).upper() if value else None
    return None
