"""The Deal and its parts: frozen models of what was read from Salesforce, already validated."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from closedwon.rules.deal_values import RuleValues


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Address(_Frozen):
    addressee: str
    lines: tuple[str, ...] = ()
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None  # ISO 3166 alpha-2


class Contact(_Frozen):
    id: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    title: str | None = None
    #: The NetSuite contact it already is (``salesforce.writeback.contact_id``), if any.
    netsuite_id: str | None = None


class Account(_Frozen):
    id: str
    name: str
    phone: str | None = None
    website: str | None = None
    billing: Address | None = None
    shipping: Address | None = None
    #: The NetSuite customer it already is (``salesforce.writeback.account_id``), if any.
    netsuite_id: str | None = None


class Line(_Frozen):
    """A billable quote line (it has a charge type)."""

    id: str
    number: int
    product_id: str
    product_code: str
    item_id: str  # NetSuite item internal id
    quantity: Decimal
    net_price: Decimal
    net_total: Decimal | None = None
    charge_type: str
    billing_type: str | None = None
    billing_frequency: str | None = None
    term_months: int
    start_date: dt.date


class Package(_Frozen):
    """A CPQ bundle root with its billable members, or a standalone billable line."""

    root_line_id: str
    root_product_id: str
    root_product_name: str
    term_months: int
    start_date: dt.date
    members: tuple[Line, ...]


class Deal(_Frozen):
    opportunity_id: str
    opportunity_name: str
    account: Account
    email: str | None  # the customer's email: the first contact's that has one
    contacts: tuple[Contact, ...]  # primary first, deduplicated
    quote_id: str
    currency: str
    payment_terms: str | None = None
    packages: tuple[Package, ...]
    #: The ``fields`` rules' values for this deal's records (docs/mapping.md §7.2); left out of
    #: the stored deal when there are none, so a deal without rules is stored as before.
    rule_values: RuleValues = Field(default_factory=RuleValues, exclude_if=lambda v: v.empty)

    @property
    def start_date(self) -> dt.date:
        """Earliest package start date (the billing account's start date)."""
        return min(p.start_date for p in self.packages)

    def package(self, root_line_id: str) -> Package:
        """The package whose root line is ``root_line_id``; KeyError if there is none."""
        for p in self.packages:
            if p.root_line_id == root_line_id:
                return p
        raise KeyError(root_line_id)
