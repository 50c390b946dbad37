"""Derived partitions: sealed like snapshots, replaced (visibly) when re-derived."""

import datetime as dt

import pytest
from muster.schema import PRINCIPALS, to_table
from muster.snapshot import DerivedStore, SnapshotError, SnapshotRef

REF = SnapshotRef("aws", "123456789012", dt.date(2026, 11, 26))


def rows(n):
    return [
        dict(
            provider="aws",
            tenant_id="123456789012",
            snapshot_date=REF.snapshot_date,
            principal_id=f"P{i}",
            name=f"n{i}",
            kind="role",
            is_nhi=True,
            nhi_reason="IAM role",
        )
        for i in range(n)
    ]


def test_write_read_and_rederive(tmp_path):
    store = DerivedStore(str(tmp_path))
    first = store.write(
        "findings", REF, {"t": (PRINCIPALS, to_table(PRINCIPALS, rows(2)))}, inputs={"snapshot": "ab"}
    )
    assert store.list("findings") == [REF]
    assert store.read("findings", REF, "t").num_rows == 2
    again = store.write(
        "findings", REF, {"t": (PRINCIPALS, to_table(PRINCIPALS, rows(2)))}, inputs={"snapshot": "ab"}
    )
    assert again["tables"]["t"]["sha256"] == first["tables"]["t"]["sha256"]  # same inputs, same bytes
    assert again["replaced_manifest_sha256"] is not None
    (tmp_path / "findings/provider=aws/tenant=123456789012/date=2026-11-26/t.parquet").write_bytes(b"x")
    with pytest.raises(SnapshotError, match="tampered"):
        store.read("findings", REF, "t")
    with pytest.raises(ValueError, match="unknown derived kind"):
        store.partition("gossip", REF)
