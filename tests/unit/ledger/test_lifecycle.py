"""Credential and identity lifecycles: deactivated when first seen not active, deleted or removed only
by a snapshot that vouches for the absence."""

import datetime as dt

import pytest
from ledger_world import A, D, key, nhi, person
from muster.ledger import LedgerError, derive_ledger
from muster.snapshot import SnapshotError

SVC = nhi("P1", "svc-etl")
USED = [dt.datetime(2026, 11, 1, tzinfo=dt.UTC), dt.datetime(2026, 11, 3, tzinfo=dt.UTC)]


def derive_all(world):
    for ref in world.store.list_snapshots():
        derive_ledger(world.root, ref)


def lifecycle(world, ref) -> dict:
    return {
        r["credential_id"]: (
            r["first_seen"],
            r["last_seen"],
            r["deactivated_on"],
            r["deleted_on"],
            r["status"],
        )
        for r in world.ledger(ref, "credential_lifecycle")
    }


def test_deactivated_then_unknown_on_a_partial_day_then_deleted_on_a_complete_one(world):
    world.day(A, D[0], [SVC], [key("K1", "P1", used=USED[0])])
    world.day(A, D[1], [SVC], [key("K1", "P1", "inactive", used=USED[1])])
    world.day(A, D[2], [SVC], [key("K1", "P1", "inactive")])
    world.day(A, D[3], [SVC], [], partial=("credentials",))
    world.day(A, D[4], [SVC], [])
    derive_all(world)
    refs = world.store.list_snapshots()
    assert [lifecycle(world, r)["K1"] for r in refs] == [
        (D[0], D[0], None, None, "active"),
        (D[0], D[1], D[1], None, "inactive"),
        (D[0], D[2], D[1], None, "inactive"),
        (D[0], D[2], D[1], None, "unknown"),
        (D[0], D[2], D[1], D[4], "deleted"),
    ]
    [row] = world.ledger(refs[-1], "credential_lifecycle")
    assert (row["principal_name"], row["last_used_at"], row["last_seen_status"], row["created_at"]) == (
        "svc-etl",
        USED[1],
        "inactive",
        dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC),
    )


def test_a_kind_not_collected_is_unknown_never_deleted(world):
    world.day(A, D[0], [SVC], [key("K1", "P1"), key("S1", "P1", kind="ssh_key")])
    ref = world.day(A, D[1], [SVC], [key("K1", "P1")], uncollected=("ssh_key",))
    derive_all(world)
    assert lifecycle(world, ref) == {
        "K1": (D[0], D[1], None, None, "active"),
        "S1": (D[0], D[0], None, None, "unknown"),
    }


def test_reactivated_credential_clears_its_deactivation(world):
    world.day(A, D[0], [SVC], [key("K1", "P1", "inactive")])
    ref = world.day(A, D[1], [SVC], [key("K1", "P1")])
    derive_all(world)
    assert lifecycle(world, ref) == {"K1": (D[0], D[1], None, None, "active")}


def test_principals_disabled_and_removed_only_where_vouched(world):
    world.day(A, D[0], [person("H1", "dana.kim"), person("H2", "bob"), SVC])
    world.day(A, D[1], [person("H1", "dana.kim", enabled=False), SVC], partial=("principals",))
    ref = world.day(A, D[2], [person("H1", "dana.kim", enabled=False), SVC])
    derive_all(world)
    rows = {
        r["name"]: (r["first_seen"], r["last_seen"], r["disabled_on"], r["removed_on"], r["status"])
        for r in world.ledger(ref, "principal_lifecycle")
    }
    assert rows == {
        "dana.kim": (D[0], D[2], D[1], None, "disabled"),
        "bob": (D[0], D[0], None, D[2], "removed"),
        "svc-etl": (D[0], D[2], None, None, "enabled"),
    }


def test_a_tampered_snapshot_is_refused(world):
    ref = world.day(A, D[0], [SVC], [key("K1", "P1")])
    path = f"{world.store.partition(ref)}/credentials.parquet"
    world.store._write(path, world.store._read(path) + b"x")
    with pytest.raises(SnapshotError, match="tampered"):
        derive_ledger(world.root, ref)


def test_a_snapshot_of_another_schema_version_is_refused(world):
    ref = world.day(A, D[0], [SVC], [key("K1", "P1")])
    world.tamper_schema_version(ref, "0")
    with pytest.raises(LedgerError, match="schema version '0'"):
        derive_ledger(world.root, ref)


def test_an_unsealed_day_cannot_be_derived(world):
    from muster.snapshot import SnapshotRef

    with pytest.raises(SnapshotError, match="no sealed snapshot"):
        derive_ledger(world.root, SnapshotRef("aws", A, D[0]))
