"""The product's fallbacks for NetSuite answers the documentation allows but our double did not give.

- Oracle's upsert page documents ``PUT …/eid:`` as "204 No Content" and shows no ``Location``
  (docs/reference/netsuite.md §1.2, §8.3, §9 item 1; O:section_156335203191), so the client reads
  the id back with ``GET …/eid:<externalId>``.
- NetSuite's OpenAPI metadata declares ``202 Accepted`` for POST, PUT and PATCH; an asynchronous
  answer's ``Location`` is a job (``…/async/v1/job/<id>``, docs/reference/netsuite.md §1.7.3;
  O:subsect_161278579295), never a record id.
"""

from __future__ import annotations

from typing import Any

from offline.netsuite_double import Behaviour
from tests.e2e.conftest import run, sample_event


def references(dump: dict[str, list[dict[str, Any]]]) -> set[tuple[str, str, str]]:
    """(record, field, referenced record) for every reference the product wrote, each record
    named by its external id (internal ids depend on the order parallel packages ran in); seed
    records, which have none, by their id. Ids are unique across types (distinct ranges)."""
    external = {r["id"]: r["externalId"] for records in dump.values() for r in records}
    found = set()
    for records in dump.values():
        for record in records:
            for name, value in record.items():
                if isinstance(value, dict) and "id" in value and "refName" in value:
                    found.add((record["externalId"], name, external.get(value["id"], value["id"])))
    return found


def external_ids(dump: dict[str, list[dict[str, Any]]]) -> dict[str, set[str]]:
    return {kind: {r["externalId"] for r in records} for kind, records in dump.items()}


def baseline(make_stack, tmp_path) -> dict[str, list[dict[str, Any]]]:
    stack = make_stack(state=tmp_path / "baseline")
    assert run(stack, sample_event()).status == "Synced"
    dump = stack.netsuite.dump()
    stack.stop()  # one stack per process at a time: moto's backends are process-wide
    return dump


def test_given_upserts_answer_without_location_when_a_deal_syncs_then_ids_are_read_back(
    make_stack, tmp_path
) -> None:
    expected = baseline(make_stack, tmp_path)
    stack = make_stack(
        state=tmp_path / "no-location", netsuite_behaviour=Behaviour(upsert_location=False)
    )
    stack.netsuite.reset_stats()

    report = run(stack, sample_event())

    assert report.status == "Synced", report.error
    dump = stack.netsuite.dump()
    assert external_ids(dump) == external_ids(expected)
    assert references(dump) == references(expected)
    by_route = stack.netsuite.stats["by_route"]
    upserts = sum(n for route, n in by_route.items() if route.startswith("PUT "))
    reads = sum(n for route, n in by_route.items() if route.startswith("GET "))
    assert upserts > 0 and reads >= upserts  # one read-back per upsert, plus the existence checks


def test_given_every_write_is_answered_async_when_a_deal_syncs_then_no_job_id_becomes_a_record_id(
    make_stack, tmp_path
) -> None:
    expected = baseline(make_stack, tmp_path)
    stack = make_stack(state=tmp_path / "async", netsuite_behaviour=Behaviour(answer_async=True))

    report = run(stack, sample_event())

    assert report.status == "Synced", report.error
    dump = stack.netsuite.dump()
    assert external_ids(dump) == external_ids(expected)
    assert references(dump) == references(expected)
