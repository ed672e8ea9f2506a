"""The account, its addresses and the contacts of a deal, each field checked (validator part)."""

from __future__ import annotations

from typing import Any

from closedwon.config import FieldLimits
from closedwon.deal import fields
from closedwon.deal.model import Account, Address, Contact
from closedwon.deal.problems import OPPORTUNITY, QUOTE, Field, Problems, quoted

_ADDRESS_PARTS = ("Street", "City", "State", "PostalCode", "Country", "CountryCode")


def read_account(
    opp: dict[str, Any],
    quote: dict[str, Any],
    limits: FieldLimits,
    problems: Problems,
    *,
    id_field: str | None = None,
) -> Account | None:
    """The opportunity's account; its billing address is the quote's bill-to when it has one.

    ``id_field`` is the Account field holding the NetSuite customer id (its write-back field).
    """
    raw = opp.get("Account")
    if not opp.get("AccountId") or not isinstance(raw, dict):
        problems.add(OPPORTUNITY.at("AccountId").problem("the opportunity has no account"))
        return None
    at = Field("Account")
    account_id = problems.take(
        fields.salesforce_id(raw.get("Id") or opp.get("AccountId"), at.at("Id"))
    )
    name = problems.take(
        fields.text(
            raw.get("Name"),
            at.at("Name", "name"),
            limit=limits.companyName,
            limit_name="companyName",
            required=True,
        )
    )
    phone = problems.take(
        fields.text(
            raw.get("Phone"), at.at("Phone", "phone"), limit=limits.phone, limit_name="phone"
        )
    )
    website = problems.take(fields.text(raw.get("Website"), at.at("Website")))
    billing = _quote_bill_to(quote, name or "", problems) or _address(
        {k: raw.get(f"Billing{k}") for k in _ADDRESS_PARTS},
        "Account.Billing{}",
        name or "",
        problems,
    )
    shipping = _address(
        {k: raw.get(f"Shipping{k}") for k in _ADDRESS_PARTS},
        "Account.Shipping{}",
        name or "",
        problems,
    )
    netsuite_id = (
        problems.take(fields.netsuite_id(raw.get(id_field), at.at(id_field))) if id_field else None
    )
    if account_id is None or name is None:
        return None
    return Account(
        id=account_id,
        name=name,
        phone=phone,
        website=website,
        billing=billing,
        shipping=shipping,
        netsuite_id=netsuite_id,
    )


def _quote_bill_to(quote: dict[str, Any], account_name: str, problems: Problems) -> Address | None:
    parts = {k: quote.get(f"SBQQ__Billing{k}__c") for k in _ADDRESS_PARTS if k != "CountryCode"}
    if not any(parts.values()):
        return None
    addressee = problems.take(
        fields.text(quote.get("SBQQ__BillingName__c"), QUOTE.at("SBQQ__BillingName__c", "name"))
    )
    return _address(parts, "SBQQ__Quote__c.SBQQ__Billing{}__c", addressee or account_name, problems)


def _address(
    parts: dict[str, Any], path: str, addressee: str, problems: Problems
) -> Address | None:
    """An address from its parts (``path`` has a ``{}`` for the part name); None when all empty."""
    if not any(parts.values()):
        return None
    part = "CountryCode" if parts.get("CountryCode") else "Country"
    country = problems.take(fields.country(parts.get(part), Field(path.format(part), "address")))
    street = str(parts.get("Street") or "")
    lines = tuple(line.strip() for line in street.replace("\r", "").split("\n") if line.strip())
    if len(lines) > 3:
        lines = (*lines[:2], ", ".join(lines[2:]))

    def text(name: str) -> str | None:
        return problems.take(fields.text(parts.get(name), Field(path.format(name), "address")))

    return Address(
        addressee=addressee,
        lines=lines,
        city=text("City"),
        state=text("State"),
        zip=text("PostalCode"),
        country=country,
    )


# -- contacts -------------------------------------------------------------------------------------


def read_contacts(
    opp: dict[str, Any],
    quote: dict[str, Any],
    limits: FieldLimits,
    problems: Problems,
    *,
    id_field: str | None = None,
) -> list[Contact]:
    """The quote's primary contact first, then the opportunity's contact roles, each once.

    ``id_field`` is the Contact field holding the NetSuite contact id (its write-back field).
    """
    candidates: list[tuple[Any, Any, Field]] = []
    primary = quote.get("SBQQ__PrimaryContact__r")
    if quote.get("SBQQ__PrimaryContact__c") and isinstance(primary, dict):
        candidates.append(
            (quote["SBQQ__PrimaryContact__c"], primary, QUOTE.at("SBQQ__PrimaryContact__r"))
        )
    roles = opp.get("OpportunityContactRoles")
    records = roles.get("records") if isinstance(roles, dict) else None
    for role in records if isinstance(records, list) else []:
        if (
            isinstance(role, dict)
            and role.get("ContactId")
            and isinstance(role.get("Contact"), dict)
        ):
            where = Field(f"OpportunityContactRole[{quoted(role['ContactId'], 18)[1:-1]}].Contact")
            candidates.append((role["ContactId"], role["Contact"], where))
    found: dict[str, Contact | None] = {}  # None: seen, and its problems already recorded
    for raw_id, raw, where in candidates:
        contact_id = problems.take(fields.salesforce_id(raw_id, where.at("Id")))
        if contact_id is None or contact_id in found:
            continue
        found[contact_id] = _contact(contact_id, raw, where, limits, problems, id_field)
    return [c for c in found.values() if c is not None]


def _contact(
    contact_id: str,
    raw: dict[str, Any],
    where: Field,
    limits: FieldLimits,
    problems: Problems,
    id_field: str | None,
) -> Contact | None:
    found = Problems()  # this contact's problems: it is valid when there are none
    if all(fields.is_absent(raw.get(name)) for name in ("FirstName", "LastName")):
        found.add(where.at("LastName").problem("the contact has no name"))
    contact = Contact(
        id=contact_id,
        first_name=found.take(
            fields.text(
                raw.get("FirstName"),
                where.at("FirstName", "name"),
                limit=limits.firstName,
                limit_name="firstName",
            )
        ),
        last_name=found.take(
            fields.text(
                raw.get("LastName"),
                where.at("LastName", "name"),
                limit=limits.lastName,
                limit_name="lastName",
            )
        ),
        email=found.take(
            fields.text(
                raw.get("Email"),
                where.at("Email", "e-mail"),
                limit=limits.email,
                limit_name="email",
            )
        ),
        phone=found.take(
            fields.text(
                raw.get("Phone"), where.at("Phone", "phone"), limit=limits.phone, limit_name="phone"
            )
        ),
        title=found.take(fields.text(raw.get("Title"), where.at("Title"))),
        netsuite_id=found.take(fields.netsuite_id(raw.get(id_field), where.at(id_field)))
        if id_field
        else None,
    )
    problems.extend(found)
    return None if found else contact
