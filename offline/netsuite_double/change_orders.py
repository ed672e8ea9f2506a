"""SuiteBilling change orders: ACTIVATE, MODIFY_PRICING and TERMINATE on subscription lines.

Oracle Help Center pages (``https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/<id>.html``):

* subsect_1547761140 (change order rules): a change order takes effect at the start of its
  effective date, a termination at the end of it; one change order of a given type per
  subscription line per date; no Modify Pricing on a suspended line; no termination of a line
  that has a Modify Pricing (or Suspend) change order with a later effective date.
* section_1554934535 (Modify Pricing): new quantity, price plan or discount for active lines,
  classified by ``modificationType``; the effective date must come after the activation date.
* section_1547760916 (Terminate): each line is terminated on its own; a terminated line is locked
  ("you must enter a new subscription item"); the line must be Active or Pending Activation.
* section_161353179340: ``terminateAtStartOfDay`` makes the termination take effect at the start
  of the effective date instead of its end.
* section_160858392918 (REST sample): ``subLine`` items name the line by ``sequence``.

A change order is applied when it is saved: the subscription returned by GET shows its result
(line status, quantity, termination date, one new price interval per changed line starting on the
effective date). The double keeps no clock, so a future-dated order is shown as already in force.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from . import errors

if TYPE_CHECKING:
    from .billing import Billing

DRAFT, PENDING, ACTIVE = "DRAFT", "PENDING_ACTIVATION", "ACTIVE"
NOT_INCLUDED, TERMINATED = "NOT_INCLUDED", "TERMINATED"
ACTIVATE, MODIFY_PRICING, TERMINATE = "ACTIVATE", "MODIFY_PRICING", "TERMINATE"
SUPPORTED_ACTIONS = (ACTIVATE, MODIFY_PRICING, TERMINATE)

_LABELS = {ACTIVATE: "Activation", MODIFY_PRICING: "Modify Pricing", TERMINATE: "Termination"}

# The "before" values a saved subLine item shows for its line (read-only in the schema).
_NEW_VALUES = ("quantityNew", "pricePlanNew", "discountNew")


def _id(value: Any) -> str | None:
    return value.get("id") if isinstance(value, dict) else None


def _day(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _applied(order: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in order.get("subLine", {"items": []})["items"] if i.get("apply")]


class ChangeOrders:
    """Validates a new change order against its subscription, then applies it."""

    def __init__(self, billing: Billing) -> None:
        self.billing = billing
        self.store = billing.store

    # --- validation (before the record is stored) ---------------------------------------------

    def validate(self, order: dict[str, Any]) -> None:
        """Refuse an order NetSuite would refuse; fill in the read-only values it shows."""
        action = _id(order.get("action")) or ""
        if action not in SUPPORTED_ACTIONS:
            raise errors.user_error(
                f"The offline double does not support {action} change orders "
                f"(only {', '.join(SUPPORTED_ACTIONS)})."
            )
        sub = self.billing._get("subscription", order["subscription"])
        if not sub.get("billingAccount"):
            raise errors.user_error("Please enter value(s) for: Billing Account.")
        applied = _applied(order)
        if not applied:
            raise errors.user_error("Select at least one subscription line for the change order.")
        effective = _day(order["effectiveDate"])
        for item in order["subLine"]["items"]:
            line = self.billing._line_for_sequence(sub, item.get("sequence"))
            if item.get("apply"):
                self._check_line(order, action, sub, line, item, effective)
            self._show_before_values(sub, line, item)
        for name in ("customer", "billingAccount", "subscriptionPlan", "subsidiary"):
            if sub.get(name):
                order.setdefault(name, sub[name])
        order["subscriptionChangeOrderStatus"] = {"id": "ACTIVE"}
        order["approvalStatus"] = {"id": "APPROVED"}

    def _check_line(
        self,
        order: dict[str, Any],
        action: str,
        sub: dict[str, Any],
        line: dict[str, Any],
        item: dict[str, Any],
        effective: dt.date,
    ) -> None:
        number, status = line["lineNumber"], _id(line.get("status"))
        if status == TERMINATED:
            raise errors.user_error(
                f"Subscription line {number} is terminated and cannot be changed. If a "
                "subscription line item is terminated in error, you must enter a new "
                "subscription item."
            )
        self._check_not_duplicate(action, sub, number, order["effectiveDate"])
        if action == ACTIVATE:
            if status != PENDING:
                raise errors.user_error(
                    f"Subscription line {number} must be in Pending Activation status to be "
                    "activated."
                )
            item["statusNew"] = {"id": ACTIVE}
        elif action == MODIFY_PRICING:
            self._check_modify_pricing(sub, line, item, effective)
        else:
            self._check_terminate(order, sub, line, effective)

    def _check_not_duplicate(self, action: str, sub: dict[str, Any], number: int, day: str) -> None:
        for other in self.orders_of(sub):
            if _id(other.get("action")) != action or other.get("effectiveDate") != day:
                continue
            if any(str(i.get("sequence")) == str(number) for i in _applied(other)):
                raise errors.user_error(
                    f"A {_LABELS[action]} change order dated {day} already exists for "
                    f"subscription line {number}. You can create only one change order of a "
                    "given type for a subscription line on the same date."
                )

    def _check_modify_pricing(
        self, sub: dict[str, Any], line: dict[str, Any], item: dict[str, Any], effective: dt.date
    ) -> None:
        number, status = line["lineNumber"], _id(line.get("status"))
        if status != ACTIVE:
            raise errors.user_error(
                f"You can only modify the pricing of an active subscription line. Subscription "
                f"line {number} is {status}."
            )
        if not any(name in item for name in _NEW_VALUES):
            raise errors.user_error(
                f"Enter a new quantity, price plan or discount for subscription line {number}."
            )
        quantity = item.get("quantityNew")
        if quantity is not None and float(quantity) < 0:
            raise errors.user_error(
                f"The quantity of subscription line {number} cannot be negative."
            )
        activated = self.activation_date(sub, number)
        if activated is not None and effective <= activated:
            raise errors.user_error(
                f"The effective date of a modify pricing change order ({effective.isoformat()}) "
                f"must be after the activation date of subscription line {number} "
                f"({activated.isoformat()})."
            )
        self._check_within_term(sub, effective)

    def _check_terminate(
        self, order: dict[str, Any], sub: dict[str, Any], line: dict[str, Any], effective: dt.date
    ) -> None:
        number, status = line["lineNumber"], _id(line.get("status"))
        if status not in (ACTIVE, PENDING):
            raise errors.user_error(
                f"Only an active or pending activation subscription line can be terminated. "
                f"Subscription line {number} is {status}."
            )
        last_day = self.last_active_day(order, effective)
        for other in self.orders_of(sub):
            if _id(other.get("action")) != MODIFY_PRICING:
                continue
            later = _day(other["effectiveDate"]) > last_day
            if later and any(str(i.get("sequence")) == str(number) for i in _applied(other)):
                raise errors.user_error(
                    f"You cannot terminate subscription line {number} before its modify "
                    f"pricing change order dated {other['effectiveDate']}."
                )
        if effective < _day(line.get("startDate") or sub["startDate"]):
            raise errors.user_error(
                f"The termination date of subscription line {number} is before its start date."
            )
        self._check_within_term(sub, effective)

    def _check_within_term(self, sub: dict[str, Any], effective: dt.date) -> None:
        if sub.get("endDate") and effective > _day(sub["endDate"]):
            raise errors.user_error(
                f"The effective date {effective.isoformat()} is after the end date of the "
                f"subscription ({sub['endDate']})."
            )

    def _show_before_values(
        self, sub: dict[str, Any], line: dict[str, Any], item: dict[str, Any]
    ) -> None:
        item.update(subscriptionLine=line["subscriptionLine"], status=_id(line["status"]))
        if "item" in line:
            item["item"] = int(line["item"]["id"])
        current = self.current_intervals(sub, line["lineNumber"], None)
        if current:
            item["quantity"] = current[0].get("quantity", 1.0)
            plan = _id(current[0].get("pricePlan"))
            if plan:
                item["pricePlan"] = int(plan)

    # --- lookups ------------------------------------------------------------------------------

    def orders_of(self, sub: dict[str, Any]) -> list[dict[str, Any]]:
        """The subscription's saved change orders (REST shows them only as their own records)."""
        return [
            o
            for o in self.store.all("subscriptionChangeOrder")
            if _id(o.get("subscription")) == str(sub["id"])
            and _id(o.get("subscriptionChangeOrderStatus")) != "VOIDED"
        ]

    def activation_date(self, sub: dict[str, Any], number: int) -> dt.date | None:
        days = [
            _day(o["effectiveDate"])
            for o in self.orders_of(sub)
            if _id(o.get("action")) == ACTIVATE
            and any(str(i.get("sequence")) == str(number) for i in _applied(o))
        ]
        return min(days, default=None)

    def last_active_day(self, order: dict[str, Any], effective: dt.date) -> dt.date:
        """TERMINATE ends at the end of its effective date unless ``terminateAtStartOfDay``."""
        if order.get("terminateAtStartOfDay"):
            return effective - dt.timedelta(days=1)
        return effective

    def current_intervals(
        self, sub: dict[str, Any], number: int, on: dt.date | None
    ) -> list[dict[str, Any]]:
        """The price intervals of a line in force on ``on`` (None: the latest ones)."""
        mine = [
            i for i in self.billing._intervals(sub) if i["subscriptionPlanLineNumber"] == number
        ]
        starts = [_day(i["startDate"]) for i in mine if on is None or _day(i["startDate"]) <= on]
        if not starts:
            return []
        latest = max(starts)
        return [i for i in mine if _day(i["startDate"]) == latest]

    # --- application (after the record is stored) ---------------------------------------------

    def apply(self, order: dict[str, Any]) -> None:
        """Show the order's effect on its subscription and line records."""
        sub = self.billing._get("subscription", order["subscription"])
        action = _id(order.get("action"))
        effective = _day(order["effectiveDate"])
        for item in _applied(order):
            line = self.billing._line_for_sequence(sub, item["sequence"])
            if action == ACTIVATE:
                self.billing._set_status(sub, line, ACTIVE)
            elif action == MODIFY_PRICING:
                self._modify(sub, line, item, effective)
            else:
                self._terminate(sub, line, order, effective)
            self.billing._sync_line_record(line)
        included = [x for x in self.billing._lines(sub) if _id(x.get("status")) != NOT_INCLUDED]
        if included and all(_id(x["status"]) == ACTIVE for x in included):
            sub["billingSubscriptionStatus"] = {"id": ACTIVE}
        elif included and all(_id(x["status"]) == TERMINATED for x in included):
            sub["billingSubscriptionStatus"] = {"id": TERMINATED}
        self.store.update("subscription", sub)

    def _modify(
        self, sub: dict[str, Any], line: dict[str, Any], item: dict[str, Any], effective: dt.date
    ) -> None:
        """A new price interval from the effective date (start of day) carries the new values;
        intervals that start later take them too."""
        number = line["lineNumber"]
        intervals = self.billing._intervals(sub)
        new_values = self._new_values(sub, line, item)
        for source in self.current_intervals(sub, number, effective):
            if _day(source["startDate"]) == effective:
                source.update(new_values)
                continue
            interval = {**source, **new_values, "startDate": effective.isoformat()}
            interval["lineNumber"] = max(i["lineNumber"] for i in intervals) + 1
            intervals.append(interval)
        for later in intervals:
            if (
                later["subscriptionPlanLineNumber"] == number
                and _day(later["startDate"]) > effective
            ):
                later.update(new_values)
        self.billing.refresh_quantities(sub)

    def _new_values(
        self, sub: dict[str, Any], line: dict[str, Any], item: dict[str, Any]
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if item.get("quantityNew") is not None:
            quantity = float(item["quantityNew"])
            if self.billing.behaviour.quantity_new == "delta":
                current = self.current_intervals(sub, line["lineNumber"], None)
                quantity += float(current[0].get("quantity", 0.0)) if current else 0.0
            values["quantity"] = quantity
        if item.get("pricePlanNew"):
            values["pricePlan"] = {"id": _id(item["pricePlanNew"])}
        if item.get("discountNew") is not None:
            values["discount"] = item["discountNew"]
        return values

    def _terminate(
        self, sub: dict[str, Any], line: dict[str, Any], order: dict[str, Any], effective: dt.date
    ) -> None:
        line["terminationDate"] = effective.isoformat()
        line["endDate"] = self.last_active_day(order, effective).isoformat()
        self.billing._set_status(sub, line, TERMINATED)
