"""The Salesforce CPQ managed-package fields the product reads, declared on every org.

A CPQ org has these fields whether or not a record sets them (they come with the managed
package), so the double serves them on any snapshot: a new-business org answers ``null`` for an
amendment's lookups instead of INVALID_FIELD. Their relationships are org.py's BUILTIN_PARENTS. Names and types as the package's field metadata
defines them (docs/reference/amendments-and-custom-fields.md §A.2-§A.4).
"""

from __future__ import annotations

from typing import Any

FIELDS: dict[str, dict[str, str]] = {
    "Opportunity": {"SBQQ__AmendedContract__c": "id", "SBQQ__RenewedContract__c": "id"},
    "Contract": {
        "ContractNumber": "string",
        "AccountId": "id",
        "StartDate": "date",
        "EndDate": "date",
        "SBQQ__Opportunity__c": "id",
        "SBQQ__Quote__c": "id",
    },
    "SBQQ__Subscription__c": {
        "SBQQ__Contract__c": "id",
        "SBQQ__QuoteLine__c": "id",
        "SBQQ__RevisedSubscription__c": "id",
        "SBQQ__Quantity__c": "double",
        "SBQQ__Product__c": "id",
    },
    "SBQQ__QuoteLine__c": {
        "SBQQ__PriorQuantity__c": "double",
        "SBQQ__UpgradedSubscription__c": "id",
        "SBQQ__UpgradedAsset__c": "id",
        "SBQQ__Existing__c": "boolean",
        "SBQQ__UnproratedNetPrice__c": "double",
        "SBQQ__DefaultSubscriptionTerm__c": "double",
        "SBQQ__EffectiveEndDate__c": "date",
    },
}


def with_managed_fields(declared: dict[str, Any]) -> dict[str, Any]:
    """The snapshot's declared fields plus the managed ones (the snapshot's win)."""
    merged: dict[str, Any] = {name: dict(spec) for name, spec in FIELDS.items()}
    for name, spec in declared.items():
        merged.setdefault(name, {}).update(spec if isinstance(spec, dict) else dict.fromkeys(spec))
    return merged
