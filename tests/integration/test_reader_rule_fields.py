"""The reader adds the fields mapping rules name to the deal's one composite read, against the
Salesforce double over HTTP.

Salesforce SOQL reaches a parent record's fields with the dot operator on the relationship name
(``Owner.Email`` on an Opportunity reads the owning User), up to five levels (Salesforce SOQL and
SOSL Reference, "Using Relationship Queries" and "Understanding Relationship Query Limitations",
https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships_query_using.htm).
A field the object does not have fails the query with ``INVALID_FIELD`` and a message naming it.
"""

from __future__ import annotations

from typing import Any

import pytest

from closedwon.config import parse_mapping_config
from closedwon.egress import salesforce_policy
from closedwon.errors import AuthOrConfig
from closedwon.salesforce import SalesforceConnection, SalesforceSettings, read_deal
from offline.corpus import LineSpec, OrgBuilder
from offline.salesforce_double import SalesforceDouble
from offline.stack import pem_keypair as keypair

OWNER = "0055f000006RePAAA0"


@pytest.fixture
def org_and_deal() -> tuple[dict[str, Any], str]:
    org = OrgBuilder()
    account = org.account("Acme")
    contact = org.contact(account, "Jo", "Doe", email="jo@example.com")
    opportunity = org.opportunity(
        account,
        "Acme platform",
        [LineSpec("SUPPORT-PREM")],
        contacts=[(contact, "Decision Maker", True)],
        primary_contact=contact,
    )
    org.records.setdefault("User", []).append(
        {"Id": OWNER, "Name": "Rep One", "Email": "rep@example.com"}
    )
    next(o for o in org.records["Opportunity"] if o["Id"] == opportunity)["OwnerId"] = OWNER
    return org.snapshot(), opportunity


@pytest.fixture
def connection(tmp_path: Any, monkeypatch: Any, org_and_deal: Any) -> Any:
    private, public = keypair()
    double = SalesforceDouble(
        org_and_deal[0],
        tmp_path / "sf",
        consumer_key="ck",
        username="int@example.com",
        public_key_pem=public,
    )
    url = double.start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", double.ca_bundle)
    settings = SalesforceSettings(
        login_url=url, consumer_key="ck", username="int@example.com", private_key=private
    )
    # The double listens on loopback, which only the offline egress policy allows.
    yield double, SalesforceConnection(settings, egress=salesforce_policy(offline_loopback=True))
    double.stop()


def rules(expression: str) -> Any:
    config = parse_mapping_config({"fields": {"customer": {"custentity_x": {"from": expression}}}})
    return config.soql_fields


def test_given_a_rule_on_the_owner_e_mail_then_one_call_returns_the_user_record(
    connection: Any, org_and_deal: Any
) -> None:
    double, conn = connection
    source = read_deal(
        conn, org_and_deal[1], multi_currency=False, extra=rules("Opportunity.Owner.Email")
    )
    assert double.api_calls == 1
    assert source["opportunity"]["Owner"] == {"Email": "rep@example.com"}


def test_given_a_rule_on_a_field_the_org_lacks_then_auth_or_config_names_it(
    connection: Any, org_and_deal: Any
) -> None:
    _, conn = connection
    with pytest.raises(AuthOrConfig, match="Segment__c"):
        read_deal(conn, org_and_deal[1], multi_currency=False, extra=rules("Account.Segment__c"))
