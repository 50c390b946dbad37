"""Rows built page by page as compact Arrow columns give the very table (and Parquet bytes) that the row
validator gives for the same rows."""

import datetime as dt

import pyarrow as pa
import pytest
from muster.providers.azure.columnar import Rows
from muster.schema import CREDENTIALS, PRINCIPALS, SchemaViolation, to_table
from muster.snapshot.encoding import parquet_bytes

BASE = {"provider": "azure", "tenant_id": "t1", "snapshot_date": dt.date(2026, 11, 2)}
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
JOINED = {"credential_id": ("principal_id", "kind", ("_key", "external_id"))}


def credential(pid: str, kind: str, key: str, external: str | None = None, **more) -> dict:
    return {
        "principal_id": pid,
        "kind": kind,
        "external_id": external or key,
        "status": "active",
        "managed_by": "user",
        "created_at": T0,
        "expires_at": None,
        "last_used_at": None,
        "last_used_source": "unknown",
        "last_used_service": None,
        "last_used_region": None,
        "_key": key if external else None,
        **more,
    }


def credential_rows(rows: list[dict]) -> list[dict]:
    """What the row validator is given: the joined id spelled out, hidden columns dropped."""
    out = []
    for r in rows:
        key = r["_key"] or r["external_id"]
        row = {k: v for k, v in r.items() if not k.startswith("_")}
        out.append({**BASE, "credential_id": f"{r['principal_id']}/{r['kind']}/{key}", **row})
    return out


def build(spec, pages, **kwargs):
    rows = Rows(spec, BASE, **kwargs)
    for page in pages:
        rows.add(page)
    return rows


def test_credentials_by_pages_match_the_row_validator_byte_for_byte():
    pages = [
        [credential("p2", "client_secret", "k1"), credential("p1", "certificate", "k9")],
        [],
        [credential("p1", "client_secret", "k1"), credential("p1", "federated", "f1", "issuer subject")],
    ]
    flat = [r for page in pages for r in page]
    rows = build(
        CREDENTIALS, pages, dictionary=("kind", "status"), extra={"_key": pa.string()}, joined=JOINED
    )
    got = rows.table()
    want = to_table(CREDENTIALS, credential_rows(flat))
    assert got.to_pylist() == want.to_pylist()
    assert parquet_bytes(got) == parquet_bytes(want)
    assert len(rows) == 0  # table() empties the accumulator


def test_ids_whose_parts_sort_otherwise_than_the_joined_key_are_sorted_by_the_key():
    # "a" < "a-b" as parts, but "a-b/..." < "a/..." as joined strings ("-" sorts before "/").
    flat = [credential("a", "client_secret", "k"), credential("a-b", "client_secret", "k")]
    got = build(CREDENTIALS, [flat], extra={"_key": pa.string()}, joined=JOINED).table()
    assert got.column("credential_id").to_pylist() == ["a-b/client_secret/k", "a/client_secret/k"]
    assert parquet_bytes(got) == parquet_bytes(to_table(CREDENTIALS, credential_rows(flat)))


def principal(pid: str, name: object, **more) -> dict:
    return {
        "principal_id": pid,
        "name": name,
        "arn_or_resource": None,
        "kind": "service_principal",
        "is_nhi": True,
        "nhi_reason": "r",
        "enabled": None,
        "console_access": None,
        "mfa_enabled": None,
        "path": None,
        "created_at": None,
        "last_used_at": None,
        "last_used_source": None,
        "owner": None,
        "owner_source": None,
        "boundary_role_id": None,
        "tags": {"b": "", "a": "x"},
        **more,
    }


def test_extend_takes_over_pages_and_fix_sees_extra_columns_in_key_order():
    first = build(
        PRINCIPALS, [[principal("p2", "two", _n=2)]], extra={"_n": pa.int32()}, dictionary=("kind",)
    )
    second = build(
        PRINCIPALS, [[principal("p1", "one", _n=1)]], extra={"_n": pa.int32()}, dictionary=("kind",)
    )
    first.extend(second)
    seen = {}

    def fix(columns):
        seen["_n"] = columns["_n"].to_pylist()

    got = first.table(fix)
    assert (len(second), seen, got.column("principal_id").to_pylist()) == (0, {"_n": [1, 2]}, ["p1", "p2"])
    assert (
        got.to_pylist()
        == to_table(
            PRINCIPALS, [{**BASE, **principal(p, n)} for p, n in [("p1", "one"), ("p2", "two")]]
        ).to_pylist()
    )


def test_a_value_that_does_not_fit_is_named_by_the_row_validator():
    rows = Rows(PRINCIPALS, BASE)
    with pytest.raises(SchemaViolation, match=r"column name cannot hold 5 .* row \(provider='azure'"):
        rows.add([principal("p1", 5)])
