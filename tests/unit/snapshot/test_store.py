"""Sealed snapshots: temp-then-seal, determinism, no silent overwrite, hash chain, readers see sealed only."""

import datetime as dt
import json

import pytest
from muster.collected import Collected, EntityResult
from muster.snapshot import MANIFEST, SnapshotError, SnapshotRef, SnapshotStore, seal_collected

AT = dt.datetime(2026, 11, 26, 3, 0, tzinfo=dt.UTC)
ACCOUNT = "123456789012"


def collected(day: dt.date, n: int = 3, status: str = "complete") -> Collected:
    c = Collected("aws", ACCOUNT, day)
    base = c.provenance()
    for i in reversed(range(n)):  # reversed on purpose: the store must sort
        c.principals.append(
            dict(
                base,
                principal_id=f"AIDA{i}",
                name=f"svc-{i}",
                kind="service_user",
                is_nhi=True,
                nhi_reason="no console password",
                tags={"z": "1", "a": "2"},
            )
        )
        c.credentials.append(
            dict(
                base,
                credential_id=f"AIDA{i}/access_key/2026-01-01T00:00:00Z",
                principal_id=f"AIDA{i}",
                kind="access_key",
                status="active",
                managed_by="user",
                created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            )
        )
    c.entities = [
        EntityResult("authorization_details", "principals,grants,role_definitions", api_calls=1, pages=1),
        EntityResult(
            "credential_report",
            "principals,credentials:access_key",
            status=status,
            error=None if status == "complete" else "account 123456789012: report timed out",
        ),
    ]
    return c


def seal(store, day, **kw):
    return seal_collected(
        store,
        collected(day, **{k: v for k, v in kw.items() if k in ("n", "status")}),
        run_id=f"run-{day}",
        collected_at=AT,
        **{k: v for k, v in kw.items() if k in ("force", "reason")},
    )


def test_seal_writes_tables_and_manifest_last(tmp_path):
    store = SnapshotStore(str(tmp_path))
    day = dt.date(2026, 11, 26)
    m = seal(store, day)
    part = tmp_path / f"snapshots/provider=aws/tenant={ACCOUNT}/date=2026-11-26"
    assert sorted(p.name for p in part.iterdir()) == sorted(
        [
            MANIFEST,
            "principals.parquet",
            "credentials.parquet",
            "grants.parquet",
            "role_definitions.parquet",
            "collection.parquet",
        ]
    )
    assert m["status"] == "complete" and m["tables"]["principals"]["rows"] == 3
    assert m["previous_manifest"] is None and m["clock"] == "real"
    assert {"muster", "schema", "pyarrow", "boto3", "python"} <= set(m["versions"])
    tbl = store.read_table(SnapshotRef("aws", ACCOUNT, day), "principals")
    assert tbl.column("principal_id").to_pylist() == ["AIDA0", "AIDA1", "AIDA2"]


def test_same_input_gives_byte_identical_parquet(tmp_path):
    a, b = SnapshotStore(str(tmp_path / "a")), SnapshotStore(str(tmp_path / "b"))
    day = dt.date(2026, 11, 26)
    ma, mb = seal(a, day), seal(b, day)
    assert {t: e["sha256"] for t, e in ma["tables"].items()} == {
        t: e["sha256"] for t, e in mb["tables"].items()
    }


def test_sealed_snapshot_is_not_overwritten_unless_forced(tmp_path):
    store = SnapshotStore(str(tmp_path))
    day = dt.date(2026, 11, 26)
    first = seal(store, day)
    with pytest.raises(SnapshotError, match="already sealed"):
        seal(store, day, n=5)
    assert store.manifest(SnapshotRef("aws", ACCOUNT, day))["tables"]["principals"]["rows"] == 3
    again = seal(store, day, n=5, force=True, reason="re-run after fixing the role")
    assert again["tables"]["principals"]["rows"] == 5
    assert again["resealed"]["reason"] == "re-run after fixing the role"
    kept = (
        tmp_path / f"snapshots/provider=aws/tenant={ACCOUNT}/date=2026-11-26" / again["resealed"]["kept_as"]
    )
    assert (
        json.loads(kept.read_text())["tables"]["principals"]["sha256"]
        == first["tables"]["principals"]["sha256"]
    )


def test_unsealed_partition_is_invisible(tmp_path):
    store = SnapshotStore(str(tmp_path))
    seal(store, dt.date(2026, 11, 25))
    crashed = tmp_path / f"snapshots/provider=aws/tenant={ACCOUNT}/date=2026-11-26"
    crashed.mkdir(parents=True)
    (crashed / "_tmp-principals.parquet").write_bytes(b"half written")
    assert store.list_snapshots() == [SnapshotRef("aws", ACCOUNT, dt.date(2026, 11, 25))]
    with pytest.raises(SnapshotError, match="no sealed snapshot"):
        store.read_table(SnapshotRef("aws", ACCOUNT, dt.date(2026, 11, 26)), "principals")


def test_manifest_chain_links_previous_day_and_detects_tampering(tmp_path):
    store = SnapshotStore(str(tmp_path))
    d1, d2, d3 = dt.date(2026, 11, 24), dt.date(2026, 11, 25), dt.date(2026, 11, 26)
    for d in (d1, d2, d3):
        seal(store, d)
    m3 = store.manifest(SnapshotRef("aws", ACCOUNT, d3))
    assert m3["previous_manifest"]["snapshot_date"] == "2026-11-25"
    assert all(store.verify(r) == [] for r in store.list_snapshots())

    part2 = tmp_path / f"snapshots/provider=aws/tenant={ACCOUNT}/date=2026-11-25"
    data = bytearray((part2 / "principals.parquet").read_bytes())
    data[-20] ^= 1
    (part2 / "principals.parquet").write_bytes(bytes(data))
    assert store.verify(SnapshotRef("aws", ACCOUNT, d2)) == [
        f"{SnapshotRef('aws', ACCOUNT, d2)}: principals.parquet does not match its SHA-256"
    ]
    with pytest.raises(SnapshotError, match="tampered"):
        store.read_table(SnapshotRef("aws", ACCOUNT, d2), "principals")

    (part2 / MANIFEST).unlink()  # a day cut out of the chain
    problems = store.verify(SnapshotRef("aws", ACCOUNT, d3))
    assert problems == [
        f"{SnapshotRef('aws', ACCOUNT, d3)}: chain names 2026-11-25, latest earlier is 2026-11-24"
    ]


def test_partial_entity_makes_fed_tables_partial(tmp_path):
    store = SnapshotStore(str(tmp_path))
    m = seal(store, dt.date(2026, 11, 26), status="partial")
    assert m["status"] == "partial"
    assert m["tables"]["credentials"]["status"] == "partial"
    assert m["tables"]["grants"]["status"] == "complete"


def test_not_collected_kind_is_listed_without_making_table_partial(tmp_path):
    store = SnapshotStore(str(tmp_path))
    c = collected(dt.date(2026, 11, 26))
    c.entities.append(
        EntityResult(
            "ssh_public_keys", "credentials:ssh_key", status="not_collected", error="disabled in scope"
        )
    )
    m = seal_collected(store, c, run_id="r", collected_at=AT)
    assert m["tables"]["credentials"]["status"] == "complete"
    assert m["tables"]["credentials"]["not_collected"] == ["ssh_key (ssh_public_keys: disabled in scope)"]


def test_rows_from_another_tenant_are_refused(tmp_path):
    store = SnapshotStore(str(tmp_path))
    c = collected(dt.date(2026, 11, 26))
    c.principals[0]["tenant_id"] = "999999999999"
    with pytest.raises(SnapshotError, match="rows with tenant_id other than '123456789012'"):
        seal_collected(store, c, run_id="r", collected_at=AT)
    assert store.list_snapshots() == []
