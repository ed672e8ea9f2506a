"""The relayed event and the normalised trigger (docs/reference/salesforce.md §7).

Two event shapes arrive on the partner bus: the custom platform event ``Opportunity_Closed_Won__e``
and the CDC ``OpportunityChangeEvent``. Both become :class:`Trigger`, the thin input the rest of
the workflow works from: everything else is re-read from Salesforce (the source of truth).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from closedwon.errors import InvalidEvent
from closedwon.salesforce_ids import is_salesforce_id, normalise_id, to_18

__all__ = [
    "Trigger",
    "is_salesforce_id",
    "normalise_event",
    "parse_trigger_input",
    "to_18",
    "unmatched_reason",
]

PLATFORM_EVENT_NAME = "Opportunity_Closed_Won__e"
CDC_EVENT_NAME = "OpportunityChangeEvent"
#: Fields of the platform event (salesforce/ metadata defines exactly these).
PLATFORM_EVENT_FIELDS = (
    "Opportunity_Id__c",
    "Account_Id__c",
    "Primary_Quote_Id__c",
    "Closed_Won_At__c",
    "Schema_Version__c",
    "Source_Org_Id__c",
)
SUPPORTED_SCHEMA_MAJOR = "1"
SOURCE_PREFIX = "aws.partner/salesforce.com/"
WON_STAGE = "Closed Won"

# Pub/Sub-style bitmap entries in changedFields ("0x650004E0", "4-0x10"): names are unknown.
_BITMAP_FIELD = re.compile(r"^(\d+-)?0x[0-9A-Fa-f]+$")
#: Longest piece of an event value quoted in an error (the rest is elided).
QUOTE_LIMIT = 60
#: What an operator runs when change events were lost: it syncs the won deals closed since then.
BACKFILL_COMMAND = "closedwon backfill --since {date}"


class Trigger(BaseModel):
    """The normalised Step Functions input (docs/reference/salesforce.md §7.3)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    contract_version: str = Field("1", alias="contractVersion")
    trigger: Literal["PLATFORM_EVENT", "CDC", "REPLAY", "BACKFILL"]
    opportunity_id: str = Field(alias="opportunityId")
    account_id: str | None = Field(None, alias="accountId")
    primary_quote_id: str | None = Field(None, alias="primaryQuoteId")
    closed_won_at: str | None = Field(None, alias="closedWonAt")
    salesforce_org_id: str = Field(alias="salesforceOrgId")
    event_id: str = Field(alias="eventBridgeEventId")
    #: CDC only: why a change event is not a sync trigger (the deal is then Skipped).
    skip_reason: str | None = Field(None, alias="skipReason")
    #: CDC only: Salesforce said change events were lost (an overflow event names no record, so
    #: ``opportunity_id`` is empty); the trigger is Skipped and says which backfill to run.
    events_lost: bool = Field(False, alias="eventsLost")

    def to_json(self) -> dict[str, Any]:
        """The trigger as the state machine carries it (the camelCase aliases)."""
        return self.model_dump(by_alias=True, mode="json")


class _Envelope(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: str = Field(min_length=1)
    source: str
    detail_type: str = Field(alias="detail-type")
    time: str | None = None
    detail: dict[str, Any]


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``value`` in quotes for an error text, elided past ``limit`` characters."""
    text = str(value)
    if len(text) > limit:
        text = f"{text[:limit]}… ({len(text):,} characters)"
    return f"'{text}'"


def source_org_id(source: str) -> str | None:
    """The org id segment of ``aws.partner/salesforce.com/<orgId>/<channelId>``."""
    if not source.startswith(SOURCE_PREFIX):
        return None
    parts = source[len(SOURCE_PREFIX) :].split("/")
    return parts[0] if parts and parts[0] else None


def unmatched_reason(event: object, *, org_id: str) -> str:
    """Which of source, detail-type and org of a relayed event do not match what the rules accept.

    The rules (template.yaml) deliver events whose source is
    ``aws.partner/salesforce.com/<the configured org>/...`` and whose detail-type is the platform
    event or the Opportunity change event; this names every part that differs.
    """
    if not isinstance(event, dict):
        return "the event is not a JSON object"
    reasons = []
    source = event.get("source")
    event_org = source_org_id(source) if isinstance(source, str) else None
    if not isinstance(source, str):
        reasons.append("source: missing")
    elif event_org is None:
        reasons.append(
            f"source: {quoted(source)} is not a Salesforce partner event source "
            f"({SOURCE_PREFIX}<org id>/<channel>)"
        )
    elif normalise_id(event_org) != normalise_id(org_id):
        reasons.append(f"org: {quoted(event_org)} in the source is not the configured org {org_id}")
    detail_type = event.get("detail-type")
    expected = f"{PLATFORM_EVENT_NAME} or {CDC_EVENT_NAME}"
    if detail_type is None:
        reasons.append(f"detail-type: missing (expected {expected})")
    elif detail_type not in (PLATFORM_EVENT_NAME, CDC_EVENT_NAME):
        reasons.append(f"detail-type: {quoted(detail_type)} is not {expected}")
    return "; ".join(reasons) or "source, detail-type and org all match"


def parse_trigger_input(
    event: dict[str, Any], *, org_id: str, integration_user_id: str | None
) -> list[Trigger]:
    """Turn the state machine input into triggers.

    The input is either a relayed EventBridge event, or ``{"trigger": {...}}`` (a replay, a
    backfill, or a CDC fan-out restart). Raises :class:`InvalidEvent` naming every problem.
    """
    if "trigger" in event and isinstance(event["trigger"], dict):
        try:
            trigger = Trigger.model_validate(event["trigger"])
        except ValidationError as exc:
            raise InvalidEvent(f"trigger: {_pydantic_problems(exc)}") from None
        return [_checked_trigger(trigger, org_id)]
    return normalise_event(event, org_id=org_id, integration_user_id=integration_user_id)


def _checked_trigger(trigger: Trigger, org_id: str) -> Trigger:
    """A replay/backfill/fan-out trigger is held to the event rules: its ids go to Salesforce."""
    problems = [
        f"trigger.{name}: not a Salesforce id"
        for name, value in (
            ("opportunityId", trigger.opportunity_id),
            ("accountId", trigger.account_id),
            ("primaryQuoteId", trigger.primary_quote_id),
        )
        if value is not None and not is_salesforce_id(value)
    ]
    org = trigger.salesforce_org_id
    if normalise_id(org) is None or normalise_id(org) != normalise_id(org_id):
        problems.append(
            f"trigger.salesforceOrgId: {quoted(org, 40)} is not the configured org {org_id}"
        )
    if problems:
        raise InvalidEvent("; ".join(problems))
    return trigger.model_copy(
        update={
            "opportunity_id": to_18(trigger.opportunity_id),
            "account_id": normalise_id(trigger.account_id),
            "primary_quote_id": normalise_id(trigger.primary_quote_id),
            "salesforce_org_id": to_18(org),
        }
    )


def normalise_event(
    event: dict[str, Any], *, org_id: str, integration_user_id: str | None
) -> list[Trigger]:
    """Validate a relayed event and normalise it to one trigger per opportunity."""
    if not isinstance(event, dict):
        raise InvalidEvent("event: must be a JSON object")
    try:
        env = _Envelope.model_validate(event)
    except ValidationError as exc:
        raise InvalidEvent(f"event envelope: {_pydantic_problems(exc)}") from None
    event_org = source_org_id(env.source)
    if event_org is None:
        raise InvalidEvent(
            f"source: {quoted(env.source, 100)} is not a Salesforce partner event source"
        )
    if normalise_id(event_org) is None or normalise_id(event_org) != normalise_id(org_id):
        raise InvalidEvent(
            f"source: org {quoted(event_org, 40)} is not the configured org {org_id}"
        )
    payload = env.detail.get("payload")
    if not isinstance(payload, dict):
        raise InvalidEvent("detail.payload: missing or not an object")
    if env.detail_type == PLATFORM_EVENT_NAME:
        return [_from_platform_event(env, payload, org_id)]
    if env.detail_type == CDC_EVENT_NAME:
        return _from_change_event(env, payload, org_id, integration_user_id)
    raise InvalidEvent(f"detail-type: {quoted(env.detail_type, 100)} is not a supported event")


def _from_platform_event(env: _Envelope, payload: dict[str, Any], org_id: str) -> Trigger:
    problems: list[str] = []
    opp = normalise_id(payload.get("Opportunity_Id__c"))
    if opp is None:
        problems.append("detail.payload.Opportunity_Id__c: not a Salesforce id")
    account = payload.get("Account_Id__c")
    if account is not None and not is_salesforce_id(account):
        problems.append("detail.payload.Account_Id__c: not a Salesforce id")
    quote = payload.get("Primary_Quote_Id__c")
    if quote not in (None, "") and not is_salesforce_id(quote):
        problems.append("detail.payload.Primary_Quote_Id__c: not a Salesforce id")
    version = payload.get("Schema_Version__c")
    if not isinstance(version, str) or version.split(".")[0] != SUPPORTED_SCHEMA_MAJOR:
        problems.append(
            f"detail.payload.Schema_Version__c: {quoted(version, 20)} is not a supported version "
            f"(expected {SUPPORTED_SCHEMA_MAJOR}.x)"
        )
    closed_at = payload.get("Closed_Won_At__c")
    if closed_at is not None and (not isinstance(closed_at, str) or len(closed_at) > 40):
        problems.append("detail.payload.Closed_Won_At__c: not a date-time")
    source_org = payload.get("Source_Org_Id__c")
    if source_org not in (None, "") and (
        normalise_id(source_org) is None or normalise_id(source_org) != normalise_id(org_id)
    ):
        problems.append("detail.payload.Source_Org_Id__c: does not match the event source org")
    if problems or opp is None:
        raise InvalidEvent("; ".join(problems))
    return Trigger(
        trigger="PLATFORM_EVENT",
        opportunity_id=opp,
        account_id=normalise_id(account),
        primary_quote_id=normalise_id(quote),
        closed_won_at=closed_at,
        salesforce_org_id=to_18(org_id),
        event_id=env.id,
    )


def _from_change_event(
    env: _Envelope, payload: dict[str, Any], org_id: str, integration_user_id: str | None
) -> list[Trigger]:
    header = payload.get("ChangeEventHeader")
    if not isinstance(header, dict):
        raise InvalidEvent("detail.payload.ChangeEventHeader: missing or not an object")
    if header.get("entityName") != "Opportunity":
        raise InvalidEvent(
            "detail.payload.ChangeEventHeader.entityName: "
            f"{quoted(header.get('entityName'))} is not Opportunity"
        )
    change_type = str(header.get("changeType", ""))
    record_ids = header.get("recordIds")
    if _events_lost(change_type, record_ids):
        return [_events_lost_trigger(env, header, org_id)]
    if not isinstance(record_ids, list) or not record_ids:
        raise InvalidEvent("detail.payload.ChangeEventHeader.recordIds: missing or empty")
    bad = [quoted(r, 30) for r in record_ids if not is_salesforce_id(r)]
    if bad:
        raise InvalidEvent(
            f"detail.payload.ChangeEventHeader.recordIds: not Salesforce ids: {', '.join(bad[:5])}"
        )
    skip = _cdc_skip_reason(header, payload, change_type, integration_user_id)
    return [
        Trigger(
            trigger="CDC",
            opportunity_id=to_18(rid),
            account_id=normalise_id(payload.get("AccountId")),
            primary_quote_id=normalise_id(payload.get("SBQQ__PrimaryQuote__c")),
            closed_won_at=payload.get("LastModifiedDate")
            if isinstance(payload.get("LastModifiedDate"), str)
            else None,
            salesforce_org_id=to_18(org_id),
            event_id=env.id,
            skip_reason=skip,
        )
        for rid in record_ids
    ]


def _events_lost(change_type: str, record_ids: object) -> bool:
    """An overflow event (no record ids) or a wildcard ``006*`` entry: no record can be re-read.

    Salesforce CDC Developer Guide, "Overflow Events" (GAP_OVERFLOW carries neither fields nor
    record ids) and "ChangeEventHeader Fields" (recordIds holds ``<key prefix>*`` after a field
    type conversion that touched every record).
    """
    if change_type == "GAP_OVERFLOW":
        return True
    return isinstance(record_ids, list) and any(
        isinstance(r, str) and r.endswith("*") for r in record_ids
    )


def _events_lost_trigger(env: _Envelope, header: dict[str, Any], org_id: str) -> Trigger:
    since = _commit_date(header.get("commitTimestamp")) or (env.time or "")[:10] or "<date>"
    change_type = str(header.get("changeType") or "(none)")[:40]
    return Trigger(
        trigger="CDC",
        opportunity_id="",
        salesforce_org_id=to_18(org_id),
        event_id=env.id,
        events_lost=True,
        skip_reason=(
            f"events were lost (Salesforce sent a {change_type} change event that names no "
            f"opportunity): run `{BACKFILL_COMMAND.format(date=since)}`"
        ),
    )


def _commit_date(value: object) -> str | None:
    """The UTC date of a CDC ``commitTimestamp`` (milliseconds since the epoch)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return dt.datetime.fromtimestamp(value / 1000, dt.UTC).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return None


def _cdc_skip_reason(
    header: dict[str, Any],
    payload: dict[str, Any],
    change_type: str,
    integration_user_id: str | None,
) -> str | None:
    """Why a change event is not a transition to Closed Won (None: it is one, or must be re-read)."""
    commit_user = normalise_id(header.get("commitUser"))
    if integration_user_id and commit_user and commit_user == normalise_id(integration_user_id):
        return "change made by the integration user (write-back); ignored to avoid a sync loop"
    if change_type in ("GAP_CREATE", "GAP_UPDATE", "GAP_UNDELETE"):
        # A gap event carries the record ids but no fields: LoadDeal re-reads the opportunity and
        # decides, as Salesforce recommends (CDC Developer Guide, "Gap Events").
        return None
    if change_type not in ("CREATE", "UPDATE"):
        return f"change type {change_type[:40] or '(none)'} is not a create or update"
    if payload.get("StageName") != WON_STAGE:
        return f"StageName is not '{WON_STAGE}' in this change"
    if change_type == "CREATE":
        return None
    changed = header.get("changedFields")
    if not isinstance(changed, list):
        return None  # unknown encoding: treat as a possible transition; LoadDeal re-reads
    if any(isinstance(f, str) and _BITMAP_FIELD.match(f) for f in changed):
        return None  # bitmap-encoded field list: cannot tell, re-read
    if "StageName" not in changed:
        return "StageName did not change (the opportunity was already Closed Won)"
    return None


def _pydantic_problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"[:300] for e in exc.errors()
    )
