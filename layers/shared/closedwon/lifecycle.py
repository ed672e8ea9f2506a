"""Where a Closed Won deal sits in its contract's life (docs/mapping.md §9): new, amendment, renewal.

CPQ marks the opportunity, not only the quote: ``SBQQ__AmendedContract__c`` on an amendment
opportunity and ``SBQQ__RenewedContract__c`` on a renewal one (docs/reference/
amendments-and-custom-fields.md §A.2). The quote type is not enough: a ``Re-Quote`` of an
amendment opportunity is still an amendment. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from closedwon.salesforce_ids import normalise_id

AMENDED_CONTRACT = "SBQQ__AmendedContract__c"
RENEWED_CONTRACT = "SBQQ__RenewedContract__c"


class DealKind(StrEnum):
    NEW = "New"
    AMENDMENT = "Amendment"
    RENEWAL = "Renewal"


@dataclass(frozen=True)
class Classification:
    """The deal's kind and, for an amendment or a renewal, the contract it changes."""

    kind: DealKind
    contract_id: str | None = None


def classify(opportunity: dict[str, Any]) -> Classification:
    """Classify by the opportunity's contract lookups; an amendment wins over a renewal.

    A lookup holding something that is not a Salesforce id is treated as absent here; the
    validator reports it.
    """
    amended = normalise_id(opportunity.get(AMENDED_CONTRACT))
    if amended:
        return Classification(DealKind.AMENDMENT, amended)
    renewed = normalise_id(opportunity.get(RENEWED_CONTRACT))
    if renewed:
        return Classification(DealKind.RENEWAL, renewed)
    return Classification(DealKind.NEW)
