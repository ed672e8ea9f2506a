"""Build Salesforce org snapshots (records with real API field names) and matching NetSuite seeds.

Used for the bundled sample (offline/sample/), the benchmarks' generated corpora and tests;
offline/contracts.py adds contracts, CPQ subscriptions, amendments and renewals of its deals.
Every record lists every field the product queries (nulls explicit), because the Salesforce
double treats a field that appears on no record as not existing in the org.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import random
from dataclasses import dataclass, field
from typing import Any

from closedwon.events import to_18

ORG_ID = "00D5f000005KcCnEAK"
INTEGRATION_USER_ID = "0055f000005mc66AAA"

WRITEBACK_OPPORTUNITY = {
    "NetSuite_Sync_Status__c": None,
    "NetSuite_Sync_Error__c": None,
    "NetSuite_Last_Sync__c": None,
    "NetSuite_Subscription_Ids__c": None,
}

# product code -> (name, NetSuite item id)
CATALOG: dict[str, tuple[str, str]] = {
    "PLATFORM-PRO": ("Platform Pro", "501"),
    "PRO-SEATS": ("Platform Pro Seats", "502"),
    "PRO-ONBOARD": ("Onboarding Package", "503"),
    "PRO-API": ("API Calls (per 1,000)", "504"),
    "PRO-CONSOLE": ("Admin Console", "505"),
    "SUPPORT-PREM": ("Premium Support", "506"),
    "ANALYTICS": ("Analytics Suite", "507"),
    "AN-DASH": ("Analytics Dashboards", "508"),
    "AN-STORAGE": ("Analytics Storage (TB)", "509"),
    "TRAINING": ("Training Day", "510"),
}

#: Each catalog product's CPQ charge type (Product2.SBQQ__ChargeType__c); the others are Recurring.
CHARGE_TYPES = {"PRO-ONBOARD": "One-Time", "PRO-API": "Usage"}


SAMPLE_CUSTOM_FIELDS = {
    "customer": {"custentity_sf_region": "select"},
    "subscription": {"custrecord_sf_opportunity": "text"},
}


def netsuite_seed() -> dict[str, list[dict[str, Any]]]:
    return {
        "subsidiary": [{"id": "1", "name": "Parent Company"}, {"id": "2", "name": "EMEA"}],
        "currency": [
            {"id": "1", "symbol": "USD", "name": "US Dollar"},
            {"id": "2", "symbol": "EUR", "name": "Euro"},
            {"id": "3", "symbol": "JPY", "name": "Japanese Yen"},
            {"id": "4", "symbol": "GBP", "name": "British Pound"},
        ],
        "term": [{"id": "2", "name": "Net 30"}, {"id": "3", "name": "Net 60"}],
        "billingSchedule": [{"id": "1", "name": "Charge-Based Monthly"}],
        "item": [
            {"id": item_id, "itemId": code, "itemType": "serviceSaleItem", "displayName": name}
            for code, (name, item_id) in CATALOG.items()
        ],
        # The custom fields offline/sample/mapping.yaml maps (the double's seed format).
        "customFields": SAMPLE_CUSTOM_FIELDS,  # type: ignore[dict-item]
    }


@dataclass
class IdFactory:
    """Deterministic, valid 18-character Salesforce ids per key prefix."""

    counters: dict[str, itertools.count[int]] = field(default_factory=dict)

    def new(self, prefix: str) -> str:
        n = next(self.counters.setdefault(prefix, itertools.count(1)))
        base = f"{prefix}5f{n:010d}"
        return to_18(base[:15])


@dataclass
class LineSpec:
    code: str
    charge_type: str | None = "Recurring"
    frequency: str | None = "Annual"
    billing_type: str | None = "Advance"
    quantity: float = 1
    net_price: float = 1000.0
    bundle: bool = False
    bundled: bool = False
    parent: int | None = None  # index of the parent line in the deal's line list
    term: int | None = None
    start: str | None = None


class OrgBuilder:
    def __init__(self, org_id: str = ORG_ID, seed: int = 0) -> None:
        self.org_id = org_id
        self.ids = IdFactory()
        self.rng = random.Random(seed)
        self.records: dict[str, list[dict[str, Any]]] = {
            k: []
            for k in (
                "Account",
                "Contact",
                "Product2",
                "Opportunity",
                "OpportunityContactRole",
                "SBQQ__Quote__c",
                "SBQQ__QuoteLine__c",
                "User",
            )
        }
        self.products: dict[str, str] = {}
        self.records["User"].append(
            {
                "Id": INTEGRATION_USER_ID,
                "Name": "NetSuite Integration",
                "Username": "integration@offline.example",
            }
        )
        for code, (name, _) in CATALOG.items():
            self.product(code, name)

    def snapshot(self) -> dict[str, Any]:
        return {"orgId": self.org_id, "records": copy.deepcopy(self.records)}

    def product(self, code: str, name: str) -> str:
        if code not in self.products:
            pid = self.ids.new("01t")
            self.products[code] = pid
            self.records["Product2"].append(
                {
                    "Id": pid,
                    "Name": name,
                    "ProductCode": code,
                    "IsActive": True,
                    "SBQQ__ChargeType__c": CHARGE_TYPES.get(code, "Recurring"),
                }
            )
        return self.products[code]

    def account(
        self,
        name: str,
        *,
        billing: dict[str, str | None] | None = None,
        shipping: dict[str, str | None] | None = None,
        phone: str | None = "+1 617 555 0100",
        website: str | None = "https://example.com",
    ) -> str:
        aid = self.ids.new("001")
        record: dict[str, Any] = {
            "Id": aid,
            "Name": name,
            "Phone": phone,
            "Website": website,
            "NetSuite_Id__c": None,
        }
        for prefix, address in (("Billing", billing), ("Shipping", shipping)):
            for part in ("Street", "City", "State", "PostalCode", "Country", "CountryCode"):
                record[f"{prefix}{part}"] = (address or {}).get(part)
        self.records["Account"].append(record)
        return aid

    def contact(
        self,
        account_id: str,
        first: str | None,
        last: str,
        email: str | None = None,
        title: str | None = None,
        phone: str | None = None,
    ) -> str:
        cid = self.ids.new("003")
        self.records["Contact"].append(
            {
                "Id": cid,
                "AccountId": account_id,
                "FirstName": first,
                "LastName": last,
                "Email": email,
                "Phone": phone,
                "Title": title,
                "NetSuite_Id__c": None,
            }
        )
        return cid

    def opportunity(
        self,
        account_id: str,
        name: str,
        lines: list[LineSpec],
        *,
        contacts: list[tuple[str, str, bool]] = (),  # type: ignore[assignment]
        primary_contact: str | None = None,
        close_date: str = "2026-03-04",
        start_date: str | None = "2026-04-01",
        term: int | None = 12,
        won: bool = True,
        quote_type: str = "Quote",
        payment_terms: str | None = "Net 30",
        bill_to: dict[str, str | None] | None = None,
        with_quote: bool = True,
    ) -> str:
        oid = self.ids.new("006")
        qid = self.ids.new("a0x") if with_quote else None
        self.records["Opportunity"].append(
            {
                "Id": oid,
                "Name": name,
                "IsWon": won,
                "StageName": "Closed Won" if won else "Negotiation",
                "CloseDate": close_date,
                "AccountId": account_id,
                "SBQQ__PrimaryQuote__c": qid,
                **WRITEBACK_OPPORTUNITY,
            }
        )
        for contact_id, role, primary in contacts:
            self.records["OpportunityContactRole"].append(
                {
                    "Id": self.ids.new("00K"),
                    "OpportunityId": oid,
                    "ContactId": contact_id,
                    "Role": role,
                    "IsPrimary": primary,
                }
            )
        if qid is None:
            return oid
        bill = bill_to or {}
        self.records["SBQQ__Quote__c"].append(
            {
                "Id": qid,
                "SBQQ__Opportunity2__c": oid,
                "SBQQ__Account__c": account_id,
                "SBQQ__Primary__c": True,
                "SBQQ__Type__c": quote_type,
                "SBQQ__StartDate__c": start_date,
                "SBQQ__SubscriptionTerm__c": term,
                "SBQQ__PaymentTerms__c": payment_terms,
                "SBQQ__PrimaryContact__c": primary_contact,
                **{
                    f"SBQQ__Billing{k}__c": bill.get(k)
                    for k in ("Name", "Street", "City", "State", "PostalCode", "Country")
                },
            }
        )
        line_ids = [self.ids.new("a0r") for _ in lines]
        for number, (lid, spec) in enumerate(zip(line_ids, lines, strict=True), start=1):
            months = spec.term if spec.term is not None else (term or 12)
            self.records["SBQQ__QuoteLine__c"].append(
                {
                    "Id": lid,
                    "SBQQ__Quote__c": qid,
                    "SBQQ__Number__c": number,
                    "SBQQ__Product__c": self.product(
                        spec.code, CATALOG.get(spec.code, (spec.code, ""))[0]
                    ),
                    "SBQQ__Quantity__c": spec.quantity,
                    "SBQQ__NetPrice__c": spec.net_price,
                    "SBQQ__NetTotal__c": round(spec.net_price * spec.quantity, 2),
                    "SBQQ__ChargeType__c": spec.charge_type,
                    "SBQQ__BillingType__c": spec.billing_type if spec.charge_type else None,
                    "SBQQ__BillingFrequency__c": spec.frequency
                    if spec.charge_type in ("Recurring", "Usage")
                    else None,
                    "SBQQ__SubscriptionTerm__c": spec.term,
                    "SBQQ__EffectiveSubscriptionTerm__c": months
                    if spec.charge_type == "Recurring"
                    else None,
                    "SBQQ__StartDate__c": spec.start,
                    "SBQQ__EffectiveStartDate__c": spec.start or start_date,
                    "SBQQ__Bundle__c": spec.bundle,
                    "SBQQ__Bundled__c": spec.bundled,
                    "SBQQ__RequiredBy__c": line_ids[spec.parent]
                    if spec.parent is not None
                    else None,
                }
            )
        return oid

    # -- generated variety -------------------------------------------------------------------
    def random_deal(self, index: int) -> str:
        """One realistic deal: a bundle with options and/or standalone lines, 1-3 contacts."""
        rng = self.rng
        name = f"Customer {index:04d} {rng.choice(['Inc.', 'GmbH', 'Ltd', 'SAS', 'KK', 'LLC'])}"
        country = rng.choice(
            [
                ("United States", "US", "MA"),
                ("Germany", "DE", None),
                ("United Kingdom", "GB", None),
                ("Japan", "JP", None),
            ]
        )
        address = {
            "Street": f"{index} Market Street\nSuite {rng.randint(1, 900)}",
            "City": "Springfield",
            "State": country[2],
            "PostalCode": f"{10000 + index}",
            "Country": country[0],
            "CountryCode": country[1],
        }
        aid = self.account(
            name,
            billing=address,
            shipping=address if rng.random() < 0.6 else {**address, "Street": f"{index} Dock Road"},
        )
        contacts = []
        for c in range(rng.randint(1, 3)):
            cid = self.contact(
                aid, f"First{c}", f"Last{index}", email=f"c{c}.{index}@example.com", title="Buyer"
            )
            contacts.append((cid, "Decision Maker" if c == 0 else "Evaluator", c == 0))
        lines: list[LineSpec] = []
        if rng.random() < 0.8:
            lines.append(
                LineSpec(
                    "PLATFORM-PRO", bundle=True, net_price=float(rng.choice([6000, 12000, 24000]))
                )
            )
            root = len(lines) - 1
            lines.append(
                LineSpec(
                    "PRO-SEATS",
                    frequency=rng.choice(["Monthly", "Quarterly", "Annual"]),
                    quantity=rng.randint(5, 200),
                    net_price=600.0,
                    parent=root,
                )
            )
            if rng.random() < 0.5:
                lines.append(
                    LineSpec(
                        "PRO-ONBOARD",
                        charge_type="One-Time",
                        frequency=None,
                        net_price=2500.0,
                        parent=root,
                    )
                )
            if rng.random() < 0.3:
                lines.append(
                    LineSpec(
                        "PRO-API",
                        charge_type="Usage",
                        frequency="Monthly",
                        billing_type="Arrears",
                        net_price=2.0,
                        parent=root,
                    )
                )
            lines.append(LineSpec("PRO-CONSOLE", bundled=True, net_price=0.0, parent=root))
        if not lines or rng.random() < 0.5:
            lines.append(LineSpec("SUPPORT-PREM", frequency="Quarterly", net_price=4800.0))
        if rng.random() < 0.2:
            lines.append(
                LineSpec(
                    "TRAINING",
                    charge_type="One-Time",
                    frequency=None,
                    quantity=rng.randint(1, 5),
                    net_price=1500.0,
                )
            )
        start = (dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 300))).isoformat()
        return self.opportunity(
            aid,
            f"{name} - New Business",
            lines,
            contacts=contacts,
            primary_contact=contacts[0][0],
            start_date=start,
            term=rng.choice([12, 12, 24, 36]),
        )


def sample_org() -> dict[str, Any]:
    """The bundled sample's new deal alone (offline.contracts.sample_org adds its life)."""
    return sample_builder().snapshot()


def sample_builder() -> OrgBuilder:
    """The builder holding the bundled sample's new deal: one realistic CPQ deal."""
    org = OrgBuilder()
    aid = org.account(
        "Acme Analytics Inc.",
        billing={
            "Street": "100 Federal Street\nFloor 12",
            "City": "Boston",
            "State": "MA",
            "PostalCode": "02110",
            "Country": "United States",
            "CountryCode": "US",
        },
        shipping={
            "Street": "1 Innovation Way",
            "City": "Cambridge",
            "State": "MA",
            "PostalCode": "02142",
            "Country": "United States",
            "CountryCode": "US",
        },
        website="https://acme-analytics.example",
    )
    jane = org.contact(
        aid,
        "Jane",
        "Doe",
        email="jane.doe@acme-analytics.example",
        title="CFO",
        phone="+1 617 555 0101",
    )
    john = org.contact(
        aid,
        "John",
        "Smith",
        email="john.smith@acme-analytics.example",
        title="IT Director",
        phone="+1 617 555 0102",
    )
    org.opportunity(
        aid,
        "Acme Analytics - Platform Pro 2026",
        [
            LineSpec("PLATFORM-PRO", bundle=True, net_price=12000.0),
            LineSpec("PRO-SEATS", frequency="Monthly", quantity=25, net_price=600.0, parent=0),
            LineSpec(
                "PRO-ONBOARD", charge_type="One-Time", frequency=None, net_price=2500.0, parent=0
            ),
            LineSpec(
                "PRO-API",
                charge_type="Usage",
                frequency="Monthly",
                billing_type="Arrears",
                net_price=2.0,
                parent=0,
            ),
            LineSpec("PRO-CONSOLE", bundled=True, net_price=0.0, parent=0),
            LineSpec("SUPPORT-PREM", frequency="Quarterly", net_price=4800.0),
        ],
        contacts=[(jane, "Decision Maker", True), (john, "Technical Buyer", False)],
        primary_contact=jane,
        bill_to={
            "Name": "Acme Analytics Accounts Payable",
            "Street": "100 Federal Street\nFloor 12",
            "City": "Boston",
            "State": "MA",
            "PostalCode": "02110",
            "Country": "United States",
        },
    )
    return org


def platform_event(
    opportunity: dict[str, Any],
    org_id: str = ORG_ID,
    event_id: str | None = None,
    closed_at: str = "2026-03-04T17:21:08",
) -> dict[str, Any]:
    """The relayed EventBridge event for one opportunity (docs/reference/salesforce.md §7.1);
    ``closed_at`` is when it was won (UTC, seconds)."""
    oid = opportunity["Id"]
    relayed = (dt.datetime.fromisoformat(closed_at) + dt.timedelta(seconds=1)).isoformat()
    return {
        "version": "0",
        "id": event_id or f"3f1c2a7e-5b0d-4e1b-9c11-{oid[-12:].lower().ljust(12, '0')}",
        "detail-type": "Opportunity_Closed_Won__e",
        "source": f"aws.partner/salesforce.com/{org_id}/0YL5f000000CabWGAS",
        "account": "123456789012",
        "time": f"{relayed}Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "payload": {
                "Opportunity_Id__c": oid,
                "Account_Id__c": opportunity["AccountId"],
                "Primary_Quote_Id__c": opportunity.get("SBQQ__PrimaryQuote__c"),
                "Closed_Won_At__c": f"{closed_at}.000Z",
                "Schema_Version__c": "1",
                "Source_Org_Id__c": org_id,
                "CreatedById": "0055f000005mc66AAA",
                "CreatedDate": f"{closed_at}.512Z",
            }
        },
    }


def change_event(
    opportunity: dict[str, Any],
    org_id: str = ORG_ID,
    *,
    changed: list[str] | None = None,
    commit_user: str = "0055f000001Sales1AA",
    stage: str = "Closed Won",
    change_type: str = "UPDATE",
) -> dict[str, Any]:
    """A relayed CDC OpportunityChangeEvent (docs/reference/salesforce.md §7.2)."""
    return {
        "version": "0",
        "id": f"5c42b99e-c214-4a9c-8fbd-{opportunity['Id'][-12:].lower().ljust(12, '0')}",
        "detail-type": "OpportunityChangeEvent",
        "source": f"aws.partner/salesforce.com/{org_id}/0YL5f000000CdcXGAS",
        "account": "123456789012",
        "time": "2026-03-04T17:21:09Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "payload": {
                "ChangeEventHeader": {
                    "entityName": "Opportunity",
                    "recordIds": [opportunity["Id"]],
                    "changeType": change_type,
                    "changeOrigin": "com/salesforce/api/soap/62.0;client=SfdcInternalAPI/",
                    "transactionKey": "0001ade9-3f74-0b99-dbc4-42e73424b774",
                    "sequenceNumber": 1,
                    "commitTimestamp": 1772644868000,
                    "commitNumber": 1082985383811,
                    "commitUser": commit_user,
                    "changedFields": changed
                    if changed is not None
                    else ["StageName", "Probability", "ForecastCategoryName", "LastModifiedDate"],
                },
                "StageName": stage,
                "AccountId": opportunity["AccountId"],
                "SBQQ__PrimaryQuote__c": opportunity.get("SBQQ__PrimaryQuote__c"),
                "LastModifiedDate": "2026-03-04T17:21:08.000Z",
            }
        },
    }


def existing_customer(
    customer_id: str,
    company_name: str,
    *,
    currency: str = "1",
    subsidiary: str = "1",
    terms: str | None = None,
    email: str | None = None,
    external_id: str | None = None,
) -> dict[str, Any]:
    """A NetSuite customer made before go-live (by finance, not by the product), for a seed's
    ``customer`` list: its own primary currency, subsidiary, terms and e-mail, no externalId."""
    record: dict[str, Any] = {
        "id": customer_id,
        "companyName": company_name,
        "isPerson": False,
        "subsidiary": {"id": subsidiary},
        "currency": {"id": currency},
    }
    if terms:
        record["terms"] = {"id": terms}
    if email:
        record["email"] = email
    if external_id:
        record["externalId"] = external_id
    return record
