"""The NetSuite double in its own process (what bench.burst uses) behaves as the in-process one."""

from __future__ import annotations

import pytest

from offline.netsuite_double.process import NetSuiteDoubleProcess
from tests.e2e.conftest import run, sample_event


def test_the_sample_deal_syncs_against_the_double_in_a_child_process(make_stack) -> None:
    stack = make_stack(netsuite_in_process=False, netsuite_latency_s=0.01)
    assert isinstance(stack.netsuite, NetSuiteDoubleProcess)
    report = run(stack, sample_event())
    assert report.status == "Synced", report.error
    dump = stack.netsuite.dump()
    assert sum(len(records) for records in dump.values()) == 17
    stats = stack.netsuite.stats
    assert stats["requests"] == 35 and stats["max_in_flight"] >= 1
    # every admitted request waited the latency, so the double was busy at least that long
    assert stats["busy_s"] >= 35 * 0.01


def test_a_stopped_process_double_says_so(tmp_path) -> None:
    double = NetSuiteDoubleProcess(tmp_path, {"subsidiary": [{"id": "1", "name": "HQ"}]})
    url = double.start()
    assert url.startswith("http://127.0.0.1:")
    assert double.stats["requests"] == 0
    double.stop()
    double.stop()  # idempotent, as the stack's stop() expects
    with pytest.raises(RuntimeError, match="not running"):
        double.dump()
