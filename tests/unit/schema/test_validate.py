"""Strict validation: each violation raises and names table, column and row key."""

import datetime as dt

import pyarrow as pa
import pytest
from muster.schema import CREDENTIALS, GRANTS, PRINCIPALS, SchemaViolation, to_table, validate_table
from muster.schema.validate import _NOT_NULL_SET, _constant, _first_marker, sort_table

DAY = dt.date(2026, 11, 26)
T0 = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def principal(**kw):
    row = dict(
        provider="aws",
        tenant_id="123456789012",
        snapshot_date=DAY,
        principal_id="AIDA1",
        name="svc",
        kind="service_user",
        is_nhi=True,
        nhi_reason="no console password",
        tags={"owner": "ann"},
    )
    row.update(kw)
    return row


def test_valid_rows_become_a_sorted_table_with_the_declared_schema():
    tbl = to_table(PRINCIPALS, [principal(principal_id="B"), principal(principal_id="A", created_at=T0)])
    assert tbl.schema.equals(PRINCIPALS.schema, check_metadata=True)
    assert tbl.column("principal_id").to_pylist() == ["A", "B"]
    assert tbl.column("created_at").to_pylist()[0] == T0


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            principal(colour="red"),
            "table principals: undeclared column(s) ['colour'] in row (provider='aws', "
            "tenant_id='123456789012', snapshot_date=datetime.date(2026, 11, 26), principal_id='AIDA1')",
        ),
        (principal(name=None), "table principals: required column name is null in row"),
        (
            principal(created_at=dt.datetime(2026, 1, 1)),
            "table principals: column created_at must be a timezone-aware datetime",
        ),
        (principal(owner=""), "table principals: column owner holds ''; unknown values must be null"),
        (principal(last_used_source="None"), "column last_used_source holds 'None'"),
        (principal(kind="robot"), "table principals: column kind holds 'robot', not one of"),
        (principal(is_nhi="yes"), "table principals: column is_nhi cannot hold 'yes'"),
    ],
)
def test_violations_name_table_column_and_row(row, message):
    with pytest.raises(SchemaViolation) as err:
        to_table(PRINCIPALS, [principal(principal_id="OK"), row])
    assert message in str(err.value)


def test_duplicate_primary_key_is_rejected():
    with pytest.raises(
        SchemaViolation, match=r"table principals: duplicate primary key .*'principal_id': 'AIDA1'"
    ):
        to_table(PRINCIPALS, [principal(), principal(name="other")])


def test_composite_key_allows_same_principal_with_different_roles():
    base = dict(
        provider="aws",
        tenant_id="1",
        snapshot_date=DAY,
        principal_id="P",
        role_name="r",
        scope="account/1",
        via="direct",
        privilege="read",
        privilege_reasons=["r"],
    )
    tbl = to_table(GRANTS, [dict(base, role_id="a"), dict(base, role_id="b")])
    assert tbl.num_rows == 2
    with pytest.raises(SchemaViolation, match="duplicate primary key"):
        to_table(GRANTS, [dict(base, role_id="a"), dict(base, role_id="a", role_name="again")])


def test_validate_table_rejects_wrong_types_and_missing_columns():
    good = to_table(CREDENTIALS, [])
    with pytest.raises(SchemaViolation, match="missing column"):
        validate_table(CREDENTIALS, good.drop_columns(["status"]))
    bad = good.set_column(good.schema.get_field_index("created_at"), "created_at", pa.array([], pa.string()))
    with pytest.raises(SchemaViolation, match="column created_at has type string"):
        validate_table(CREDENTIALS, bad)


def test_non_utc_aware_datetimes_are_converted_to_utc():
    cet = dt.timezone(dt.timedelta(hours=1))
    tbl = to_table(PRINCIPALS, [principal(created_at=dt.datetime(2026, 1, 1, 1, 0, tzinfo=cet))])
    assert tbl.column("created_at")[0].as_py() == dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC)


def grant(principal_id, role_id, via="direct", scope="account/1", tenant_id="1"):
    return dict(
        provider="aws",
        tenant_id=tenant_id,
        snapshot_date=DAY,
        principal_id=principal_id,
        role_id=role_id,
        role_name="r",
        scope=scope,
        via=via,
        privilege="read",
        privilege_reasons=["r"],
    )


KEYS = [("principal_id", "ascending"), ("role_id", "ascending"), ("scope", "ascending"), ("via", "ascending")]


@pytest.mark.parametrize("scope", [["account/1"], ["account/1", "account/2"]], ids=["constant", "varied"])
def test_sort_order_is_the_full_key_order_whichever_keys_are_constant(scope):
    rows = [
        grant(p, r, via, scope[(i + j) % len(scope)])
        for i, p in enumerate(["P2", "P10", "P1"])
        for j, (r, via) in enumerate([("b", "group:G"), ("a", "inline"), ("b", "direct"), ("a", "direct")])
    ]
    unsorted = pa.Table.from_pylist(rows, schema=GRANTS.schema)
    want = unsorted.sort_by([("provider", "ascending"), ("tenant_id", "ascending"), *KEYS])
    assert sort_table(GRANTS, unsorted).equals(want)
    assert to_table(GRANTS, rows).equals(want)


def test_constant_means_one_non_null_value_throughout():
    assert _constant(pa.chunked_array([["x", "x"], ["x"]]))
    assert not _constant(pa.chunked_array([["x", "x"], ["y"]]))
    assert not _constant(pa.chunked_array([["x", None]]))
    assert not _constant(pa.chunked_array([[None, None]], pa.string()))
    assert not _constant(pa.chunked_array([], pa.string()))


@pytest.mark.parametrize("marker", ["", "None"])
@pytest.mark.parametrize("others", [["a-long-owner-name"], ["ann", "x"], ["Nonesuch", "Non", "None "]])
def test_markers_are_found_among_long_and_short_values(marker, others):
    # the check first rules out columns whose values are all longer than any marker: it must not miss one
    rows = [
        principal(principal_id=f"P{i}", last_used_source=v) for i, v in enumerate([*others, marker, *others])
    ]
    with pytest.raises(
        SchemaViolation, match=f"column last_used_source holds '{marker}'.*principal_id='P{len(others)}'"
    ):
        to_table(PRINCIPALS, rows)
    clean = [r for r in rows if r["last_used_source"] != marker]
    assert to_table(PRINCIPALS, clean).num_rows == len(clean)


def test_text_copied_from_the_cloud_may_say_none_but_not_be_empty():
    # an IAM user may be named "None" and an owner tag may say "None": values, not a printed missing value
    rows = [principal(principal_id="None", name="None", owner="None", path="None")]
    assert to_table(PRINCIPALS, rows).column("name").to_pylist() == ["None"]
    with pytest.raises(SchemaViolation, match="column owner holds ''"):
        to_table(PRINCIPALS, [principal(owner="")])


@pytest.mark.parametrize(
    "chunks",
    [
        [["arn:aws:iam::1:user/a", None, "None"], []],  # a marker after a null, an empty chunk
        [[None, None], ["long enough", ""]],  # the marker in a later chunk
        [["long enough"] * 3, [None, "long enough"]],  # none
        [[None] * 4],  # only nulls
    ],
)
@pytest.mark.parametrize("start", [0, 1])
def test_the_first_marker_is_found_in_any_chunk_of_a_sliced_column(chunks, start):
    column = pa.chunked_array([pa.array(c, pa.string()) for c in chunks], pa.string()).slice(start)
    values = column.to_pylist()
    want = next((i for i, v in enumerate(values) if v in ("", "None")), None)
    assert _first_marker(column, _NOT_NULL_SET) == want
