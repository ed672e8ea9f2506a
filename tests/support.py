"""Test helpers: shape org-snapshot records as the Salesforce reader returns them."""

from __future__ import annotations

import copy
from typing import Any

from closedwon.salesforce import soql


def _pick(record: dict[str, Any] | None, fields: tuple[str, ...]) -> dict[str, Any] | None:
    if record is None:
        return None
    return {f: record.get(f) for f in fields if "." not in f}


def deal_source(
    snapshot: dict[str, Any],
    opportunity_id: str,
    netsuite_id_fields: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """What ``read_deal`` returns for one opportunity of a snapshot (no Salesforce needed)."""
    account_field, contact_field = netsuite_id_fields or (None, None)
    contact_fields = (
        "FirstName",
        "LastName",
        "Email",
        "Phone",
        "Title",
        *([contact_field] if contact_field else []),
    )
    recs = snapshot["records"]
    by_id = {r["Id"]: r for records in recs.values() for r in records}
    opp = copy.deepcopy(by_id[opportunity_id])
    quote = by_id.get(opp.get("SBQQ__PrimaryQuote__c") or "")
    out = {f: opp.get(f) for f in soql.OPPORTUNITY_FIELDS}
    for name in ("SBQQ__AmendedContract__c", "SBQQ__RenewedContract__c"):
        out[name] = opp.get(name)
        contract = by_id.get(opp.get(name) or "")
        out[name.replace("__c", "__r")] = (
            {f: contract.get(f) for f in ("ContractNumber", "SBQQ__Opportunity__c")}
            if contract
            else None
        )
    out["Account"] = _pick(by_id.get(opp.get("AccountId") or ""), soql.ACCOUNT_FIELDS)
    out["Account"] = _pick(
        by_id.get(opp.get("AccountId") or ""),
        (*soql.ACCOUNT_FIELDS, *([account_field] if account_field else [])),
    )
    if quote:
        q = {f: quote.get(f) for f in soql.QUOTE_FIELDS if "." not in f}
        contact = by_id.get(quote.get("SBQQ__PrimaryContact__c") or "")
        q["SBQQ__PrimaryContact__r"] = (
            {
                "Id": contact["Id"],
                **{k: contact.get(k) for k in contact_fields},
            }
            if contact
            else None
        )
        out["SBQQ__PrimaryQuote__r"] = q
    else:
        out["SBQQ__PrimaryQuote__r"] = None
    roles = [
        r for r in recs.get("OpportunityContactRole", []) if r["OpportunityId"] == opportunity_id
    ]
    roles.sort(key=lambda r: not r["IsPrimary"])
    out["OpportunityContactRoles"] = (
        {
            "totalSize": len(roles),
            "done": True,
            "records": [
                {
                    "ContactId": r["ContactId"],
                    "Role": r["Role"],
                    "IsPrimary": r["IsPrimary"],
                    "Contact": {k: by_id[r["ContactId"]].get(k) for k in contact_fields},
                }
                for r in roles
            ],
        }
        if roles
        else None
    )
    lines = []
    if quote:
        for line in sorted(
            (
                ql
                for ql in recs.get("SBQQ__QuoteLine__c", [])
                if ql["SBQQ__Quote__c"] == quote["Id"]
            ),
            key=lambda ql: ql["SBQQ__Number__c"],
        ):
            shaped = {
                f: line.get(f)
                for f in (*soql.QUOTE_LINE_FIELDS, *soql.QUOTE_LINE_AMENDMENT_FIELDS)
                if "." not in f
            }
            product = by_id.get(line["SBQQ__Product__c"])
            shaped["SBQQ__Product__r"] = (
                {"Name": product["Name"], "ProductCode": product["ProductCode"]}
                if product
                else None
            )
            lines.append(shaped)
    return {"opportunity": out, "lines": lines}


def contract_source(
    snapshot: dict[str, Any], contract_id: str, original_opportunity_id: str
) -> dict[str, Any]:
    """What ``read_contract`` returns for one contract of a snapshot (no Salesforce needed)."""
    recs = snapshot["records"]
    opportunities = {o["Id"]: o for o in recs.get("Opportunity", [])}
    quotes = {q["Id"]: q for q in recs.get("SBQQ__Quote__c", [])}
    subscriptions = [
        {f: s.get(f) for f in soql.SUBSCRIPTION_FIELDS}
        for s in recs.get("SBQQ__Subscription__c", [])
        if s.get("SBQQ__Contract__c") == contract_id
    ]
    lineage = []
    for line in sorted(recs.get("SBQQ__QuoteLine__c", []), key=lambda ql: ql["SBQQ__Number__c"]):
        quote = quotes.get(line["SBQQ__Quote__c"]) or {}
        opp = opportunities.get(quote.get("SBQQ__Opportunity2__c") or "") or {}
        of_contract = opp.get("Id") == original_opportunity_id or (
            opp.get("SBQQ__AmendedContract__c") == contract_id
        )
        if quote.get("SBQQ__Primary__c") and of_contract:
            shaped = {f: line.get(f) for f in soql.LINEAGE_LINE_FIELDS if "." not in f}
            shaped["SBQQ__Quote__r"] = {"SBQQ__Opportunity2__c": opp["Id"]}
            lineage.append(shaped)
    return {"subscriptions": subscriptions, "lineage": lineage}
