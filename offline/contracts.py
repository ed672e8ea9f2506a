"""A corpus deal's life in CPQ: its contract, CPQ subscriptions, amendments and renewals.

Builds on :class:`offline.corpus.OrgBuilder` with the records CPQ creates (field names and
meanings: docs/reference/amendments-and-custom-fields.md §A):

* contracting a won deal gives a ``Contract`` (term of its quote) and one ``SBQQ__Subscription__c``
  per subscription product line (recurring and usage; one-time lines become assets, not modelled),
  each pointing at its quote line, bundle children at their parent's subscription;
* an amendment opportunity (``SBQQ__AmendedContract__c``) has an ``Amendment`` quote with a line
  for every subscription of the contract (``SBQQ__Existing__c``, ``SBQQ__UpgradedSubscription__c``,
  ``SBQQ__PriorQuantity__c``, ``SBQQ__Quantity__c`` the new total, 0 cancels) plus new products;
  prices are CPQ's prorated ones (``SBQQ__UnproratedNetPrice__c`` the full-term price); it starts on
  the amendment date and ends with the contract;
* contracting the amendment adds a delta subscription per changed line (quantity new − prior,
  ``SBQQ__RevisedSubscription__c`` the one it revises; CPQ leaves the original unchanged, §A.5)
  and a subscription per new product;
* a renewal opportunity (``SBQQ__RenewedContract__c``, ``SBQQ__Renewal__c``) has a ``Renewal``
  quote for the next term: a full quote of every subscription still held, at its full-term price,
  lines pointing at ``SBQQ__RenewedSubscription__c``.

A subscription chain (an original and its revisions) is shown on amendment and renewal quotes as
one line with the summed quantity, pointing at the original (the corpus's choice where §A.5 leaves
the second amendment's target open).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from offline.corpus import CATALOG, OrgBuilder, sample_builder

CONTRACT_PREFIX = "800"
SUBSCRIPTION_PREFIX = "a1s"
SUBSCRIPTION_CHARGES = ("Recurring", "Usage")

# Lifecycle fields every amendment and renewal quote line lists (nulls explicit, corpus.py).
LIFECYCLE_LINE_FIELDS = (
    "SBQQ__PriorQuantity__c",
    "SBQQ__UpgradedSubscription__c",
    "SBQQ__RenewedSubscription__c",
    "SBQQ__Existing__c",
    "SBQQ__UnproratedNetPrice__c",
    "SBQQ__DefaultSubscriptionTerm__c",
    "SBQQ__EffectiveEndDate__c",
)


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (clamped to the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _prorated(full_term_price: float, charge_type: str | None, months: int, term: int) -> float:
    """CPQ's prorated unit price of a recurring line for the months left; others are unprorated."""
    if charge_type != "Recurring":
        return full_term_price
    return round(full_term_price * months / term, 2)


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to the day after ``end`` (a co-termed amendment's term)."""
    after = end + dt.timedelta(days=1)
    return (after.year - start.year) * 12 + after.month - start.month


@dataclass
class NewProduct:
    """A product added by an amendment, as a standalone line (a new package)."""

    code: str
    quantity: float = 1
    full_term_price: float = 1000.0
    charge_type: str = "Recurring"
    frequency: str = "Annual"
    billing_type: str = "Advance"
    bundle: bool = False


@dataclass
class Amendment:
    """What an amendment changes: new totals by product code (0 cancels) and new products."""

    start_date: str
    quantities: dict[str, float] = field(default_factory=dict)
    new_products: list[NewProduct] = field(default_factory=list)
    close_date: str | None = None
    name: str | None = None


class ContractBuilder:
    """Adds contracts, CPQ subscriptions, amendments and renewals to an :class:`OrgBuilder`."""

    def __init__(self, org: OrgBuilder) -> None:
        self.org = org
        self.records = org.records

    # --- lookups ------------------------------------------------------------------------------

    def _one(self, sobject: str, record_id: str) -> dict[str, Any]:
        return next(r for r in self.records.get(sobject, []) if r["Id"] == record_id)

    def _lines_of(self, quote_id: str) -> list[dict[str, Any]]:
        return [r for r in self.records["SBQQ__QuoteLine__c"] if r["SBQQ__Quote__c"] == quote_id]

    def _code(self, product_id: str) -> str:
        return str(self._one("Product2", product_id)["ProductCode"])

    def subscriptions(self, contract_id: str) -> list[dict[str, Any]]:
        """Every CPQ subscription of the contract, originals and revisions."""
        return [
            s
            for s in self.records.get("SBQQ__Subscription__c", [])
            if s["SBQQ__Contract__c"] == contract_id
        ]

    def held(self, contract_id: str) -> list[tuple[dict[str, Any], float]]:
        """Each original subscription with the quantity its chain sums to."""
        subs = self.subscriptions(contract_id)
        originals = [s for s in subs if s["SBQQ__RevisedSubscription__c"] is None]
        return [
            (
                original,
                sum(
                    s["SBQQ__Quantity__c"]
                    for s in subs
                    if s["Id"] == original["Id"]
                    or s["SBQQ__RevisedSubscription__c"] == original["Id"]
                ),
            )
            for original in originals
        ]

    # --- contracting --------------------------------------------------------------------------

    def contract(self, opportunity_id: str, *, number: str | None = None) -> str:
        """Contract a won deal: a Contract and a CPQ subscription per subscription line."""
        opportunity = self._one("Opportunity", opportunity_id)
        quote = self._one("SBQQ__Quote__c", opportunity["SBQQ__PrimaryQuote__c"])
        start = _day(quote["SBQQ__StartDate__c"])
        term = int(quote["SBQQ__SubscriptionTerm__c"] or 12)
        end = add_months(start, term) - dt.timedelta(days=1)
        contract_id = self.org.ids.new(CONTRACT_PREFIX)
        contracts = self.records.setdefault("Contract", [])
        contracts.append(
            {
                "Id": contract_id,
                "AccountId": opportunity["AccountId"],
                "ContractNumber": number or f"{len(contracts) + 101:08d}",
                "Status": "Activated",
                "StartDate": start.isoformat(),
                "EndDate": end.isoformat(),
                "ContractTerm": term,
                "SBQQ__Opportunity__c": opportunity_id,
                "SBQQ__Quote__c": quote["Id"],
                "SBQQ__RenewalOpportunity__c": None,
                "SBQQ__RenewalForecast__c": False,
                "SBQQ__RenewalQuoted__c": False,
                "SBQQ__RenewalTerm__c": term,
                "SBQQ__AmendmentStartDate__c": None,
                "SBQQ__Evergreen__c": False,
            }
        )
        self._subscribe(contract_id, quote, self._lines_of(quote["Id"]), {})
        return contract_id

    def _subscribe(
        self,
        contract_id: str,
        quote: dict[str, Any],
        lines: list[dict[str, Any]],
        revised: dict[str, dict[str, Any]],
    ) -> None:
        """One subscription per subscription line; ``revised`` maps an amendment line id to the
        subscription it revises (its delta subscription gets quantity new − prior)."""
        contract = self._one("Contract", contract_id)
        by_line: dict[str, str] = {}
        for line in lines:
            if line["SBQQ__ChargeType__c"] not in SUBSCRIPTION_CHARGES:
                continue
            original = revised.get(line["Id"])
            prior = line.get("SBQQ__PriorQuantity__c") or 0
            quantity = line["SBQQ__Quantity__c"] - prior if original else line["SBQQ__Quantity__c"]
            if original is not None and quantity == 0:
                continue
            sid = self.org.ids.new(SUBSCRIPTION_PREFIX)
            by_line[line["Id"]] = sid
            parent = line["SBQQ__RequiredBy__c"]
            parent_sub = (
                (revised[parent]["Id"] if parent in revised else by_line.get(parent))
                if parent
                else None
            )
            start = line["SBQQ__EffectiveStartDate__c"] or quote["SBQQ__StartDate__c"]
            self.records.setdefault("SBQQ__Subscription__c", []).append(
                {
                    "Id": sid,
                    "SBQQ__Contract__c": contract_id,
                    "SBQQ__Account__c": contract["AccountId"],
                    "SBQQ__Product__c": line["SBQQ__Product__c"],
                    "SBQQ__Quantity__c": quantity,
                    "SBQQ__QuoteLine__c": line["Id"],
                    "SBQQ__OriginalQuoteLine__c": original["SBQQ__OriginalQuoteLine__c"]
                    if original
                    else line["Id"],
                    "SBQQ__RevisedSubscription__c": original["Id"] if original else None,
                    "SBQQ__RequiredById__c": parent_sub,
                    "SBQQ__RootId__c": None,
                    "SBQQ__Bundle__c": line["SBQQ__Bundle__c"],
                    "SBQQ__Bundled__c": line["SBQQ__Bundled__c"],
                    "SBQQ__SubscriptionStartDate__c": start,
                    "SBQQ__SubscriptionEndDate__c": contract["EndDate"],
                    "SBQQ__StartDate__c": start,
                    "SBQQ__EndDate__c": contract["EndDate"],
                    "SBQQ__TerminatedDate__c": None,
                    "SBQQ__NetPrice__c": line["SBQQ__NetPrice__c"],
                    "SBQQ__ChargeType__c": line["SBQQ__ChargeType__c"],
                    "SBQQ__BillingType__c": line["SBQQ__BillingType__c"],
                    "SBQQ__BillingFrequency__c": line["SBQQ__BillingFrequency__c"],
                    "SBQQ__RenewalQuantity__c": quantity,
                }
            )
        subs = self.records.get("SBQQ__Subscription__c", [])
        for sub in subs:
            if sub["SBQQ__Contract__c"] == contract_id and sub["SBQQ__RootId__c"] is None:
                sub["SBQQ__RootId__c"] = self._root(sub, subs)

    def _root(self, sub: dict[str, Any], subs: list[dict[str, Any]]) -> str:
        by_id = {s["Id"]: s for s in subs}
        while sub["SBQQ__RequiredById__c"]:
            sub = by_id[sub["SBQQ__RequiredById__c"]]
        return str(sub["Id"])

    # --- amendment ----------------------------------------------------------------------------

    def amend(self, contract_id: str, change: Amendment, *, contracted: bool = True) -> str:
        """An amendment opportunity and quote of the contract; ``contracted`` adds the
        subscriptions CPQ creates when the amendment is contracted."""
        contract = self._one("Contract", contract_id)
        start, end = _day(change.start_date), _day(contract["EndDate"])
        remaining = months_between(start, end)
        original_lines = {line["Id"]: line for line in self.records["SBQQ__QuoteLine__c"]}
        held = self.held(contract_id)
        index = {original["Id"]: n for n, (original, _) in enumerate(held)}
        specs: list[dict[str, Any]] = []
        for original, prior in held:
            source = original_lines[original["SBQQ__OriginalQuoteLine__c"]]
            code = self._code(original["SBQQ__Product__c"])
            full = source.get("SBQQ__UnproratedNetPrice__c") or source["SBQQ__NetPrice__c"]
            quantity = change.quantities.get(code, prior)
            term = int(source.get("SBQQ__DefaultSubscriptionTerm__c") or contract["ContractTerm"])
            parent = original["SBQQ__RequiredById__c"]
            specs.append(
                {
                    "code": code,
                    "line": source,
                    "quantity": quantity,
                    "net_price": _prorated(full, source["SBQQ__ChargeType__c"], remaining, term),
                    "parent": index.get(parent) if parent else None,
                    "extra": {
                        "SBQQ__PriorQuantity__c": prior,
                        "SBQQ__UpgradedSubscription__c": original["Id"],
                        "SBQQ__RenewedSubscription__c": None,
                        "SBQQ__Existing__c": True,
                        "SBQQ__UnproratedNetPrice__c": full,
                        "SBQQ__DefaultSubscriptionTerm__c": term,
                        "SBQQ__EffectiveEndDate__c": end.isoformat(),
                    },
                    "effective_quantity": quantity - prior,
                }
            )
        for product in change.new_products:
            specs.append(
                {
                    "code": product.code,
                    "line": {
                        "SBQQ__ChargeType__c": product.charge_type,
                        "SBQQ__BillingType__c": product.billing_type,
                        "SBQQ__BillingFrequency__c": product.frequency,
                        "SBQQ__Bundle__c": product.bundle,
                        "SBQQ__Bundled__c": False,
                    },
                    "quantity": product.quantity,
                    "net_price": round(product.full_term_price * remaining / 12, 2),
                    "parent": None,
                    "extra": {
                        "SBQQ__PriorQuantity__c": None,
                        "SBQQ__UpgradedSubscription__c": None,
                        "SBQQ__RenewedSubscription__c": None,
                        "SBQQ__Existing__c": False,
                        "SBQQ__UnproratedNetPrice__c": product.full_term_price,
                        "SBQQ__DefaultSubscriptionTerm__c": 12,
                        "SBQQ__EffectiveEndDate__c": end.isoformat(),
                    },
                    "effective_quantity": product.quantity,
                }
            )
        opportunity_id = self._deal(
            contract,
            name=change.name or f"Amendment {change.start_date}",
            close_date=change.close_date or change.start_date,
            start=start,
            term=remaining,
            end=end,
            quote_type="Amendment",
            opportunity_fields={
                "SBQQ__AmendedContract__c": contract_id,
                "SBQQ__RenewedContract__c": None,
                "SBQQ__Renewal__c": False,
                "SBQQ__Contracted__c": contracted,
            },
            specs=specs,
        )
        if contracted:
            quote = self._one(
                "SBQQ__Quote__c", self._one("Opportunity", opportunity_id)["SBQQ__PrimaryQuote__c"]
            )
            lines = self._lines_of(quote["Id"])
            subs = {s["Id"]: s for s in self.subscriptions(contract_id)}
            revised = {
                line["Id"]: subs[line["SBQQ__UpgradedSubscription__c"]]
                for line in lines
                if line["SBQQ__UpgradedSubscription__c"]
            }
            self._subscribe(contract_id, quote, lines, revised)
        return opportunity_id

    # --- renewal ------------------------------------------------------------------------------

    def renew(
        self, contract_id: str, *, close_date: str | None = None, name: str | None = None
    ) -> str:
        """A renewal opportunity and quote for the next term of every subscription still held."""
        contract = self._one("Contract", contract_id)
        term = int(contract["SBQQ__RenewalTerm__c"] or contract["ContractTerm"])
        start = _day(contract["EndDate"]) + dt.timedelta(days=1)
        end = add_months(start, term) - dt.timedelta(days=1)
        lines = {line["Id"]: line for line in self.records["SBQQ__QuoteLine__c"]}
        held = [(s, q) for s, q in self.held(contract_id) if q > 0]
        index = {original["Id"]: n for n, (original, _) in enumerate(held)}
        specs = []
        for original, quantity in held:
            source = lines[original["SBQQ__QuoteLine__c"]]
            full = source.get("SBQQ__UnproratedNetPrice__c") or source["SBQQ__NetPrice__c"]
            parent = original["SBQQ__RequiredById__c"]
            specs.append(
                {
                    "code": self._code(original["SBQQ__Product__c"]),
                    "line": source,
                    "quantity": quantity,
                    "net_price": full,
                    "parent": index.get(parent) if parent else None,
                    "extra": {
                        "SBQQ__PriorQuantity__c": None,
                        "SBQQ__UpgradedSubscription__c": None,
                        "SBQQ__RenewedSubscription__c": original["Id"],
                        "SBQQ__Existing__c": False,
                        "SBQQ__UnproratedNetPrice__c": full,
                        "SBQQ__DefaultSubscriptionTerm__c": term,
                        "SBQQ__EffectiveEndDate__c": end.isoformat(),
                    },
                    "effective_quantity": quantity,
                }
            )
        opportunity_id = self._deal(
            contract,
            name=name or f"Renewal {start.isoformat()}",
            close_date=close_date or contract["EndDate"],
            start=start,
            term=term,
            end=end,
            quote_type="Renewal",
            opportunity_fields={
                "SBQQ__AmendedContract__c": None,
                "SBQQ__RenewedContract__c": contract_id,
                "SBQQ__Renewal__c": True,
                "SBQQ__Contracted__c": False,
            },
            specs=specs,
        )
        contract.update(SBQQ__RenewalOpportunity__c=opportunity_id, SBQQ__RenewalQuoted__c=True)
        return opportunity_id

    # --- shared -------------------------------------------------------------------------------

    def _deal(
        self,
        contract: dict[str, Any],
        *,
        name: str,
        close_date: str,
        start: dt.date,
        term: int,
        end: dt.date,
        quote_type: str,
        opportunity_fields: dict[str, Any],
        specs: list[dict[str, Any]],
    ) -> str:
        """The opportunity, its contact roles and primary quote (copied from the contract's
        original deal) and the quote lines."""
        original = self._one("Opportunity", contract["SBQQ__Opportunity__c"])
        original_quote = self._one("SBQQ__Quote__c", contract["SBQQ__Quote__c"])
        ids = self.org.ids
        opportunity_id, quote_id = ids.new("006"), ids.new("a0x")
        self.records["Opportunity"].append(
            {
                **original,
                "Id": opportunity_id,
                "Name": f"{original['Name']} - {name}",
                "IsWon": True,
                "StageName": "Closed Won",
                "CloseDate": close_date,
                "SBQQ__PrimaryQuote__c": quote_id,
                **{k: None for k in original if k.startswith("NetSuite_")},
                **opportunity_fields,
            }
        )
        for role in [
            r
            for r in self.records["OpportunityContactRole"]
            if r["OpportunityId"] == original["Id"]
        ]:
            self.records["OpportunityContactRole"].append(
                {**role, "Id": ids.new("00K"), "OpportunityId": opportunity_id}
            )
        self.records["SBQQ__Quote__c"].append(
            {
                **original_quote,
                "Id": quote_id,
                "SBQQ__Opportunity2__c": opportunity_id,
                "SBQQ__Type__c": quote_type,
                "SBQQ__StartDate__c": start.isoformat(),
                "SBQQ__EndDate__c": end.isoformat(),
                "SBQQ__SubscriptionTerm__c": term,
                "SBQQ__MasterContract__c": contract["Id"] if quote_type == "Amendment" else None,
            }
        )
        line_ids = [ids.new("a0r") for _ in specs]
        for number, (line_id, spec) in enumerate(zip(line_ids, specs, strict=True), start=1):
            source, quantity = spec["line"], spec["quantity"]
            charge = source["SBQQ__ChargeType__c"]
            self.records["SBQQ__QuoteLine__c"].append(
                {
                    "Id": line_id,
                    "SBQQ__Quote__c": quote_id,
                    "SBQQ__Number__c": number,
                    "SBQQ__Product__c": self.org.product(
                        spec["code"], CATALOG.get(spec["code"], (spec["code"], ""))[0]
                    ),
                    "SBQQ__Quantity__c": quantity,
                    "SBQQ__NetPrice__c": spec["net_price"],
                    "SBQQ__NetTotal__c": round(spec["net_price"] * spec["effective_quantity"], 2),
                    "SBQQ__ChargeType__c": charge,
                    "SBQQ__BillingType__c": source["SBQQ__BillingType__c"],
                    "SBQQ__BillingFrequency__c": source["SBQQ__BillingFrequency__c"],
                    "SBQQ__SubscriptionTerm__c": None,
                    "SBQQ__EffectiveSubscriptionTerm__c": term if charge == "Recurring" else None,
                    "SBQQ__StartDate__c": None,
                    "SBQQ__EffectiveStartDate__c": start.isoformat(),
                    "SBQQ__Bundle__c": source["SBQQ__Bundle__c"],
                    "SBQQ__Bundled__c": source["SBQQ__Bundled__c"],
                    "SBQQ__RequiredBy__c": line_ids[spec["parent"]]
                    if spec["parent"] is not None
                    else None,
                    **spec["extra"],
                }
            )
        return opportunity_id


def sample_org() -> dict[str, Any]:
    """The bundled sample (offline/sample/org.json): the new deal of ``corpus.sample_builder``,
    its contract, an amendment (seats 25 -> 40, Premium Support cancelled, Analytics Suite added
    co-termed) and the renewal for the next year."""
    org = sample_builder()
    builder = ContractBuilder(org)
    contract_id = builder.contract(org.records["Opportunity"][0]["Id"])
    builder.amend(
        contract_id,
        Amendment(
            start_date="2026-10-01",
            close_date="2026-09-28",
            quantities={"PRO-SEATS": 40, "SUPPORT-PREM": 0},
            new_products=[NewProduct("ANALYTICS", full_term_price=9600.0)],
            name="Amendment Q4 2026",
        ),
    )
    builder.renew(contract_id, close_date="2027-03-15", name="Renewal 2027")
    return org.snapshot()
