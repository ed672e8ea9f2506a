"""Read one deal from Salesforce in ONE API call (a composite request with the two queries of docs/reference/salesforce.md §8)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from closedwon.errors import InvalidDeal
from closedwon.rules.document import SoqlFields
from closedwon.salesforce import soql
from closedwon.salesforce.connection import SalesforceConnection
from closedwon.salesforce.errors import raise_for_subresponse


def read_deal(
    conn: SalesforceConnection,
    opportunity_id: str,
    *,
    multi_currency: bool,
    amendments_status_field: str | None = None,
    extra: SoqlFields = SoqlFields(),
    netsuite_id_fields: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """Return ``{"opportunity": {...}, "lines": [...]}`` with relationship fields nested.

    ``extra`` are the fields the mapping rules read (docs/mapping.md §7.4), in the same call.
    ``netsuite_id_fields`` (Account field, Contact field) holding NetSuite ids are read as well.

    Child results that Salesforce pages (very large quotes or contact-role lists) are followed with
    ``query_more``, one extra call per page; a normal deal costs exactly one API call.
    """
    queries = {
        "opportunity": soql.opportunity_query(
            opportunity_id,
            multi_currency=multi_currency,
            extra=extra,
            account_id_field=netsuite_id_fields[0] if netsuite_id_fields else None,
            contact_id_field=netsuite_id_fields[1] if netsuite_id_fields else None,
        ),
        "lines": soql.quote_lines_query(opportunity_id, multi_currency=multi_currency, extra=extra),
    }
    if amendments_status_field:
        queries["amendments"] = soql.synced_amendments_query(
            opportunity_id, amendments_status_field
        )
    what = f"reading opportunity {opportunity_id}"
    results = _composite_queries(conn, queries, what)
    opportunities = results["opportunity"]["records"]
    if not opportunities:
        raise InvalidDeal(
            [
                f"Opportunity.Id: opportunity {opportunity_id} was not found (deleted, or not visible to the integration user)"
            ],
            record=f"Opportunity {opportunity_id}",
        )
    opportunity = opportunities[0]
    roles = opportunity.get("OpportunityContactRoles")
    if roles:
        roles["records"] = _all_records(conn, roles, what)
    lines = _all_records(conn, results["lines"], what)
    source = {"opportunity": strip_attributes(opportunity), "lines": strip_attributes(lines)}
    if "amendments" in queries:
        source["syncedAmendments"] = len(results["amendments"].get("records") or [])
    return source


def read_contract(
    conn: SalesforceConnection, contract_id: str, original_opportunity_id: str
) -> dict[str, Any]:
    """The amended contract's CPQ subscriptions and its deals' lines, in ONE composite call.

    Returns ``{"subscriptions": [...], "lineage": [...]}`` (docs/mapping.md §9.1). With the deal's
    read and the write-back, an amendment costs 3 Salesforce calls.
    """
    queries = {
        "subscriptions": soql.contract_subscriptions_query(contract_id),
        "lineage": soql.contract_lines_query(contract_id, original_opportunity_id),
    }
    what = f"reading contract {contract_id}"
    results = _composite_queries(conn, queries, what)
    return {ref: strip_attributes(_all_records(conn, results[ref], what)) for ref in queries}


def _composite_queries(
    conn: SalesforceConnection, queries: dict[str, str], what: str
) -> dict[str, dict[str, Any]]:
    """Run ``queries`` (reference id -> SOQL) in ONE composite call; each query's result body.

    Every failed subrequest raises (classified as the single query would be), so a caller only
    sees complete first pages.
    """
    version = conn.settings.api_version
    request = {
        "allOrNone": False,
        "compositeRequest": [
            {
                "method": "GET",
                "url": f"/services/data/v{version}/query/?{urlencode({'q': q})}",
                "referenceId": ref,
            }
            for ref, q in queries.items()
        ],
    }
    response = conn.restful("composite", method="POST", body=request, what=what)
    results = {r["referenceId"]: r for r in response["compositeResponse"]}
    for ref in queries:
        raise_for_subresponse(results[ref]["httpStatusCode"], results[ref]["body"], what)
    return {ref: results[ref]["body"] for ref in queries}


def _all_records(
    conn: SalesforceConnection, result: dict[str, Any], what: str
) -> list[dict[str, Any]]:
    records = list(result.get("records") or [])
    while not result.get("done", True) and result.get("nextRecordsUrl"):
        url = result["nextRecordsUrl"]
        result = conn.query_more(url, what=what)
        records.extend(result.get("records") or [])
    return records


def strip_attributes(value: Any) -> Any:
    """Drop Salesforce's ``attributes`` metadata so the deal is plain data."""
    if isinstance(value, dict):
        return {k: strip_attributes(v) for k, v in value.items() if k != "attributes"}
    if isinstance(value, list):
        return [strip_attributes(v) for v in value]
    return value
