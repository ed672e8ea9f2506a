"""The amendment checked against NetSuite, and the writes that apply it (docs/mapping.md §9.2).

Every check runs before the first write and every problem is reported at once: the subscription
exists (else the contract was never synced), each changed line's NetSuite quantity is the
amendment's prior quantity (else an earlier amendment is missing), no terminated line is
touched (NetSuite locks them), and a MODIFY_PRICING takes effect after the subscription started.
An ACTIVE subscription gets one change order per action and date; a DRAFT one (nothing billed
yet) is updated in place instead.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from decimal import Decimal

from closedwon.amendment.model import (
    Action,
    Amendment,
    AmendmentPlan,
    ChangeOrderPlan,
    DraftUpdate,
    LineChange,
    SubscriptionState,
)
from closedwon.deal.problems import Problem, Problems
from closedwon.errors import InvalidDeal

#: Line statuses NetSuite locks: a terminated line cannot be changed, only replaced.
LOCKED_LINE_STATUSES = frozenset({"TERMINATED", "CLOSED"})

PackageKey = tuple[str, str]


def plan_amendment(
    amendment: Amendment,
    subscriptions: Mapping[PackageKey, SubscriptionState | None],
    subscription_name: Callable[[str, str], str],
    *,
    terminate_at_start_of_day: bool = False,
    applied: frozenset[LineChange] = frozenset(),
) -> AmendmentPlan:
    """The change orders and draft updates, or InvalidDeal naming every problem.

    ``subscriptions`` holds what NetSuite has for each original package the amendment changes
    (None when absent); ``subscription_name`` gives a package's subscription externalId for
    messages. A cancellation starting on day D is a TERMINATE dated D - 1 (it takes effect at
    the end of its day), or dated D at the start of the day when ``terminate_at_start_of_day``.
    The ``applied`` changes are already in NetSuite (a replay): their prior quantities are not
    checked again, since they have already changed them.
    """
    problems = Problems()
    contract = amendment.contract_number or amendment.contract_id
    missing = [k for k in _keys(amendment.changes) if subscriptions.get(k) is None]
    if missing:
        names = ", ".join(subscription_name(*k) for k in missing)
        problems.add(
            Problem(
                "Opportunity.SBQQ__AmendedContract__c",
                f"amends contract {contract} whose subscriptions were never synced ({names} "
                "not in NetSuite): sync the contract's original deal first",
            )
        )
        raise InvalidDeal(problems.texts(), record=f"Opportunity {amendment.opportunity_id}")
    for change in amendment.changes:
        state = subscriptions[change.package_key]
        assert state is not None
        if change not in applied:
            _check(change, state, subscription_name(*change.package_key), problems)
    if problems:
        raise InvalidDeal(problems.texts(), record=f"Opportunity {amendment.opportunity_id}")
    return _plan(amendment, subscriptions, terminate_at_start_of_day)


def _keys(changes: tuple[LineChange, ...]) -> list[PackageKey]:
    return list(dict.fromkeys(c.package_key for c in changes))


def _check(change: LineChange, state: SubscriptionState, name: str, problems: Problems) -> None:
    path = f"SBQQ__QuoteLine__c[{change.amendment_line_ids[0]}].SBQQ__PriorQuantity__c"
    if state.status not in ("ACTIVE", "DRAFT"):
        problems.add(
            Problem(
                path,
                f"{name} is {state.status or 'of unknown status'} in NetSuite; only an ACTIVE or "
                "a DRAFT subscription can be amended",
            )
        )
        return
    line = state.line(change.line_number)
    if line is None:
        problems.add(Problem(path, f"{name} has no line {change.line_number} in NetSuite"))
        return
    if line.status in LOCKED_LINE_STATUSES:
        problems.add(
            Problem(
                path,
                f"{name} line {change.line_number} is {line.status} in NetSuite and cannot "
                "change: quote the product again as a new line",
            )
        )
    elif line.quantity != change.prior_quantity:
        problems.add(
            Problem(
                path,
                f"{name} line {change.line_number}: NetSuite has {_plain(line.quantity)}, the "
                f"amendment expects {_plain(change.prior_quantity)}: sync the earlier amendment "
                "first",
            )
        )
    if (
        state.status == "ACTIVE"
        and change.action is Action.MODIFY_PRICING
        and state.start_date is not None
        and change.start_date <= state.start_date
    ):
        problems.add(
            Problem(
                path.replace("PriorQuantity__c", "EffectiveStartDate__c"),
                f"the change starts {change.start_date.isoformat()}, on or before {name} "
                f"started ({state.start_date.isoformat()}); NetSuite changes pricing only after "
                "activation",
            )
        )


def _plan(
    amendment: Amendment,
    subscriptions: Mapping[PackageKey, SubscriptionState | None],
    terminate_at_start_of_day: bool,
) -> AmendmentPlan:
    orders: dict[tuple[PackageKey, Action, dt.date], list[LineChange]] = defaultdict(list)
    drafts: dict[PackageKey, dict[int, Decimal]] = defaultdict(dict)
    for change in amendment.changes:
        state = subscriptions[change.package_key]
        assert state is not None
        if state.status == "DRAFT":
            drafts[change.package_key][change.line_number] = change.quantity
        else:
            orders[(change.package_key, change.action, change.start_date)].append(change)
    dates: dict[tuple[PackageKey, Action], int] = defaultdict(int)
    for key, action, _ in orders:
        dates[(key, action)] += 1
    change_orders = []
    for (key, action, _), changes in orders.items():
        state = subscriptions[key]
        assert state is not None
        start = changes[0].start_date
        at_start = action is Action.TERMINATE and terminate_at_start_of_day
        change_orders.append(
            ChangeOrderPlan(
                opportunity_id=amendment.opportunity_id,
                root_line_id=key[1],
                subscription_id=state.id,
                action=action,
                effective_date=(
                    start if action is Action.MODIFY_PRICING or at_start else _day_before(start)
                ),
                lines=tuple(sorted((c.line_number, c.quantity, c.prior_quantity) for c in changes)),
                dated=dates[(key, action)] > 1,
                at_start_of_day=at_start,
            )
        )
    draft_updates = []
    for key, quantities in drafts.items():
        state = subscriptions[key]
        assert state is not None
        draft_updates.append(DraftUpdate(state.id, tuple(sorted(quantities.items()))))
    touched = []
    for key in _keys(amendment.changes):
        state = subscriptions[key]
        assert state is not None
        touched.append(state.id)
    return AmendmentPlan(tuple(change_orders), tuple(draft_updates), tuple(touched))


def _day_before(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=1)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")
