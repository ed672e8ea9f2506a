"""The relayed event and the normalised trigger (docs/reference/salesforce.md §7).

Two event shapes arrive on the partner bus: the custom platform event ``Opportunity_Closed_Won__e``
and the CDC ``OpportunityChangeEvent``. Both become :class:`Trigger`, the thin input the rest of
the workflow works from: everything else is re-read from Salesforce (the source of truth).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from closedwon.errors import InvalidEvent

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

_SALESFORCE_ID = re.compile(r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")
# Pub/Sub-style bitmap entries in changedFields ("0x650004E0", "4-0x10"): names are unknown.
_BITMAP_FIELD = re.compile(r"^(\d+-)?0x[0-9A-Fa-f]+$")


def is_salesforce_id(value: object) -> bool:
    return isinstance(value, str) and bool(_SALESFORCE_ID.match(value))


def to_18(sf_id: str) -> str:
    """The case-safe 18-character form of a Salesforce id (15-char ids gain their checksum)."""
    if len(sf_id) == 18:
        return sf_id
    suffix = ""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(sf_id[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        suffix += alphabet[bits]
    return sf_id + suffix


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
    #: CDC gap events carry no field data: the deal must be re-read to decide.
    needs_reread: bool = Field(False, alias="needsReread")

    @property
    def idempotency_key(self) -> str:
        return f"{self.opportunity_id}:{self.closed_won_at or self.event_id}"

    def to_json(self) -> dict[str, Any]:
        data = self.model_dump(by_alias=True, mode="json")
        data["idempotencyKey"] = self.idempotency_key
        return data


class _Envelope(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: str = Field(min_length=1)
    source: str
    detail_type: str = Field(alias="detail-type")
    time: str | None = None
    detail: dict[str, Any]


def source_org_id(source: str) -> str | None:
    """The org id segment of ``aws.partner/salesforce.com/<orgId>/<channelId>``."""
    if not source.startswith(SOURCE_PREFIX):
        return None
    parts = source[len(SOURCE_PREFIX) :].split("/")
    return parts[0] if parts and parts[0] else None


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
        _check_trigger(trigger, org_id)
        return [trigger]
    return normalise_event(event, org_id=org_id, integration_user_id=integration_user_id)


def _check_trigger(trigger: Trigger, org_id: str) -> None:
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
    if not is_salesforce_id(org) or to_18(org) != to_18(org_id):
        problems.append(f"trigger.salesforceOrgId: '{org[:40]}' is not the configured org {org_id}")
    if problems:
        raise InvalidEvent("; ".join(problems))


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
        raise InvalidEvent(f"source: '{env.source[:100]}' is not a Salesforce partner event source")
    if not is_salesforce_id(event_org) or to_18(event_org) != to_18(org_id):
        raise InvalidEvent(f"source: org '{event_org[:40]}' is not the configured org {org_id}")
    payload = env.detail.get("payload")
    if not isinstance(payload, dict):
        raise InvalidEvent("detail.payload: missing or not an object")
    if env.detail_type == PLATFORM_EVENT_NAME:
        return [_from_platform_event(env, payload, org_id)]
    if env.detail_type == CDC_EVENT_NAME:
        return _from_change_event(env, payload, org_id, integration_user_id)
    raise InvalidEvent(f"detail-type: '{env.detail_type[:100]}' is not a supported event")


def _from_platform_event(env: _Envelope, payload: dict[str, Any], org_id: str) -> Trigger:
    problems: list[str] = []
    opp = payload.get("Opportunity_Id__c")
    if not is_salesforce_id(opp):
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
            f"detail.payload.Schema_Version__c: '{str(version)[:20]}' is not a supported version "
            f"(expected {SUPPORTED_SCHEMA_MAJOR}.x)"
        )
    closed_at = payload.get("Closed_Won_At__c")
    if closed_at is not None and (not isinstance(closed_at, str) or len(closed_at) > 40):
        problems.append("detail.payload.Closed_Won_At__c: not a date-time")
    source_org = payload.get("Source_Org_Id__c")
    if source_org not in (None, "") and (
        not is_salesforce_id(source_org) or to_18(source_org) != to_18(org_id)
    ):
        problems.append("detail.payload.Source_Org_Id__c: does not match the event source org")
    if problems:
        raise InvalidEvent("; ".join(problems))
    assert isinstance(opp, str)
    return Trigger(
        trigger="PLATFORM_EVENT",
        opportunity_id=to_18(opp),
        account_id=to_18(account) if isinstance(account, str) else None,
        primary_quote_id=to_18(quote) if isinstance(quote, str) and quote else None,
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
            f"detail.payload.ChangeEventHeader.entityName: '{header.get('entityName')}' is not Opportunity"
        )
    record_ids = header.get("recordIds")
    if not isinstance(record_ids, list) or not record_ids:
        raise InvalidEvent("detail.payload.ChangeEventHeader.recordIds: missing or empty")
    bad = [str(r)[:30] for r in record_ids if not is_salesforce_id(r)]
    if bad:
        raise InvalidEvent(
            f"detail.payload.ChangeEventHeader.recordIds: not Salesforce ids: {bad[:5]}"
        )
    change_type = str(header.get("changeType", ""))
    skip = _cdc_skip_reason(header, payload, change_type, integration_user_id)
    return [
        Trigger(
            trigger="CDC",
            opportunity_id=to_18(rid),
            account_id=payload.get("AccountId")
            if is_salesforce_id(payload.get("AccountId"))
            else None,
            primary_quote_id=payload.get("SBQQ__PrimaryQuote__c")
            if is_salesforce_id(payload.get("SBQQ__PrimaryQuote__c"))
            else None,
            closed_won_at=payload.get("LastModifiedDate")
            if isinstance(payload.get("LastModifiedDate"), str)
            else None,
            salesforce_org_id=to_18(org_id),
            event_id=env.id,
            skip_reason=skip,
            needs_reread=change_type.startswith("GAP_"),
        )
        for rid in record_ids
    ]


def _cdc_skip_reason(
    header: dict[str, Any],
    payload: dict[str, Any],
    change_type: str,
    integration_user_id: str | None,
) -> str | None:
    """Why a change event is not a transition to Closed Won (None: it is one, or must be re-read)."""
    commit_user = header.get("commitUser")
    if (
        integration_user_id
        and isinstance(commit_user, str)
        and to_18(commit_user) == to_18(integration_user_id)
    ):
        return "change made by the integration user (write-back); ignored to avoid a sync loop"
    if change_type.startswith("GAP_"):
        return None  # no field data: LoadDeal re-reads the opportunity and decides
    if change_type not in ("CREATE", "UPDATE"):
        return f"change type {change_type or '(none)'} is not a create or update"
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
        f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()
    )
