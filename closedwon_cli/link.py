"""``closedwon link customers``: pair Salesforce accounts with the NetSuite customers they already
are, before go-live, so the first sync updates them instead of creating a duplicate (docs/go-live.md step 2).

Proposing writes a review CSV ``accountId,accountName,netsuiteId,companyName,rule``: rule
``name+country`` (same companyName, case- and space-insensitive, and the same billing country),
else ``email-domain`` (a contact of the account and the customer share an e-mail domain). An
account with several candidates gets one row per candidate, rule ``ambiguous``. Applying a
reviewed file sets each customer's externalId and each account's NetSuite id; ``ambiguous`` rows
are never applied. Both are idempotent: a row already linked is skipped, so an interrupted apply
is resumed by running it again. Names stay in the operator's CSV, never in a log line.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from closedwon import mapping
from closedwon.container import Container
from closedwon.events import to_18
from closedwon.salesforce import soql
from closedwon_cli.errors import CliError

COLUMNS = ("accountId", "accountName", "netsuiteId", "companyName", "rule")
AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class Proposal:
    accountId: str
    accountName: str
    netsuiteId: str
    companyName: str
    rule: str


def _name_key(name: str | None) -> str:
    return "".join((name or "").split()).casefold()


def _domain(email: str | None) -> str | None:
    _, at, domain = (email or "").rpartition("@")
    return domain.strip().lower() or None if at else None


def propose(container: Container) -> list[Proposal]:
    """The proposed links, one row per (account, candidate)."""
    config = container.config
    sf = container.salesforce.connection
    accounts = sf.query_all(
        soql.unlinked_accounts_query(config.salesforce.writeback.account_id),
        what="unlinked accounts",
    )
    domains: dict[str, set[str]] = {}
    for row in sf.query_all(soql.contact_emails_query(), what="contact e-mail domains"):
        domain = _domain(row.get("Email"))
        if domain and row.get("AccountId"):
            domains.setdefault(str(row["AccountId"]), set()).add(domain)
    customers = container.netsuite.suiteql(mapping.UNLINKED_CUSTOMERS_QUERY)
    by_name: dict[str, list[dict[str, Any]]] = {}
    for customer in customers:
        by_name.setdefault(_name_key(customer.get("companyname")), []).append(customer)
    countries: dict[str, str | None] = {}

    def country_of(customer_id: str) -> str | None:
        if customer_id not in countries:
            record = container.netsuite.get_by_id("customer", customer_id, expand=True) or {}
            countries[customer_id] = mapping.billing_country(record)
        return countries[customer_id]

    proposals: list[Proposal] = []
    for account in accounts:
        account_country = (account.get("BillingCountryCode") or "").upper() or None
        matches = [
            c
            for c in by_name.get(_name_key(account.get("Name")), [])
            if account_country and country_of(str(c["id"])) == account_country
        ]
        rule = "name+country"
        if not matches:
            own = domains.get(str(account["Id"]), set())
            matches = [c for c in customers if _domain(c.get("email")) in own]
            rule = "email-domain"
        for customer in matches:
            proposals.append(
                Proposal(
                    str(account["Id"]),
                    str(account.get("Name") or ""),
                    str(customer["id"]),
                    str(customer.get("companyname") or ""),
                    rule if len(matches) == 1 else AMBIGUOUS,
                )
            )
    return proposals


def write_csv(proposals: list[Proposal], out: IO[str]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for p in proposals:
        writer.writerow([p.accountId, p.accountName, p.netsuiteId, p.companyName, p.rule])


def read_csv(path: Path) -> list[Proposal]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise CliError(f"{path}: the header must be {','.join(COLUMNS)}")
        return [Proposal(**{k: (row.get(k) or "").strip() for k in COLUMNS}) for row in reader]


@dataclass
class ApplySummary:
    linked: int = 0
    already: int = 0
    ambiguous: int = 0
    refused: int = 0

    def to_json(self) -> dict[str, int]:
        return dict(vars(self))


def apply(
    container: Container,
    rows: list[Proposal],
    *,
    on_row: Callable[[], None] = lambda: None,
    problems: list[str] | None = None,
) -> ApplySummary:
    """Link each non-ambiguous row on both sides; rows already linked are counted, not rewritten."""
    config = container.config
    field = config.salesforce.writeback.account_id
    summary = ApplySummary()
    wanted = sorted({to_18(r.accountId) for r in rows if r.rule != AMBIGUOUS})
    linked_in_salesforce = {
        to_18(str(a["Id"])): a.get(field)
        for a in (
            container.salesforce.connection.query_all(
                soql.account_links_query(field, wanted), what="account links"
            )
            if wanted
            else []
        )
    }
    for row in rows:
        on_row()
        if row.rule == AMBIGUOUS:
            summary.ambiguous += 1
            continue
        account_id = to_18(row.accountId)
        external_id = f"{config.netsuite.external_id_prefix}{account_id}"
        customer = container.netsuite.get_by_id("customer", row.netsuiteId, fields=["externalId"])
        held = (customer or {}).get("externalId")
        if customer is None or (held and held != external_id):
            summary.refused += 1
            if problems is not None:
                reason = "no such customer" if customer is None else f"linked to {held}"
                problems.append(f"account {row.accountId}: customer {row.netsuiteId} {reason}")
            continue
        in_salesforce = linked_in_salesforce.get(account_id) == row.netsuiteId
        if held == external_id and in_salesforce:
            summary.already += 1
            continue
        if held != external_id:
            container.netsuite.patch("customer", row.netsuiteId, {"externalId": external_id})
        if not in_salesforce:
            container.salesforce.write(
                [{"attributes": {"type": "Account"}, "Id": account_id, field: row.netsuiteId}],
                what="link customers",
            )
        summary.linked += 1
    return summary
