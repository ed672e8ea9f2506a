"""Reading the workflow state a step is given (docs/architecture.md, "The workflow state").

The ASL builds the state, so a missing or mistyped field is not a user's error but a broken
contract between states (or a hand-made replay input): it is reported as InvalidEvent naming
the path, never as a KeyError.
"""

from __future__ import annotations

from typing import Any

from closedwon.deal import Deal, Package
from closedwon.errors import InvalidEvent


def field(state: Any, *path: str) -> Any:
    """The value at ``path`` (e.g. ``"customer", "id"``) of the state."""
    value = state
    for depth, key in enumerate(path):
        if not isinstance(value, dict) or value.get(key) is None:
            where = ".".join(path[: depth + 1])
            raise InvalidEvent(f"workflow state: {where} is missing")
        value = value[key]
    return value


def text(state: Any, *path: str) -> str:
    """The string at ``path``; anything else is InvalidEvent."""
    value = field(state, *path)
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise InvalidEvent(f"workflow state: {'.'.join(path)} is not a string")
    return str(value)


def customer_subsidiary(state: Any) -> str | None:
    """The customer's subsidiary UpsertCustomer reported (None in a state from before it did)."""
    customer = state.get("customer") if isinstance(state, dict) else None
    value = customer.get("subsidiaryId") if isinstance(customer, dict) else None
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None


def records(state: Any, key: str) -> list[dict[str, Any]]:
    """The list of objects at ``key`` (empty when absent)."""
    value = state.get(key) if isinstance(state, dict) else None
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InvalidEvent(f"workflow state: {key} is not a list of objects")
    return value


def package(deal: Deal, state: Any) -> Package:
    """The package of the deal the Map iteration's ``packageKey`` names."""
    key = text(state, "packageKey")
    for candidate in deal.packages:
        if candidate.root_line_id == key:
            return candidate
    raise InvalidEvent(f"workflow state: packageKey {key[:40]} is not a package of the deal")
