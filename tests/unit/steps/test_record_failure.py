"""RecordFailure: the Error status and the DLQ message, whatever caused the failure.

Caps it must respect: an SQS message is at most 256 KiB (Amazon SQS Developer Guide, "Amazon SQS
message quotas") and a Step Functions state at most 256 KB (AWS Step Functions Developer Guide,
"Step Functions service quotas", maximum input or output size for a task, state or execution).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from closedwon.config import WritebackFields
from closedwon.errors import AuthOrConfig, Transient
from closedwon.steps import record_failure
from tests.fakes.deps import FakeDeps, settings
from tests.unit.steps.conftest import EXECUTION, OPPORTUNITY

CAP = 256 * 1024
CONFIG_ERROR = (
    "mapping config /var/task/mapping.yaml is invalid: netsuite.curencies: "
    "Extra inputs are not permitted"
)


def failure(
    error_type: str, message: str, *, input_event: Any, step: str = "LoadDeal"
) -> dict[str, Any]:
    """RecordFailure's input after a Catch: the state with Lambda's error payload as Cause."""
    cause = json.dumps({"errorType": error_type, "errorMessage": message, "stackTrace": []})
    return {
        "state": {
            "input": input_event,
            "error": {"Error": error_type, "Cause": cause},
            "failedStep": step,
        },
        "executionId": EXECUTION,
    }


def message_of(result: dict[str, Any]) -> dict[str, Any]:
    message = result["message"]
    assert len(json.dumps(message)) < CAP
    assert len(json.dumps(result)) < CAP
    return message


def test_given_an_invalid_deal_when_recorded_then_salesforce_gets_the_error_and_the_dlq_the_event(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    message = message_of(
        record_failure.run(
            failure("InvalidDeal", "Opportunity cannot be synced", input_event=platform_event), deps
        )
    )
    assert message["opportunityId"] == OPPORTUNITY and message["event"] == platform_event
    assert message["errorClass"] == "InvalidDeal" and message["permanent"] is True
    assert message["salesforceStatusWritten"] is True and message["attempts"] == 1
    status = deps.salesforce.fields_of("Opportunity", OPPORTUNITY)
    assert status["NetSuite_Sync_Status__c"] == "Error"
    assert status["NetSuite_Sync_Error__c"].startswith("InvalidDeal: Opportunity cannot be synced")
    assert deps.deal_lease is not None and deps.deal_lease.released == [(OPPORTUNITY, EXECUTION)]


def test_given_a_broken_mapping_config_when_recorded_then_the_default_fields_carry_its_full_reason(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    deps.config_error = AuthOrConfig(CONFIG_ERROR)
    message = message_of(
        record_failure.run(failure("AuthOrConfig", CONFIG_ERROR, input_event=platform_event), deps)
    )
    assert message["errorClass"] == "AuthOrConfig" and message["errorMessage"] == CONFIG_ERROR
    assert message["permanent"] is True and message["salesforceStatusWritten"] is True
    defaults = WritebackFields()
    status = deps.salesforce.fields_of("Opportunity", OPPORTUNITY)
    assert status[defaults.opportunity_status] == "Error"
    assert CONFIG_ERROR in status[defaults.opportunity_error]


def test_given_salesforce_down_when_recorded_then_the_message_still_goes_out_and_says_why(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    deps.salesforce.down = Transient("Salesforce answered 503 reading the login")
    message = message_of(
        record_failure.run(
            failure("Transient", "NetSuite answered 503", input_event=platform_event), deps
        )
    )
    assert message["salesforceStatusWritten"] is False
    assert message["salesforceStatusError"].startswith("Transient: Salesforce answered 503")
    assert message["permanent"] is False and message["attempts"] == 4


def test_given_a_broken_environment_when_recorded_then_the_message_still_goes_out(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    class NoEnvironment:
        """The fakes, except that the settings (and so the lease) cannot be built."""

        def __getattr__(self, name: str) -> Any:
            if name in ("settings", "deal_lease"):
                raise AuthOrConfig("function environment is invalid: COORDINATION_TABLE: missing")
            return getattr(deps, name)

    broken: Any = NoEnvironment()
    message = message_of(
        record_failure.run(failure("AuthOrConfig", "x", input_event=platform_event), broken)
    )
    assert message["opportunityId"] == OPPORTUNITY and message["salesforceStatusWritten"] is True


def test_given_a_cdc_event_failing_in_load_deal_then_status_and_lease_follow_its_record_id(
    deps: FakeDeps, cdc_event: dict[str, Any]
) -> None:
    message = message_of(
        record_failure.run(
            failure("Transient", "Salesforce answered 503", input_event=cdc_event), deps
        )
    )
    assert message["opportunityId"] == OPPORTUNITY
    assert (
        deps.salesforce.fields_of("Opportunity", OPPORTUNITY)["NetSuite_Sync_Status__c"] == "Error"
    )
    assert deps.deal_lease is not None and deps.deal_lease.released == [(OPPORTUNITY, EXECUTION)]


def test_given_a_cdc_event_when_recorded_then_the_dlq_keeps_its_header_and_ids_never_field_values(
    deps: FakeDeps, cdc_event: dict[str, Any]
) -> None:
    event = copy.deepcopy(cdc_event)
    event["detail"]["payload"].update(Name="Jane Doe's deal", Description="call +1 555 0100")
    message = message_of(record_failure.run(failure("InvalidDeal", "x", input_event=event), deps))
    payload = message["event"]["detail"]["payload"]
    assert payload["ChangeEventHeader"] == cdc_event["detail"]["payload"]["ChangeEventHeader"]
    assert payload["AccountId"] == "0015f0000000001AAA"
    text = json.dumps(message)
    assert "Jane" not in text and "555" not in text and "Closed Won" not in text
    assert message["event"]["id"] == cdc_event["id"]


@pytest.mark.parametrize("size", [130 * 1024, 250 * 1024])
def test_given_an_event_of_any_size_when_recorded_then_the_message_fits_both_caps(
    deps: FakeDeps, cdc_event: dict[str, Any], size: int
) -> None:
    event = copy.deepcopy(cdc_event)
    event["detail"]["payload"]["ChangeEventHeader"]["changedFields"] = ["Description"] * (
        size // 14
    )
    message = message_of(record_failure.run(failure("InvalidDeal", "x", input_event=event), deps))
    assert message["event"]["omittedBytes"] > 64 * 1024
    assert message["event"]["id"] == cdc_event["id"] and message["opportunityId"] == OPPORTUNITY


def test_given_a_huge_non_ascii_error_message_when_recorded_then_the_message_fits(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    message = message_of(
        record_failure.run(
            failure("InvalidDeal", "\u2603" * 200_000, input_event=platform_event), deps
        )
    )
    assert message["errorMessage"].endswith("(truncated)")
    assert len(message["errorMessage"]) <= 32_000
    assert message["event"] == platform_event


def test_given_a_large_event_and_a_long_non_ascii_error_when_recorded_then_the_error_is_cut_to_fit(
    deps: FakeDeps, cdc_event: dict[str, Any]
) -> None:
    event = copy.deepcopy(cdc_event)
    event["detail"]["payload"]["ChangeEventHeader"]["changedFields"] = ["Description"] * 4000
    message = message_of(
        record_failure.run(failure("InvalidDeal", "\u2603" * 40_000, input_event=event), deps)
    )
    assert len(message["event"]["detail"]["payload"]["ChangeEventHeader"]["changedFields"]) == 4000
    assert message["errorMessage"].endswith("(truncated)")
    assert len(json.dumps(message)) <= 192 * 1024


@pytest.mark.parametrize(
    "given",
    [
        None,
        [],
        "text",
        {},
        {"state": []},
        {"state": {"error": "x", "input": 7}},
        {"state": {"failedStep": ["x"]}},
    ],
)
def test_given_any_shape_of_input_when_recorded_then_a_message_comes_out(
    deps: FakeDeps, given: Any
) -> None:
    message = message_of(record_failure.run(given, deps))
    assert message["opportunityId"] is None and message["salesforceStatusWritten"] is False
    assert deps.salesforce.written == []


def test_given_an_unusable_opportunity_id_when_recorded_then_salesforce_is_not_touched(
    deps: FakeDeps,
) -> None:
    event = {"trigger": {"opportunityId": "0065f0000000001AAA' OR Id != '"}}
    message = message_of(
        record_failure.run(failure("InvalidEvent", "bad id", input_event=event), deps)
    )
    assert message["opportunityId"] is None and deps.salesforce.written == []


def test_given_no_coordination_when_recorded_then_nothing_is_released(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    deps.deal_lease = None
    deps.settings = settings(COORDINATION_TABLE=None, CLOSEDWON_UNCOORDINATED="true")
    message = message_of(
        record_failure.run(failure("InvalidDeal", "x", input_event=platform_event), deps)
    )
    assert message["salesforceStatusWritten"] is True


@pytest.mark.parametrize(
    "reason", ["event: detail-type is missing", "event: source is another org"]
)
def test_given_an_event_load_deal_rejected_when_recorded_then_salesforce_is_not_touched(
    deps: FakeDeps, platform_event: dict[str, Any], reason: str
) -> None:
    message = message_of(
        record_failure.run(failure("InvalidEvent", reason, input_event=platform_event), deps)
    )
    assert deps.salesforce.written == []
    assert message["opportunityId"] == OPPORTUNITY and message["errorMessage"] == reason
    assert message["salesforceStatusWritten"] is False
    assert message["salesforceStatusError"] == record_failure.NOT_WRITTEN_FOR_REJECTED_EVENT


def test_given_an_error_quoting_contact_details_when_recorded_then_salesforce_gets_them_redacted(
    deps: FakeDeps, platform_event: dict[str, Any]
) -> None:
    detail = (
        "Invalid email jane.doe@acme-analytics.example or phone +1 (617) 555-0101 on contact "
        "arn:aws:lambda:us-east-1:123456789012:function:closedwon-UpsertContacts, since 2026-03-04"
    )
    message = message_of(
        record_failure.run(
            failure(
                "RejectedByNetSuite", detail, input_event=platform_event, step="UpsertContacts"
            ),
            deps,
        )
    )
    written = deps.salesforce.fields_of("Opportunity", OPPORTUNITY)["NetSuite_Sync_Error__c"]
    assert "acme-analytics" not in written and "555" not in written and "arn:" not in written
    assert "[e-mail]" in written and "[phone]" in written and "2026-03-04" in written
    assert EXECUTION.rsplit(":", 1)[-1] in written
    assert message["errorMessage"] == detail  # the DLQ keeps the detail for the operators
