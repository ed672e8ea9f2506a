"""CDC fan-out: one change event may name several opportunities (``recordIds``).

The execution that received the event syncs the first; each other opportunity gets its own
execution of the same state machine (one execution per opportunity keeps locking, retries and
the DLQ per deal). Execution names are derived from the event and the opportunity, so a
redelivered event cannot start the same sibling twice (Step Functions refuses a reused name).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from closedwon.errors import Transient
from closedwon.events import Trigger


def state_machine_arn(execution_arn: str) -> str:
    """``arn:...:execution:<machine>:<name>`` -> ``arn:...:stateMachine:<machine>``."""
    prefix, _, rest = execution_arn.partition(":execution:")
    machine = rest.split(":", 1)[0]
    return f"{prefix}:stateMachine:{machine}"


def execution_name(trigger: Trigger) -> str:
    digest = hashlib.sha256(f"{trigger.event_id}|{trigger.opportunity_id}".encode()).hexdigest()[
        :16
    ]
    return f"cdc-{trigger.opportunity_id}-{digest}"


class FanOut:
    """Starts the sibling executions of a CDC event that names several opportunities."""

    def __init__(self, stepfunctions: Any) -> None:
        self.stepfunctions = stepfunctions

    def start_siblings(self, execution_arn: str, triggers: list[Trigger]) -> list[str]:
        """Start one execution per extra opportunity; the names started (or already started)."""
        names = []
        client = self.stepfunctions
        for trigger in triggers:
            name = execution_name(trigger)
            try:
                client.start_execution(
                    stateMachineArn=state_machine_arn(execution_arn),
                    name=name,
                    input=json.dumps({"trigger": trigger.model_dump(by_alias=True, mode="json")}),
                )
            except client.exceptions.ExecutionAlreadyExists:
                pass  # a redelivered event: that opportunity is already being synced
            except Exception as exc:
                raise Transient(
                    f"could not start the sync of opportunity {trigger.opportunity_id}: "
                    f"{type(exc).__name__}"
                ) from None
            names.append(name)
        return names
