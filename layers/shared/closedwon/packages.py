"""CPQ packages: bundle trees rebuilt from ``SBQQ__RequiredBy__c`` (docs/mapping.md §3).

A package is a top-level line (``SBQQ__RequiredBy__c`` empty) together with every line that
reaches it through ``SBQQ__RequiredBy__c`` at any depth. Its members are its billable lines in
``SBQQ__Number__c`` order, root first when billable. A package with no billable member yields
nothing (there is nothing to bill). Pure functions, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Node(Generic[T]):
    """One quote line: its id, its parent line id, its position, and its billable payload."""

    id: str
    required_by: str | None
    number: Decimal
    billable: T | None


class PackageProblem(Exception):
    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{p}: {t}" for p, t in problems))
        self.problems = problems


def build_packages(nodes: list[Node[T]]) -> list[tuple[str, list[T]]]:
    """Group lines into packages: ``[(root_line_id, [billable members in order])]``.

    Raises PackageProblem for a ``SBQQ__RequiredBy__c`` that points outside the quote or that
    forms a cycle (every such line is reported).
    """
    by_id = {n.id: n for n in nodes}
    problems: list[tuple[str, str]] = []
    roots: dict[str, str] = {}  # line id -> root line id
    for node in nodes:
        root_id = _root_of(node, by_id, problems)
        if root_id is not None:
            roots[node.id] = root_id
    if problems:
        raise PackageProblem(problems)
    packages: list[tuple[str, list[T]]] = []
    top_level = sorted((n for n in nodes if n.required_by is None), key=lambda n: (n.number, n.id))
    for root in top_level:
        members = [n for n in nodes if roots.get(n.id) == root.id and n.billable is not None]
        members.sort(key=lambda n: (n.id != root.id, n.number, n.id))
        if members:
            packages.append((root.id, [m.billable for m in members if m.billable is not None]))
    return packages


def _root_of(
    node: Node[T], by_id: dict[str, Node[T]], problems: list[tuple[str, str]]
) -> str | None:
    seen = [node.id]
    current = node
    while current.required_by is not None:
        parent = by_id.get(current.required_by)
        path = f"SBQQ__QuoteLine__c[{current.id}].SBQQ__RequiredBy__c"
        if parent is None:
            problems.append(
                (path, f"points to line {current.required_by[:18]}, which is not on this quote")
            )
            return None
        if parent.id in seen:
            cycle = " -> ".join([*seen[seen.index(parent.id) :], parent.id])
            problems.append(
                (
                    f"SBQQ__QuoteLine__c[{node.id}].SBQQ__RequiredBy__c",
                    f"is part of a cycle ({cycle})",
                )
            )
            return None
        seen.append(parent.id)
        current = parent
    return current.id
