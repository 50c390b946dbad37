"""Diff invariants over generated tables (hypothesis): identity, symmetry, no removal from a partial side."""

import json

from helpers_diff import BASE, DAY1, DAY2, grant, grants, principal, principals
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from muster.diff import Side, diff_table
from muster.schema import GRANTS, PRINCIPALS

ids = st.sampled_from([f"P{i}" for i in range(12)])
tags = st.none() | st.dictionaries(st.sampled_from(["a", "b", "team"]), st.sampled_from(["1", "2", "x y"]))
principal_values = st.fixed_dictionaries(
    {
        "enabled": st.none() | st.booleans(),
        "name": st.sampled_from(["svc-a", "svc-b", "ünï"]),
        "tags": tags,
        "owner": st.none() | st.sampled_from(["team-a", "team-b"]),
    }
)
grant_keys = st.tuples(ids, st.sampled_from(["p1", "p2", "p3"]), st.sampled_from(["direct", "group:G"]))
grant_values = st.fixed_dictionaries(
    {
        "privilege": st.sampled_from(["read", "write", "admin"]),
        "privilege_reasons": st.lists(st.sampled_from(["r1", "r2", "r3"]), max_size=3),
    }
)
principal_tables = st.dictionaries(ids, principal_values, max_size=10)
grant_tables = st.dictionaries(grant_keys, grant_values, max_size=12)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def p_table(content: dict, day):
    return principals(*(principal(pid, day, **v) for pid, v in content.items()))


def g_table(content: dict, day):
    return grants(*(grant(p, r, day, via=via, **v) for (p, r, via), v in content.items()))


def diff(spec, old, new, **kw):
    return diff_table(spec, Side(DAY1, old), Side(DAY2, new, **kw), BASE)


def flipped(rows: list[dict]) -> set[tuple]:
    swap = {"added": "removed", "removed": "added", "modified": "modified"}
    return {
        (swap[r["change"]], r["entity_key"], tuple(r["changed_columns"] or ()), r["after"], r["before"])
        for r in rows
    }


def plain(rows: list[dict]) -> set[tuple]:
    return {
        (r["change"], r["entity_key"], tuple(r["changed_columns"] or ()), r["before"], r["after"])
        for r in rows
    }


@SETTINGS
@given(principal_tables, grant_tables)
def test_a_snapshot_diffed_with_itself_is_empty(ps, gs):
    assert diff(PRINCIPALS, p_table(ps, DAY1), p_table(ps, DAY2)) == []
    assert diff(GRANTS, g_table(gs, DAY1), g_table(gs, DAY2)) == []


@SETTINGS
@given(principal_tables, principal_tables)
def test_swapping_sides_swaps_added_and_removed_and_before_after(a, b):
    forward = diff(PRINCIPALS, p_table(a, DAY1), p_table(b, DAY2))
    backward = diff(PRINCIPALS, p_table(b, DAY1), p_table(a, DAY2))
    assert plain(backward) == flipped(forward)
    assert {json.loads(r["entity_key"])["principal_id"] for r in forward} == {
        pid for pid in set(a) | set(b) if a.get(pid) != b.get(pid) and _differs(a.get(pid), b.get(pid))
    }


def _differs(x, y) -> bool:
    """What the diff should call a change: presence differs, or a value (None and {} tags differ)."""
    return x is None or y is None or x != y


@SETTINGS
@given(grant_tables, grant_tables)
def test_swapping_sides_on_grants(a, b):
    forward = diff(GRANTS, g_table(a, DAY1), g_table(b, DAY2))
    backward = diff(GRANTS, g_table(b, DAY1), g_table(a, DAY2))
    assert plain(backward) == flipped(forward)
    assert len(forward) == len(set(a) ^ set(b)) + sum(1 for k in set(a) & set(b) if a[k] != b[k])


@SETTINGS
@given(
    principal_tables,
    principal_tables,
    st.sampled_from(["partial", "failed", "not_observable"]),
    st.booleans(),
)
def test_a_partial_side_yields_no_removals(a, b, status, partial_is_current):
    old, new = p_table(a, DAY1), p_table(b, DAY2)
    if partial_is_current:
        rows = diff_table(PRINCIPALS, Side(DAY1, old), Side(DAY2, new, status=status), BASE)
    else:
        rows = diff_table(PRINCIPALS, Side(DAY1, old, status=status), Side(DAY2, new), BASE)
    assert [r["change"] for r in rows] == ["unknown"]
