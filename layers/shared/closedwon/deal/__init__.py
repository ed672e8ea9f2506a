"""The Deal: what we read from Salesforce, validated (docs/mapping.md §1–§3).

:func:`build_deal` turns the raw Salesforce records (as the reader returns them) into one immutable
:class:`Deal`, or raises :class:`~closedwon.errors.InvalidDeal` listing *every* problem at once as
``field path: problem``. Modules: ``model`` (the frozen models), ``fields`` (pure parsers that
return a value or a problem), ``problems`` (the collector), ``pricing`` (the per-period price and
the plan name), ``validate`` (the validator) and ``source`` (questions asked before validation).
Nothing here does I/O.
"""

from closedwon.config import CHARGE_TYPES
from closedwon.deal.lines import BILLING_TYPES
from closedwon.deal.model import Account, Address, Contact, Deal, Line, Package
from closedwon.deal.pricing import MONTHS_PER_PERIOD, per_period_price, plan_name
from closedwon.deal.source import product_codes, skip_reason
from closedwon.deal.validate import build_deal

__all__ = [
    "BILLING_TYPES",
    "CHARGE_TYPES",
    "MONTHS_PER_PERIOD",
    "Account",
    "Address",
    "Contact",
    "Deal",
    "Line",
    "Package",
    "build_deal",
    "per_period_price",
    "plan_name",
    "product_codes",
    "skip_reason",
]
