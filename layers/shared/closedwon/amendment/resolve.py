"""Each amendment line → the NetSuite subscription line it changes (docs/mapping.md §9.1).

An amendment line with ``SBQQ__UpgradedSubscription__c`` changes the line the product created for
the quote line that first generated that CPQ subscription: follow ``SBQQ__RevisedSubscription__c``
to the first subscription, take its ``SBQQ__QuoteLine__c``, and find that line's package (§3) on
its own opportunity's quote. Its NetSuite subscription is keyed by that opportunity and package
root, its line by the member position. Every problem is reported at once, before any write.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from closedwon.amendment.model import Amendment, LineChange
from closedwon.config import DateWindow
from closedwon.deal import fields
from closedwon.deal.lines import line_field, line_key
from closedwon.deal.problems import OPPORTUNITY, QUOTE, Field, Problem, Problems, quoted
from closedwon.errors import InvalidDeal
from closedwon.lifecycle import AMENDED_CONTRACT
from closedwon.packages import Node, PackageProblem, build_packages
from closedwon.salesforce_ids import normalise_id

#: Where a line of an earlier deal of the contract sits: (opportunity, package root, position).
Position = tuple[str, str, int]


def resolve_amendment(
    opportunity: dict[str, Any],
    lines: list[dict[str, Any]],
    subscriptions: list[dict[str, Any]],
    lineage_lines: list[dict[str, Any]],
    window: DateWindow,
    contract_number: str | None = None,
) -> Amendment:
    """The amendment's changes to existing NetSuite lines and its new lines, or InvalidDeal."""
    problems = Problems()
    opp_id = normalise_id(opportunity.get("Id")) or str(opportunity.get("Id"))
    contract_id = normalise_id(opportunity.get(AMENDED_CONTRACT))
    if contract_id is None:
        problems.add(
            OPPORTUNITY.at(AMENDED_CONTRACT).problem("is not the Salesforce id of a contract")
        )
        raise InvalidDeal(problems.texts(), record=f"Opportunity {opp_id}")
    quote = opportunity.get("SBQQ__PrimaryQuote__r") or {}
    first_line_of = _first_quote_lines(subscriptions)
    positions = _positions(lineage_lines, problems)
    by_key = {line_key(raw.get("Id")): raw for raw in lines}
    summed: dict[Position, list[tuple[str, Decimal, Decimal, dt.date | None]]] = defaultdict(list)
    new_lines: list[str] = []
    for raw in lines:
        key = line_key(raw.get("Id"))
        where = line_field(key)
        change = _line_change(raw, where, opportunity, quote, window, problems)
        if change is None:
            continue
        quantity, prior, start = change
        if start is None and not raw.get("SBQQ__UpgradedSubscription__c"):
            continue
        upgraded = raw.get("SBQQ__UpgradedSubscription__c")
        if raw.get("SBQQ__UpgradedAsset__c"):
            problems.add(
                where.at("SBQQ__UpgradedAsset__c").problem(
                    "changes an asset; amending assets is not supported: change it in NetSuite"
                )
            )
        elif upgraded:
            position = _position_of(upgraded, where, first_line_of, positions, contract_id)
            if isinstance(position, Problem):
                problems.add(position)
                continue
            summed[position].append((key, prior, quantity, start))
        elif raw.get("SBQQ__Existing__c"):
            problems.add(
                where.at("SBQQ__UpgradedSubscription__c").problem(
                    "an existing line whose quantity changes must name the subscription it upgrades"
                )
            )
        elif _inside_existing_bundle(raw, by_key):
            problems.add(
                where.at("SBQQ__RequiredBy__c").problem(
                    "a new product inside an existing bundle is not supported: quote it as its "
                    "own product or bundle"
                )
            )
        else:
            new_lines.append(key)
    if problems:
        raise InvalidDeal(problems.texts(), record=f"Opportunity {opp_id}")
    changes = []
    for (origin, root, number), parts in summed.items():
        prior = sum((p for _, p, _, _ in parts), Decimal(0))
        quantity = sum((q for _, _, q, _ in parts), Decimal(0))
        dates = [d for _, _, _, d in parts if d is not None]
        if quantity == prior or not dates:
            continue
        changes.append(
            LineChange(
                opportunity_id=origin,
                root_line_id=root,
                line_number=number,
                prior_quantity=prior,
                quantity=quantity,
                start_date=min(dates),
                amendment_line_ids=tuple(k for k, _, _, _ in parts),
            )
        )
    return Amendment(
        opportunity_id=opp_id,
        contract_id=contract_id,
        contract_number=contract_number,
        changes=tuple(changes),
        new_line_ids=tuple(new_lines),
    )


def _line_change(
    raw: dict[str, Any],
    where: Field,
    opportunity: dict[str, Any],
    quote: dict[str, Any],
    window: DateWindow,
    problems: Problems,
) -> tuple[Decimal, Decimal, dt.date | None] | None:
    """``(quantity, prior quantity, start date)`` of a billable line, None when invalid.

    An existing line whose quantity equals its prior quantity changes nothing (§9.2): it is not
    checked further and has no start date, but its quantities still count in the sum of the
    uncombined subscriptions of one NetSuite line.
    """
    if not raw.get("SBQQ__ChargeType__c"):
        return None
    found = Problems()
    quantity = found.take(
        fields.number(raw.get("SBQQ__Quantity__c"), where.at("SBQQ__Quantity__c"))
    )
    existing = bool(raw.get("SBQQ__Existing__c") or raw.get("SBQQ__UpgradedSubscription__c"))
    prior = found.take(
        fields.number(
            raw.get("SBQQ__PriorQuantity__c"), where.at("SBQQ__PriorQuantity__c"), required=False
        )
    )
    if existing and quantity is not None and quantity == (prior or Decimal(0)):
        return quantity, quantity, None
    if quantity is not None and (quantity < 0 or (quantity == 0 and not existing)):
        found.add(
            where.at("SBQQ__Quantity__c").problem(
                f"must be 0 (cancel) or more on an existing line, more than 0 on a new one "
                f"(is {quantity})"
            )
        )
    start = found.take(_start_date(raw, where, opportunity, quote, window))
    problems.extend(found)
    if found or quantity is None or start is None:
        return None
    return quantity, prior or Decimal(0), start


def _start_date(
    raw: dict[str, Any],
    where: Field,
    opportunity: dict[str, Any],
    quote: dict[str, Any],
    window: DateWindow,
) -> dt.date | Problem:
    """The change's effective date: the line's start date as §1 defines it."""
    for name, source, field in (
        ("SBQQ__EffectiveStartDate__c", raw, where),
        ("SBQQ__StartDate__c", raw, where),
        ("SBQQ__StartDate__c", quote, QUOTE),
        ("CloseDate", opportunity, OPPORTUNITY),
    ):
        value = source.get(name)
        if value:
            return fields.date(
                value, field.at(name), earliest=window.earliest, latest=window.latest
            )
    return OPPORTUNITY.at("CloseDate").problem(
        "no start date on the line, the quote or the opportunity"
    )


def contract_packages(lineage_lines: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """``(opportunity, package root)`` of every package of the contract's deals, in order."""
    positions = _positions(lineage_lines, Problems())
    return list(dict.fromkeys((opp, root) for opp, root, _ in positions.values()))


def _first_quote_lines(subscriptions: list[dict[str, Any]]) -> dict[str, str | None]:
    """Each CPQ subscription → the quote line of the first subscription of its revision chain."""
    by_id = {normalise_id(s.get("Id")): s for s in subscriptions if normalise_id(s.get("Id"))}
    result: dict[str, str | None] = {}
    for sub_id, sub in by_id.items():
        assert sub_id is not None
        seen = {sub_id}
        current = sub
        while True:
            revised = normalise_id(current.get("SBQQ__RevisedSubscription__c"))
            if revised is None or revised in seen or revised not in by_id:
                break
            seen.add(revised)
            current = by_id[revised]
        result[sub_id] = normalise_id(current.get("SBQQ__QuoteLine__c"))
    return result


def _positions(lineage_lines: list[dict[str, Any]], problems: Problems) -> dict[str, Position]:
    """Every billable line of the contract's earlier deals → its package root and position."""
    by_opportunity: dict[str, list[Node[str]]] = defaultdict(list)
    for raw in lineage_lines:
        quote = raw.get("SBQQ__Quote__r") or {}
        opp = normalise_id(quote.get("SBQQ__Opportunity2__c")) if isinstance(quote, dict) else None
        key = normalise_id(raw.get("Id"))
        if opp is None or key is None:
            continue
        parent = raw.get("SBQQ__RequiredBy__c")
        by_opportunity[opp].append(
            Node(
                id=key,
                required_by=line_key(parent) if parent else None,
                number=Decimal(str(raw.get("SBQQ__Number__c") or 0)),
                billable=key if raw.get("SBQQ__ChargeType__c") else None,
            )
        )
    positions: dict[str, Position] = {}
    for opp, nodes in by_opportunity.items():
        try:
            packages = build_packages(nodes)
        except PackageProblem as exc:
            for path, text in exc.problems:
                problems.add(Problem(path, f"{text} (a line of the amended contract's deal {opp})"))
            continue
        for root, members in packages:
            for number, member in enumerate(members, start=1):
                positions[member] = (opp, root, number)
    return positions


def _position_of(
    upgraded: object,
    where: Field,
    first_line_of: dict[str, str | None],
    positions: dict[str, Position],
    contract_id: str,
) -> Position | Problem:
    field = where.at("SBQQ__UpgradedSubscription__c")
    sub_id = normalise_id(upgraded)
    if sub_id is None:
        return field.bad_value(upgraded, "is not a Salesforce id")
    if sub_id not in first_line_of:
        return field.problem(
            f"subscription {sub_id} is not a subscription of the amended contract {contract_id}"
        )
    origin = first_line_of[sub_id]
    position = positions.get(origin) if origin else None
    if position is None:
        return field.problem(
            f"subscription {sub_id} was generated by quote line {quoted(origin, 18)}, which is "
            f"not a billable line of a deal of contract {contract_id}"
        )
    return position


def _inside_existing_bundle(raw: dict[str, Any], by_key: dict[str, dict[str, Any]]) -> bool:
    """Whether a new line hangs (at any depth) under a line the customer already has."""
    seen: set[str] = set()
    parent = raw.get("SBQQ__RequiredBy__c")
    while parent:
        key = line_key(parent)
        if key in seen or key not in by_key:
            return False
        seen.add(key)
        line = by_key[key]
        if line.get("SBQQ__Existing__c") or line.get("SBQQ__UpgradedSubscription__c"):
            return True
        parent = line.get("SBQQ__RequiredBy__c")
    return False
