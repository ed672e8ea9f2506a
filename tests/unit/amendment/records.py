"""Amendment records shaped as the Salesforce REST query resource returns them (attributes
stripped, as the reader does), built from a few named ids."""

from __future__ import annotations

from typing import Any

from closedwon.salesforce_ids import to_18


def sfid(prefix: str, n: int) -> str:
    return to_18(f"{prefix}{n:012d}")


ORIGINAL_OPP = sfid("006", 1)
AMEND_OPP = sfid("006", 2)
CONTRACT = sfid("800", 1)
# The original deal: a bundle (root PLATFORM + option SEATS) and a standalone SUPPORT line.
ROOT, SEATS, SUPPORT = sfid("a0w", 1), sfid("a0w", 2), sfid("a0w", 3)
SUB_ROOT, SUB_SEATS, SUB_SUPPORT = sfid("a1E", 1), sfid("a1E", 2), sfid("a1E", 3)
# A delta subscription of an earlier amendment that revised SUB_SEATS.
SUB_SEATS_DELTA = sfid("a1E", 4)


def original_line(line_id: str, number: int, required_by: str | None = None) -> dict[str, Any]:
    return {
        "Id": line_id,
        "SBQQ__Number__c": number,
        "SBQQ__ChargeType__c": "Recurring",
        "SBQQ__RequiredBy__c": required_by,
        "SBQQ__Quote__r": {"SBQQ__Opportunity2__c": ORIGINAL_OPP},
    }


LINEAGE = [original_line(ROOT, 1), original_line(SEATS, 2, ROOT), original_line(SUPPORT, 3)]

SUBSCRIPTIONS = [
    {"Id": SUB_ROOT, "SBQQ__QuoteLine__c": ROOT, "SBQQ__RevisedSubscription__c": None},
    {"Id": SUB_SEATS, "SBQQ__QuoteLine__c": SEATS, "SBQQ__RevisedSubscription__c": None},
    {"Id": SUB_SUPPORT, "SBQQ__QuoteLine__c": SUPPORT, "SBQQ__RevisedSubscription__c": None},
    {
        "Id": SUB_SEATS_DELTA,
        "SBQQ__QuoteLine__c": sfid("a0w", 90),
        "SBQQ__RevisedSubscription__c": SUB_SEATS,
    },
]


def opportunity(**extra: Any) -> dict[str, Any]:
    return {
        "Id": AMEND_OPP,
        "CloseDate": "2026-06-01",
        "SBQQ__AmendedContract__c": CONTRACT,
        "SBQQ__PrimaryQuote__r": {"SBQQ__StartDate__c": "2026-07-01"},
        **extra,
    }


def amendment_line(
    n: int,
    quantity: float,
    *,
    prior: float | None = None,
    upgrades: str | None = None,
    existing: bool = True,
    required_by: str | None = None,
    start: str | None = None,
    asset: str | None = None,
) -> dict[str, Any]:
    return {
        "Id": sfid("a0w", 100 + n),
        "SBQQ__Number__c": n,
        "SBQQ__ChargeType__c": "Recurring",
        "SBQQ__Quantity__c": quantity,
        "SBQQ__PriorQuantity__c": prior,
        "SBQQ__UpgradedSubscription__c": upgrades,
        "SBQQ__UpgradedAsset__c": asset,
        "SBQQ__Existing__c": existing,
        "SBQQ__RequiredBy__c": required_by,
        "SBQQ__EffectiveStartDate__c": start,
    }
