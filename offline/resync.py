"""What Salesforce does when a user checks Resync to NetSuite on an Opportunity, offline.

The Salesforce double does not run flows, so this module plays the Opportunity Resync To
NetSuite flow (salesforce/force-app/main/default/flows/): the user's edit sets the box; on a won
opportunity the flow publishes the same Opportunity_Closed_Won__e event the Closed Won flow
publishes (a new event id: Salesforce gives every published event its own), relayed here
through the stack's EventBridge rule; on every opportunity the flow clears the box again.
"""

from __future__ import annotations

import datetime as dt
import uuid

from offline.corpus import platform_event
from offline.runner import DealReport, Runner
from offline.stack import OfflineStack

RESYNC_FIELD = "NetSuite_Resync__c"


def resync(stack: OfflineStack, opportunity_id: str) -> DealReport | None:
    """Check the box on ``opportunity_id``; the deal's report when the flow republished it."""
    salesforce = stack.salesforce
    salesforce.user_update("Opportunity", opportunity_id, {RESYNC_FIELD: True})
    opportunity = salesforce.record("Opportunity", opportunity_id)
    salesforce.user_update("Opportunity", opportunity_id, {RESYNC_FIELD: False})
    if not opportunity.get("IsWon"):
        return None
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat()
    event = platform_event(opportunity, stack.org_id, event_id=str(uuid.uuid4()), closed_at=now)
    return Runner(stack).run_event(event, label=f"resync {opportunity['Id']}")
