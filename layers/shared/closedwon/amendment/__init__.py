"""Amendments: a CPQ amendment quote turned into SuiteBilling change orders (docs/mapping.md §9.1-§9.2).

``model`` holds the frozen results, ``resolve`` maps each amendment line to the NetSuite
subscription line it changes (Salesforce data only), ``plan`` checks those changes against what
NetSuite has and decides the change orders and in-place draft updates. Nothing here does I/O;
the payloads and external ids are in closedwon.mapping.
"""

from closedwon.amendment.model import (
    Action,
    Amendment,
    AmendmentPlan,
    ChangeOrderPlan,
    DraftUpdate,
    LineChange,
    NetSuiteLine,
    SubscriptionState,
)

__all__ = [
    "Action",
    "Amendment",
    "AmendmentPlan",
    "ChangeOrderPlan",
    "DraftUpdate",
    "LineChange",
    "NetSuiteLine",
    "SubscriptionState",
]
