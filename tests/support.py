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
            shaped = {f: line.get(f) for f in soql.QUOTE_LINE_FIELDS if "." not in f}
            product = by_id.get(line["SBQQ__Product__c"])
            shaped["SBQQ__Product__r"] = (
                {"Name": product["Name"], "ProductCode": product["ProductCode"]}
                if product
                else None
            )
            lines.append(shaped)
    return {"opportunity": out, "lines": lines}
