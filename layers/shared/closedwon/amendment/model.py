"""What an amendment changes, and the plan that applies it to NetSuite (docs/mapping.md §9).

Frozen, no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Action(StrEnum):
    """The change-order actions an amendment uses, with the externalId suffix of each (§9.2)."""

    MODIFY_PRICING = "MP"
    TERMINATE = "TM"


@dataclass(frozen=True)
class LineChange:
    """One NetSuite subscription line changed by the amendment (uncombined CPQ lines summed).

    The subscription is the one the product created for the original package:
    ``<prefix>SUB-<opportunity_id>-<root_line_id>``; the line is its member ``line_number``.
    """

    opportunity_id: str
    root_line_id: str
    line_number: int
    prior_quantity: Decimal
    quantity: Decimal
    start_date: dt.date
    amendment_line_ids: tuple[str, ...]

    @property
    def action(self) -> Action:
        """A quantity of 0 cancels the line (docs/reference/amendments-and-custom-fields.md §A.5)."""
        return Action.TERMINATE if self.quantity == 0 else Action.MODIFY_PRICING

    @property
    def package_key(self) -> tuple[str, str]:
        return (self.opportunity_id, self.root_line_id)


@dataclass(frozen=True)
class Amendment:
    """An amendment deal read from Salesforce: the changes to existing lines, the new lines."""

    opportunity_id: str
    contract_id: str
    contract_number: str | None
    changes: tuple[LineChange, ...]
    #: Quote lines that are new products (not inside an existing bundle): new co-termed packages.
    new_line_ids: tuple[str, ...]


@dataclass(frozen=True)
class NetSuiteLine:
    number: int
    quantity: Decimal
    status: str


@dataclass(frozen=True)
class SubscriptionState:
    """What NetSuite has for one original subscription (read before any write)."""

    id: str
    status: str
    start_date: dt.date | None
    end_date: dt.date | None
    lines: tuple[NetSuiteLine, ...]

    def line(self, number: int) -> NetSuiteLine | None:
        for line in self.lines:
            if line.number == number:
                return line
        return None


@dataclass(frozen=True)
class ChangeOrderPlan:
    """One change order: an action on some lines of one subscription on one date."""

    opportunity_id: str  # the amendment's
    root_line_id: str  # the original package's root line
    subscription_id: str
    action: Action
    effective_date: dt.date
    #: ``(lineNumber, new quantity, prior quantity)``; quantities are unused by TERMINATE.
    lines: tuple[tuple[int, Decimal, Decimal], ...]
    #: True when this subscription takes this action on several dates in one amendment, so the
    #: externalId carries the date too (docs/mapping.md §9.2).
    dated: bool = False
    #: TERMINATE only: effective at the start of ``effective_date`` rather than its end.
    at_start_of_day: bool = False


@dataclass(frozen=True)
class DraftUpdate:
    """A DRAFT original updated in place, no change order (docs/mapping.md §9.2)."""

    subscription_id: str
    quantities: tuple[tuple[int, Decimal], ...]


@dataclass(frozen=True)
class AmendmentPlan:
    change_orders: tuple[ChangeOrderPlan, ...]
    draft_updates: tuple[DraftUpdate, ...]
    #: Every NetSuite subscription the amendment touches (written back to the opportunity).
    subscription_ids: tuple[str, ...]
