"""Turning a rule's raw result into the value NetSuite is sent (docs/mapping.md §7.1 ``type``).

Each converter returns the NetSuite JSON value, or raises :class:`ValueProblem` saying in plain
words why the value does not fit the type.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


class ValueProblem(ValueError):
    """A value that cannot be sent as the rule's type (the message is the problem)."""


def is_empty(value: Any) -> bool:
    """Null, "" or only whitespace (an empty list too)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list):
        return all(is_empty(v) for v in value)
    return False


def match_key(value: Any) -> str:
    """The trimmed JSON rendering ``map``/``lookup`` keys and values are compared by."""
    if isinstance(value, str):
        return value.strip()
    return json.dumps(value, separators=(",", ":"), default=str)


def shown(value: Any) -> str:
    """A value as an error message may show it: capped, and never an e-mail address."""
    text = match_key(value)
    if "@" in text:
        return "(an e-mail address)"
    return text if len(text) <= 40 else text[:39] + "…"


def time_zone(name: str) -> dt.tzinfo:
    """The ``netsuite.timezone`` zone (UTC needs no zone database)."""
    return dt.UTC if name == "UTC" else ZoneInfo(name)


def elements(value: Any) -> list[Any]:
    """A multi-select's values: a list, or a Salesforce multi-picklist string ``a;b;c``."""
    if isinstance(value, list):
        items = value
    elif isinstance(value, str):
        items = value.split(";")
    else:
        items = [value]
    return [v.strip() if isinstance(v, str) else v for v in items if not is_empty(v)]


def _text(value: Any, zone: dt.tzinfo) -> str:
    return value if isinstance(value, str) else match_key(value)


def _select(value: Any, zone: dt.tzinfo) -> dict[str, str]:
    if isinstance(value, dict | list):
        raise ValueProblem("is not a single value")
    return {"id": match_key(value)}


def _multiselect(value: Any, zone: dt.tzinfo) -> dict[str, list[dict[str, str]]]:
    return {"items": [_select(v, zone) for v in elements(value)]}


def _checkbox(value: Any, zone: dt.tzinfo) -> bool:
    if isinstance(value, bool):
        return value
    word = match_key(value).lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueProblem(f"'{shown(value)}' is not a checkbox value (true or false)")


def _date(value: Any, zone: dt.tzinfo) -> str:
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return moment.astimezone(zone).date().isoformat()
    raise ValueProblem(f"'{shown(value)}' is not a date (YYYY-MM-DD) or a Salesforce datetime")


def _number(value: Any) -> Decimal:
    if isinstance(value, bool | dict | list):
        raise ValueProblem(f"'{shown(value)}' is not a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueProblem(f"'{shown(value)}' is not a number") from None
    if not number.is_finite():
        raise ValueProblem(f"'{shown(value)}' is not a number")
    return number


def _integer(value: Any, zone: dt.tzinfo) -> int:
    number = _number(value)
    if number != number.to_integral_value():
        raise ValueProblem(f"'{shown(value)}' is not a whole number")
    return int(number)


def _decimal(value: Any, zone: dt.tzinfo) -> float:
    return float(_number(value))


CONVERTERS: dict[str, Callable[[Any, dt.tzinfo], Any]] = {
    "text": _text,
    "select": _select,
    "multiselect": _multiselect,
    "checkbox": _checkbox,
    "date": _date,
    "integer": _integer,
    "decimal": _decimal,
}
