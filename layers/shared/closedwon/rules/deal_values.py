"""Every ``fields`` rule of one deal, evaluated once in LoadDeal, before any NetSuite write.

The results travel inside the stored Deal (:class:`RuleValues`), so each step merges ready values
into its payload and a rule that gives no valid value makes the whole deal invalid up front,
listing every such rule by its path (docs/mapping.md §2, §7.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from closedwon.rules.catalog import field_type
from closedwon.rules.document import contact_document, deal_document, line_records
from closedwon.rules.evaluate import OMITTED, Context, RuleProblem, evaluate
from closedwon.rules.model import Rule

Values = dict[str, Any]


class RuleValues(BaseModel):
    """The NetSuite values the rules give, per record of the deal (by Salesforce id)."""

    model_config = ConfigDict(frozen=True)

    #: ``netsuite.<key>`` routing rules' values (an id, or ``auto_renewal``'s bool).
    routing: Values = Field(default_factory=dict)
    customer: Values = Field(default_factory=dict)
    billingAccount: Values = Field(default_factory=dict)
    #: Contact id -> values.
    contact: dict[str, Values] = Field(default_factory=dict)
    #: Package root line id -> values.
    subscriptionPlan: dict[str, Values] = Field(default_factory=dict)
    priceBook: dict[str, Values] = Field(default_factory=dict)
    subscription: dict[str, Values] = Field(default_factory=dict)
    #: Quote line id -> values.
    pricePlan: dict[str, Values] = Field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """No rule gave a value for any record of the deal."""
        flat = (self.routing, self.customer, self.billingAccount)
        by_record = (
            self.contact,
            self.subscriptionPlan,
            self.priceBook,
            self.subscription,
            self.pricePlan,
        )
        return not any(flat) and not any(any(values.values()) for values in by_record)


class PackageShape(BaseModel):
    """What the rules of a package need to know about it: its root and member line ids."""

    root_line_id: str
    member_ids: tuple[str, ...]


def evaluate_deal(
    rules: Mapping[Any, Mapping[str, Rule]],
    source: Mapping[str, Any],
    *,
    routing: Mapping[str, Rule],
    contact_ids: list[str],
    packages: list[PackageShape],
    context: Context,
    limits: Mapping[str, int],
) -> tuple[RuleValues, list[str]]:
    """The values of every rule for this deal, and every problem as ``fields.<type>.<field>: …``
    (``netsuite.<key>: …`` for a routing rule, which must give a value)."""
    problems: list[str] = []
    base = deal_document(source)
    lines = line_records(source)

    def values(record_type: str, document: Mapping[str, Any]) -> Values:
        result: Values = {}
        for name, rule in (rules.get(record_type) or {}).items():
            try:
                value = evaluate(
                    rule,
                    document,
                    context,
                    field_type=field_type(record_type, name, rule),
                    limit=limits.get(name),
                )
            except RuleProblem as exc:
                problems.append(f"fields.{record_type}.{name}: {exc}")
                continue
            if value is not OMITTED:
                result[name] = value
        return result

    def package_document(package: PackageShape) -> dict[str, Any]:
        members = [lines[i[:15]] for i in package.member_ids if i[:15] in lines]
        return {**base, "RootLine": lines.get(package.root_line_id[:15]), "Lines": members}

    routed: Values = {}
    for key, rule in routing.items():
        try:
            value = evaluate(
                rule, base, context, field_type="checkbox" if key == "auto_renewal" else "text"
            )
        except RuleProblem as exc:
            problems.append(f"netsuite.{key}: {exc}")
            continue
        if value is OMITTED:
            problems.append(f"netsuite.{key}: {rule.source_text} is empty")
        else:
            routed[key] = value

    found = RuleValues(
        routing=routed,
        customer=values("customer", base),
        billingAccount=values("billingAccount", base),
        contact={c: values("contact", contact_document(base, source, c)) for c in contact_ids},
        subscriptionPlan={
            p.root_line_id: values("subscriptionPlan", package_document(p)) for p in packages
        },
        priceBook={p.root_line_id: values("priceBook", package_document(p)) for p in packages},
        subscription={
            p.root_line_id: values("subscription", package_document(p)) for p in packages
        },
        pricePlan={
            i: values("pricePlan", {**base, "Line": lines.get(i[:15])})
            for p in packages
            for i in p.member_ids
        },
    )
    return found, sorted(set(problems), key=problems.index)
