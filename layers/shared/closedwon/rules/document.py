"""The deal document rules read (docs/mapping.md §7.4) and the SOQL fields the rules add to it.

The document is the Salesforce records as the reader returns them (API names, ``__r``
relationships), keyed by root: ``Opportunity``, ``Account``, ``Quote``, ``PrimaryContact``, and
per record ``Contact``/``ContactRole``, ``RootLine``/``Lines`` or ``Line``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from closedwon.rules.model import Rule
from closedwon.rules.paths import Path, read_paths

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class SoqlFields:
    """Extra fields for the reader's two queries (relative to each query's object)."""

    opportunity: tuple[str, ...] = ()
    contact_roles: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()


@dataclass
class _Collector:
    opportunity: list[str] = field(default_factory=list)
    contact_roles: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def add(self, path: Path) -> None:
        root, rest = path[0], ".".join(path[1:])
        if not rest:
            return
        if root == "Opportunity":
            self.opportunity.append(rest)
        elif root == "Account":
            self.opportunity.append(f"Account.{rest}")
        elif root == "Quote":
            self.opportunity.append(f"SBQQ__PrimaryQuote__r.{rest}")
        elif root == "PrimaryContact":
            self.opportunity.append(f"SBQQ__PrimaryQuote__r.SBQQ__PrimaryContact__r.{rest}")
        elif root == "Contact":
            self.opportunity.append(f"SBQQ__PrimaryQuote__r.SBQQ__PrimaryContact__r.{rest}")
            self.contact_roles.append(f"Contact.{rest}")
        elif root == "ContactRole":
            self.contact_roles.append(rest)
        elif root in ("RootLine", "Lines", "Line"):
            self.lines.append(rest)


def soql_fields(rules: Iterable[Rule]) -> SoqlFields:
    """The Salesforce fields ``rules`` read, as each of the reader's queries names them.

    Raises ValueError naming a path that is not a Salesforce field name.
    """
    collector = _Collector()
    for rule in rules:
        for expression in rule.expressions:
            for path in sorted(read_paths(expression.parsed)):
                bad = [p for p in path if not _NAME.match(p)]
                if bad:
                    raise ValueError(
                        f"'{bad[0][:60]}' in {rule.source_text} is not a Salesforce field name"
                    )
                collector.add(path)
    return SoqlFields(
        opportunity=_distinct(collector.opportunity),
        contact_roles=_distinct(collector.contact_roles),
        lines=_distinct(collector.lines),
    )


def merged(base: Iterable[str], extra: Iterable[str]) -> list[str]:
    """``base`` then the ``extra`` fields it lacks (SOQL refuses a field selected twice; names
    are case-insensitive)."""
    fields = list(base)
    seen = {f.lower() for f in fields}
    for name in extra:
        if name.lower() not in seen:
            seen.add(name.lower())
            fields.append(name)
    return fields


def _distinct(names: list[str]) -> tuple[str, ...]:
    return tuple(merged([], names))


def deal_document(source: Mapping[str, Any]) -> dict[str, Any]:
    """The roots every rule sees, from the reader's ``{"opportunity": …, "lines": …}``."""
    opportunity = source["opportunity"]
    quote = opportunity.get("SBQQ__PrimaryQuote__r")
    return {
        "Opportunity": opportunity,
        "Account": opportunity.get("Account"),
        "Quote": quote,
        "PrimaryContact": quote.get("SBQQ__PrimaryContact__r") if isinstance(quote, dict) else None,
    }


def contact_document(
    base: Mapping[str, Any], source: Mapping[str, Any], contact_id: str
) -> dict[str, Any]:
    """``base`` plus the contact being mapped and its contact role (or null)."""
    roles = (source["opportunity"].get("OpportunityContactRoles") or {}).get("records") or []
    role = next((r for r in roles if _same_id(r.get("ContactId"), contact_id)), None)
    contact = role.get("Contact") if role else None
    primary = base.get("PrimaryContact")
    if contact is None and isinstance(primary, dict) and _same_id(primary.get("Id"), contact_id):
        contact = primary
    return {**base, "Contact": contact, "ContactRole": role}


def line_records(source: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The quote line records by their 15-character id prefix (ids are compared case-sensitively
    on 15 characters, the 18-character form only adds a checksum)."""
    return {str(line.get("Id"))[:15]: line for line in source["lines"] if line.get("Id")}


def _same_id(a: Any, b: Any) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a[:15] == b[:15]
