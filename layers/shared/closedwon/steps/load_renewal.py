"""LoadDeal's renewal check (docs/mapping.md §9.3): the renewed contract's subscriptions must not renew.

A renewal quote syncs as a new deal keyed by the renewal opportunity (its customer and billing
account are the existing ones: same account, same externalIds). The renewed contract's
subscriptions are left to end; one with ``autoRenewal`` true would be renewed by NetSuite as well
(docs/reference/amendments-and-custom-fields.md §B.7), so the deal is invalid before any write.
"""

from __future__ import annotations

from typing import Any

from closedwon import mapping
from closedwon.amendment.resolve import contract_packages
from closedwon.deal.problems import OPPORTUNITY
from closedwon.errors import InvalidDeal
from closedwon.lifecycle import Classification
from closedwon.salesforce_ids import normalise_id
from closedwon.steps.deps import Deps

CONTRACT = "SBQQ__RenewedContract__r"


def check_renewal(source: dict[str, Any], classification: Classification, deps: Deps) -> None:
    """InvalidDeal when a subscription of the renewed contract renews automatically in NetSuite."""
    opportunity = source["opportunity"]
    contract = opportunity.get(CONTRACT) or {}
    original = normalise_id(contract.get("SBQQ__Opportunity__c"))
    if original is None or classification.contract_id is None:
        return  # a contract not made by a synced deal has no subscription of ours to renew
    lineage = deps.salesforce.read_contract(classification.contract_id, original)
    renewing = []
    for key in contract_packages(lineage["lineage"]):
        eid = mapping.package_subscription_eid(*key)
        record = deps.netsuite.get("subscription", eid, fields=mapping.SUBSCRIPTION_RENEWAL_FIELDS)
        if record and mapping.renews_automatically(record):
            renewing.append(eid)
    if renewing:
        problem = OPPORTUNITY.at("SBQQ__RenewedContract__c").problem(
            f"renews contract {contract.get('ContractNumber') or classification.contract_id} "
            f"whose subscription(s) {', '.join(renewing)} renew automatically in NetSuite "
            "(autoRenewal): NetSuite would renew them too; turn autoRenewal off or renew in NetSuite"
        )
        raise InvalidDeal([str(problem)], record=f"Opportunity {opportunity.get('Id')}")
