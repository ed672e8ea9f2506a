"""The Deal: what we read from Salesforce, validated (docs/mapping.md §1–§3).

:func:`build_deal` turns the raw Salesforce records (as the reader returns them) into one immutable
:class:`Deal`, or raises :class:`InvalidDeal` listing *every* problem at once as
``field path: problem``. Nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict

from closedwon.config import MappingConfig
from closedwon.countries import country_code
from closedwon.errors import InvalidDeal
from closedwon.events import is_salesforce_id, to_18
from closedwon.packages import Node, PackageProblem, build_packages

CHARGE_TYPES = ("One-Time", "Recurring", "Usage")
BILLING_TYPES = ("Advance", "Arrears")
MONTHS_PER_PERIOD = {"Monthly": 1, "Quarterly": 3, "Semiannual": 6, "Annual": 12}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Address(_Frozen):
    addressee: str
    lines: tuple[str, ...] = ()
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None  # ISO 3166 alpha-2


class Contact(_Frozen):
    id: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    title: str | None = None


class Account(_Frozen):
    id: str
    name: str
    phone: str | None = None
    website: str | None = None
    billing: Address | None = None
    shipping: Address | None = None


class Line(_Frozen):
    id: str
    number: int
    product_id: str
    product_name: str
    product_code: str
    item_id: str  # NetSuite item internal id
    quantity: Decimal
    net_price: Decimal
    net_total: Decimal | None = None
    charge_type: str
    billing_type: str | None = None
    billing_frequency: str | None = None
    term_months: int
    start_date: dt.date


class Package(_Frozen):
    """A CPQ bundle root with its billable members, or a standalone billable line (§3)."""

    root_line_id: str
    root_product_id: str
    root_product_name: str
    term_months: int
    start_date: dt.date
    members: tuple[Line, ...]


class Deal(_Frozen):
    opportunity_id: str
    opportunity_name: str
    account: Account
    email: str | None  # the customer's email (§4.1)
    contacts: tuple[Contact, ...]  # primary first, deduplicated
    quote_id: str
    currency: str
    payment_terms: str | None = None
    packages: tuple[Package, ...]

    @property
    def start_date(self) -> dt.date:
        """Earliest package start date (the billing account's start date, §4.3)."""
        return min(p.start_date for p in self.packages)

    def package(self, root_line_id: str) -> Package:
        for p in self.packages:
            if p.root_line_id == root_line_id:
                return p
        raise KeyError(root_line_id)


def skip_reason(source: dict[str, Any], config: MappingConfig) -> str | None:
    """Why this deal is not synced at all (status ``Skipped``), or None (§2)."""
    opp = source["opportunity"]
    if not opp.get("IsWon"):
        return f"the opportunity is not won (stage '{opp.get('StageName')}')"
    quote = opp.get("SBQQ__PrimaryQuote__r") or {}
    quote_type = quote.get("SBQQ__Type__c")
    if quote_type in config.salesforce.skipped_quote_types:
        article = "an" if str(quote_type)[:1].upper() in ("A", "E", "I", "O", "U") else "a"
        return f"the primary quote is {article} {quote_type} quote, which v1 does not sync"
    return None


def product_codes(source: dict[str, Any]) -> list[str]:
    """Distinct product codes of the billable lines, for the one SuiteQL item look-up."""
    codes = {
        (line.get("SBQQ__Product__r") or {}).get("ProductCode")
        for line in source["lines"]
        if line.get("SBQQ__ChargeType__c")
    }
    return sorted(c for c in codes if isinstance(c, str) and c)


def build_deal(source: dict[str, Any], items: dict[str, str], config: MappingConfig) -> Deal:
    """Validate the raw records and build the Deal, or raise InvalidDeal with every problem."""
    return _DealBuilder(source, items, config).build()


class _DealBuilder:
    def __init__(
        self, source: dict[str, Any], items: dict[str, str], config: MappingConfig
    ) -> None:
        self.opp: dict[str, Any] = source["opportunity"]
        self.raw_lines: list[dict[str, Any]] = source["lines"]
        self.items = items
        self.config = config
        self.problems: list[str] = []
        self.limits = config.netsuite.field_limits
        self.currency_code = config.salesforce.default_currency

    # -- helpers -------------------------------------------------------------------------------
    def problem(self, path: str, text: str) -> None:
        self.problems.append(f"{path}: {text}")

    def text(self, value: Any, path: str, limit_key: str | None = None) -> str | None:
        if value is None or value == "":
            return None
        text = str(value).strip()
        limit = self.limits.get(limit_key) if limit_key else None
        if limit is not None and len(text) > limit:
            self.problem(
                path, f"is {len(text)} characters; NetSuite allows at most {limit} ({limit_key})"
            )
        return text or None

    def sf_id(self, value: Any, path: str) -> str:
        if not is_salesforce_id(value):
            self.problem(path, f"'{str(value)[:40]}' is not a Salesforce id")
            return str(value)[:18]
        return to_18(value)

    # -- build ---------------------------------------------------------------------------------
    def build(self) -> Deal:
        opp = self.opp
        opp_id = self.sf_id(opp.get("Id"), "Opportunity.Id")
        quote = opp.get("SBQQ__PrimaryQuote__r")
        if not opp.get("SBQQ__PrimaryQuote__c") or not quote:
            self.problem(
                "Opportunity.SBQQ__PrimaryQuote__c", "the opportunity has no primary quote"
            )
            raise InvalidDeal(self.problems, record=f"Opportunity {opp_id}")
        quote_id = self.sf_id(quote.get("Id"), "SBQQ__Quote__c.Id")
        account = self.account(opp, quote)
        currency = self.currency(opp, quote)
        self.currency_code = currency
        contacts = self.contacts(opp, quote)
        email = next((c.email for c in contacts if c.email), None)
        lines = self.lines(opp, quote, quote_id)
        packages = self.packages(lines)
        terms = self.text(
            quote.get("SBQQ__PaymentTerms__c"), "SBQQ__Quote__c.SBQQ__PaymentTerms__c"
        )
        name = self.text(opp.get("Name"), "Opportunity.Name") or opp_id
        if self.problems or account is None:
            raise InvalidDeal(self.problems, record=f"Opportunity {opp_id}")
        return Deal(
            opportunity_id=opp_id,
            opportunity_name=name,
            account=account,
            email=email,
            contacts=tuple(contacts),
            quote_id=quote_id,
            currency=currency,
            payment_terms=terms,
            packages=tuple(packages),
        )

    def account(self, opp: dict[str, Any], quote: dict[str, Any]) -> Account | None:
        raw = opp.get("Account")
        if not opp.get("AccountId") or not raw:
            self.problem("Opportunity.AccountId", "the opportunity has no account")
            return None
        account_id = self.sf_id(raw.get("Id") or opp.get("AccountId"), "Account.Id")
        name = self.text(raw.get("Name"), "Account.Name", "companyName")
        if not name:
            self.problem("Account.Name", "is empty")
            name = ""
        billing = self.quote_bill_to(quote, name) or self.account_address(raw, "Billing", name)
        shipping = self.account_address(raw, "Shipping", name)
        return Account(
            id=account_id,
            name=name,
            phone=self.text(raw.get("Phone"), "Account.Phone", "phone"),
            website=self.text(raw.get("Website"), "Account.Website"),
            billing=billing,
            shipping=shipping,
        )

    def quote_bill_to(self, quote: dict[str, Any], account_name: str) -> Address | None:
        keys = ("Street", "City", "State", "PostalCode", "Country")
        raw = {k: quote.get(f"SBQQ__Billing{k}__c") for k in keys}
        if not any(raw.values()):
            return None
        addressee = self.text(
            quote.get("SBQQ__BillingName__c"), "SBQQ__Quote__c.SBQQ__BillingName__c"
        )
        return self.address(raw, "SBQQ__Quote__c.SBQQ__Billing{}__c", addressee or account_name)

    def account_address(
        self, raw_account: dict[str, Any], prefix: str, account_name: str
    ) -> Address | None:
        keys = ("Street", "City", "State", "PostalCode", "Country", "CountryCode")
        raw = {k: raw_account.get(f"{prefix}{k}") for k in keys}
        if not any(raw.values()):
            return None
        return self.address(raw, f"Account.{prefix}{{}}", account_name)

    def address(self, raw: dict[str, Any], path: str, addressee: str) -> Address:
        country = None
        given = raw.get("CountryCode") or raw.get("Country")
        if given:
            country = country_code(str(given))
            if country is None:
                field = "CountryCode" if raw.get("CountryCode") else "Country"
                self.problem(path.format(field), f"'{str(given)[:60]}' is not an ISO 3166 country")
        street = str(raw.get("Street") or "")
        lines = tuple(part.strip() for part in street.replace("\r", "").split("\n") if part.strip())
        if len(lines) > 3:
            lines = (*lines[:2], ", ".join(lines[2:]))
        return Address(
            addressee=addressee,
            lines=lines,
            city=self.text(raw.get("City"), path.format("City")),
            state=self.text(raw.get("State"), path.format("State")),
            zip=self.text(raw.get("PostalCode"), path.format("PostalCode")),
            country=country,
        )

    def currency(self, opp: dict[str, Any], quote: dict[str, Any]) -> str:
        sf = self.config.salesforce
        if sf.multi_currency:
            currency = quote.get("CurrencyIsoCode") or opp.get("CurrencyIsoCode")
        else:
            currency = sf.default_currency
        if not currency or currency not in self.config.netsuite.currencies:
            known = ", ".join(sorted(self.config.netsuite.currencies)) or "none"
            self.problem(
                "SBQQ__Quote__c.CurrencyIsoCode",
                f"currency '{currency}' has no NetSuite currency in the mapping config (known: {known})",
            )
        return str(currency or "")

    def contacts(self, opp: dict[str, Any], quote: dict[str, Any]) -> list[Contact]:
        found: dict[str, Contact] = {}
        primary = quote.get("SBQQ__PrimaryContact__r")
        if quote.get("SBQQ__PrimaryContact__c") and primary:
            self.add_contact(
                found,
                quote["SBQQ__PrimaryContact__c"],
                primary,
                "SBQQ__Quote__c.SBQQ__PrimaryContact__r",
            )
        roles = (opp.get("OpportunityContactRoles") or {}).get("records") or []
        for role in roles:
            if role.get("ContactId") and role.get("Contact"):
                self.add_contact(
                    found,
                    role["ContactId"],
                    role["Contact"],
                    f"OpportunityContactRole[{role['ContactId']}].Contact",
                )
        return list(found.values())

    def add_contact(
        self, found: dict[str, Contact], raw_id: Any, raw: dict[str, Any], path: str
    ) -> None:
        contact_id = self.sf_id(raw_id, f"{path}.Id")
        if contact_id in found:
            return
        first = self.text(raw.get("FirstName"), f"{path}.FirstName", "firstName")
        last = self.text(raw.get("LastName"), f"{path}.LastName", "lastName")
        if not first and not last:
            self.problem(f"{path}.LastName", "the contact has no name")
        found[contact_id] = Contact(
            id=contact_id,
            first_name=first,
            last_name=last,
            email=self.text(raw.get("Email"), f"{path}.Email", "email"),
            phone=self.text(raw.get("Phone"), f"{path}.Phone", "phone"),
            title=self.text(raw.get("Title"), f"{path}.Title"),
        )

    def lines(
        self, opp: dict[str, Any], quote: dict[str, Any], quote_id: str
    ) -> list[tuple[dict[str, Any], Line | None]]:
        """Every quote line with its parsed Line (None for non-billable lines)."""
        result: list[tuple[dict[str, Any], Line | None]] = []
        for raw in self.raw_lines:
            if raw.get("SBQQ__Quote__c") and to_18(str(raw["SBQQ__Quote__c"])) != quote_id:
                continue  # a line of another quote (should not happen with Q2's filter)
            result.append(
                (raw, self.line(raw, opp, quote) if raw.get("SBQQ__ChargeType__c") else None)
            )
        # Billable = has a Charge Type (§2); a billable line that failed validation is reported
        # on its own fields, not as "no billable line".
        if not any(raw.get("SBQQ__ChargeType__c") for raw, _ in result):
            self.problem(
                "SBQQ__Quote__c.SBQQ__LineItems__r",
                "the primary quote has no billable line (no line has a Charge Type)",
            )
        return result

    def line(self, raw: dict[str, Any], opp: dict[str, Any], quote: dict[str, Any]) -> Line | None:
        line_id = self.sf_id(raw.get("Id"), "SBQQ__QuoteLine__c.Id")
        path = f"SBQQ__QuoteLine__c[{line_id}]"
        product = raw.get("SBQQ__Product__r") or {}
        product_id = self.sf_id(raw.get("SBQQ__Product__c"), f"{path}.SBQQ__Product__c")
        code = product.get("ProductCode")
        item_id = None
        if not code:
            self.problem(f"{path}.SBQQ__Product__r.ProductCode", "the product has no Product Code")
        else:
            item_id = self.items.get(code)
            if item_id is None:
                self.problem(
                    f"{path}.SBQQ__Product__r.ProductCode",
                    f"no NetSuite item has Item Name/Number '{code}'",
                )
        charge = raw.get("SBQQ__ChargeType__c")
        if charge not in CHARGE_TYPES:
            self.problem(
                f"{path}.SBQQ__ChargeType__c",
                f"unknown charge type '{charge}' (expected {', '.join(CHARGE_TYPES)})",
            )
        billing_type = raw.get("SBQQ__BillingType__c")
        if billing_type not in (None, "", *BILLING_TYPES):
            self.problem(
                f"{path}.SBQQ__BillingType__c",
                f"unknown billing type '{billing_type}' (expected Advance or Arrears)",
            )
        frequency = raw.get("SBQQ__BillingFrequency__c") or None
        if frequency is not None and frequency not in MONTHS_PER_PERIOD:
            self.problem(
                f"{path}.SBQQ__BillingFrequency__c",
                f"unknown billing frequency '{frequency}' (expected {', '.join(MONTHS_PER_PERIOD)})",
            )
        if charge == "Recurring" and frequency is None:
            self.problem(
                f"{path}.SBQQ__BillingFrequency__c", "a Recurring line needs a billing frequency"
            )
        quantity = self.decimal(raw.get("SBQQ__Quantity__c"), f"{path}.SBQQ__Quantity__c")
        if quantity is not None and quantity <= 0:
            self.problem(f"{path}.SBQQ__Quantity__c", f"must be greater than 0 (is {quantity})")
        price = self.decimal(raw.get("SBQQ__NetPrice__c"), f"{path}.SBQQ__NetPrice__c")
        total = self.decimal(
            raw.get("SBQQ__NetTotal__c"), f"{path}.SBQQ__NetTotal__c", required=False
        )
        term = self.term(raw, quote, path)
        start = self.start_date(raw, quote, opp, path)
        name = self.text(product.get("Name"), f"{path}.SBQQ__Product__r.Name") or str(code or "")
        if price is not None and term is not None and charge in CHARGE_TYPES and price != 0:
            self.check_price_survives_rounding(
                price, charge, frequency, term, f"{path}.SBQQ__NetPrice__c"
            )
        if None in (quantity, price, term, start, item_id) or charge not in CHARGE_TYPES:
            return None
        assert quantity is not None and price is not None and term is not None and start is not None
        return Line(
            id=line_id,
            number=int(self.decimal(raw.get("SBQQ__Number__c"), f"{path}.SBQQ__Number__c") or 0),
            product_id=product_id,
            product_name=name,
            product_code=str(code),
            item_id=str(item_id),
            quantity=quantity,
            net_price=price,
            net_total=total,
            charge_type=str(charge),
            billing_type=billing_type or None,
            billing_frequency=frequency,
            term_months=term,
            start_date=start,
        )

    def check_price_survives_rounding(
        self, price: Decimal, charge: str, frequency: str | None, term: int, path: str
    ) -> None:
        """A non-zero price must not round to 0 per period (it would bill nothing, silently)."""
        per_period = (
            price * MONTHS_PER_PERIOD[frequency] / term
            if charge == "Recurring" and frequency in MONTHS_PER_PERIOD
            else price
        )
        decimals = self.config.netsuite.decimals(self.currency_code)
        if abs(per_period) < Decimal(1).scaleb(-decimals) / 2:
            self.problem(
                path,
                f"{price} per unit rounds to 0 at {decimals} decimals; quote a rate per larger unit (e.g. per 1,000)",
            )

    def decimal(self, value: Any, path: str, *, required: bool = True) -> Decimal | None:
        if value is None or value == "":
            if required:
                self.problem(path, "is empty")
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.problem(path, f"'{str(value)[:40]}' is not a number")
            return None
        if not number.is_finite():
            self.problem(path, f"'{value}' is not a finite number")
            return None
        return number

    def term(self, raw: dict[str, Any], quote: dict[str, Any], path: str) -> int | None:
        for field, source in (
            ("SBQQ__EffectiveSubscriptionTerm__c", raw),
            ("SBQQ__SubscriptionTerm__c", raw),
            ("SBQQ__SubscriptionTerm__c", quote),
        ):
            value = source.get(field)
            if value not in (None, ""):
                where = path if source is raw else "SBQQ__Quote__c"
                number = self.decimal(value, f"{where}.{field}")
                if number is None:
                    return None
                if number <= 0 or number != number.to_integral_value():
                    self.problem(
                        f"{where}.{field}",
                        f"the subscription term must be a positive whole number of months (is {value})",
                    )
                    return None
                return int(number)
        return self.config.netsuite.default_term_months

    def start_date(
        self, raw: dict[str, Any], quote: dict[str, Any], opp: dict[str, Any], path: str
    ) -> dt.date | None:
        for field, source, where in (
            ("SBQQ__EffectiveStartDate__c", raw, path),
            ("SBQQ__StartDate__c", raw, path),
            ("SBQQ__StartDate__c", quote, "SBQQ__Quote__c"),
            ("CloseDate", opp, "Opportunity"),
        ):
            value = source.get(field)
            if value:
                try:
                    return dt.date.fromisoformat(str(value)[:10])
                except ValueError:
                    self.problem(f"{where}.{field}", f"'{str(value)[:30]}' is not a date")
                    return None
        self.problem(
            "Opportunity.CloseDate", "no start date on the line, the quote or the opportunity"
        )
        return None

    @staticmethod
    def line_key(value: Any) -> str:
        return to_18(value) if is_salesforce_id(value) else str(value)

    def packages(self, lines: list[tuple[dict[str, Any], Line | None]]) -> list[Package]:
        try:
            trees = build_packages(
                [
                    Node(
                        id=self.line_key(raw.get("Id")),
                        required_by=self.line_key(raw.get("SBQQ__RequiredBy__c"))
                        if raw.get("SBQQ__RequiredBy__c")
                        else None,
                        number=float(raw.get("SBQQ__Number__c") or 0),
                        billable=line,
                    )
                    for raw, line in lines
                ]
            )
        except PackageProblem as exc:
            for path, text in exc.problems:
                self.problem(path, text)
            return []
        limit = self.config.netsuite.max_packages_per_deal
        if len(trees) > limit:
            self.problem(
                "SBQQ__Quote__c.SBQQ__LineItems__r",
                f"the quote has {len(trees)} packages; one sync carries at most {limit} "
                "(Step Functions' 256 KB state limit): split the quote or raise netsuite.max_packages_per_deal",
            )
            return []
        packages = []
        by_id = {self.line_key(raw.get("Id")): raw for raw, _ in lines}
        for root_id, members in trees:
            root_raw = by_id[root_id]
            root_line = next((line for raw, line in lines if raw is root_raw), None)
            product = root_raw.get("SBQQ__Product__r") or {}
            root_name = self.text(
                product.get("Name"), f"SBQQ__QuoteLine__c[{root_id}].SBQQ__Product__r.Name"
            ) or str(product.get("ProductCode") or root_id)
            # The plan name is "<root product Name> <v8>": 9 characters go to the hash suffix.
            itemid_limit = self.limits.get("itemId")
            if itemid_limit is not None and len(root_name) + 9 > itemid_limit:
                self.problem(
                    f"SBQQ__QuoteLine__c[{root_id}].SBQQ__Product__r.Name",
                    f"is {len(root_name)} characters; the subscription plan name allows at most {itemid_limit - 9} (itemId)",
                )
            term = (
                root_line.term_months
                if root_line
                else self.term(
                    root_raw,
                    self.opp.get("SBQQ__PrimaryQuote__r") or {},
                    f"SBQQ__QuoteLine__c[{root_id}]",
                )
            )
            start = (
                root_line.start_date
                if root_line
                else self.start_date(
                    root_raw,
                    self.opp.get("SBQQ__PrimaryQuote__r") or {},
                    self.opp,
                    f"SBQQ__QuoteLine__c[{root_id}]",
                )
            )
            if term is None or start is None:
                continue
            packages.append(
                Package(
                    root_line_id=root_id,
                    root_product_id=to_18(root_raw["SBQQ__Product__c"])
                    if is_salesforce_id(root_raw.get("SBQQ__Product__c"))
                    else str(root_raw.get("SBQQ__Product__c")),
                    root_product_name=root_name,
                    term_months=term,
                    start_date=start,
                    members=tuple(members),
                )
            )
        return packages
