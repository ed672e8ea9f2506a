"""Attach the rule values of a deal to its validated :class:`~closedwon.deal.Deal`."""

from __future__ import annotations

from typing import Any

from closedwon.config import MappingConfig
from closedwon.deal import Deal
from closedwon.errors import InvalidDeal
from closedwon.rules.deal_values import PackageShape, evaluate_deal
from closedwon.rules.evaluate import Context
from closedwon.rules.values import time_zone


def with_rule_values(deal: Deal, source: dict[str, Any], config: MappingConfig) -> Deal:
    """``deal`` carrying every ``fields`` rule's value; InvalidDeal listing each rule that gives
    no valid value (raised before the first NetSuite write)."""
    routing = config.netsuite.routing_rules()
    if not config.fields and not routing:
        return deal
    values, problems = evaluate_deal(
        config.fields,
        source,
        routing=routing,
        contact_ids=[c.id for c in deal.contacts],
        packages=[
            PackageShape(root_line_id=p.root_line_id, member_ids=tuple(m.id for m in p.members))
            for p in deal.packages
        ],
        context=Context(lookups=config.lookups, zone=time_zone(config.netsuite.timezone)),
        limits=config.netsuite.field_limits.model_dump(),
    )
    if problems:
        raise InvalidDeal(problems, record=f"Opportunity {deal.opportunity_id}")
    return deal.model_copy(update={"rule_values": values})
