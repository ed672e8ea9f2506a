"""A rotated Salesforce key takes effect in warm containers without a failed deal.

Salesforce checks a JWT bearer assertion against the certificate of the connected app (Salesforce
Help, "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration"); PutSecretValue makes a new
secret version with its own VersionId (AWS Secrets Manager API Reference, "PutSecretValue").
Here the old certificate stops being accepted at the moment the secret changes, and every
session expires, so a deal can only sync if the warm functions log in with the new key.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import boto3

from offline.corpus import LineSpec, OrgBuilder, platform_event
from offline.stack import REGION, OfflineStack, pem_keypair
from tests.e2e.conftest import run


def two_deals() -> tuple[OrgBuilder, list[str]]:
    org = OrgBuilder()
    opportunities = []
    for name in ("Alpha", "Beta"):
        account = org.account(
            name,
            billing={
                "Street": "1 Main",
                "City": "Boston",
                "Country": "United States",
                "CountryCode": "US",
            },
        )
        contact = org.contact(account, "Pat", name)
        opportunities.append(
            org.opportunity(
                account,
                f"{name} deal",
                [LineSpec("SUPPORT-PREM", frequency="Quarterly")],
                contacts=[(contact, "Decision Maker", True)],
                primary_contact=contact,
            )
        )
    return org, opportunities


def event_of(org: OrgBuilder, opportunity_id: str) -> dict:
    opportunity = next(o for o in org.records["Opportunity"] if o["Id"] == opportunity_id)
    return platform_event(opportunity, org.org_id)


def test_given_the_salesforce_key_rotated_mid_run_when_the_next_deal_runs_then_it_syncs_with_the_new_key(
    make_stack: Callable[..., OfflineStack],
) -> None:
    org, (alpha, beta) = two_deals()
    stack = make_stack(org.snapshot())
    assert run(stack, event_of(org, alpha)).status == "Synced"  # warm containers, old key

    private, public = pem_keypair()
    secrets = boto3.client("secretsmanager", region_name=REGION)
    current = json.loads(secrets.get_secret_value(SecretId="closedwon/salesforce")["SecretString"])
    secrets.put_secret_value(
        SecretId="closedwon/salesforce",
        SecretString=json.dumps({**current, "private_key": private}),
    )
    stack.salesforce.replace_certificate(public)
    stack.salesforce.expire_sessions()

    report = run(stack, event_of(org, beta))
    assert report.status == "Synced", report.error
    assert stack.salesforce.record("Opportunity", beta)["NetSuite_Sync_Status__c"] == "Synced"
    assert stack.dlq_messages() == []
