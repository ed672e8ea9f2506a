"""The deal read carries the NetSuite ids of the Account and Contacts (docs/mapping.md §8.1)."""

from __future__ import annotations

import pytest

from closedwon.salesforce import soql

OPP = "0065f0000000001AAA"


def test_given_write_back_fields_then_the_opportunity_query_reads_them_in_the_same_call() -> None:
    query = soql.opportunity_query(
        OPP, multi_currency=False, account_id_field="NS_Id__c", contact_id_field="NS_Contact__c"
    )
    assert "Account.NS_Id__c" in query
    assert "SBQQ__PrimaryQuote__r.SBQQ__PrimaryContact__r.NS_Contact__c" in query
    assert "Contact.NS_Contact__c FROM OpportunityContactRoles" in query


def test_given_no_write_back_fields_then_the_query_is_as_before() -> None:
    assert "NetSuite_Id__c" not in soql.opportunity_query(OPP, multi_currency=False)


def test_given_a_field_that_is_not_a_name_then_no_query_is_built() -> None:
    with pytest.raises(ValueError, match="not a Salesforce field name"):
        soql.opportunity_query(OPP, multi_currency=False, account_id_field="Id FROM User --")
