"""SuiteBilling rules the double enforces (docs/reference/netsuite.md §5.3-§5.10, §8.7).

* A new subscription copies its plan's ``member`` lines into ``subscriptionLine`` (each backed by
  a real ``subscriptionLine`` record) and its price book's intervals into ``priceInterval``;
  ``endDate`` = startDate + term - 1 day; status DRAFT.
* Customer, currency and subsidiary (and the plan) of a saved subscription cannot change; its
  billing account must match them; its price book must belong to its plan.
* ``subscriptionLine`` records cannot be created or deleted; PATCH moves a line DRAFT <->
  PENDING_ACTIVATION.
* A customer's primary currency and subsidiary cannot change once it has a billing account,
  a subscription or a (seeded) transaction; a billing account or subscription must be in one of
  its customer's currencies (the primary one or one in ``currencyList``).
* An ACTIVATE change order activates applied PENDING_ACTIVATION lines, and the subscription when
  every included line is ACTIVE.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import TYPE_CHECKING, Any

from . import errors
from .change_orders import ChangeOrders

if TYPE_CHECKING:
    from .records import RecordService

DRAFT, PENDING, ACTIVE, NOT_INCLUDED = "DRAFT", "PENDING_ACTIVATION", "ACTIVE", "NOT_INCLUDED"

# Fields of a subscription's priceInterval element copied from the price book's interval.
_INTERVAL_FIELDS = (
    "pricePlan",
    "frequency",
    "repeatEvery",
    "startOffsetValue",
    "prorateBy",
    "discount",
    "chargeType",
)
_LINE_FIELDS_FROM_MEMBER = (
    "item",
    "subscriptionLineType",
    "billingMode",
    "prorateStartDate",
    "prorateEndDate",
    "revRecOption",
)
_SYSTEM_LINE_FIELDS = {
    "lineNumber",
    "subscriptionLine",
    "status",
    "item",
    "catalogType",
    "isRequired",
    "subscriptionLineType",
}
_SYSTEM_INTERVAL_FIELDS = {
    "subscriptionPlanLineNumber",
    "lineNumber",
    "status",
    "item",
    "catalogType",
}
_LINE_RECORD_FIXED = (
    "subscription",
    "lineNumber",
    "item",
    "subscriptionPlan",
    "catalogType",
    "subscriptionLineType",
)


# Transaction record types a seed may hold; each references its customer as ``entity``.
_TRANSACTION_TYPES = ("invoice", "salesOrder", "cashSale", "creditMemo", "customerPayment")


def _id(value: Any) -> str | None:
    return value.get("id") if isinstance(value, dict) else None


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def end_date(start: str, term: dict[str, Any]) -> str | None:
    """Last day of the initial term: start + duration - 1 day (None for evergreen terms)."""
    if _id(term.get("subscriptionTermType")) == "EVERGREEN":
        return None
    duration = int(term.get("subscriptionTermDuration") or 0)
    unit = _id(term.get("subscriptionTermUnit")) or "MONTHS"
    begin = dt.date.fromisoformat(start)
    if unit == "MONTHS":
        after = add_months(begin, duration)
    elif unit == "YEARS":
        after = add_months(begin, 12 * duration)
    elif unit == "WEEKS":
        after = begin + dt.timedelta(weeks=duration)
    else:
        after = begin + dt.timedelta(days=duration)
    return (after - dt.timedelta(days=1)).isoformat()


class Billing:
    def __init__(self, service: RecordService) -> None:
        self.service = service
        self.store = service.store
        self.behaviour = service.behaviour
        self.change_orders = ChangeOrders(self)

    def _get(self, record_type: str, ref: Any) -> dict[str, Any]:
        record = self.store.get(record_type, _id(ref) or "")
        if record is None:
            raise errors.invalid_value(_id(ref), record_type, record_type)
        return record

    # --- hooks called by RecordService --------------------------------------------------------

    def keyed_sublists(self, record_type: str) -> set[str]:
        """Sublists merged by key by this module instead of appended/replaced."""
        return {"subscriptionLine", "priceInterval"} if record_type == "subscription" else set()

    def check_create(self, record_type: str) -> None:
        if record_type == "subscriptionLine":
            raise errors.user_error(
                "You cannot create a subscription line. Subscription lines are created from "
                "the subscription plan when the subscription is saved."
            )

    def before_insert(self, record_type: str, record: dict[str, Any]) -> None:
        if record_type == "subscriptionPlan":
            self._plan(record)
        elif record_type == "priceBook":
            self._price_book(record)
        elif record_type == "billingAccount":
            self._in_customer_currency(record, "billing account")
            self._billing_account(record)
        elif record_type == "subscriptionTerm":
            record.setdefault("subscriptionTermType", {"id": "STANDARD"})
        elif record_type == "contact":
            self._contact(record)
        elif record_type == "customer":
            record.setdefault("isPerson", False)
        elif record_type == "subscription":
            self._subscription_header(record, None)
            self._in_customer_currency(record, "subscription")
            record["billingSubscriptionStatus"] = {"id": DRAFT}
        elif record_type == "subscriptionChangeOrder":
            self.change_orders.validate(record)

    def after_insert(self, record_type: str, record: dict[str, Any], norm: dict[str, Any]) -> None:
        if record_type == "subscription":
            self._generate_lines(record)
            self._merge_lines(record, norm.get("subscriptionLine"))
            self._merge_intervals(record, norm.get("priceInterval"))
            self.store.update("subscription", record)
        elif record_type == "subscriptionChangeOrder":
            self.change_orders.apply(record)

    def before_update(
        self, record_type: str, old: dict[str, Any], new: dict[str, Any], norm: dict[str, Any]
    ) -> None:
        if record_type == "subscriptionPlan":
            self._plan(new)
        elif record_type == "priceBook":
            self._price_book(new)
        elif record_type == "contact":
            self._contact(new)
        elif record_type == "customer":
            self._customer_change(old, new)
        elif record_type == "billingAccount":
            self._in_customer_currency(new, "billing account")
        elif record_type == "subscription":
            self._subscription_header(new, old)
            self._merge_lines(new, norm.get("subscriptionLine"))
            self._merge_intervals(new, norm.get("priceInterval"))
        elif record_type == "subscriptionLine":
            self._update_line_record(old, new)
        elif record_type == "subscriptionChangeOrder":
            for name in ("action", "subscription", "effectiveDate"):
                if _id(new.get(name)) != _id(old.get(name)) or (
                    name == "effectiveDate" and new.get(name) != old.get(name)
                ):
                    raise errors.user_error(f"You cannot change the {name} of a change order.")
            new["subLine"] = old.get("subLine", {"items": []})

    def before_delete(self, record_type: str, record: dict[str, Any]) -> None:
        if record_type == "subscriptionLine":
            raise errors.user_error("You cannot delete a subscription line.")
        if record_type == "subscriptionChangeOrder":
            raise errors.user_error("You cannot delete an applied change order.")
        if record_type == "subscription":
            if _id(record.get("billingSubscriptionStatus")) != DRAFT:
                raise errors.user_error("You can only delete a subscription in Draft status.")
            for line in record.get("subscriptionLine", {}).get("items", []):
                self.store.delete("subscriptionLine", str(line["subscriptionLine"]))

    # --- catalog records ----------------------------------------------------------------------

    def _plan(self, plan: dict[str, Any]) -> None:
        plan["itemType"] = {"id": "SubscriPlan"}
        members = plan.get("member", {"items": []})["items"]
        numbers = [m["lineNumber"] for m in members if "lineNumber" in m]
        next_number = max(numbers, default=0) + 1
        for member in members:
            if "lineNumber" not in member:
                member["lineNumber"] = next_number
                next_number += 1
        numbers = [m["lineNumber"] for m in members]
        if len(set(numbers)) != len(numbers):
            raise errors.user_error("Each subscription plan line must have a unique line number.")
        members.sort(key=lambda m: m["lineNumber"])

    def _price_book(self, book: dict[str, Any]) -> None:
        plan = self._get("subscriptionPlan", book.get("subscriptionPlan"))
        lines = {m["lineNumber"] for m in plan.get("member", {"items": []})["items"]}
        for interval in book.get("priceInterval", {"items": []})["items"]:
            number = interval.get("subscriptionPlanLineNumber")
            if number not in lines:
                raise errors.user_error(
                    f"The price interval refers to line {number}, which is not a line of "
                    "the subscription plan."
                )

    def _billing_account(self, account: dict[str, Any]) -> None:
        customer_id = _id(account.get("customer"))
        others = [
            a for a in self.store.all("billingAccount") if _id(a.get("customer")) == customer_id
        ]
        account.setdefault("customerDefault", not others)

    def _contact(self, contact: dict[str, Any]) -> None:
        company = self.store.get("customer", _id(contact.get("company")) or "")
        if company and _id(company.get("subsidiary")) != _id(contact.get("subsidiary")):
            raise errors.user_error(
                "The subsidiary of the contact must match the subsidiary of its company."
            )

    # --- customer currencies ------------------------------------------------------------------

    def _customer_change(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        """Primary currency and subsidiary are fixed once the customer has billing records."""
        changed = [
            label
            for name, label in (("currency", "primary currency"), ("subsidiary", "subsidiary"))
            if _id(old.get(name)) and _id(new.get(name)) != _id(old.get(name))
        ]
        if changed and self._has_billing_records(str(old["id"])):
            raise errors.user_error(
                f"You cannot change the {' or '.join(changed)} of a customer that has billing "
                "accounts, subscriptions or transactions."
            )

    def _has_billing_records(self, customer_id: str) -> bool:
        """A billing account or subscription of the customer, or a transaction (a seeded
        ``invoice``, ``salesOrder``, … whose ``entity`` is the customer)."""
        billing = any(
            _id(record.get("customer")) == customer_id
            for record_type in ("billingAccount", "subscription")
            for record in self.store.all(record_type)
        )
        return billing or any(
            _id(record.get("entity")) == customer_id
            for record_type in _TRANSACTION_TYPES
            for record in self.store.all(record_type)
        )

    def _in_customer_currency(self, record: dict[str, Any], what: str) -> None:
        """A billing record's currency must be one the customer has (primary or currencyList)."""
        customer = self.store.get("customer", _id(record.get("customer")) or "")
        currency = _id(record.get("currency"))
        if customer is None or currency is None or not _id(customer.get("currency")):
            return
        currencies = {_id(customer.get("currency"))} | {
            _id(entry.get("currency"))
            for entry in customer.get("currencyList", {"items": []})["items"]
        }
        if currency not in currencies:
            raise errors.user_error(
                f"The currency of the {what} must be one of the currencies of its customer. "
                "Add the currency to the customer's currency list first."
            )

    # --- subscription -------------------------------------------------------------------------

    def _subscription_header(self, sub: dict[str, Any], old: dict[str, Any] | None) -> None:
        if old is not None:
            for name, label in (
                ("customer", "customer"),
                ("currency", "currency"),
                ("subsidiary", "subsidiary"),
                ("subscriptionPlan", "subscription plan"),
            ):
                if _id(sub.get(name)) != _id(old.get(name)):
                    raise errors.user_error(
                        f"You cannot change the {label} of a subscription after it is saved."
                    )
        plan = self._get("subscriptionPlan", sub["subscriptionPlan"])
        book = self._get("priceBook", sub["priceBook"])
        customer = self._get("customer", sub["customer"])
        if _id(book.get("subscriptionPlan")) != str(plan["id"]):
            raise errors.user_error(
                f"The price book {book.get('name', book['id'])} does not belong to the "
                f"subscription plan {plan.get('itemId', plan['id'])}."
            )
        sub.setdefault("currency", book.get("currency"))
        if _id(sub.get("currency")) != _id(book.get("currency")):
            raise errors.user_error("The currency of the price book must match the subscription.")
        if "subsidiary" not in sub and customer.get("subsidiary"):
            sub["subsidiary"] = customer["subsidiary"]
        account = None
        if sub.get("billingAccount"):
            account = self._get("billingAccount", sub["billingAccount"])
            for name in ("customer", "currency", "subsidiary"):
                if account.get(name) and _id(account.get(name)) != _id(sub.get(name)):
                    raise errors.user_error(
                        "The billing account must have the same customer, currency and "
                        "subsidiary as the subscription."
                    )
        if "startDate" not in sub:
            sub["startDate"] = (account or {}).get("startDate") or dt.date.today().isoformat()
        term = self._get("subscriptionTerm", sub["initialTerm"])
        if _id(term.get("subscriptionTermType")) == self.behaviour.coterm_term_type:
            self._explicit_end_date(sub)
            finish = sub["endDate"]
        else:
            finish = end_date(sub["startDate"], term)
        if finish:
            sub["endDate"] = finish
        else:
            sub.pop("endDate", None)
        if old is not None:
            sub["billingSubscriptionStatus"] = old.get("billingSubscriptionStatus", {"id": DRAFT})

    def _explicit_end_date(self, sub: dict[str, Any]) -> None:
        """A term of the co-terming type (``Behaviour.coterm_term_type``) takes the body's date."""
        if not sub.get("endDate"):
            raise errors.missing_values(["End Date"])
        if sub["endDate"] < sub["startDate"]:
            raise errors.user_error(
                f"The end date {sub['endDate']} is before the start date {sub['startDate']}."
            )

    def _generate_lines(self, sub: dict[str, Any]) -> None:
        plan = self._get("subscriptionPlan", sub["subscriptionPlan"])
        book = self._get("priceBook", sub["priceBook"])
        lines: list[dict[str, Any]] = []
        for member in sorted(plan["member"]["items"], key=lambda m: m["lineNumber"]):
            required = bool(member.get("isRequired"))
            status = DRAFT if required else NOT_INCLUDED
            shared = {k: member[k] for k in _LINE_FIELDS_FROM_MEMBER if k in member}
            shared.update(
                lineNumber=member["lineNumber"],
                isIncluded=required,
                catalogType={"id": "REQUIRED" if required else "OPTIONAL"},
                startDate=sub["startDate"],
            )
            if sub.get("endDate"):
                shared["endDate"] = sub["endDate"]
            renewal = _id(member.get("renewalOption"))
            line_record = {
                **shared,
                "subscription": {"id": str(sub["id"])},
                "subscriptionPlan": {"id": str(plan["id"])},
                "subscriptionLineStatus": {"id": status},
                "includeInRenewal": renewal not in (None, "NEVER"),
            }
            line_id = self.store.insert("subscriptionLine", line_record)
            element = {**shared, "isRequired": required, "status": {"id": status}}
            if renewal:
                element["renewalOption"] = renewal
            element["subscriptionLine"] = int(line_id)
            lines.append(element)
        by_number = {line["lineNumber"]: line for line in lines}
        intervals = []
        for index, source in enumerate(book.get("priceInterval", {"items": []})["items"], 1):
            line = by_number.get(source.get("subscriptionPlanLineNumber"), {})
            interval = {
                "lineNumber": index,
                "subscriptionPlanLineNumber": source.get("subscriptionPlanLineNumber"),
            }
            interval.update({k: source[k] for k in _INTERVAL_FIELDS if k in source})
            interval.update(quantity=1.0, startDate=sub["startDate"])
            for name in ("status", "item", "catalogType"):
                if name in line:
                    interval[name] = line[name]
            intervals.append(interval)
        sub["subscriptionLine"] = {"items": lines}
        sub["priceInterval"] = {"items": intervals}

    def _lines(self, sub: dict[str, Any]) -> list[dict[str, Any]]:
        lines: list[dict[str, Any]] = sub.get("subscriptionLine", {"items": []})["items"]
        return lines

    def _intervals(self, sub: dict[str, Any]) -> list[dict[str, Any]]:
        intervals: list[dict[str, Any]] = sub.get("priceInterval", {"items": []})["items"]
        return intervals

    def _merge_lines(self, sub: dict[str, Any], patch: dict[str, Any] | None) -> None:
        """Subscription ``subscriptionLine`` items are keyed by ``lineNumber``."""
        for item in (patch or {"items": []})["items"]:
            number = item.get("lineNumber")
            line = next((x for x in self._lines(sub) if x["lineNumber"] == number), None)
            if line is None:
                raise errors.user_error(
                    f"Subscription line {number} does not exist on this subscription "
                    "(add-on lines are not supported by the offline double)."
                )
            for name, value in item.items():
                if name in _SYSTEM_LINE_FIELDS or line.get(name) == value:
                    continue
                if name == "isIncluded":
                    self._set_included(sub, line, bool(value))
                else:
                    self._require_editable(line)
                    line[name] = value
            self._sync_line_record(line)

    def _merge_intervals(self, sub: dict[str, Any], patch: dict[str, Any] | None) -> None:
        """Subscription ``priceInterval`` items are keyed by ``subscriptionPlanLineNumber``."""
        for item in (patch or {"items": []})["items"]:
            number = item.get("subscriptionPlanLineNumber")
            targets = [i for i in self._intervals(sub) if i["subscriptionPlanLineNumber"] == number]
            if not targets:
                raise errors.user_error(
                    f"There is no price interval for subscription plan line {number}."
                )
            for target in targets:
                for name, value in item.items():
                    if name in _SYSTEM_INTERVAL_FIELDS or target.get(name) == value:
                        continue
                    self._require_editable(target)
                    if name == "quantity":
                        self._check_quantity(number, value)
                    target[name] = value
        self.refresh_quantities(sub)

    def _check_quantity(self, number: Any, value: Any) -> None:
        """Quantity 0 on a line not yet active is accepted unless the knob says otherwise."""
        if float(value) < 0:
            raise errors.user_error(
                f"The quantity of subscription line {number} cannot be negative."
            )
        if float(value) == 0 and not self.behaviour.draft_zero_quantity:
            raise errors.user_error(
                f"The quantity of subscription line {number} must be greater than 0."
            )

    def _require_editable(self, line: dict[str, Any]) -> None:
        if _id(line.get("status")) not in (DRAFT, PENDING, NOT_INCLUDED):
            raise errors.user_error(
                "You cannot edit an active subscription line. Use a change order instead."
            )

    def _set_included(self, sub: dict[str, Any], line: dict[str, Any], included: bool) -> None:
        if line.get("isRequired") and not included:
            raise errors.user_error("A required subscription line must be included.")
        if _id(line.get("status")) not in (DRAFT, NOT_INCLUDED):
            raise errors.user_error(
                "You can only include or exclude a subscription line in Draft status."
            )
        line["isIncluded"] = included
        self._set_status(sub, line, DRAFT if included else NOT_INCLUDED)

    def _set_status(self, sub: dict[str, Any], line: dict[str, Any], status: str) -> None:
        line["status"] = {"id": status}
        for interval in self._intervals(sub):
            if interval["subscriptionPlanLineNumber"] == line["lineNumber"]:
                interval["status"] = {"id": status}

    def _sync_line_record(self, line: dict[str, Any]) -> None:
        record = self.store.get("subscriptionLine", line["subscriptionLine"])
        if record is None:
            return
        record["subscriptionLineStatus"] = line["status"]
        record["isIncluded"] = line.get("isIncluded", False)
        for name in ("terminationDate", "endDate"):
            if name in line:
                record[name] = line[name]
        self.store.update("subscriptionLine", record)

    # --- subscription line record -------------------------------------------------------------

    def _update_line_record(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        for name in _LINE_RECORD_FIXED:
            if new.get(name) != old.get(name):
                raise errors.user_error(f"You cannot change the {name} of a subscription line.")
        sub = self._get("subscription", old["subscription"])
        line = next(x for x in self._lines(sub) if x["subscriptionLine"] == int(old["id"]))
        before = _id(old.get("subscriptionLineStatus"))
        after = _id(new.get("subscriptionLineStatus"))
        if new.get("isIncluded") != old.get("isIncluded"):
            self._set_included(sub, line, bool(new.get("isIncluded")))
            after = _id(line["status"])
        elif after != before:
            if (before, after) not in ((DRAFT, PENDING), (PENDING, DRAFT)):
                hint = " Use an Activation change order." if after == ACTIVE else ""
                raise errors.user_error(
                    f"You cannot change the status of a subscription line from {before} to "
                    f"{after}.{hint}"
                )
            self._set_status(sub, line, after or DRAFT)
        new["subscriptionLineStatus"] = {"id": after}
        for name, value in new.items():
            if name in line and name not in _SYSTEM_LINE_FIELDS and name != "isIncluded":
                line[name] = value
        self.store.update("subscription", sub)

    # --- change orders (change_orders.py) ------------------------------------------------------

    def _line_for_sequence(self, sub: dict[str, Any], sequence: Any) -> dict[str, Any]:
        for line in self._lines(sub):
            if str(line["lineNumber"]) == str(sequence):
                return line
        raise errors.user_error(f"Subscription line {sequence} does not exist.")

    def refresh_quantities(self, sub: dict[str, Any]) -> None:
        """A line shows the quantity of its latest price interval."""
        for line in self._lines(sub):
            current = self.change_orders.current_intervals(sub, line["lineNumber"], None)
            if current:
                line["quantity"] = float(current[0].get("quantity", 1.0))
