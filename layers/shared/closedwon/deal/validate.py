"""The validator: raw Salesforce records → a :class:`Deal`, or InvalidDeal listing every problem.

Everything NetSuite will be sent is checked before the first write (the parts in ``parties`` and
``lines``): ids, texts against the
NetSuite field limits, numbers (finite, within NetSuite's digits at the currency's decimals),
dates (within ``netsuite.date_window``), terms (up to ``netsuite.max_term_months``), choices,
that every charge type has a ``netsuite.line_types`` entry, and the package trees. The currency
is settled first and its decimals are passed on explicitly. Nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from closedwon.config import MappingConfig
from closedwon.deal import fields
from closedwon.deal.lines import (
    LineContext,
    QuoteLine,
    line_field,
    line_start_date,
    line_term,
    read_quote_lines,
)
from closedwon.deal.model import Deal, Line, Package
from closedwon.deal.parties import read_account, read_contacts
from closedwon.deal.pricing import PLAN_VERSION_LENGTH, plan_name
from closedwon.deal.problems import OPPORTUNITY, QUOTE, Problem, Problems, quoted
from closedwon.errors import InvalidDeal
from closedwon.packages import Node, PackageProblem, build_packages
from closedwon.salesforce_ids import normalise_id


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
    context = LineContext(
        opportunity=opp,
        quote=quote,
        items=items,
        netsuite=config.netsuite,
        decimals=config.netsuite.decimals(currency or ""),
    )
    limits = config.netsuite.field_limits
    writeback = config.salesforce.writeback
    account = read_account(opp, quote, limits, problems, id_field=writeback.account_id)
    contacts = read_contacts(opp, quote, limits, problems, id_field=writeback.contact_id)
    quote_lines = read_quote_lines(source["lines"], quote_id or "", context, problems)
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


def _packages(
    quote_lines: list[QuoteLine], context: LineContext, problems: Problems
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
    root: QuoteLine, members: list[Line], context: LineContext, problems: Problems
) -> Package | None:
    where = line_field(root.key)
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
        term = problems.take(line_term(root.raw, where, context))
        start = problems.take(line_start_date(root.raw, where, context))
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
