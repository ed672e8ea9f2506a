"""The Salesforce fields a rule's expressions read, found in the compiled JMESPath tree.

A path is the tuple of names from a document root (``("Opportunity", "Owner", "Email")``). Only
fields whose value the expression uses count: ``Lines[].SBQQ__Product__r.Family`` reads
``Lines.SBQQ__Product__r.Family``; ``RootLine.SBQQ__Product__r.*`` reads no new field (the
product fields already read are all it can see).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Path = tuple[str, ...]

#: Nodes whose first child's value is iterated or indexed (a list or an object, not a field).
_CONTAINERS = {"projection", "filter_projection", "value_projection", "index_expression", "flatten"}


def read_paths(parsed: Mapping[str, Any]) -> set[Path]:
    """Every field path (from a document root) an expression reads."""
    found: dict[Path, bool] = {}
    _walk(parsed, (), found)
    leaves = {p for p, container in found.items() if not container}
    return {p for p in leaves if not any(q[: len(p)] == p and q != p for q in found)}


def _walk(node: Mapping[str, Any], prefix: Path | None, found: dict[Path, bool]) -> Path | None:
    kind = node["type"]
    children: list[Mapping[str, Any]] = list(node.get("children", []))
    if kind == "field":
        if prefix is None:
            return None
        path = (*prefix, str(node["value"]))
        found.setdefault(path, False)
        return path
    if kind == "subexpression":
        current = prefix
        for child in children:
            current = _walk(child, current, found)
        return current
    if kind in ("identity", "current"):
        return prefix
    if kind in _CONTAINERS:
        base = _walk(children[0], prefix, found)
        if base is not None:
            found[base] = True
        for child in children[1:]:
            _walk(child, base, found)
        return base if kind in ("index_expression", "flatten") else None
    if kind == "pipe":
        _walk(children[1], _walk(children[0], prefix, found), found)
        return None
    for child in children:
        _walk(child, prefix, found)
    return None
