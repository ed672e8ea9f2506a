"""Pure field parsers: each returns the parsed value, or the :class:`Problem` that prevents it.

None means "absent" for optional fields. No parser raises on any input value (a dict where a
number belongs is a problem like any other), and none reads configuration: limits come in as
arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from closedwon.countries import country_code
from closedwon.deal.pricing import SIGNIFICANT_DIGITS
from closedwon.deal.problems import Field, Problem, quoted
from closedwon.salesforce_ids import normalise_id


def is_absent(value: object) -> bool:
    """Salesforce's empty: null, or text of nothing but whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def text(
    value: object,
    field: Field,
    *,
    limit: int | None = None,
    limit_name: str | None = None,
    required: bool = False,
) -> str | Problem | None:
    """Stripped text; a problem when required and empty, or longer than ``limit``."""
    if is_absent(value):
        return field.problem("is empty") if required else None
    stripped = str(value).strip()
    if limit is not None and len(stripped) > limit:
        return field.problem(
            f"is {len(stripped)} characters; NetSuite allows at most {limit} ({limit_name})"
        )
    return stripped


def salesforce_id(value: object, field: Field) -> str | Problem:
    """The 18-character form of a Salesforce id."""
    normal = normalise_id(value)
    if normal is None:
        return field.bad_value(value, "is not a Salesforce id")
    return normal


def netsuite_id(value: object, field: Field) -> str | Problem | None:
    """A NetSuite internal id (digits) kept on a Salesforce record; None when empty."""
    if is_absent(value):
        return None
    stripped = str(value).strip()
    if isinstance(value, bool) or not stripped.isdigit() or not stripped.isascii():
        return field.bad_value(value, "is not a NetSuite internal id (digits only)")
    return stripped


def number(
    value: object, field: Field, *, decimals: int = 0, required: bool = True
) -> Decimal | Problem | None:
    """A finite decimal that fits in NetSuite's numbers at ``decimals`` places."""
    if is_absent(value):
        return field.problem("is empty") if required else None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return field.problem(f"is a {type(value).__name__}, not a number")
    try:
        parsed = Decimal(str(value).strip())
    except InvalidOperation:
        return field.bad_value(value, "is not a number")
    if not parsed.is_finite():
        return field.bad_value(value, "is not a finite number")
    if abs(parsed) >= Decimal(10) ** (SIGNIFICANT_DIGITS - decimals):
        return field.bad_value(
            value,
            f"is too large: NetSuite keeps {SIGNIFICANT_DIGITS} significant digits "
            f"({SIGNIFICANT_DIGITS - decimals} before the decimal point here)",
        )
    return parsed


def whole_months(value: object, field: Field, *, maximum: int) -> int | Problem:
    """A subscription term: a whole number of months from 1 to ``maximum``."""
    parsed = number(value, field)
    if isinstance(parsed, Problem):
        return parsed
    if parsed is None or parsed <= 0 or parsed != parsed.to_integral_value():
        return field.problem(
            f"the subscription term must be a positive whole number of months (is {value})"
        )
    if parsed > maximum:
        return field.problem(
            f"the subscription term is {parsed} months; at most {maximum} are allowed "
            "(netsuite.max_term_months)"
        )
    return int(parsed)


def date(value: object, field: Field, *, earliest: dt.date, latest: dt.date) -> dt.date | Problem:
    """A Salesforce date (``YYYY-MM-DD``, a datetime's date part) within the configured window."""
    try:
        parsed = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return field.bad_value(value, "is not a date")
    if not earliest <= parsed <= latest:
        return field.problem(
            f"{parsed.isoformat()} is outside the accepted dates {earliest.isoformat()} to "
            f"{latest.isoformat()} (netsuite.date_window)"
        )
    return parsed


def choice(value: object, field: Field, allowed: Iterable[str], what: str) -> str | Problem | None:
    """One of ``allowed`` (None when absent)."""
    if is_absent(value):
        return None
    options = tuple(allowed)
    if value not in options:
        return field.problem(f"unknown {what} {quoted(value)} (expected {', '.join(options)})")
    return str(value)


def country(value: object, field: Field) -> str | Problem | None:
    """The ISO 3166-1 alpha-2 code of a country code or English name (None when absent)."""
    if is_absent(value):
        return None
    code = country_code(str(value))
    if code is None:
        return field.bad_value(value, "is not an ISO 3166 country")
    return code
