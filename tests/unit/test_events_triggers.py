"""Relayed events → triggers: ids held to the id rules, gap events, and why an event is unmatched."""

from __future__ import annotations

from typing import Any

import pytest

from closedwon.errors import InvalidEvent
from closedwon.events import normalise_event, parse_trigger_input, unmatched_reason
from offline.corpus import ORG_ID, change_event, platform_event

OPP = {"Id": "0065f0000000001AAA", "AccountId": "0015f0000000001AAA"}


def triggers(event: dict[str, Any]) -> list:
    return normalise_event(event, org_id=ORG_ID, integration_user_id=None)


def gap(change_type: str, record_ids: list[str] | None) -> dict[str, Any]:
    """A gap or overflow event: the header only, no record fields (Salesforce CDC Developer
    Guide, "Gap Events" and "Overflow Events")."""
    event = change_event(OPP, ORG_ID, change_type=change_type)
    header = event["detail"]["payload"]["ChangeEventHeader"]
    header["changedFields"] = []
    if record_ids is None:
        header.pop("recordIds")
    else:
        header["recordIds"] = record_ids
    event["detail"]["payload"] = {"ChangeEventHeader": header}
    return event


# -- ids --------------------------------------------------------------------------------------------


def test_given_an_opportunity_id_with_a_trailing_newline_then_the_event_is_invalid() -> None:
    event = platform_event(OPP, ORG_ID)
    event["detail"]["payload"]["Opportunity_Id__c"] = OPP["Id"] + "\n"
    with pytest.raises(InvalidEvent, match="Opportunity_Id__c: not a Salesforce id"):
        triggers(event)


def test_given_an_opportunity_id_with_a_wrong_checksum_then_the_event_is_invalid() -> None:
    event = platform_event(OPP, ORG_ID)
    event["detail"]["payload"]["Opportunity_Id__c"] = "0065f0000000001ZZZ"
    with pytest.raises(InvalidEvent, match="Opportunity_Id__c: not a Salesforce id"):
        triggers(event)


def test_given_15_character_ids_in_a_replay_then_the_trigger_holds_their_18_character_form() -> (
    None
):
    trigger = {
        "trigger": "REPLAY",
        "opportunityId": OPP["Id"][:15],
        "salesforceOrgId": ORG_ID[:15],
        "eventBridgeEventId": "replay-1",
    }
    [parsed] = parse_trigger_input({"trigger": trigger}, org_id=ORG_ID, integration_user_id=None)
    assert (parsed.opportunity_id, parsed.salesforce_org_id) == (OPP["Id"], ORG_ID)


def test_the_trigger_json_carries_no_dead_keys() -> None:
    [trigger] = triggers(platform_event(OPP, ORG_ID))
    assert "idempotencyKey" not in trigger.to_json() and "needsReread" not in trigger.to_json()


# -- gap and overflow events ---------------------------------------------------------------------


@pytest.mark.parametrize("record_ids", [None, [], ["006*"]])
def test_given_an_overflow_event_then_the_trigger_is_skipped_and_says_which_backfill_to_run(
    record_ids: list[str] | None,
) -> None:
    change = "GAP_OVERFLOW" if record_ids != ["006*"] else "GAP_UPDATE"
    [trigger] = triggers(gap(change, record_ids))
    assert trigger.events_lost is True
    assert trigger.opportunity_id == ""
    # commitTimestamp 1772644868000 ms is 2026-03-04 (UTC)
    assert trigger.skip_reason is not None
    assert trigger.skip_reason.startswith("events were lost")
    assert "run `closedwon backfill --since 2026-03-04`" in trigger.skip_reason


@pytest.mark.parametrize("change_type", ["GAP_CREATE", "GAP_UPDATE", "GAP_UNDELETE"])
def test_given_a_gap_event_with_record_ids_then_the_deal_is_re_read(change_type: str) -> None:
    [trigger] = triggers(gap(change_type, [OPP["Id"]]))
    assert (trigger.opportunity_id, trigger.skip_reason, trigger.events_lost) == (
        OPP["Id"],
        None,
        False,
    )


def test_given_a_gap_delete_then_the_trigger_is_skipped_like_a_delete() -> None:
    [trigger] = triggers(gap("GAP_DELETE", [OPP["Id"]]))
    assert trigger.skip_reason == "change type GAP_DELETE is not a create or update"


# -- unmatched events ---------------------------------------------------------------------------


OTHER_ORG = "00D5f000009ZzZzEAK"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"source": f"aws.partner/salesforce.com/{OTHER_ORG}/0YL5f000000CabWGAS"},
            f"org: '{OTHER_ORG}' in the source is not the configured org {ORG_ID}",
        ),
        (
            {"source": "com.example.crm"},
            "source: 'com.example.crm' is not a Salesforce partner event source",
        ),
        ({"source": None}, "source: missing"),
        (
            {"detail-type": "Opportunity_Closed_Lost__e"},
            "detail-type: 'Opportunity_Closed_Lost__e' is not Opportunity_Closed_Won__e or "
            "OpportunityChangeEvent",
        ),
        ({"detail-type": None}, "detail-type: missing (expected Opportunity_Closed_Won__e"),
    ],
)
def test_an_unmatched_event_says_which_of_source_detail_type_and_org_did_not_match(
    change: dict[str, Any], expected: str
) -> None:
    event = platform_event(OPP, ORG_ID)
    for key, value in change.items():
        if value is None:
            event.pop(key)
        else:
            event[key] = value
    reason = unmatched_reason(event, org_id=ORG_ID)
    assert expected in reason
    assert reason.count(";") == 0  # only the part that differs is named


def test_an_unmatched_event_with_two_differences_names_both() -> None:
    event = platform_event(OPP, OTHER_ORG)
    event["detail-type"] = "Lead_Converted__e"
    reason = unmatched_reason(event, org_id=ORG_ID)
    assert reason.startswith("org: ") and "; detail-type: 'Lead_Converted__e'" in reason


def test_an_unmatched_reason_elides_a_huge_source() -> None:
    event = platform_event(OPP, ORG_ID)
    event["source"] = "x" * 100_000
    assert len(unmatched_reason(event, org_id=ORG_ID)) < 300


HOSTILE: list[Any] = [None, "", "x" * 100_000, {}, [], [None], [{}], True, 1e308, -1, "006*"]
PE_FIELDS = list(platform_event(OPP, ORG_ID)["detail"]["payload"])
CDC_HEADER_FIELDS = list(change_event(OPP, ORG_ID)["detail"]["payload"]["ChangeEventHeader"])


@pytest.mark.parametrize("field", PE_FIELDS)
def test_a_hostile_platform_event_value_ends_as_a_trigger_or_invalid_event(field: str) -> None:
    for value in HOSTILE:
        event = platform_event(OPP, ORG_ID)
        event["detail"]["payload"][field] = value
        try:
            triggers(event)
        except InvalidEvent as exc:
            assert len(str(exc)) < 1_000, (field, value)


@pytest.mark.parametrize("field", CDC_HEADER_FIELDS)
def test_a_hostile_change_event_header_value_ends_as_a_trigger_or_invalid_event(field: str) -> None:
    for value in HOSTILE:
        event = change_event(OPP, ORG_ID)
        event["detail"]["payload"]["ChangeEventHeader"][field] = value
        try:
            triggers(event)
        except InvalidEvent as exc:
            assert len(str(exc)) < 1_000, (field, value)
