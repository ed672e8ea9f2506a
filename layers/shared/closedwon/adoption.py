"""Adoption: an Account or Contact carrying a NetSuite id is that NetSuite record (docs/mapping.md §8.1).

The record is found by the NetSuite id the Salesforce record holds (its write-back field), else by
the external id the product gives it. A NetSuite id that names no record, or a record whose
externalId is another Salesforce record's, makes the deal invalid, naming both ids: linking it
anyway would attach this deal to someone else's customer.
"""

from __future__ import annotations

from typing import Any

from closedwon import mapping
from closedwon.config import MappingConfig
from closedwon.deal import Contact, Deal
from closedwon.errors import InvalidDeal
from closedwon.steps.deps import NetSuite


def check(deal: Deal, netsuite: NetSuite, config: MappingConfig) -> None:
    """Raise InvalidDeal listing every linked id of the deal that cannot be adopted.

    Called before the first write; costs one GET per NetSuite id the deal's records carry.
    """
    problems = []
    account = deal.account
    if account.netsuite_id:
        record = netsuite.get_by_id(
            "customer", account.netsuite_id, fields=mapping.ADOPTION_CHECK_FIELDS
        )
        problems += _problems(
            record,
            where=f"Account.{config.salesforce.writeback.account_id}",
            what=f"Account {account.id}",
            record_type="customer",
            netsuite_id=account.netsuite_id,
            external_id=mapping.customer_eid(deal, prefix=config.netsuite.external_id_prefix),
        )
    for person in deal.contacts:
        if person.netsuite_id:
            record = netsuite.get_by_id(
                "contact", person.netsuite_id, fields=mapping.ADOPTION_CHECK_FIELDS
            )
            problems += _problems(
                record,
                where=f"Contact.{config.salesforce.writeback.contact_id}",
                what=f"Contact {person.id}",
                record_type="contact",
                netsuite_id=person.netsuite_id,
                external_id=mapping.contact_eid(person, prefix=config.netsuite.external_id_prefix),
            )
    if problems:
        raise InvalidDeal(problems, record=f"Opportunity {deal.opportunity_id}")


def existing_customer(
    deal: Deal, netsuite: NetSuite, config: MappingConfig
) -> dict[str, Any] | None:
    """The deal's customer as NetSuite has it (with its sublists), or None when it is new."""
    return _existing(
        netsuite,
        "customer",
        deal.account.netsuite_id,
        mapping.customer_eid(deal, prefix=config.netsuite.external_id_prefix),
        where=f"Account.{config.salesforce.writeback.account_id}",
        what=f"Account {deal.account.id}",
        record=f"Opportunity {deal.opportunity_id}",
    )


def existing_contact(
    deal: Deal, person: Contact, netsuite: NetSuite, config: MappingConfig
) -> dict[str, Any] | None:
    """The contact as NetSuite has it, or None when it is new."""
    return _existing(
        netsuite,
        "contact",
        person.netsuite_id,
        mapping.contact_eid(person, prefix=config.netsuite.external_id_prefix),
        where=f"Contact.{config.salesforce.writeback.contact_id}",
        what=f"Contact {person.id}",
        record=f"Opportunity {deal.opportunity_id}",
    )


def _existing(
    netsuite: NetSuite,
    record_type: str,
    netsuite_id: str | None,
    external_id: str,
    *,
    where: str,
    what: str,
    record: str,
) -> dict[str, Any] | None:
    if not netsuite_id:
        return netsuite.get(record_type, external_id, expand=True)
    found = netsuite.get_by_id(record_type, netsuite_id, expand=True)
    problems = _problems(
        found,
        where=where,
        what=what,
        record_type=record_type,
        netsuite_id=netsuite_id,
        external_id=external_id,
    )
    if problems:
        raise InvalidDeal(problems, record=record)
    return found


def _problems(
    found: dict[str, Any] | None,
    *,
    where: str,
    what: str,
    record_type: str,
    netsuite_id: str,
    external_id: str,
) -> list[str]:
    if found is None:
        return [
            f"{where}: NetSuite {record_type} {netsuite_id} does not exist; {what} names it. "
            "Correct or clear the NetSuite id"
        ]
    linked = found.get("externalId")
    if linked and linked != external_id:
        return [
            f"{where}: NetSuite {record_type} {netsuite_id} is linked to another Salesforce "
            f"record (externalId {str(linked)[:40]}), not to {what} ({external_id})"
        ]
    return []
