"""Every SOQL statement the product issues (docs/reference/salesforce.md §8).

Values are always bound with ``format_soql`` (never string concatenation), so an id that looks
like an injection attempt is just a value that matches nothing.

``CurrencyIsoCode`` exists only in multi-currency orgs; querying it elsewhere is INVALID_FIELD, so
it is added only when the mapping config says ``salesforce.multi_currency: true``.
"""

from __future__ import annotations

import re

from simple_salesforce.format import format_soql

from closedwon.rules.document import SoqlFields, merged

_ADDRESS = ("Street", "City", "State", "PostalCode", "Country", "CountryCode")
_CONTACT = ("FirstName", "LastName", "Email", "Phone", "Title")

ACCOUNT_FIELDS = (
    "Id",
    "Name",
    "Phone",
    "Website",
    *(f"Billing{p}" for p in _ADDRESS),
    *(f"Shipping{p}" for p in _ADDRESS),
)
QUOTE_FIELDS = (
    "Id",
    "SBQQ__Type__c",
    "SBQQ__Primary__c",
    "SBQQ__Opportunity2__c",
    "SBQQ__StartDate__c",
    "SBQQ__SubscriptionTerm__c",
    "SBQQ__PaymentTerms__c",
    "SBQQ__PrimaryContact__c",
    "SBQQ__BillingName__c",
    "SBQQ__BillingStreet__c",
    "SBQQ__BillingCity__c",
    "SBQQ__BillingState__c",
    "SBQQ__BillingPostalCode__c",
    "SBQQ__BillingCountry__c",
    *(f"SBQQ__PrimaryContact__r.{f}" for f in ("Id", *_CONTACT)),
)
OPPORTUNITY_FIELDS = (
    "Id",
    "Name",
    "IsWon",
    "StageName",
    "CloseDate",
    "AccountId",
    "SBQQ__PrimaryQuote__c",
)
CONTACT_ROLE_FIELDS = ("ContactId", "Role", "IsPrimary", *(f"Contact.{f}" for f in _CONTACT))
QUOTE_LINE_FIELDS = (
    "Id",
    "SBQQ__Quote__c",
    "SBQQ__Number__c",
    "SBQQ__Product__c",
    "SBQQ__Product__r.Name",
    "SBQQ__Product__r.ProductCode",
    "SBQQ__Quantity__c",
    "SBQQ__NetPrice__c",
    "SBQQ__NetTotal__c",
    "SBQQ__ChargeType__c",
    "SBQQ__BillingType__c",
    "SBQQ__BillingFrequency__c",
    "SBQQ__SubscriptionTerm__c",
    "SBQQ__EffectiveSubscriptionTerm__c",
    "SBQQ__StartDate__c",
    "SBQQ__EffectiveStartDate__c",
    "SBQQ__Bundle__c",
    "SBQQ__Bundled__c",
    "SBQQ__RequiredBy__c",
)


#: The contract an amendment or a renewal opportunity changes (docs/mapping.md §9), and the
#: contract's own opportunity, so the second read call needs nothing from the first's records.
OPPORTUNITY_CONTRACT_FIELDS = (
    "SBQQ__AmendedContract__c",
    "SBQQ__AmendedContract__r.ContractNumber",
    "SBQQ__AmendedContract__r.SBQQ__Opportunity__c",
    "SBQQ__RenewedContract__c",
    "SBQQ__RenewedContract__r.ContractNumber",
    "SBQQ__RenewedContract__r.SBQQ__Opportunity__c",
)
#: What an amendment line says it changes (docs/reference/amendments-and-custom-fields.md §A.3).
QUOTE_LINE_AMENDMENT_FIELDS = (
    "SBQQ__PriorQuantity__c",
    "SBQQ__UpgradedSubscription__c",
    "SBQQ__UpgradedAsset__c",
    "SBQQ__Existing__c",
    "SBQQ__UnproratedNetPrice__c",
    "SBQQ__DefaultSubscriptionTerm__c",
    "SBQQ__EffectiveEndDate__c",
)
#: A CPQ subscription and the revision chain back to the quote line that generated it (§A.4).
SUBSCRIPTION_FIELDS = (
    "Id",
    "SBQQ__Contract__c",
    "SBQQ__QuoteLine__c",
    "SBQQ__RevisedSubscription__c",
    "SBQQ__Quantity__c",
)
#: The lines of a contract's earlier deals: enough to rebuild their packages (docs/mapping.md §3).
LINEAGE_LINE_FIELDS = (
    "Id",
    "SBQQ__Quote__c",
    "SBQQ__Quote__r.SBQQ__Opportunity2__c",
    "SBQQ__Number__c",
    "SBQQ__ChargeType__c",
    "SBQQ__RequiredBy__c",
)
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _with_currency(fields: tuple[str, ...], multi_currency: bool) -> tuple[str, ...]:
    return (*fields, "CurrencyIsoCode") if multi_currency else fields


def opportunity_query(
    opportunity_id: str,
    *,
    multi_currency: bool,
    extra: SoqlFields = SoqlFields(),
    account_id_field: str | None = None,
    contact_id_field: str | None = None,
) -> str:
    """Q1: the opportunity with its account, primary-quote header and contact roles, plus the
    fields the mapping rules read (``extra``, names checked when the config was parsed).

    ``account_id_field`` / ``contact_id_field`` (the write-back fields holding NetSuite ids) are
    read too, so an account or contact that is already a NetSuite record is adopted, in the same
    call.
    """
    for name in (account_id_field, contact_id_field):
        if name is not None and not _FIELD.match(name):
            raise ValueError(f"'{name[:80]}' is not a Salesforce field name")
    account = (*ACCOUNT_FIELDS, *([account_id_field] if account_id_field else []))
    contact_extra = [contact_id_field] if contact_id_field else []
    fields = merged(
        [
            *_with_currency(OPPORTUNITY_FIELDS, multi_currency),
            *OPPORTUNITY_CONTRACT_FIELDS,
            *(f"Account.{f}" for f in account),
            *(f"SBQQ__PrimaryQuote__r.{f}" for f in _with_currency(QUOTE_FIELDS, multi_currency)),
            *(f"SBQQ__PrimaryQuote__r.SBQQ__PrimaryContact__r.{f}" for f in contact_extra),
        ],
        extra.opportunity,
    )
    role_fields = merged(
        [*CONTACT_ROLE_FIELDS, *(f"Contact.{f}" for f in contact_extra)], extra.contact_roles
    )
    roles = (
        f"(SELECT {', '.join(role_fields)} FROM OpportunityContactRoles "  # noqa: S608
        "ORDER BY IsPrimary DESC)"
    )
    return format_soql(
        # Only this module's constant field names are formatted in; the id is bound by format_soql.
        f"SELECT {', '.join(fields)}, {roles} FROM Opportunity WHERE Id = {{}}",  # noqa: S608
        opportunity_id,
    )


def quote_lines_query(
    opportunity_id: str, *, multi_currency: bool, extra: SoqlFields = SoqlFields()
) -> str:
    """Q2: the lines of the opportunity's primary quote.

    Filtered by opportunity, not by quote id, so it does not depend on Q1's result and both run in
    one composite call (1 API call) without the unverified ``@{ref.records[0]...}`` syntax.
    """
    fields = merged(
        _with_currency((*QUOTE_LINE_FIELDS, *QUOTE_LINE_AMENDMENT_FIELDS), multi_currency),
        extra.lines,
    )
    return format_soql(
        f"SELECT {', '.join(fields)} FROM SBQQ__QuoteLine__c "  # noqa: S608 - constant field names
        "WHERE SBQQ__Quote__r.SBQQ__Opportunity2__c = {} AND SBQQ__Quote__r.SBQQ__Primary__c = true "
        "ORDER BY SBQQ__Number__c",
        opportunity_id,
    )


def contract_subscriptions_query(contract_id: str) -> str:
    """Q3 (amendments, second call): every CPQ subscription of the contract, revisions included."""
    return format_soql(
        f"SELECT {', '.join(SUBSCRIPTION_FIELDS)} FROM SBQQ__Subscription__c "  # noqa: S608
        "WHERE SBQQ__Contract__c = {} ORDER BY Id",
        contract_id,
    )


def contract_lines_query(contract_id: str, original_opportunity_id: str) -> str:
    """Q4 (second call): the primary-quote lines of the contract's original deal and of every
    amendment of it, whose packages the contract's subscriptions were created from."""
    return format_soql(
        f"SELECT {', '.join(LINEAGE_LINE_FIELDS)} FROM SBQQ__QuoteLine__c "  # noqa: S608
        "WHERE SBQQ__Quote__r.SBQQ__Primary__c = true AND "
        "(SBQQ__Quote__r.SBQQ__Opportunity2__c = {} OR "
        "SBQQ__Quote__r.SBQQ__Opportunity2__r.SBQQ__AmendedContract__c = {}) "
        "ORDER BY SBQQ__Number__c",
        original_opportunity_id,
        contract_id,
    )


def synced_amendments_query(opportunity_id: str, status_field: str) -> str:
    """Q5 (first call): a synced amendment of a contract made from this opportunity, if any.

    Its subscriptions then belong to the amendments: a replay of the original deal compares and
    changes nothing (docs/mapping.md §9.4). ``status_field`` is the write-back status field's name.
    """
    if not _FIELD.match(status_field):
        raise ValueError(f"'{status_field[:80]}' is not a Salesforce field name")
    return format_soql(
        "SELECT Id FROM Opportunity "  # noqa: S608 - the field name is checked above
        f"WHERE SBQQ__AmendedContract__r.SBQQ__Opportunity__c = {{}} AND {status_field} = 'Synced' "
        "LIMIT 1",
        opportunity_id,
    )


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def won_opportunities_query(
    since: str, until: str | None, *, status_field: str | None = None
) -> str:
    """Backfill: won opportunities closed in a date range (dates as YYYY-MM-DD).

    ``status_field`` (the mapping config's ``salesforce.writeback.opportunity_status``) is
    selected too, so the backfill can skip deals that are already synced. Dates are SOQL date
    literals (not bindable values) and the field is a name, so both are checked here.
    """
    for value in (since, until):
        if value is not None and not _DATE.match(value):
            raise ValueError(f"'{value[:40]}' is not a YYYY-MM-DD date")
    if status_field is not None and not _FIELD.match(status_field):
        raise ValueError(f"'{status_field[:80]}' is not a Salesforce field name")
    fields = ["Id", "Name", "CloseDate", "AccountId", *([status_field] if status_field else [])]
    soql = f"SELECT {', '.join(fields)} FROM Opportunity WHERE IsWon = true AND CloseDate >= {{:literal}}"  # noqa: S608 - names checked above
    args: list[str] = [since]
    if until:
        soql += " AND CloseDate <= {:literal}"
        args.append(until)
    return format_soql(soql + " ORDER BY CloseDate, Id", *args)


def sellable_products_query() -> str:
    """`closedwon check`: the product codes of active products that carry a CPQ charge type."""
    return (
        "SELECT Id, ProductCode FROM Product2 "
        "WHERE IsActive = true AND SBQQ__ChargeType__c != null ORDER BY ProductCode"
    )


def unlinked_accounts_query(netsuite_id_field: str) -> str:
    """`closedwon link customers`: the accounts without a NetSuite id, with their billing country."""
    if not _FIELD.match(netsuite_id_field):
        raise ValueError(f"'{netsuite_id_field[:80]}' is not a Salesforce field name")
    return (
        "SELECT Id, Name, BillingCountry, BillingCountryCode FROM Account "  # noqa: S608 - checked name
        f"WHERE {netsuite_id_field} = null ORDER BY Id"
    )


def contact_emails_query() -> str:
    """`closedwon link customers`: every contact's account and e-mail (for the domain rule)."""
    return "SELECT AccountId, Email FROM Contact WHERE Email != null ORDER BY AccountId"


def account_links_query(netsuite_id_field: str, account_ids: list[str]) -> str:
    """`closedwon link customers --apply`: the NetSuite id each account already carries."""
    if not _FIELD.match(netsuite_id_field):
        raise ValueError(f"'{netsuite_id_field[:80]}' is not a Salesforce field name")
    return format_soql(
        f"SELECT Id, {netsuite_id_field} FROM Account WHERE Id IN {{}}",  # noqa: S608 - checked name
        account_ids,
    )
