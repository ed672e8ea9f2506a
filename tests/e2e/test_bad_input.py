"""The bad-input corpus: every kind of malformed event or invalid deal, end to end (docs/reference/salesforce.md §7, docs/mapping.md §2).

Each case is one small org spec (built with :class:`OrgBuilder`) plus the event that points at it,
run through the offline stack the way the cloud would (rule pattern → state machine → handlers).
For every case the test asserts:

a. the classification: ``report.status`` and ``report.error["type"]`` (Unmatched, InvalidEvent,
   InvalidDeal) or the ``Skipped`` outcome;
b. the message: substrings naming the record and the field, e.g.
   ``SBQQ__QuoteLine__c[<id>].SBQQ__Quantity__c: must be greater than 0``;
c. what Salesforce received: the ``Error`` status (invalid deals), the ``Skipped`` status
   (deal-level skips), or nothing at all (invalid events, whose opportunity id nobody vouched
   for; Unmatched events; CDC changes that are not transitions);
d. that NetSuite received no write (stats and dump), plus for each Failed case a permanent DLQ
   message with the same error class.

All bad-input deals live in one org snapshot and share one stack per test process (none of them
writes to NetSuite, so NetSuite stays empty). The stack uses the sample mapping config with
``multi_currency`` on (for the CHF quote) and the integration user configured (for the CDC
write-back-loop case). The unicode/emoji deals, which must *sync*, run on a second stack.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from offline.corpus import (
    INTEGRATION_USER_ID,
    ORG_ID,
    LineSpec,
    OrgBuilder,
    change_event,
    netsuite_seed,
    platform_event,
)
from offline.runner import DealReport, Runner
from offline.stack import DEFAULT_CONFIG, REGION, OfflineStack, StackOptions

pytestmark = pytest.mark.e2e

OTHER_ORG = "00D5f000009ZzZzEAK"
US = {
    "Street": "1 Main Street\nSuite 200",
    "City": "Boston",
    "State": "MA",
    "PostalCode": "02110",
    "Country": "United States",
    "CountryCode": "US",
}
BOUND = 40_000  # no message, DLQ body or Salesforce error may be longer than this
DROP = object()  # marks a key to remove from an event


# --------------------------------------------------------------------------------- org building
@dataclass(frozen=True)
class Ids:
    """The ids of one deal of the org (what messages and assertions refer to)."""

    opp: str
    account: str | None = None
    quote: str | None = None
    lines: tuple[str, ...] = ()
    contact: str | None = None
    #: The Opportunity record as the event publisher saw it (for building the event).
    record: dict[str, Any] = field(default_factory=dict, compare=False)
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    def fmt(self) -> dict[str, str]:
        """Placeholders for messages and event fields: {opp}, {account}, {line0}, ..."""
        return {
            "opp": self.opp,
            "account": self.account or "",
            "quote": self.quote or "",
            "contact": self.contact or "",
            **{f"line{i}": line for i, line in enumerate(self.lines)},
            **self.extra,
        }


def _find(org: OrgBuilder, sobject: str, record_id: str) -> dict[str, Any]:
    return next(r for r in org.records[sobject] if r["Id"] == record_id)


def _ids(org: OrgBuilder, opp_id: str) -> Ids:
    opp = _find(org, "Opportunity", opp_id)
    quote = opp["SBQQ__PrimaryQuote__c"]
    lines = sorted(
        (r for r in org.records["SBQQ__QuoteLine__c"] if quote and r["SBQQ__Quote__c"] == quote),
        key=lambda r: r["SBQQ__Number__c"],
    )
    roles = [r for r in org.records["OpportunityContactRole"] if r["OpportunityId"] == opp_id]
    return Ids(
        opp=opp_id,
        account=opp["AccountId"],
        quote=quote,
        lines=tuple(r["Id"] for r in lines),
        contact=roles[0]["ContactId"] if roles else None,
        record=copy.deepcopy(opp),
    )


Tweak = Callable[[OrgBuilder, Ids], dict[str, str] | None]


def deal(
    lines: list[LineSpec] | None = None,
    *,
    account: str = "Acme Corp",
    billing: dict[str, str | None] | None = US,
    shipping: dict[str, str | None] | None = None,
    first: str | None = "Jane",
    last: str = "Doe",
    email: str | None = "jane.doe@acme.example",
    primary_contact: bool = True,
    tweak: Tweak | None = None,
    **opportunity: Any,
) -> Callable[[OrgBuilder], Ids]:
    """A deal spec: a valid one-line Closed Won deal unless told otherwise."""

    def build(org: OrgBuilder) -> Ids:
        aid = org.account(account, billing=billing, shipping=shipping)
        cid = org.contact(aid, first, last, email=email, title="CFO")
        oid = org.opportunity(
            aid,
            f"{account[:40]} - New Business",
            lines if lines is not None else [LineSpec("PLATFORM-PRO", bundle=True)],
            contacts=[(cid, "Decision Maker", True)],
            primary_contact=cid if primary_contact else None,
            **opportunity,
        )
        extra = tweak(org, _ids(org, oid)) if tweak else None
        return replace(_ids(org, oid), extra=extra or {})

    return build


def nothing(org: OrgBuilder) -> Ids:
    """No deal: the event names an opportunity that is not in the org."""
    return Ids(
        opp=org.ids.new("006"),
        account=None,
        record={"Id": "", "AccountId": "0015f0000000001AAA", "SBQQ__PrimaryQuote__c": None},
    )


def required_by_cycle(org: OrgBuilder, ids: Ids) -> None:
    # line 1 is required by line 0 (the bundle root); make the root required by line 1 as well
    _find(org, "SBQQ__QuoteLine__c", ids.lines[0])["SBQQ__RequiredBy__c"] = ids.lines[1]


def required_by_missing_line(org: OrgBuilder, ids: Ids) -> dict[str, str]:
    ghost = org.ids.new("a0r")  # a well-formed id no record has
    _find(org, "SBQQ__QuoteLine__c", ids.lines[1])["SBQQ__RequiredBy__c"] = ghost
    return {"target": ghost}


def required_by_other_quote(org: OrgBuilder, ids: Ids) -> dict[str, str]:
    other = deal([LineSpec("ANALYTICS", bundle=True)], account="Other Quote Co")(org)
    _find(org, "SBQQ__QuoteLine__c", ids.lines[1])["SBQQ__RequiredBy__c"] = other.lines[0]
    return {"target": other.lines[0]}


def product_without_code(org: OrgBuilder, ids: Ids) -> None:
    pid = org.ids.new("01t")
    org.records["Product2"].append({"Id": pid, "Name": "Custom Services", "ProductCode": None})
    _find(org, "SBQQ__QuoteLine__c", ids.lines[0])["SBQQ__Product__c"] = pid


def in_currency(code: str) -> Tweak:
    def tweak(org: OrgBuilder, ids: Ids) -> None:
        _find(org, "Opportunity", ids.opp)["CurrencyIsoCode"] = code
        _find(org, "SBQQ__Quote__c", str(ids.quote))["CurrencyIsoCode"] = code
        for line in ids.lines:
            _find(org, "SBQQ__QuoteLine__c", line)["CurrencyIsoCode"] = code

    return tweak


# --------------------------------------------------------------------------------- event building
EventFn = Callable[[Ids], Any]


def _apply(target: dict[str, Any], changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        if value is DROP:
            target.pop(key, None)
        else:
            target[key] = value


def platform(payload: dict[str, Any] | None = None, **envelope: Any) -> EventFn:
    """The relayed platform event for the deal, with payload / envelope keys changed or DROPped."""

    def make(ids: Ids) -> dict[str, Any]:
        event = platform_event(ids.record or {"Id": ids.opp, "AccountId": ids.account}, ORG_ID)
        event["detail"]["payload"]["Opportunity_Id__c"] = ids.opp
        _apply(event["detail"]["payload"], {k: _fill(v, ids) for k, v in (payload or {}).items()})
        _apply(event, {"detail-type" if k == "detail_type" else k: v for k, v in envelope.items()})
        return event

    return make


def cdc(header: dict[str, Any] | None = None, **kwargs: Any) -> EventFn:
    """The relayed CDC change event for the deal (kwargs go to ``change_event``)."""

    def make(ids: Ids) -> dict[str, Any]:
        event = change_event(ids.record, ORG_ID, **kwargs)
        _apply(
            event["detail"]["payload"]["ChangeEventHeader"],
            {k: _fill(v, ids) for k, v in (header or {}).items()},
        )
        return event

    return make


def _fill(value: Any, ids: Ids) -> Any:
    if callable(value):
        return value(ids)
    if isinstance(value, str):
        return value.format(**ids.fmt())
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def replay(**changes: Any) -> EventFn:
    """A ``{"trigger": ...}`` state machine input (replay / backfill / CDC fan-out restart)."""

    def make(ids: Ids) -> dict[str, Any]:
        trigger = {
            "contractVersion": "1",
            "trigger": "REPLAY",
            "opportunityId": ids.opp,
            "salesforceOrgId": ORG_ID,
            "eventBridgeEventId": "replay-0001",
        }
        _apply(trigger, {k: _fill(v, ids) for k, v in changes.items()})
        return {"trigger": trigger}

    return make


def raw(value: Any) -> EventFn:
    return lambda ids: copy.deepcopy(value)


# --------------------------------------------------------------------------------- the cases
@dataclass(frozen=True)
class Case:
    id: str
    #: InvalidEvent | InvalidDeal (status Failed), Skipped, or Unmatched
    expect: str
    #: substrings of the error message (or of the skip reason); ``{opp}``, ``{line0}``… are filled in
    message: tuple[str, ...]
    #: NetSuite_Sync_Status__c afterwards: "Error", "Skipped", or None (nothing written at all;
    #: always for InvalidEvent: a rejected event names an opportunity nobody vouched for)
    salesforce: str | None
    deal: Callable[[OrgBuilder], Ids] = field(default_factory=deal)
    event: EventFn = field(default_factory=platform)
    #: InvalidDeal: how many problems the message lists (every problem, nothing spurious)
    problems: int | None = None

    @property
    def status(self) -> str:
        return {"InvalidEvent": "Failed", "InvalidDeal": "Failed"}.get(self.expect, self.expect)


def case(
    id: str,
    expect: str,
    message: str | tuple[str, ...],
    salesforce: str | None,
    deal_spec: Callable[[OrgBuilder], Ids] | None = None,
    event: EventFn | None = None,
    problems: int | None = None,
) -> Case:
    return Case(
        id=id,
        expect=expect,
        message=(message,) if isinstance(message, str) else message,
        salesforce=salesforce,
        deal=deal_spec or deal(),
        event=event or platform(),
        problems=problems if problems is not None else (1 if expect == "InvalidDeal" else None),
    )


UNMATCHED = "no rule in template.yaml matches this event"
NOT_AN_ID = "detail.payload.Opportunity_Id__c: not a Salesforce id"
LINE = "SBQQ__QuoteLine__c[{line0}]"
NO_BILLABLE = (
    "SBQQ__Quote__c.SBQQ__LineItems__r: the primary quote has no billable line "
    "(no line has a Charge Type)"
)

CASES: list[Case] = [
    # ---- events the rule would not deliver: Unmatched, no execution, nothing touched
    case(
        "unmatched-wrong-org-in-source",
        "Unmatched",
        UNMATCHED,
        None,
        event=platform(source=f"aws.partner/salesforce.com/{OTHER_ORG}/0YL5f000000CabWGAS"),
    ),
    case(
        "unmatched-15-char-org-in-source",
        "Unmatched",
        UNMATCHED,
        None,
        event=platform(source=f"aws.partner/salesforce.com/{ORG_ID[:15]}/0YL5f000000CabWGAS"),
    ),
    case(
        "unmatched-source-not-a-salesforce-partner-source",
        "Unmatched",
        UNMATCHED,
        None,
        event=platform(source="com.example.crm"),
    ),
    case(
        "unmatched-source-lookalike-domain",
        "Unmatched",
        UNMATCHED,
        None,
        event=platform(source=f"aws.partner/salesforce.com.evil.example/{ORG_ID}/0YL1"),
    ),
    case("unmatched-source-missing", "Unmatched", UNMATCHED, None, event=platform(source=DROP)),
    case(
        "unmatched-unknown-detail-type",
        "Unmatched",
        UNMATCHED,
        None,
        event=platform(detail_type="Opportunity_Closed_Lost__e"),
    ),
    case(
        "unmatched-detail-type-missing",
        "Unmatched",
        UNMATCHED,
        None,
        event=platform(detail_type=DROP),
    ),
    # ---- malformed envelopes: InvalidEvent
    case(
        "envelope-detail-missing",
        "InvalidEvent",
        "event envelope: detail: Field required",
        None,
        event=platform(detail=DROP),
    ),
    case(
        "envelope-detail-null",
        "InvalidEvent",
        "event envelope: detail:",
        None,
        event=platform(detail=None),
    ),
    case(
        "envelope-payload-missing",
        "InvalidEvent",
        "detail.payload: missing or not an object",
        None,
        event=platform(detail={"metadata": {"replayId": "1"}}),
    ),
    case(
        "envelope-payload-is-a-json-string",
        "InvalidEvent",
        "detail.payload: missing or not an object",
        None,
        event=platform(detail={"payload": '{"Opportunity_Id__c": "0065f0000000001AAA"}'}),
    ),
    case(
        "envelope-payload-is-a-list",
        "InvalidEvent",
        "detail.payload: missing or not an object",
        None,
        event=platform(detail={"payload": [{"Opportunity_Id__c": "0065f0000000001AAA"}]}),
    ),
    case(
        "envelope-id-missing",
        "InvalidEvent",
        "event envelope: id: Field required",
        None,
        event=platform(id=DROP),
    ),
    case(
        "envelope-id-empty",
        "InvalidEvent",
        "event envelope: id:",
        None,
        event=platform(id=""),
    ),
    case(
        "event-is-a-list",
        "InvalidEvent",
        "event: must be a JSON object",
        None,
        event=raw([{"detail-type": "Opportunity_Closed_Won__e"}]),
    ),
    case(
        "event-is-a-string",
        "InvalidEvent",
        "event: must be a JSON object",
        None,
        event=raw("Opportunity_Closed_Won__e 0065f0000000001AAA"),
    ),
    # ---- ids that are not Salesforce ids: InvalidEvent, nothing touched, no query sent
    case(
        "opportunity-id-missing",
        "InvalidEvent",
        NOT_AN_ID,
        None,
        event=platform({"Opportunity_Id__c": DROP}),
    ),
    case(
        "opportunity-id-empty",
        "InvalidEvent",
        NOT_AN_ID,
        None,
        event=platform({"Opportunity_Id__c": ""}),
    ),
    case(
        "opportunity-id-17-characters",
        "InvalidEvent",
        NOT_AN_ID,
        None,
        event=platform({"Opportunity_Id__c": lambda ids: ids.opp[:17]}),
    ),
    case(
        "opportunity-id-with-punctuation",
        "InvalidEvent",
        NOT_AN_ID,
        None,
        event=platform({"Opportunity_Id__c": "0065f-0000-0001-AA"}),
    ),
    case(
        "opportunity-id-is-a-number",
        "InvalidEvent",
        NOT_AN_ID,
        None,
        event=platform({"Opportunity_Id__c": 65000000000001}),
    ),
    case(
        "opportunity-id-with-greek-alpha-lookalike",
        "InvalidEvent",
        NOT_AN_ID,
        None,
        event=platform({"Opportunity_Id__c": "0065f0000000001\u0391AA"}),
    ),
    case(
        "opportunity-id-soql-injection",
        "InvalidEvent",
        NOT_AN_ID,
        None,
        event=platform({"Opportunity_Id__c": "{opp}' OR Name != '"}),
    ),
    case(
        "account-id-soql-injection",
        "InvalidEvent",
        "detail.payload.Account_Id__c: not a Salesforce id",
        None,
        event=platform({"Account_Id__c": "{account}' OR Id != '"}),
    ),
    case(
        "quote-id-not-a-salesforce-id",
        "InvalidEvent",
        "detail.payload.Primary_Quote_Id__c: not a Salesforce id",
        None,
        event=platform({"Primary_Quote_Id__c": "Q-00042"}),
    ),
    case(
        "cdc-record-id-soql-injection",
        "InvalidEvent",
        "detail.payload.ChangeEventHeader.recordIds: not Salesforce ids",
        None,
        event=cdc({"recordIds": ["{opp}' OR Name != '"]}),
    ),
    case(
        "cdc-entity-is-not-opportunity",
        "InvalidEvent",
        "detail.payload.ChangeEventHeader.entityName: 'Account' is not Opportunity",
        None,
        event=cdc({"entityName": "Account", "recordIds": ["{account}"]}),
    ),
    # ---- contract checks on a usable opportunity id: InvalidEvent, Error status written
    case(
        "schema-version-2",
        "InvalidEvent",
        "detail.payload.Schema_Version__c: '2.0' is not a supported version (expected 1.x)",
        None,
        event=platform({"Schema_Version__c": "2.0"}),
    ),
    case(
        "schema-version-missing",
        "InvalidEvent",
        "detail.payload.Schema_Version__c: 'None' is not a supported version",
        None,
        event=platform({"Schema_Version__c": DROP}),
    ),
    case(
        "closed-won-at-not-a-date-time",
        "InvalidEvent",
        "detail.payload.Closed_Won_At__c: not a date-time",
        None,
        event=platform({"Closed_Won_At__c": 1772644868000}),
    ),
    case(
        "source-org-id-mismatch",
        "InvalidEvent",
        "detail.payload.Source_Org_Id__c: does not match the event source org",
        None,
        event=platform({"Source_Org_Id__c": OTHER_ORG}),
    ),
    # ---- replay / backfill inputs ({"trigger": ...}) are held to the same rules
    case(
        "replay-opportunity-id-missing",
        "InvalidEvent",
        "trigger: opportunityId: Field required",
        None,
        event=replay(opportunityId=DROP),
    ),
    case(
        "replay-opportunity-id-soql-injection",
        "InvalidEvent",
        "trigger.opportunityId: not a Salesforce id",
        None,
        event=replay(opportunityId="{opp}' OR Name != '"),
    ),
    case(
        "replay-unknown-trigger-kind",
        "InvalidEvent",
        "trigger: trigger:",
        None,
        event=replay(trigger="MANUAL"),
    ),
    case(
        "replay-trigger-is-a-string",
        "InvalidEvent",
        "event envelope:",
        None,
        event=raw({"trigger": "REPLAY 0065f0000000001AAA"}),
    ),
    case(
        "replay-from-another-org",
        "InvalidEvent",
        f"trigger.salesforceOrgId: '{OTHER_ORG}' is not the configured org",
        None,
        event=replay(salesforceOrgId=OTHER_ORG),
    ),
    # ---- opportunities the org does not have: InvalidDeal "was not found", nothing written
    case(
        "opportunity-not-in-the-org",
        "InvalidDeal",
        "Opportunity.Id: opportunity {opp} was not found",
        None,
        deal_spec=nothing,
    ),
    case(
        "account-id-sent-as-opportunity-id",
        "InvalidDeal",
        "Opportunity.Id: opportunity {account} was not found",
        None,
        event=platform({"Opportunity_Id__c": "{account}"}),
    ),
    # ---- deal-level skips: Skipped, reason written, nothing to NetSuite
    case(
        "opportunity-not-won",
        "Skipped",
        "the opportunity is not won (stage 'Negotiation')",
        "Skipped",
        deal(won=False),
    ),
    case(
        "amendment-quote",
        "Skipped",
        "the primary quote is an Amendment quote, which v1 does not sync",
        "Skipped",
        deal(quote_type="Amendment"),
    ),
    case(
        "renewal-quote",
        "Skipped",
        "the primary quote is a Renewal quote, which v1 does not sync",
        "Skipped",
        deal(quote_type="Renewal"),
    ),
    # ---- CDC changes that are not transitions: Skipped, NOTHING written anywhere
    case(
        "cdc-stage-unchanged",
        "Skipped",
        "StageName did not change",
        None,
        event=cdc(changed=["Amount", "LastModifiedDate"]),
    ),
    case(
        "cdc-commit-by-integration-user",
        "Skipped",
        "change made by the integration user",
        None,
        event=cdc(commit_user=INTEGRATION_USER_ID),
    ),
    case(
        "cdc-delete",
        "Skipped",
        "change type DELETE is not a create or update",
        None,
        event=cdc(change_type="DELETE"),
    ),
    case(
        "cdc-stage-not-closed-won",
        "Skipped",
        "StageName is not 'Closed Won' in this change",
        None,
        event=cdc(stage="Closed Lost"),
    ),
    # ---- invalid deals: InvalidDeal, Error status written, nothing to NetSuite
    case(
        "no-primary-quote",
        "InvalidDeal",
        "Opportunity.SBQQ__PrimaryQuote__c: the opportunity has no primary quote",
        "Error",
        deal(with_quote=False),
    ),
    case("empty-quote", "InvalidDeal", NO_BILLABLE, "Error", deal([])),
    case(
        "only-non-billable-lines",
        "InvalidDeal",
        NO_BILLABLE,
        "Error",
        deal(
            [
                LineSpec("PRO-CONSOLE", charge_type=None),
                LineSpec("TRAINING", charge_type=None),
            ]
        ),
    ),
    case(
        "unknown-product-code",
        "InvalidDeal",
        f"{LINE}.SBQQ__Product__r.ProductCode: no NetSuite item has Item Name/Number 'LEGACY-SKU'",
        "Error",
        deal([LineSpec("LEGACY-SKU")]),
    ),
    case(
        "product-without-product-code",
        "InvalidDeal",
        f"{LINE}.SBQQ__Product__r.ProductCode: the product has no Product Code",
        "Error",
        deal(tweak=product_without_code),
    ),
    case(
        "unknown-currency-chf",
        "InvalidDeal",
        "SBQQ__Quote__c.CurrencyIsoCode: currency 'CHF' has no NetSuite currency in the "
        "mapping config (known: EUR, GBP, JPY, USD)",
        "Error",
        deal(tweak=in_currency("CHF")),
    ),
    case(
        "invalid-country-name",
        "InvalidDeal",
        "Account.BillingCountry: is not an ISO 3166 country (value not shown: address field)",
        "Error",
        deal(billing={**US, "Country": "Atlantis", "CountryCode": None}),
    ),
    case(
        "invalid-country-code",
        "InvalidDeal",
        "Account.ShippingCountryCode: is not an ISO 3166 country (value not shown: address field)",
        "Error",
        deal(shipping={**US, "CountryCode": "XX"}),
    ),
    case(
        "invalid-quote-bill-to-country",
        "InvalidDeal",
        "SBQQ__Quote__c.SBQQ__BillingCountry__c: is not an ISO 3166 country "
        "(value not shown: address field)",
        "Error",
        deal(bill_to={"Name": "AP", "City": "Minas Tirith", "Country": "Gondor"}),
    ),
    case(
        "account-name-84-characters",
        "InvalidDeal",
        "Account.Name: is 84 characters; NetSuite allows at most 83 (companyName)",
        "Error",
        deal(account="A" * 84),
    ),
    case(
        "contact-first-name-33-characters",
        "InvalidDeal",
        "SBQQ__Quote__c.SBQQ__PrimaryContact__r.FirstName: is 33 characters; "
        "NetSuite allows at most 32 (firstName)",
        "Error",
        deal(first="F" * 33),
    ),
    case(
        "contact-role-last-name-33-characters",
        "InvalidDeal",
        "OpportunityContactRole[{contact}].Contact.LastName: is 33 characters; "
        "NetSuite allows at most 32 (lastName)",
        "Error",
        deal(last="L" * 33, primary_contact=False),
    ),
    case(
        "contact-email-255-characters",
        "InvalidDeal",
        "SBQQ__Quote__c.SBQQ__PrimaryContact__r.Email: is 255 characters; "
        "NetSuite allows at most 254 (email)",
        "Error",
        deal(email="e" * 243 + "@example.com"),
    ),
    case(
        "quantity-zero",
        "InvalidDeal",
        f"{LINE}.SBQQ__Quantity__c: must be greater than 0",
        "Error",
        deal([LineSpec("PLATFORM-PRO", quantity=0)]),
    ),
    case(
        "quantity-negative",
        "InvalidDeal",
        f"{LINE}.SBQQ__Quantity__c: must be greater than 0 (is -5",
        "Error",
        deal([LineSpec("PLATFORM-PRO", quantity=-5)]),
    ),
    case(
        "term-zero",
        "InvalidDeal",
        f"{LINE}.SBQQ__EffectiveSubscriptionTerm__c: the subscription term must be a positive "
        "whole number of months (is 0)",
        "Error",
        deal([LineSpec("PLATFORM-PRO", term=0)]),
    ),
    case(
        "unknown-charge-type",
        "InvalidDeal",
        f"{LINE}.SBQQ__ChargeType__c: unknown charge type 'Subscription'",
        "Error",
        deal([LineSpec("PLATFORM-PRO", charge_type="Subscription")]),
    ),
    case(
        "unknown-billing-type",
        "InvalidDeal",
        f"{LINE}.SBQQ__BillingType__c: unknown billing type 'Upfront'",
        "Error",
        deal([LineSpec("PLATFORM-PRO", billing_type="Upfront")]),
    ),
    case(
        "unknown-billing-frequency",
        "InvalidDeal",
        f"{LINE}.SBQQ__BillingFrequency__c: unknown billing frequency 'Weekly'",
        "Error",
        deal([LineSpec("PLATFORM-PRO", frequency="Weekly")]),
    ),
    case(
        "recurring-without-frequency",
        "InvalidDeal",
        f"{LINE}.SBQQ__BillingFrequency__c: a Recurring line needs a billing frequency",
        "Error",
        deal([LineSpec("PLATFORM-PRO", frequency=None)]),
    ),
    case(
        "required-by-cycle",
        "InvalidDeal",
        (
            "SBQQ__QuoteLine__c[{line0}].SBQQ__RequiredBy__c: is part of a cycle",
            "SBQQ__QuoteLine__c[{line1}].SBQQ__RequiredBy__c: is part of a cycle",
        ),
        "Error",
        deal(
            [
                LineSpec("PLATFORM-PRO", bundle=True),
                LineSpec("PRO-SEATS", frequency="Monthly", parent=0),
            ],
            tweak=required_by_cycle,
        ),
        problems=2,
    ),
    case(
        "required-by-line-that-does-not-exist",
        "InvalidDeal",
        "SBQQ__QuoteLine__c[{line1}].SBQQ__RequiredBy__c: points to line {target}, "
        "which is not on this quote",
        "Error",
        deal(
            [
                LineSpec("PLATFORM-PRO", bundle=True),
                LineSpec("PRO-SEATS", frequency="Monthly", parent=0),
            ],
            tweak=required_by_missing_line,
        ),
    ),
    case(
        "required-by-line-of-another-quote",
        "InvalidDeal",
        "SBQQ__QuoteLine__c[{line1}].SBQQ__RequiredBy__c: points to line {target}, "
        "which is not on this quote",
        "Error",
        deal(
            [
                LineSpec("PLATFORM-PRO", bundle=True),
                LineSpec("PRO-SEATS", frequency="Monthly", parent=0),
            ],
            tweak=required_by_other_quote,
        ),
    ),
    case(
        "usage-price-rounds-to-zero",
        "InvalidDeal",
        f"{LINE}.SBQQ__NetPrice__c: 0.004 per unit rounds to 0 at 2 decimals",
        "Error",
        deal(
            [
                LineSpec(
                    "PRO-API",
                    charge_type="Usage",
                    frequency="Monthly",
                    billing_type="Arrears",
                    net_price=0.004,
                )
            ]
        ),
    ),
    case(
        "recurring-price-rounds-to-zero-per-period",
        "InvalidDeal",
        f"{LINE}.SBQQ__NetPrice__c: 0.05 per unit rounds to 0 at 2 decimals",
        "Error",
        deal([LineSpec("PRO-SEATS", frequency="Monthly", net_price=0.05)]),
    ),
    case(
        "several-problems-at-once",
        "InvalidDeal",
        (
            "(6 problem(s))",
            "Account.Name: is 90 characters; NetSuite allows at most 83 (companyName)",
            "Account.BillingCountry: is not an ISO 3166 country (value not shown: address field)",
            "SBQQ__Quote__c.SBQQ__PrimaryContact__r.Email: is 255 characters",
            "SBQQ__QuoteLine__c[{line0}].SBQQ__Quantity__c: must be greater than 0",
            "SBQQ__QuoteLine__c[{line1}].SBQQ__Product__r.ProductCode: no NetSuite item has "
            "Item Name/Number 'LEGACY-SKU'",
            "SBQQ__QuoteLine__c[{line2}].SBQQ__BillingFrequency__c: a Recurring line needs "
            "a billing frequency",
        ),
        "Error",
        deal(
            [
                LineSpec("PLATFORM-PRO", quantity=0),
                LineSpec("LEGACY-SKU"),
                LineSpec("SUPPORT-PREM", frequency=None),
            ],
            account="M" * 90,
            billing={**US, "Country": "Atlantis", "CountryCode": None},
            email="e" * 243 + "@example.com",
        ),
        problems=6,
    ),
]

HUGE = 10_000_000
HUGE_DEAL = deal(account="X" * HUGE)


# --------------------------------------------------------------------------------- the stacks
@dataclass
class World:
    stack: OfflineStack
    runner: Runner
    ids: dict[str, Ids]

    def run(self, event: Any, label: str) -> DealReport:
        return self.runner.run_event(event, label=label)

    def executions(self) -> int:
        sfn = boto3.client("stepfunctions", region_name=REGION)
        pages = sfn.get_paginator("list_executions").paginate(
            stateMachineArn=self.stack.state_machine_arn
        )
        return sum(len(p["executions"]) for p in pages)


class Stacks:
    """One offline stack alive at a time in this process (stacks share env and moto)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.name: str | None = None
        self.world: World | None = None

    def get(self, name: str, build: Callable[[Path], World]) -> World:
        if self.name != name:
            self.close()
            self.world = build(self.root / name)
            self.name = name
        assert self.world is not None
        return self.world

    def close(self) -> None:
        if self.world is not None:
            self.world.stack.stop()
        self.world, self.name = None, None


def start(directory: Path, org: dict[str, Any], config: Path) -> OfflineStack:
    stack = OfflineStack(
        StackOptions.in_folder(
            directory,
            org,
            netsuite_seed(),
            config_path=config,
            lambda_log_path=directory / "lambda.log",
        )
    )
    stack.start()
    return stack


def bad_input_world(directory: Path) -> World:
    org = OrgBuilder()
    ids = {c.id: c.deal(org) for c in CASES}
    ids["huge"] = HUGE_DEAL(org)
    # multi-currency org: every opportunity, quote and line carries its currency
    for sobject in ("Opportunity", "SBQQ__Quote__c", "SBQQ__QuoteLine__c"):
        for record in org.records[sobject]:
            record.setdefault("CurrencyIsoCode", "USD")
    config = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    config["salesforce"]["multi_currency"] = True
    config["salesforce"]["integration_user_id"] = INTEGRATION_USER_ID
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "mapping.yaml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    stack = start(directory, org.snapshot(), config_path)
    return World(stack, Runner(stack), ids)


@pytest.fixture(scope="module")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stacks]:
    pool = Stacks(tmp_path_factory.mktemp("bad_input"))
    yield pool
    pool.close()


@pytest.fixture
def corpus(stacks: Stacks) -> World:
    return stacks.get("bad-input", bad_input_world)


# --------------------------------------------------------------------------------- assertions
def assert_netsuite_untouched(stack: OfflineStack) -> None:
    assert stack.netsuite.stats["writes"] == 0
    dump = stack.netsuite.dump()
    assert all(not records for records in dump.values()), {k: len(v) for k, v in dump.items()}


def opportunity_or_none(stack: OfflineStack, opp_id: str) -> dict[str, Any] | None:
    try:
        return stack.salesforce.record("Opportunity", opp_id)
    except KeyError:
        return None


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(corpus: World, case: Case) -> None:
    stack = corpus.stack
    ids = corpus.ids[case.id]
    fmt = ids.fmt()
    expected = [m.format(**fmt) for m in case.message]
    event = case.event(ids)
    writes_before = len(stack.salesforce.writes)
    sf_calls_before = stack.salesforce.api_calls
    executions_before = corpus.executions()

    report = corpus.run(event, case.id)

    # (a) + (b): classification and message
    assert report.status == case.status, report
    if case.status == "Skipped":
        assert report.error is None
        for text in expected:
            assert text in (report.skipReason or ""), report.skipReason
    else:
        assert report.error is not None
        assert report.error["type"] == case.expect, report.error
        for text in expected:
            assert text in report.error["message"], report.error["message"]
        assert len(report.error["message"]) < BOUND
        if case.problems is not None:
            assert f"({case.problems} problem(s))" in report.error["message"]
            listed = [ln for ln in report.error["message"].splitlines() if ln.startswith("- ")]
            assert len(listed) == case.problems, listed

    # (c): what Salesforce received
    new_writes = stack.salesforce.writes[writes_before:]
    opportunity = opportunity_or_none(stack, ids.opp)
    if case.salesforce is None:
        assert new_writes == [], new_writes
        if opportunity is not None:
            assert opportunity["NetSuite_Sync_Status__c"] is None
            assert opportunity["NetSuite_Sync_Error__c"] is None
    else:
        assert opportunity is not None
        assert opportunity["NetSuite_Sync_Status__c"] == case.salesforce
        assert {(w["sObject"], w["Id"]) for w in new_writes} == {("Opportunity", ids.opp)}
        error_field = opportunity["NetSuite_Sync_Error__c"] or ""
        if case.salesforce == "Error":
            assert error_field.startswith(f"{case.expect}: ")
            # The execution's name, not its ARN: sales users read this field.
            assert str(report.executionArn).rsplit(":", 1)[-1] in error_field
            assert "arn:" not in error_field
        for text in expected:
            assert text in error_field
        assert len(error_field) < BOUND
    if case.expect == "Unmatched":
        assert corpus.executions() == executions_before, "an execution was started"
        assert stack.salesforce.api_calls == sf_calls_before
    if case.expect == "Skipped" and case.salesforce is None:
        assert report.salesforceCalls == 0  # not even read: the change event says it all
    if case.expect == "InvalidEvent" and case.salesforce is None:
        # an unusable id is never sent to Salesforce, not even in a query
        assert report.salesforceCalls == 0

    # (d): NetSuite received nothing
    assert_netsuite_untouched(stack)

    # the DLQ: one permanent message per failed case, none otherwise
    if report.executionArn is not None:
        message = corpus.runner.dlq_message(report.executionArn)
        if case.status == "Failed":
            assert message is not None
            assert message["permanent"] is True
            assert message["errorClass"] == case.expect
            assert message["failedStep"] == "LoadDeal"
            assert message["salesforceStatusWritten"] is (case.salesforce == "Error")
            assert len(json.dumps(message)) < BOUND
        else:
            assert message is None


def test_a_10_mb_account_name_fails_cleanly_and_quickly(corpus: World) -> None:
    stack = corpus.stack
    ids = corpus.ids["huge"]
    started = time.monotonic()
    report = corpus.run(platform()(ids), "huge")
    elapsed = time.monotonic() - started

    assert report.status == "Failed" and report.error is not None
    assert report.error["type"] == "InvalidDeal"
    assert (
        f"Account.Name: is {HUGE} characters; NetSuite allows at most 83 (companyName)"
        in report.error["message"]
    )
    assert len(report.error["message"]) < BOUND
    assert "X" * 100 not in report.error["message"]
    message = corpus.runner.dlq_message(str(report.executionArn))
    assert message is not None and message["permanent"] is True
    assert message["errorClass"] == "InvalidDeal"
    assert len(json.dumps(message)) < BOUND
    opportunity = stack.salesforce.record("Opportunity", ids.opp)
    assert opportunity["NetSuite_Sync_Status__c"] == "Error"
    assert len(opportunity["NetSuite_Sync_Error__c"]) < BOUND
    assert_netsuite_untouched(stack)
    assert elapsed < 10, f"took {elapsed:.1f}s"


# --------------------------------------------------------------------------------- must sync
@dataclass(frozen=True)
class SyncCase:
    id: str
    account: str
    first: str
    last: str


SYNC_CASES = [
    SyncCase(
        "unicode-accents-and-cjk", "Müller & Søn Straße — 東京株式会社", "Zoë", "Ørsted-Łukasz"
    ),
    SyncCase("emoji-and-zwj-sequences", "Rocket 🚀 Labs 👩‍👩‍👧‍👦 Ltd", "Ana 😀", "Núñez 🎉"),
    SyncCase("rtl-and-combining-marks", "שלום مرحبا Café Ñandú", "Đặng", "Nguyễn"),
    # exactly at the limits, in characters that are several bytes long: not "too long"
    SyncCase("multibyte-names-exactly-at-the-limit", "東" * 83, "é" * 32, "🚀" * 32),
]


def unicode_world(directory: Path) -> World:
    org = OrgBuilder()
    ids = {
        c.id: deal(account=c.account, first=c.first, last=c.last, email="buyer@example.com")(org)
        for c in SYNC_CASES
    }
    stack = start(directory, org.snapshot(), DEFAULT_CONFIG)
    return World(stack, Runner(stack), ids)


@pytest.mark.parametrize("sync_case", SYNC_CASES, ids=[c.id for c in SYNC_CASES])
def test_unicode_and_emoji_names_sync(stacks: Stacks, sync_case: SyncCase) -> None:
    world = stacks.get("unicode", unicode_world)
    ids = world.ids[sync_case.id]
    report = world.run(platform()(ids), sync_case.id)

    assert report.status == "Synced", report.error
    customers = {c["externalId"]: c for c in world.stack.netsuite.dump()["customer"]}
    customer = customers[f"SF-{ids.account}"]
    assert customer["companyName"] == sync_case.account
    contacts = {c["externalId"]: c for c in world.stack.netsuite.dump()["contact"]}
    contact = contacts[f"SF-{ids.contact}"]
    assert (contact["firstName"], contact["lastName"]) == (sync_case.first, sync_case.last)
    opportunity = world.stack.salesforce.record("Opportunity", ids.opp)
    assert opportunity["NetSuite_Sync_Status__c"] == "Synced"
    assert opportunity["NetSuite_Sync_Error__c"] is None
    assert world.runner.dlq_message(str(report.executionArn)) is None


# --------------------------------------------------------------------------------- complete validation
# Every value NetSuite would be sent is checked in LoadDeal: an invalid deal writes nothing to
# NetSuite (issue 13). These deals run on their own stack, whose mapping config has no line type
# for Usage lines.
LINE_TYPES_WITHOUT_USAGE = {"One-Time": "1", "Recurring": "2"}


def line_fields(**fields: Any) -> Tweak:
    """Set raw values on the deal's first quote line, as Salesforce would return them."""

    def tweak(org: OrgBuilder, ids: Ids) -> None:
        _find(org, "SBQQ__QuoteLine__c", ids.lines[0]).update(fields)

    return tweak


def quote_of_another_opportunity(org: OrgBuilder, ids: Ids) -> dict[str, str]:
    other = deal(account="Other Opportunity Co")(org)
    _find(org, "SBQQ__Quote__c", str(ids.quote))["SBQQ__Opportunity2__c"] = other.opp
    return {"other": other.opp}


VALIDATION_CASES: list[Case] = [
    case(
        "net-price-1e308",
        "InvalidDeal",
        f"{LINE}.SBQQ__NetPrice__c: '1e+308' is too large: NetSuite keeps 15 significant digits",
        "Error",
        deal(tweak=line_fields(SBQQ__NetPrice__c=1e308)),
    ),
    case(
        "charge-type-missing-from-line-types",
        "InvalidDeal",
        f"{LINE}.SBQQ__ChargeType__c: charge type 'Usage' has no subscription line type in the "
        "mapping config (netsuite.line_types has: One-Time, Recurring)",
        "Error",
        deal([LineSpec("PRO-API", charge_type="Usage", frequency="Monthly", net_price=2.5)]),
    ),
    case(
        "start-date-9999-12-31",
        "InvalidDeal",
        f"{LINE}.SBQQ__EffectiveStartDate__c: 9999-12-31 is outside the accepted dates "
        "2000-01-01 to 2099-12-31 (netsuite.date_window)",
        "Error",
        deal([LineSpec("PLATFORM-PRO", start="9999-12-31")]),
    ),
    case(
        "term-10-to-the-12-months",
        "InvalidDeal",
        f"{LINE}.SBQQ__EffectiveSubscriptionTerm__c: the subscription term is 1000000000000 "
        "months; at most 600 are allowed (netsuite.max_term_months)",
        "Error",
        deal([LineSpec("PLATFORM-PRO", term=10**12)]),
    ),
    case(
        "line-number-malformed",
        "InvalidDeal",
        f"{LINE}.SBQQ__Number__c: '1.2.3' is not a number",
        "Error",
        deal(tweak=line_fields(SBQQ__Number__c="1.2.3")),
    ),
    case(
        "line-number-is-an-object",
        "InvalidDeal",
        f"{LINE}.SBQQ__Number__c: is a dict, not a number",
        "Error",
        deal(tweak=line_fields(SBQQ__Number__c={"value": 1})),
    ),
    case(
        "primary-quote-of-another-opportunity",
        "InvalidDeal",
        (
            "SBQQ__Quote__c.SBQQ__Opportunity2__c: the primary quote {quote} belongs to "
            "opportunity '{other}', not to this one",
        ),
        "Error",
        deal(tweak=quote_of_another_opportunity),
    ),
    case(
        "street-typed-into-the-country-field",
        "InvalidDeal",
        "Account.BillingCountry: is not an ISO 3166 country (value not shown: address field)",
        "Error",
        deal(billing={**US, "Country": "221B Baker Street", "CountryCode": None}),
    ),
    # ---- events: what did not match, and lost change events
    case(
        "unmatched-says-the-org-did-not-match",
        "Unmatched",
        (UNMATCHED, f"org: '{OTHER_ORG}' in the source is not the configured org {ORG_ID}"),
        None,
        event=platform(source=f"aws.partner/salesforce.com/{OTHER_ORG}/0YL5f000000CabWGAS"),
    ),
    case(
        "unmatched-says-the-detail-type-did-not-match",
        "Unmatched",
        (UNMATCHED, "detail-type: 'Opportunity_Closed_Lost__e' is not Opportunity_Closed_Won__e"),
        None,
        event=platform(detail_type="Opportunity_Closed_Lost__e"),
    ),
    case(
        "cdc-overflow-event-says-which-backfill-to-run",
        "Skipped",
        "events were lost (Salesforce sent a GAP_OVERFLOW change event that names no "
        "opportunity): run `closedwon backfill --since 2026-03-04`",
        None,
        event=cdc(header={"changeType": "GAP_OVERFLOW", "recordIds": []}),
    ),
]


def validation_world(directory: Path) -> World:
    org = OrgBuilder()
    ids = {c.id: c.deal(org) for c in VALIDATION_CASES}
    config = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    config["netsuite"]["line_types"] = LINE_TYPES_WITHOUT_USAGE
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "mapping.yaml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    stack = start(directory, org.snapshot(), config_path)
    return World(stack, Runner(stack), ids)


@pytest.mark.parametrize("case", VALIDATION_CASES, ids=[c.id for c in VALIDATION_CASES])
def test_an_invalid_value_is_found_before_anything_is_written_to_netsuite(
    stacks: Stacks, case: Case
) -> None:
    test_bad_input(stacks.get("validation", validation_world), case)
