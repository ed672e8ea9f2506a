"""The workflow definition, walked state by state: retries, catches, transitions, substitutions.

Retry rules follow the error taxonomy (closedwon/errors.py): Lambda tasks retry only the
retryable classes and Lambda's own service errors, never a permanent class (retrying bad data
only delays the DLQ message), always with full jitter and a cap on the delay.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from closedwon.errors import PERMANENT, RETRYABLE
from tests.integration.infra.conftest import ROOT, resources_of_type

# Errors the Lambda service (not our code) raises; safe to retry, nothing was done.
LAMBDA_SERVICE_ERRORS = frozenset(
    {
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
        "Lambda.ClientExecutionTimeoutException",
        "Lambda.Unknown",
    }
)
DEFAULT_MAX_ATTEMPTS = 3  # what Step Functions uses when a retrier omits MaxAttempts


Scope = dict[str, Any]  # a state machine or a Map/Parallel sub-machine: {"StartAt", "States"}


def scopes(machine: Scope, path: str = "") -> Iterator[tuple[str, Scope]]:
    """The top-level machine and every nested one (Map ItemProcessor/Iterator, Parallel Branches)."""
    yield path or "<root>", machine
    for name, state in machine["States"].items():
        nested = [state[key] for key in ("ItemProcessor", "Iterator") if key in state]
        nested += state.get("Branches", [])
        for i, sub in enumerate(nested):
            yield from scopes(sub, f"{path}/{name}[{i}]")


def all_states(machine: Scope) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for scope_name, scope in scopes(machine):
        for name, state in scope["States"].items():
            yield scope_name, name, state


def tasks(machine: Scope) -> list[tuple[str, dict[str, Any]]]:
    return [(name, state) for _, name, state in all_states(machine) if state["Type"] == "Task"]


def is_lambda_task(state: dict[str, Any]) -> bool:
    resource = state["Resource"]
    return bool(re.fullmatch(r"\$\{\w+FunctionArn\}", resource)) or ":lambda:" in resource


def transitions(state: dict[str, Any]) -> list[str]:
    targets = [state[key] for key in ("Next", "Default") if key in state]
    targets += [choice["Next"] for choice in state.get("Choices", [])]
    targets += [catcher["Next"] for catcher in state.get("Catch", [])]
    return targets


def retriers(machine: Scope) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    for name, state in tasks(machine):
        for retrier in state.get("Retry", []):
            yield name, state, retrier


# ---------------------------------------------------------------- structure


def test_every_task_retries_and_catches(asl: Scope) -> None:
    found = tasks(asl)
    assert {"UpsertSubscriptionPlan", "CreateSubscription"} <= {name for name, _ in found}, (
        "Map tasks are walked too"
    )
    for name, state in found:
        assert state.get("Retry"), f"{name} has no Retry"
        assert state.get("Catch"), f"{name} has no Catch"


def test_map_and_parallel_states_catch_what_their_iterations_raise(asl: Scope) -> None:
    for _, name, state in all_states(asl):
        if state["Type"] in ("Map", "Parallel"):
            assert state.get("Catch"), f"{name} has no Catch"


def test_catch_inside_a_map_ends_in_a_fail_state_that_keeps_the_error(asl: Scope) -> None:
    """An iteration's error must reach the outer Catch (and RecordFailure) with its class and cause."""
    for scope_name, scope in list(scopes(asl))[1:]:
        for name, state in scope["States"].items():
            for catcher in state.get("Catch", []):
                target = scope["States"][catcher["Next"]]
                if target["Type"] == "Fail":
                    assert target.get("ErrorPath") == f"{catcher['ResultPath']}.Error", (
                        scope_name,
                        name,
                    )
                    assert target.get("CausePath") == f"{catcher['ResultPath']}.Cause", (
                        scope_name,
                        name,
                    )


def test_every_transition_target_exists_in_its_scope(asl: Scope) -> None:
    for scope_name, scope in scopes(asl):
        assert scope["StartAt"] in scope["States"], scope_name
        for name, state in scope["States"].items():
            for target in transitions(state):
                assert target in scope["States"], f"{scope_name}: {name} -> {target}"


def test_every_state_is_reachable(asl: Scope) -> None:
    for scope_name, scope in scopes(asl):
        seen: set[str] = set()
        todo = [scope["StartAt"]]
        while todo:
            name = todo.pop()
            if name in seen or name not in scope["States"]:
                continue
            seen.add(name)
            todo.extend(transitions(scope["States"][name]))
        assert set(scope["States"]) - seen == set(), f"unreachable in {scope_name}"


def test_non_terminal_states_have_a_next(asl: Scope) -> None:
    for scope_name, name, state in all_states(asl):
        if state["Type"] in ("Succeed", "Fail", "Choice"):
            continue
        assert state.get("End") is True or "Next" in state, f"{scope_name}: {name}"


def test_every_failure_path_sends_a_dlq_message(asl: Scope) -> None:
    """Top-level Catches lead (through a Pass naming the step) to RecordFailure, then SendToDLQ."""
    root = asl["States"]
    for name, state in root.items():
        for catcher in state.get("Catch", []):
            if name in ("RecordFailure", "FallbackDlqMessage", "SendToDLQ"):
                continue
            target = root[catcher["Next"]]
            assert target["Type"] == "Pass" and target["Next"] == "RecordFailure", name
            # LoadDeal's input may not be an object, so its failure state is rebuilt from the
            # execution input instead of adding failedStep to it.
            assert (
                target.get("ResultPath") == "$.failedStep"
                or target.get("Parameters", {}).get("failedStep") == name
            ), name
    assert {root["RecordFailure"]["Next"], root["RecordFailure"]["Catch"][0]["Next"]} == {
        "SendToDLQ",
        "FallbackDlqMessage",
    }
    assert root["FallbackDlqMessage"]["Next"] == "SendToDLQ"


# ---------------------------------------------------------------- substitutions


def test_placeholders_and_definition_substitutions_match(
    asl: Scope, template: dict[str, Any]
) -> None:
    (machine,) = resources_of_type(template, "AWS::Serverless::StateMachine").values()
    text = (ROOT / machine["Properties"]["DefinitionUri"]).read_text(encoding="utf-8")
    placeholders = set(re.findall(r"\$\{([^}]+)\}", text))
    assert placeholders == set(machine["Properties"]["DefinitionSubstitutions"])


def test_lambda_tasks_invoke_step_functions_of_this_template(
    asl: Scope, template: dict[str, Any]
) -> None:
    (machine,) = resources_of_type(template, "AWS::Serverless::StateMachine").values()
    substitutions = machine["Properties"]["DefinitionSubstitutions"]
    functions = resources_of_type(template, "AWS::Serverless::Function")
    for name, state in tasks(asl):
        if not is_lambda_task(state):
            continue
        key = state["Resource"][2:-1]
        assert substitutions[key] == {"Fn::GetAtt": [key.removesuffix("Arn"), "Arn"]}, name
        assert key.removesuffix("Arn") in functions, name


# ---------------------------------------------------------------- retries


def test_lambda_tasks_retry_only_retryable_classes_and_lambda_service_errors(asl: Scope) -> None:
    allowed = set(RETRYABLE) | LAMBDA_SERVICE_ERRORS
    for name, state, retrier in retriers(asl):
        if is_lambda_task(state):
            assert set(retrier["ErrorEquals"]) <= allowed, (
                f"{name} retries {set(retrier['ErrorEquals']) - allowed}"
            )


def test_permanent_error_classes_are_never_retried(asl: Scope) -> None:
    for name, _, retrier in retriers(asl):
        assert not set(retrier["ErrorEquals"]) & set(PERMANENT), name


def test_only_service_integrations_may_retry_every_error(asl: Scope) -> None:
    """States.ALL would retry permanent classes; only the SQS send (no taxonomy errors) uses it."""
    for name, state, retrier in retriers(asl):
        if {"States.ALL", "States.TaskFailed"} & set(retrier["ErrorEquals"]):
            assert state["Resource"].startswith("arn:aws:states:::"), name


def test_every_retry_has_full_jitter_and_a_delay_cap(asl: Scope) -> None:
    found = list(retriers(asl))
    assert found
    for name, _, retrier in found:
        assert retrier.get("JitterStrategy") == "FULL", name
        assert isinstance(retrier.get("MaxDelaySeconds"), int), name
        assert retrier["MaxDelaySeconds"] >= retrier.get("IntervalSeconds", 1), name


def test_every_retryable_class_is_retried_on_every_lambda_task_that_calls_out(asl: Scope) -> None:
    """Throttled and Transient come from every Salesforce/NetSuite call; DealBusy only where locks are taken."""
    for name, state in tasks(asl):
        if not is_lambda_task(state):
            continue
        retried = {error for retrier in state["Retry"] for error in retrier["ErrorEquals"]}
        assert "Transient" in retried, name
        if (
            name != "RecordFailure"
        ):  # best effort by design: Throttled writes are reported, not retried
            assert "Throttled" in retried, name


def _max_attempts_by_class(asl: Scope) -> dict[str, set[int]]:
    by_class: dict[str, set[int]] = {}
    for _, state, retrier in retriers(asl):
        if not is_lambda_task(state):
            continue
        for error in retrier["ErrorEquals"]:
            if error in RETRYABLE:
                by_class.setdefault(error, set()).add(
                    retrier.get("MaxAttempts", DEFAULT_MAX_ATTEMPTS)
                )
    return by_class


def test_a_class_has_the_same_max_attempts_on_every_task(asl: Scope) -> None:
    by_class = _max_attempts_by_class(asl)
    assert set(by_class) == set(RETRYABLE)
    assert {error: len(values) for error, values in by_class.items()} == dict.fromkeys(by_class, 1)


def test_record_failure_reports_the_attempts_the_workflow_makes(asl: Scope) -> None:
    """The DLQ message's ``attempts`` is the first try plus the retries of the error's class."""
    from closedwon.steps.record_failure import ATTEMPTS

    expected = {error: max(values) + 1 for error, values in _max_attempts_by_class(asl).items()}
    assert expected == ATTEMPTS


def test_deal_busy_is_retried_only_where_the_lease_is_taken(asl: Scope) -> None:
    """LoadDeal takes the per-opportunity lease; no other step can raise DealBusy."""
    retrying = {
        name
        for _, name, state in all_states(asl)
        for retrier in state.get("Retry", [])
        if "DealBusy" in retrier["ErrorEquals"]
    }
    assert retrying == {"LoadDeal"}


def test_the_failure_path_carries_the_event_once(asl: Scope) -> None:
    """Step Functions caps a state at 256 KB (Step Functions service quotas): RecordFailure's
    message replaces the state instead of being added to it, and the fallback message carries
    no copy of the execution input."""
    root = asl["States"]
    assert root["RecordFailure"]["ResultPath"] == "$"
    assert [c["ResultPath"] for c in root["RecordFailure"]["Catch"]] == ["$"]
    fallback = root["FallbackDlqMessage"]
    assert fallback["ResultPath"] == "$"
    assert "$$.Execution.Input" not in str(fallback["Parameters"])
    assert root["SendToDLQ"]["Parameters"]["MessageBody.$"] == "States.JsonToString($.message)"
