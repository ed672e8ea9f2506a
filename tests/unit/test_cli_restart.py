"""replay and redrive logic against a backend double (the offline tests run them for real)."""

from __future__ import annotations

import re

from closedwon_cli.restart import redrive, redrive_name, replay, replay_name
from tests.fakes.cli_backend import FakeBackend, opp


def message(n: int, **extra) -> dict:
    return {
        "version": "1",
        "opportunityId": opp(n),
        "executionArn": f"arn:aws:states:us-east-1:123456789012:execution:sm:failed-{n}",
        "errorClass": "RejectedByNetSuite",
        **extra,
    }


def test_replay_starts_a_named_fresh_execution_and_waits_for_it() -> None:
    backend = FakeBackend()
    result = replay(backend, opp(1)[:15])  # a 15-character id is accepted
    assert re.fullmatch(rf"replay-{opp(1)}-\d{{10}}", result.executionName)
    trigger = next(iter(backend.executions.values()))["payload"]["trigger"]
    assert trigger["trigger"] == "REPLAY" and trigger["opportunityId"] == opp(1)
    assert (
        trigger["eventBridgeEventId"] == result.executionName
    )  # stable input: a retried start is idempotent
    assert result.report is not None and result.report.outcome == "Synced" and result.exit_code == 0


def test_replay_of_a_failing_deal_exits_1() -> None:
    backend = FakeBackend(fail={opp(1)})
    assert replay(backend, opp(1)).exit_code == 1


def test_names_are_deterministic_where_they_must_be() -> None:
    assert replay_name(opp(1), 1767225600) == f"replay-{opp(1)}-1767225600"
    a, b = redrive_name(opp(1), "arn:1"), redrive_name(opp(1), "arn:2")
    assert a == redrive_name(opp(1), "arn:1") != b and len(a) <= 80


def test_redrive_deletes_a_message_only_once_its_restart_succeeded() -> None:
    backend = FakeBackend(
        dlq=[message(1), message(2), message(3), message(4), {"version": "1", "executionArn": "x"}],
        fail={opp(2), opp(3)},
        refuse={opp(4)},
        limit=2,
    )
    # deal 3 fails in a way that sends no new DLQ message (e.g. a timeout)
    backend.fail_error = "DealSyncFailed"
    summary = redrive(backend)
    by_deal = {i.opportunityId: i for i in summary.items}
    assert by_deal[opp(1)].outcome == "Synced" and by_deal[opp(1)].messageDeleted
    # failed again through the DLQ path: the new message replaces this one
    assert by_deal[opp(2)].outcome == "Failed" and by_deal[opp(2)].messageDeleted
    # the start was refused: kept (and made visible again)
    assert not by_deal[opp(4)].messageDeleted and by_deal[opp(4)].executionArn is None
    assert "StartExecution failed" in by_deal[opp(4)].note
    # no opportunity id: nothing to restart from
    assert not by_deal[None].messageDeleted
    assert sorted(backend.released) == ["message-3", "message-4"]
    assert sorted(backend.deleted) == ["message-0", "message-1", "message-2"]
    assert (summary.received, summary.restarted, summary.synced, summary.failedAgain) == (
        5,
        3,
        1,
        2,
    )
    assert (summary.deleted, summary.kept, summary.exit_code) == (3, 2, 1)
    assert backend.max_running <= 2


def test_redrive_keeps_a_message_whose_restart_failed_without_a_new_message() -> None:
    backend = FakeBackend(dlq=[message(1)], fail={opp(1)}, fail_error="States.Timeout")
    summary = redrive(backend)
    (item,) = summary.items
    assert item.outcome == "Failed" and not item.messageDeleted and backend.deleted == []
    assert backend.released == ["message-0"] and summary.exit_code == 1


def test_redrive_no_wait_deletes_right_after_a_successful_start() -> None:
    backend = FakeBackend(dlq=[message(1), message(2)], refuse={opp(2)})
    summary = redrive(backend, wait=False)
    assert backend.deleted == ["message-0"] and backend.released == ["message-1"]
    assert summary.items[0].outcome == "Running" and summary.items[0].messageDeleted
    assert backend.executions  # started, not waited for


def test_redriving_the_same_message_twice_follows_the_first_restart() -> None:
    backend = FakeBackend(dlq=[message(1)])
    redrive(backend, wait=False)
    again = redrive(backend)
    assert len(backend.executions) == 1 and "earlier redrive" in again.items[0].note
    assert again.items[0].messageDeleted


def test_redrive_max() -> None:
    backend = FakeBackend(dlq=[message(1), message(2), message(3)])
    assert redrive(backend, 2).received == 2


def test_a_replay_that_ends_drift_exits_1_because_a_person_must_decide() -> None:
    backend = FakeBackend(drift={opp(1)})
    result = replay(backend, opp(1))
    assert result.report is not None and result.report.outcome == "Drift"
    assert result.exit_code == 1


def test_redrive_deletes_the_message_of_a_restart_that_ended_drift_and_counts_it() -> None:
    backend = FakeBackend(dlq=[message(1), message(2)], drift={opp(2)})
    summary = redrive(backend)
    drifted = next(i for i in summary.items if i.opportunityId == opp(2))
    assert drifted.outcome == "Drift" and drifted.messageDeleted and "drift" in drifted.note
    assert (summary.synced, summary.drifted, summary.deleted, summary.kept) == (1, 1, 2, 0)
    assert summary.exit_code == 1


def test_replaying_a_dlq_file_replays_each_deal_once_and_reports_messages_naming_none() -> None:
    from closedwon_cli.restart import replay_messages

    event = {"detail": {"payload": {"Opportunity_Id__c": opp(3)}}}  # no opportunityId field
    bodies = [message(1), message(2), message(1), {"version": "1", "event": event}, {}]
    backend = FakeBackend(fail={opp(2)})
    batch = replay_messages(backend, bodies, source="dlq.json")
    assert [(r.opportunityId, r.messages) for r in batch.replays] == [
        (opp(1), [1, 3]),
        (opp(2), [2]),
        (opp(3), [4]),
    ]
    assert len(backend.executions) == 3 and backend.deleted == []  # replay leaves the DLQ alone
    assert batch.notReplayed == [{"message": 5, "reason": "no opportunity id in the message"}]
    assert [r.exit_code for r in batch.replays] == [0, 1, 0] and batch.exit_code == 1
    assert batch.to_json()["messages"] == 5


def test_replaying_one_message_of_a_dlq_file() -> None:
    from closedwon_cli.restart import replay_messages

    backend = FakeBackend(limit=1)
    batch = replay_messages(backend, [message(1), message(2)], source="f", numbers=[2])
    (only,) = batch.replays
    assert (only.opportunityId, only.messages, batch.exit_code) == (opp(2), [2], 0)


def test_replays_of_a_dlq_file_run_at_most_the_concurrency_limit_at_once() -> None:
    from closedwon_cli.restart import replay_messages

    backend = FakeBackend(limit=2, polls=3)
    batch = replay_messages(backend, [message(n) for n in range(1, 7)], source="f")
    assert len(batch.replays) == 6 and backend.max_running == 2
    assert all(r.report is not None and r.report.outcome == "Synced" for r in batch.replays)
