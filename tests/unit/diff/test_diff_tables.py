"""The pure diff, table by table: added / removed / modified with before and after, unknown scopes."""

import datetime as dt
import json

import pyarrow as pa
from helpers_diff import (
    BASE,
    DAY1,
    DAY2,
    credential,
    credentials,
    grant,
    grants,
    principal,
    principals,
    role,
    roles,
    summary,
)
from muster.diff import Side, diff_table
from muster.schema import CHANGES, CREDENTIALS, GRANTS, PRINCIPALS, ROLE_DEFINITIONS, to_table


def side(tbl, day=DAY1, **kw):
    return Side(day, tbl, **kw)


def test_principals_added_removed_modified_with_before_and_after():
    before = principals(principal("A"), principal("B"), principal("C", enabled=True))
    after = principals(
        principal("A", DAY2),
        principal("C", DAY2, enabled=False, tags={"team": "etl", "env": "prod"}),
        principal("D", DAY2),
    )
    rows = diff_table(PRINCIPALS, side(before), side(after, DAY2), BASE)
    assert summary(rows) == {
        ("principals", "removed", '{"principal_id":"B"}', ()),
        ("principals", "added", '{"principal_id":"D"}', ()),
        ("principals", "modified", '{"principal_id":"C"}', ("enabled", "tags")),
    }
    modified = next(r for r in rows if r["change"] == "modified")
    assert json.loads(modified["before"]) == {"enabled": True, "tags": {"team": "etl"}}
    assert json.loads(modified["after"]) == {"enabled": False, "tags": {"env": "prod", "team": "etl"}}
    assert modified["principal_id"] == "C" and modified["baseline_date"] == DAY1
    added = next(r for r in rows if r["change"] == "added")
    assert json.loads(added["after"])["name"] == "svc-D" and added["before"] is None
    removed = next(r for r in rows if r["change"] == "removed")
    assert json.loads(removed["before"])["name"] == "svc-B" and removed["after"] is None
    to_table(CHANGES, rows)  # every row fits the declared table


def test_map_entry_order_is_not_a_change_but_a_value_or_null_is():
    tags = pa.array([[("b", "2"), ("a", "1")], [("a", "1")], None], type=PRINCIPALS.column("tags").type)
    before = principals(principal("A"), principal("B"), principal("C"))
    after = principals(
        principal("A", DAY2), principal("B", DAY2, tags={"a": "2"}), principal("C", DAY2, tags=None)
    )
    before = before.set_column(before.schema.get_field_index("tags"), PRINCIPALS.schema.field("tags"), tags)
    after = after.set_column(
        after.schema.get_field_index("tags"),
        PRINCIPALS.schema.field("tags"),
        pa.array([[("a", "1"), ("b", "2")], [("a", "2")], None], type=PRINCIPALS.column("tags").type),
    )
    rows = diff_table(PRINCIPALS, side(before), side(after, DAY2), BASE)
    assert summary(rows) == {("principals", "modified", '{"principal_id":"B"}', ("tags",))}


def test_null_against_value_and_timestamps_are_changes():
    at = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    before = credentials(credential("k1", "A"), credential("k2", "A", last_used_at=at))
    after = credentials(
        credential("k1", "A", DAY2, last_used_at=at),
        credential("k2", "A", DAY2, last_used_at=at + dt.timedelta(seconds=1)),
    )
    rows = diff_table(CREDENTIALS, side(before), side(after, DAY2), BASE)
    assert summary(rows) == {
        ("credentials", "modified", '{"credential_id":"k1"}', ("last_used_at",)),
        ("credentials", "modified", '{"credential_id":"k2"}', ("last_used_at",)),
    }
    k1 = next(r for r in rows if r["entity_key"] == '{"credential_id":"k1"}')
    assert (k1["before"], k1["after"]) == (
        '{"last_used_at":null}',
        '{"last_used_at":"2026-10-01T00:00:00+00:00"}',
    )


def test_grants_composite_key_and_list_order_matters():
    before = grants(
        grant("A", "p1"),
        grant("A", "p2", privilege_reasons=["x", "y"]),
        grant("B", "p1"),
        grant("B", "p1", via="group:G1"),
    )
    after = grants(
        grant("A", "p1", DAY2),
        grant("A", "p2", DAY2, privilege_reasons=["y", "x"]),
        grant("B", "p1", DAY2, via="group:G1", privilege="admin"),
        grant("B", "p3", DAY2),
    )
    rows = diff_table(GRANTS, side(before), side(after, DAY2), BASE)
    key = '{{"principal_id":"{}","role_id":"arn:aws:iam::123456789012:policy/{}","scope":"123456789012","via":"{}"}}'
    assert summary(rows) == {
        ("grants", "modified", key.format("A", "p2", "direct"), ("privilege_reasons",)),
        ("grants", "modified", key.format("B", "p1", "group:G1"), ("privilege",)),
        ("grants", "removed", key.format("B", "p1", "direct"), ()),
        ("grants", "added", key.format("B", "p3", "direct"), ()),
    }


def test_role_definitions_document_change():
    before = roles(role("p1"), role("p2"))
    after = roles(role("p1", DAY2, document='{"Statement":[{"Action":"*"}]}'), role("p2", DAY2))
    rows = diff_table(ROLE_DEFINITIONS, side(before), side(after, DAY2), BASE)
    assert summary(rows) == {
        ("role_definitions", "modified", '{"role_id":"arn:aws:iam::123456789012:policy/p1"}', ("document",))
    }
    assert rows[0]["principal_id"] is None


def test_unsorted_input_gives_the_same_changes():
    before = principals(*(principal(f"P{i}") for i in range(20)))
    after = principals(*(principal(f"P{i}", DAY2, enabled=i % 3 != 0) for i in range(5, 25)))
    sorted_rows = diff_table(PRINCIPALS, side(before), side(after, DAY2), BASE)
    shuffled = [side(t.take(pa.array(list(reversed(range(len(t))))))) for t in (before, after)]
    rows = diff_table(PRINCIPALS, shuffled[0], Side(DAY2, shuffled[1].table), BASE)
    assert sorted(map(str, rows)) == sorted(map(str, sorted_rows))
    assert len(sorted_rows) == 5 + 5 + 5  # removed P0-4, added P20-24, modified P6, P9, P12, P15, P18


def test_partial_side_gives_one_unknown_row_and_no_removal():
    before = principals(principal("A"), principal("B"))
    after = principals(principal("A", DAY2))
    for old, new in (
        (side(before, status="partial"), side(after, DAY2)),
        (side(before), side(after, DAY2, status="failed")),
        (side(before), side(after, DAY2, not_collected={"*": "skipped"})),
    ):
        rows = diff_table(PRINCIPALS, old, new, BASE)
        assert [(r["change"], r["entity_key"]) for r in rows] == [("unknown", "{}")]
        assert "principals" in rows[0]["reason"]


def test_not_collected_credential_kind_is_unknown_for_that_kind_only():
    before = credentials(
        credential("k1", "A"), credential("c1", "A", kind="signing_certificate"), credential("k2", "B")
    )
    after = credentials(credential("k1", "A", DAY2, status="inactive"))  # cert and k2 gone
    rows = diff_table(
        CREDENTIALS,
        side(before),
        side(after, DAY2, not_collected={"signing_certificate": "signing_certificates: skipped"}),
        BASE,
    )
    assert summary(rows) == {
        ("credentials", "unknown", '{"kind":"signing_certificate"}', ()),
        ("credentials", "modified", '{"credential_id":"k1"}', ("status",)),
        ("credentials", "removed", '{"credential_id":"k2"}', ()),
    }
    unknown = next(r for r in rows if r["change"] == "unknown")
    assert "current snapshot of 2026-11-03" in unknown["reason"]


def test_no_baseline_adds_everything_only_when_complete():
    after = principals(principal("A", DAY2), principal("B", DAY2))
    rows = diff_table(PRINCIPALS, None, side(after, DAY2), BASE)
    assert summary(rows) == {
        ("principals", "added", '{"principal_id":"A"}', ()),
        ("principals", "added", '{"principal_id":"B"}', ()),
    }
    assert {r["baseline_date"] for r in rows} == {None}
    assert all("first complete observation" in r["reason"] for r in rows)
    partial = diff_table(PRINCIPALS, None, side(after, DAY2, status="partial"), BASE)
    assert summary(partial) == {("principals", "unknown", "{}", ())}


def test_baseline_with_an_older_schema_is_unknown():
    before = principals(principal("A"))
    rows = diff_table(
        PRINCIPALS,
        side(before, problem="principals has schema_version 0"),
        side(principals(), DAY2),
        BASE,
    )
    assert [(r["change"], r["reason"]) for r in rows] == [
        ("unknown", "baseline 2026-11-02: principals has schema_version 0")
    ]
