"""The quote lines of a deal: tree positions, and each billable line's fields checked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from closedwon.config import CHARGE_TYPES, NetSuiteConfig
from closedwon.deal import fields
from closedwon.deal.model import Line
from closedwon.deal.pricing import MONTHS_PER_PERIOD, fits, per_period_price, rounded
from closedwon.deal.problems import OPPORTUNITY, QUOTE, Field, Problem, Problems, quoted
from closedwon.salesforce_ids import normalise_id

BILLING_TYPES = ("Advance", "Arrears")


@dataclass(frozen=True)
class LineContext:
    """What every line is checked against, settled before any line is read (the currency first)."""

    opportunity: dict[str, Any]
    quote: dict[str, Any]
    items: Mapping[str, str]
    netsuite: NetSuiteConfig
    decimals: int


@dataclass(frozen=True)
class QuoteLine:
    """One line of the primary quote: its tree position, and its Line when billable and valid."""

    raw: dict[str, Any]
    key: str
    number: Decimal
    required_by: str | None
    line: Line | None


def read_quote_lines(
    raw_lines: list[dict[str, Any]], quote_id: str, context: LineContext, problems: Problems
) -> list[QuoteLine]:
    """Every line of the primary quote with its tree position and, when billable, its Line."""
    result = []
    for raw in raw_lines:
        if raw.get("SBQQ__Quote__c") and normalise_id(raw["SBQQ__Quote__c"]) != quote_id:
            continue  # a line of another quote (the lines query is by opportunity)
        key = line_key(raw.get("Id"))
        where = line_field(key)
        parsed = fields.number(
            raw.get("SBQQ__Number__c"), where.at("SBQQ__Number__c"), required=False
        )
        number = problems.take(parsed)
        parent = raw.get("SBQQ__RequiredBy__c")
        line = (
            _line(raw, where, number, context, problems) if raw.get("SBQQ__ChargeType__c") else None
        )
        if isinstance(parsed, Problem):
            line = None
        result.append(
            QuoteLine(
                raw=raw,
                key=key,
                number=number or Decimal(0),
                required_by=line_key(parent) if parent else None,
                line=line,
            )
        )
    if not any(q.raw.get("SBQQ__ChargeType__c") for q in result):
        problems.add(
            QUOTE.at("SBQQ__LineItems__r").problem(
                "the primary quote has no billable line (no line has a Charge Type)"
            )
        )
    return result


def line_field(key: str) -> Field:
    """The field path root of one quote line (a malformed id elided)."""
    return Field(f"SBQQ__QuoteLine__c[{quoted(key, 18)[1:-1]}]")


def line_key(value: Any) -> str:
    """A line's position in the tree: its 18-character id (a malformed one as given, for messages)."""
    return normalise_id(value) or str(value)


def _line(
    raw: dict[str, Any],
    where: Field,
    number: Decimal | None,
    context: LineContext,
    problems: Problems,
) -> Line | None:
    """A billable line, every field checked; None (with its problems recorded) when invalid."""
    found = Problems()  # this line's problems: the line is valid when there are none
    line_id = found.take(fields.salesforce_id(raw.get("Id"), Field("SBQQ__QuoteLine__c.Id")))
    product = raw.get("SBQQ__Product__r") or {}
    product_id = found.take(
        fields.salesforce_id(raw.get("SBQQ__Product__c"), where.at("SBQQ__Product__c"))
    )
    code = product.get("ProductCode") if isinstance(product, dict) else None
    item_id = found.take(_item(code, where.at("SBQQ__Product__r.ProductCode"), context.items))
    charge = found.take(_charge_type(raw.get("SBQQ__ChargeType__c"), where, context.netsuite))
    billing_type = found.take(
        fields.choice(
            raw.get("SBQQ__BillingType__c"),
            where.at("SBQQ__BillingType__c"),
            BILLING_TYPES,
            "billing type",
        )
    )
    frequency = found.take(
        fields.choice(
            raw.get("SBQQ__BillingFrequency__c"),
            where.at("SBQQ__BillingFrequency__c"),
            MONTHS_PER_PERIOD,
            "billing frequency",
        )
    )
    if charge == "Recurring" and frequency is None and not raw.get("SBQQ__BillingFrequency__c"):
        found.add(
            where.at("SBQQ__BillingFrequency__c").problem(
                "a Recurring line needs a billing frequency"
            )
        )
    quantity = found.take(
        fields.number(raw.get("SBQQ__Quantity__c"), where.at("SBQQ__Quantity__c"))
    )
    if quantity is not None and quantity <= 0:
        found.add(where.at("SBQQ__Quantity__c").problem(f"must be greater than 0 (is {quantity})"))
    price = found.take(
        fields.number(
            raw.get("SBQQ__NetPrice__c"), where.at("SBQQ__NetPrice__c"), decimals=context.decimals
        )
    )
    total = found.take(
        fields.number(
            raw.get("SBQQ__NetTotal__c"),
            where.at("SBQQ__NetTotal__c"),
            decimals=context.decimals,
            required=False,
        )
    )
    term = found.take(line_term(raw, where, context))
    start = found.take(line_start_date(raw, where, context))
    if price is not None and term is not None and charge is not None:
        for problem in _price_problems(
            price, quantity, charge, frequency, term, where, context.decimals
        ):
            found.add(problem)
    problems.extend(found)
    if found:
        return None
    assert line_id and product_id and item_id and charge and quantity and price is not None
    assert term is not None and start is not None
    return Line(
        id=line_id,
        number=int(number or 0),
        product_id=product_id,
        product_code=str(code),
        item_id=item_id,
        quantity=quantity,
        net_price=price,
        net_total=total,
        charge_type=charge,
        billing_type=billing_type,
        billing_frequency=frequency,
        term_months=term,
        start_date=start,
    )


def _item(code: object, field: Field, items: Mapping[str, str]) -> str | Problem:
    if not code or not isinstance(code, str):
        return field.problem("the product has no Product Code")
    item_id = items.get(code)
    if item_id is None:
        return field.problem(f"no NetSuite item has Item Name/Number {quoted(code)}")
    return item_id


def _charge_type(value: object, where: Field, netsuite: NetSuiteConfig) -> str | Problem:
    field = where.at("SBQQ__ChargeType__c")
    charge = fields.choice(value, field, CHARGE_TYPES, "charge type")
    if isinstance(charge, Problem) or charge is None:
        return charge or field.problem("is empty")
    if charge not in netsuite.line_types:
        return field.problem(
            f"charge type '{charge}' has no subscription line type in the mapping config "
            f"(netsuite.line_types has: {', '.join(netsuite.line_types) or 'none'})"
        )
    return charge


def _price_problems(
    price: Decimal,
    quantity: Decimal | None,
    charge: str,
    frequency: str | None,
    term: int,
    where: Field,
    decimals: int,
) -> list[Problem]:
    """A price NetSuite would bill wrongly: 0 per period though quoted non-zero, or too large."""
    field = where.at("SBQQ__NetPrice__c")
    per_period = rounded(per_period_price(price, charge, frequency, term), decimals)
    if price != 0 and per_period == 0:
        return [
            field.problem(
                f"{price} per unit rounds to 0 at {decimals} decimals; quote a rate per larger "
                "unit (e.g. per 1,000)"
            )
        ]
    if quantity is not None and not fits(per_period * quantity, decimals):
        return [
            field.problem(
                f"{per_period} per period × quantity {quantity} is more than NetSuite's "
                "15 significant digits hold"
            )
        ]
    return []


def line_term(raw: dict[str, Any], where: Field, context: LineContext) -> int | Problem:
    """The line's term: the first of its effective term, its term, the quote's, the default."""
    for name, source, field in (
        ("SBQQ__EffectiveSubscriptionTerm__c", raw, where),
        ("SBQQ__SubscriptionTerm__c", raw, where),
        ("SBQQ__SubscriptionTerm__c", context.quote, QUOTE),
    ):
        value = source.get(name)
        if value not in (None, ""):
            return fields.whole_months(
                value, field.at(name), maximum=context.netsuite.max_term_months
            )
    return context.netsuite.default_term_months


def line_start_date(raw: dict[str, Any], where: Field, context: LineContext) -> dt.date | Problem:
    """The first of the line's effective start, its start, the quote's start, the close date."""
    window = context.netsuite.date_window
    for name, source, field in (
        ("SBQQ__EffectiveStartDate__c", raw, where),
        ("SBQQ__StartDate__c", raw, where),
        ("SBQQ__StartDate__c", context.quote, QUOTE),
        ("CloseDate", context.opportunity, OPPORTUNITY),
    ):
        value = source.get(name)
        if value:
            return fields.date(
                value, field.at(name), earliest=window.earliest, latest=window.latest
            )
    return OPPORTUNITY.at("CloseDate").problem(
        "no start date on the line, the quote or the opportunity"
    )
