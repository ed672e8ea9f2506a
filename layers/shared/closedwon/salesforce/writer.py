"""Write sync results back to Salesforce in ONE API call (sObject Collections, docs/mapping.md §5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from closedwon.errors import AuthOrConfig
from closedwon.salesforce.connection import SalesforceConnection
from closedwon.salesforce.errors import error_text, raise_for_subresponse

COLLECTION_LIMIT = 200  # records per sObject Collections request
LONG_TEXT_LIMIT = 32_000  # characters the Long Text Area write-back fields hold


def now_utc() -> str:
    """Now, as a Salesforce datetime value (UTC)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


COMPOSITE_COLLECTIONS_LIMIT = 5  # collections subrequests per composite request


def record(sobject: str, record_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"attributes": {"type": sobject}, "id": record_id, **fields}


def write_records(
    conn: SalesforceConnection, records: list[dict[str, Any]], *, what: str
) -> list[str]:
    """Update records (Opportunity first); return per-record problems of the non-Opportunity ones.

    Up to 200 records go in one ``composite/sobjects`` PATCH; more (a deal with hundreds of
    contacts) go as collections subrequests of one ``composite`` request — still one API call.
    A refused Opportunity update raises: the status field is the product's contract with users.
    """
    if not records:
        return []
    chunks = [records[i : i + COLLECTION_LIMIT] for i in range(0, len(records), COLLECTION_LIMIT)]
    results: list[dict[str, Any]] = []
    version = conn.settings.api_version
    for start in range(0, len(chunks), COMPOSITE_COLLECTIONS_LIMIT):
        group = chunks[start : start + COMPOSITE_COLLECTIONS_LIMIT]
        if len(group) == 1:
            body = {"allOrNone": False, "records": group[0]}
            results.extend(conn.restful("composite/sobjects", method="PATCH", body=body, what=what))
            continue
        request = {
            "allOrNone": False,
            "compositeRequest": [
                {
                    "method": "PATCH",
                    "url": f"/services/data/v{version}/composite/sobjects",
                    "referenceId": f"chunk{i}",
                    "body": {"allOrNone": False, "records": chunk},
                }
                for i, chunk in enumerate(group)
            ],
        }
        response = conn.restful("composite", method="POST", body=request, what=what)
        for sub in response["compositeResponse"]:
            raise_for_subresponse(sub["httpStatusCode"], sub["body"], what)
            results.extend(sub["body"])
    problems = []
    for rec, result in zip(records, results, strict=False):
        if result.get("success"):
            continue
        errors = "; ".join(
            f"{e.get('statusCode')}: {error_text(e)}" for e in result.get("errors", [])
        )
        text = f"{rec['attributes']['type']} {rec['id']}: {errors}"
        if rec["attributes"]["type"] == "Opportunity":
            raise AuthOrConfig(f"Salesforce refused {what}: {text}")
        problems.append(text)
    return problems
