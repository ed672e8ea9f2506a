"""docs/mapping.md §3, as properties: every billable line lands in exactly one package, in order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from closedwon.packages import Node, PackageProblem, build_packages


@st.composite
def forests(draw):
    """Random quote-line forests: each line's parent is an earlier line (no cycles)."""
    n = draw(st.integers(1, 30))
    nodes = []
    for i in range(n):
        parent = draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None
        billable = draw(st.booleans())
        nodes.append(
            Node(
                id=f"L{i:03d}",
                required_by=f"L{parent:03d}" if parent is not None else None,
                number=i + 1,
                billable=f"L{i:03d}" if billable else None,
            )
        )
    return nodes


@given(forests())
@settings(max_examples=300)
def test_every_billable_line_is_in_exactly_one_package(nodes) -> None:
    packages = build_packages(nodes)
    members = [m for _, ms in packages for m in ms]
    assert sorted(members) == sorted(n.billable for n in nodes if n.billable)
    assert len(members) == len(set(members))


@given(forests())
@settings(max_examples=300)
def test_members_are_in_line_order_root_first_and_roots_are_top_level(nodes) -> None:
    by_id = {n.id: n for n in nodes}
    for root, members in build_packages(nodes):
        assert by_id[root].required_by is None
        rest = members[1:] if members and members[0] == root else members
        assert rest == sorted(rest)
        assert root not in rest


@given(forests(), st.data())
def test_a_cycle_is_always_reported(nodes, data) -> None:
    if len(nodes) < 2:
        return
    i = data.draw(st.integers(0, len(nodes) - 1))
    j = data.draw(st.integers(0, len(nodes) - 1))
    a, b = nodes[i], nodes[j]
    nodes[i] = Node(a.id, b.id, a.number, a.billable)
    nodes[j] = (
        Node(b.id, a.id, b.number, b.billable) if i != j else Node(a.id, a.id, a.number, a.billable)
    )
    try:
        build_packages(nodes)
    except PackageProblem as exc:
        assert any("cycle" in text for _, text in exc.problems)
    else:
        raise AssertionError("cycle not detected")
