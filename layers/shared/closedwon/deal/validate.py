"""The validator: raw Salesforce records → a :class:`Deal`, or InvalidDeal listing every problem.

Everything NetSuite will be sent is checked here, before the first write: ids, texts against the
NetSuite field limits, numbers (finite, within NetSuite's digits at the currency's decimals),
dates (within ``netsuite.date_window``), terms (up to ``netsuite.max_term_months``), choices,
that every charge type has a ``netsuite.line_types`` entry, and the package trees. The currency
is settled first and its decimals are passed on explicitly. Nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from closedwon.config import CHARGE_TYPES, FieldLimits, MappingConfig, NetSuiteConfig
from closedwon.deal import fields
from closedwon.deal.model import Account, Address, Contact, Deal, Line, Package
from closedwon.deal.pricing import (
    MONTHS_PER_PERIOD,
    PLAN_VERSION_LENGTH,
    fits,
    per_period_price,
    plan_name,
    rounded,
)
from closedwon.deal.problems import Field, Problem, Problems, quoted
from closedwon.errors import InvalidDeal
from closedwon.packages import Node, PackageProblem, build_packages
from closedwon.salesforce_ids import normalise_id

BILLING_TYPES = ("Advance", "Arrears")

OPPORTUNITY = Field("Opportunity")
QUOTE = Field("SBQQ__Quote__c")
_ADDRESS_PARTS = ("Street", "City", "State", "PostalCode", "Country", "CountryCode")


@dataclass(frozen=True)
class _Context:
    """What every line is checked against: settled before any line is read."""

    opportunity: dict[str, Any]
    quote: dict[str, Any]
    items: Mapping[str, str]
    netsuite: NetSuiteConfig
    decimals: int


@dataclass(frozen=True)
class _QuoteLine:
    """One line of the primary quote: its tree position, and its Line when billable and valid."""

    raw: dict[str, Any]
    key: str
    number: Decimal
    required_by: str | None
    line: Line | None


def build_deal(source: dict[str, Any], items: dict[str, str], config: MappingConfig) -> Deal:
    """Validate the raw records and build the Deal, or raise InvalidDeal with every problem."""
    problems = Problems()
    opp: dict[str, Any] = source["opportunity"]
    opp_id = problems.take(fields.salesforce_id(opp.get("Id"), OPPORTUNITY.at("Id")))
    record = f"Opportunity {opp_id or '(malformed id)'}"
    quote = opp.get("SBQQ__PrimaryQuote__r")
    if not opp.get("SBQQ__PrimaryQuote__c") or not isinstance(quote, dict):
        problems.add(
            OPPORTUNITY.at("SBQQ__PrimaryQuote__c").problem("the opportunity has no primary quote")
        )
        raise InvalidDeal(problems.texts(), record=record)
    quote_id = problems.take(fields.salesforce_id(quote.get("Id"), QUOTE.at("Id")))
    owner = quote.get("SBQQ__Opportunity2__c")
    if opp_id and owner and normalise_id(owner) != opp_id:
        # Its lines are another deal's: checking them would only report spurious problems.
        problems.add(
            QUOTE.at("SBQQ__Opportunity2__c").problem(
                f"the primary quote {quote_id} belongs to opportunity {quoted(owner, 18)}, not to "
                "this one: make one of this opportunity's own quotes primary"
            )
        )
        raise InvalidDeal(problems.texts(), record=record)
    currency = problems.take(_currency(opp, quote, config))
    context = _Context(
        opportunity=opp,
        quote=quote,
        items=items,
        netsuite=config.netsuite,
        decimals=config.netsuite.decimals(currency or ""),
    )
    limits = config.netsuite.field_limits
    account = _account(opp, quote, limits, problems)
    contacts = _contacts(opp, quote, limits, problems)
    quote_lines = _quote_lines(source["lines"], quote_id or "", context, problems)
    packages = _packages(quote_lines, context, problems)
    terms = problems.take(
        fields.text(quote.get("SBQQ__PaymentTerms__c"), QUOTE.at("SBQQ__PaymentTerms__c"))
    )
    name = problems.take(fields.text(opp.get("Name"), OPPORTUNITY.at("Name")))
    if problems or None in (account, opp_id, quote_id, currency):
        raise InvalidDeal(problems.texts(), record=record)
    assert account is not None and opp_id is not None and quote_id is not None
    return Deal(
        opportunity_id=opp_id,
        opportunity_name=name or opp_id,
        account=account,
        email=next((c.email for c in contacts if c.email), None),
        contacts=tuple(contacts),
        quote_id=quote_id,
        currency=str(currency),
        payment_terms=terms,
        packages=tuple(packages),
    )


def _currency(opp: dict[str, Any], quote: dict[str, Any], config: MappingConfig) -> str | Problem:
    sf = config.salesforce
    if sf.multi_currency:
        currency = quote.get("CurrencyIsoCode") or opp.get("CurrencyIsoCode")
    else:
        currency = sf.default_currency
    known = config.netsuite.currencies
    if not isinstance(currency, str) or currency not in known:
        return QUOTE.at("CurrencyIsoCode").problem(
            f"currency {quoted(currency)} has no NetSuite currency in the mapping config "
            f"(known: {', '.join(sorted(known)) or 'none'})"
        )
    return currency


# -- account and addresses ------------------------------------------------------------------------


def _account(
    opp: dict[str, Any], quote: dict[str, Any], limits: FieldLimits, problems: Problems
) -> Account | None:
    raw = opp.get("Account")
    if not opp.get("AccountId") or not isinstance(raw, dict):
        problems.add(OPPORTUNITY.at("AccountId").problem("the opportunity has no account"))
        return None
    at = Field("Account")
    account_id = problems.take(
        fields.salesforce_id(raw.get("Id") or opp.get("AccountId"), at.at("Id"))
    )
    name = problems.take(
        fields.text(
            raw.get("Name"),
            at.at("Name", "name"),
            limit=limits.companyName,
            limit_name="companyName",
            required=True,
        )
    )
    phone = problems.take(
        fields.text(
            raw.get("Phone"), at.at("Phone", "phone"), limit=limits.phone, limit_name="phone"
        )
    )
    website = problems.take(fields.text(raw.get("Website"), at.at("Website")))
    billing = _quote_bill_to(quote, name or "", problems) or _address(
        {k: raw.get(f"Billing{k}") for k in _ADDRESS_PARTS},
        "Account.Billing{}",
        name or "",
        problems,
    )
    shipping = _address(
        {k: raw.get(f"Shipping{k}") for k in _ADDRESS_PARTS},
        "Account.Shipping{}",
        name or "",
        problems,
    )
    if account_id is None or name is None:
        return None
    return Account(
        id=account_id, name=name, phone=phone, website=website, billing=billing, shipping=shipping
    )


def _quote_bill_to(quote: dict[str, Any], account_name: str, problems: Problems) -> Address | None:
    parts = {k: quote.get(f"SBQQ__Billing{k}__c") for k in _ADDRESS_PARTS if k != "CountryCode"}
    if not any(parts.values()):
        return None
    addressee = problems.take(
        fields.text(quote.get("SBQQ__BillingName__c"), QUOTE.at("SBQQ__BillingName__c", "name"))
    )
    return _address(parts, "SBQQ__Quote__c.SBQQ__Billing{}__c", addressee or account_name, problems)


def _address(
    parts: dict[str, Any], path: str, addressee: str, problems: Problems
) -> Address | None:
    """An address from its parts (``path`` has a ``{}`` for the part name); None when all empty."""
    if not any(parts.values()):
        return None
    part = "CountryCode" if parts.get("CountryCode") else "Country"
    country = problems.take(fields.country(parts.get(part), Field(path.format(part), "address")))
    street = str(parts.get("Street") or "")
    lines = tuple(line.strip() for line in street.replace("\r", "").split("\n") if line.strip())
    if len(lines) > 3:
        lines = (*lines[:2], ", ".join(lines[2:]))

    def text(name: str) -> str | None:
        return problems.take(fields.text(parts.get(name), Field(path.format(name), "address")))

    return Address(
        addressee=addressee,
        lines=lines,
        city=text("City"),
        state=text("State"),
        zip=text("PostalCode"),
        country=country,
    )


# -- contacts -------------------------------------------------------------------------------------


def _contacts(
    opp: dict[str, Any], quote: dict[str, Any], limits: FieldLimits, problems: Problems
) -> list[Contact]:
    """The quote's primary contact first, then the opportunity's contact roles, each once."""
    candidates: list[tuple[Any, Any, Field]] = []
    primary = quote.get("SBQQ__PrimaryContact__r")
    if quote.get("SBQQ__PrimaryContact__c") and isinstance(primary, dict):
        candidates.append(
            (quote["SBQQ__PrimaryContact__c"], primary, QUOTE.at("SBQQ__PrimaryContact__r"))
        )
    roles = (opp.get("OpportunityContactRoles") or {}).get("records") or []
    for role in roles:
        if role.get("ContactId") and isinstance(role.get("Contact"), dict):
            where = Field(f"OpportunityContactRole[{quoted(role['ContactId'], 18)[1:-1]}].Contact")
            candidates.append((role["ContactId"], role["Contact"], where))
    found: dict[str, Contact | None] = {}  # None: seen, and its problems already recorded
    for raw_id, raw, where in candidates:
        contact_id = problems.take(fields.salesforce_id(raw_id, where.at("Id")))
        if contact_id is None or contact_id in found:
            continue
        found[contact_id] = _contact(contact_id, raw, where, limits, problems)
    return [c for c in found.values() if c is not None]


def _contact(
    contact_id: str, raw: dict[str, Any], where: Field, limits: FieldLimits, problems: Problems
) -> Contact | None:
    first = fields.text(
        raw.get("FirstName"),
        where.at("FirstName", "name"),
        limit=limits.firstName,
        limit_name="firstName",
    )
    last = fields.text(
        raw.get("LastName"),
        where.at("LastName", "name"),
        limit=limits.lastName,
        limit_name="lastName",
    )
    if first is None and last is None:
        problems.add(where.at("LastName").problem("the contact has no name"))
    email = fields.text(
        raw.get("Email"), where.at("Email", "e-mail"), limit=limits.email, limit_name="email"
    )
    phone = fields.text(
        raw.get("Phone"), where.at("Phone", "phone"), limit=limits.phone, limit_name="phone"
    )
    title = fields.text(raw.get("Title"), where.at("Title"))
    parsed = [problems.take(value) for value in (first, last, email, phone, title)]
    if any(isinstance(value, Problem) for value in (first, last, email, phone, title)):
        return None
    return Contact(
        id=contact_id,
        first_name=parsed[0],
        last_name=parsed[1],
        email=parsed[2],
        phone=parsed[3],
        title=parsed[4],
    )


# -- lines ----------------------------------------------------------------------------------------


def _quote_lines(
    raw_lines: list[dict[str, Any]], quote_id: str, context: _Context, problems: Problems
) -> list[_QuoteLine]:
    """Every line of the primary quote with its tree position and, when billable, its Line."""
    result = []
    for raw in raw_lines:
        if raw.get("SBQQ__Quote__c") and normalise_id(raw["SBQQ__Quote__c"]) != quote_id:
            continue  # a line of another quote (the lines query is by opportunity)
        key = _line_key(raw.get("Id"))
        where = Field(f"SBQQ__QuoteLine__c[{quoted(key, 18)[1:-1]}]")
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
            _QuoteLine(
                raw=raw,
                key=key,
                number=number or Decimal(0),
                required_by=_line_key(parent) if parent else None,
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


def _line_key(value: Any) -> str:
    """A line's position in the tree: its 18-character id (a malformed one as given, for messages)."""
    return normalise_id(value) or str(value)


def _line(
    raw: dict[str, Any],
    where: Field,
    number: Decimal | None,
    context: _Context,
    problems: Problems,
) -> Line | None:
    """A billable line, every field checked; None (with its problems recorded) when invalid."""
    found = len(problems.found)
    line_id = problems.take(fields.salesforce_id(raw.get("Id"), Field("SBQQ__QuoteLine__c.Id")))
    product = raw.get("SBQQ__Product__r") or {}
    product_id = problems.take(
        fields.salesforce_id(raw.get("SBQQ__Product__c"), where.at("SBQQ__Product__c"))
    )
    code = product.get("ProductCode") if isinstance(product, dict) else None
    item_id = problems.take(_item(code, where.at("SBQQ__Product__r.ProductCode"), context.items))
    charge = problems.take(_charge_type(raw.get("SBQQ__ChargeType__c"), where, context.netsuite))
    billing_type = problems.take(
        fields.choice(
            raw.get("SBQQ__BillingType__c"),
            where.at("SBQQ__BillingType__c"),
            BILLING_TYPES,
            "billing type",
        )
    )
    frequency = problems.take(
        fields.choice(
            raw.get("SBQQ__BillingFrequency__c"),
            where.at("SBQQ__BillingFrequency__c"),
            MONTHS_PER_PERIOD,
            "billing frequency",
        )
    )
    if charge == "Recurring" and frequency is None and not raw.get("SBQQ__BillingFrequency__c"):
        problems.add(
            where.at("SBQQ__BillingFrequency__c").problem(
                "a Recurring line needs a billing frequency"
            )
        )
    quantity = problems.take(
        fields.number(raw.get("SBQQ__Quantity__c"), where.at("SBQQ__Quantity__c"))
    )
    if quantity is not None and quantity <= 0:
        problems.add(
            where.at("SBQQ__Quantity__c").problem(f"must be greater than 0 (is {quantity})")
        )
    price = problems.take(
        fields.number(
            raw.get("SBQQ__NetPrice__c"), where.at("SBQQ__NetPrice__c"), decimals=context.decimals
        )
    )
    total = problems.take(
        fields.number(
            raw.get("SBQQ__NetTotal__c"),
            where.at("SBQQ__NetTotal__c"),
            decimals=context.decimals,
            required=False,
        )
    )
    term = problems.take(_term(raw, where, context))
    start = problems.take(_start_date(raw, where, context))
    if price is not None and term is not None and charge is not None:
        for problem in _price_problems(
            price, quantity, charge, frequency, term, where, context.decimals
        ):
            problems.add(problem)
    if len(problems.found) > found:
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


def _term(raw: dict[str, Any], where: Field, context: _Context) -> int | Problem:
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


def _start_date(raw: dict[str, Any], where: Field, context: _Context) -> dt.date | Problem:
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


# -- packages -------------------------------------------------------------------------------------


def _packages(
    quote_lines: list[_QuoteLine], context: _Context, problems: Problems
) -> list[Package]:
    try:
        trees = build_packages(
            [
                Node(id=q.key, required_by=q.required_by, number=q.number, billable=q.line)
                for q in quote_lines
            ]
        )
    except PackageProblem as exc:
        for path, text in exc.problems:
            problems.add(Problem(path, text))
        return []
    limit = context.netsuite.max_packages_per_deal
    if len(trees) > limit:
        problems.add(
            QUOTE.at("SBQQ__LineItems__r").problem(
                f"the quote has {len(trees)} packages; one sync carries at most {limit} "
                "(Step Functions' 256 KB state limit): split the quote or raise "
                "netsuite.max_packages_per_deal"
            )
        )
        return []
    by_key = {q.key: q for q in quote_lines}
    packages = []
    for root_key, members in trees:
        package = _package(by_key[root_key], members, context, problems)
        if package is not None:
            packages.append(package)
    return packages


def _package(
    root: _QuoteLine, members: list[Line], context: _Context, problems: Problems
) -> Package | None:
    where = Field(f"SBQQ__QuoteLine__c[{root.key}]")
    product = root.raw.get("SBQQ__Product__r") or {}
    name_field = where.at("SBQQ__Product__r.Name")
    name = problems.take(fields.text(product.get("Name"), name_field)) or str(
        product.get("ProductCode") or root.key
    )
    limit = context.netsuite.field_limits.itemId
    longest = len(plan_name(name, "0" * PLAN_VERSION_LENGTH))
    if longest > limit:
        problems.add(
            name_field.problem(
                f"is {len(name)} characters; the subscription plan name allows at most "
                f"{limit - (longest - len(name))} (itemId)"
            )
        )
    term: int | None
    start: dt.date | None
    product_id: str | None
    if root.line is not None:
        term, start, product_id = root.line.term_months, root.line.start_date, root.line.product_id
    else:
        term = problems.take(_term(root.raw, where, context))
        start = problems.take(_start_date(root.raw, where, context))
        product_id = problems.take(
            fields.salesforce_id(root.raw.get("SBQQ__Product__c"), where.at("SBQQ__Product__c"))
        )
    if term is None or start is None or product_id is None:
        return None
    return Package(
        root_line_id=root.key,
        root_product_id=product_id,
        root_product_name=name,
        term_months=term,
        start_date=start,
        members=tuple(members),
    )
