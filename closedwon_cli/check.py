"""``closedwon check``: is this stack ready for real deals? One row per check, with what to fix.

The checks and the API calls each makes:

- ``config``: the mapping config loads and validates (no call).
- ``salesforce-auth``: the Salesforce secret is read (Secrets Manager GetSecretValue) and logs
  in (JWT bearer token, then ``GET /services/data/vXX.X/limits``).
- ``netsuite-auth``: the NetSuite secret is read and authenticates (OAuth 2.0 token, then
  ``GET /services/rest/record/v1/subsidiary/<subsidiary_id>``).
- ``salesforce-fields``: every field the product reads exists and is readable, every write-back
  field is updateable, for the integration user (``GET …/sobjects/<object>/describe`` per object).
- ``netsuite-ids``: every NetSuite id the config names exists (``GET …/record/v1/<type>/<id>``
  per subsidiary, currency, payment term and the billing schedule).
- ``items``: every active Salesforce product with a charge type has a NetSuite item of that
  itemId (one SOQL on Product2, one SuiteQL on item).
- ``concurrency``: NetSuite's concurrency limit for the integration is at or above the stack's
  NetSuiteConcurrencyLimit (``GET /services/rest/system/v1/governanceLimits``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from closedwon.config import MappingConfig
from closedwon.container import Container
from closedwon.errors import SyncError
from closedwon.rules.model import Rule
from closedwon.salesforce import SalesforceConnection, soql

if TYPE_CHECKING:
    from simple_salesforce.api import Salesforce

#: The objects the product reads, and the fields of each (the SOQL of closedwon.salesforce.soql).
_RELATIONSHIPS = {
    "Account": "Account",
    "SBQQ__PrimaryQuote__r": "SBQQ__Quote__c",
    "Contact": "Contact",
    "SBQQ__PrimaryContact__r": "Contact",
    "SBQQ__Product__r": "Product2",
}


@dataclass
class Check:
    """One check's result: ``fix`` says what to change when it failed."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    calls: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def read_fields(config: MappingConfig) -> dict[str, set[str]]:
    """Object -> the fields the product's queries read from it."""
    multi = config.salesforce.multi_currency
    currency = ("CurrencyIsoCode",) if multi else ()
    wanted: dict[str, set[str]] = {}

    def add(obj: str, names: tuple[str, ...] | list[str]) -> None:
        for name in names:
            relation, _, rest = name.partition(".")
            if rest:
                wanted.setdefault(_RELATIONSHIPS[relation], set()).add(rest)
            else:
                wanted.setdefault(obj, set()).add(name)

    add("Opportunity", [*soql.OPPORTUNITY_FIELDS, *currency])
    add("Account", list(soql.ACCOUNT_FIELDS))
    add("SBQQ__Quote__c", [*soql.QUOTE_FIELDS, *currency])
    add("OpportunityContactRole", list(soql.CONTACT_ROLE_FIELDS))
    add("SBQQ__QuoteLine__c", [*soql.QUOTE_LINE_FIELDS, *currency])
    add("Product2", ["ProductCode", "IsActive", "SBQQ__ChargeType__c"])
    return wanted


def written_fields(config: MappingConfig) -> dict[str, set[str]]:
    """Object -> the write-back fields the product updates."""
    wb = config.salesforce.writeback
    return {
        "Opportunity": {
            wb.opportunity_status,
            wb.opportunity_error,
            wb.opportunity_last_sync,
            wb.opportunity_subscriptions,
        },
        "Account": {wb.account_id},
        "Contact": {wb.contact_id},
    }


def _guarded(name: str, fix: str, calls: list[str], body: Callable[[], Check]) -> Check:
    try:
        return body()
    except SyncError as exc:
        return Check(name, False, f"{type(exc).__name__}: {exc}", fix, calls)


def _describe(connection: SalesforceConnection, sobject: str) -> dict[str, Any]:
    """``GET sobjects/<sobject>/describe``: the fields the integration user can read."""

    def send(sf: Salesforce) -> Any:
        return sf.restful(f"sobjects/{sobject}/describe", method="GET")

    answer = connection.call(send, what=f"describe {sobject}")
    return answer if isinstance(answer, dict) else {}


def check_salesforce_fields(container: Container, config: MappingConfig) -> Check:
    """Every read field readable and every write-back field updateable (describe calls)."""
    reads, writes = read_fields(config), written_fields(config)
    connection = container.salesforce.connection
    problems: list[str] = []
    calls = []
    for obj in sorted(set(reads) | set(writes)):
        calls.append(f"GET /services/data/v{config.salesforce.api_version}/sobjects/{obj}/describe")
        described = _describe(connection, obj)
        fields = {f["name"].lower(): f for f in described.get("fields") or []}
        for name in sorted(reads.get(obj, set())):
            if name.lower() not in fields:
                problems.append(f"{obj}.{name} is missing or not readable")
        for name in sorted(writes.get(obj, set())):
            found = fields.get(name.lower())
            if found is None:
                problems.append(f"{obj}.{name} (write-back) is missing or not readable")
            elif not found.get("updateable"):
                problems.append(f"{obj}.{name} (write-back) is not editable")
    if problems:
        return Check(
            "salesforce-fields",
            False,
            "; ".join(problems),
            "deploy salesforce/ (sfdx) and give the integration user read and edit access "
            "through the permission set; or name the right fields in salesforce.writeback",
            calls,
        )
    count = sum(len(v) for v in reads.values()) + sum(len(v) for v in writes.values())
    return Check("salesforce-fields", True, f"{count} fields on {len(calls)} objects", "", calls)


def check_netsuite_ids(container: Container, config: MappingConfig) -> Check:
    """Every record id the config names exists in NetSuite (one GET each)."""
    ns = config.netsuite
    wanted = [
        ("subsidiary", i, "netsuite.subsidiary_id") for i in _config_ids(ns.subsidiary_id, config)
    ]
    wanted += [("currency", i, f"netsuite.currencies.{c}") for c, i in ns.currencies.items()]
    wanted += [("term", i, f"netsuite.payment_terms['{t}']") for t, i in ns.payment_terms.items()]
    wanted += [
        ("billingSchedule", i, "netsuite.billing_schedule_id")
        for i in _config_ids(ns.billing_schedule_id, config)
    ]
    missing, calls = [], []
    for record_type, internal_id, key in wanted:
        calls.append(f"GET /services/rest/record/v1/{record_type}/{internal_id}")
        if container.netsuite.get_by_id(record_type, internal_id, fields=["id"]) is None:
            missing.append(f"{key}: no {record_type} {internal_id}")
    if missing:
        return Check(
            "netsuite-ids",
            False,
            "; ".join(missing),
            "set those keys of the mapping config to internal ids NetSuite has",
            calls,
        )
    return Check("netsuite-ids", True, f"{len(wanted)} records found", "", calls)


def check_items(container: Container) -> Check:
    """Every active product with a charge type has a NetSuite item of its product code."""
    calls = ["GET /services/data/vXX.X/query (Product2)", "POST /services/rest/query/v1/suiteql"]
    products = container.salesforce.connection.query_all(
        soql.sellable_products_query(), what="active products"
    )
    codes = sorted({str(p["ProductCode"]) for p in products if p.get("ProductCode")})
    found = container.items.resolve(container.netsuite, codes) if codes else {}
    missing = [c for c in codes if c not in found]
    if missing:
        return Check(
            "items",
            False,
            f"no NetSuite item with itemId {', '.join(missing)}",
            "create those items in NetSuite (itemId = the Salesforce ProductCode)",
            calls,
        )
    return Check("items", True, f"{len(codes)} products have an item", "", calls)


def check_concurrency(container: Container, cap: int) -> Check:
    """NetSuite's limit for this integration is at or above the stack's cap."""
    calls = ["GET /services/rest/system/v1/governanceLimits"]
    limits = container.netsuite.governance_limits()
    limit = int(limits.get("integrationConcurrencyLimit") or 0)
    if limit < cap:
        return Check(
            "concurrency",
            False,
            f"NetSuiteConcurrencyLimit {cap} is above NetSuite's limit {limit} "
            f"({limits.get('integrationLimitType')})",
            f"deploy with NetSuiteConcurrencyLimit={limit} or less, or raise the integration's "
            "limit in NetSuite",
            calls,
        )
    return Check("concurrency", True, f"cap {cap} ≤ NetSuite limit {limit}", "", calls)


def run_checks(container: Container, cap: int) -> list[Check]:
    """Every check, in order; a check that cannot run for an earlier failure says so."""
    try:
        config = container.config
    except SyncError as exc:
        return [Check("config", False, str(exc), "fix the mapping config (docs/mapping-config.md)")]
    results = [Check("config", True, "valid")]
    sf = _guarded(
        "salesforce-auth",
        "fix the Salesforce secret (docs/salesforce-setup.md)",
        ["GetSecretValue", "POST /services/oauth2/token", "GET /services/data/vXX.X/limits"],
        lambda: _salesforce_auth(container),
    )
    ns = _guarded(
        "netsuite-auth",
        "fix the NetSuite secret (docs/deploy.md)",
        ["GetSecretValue", "POST /services/rest/auth/oauth2/v1/token"],
        lambda: _netsuite_auth(container, config),
    )
    results += [sf, ns]
    if sf.ok:
        results.append(
            _guarded(
                "salesforce-fields", "", [], lambda: check_salesforce_fields(container, config)
            )
        )
    if ns.ok:
        results.append(
            _guarded("netsuite-ids", "", [], lambda: check_netsuite_ids(container, config))
        )
        results.append(_guarded("concurrency", "", [], lambda: check_concurrency(container, cap)))
    if sf.ok and ns.ok:
        results.append(_guarded("items", "", [], lambda: check_items(container)))
    return results


def _salesforce_auth(container: Container) -> Check:
    container.salesforce.connection.call(lambda sf: sf.limits(), what="the API limits")
    return Check("salesforce-auth", True, "secret read, logged in")


def _config_ids(value: str | Rule, config: MappingConfig) -> list[str]:
    """The ids a single-id key can give: the literal, or every id its routing rule can send (its
    value, map or lookup values and default; an id read straight from Salesforce is not known)."""
    if not isinstance(value, Rule):
        return [value]
    found: list[Any] = [value.value, value.default]
    found += list((value.map or {}).values())
    found += list(config.lookups.get(value.lookup or "", {}).values())
    return list(dict.fromkeys(str(i) for i in found if isinstance(i, str | int) and i != ""))


def _netsuite_auth(container: Container, config: MappingConfig) -> Check:
    ids = _config_ids(config.netsuite.subsidiary_id, config)
    if ids:
        container.netsuite.get_by_id("subsidiary", ids[0], fields=["id"])
    else:
        currency = next(iter(config.netsuite.currencies.values()))
        container.netsuite.get_by_id("currency", currency, fields=["id"])
    return Check("netsuite-auth", True, "secret read, authenticated")
