"""Forced re-seals keep what they replace, verifiably, and the chain of later days stays sound through them."""

import datetime as dt
import hashlib
import json

import pyarrow.dataset as ds
import pytest
from muster.cli import main
from muster.snapshot import MANIFEST, SnapshotRef, SnapshotStore
from test_store import ACCOUNT, seal

D1, D2, D3 = dt.date(2026, 11, 24), dt.date(2026, 11, 25), dt.date(2026, 11, 26)
R1, R2 = SnapshotRef("aws", ACCOUNT, D1), SnapshotRef("aws", ACCOUNT, D2)


def _part(root, day):
    return root / f"snapshots/provider=aws/tenant={ACCOUNT}/date={day}"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def resealed(tmp_path):
    """Day 1 and day 2 sealed, then day 1 re-sealed with force: (store, day 1's first manifest bytes)."""
    store = SnapshotStore(str(tmp_path))
    seal(store, D1)
    first = (_part(tmp_path, D1) / MANIFEST).read_bytes()
    seal(store, D2)
    seal(store, D1, n=5, force=True, reason="re-run after fixing the role")
    return store, first


def test_a_forced_re_seal_keeps_the_replaced_snapshot_and_every_day_verifies(resealed, tmp_path):
    store, first = resealed
    assert store.list_snapshots() == [R1, R2]  # the kept copy is never listed as a snapshot
    assert [store.verify(r) for r in store.list_snapshots()] == [[], []]
    assert store.read_table(R1, "principals").num_rows == 5

    record = store.manifest(R1)["resealed"]
    assert record == {
        "n": 1,
        "sha256": _sha(first),
        "kept_in": "_replaced-1",
        "kept_as": "_replaced-1/_MANIFEST.replaced.json",
        "replaced_run_id": f"run-{D1}",
        "replaced_collected_at": json.loads(first)["collected_at"],
        "reason": "re-run after fixing the role",
    }
    assert store.manifest(R2)["previous_manifest"]["sha256"] == _sha(first)  # sealed before the re-seal
    kept = _part(tmp_path, D1) / "_replaced-1"
    assert (kept / "_MANIFEST.replaced.json").read_bytes() == first
    for entry in json.loads(first)["tables"].values():  # the replaced files, byte for byte
        assert _sha((kept / entry["file"]).read_bytes()) == entry["sha256"]


def test_hive_readers_of_the_partition_see_only_the_current_snapshot(resealed, tmp_path):
    found = ds.dataset(tmp_path / "snapshots", format="parquet", partitioning="hive").files
    assert found and not [f for f in found if "_replaced" in f]


def test_a_second_re_seal_keeps_both_earlier_versions(resealed, tmp_path):
    store, first = resealed
    second = (_part(tmp_path, D1) / MANIFEST).read_bytes()
    seal(store, D1, n=7, force=True, reason="second fix")
    record = store.manifest(R1)["resealed"]
    assert (record["n"], record["kept_in"], record["sha256"]) == (2, "_replaced-2", _sha(second))
    assert (_part(tmp_path, D1) / "_replaced-1/_MANIFEST.replaced.json").read_bytes() == first
    assert (_part(tmp_path, D1) / "_replaced-2/_MANIFEST.replaced.json").read_bytes() == second
    assert store.replaced_sha256s(R1) == {_sha(first), _sha(second)}
    assert [store.verify(r) for r in store.list_snapshots()] == [[], []]


def test_a_re_seal_that_stopped_half_way_is_completed_by_running_it_again(tmp_path):
    """Stopped after the old files were kept and one new file was renamed into place: the old manifest still
    seals the day (its check fails), and re-running the forced seal keeps the right files, not the new one."""
    store = SnapshotStore(str(tmp_path))
    seal(store, D1)
    first = (_part(tmp_path, D1) / MANIFEST).read_bytes()
    seal(store, D2)
    real = store.fs

    class StopsOnSecondRename:
        moves = 0

        def __getattr__(self, name):
            return getattr(real, name)

        def move(self, src, dst):
            self.moves += 1
            if self.moves == 2:
                raise OSError("machine stopped")
            real.move(src, dst)

    store.fs = StopsOnSecondRename()
    with pytest.raises(OSError, match="machine stopped"):
        seal(store, D1, n=5, force=True)
    store.fs = real
    assert (_part(tmp_path, D1) / MANIFEST).read_bytes() == first
    assert any("does not match its SHA-256" in p for p in store.verify(R1))

    seal(store, D1, n=5, force=True)
    assert store.manifest(R1)["resealed"]["kept_in"] == "_replaced-1"
    assert [store.verify(r) for r in store.list_snapshots()] == [[], []]


def test_a_changed_kept_file_is_named(resealed, tmp_path):
    store, _ = resealed
    victim = _part(tmp_path, D1) / "_replaced-1/principals.parquet"
    data = bytearray(victim.read_bytes())
    data[-20] ^= 1
    victim.write_bytes(bytes(data))
    assert store.verify(R1) == [
        f"{R1}: re-seal 1 (re-run after fixing the role): kept file _replaced-1/principals.parquet does not "
        "match the replaced manifest's SHA-256"
    ]
    assert main(["check", "--root", str(tmp_path)]) == 1


def test_a_changed_kept_manifest_breaks_the_record_and_the_next_days_link(resealed, tmp_path):
    store, first = resealed
    kept = _part(tmp_path, D1) / "_replaced-1/_MANIFEST.replaced.json"
    kept.write_bytes(first.replace(b'"complete"', b'"partial"', 1))
    assert store.verify(R1) == [
        f"{R1}: re-seal 1 (re-run after fixing the role): _replaced-1/_MANIFEST.replaced.json does not match "
        "the SHA-256 its re-seal record names"
    ]
    assert store.verify(R2) == [f"{R2}: previous manifest {D1} changed since this one was sealed"]


def test_an_edit_without_a_re_seal_record_still_breaks_the_chain(resealed, tmp_path):
    """Dropping the record from the current manifest (or editing it by hand) is not a documented re-seal."""
    store, _ = resealed
    path = _part(tmp_path, D1) / MANIFEST
    manifest = json.loads(path.read_bytes())
    manifest["resealed"] = None
    path.write_bytes(json.dumps(manifest).encode())
    assert store.verify(R1) == []
    assert store.verify(R2) == [f"{R2}: previous manifest {D1} changed since this one was sealed"]


def test_a_record_naming_a_manifest_that_is_not_kept_is_named(resealed, tmp_path):
    store, _ = resealed
    path = _part(tmp_path, D1) / MANIFEST
    manifest = json.loads(path.read_bytes())
    manifest["resealed"]["kept_as"] = "../../elsewhere/_MANIFEST.json"  # never followed out of the partition
    path.write_bytes(json.dumps(manifest).encode())
    assert store.verify(R1) == [
        f"{R1}: re-seal 1 (re-run after fixing the role): replaced manifest ../../elsewhere/_MANIFEST.json is "
        "missing"
    ]
    assert store.verify(R2) == [f"{R2}: previous manifest {D1} changed since this one was sealed"]


def test_muster_check_passes_after_a_forced_re_seal(resealed, tmp_path, capsys):
    assert main(["check", "--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip().endswith("2 sealed snapshot(s) checked, 0 problem(s)")


def test_a_manifest_below_a_partition_is_never_listed(resealed, tmp_path):
    """Even a copy named _MANIFEST.json inside a kept folder is not a snapshot of its own."""
    store, first = resealed
    (_part(tmp_path, D1) / "_replaced-1" / MANIFEST).write_bytes(first)
    assert store.list_snapshots() == [R1, R2]


def test_a_day_sealed_after_the_re_seal_links_to_the_new_manifest(resealed, tmp_path):
    store, _ = resealed
    seal(store, D3)
    ref3 = SnapshotRef("aws", ACCOUNT, D3)
    assert store.manifest(ref3)["previous_manifest"]["sha256"] == _sha(store.manifest_bytes(R2))
    seal(store, D2, n=4, force=True)  # now day 3 links to a replaced day 2, day 2 to a replaced day 1
    assert [store.verify(r) for r in store.list_snapshots()] == [[], [], []]


def test_a_re_seal_from_before_the_kept_folders_still_verifies(resealed, tmp_path):
    """Older Muster moved the replaced manifest to _MANIFEST.replaced-<hash>.json and kept no files: the chain
    still verifies through it, and re-sealing again starts the numbered folders."""
    store, first = resealed
    part = _part(tmp_path, D1)
    legacy = f"_MANIFEST.replaced-{_sha(first)[:12]}.json"
    (part / legacy).write_bytes(first)
    for f in (part / "_replaced-1").iterdir():
        f.unlink()
    (part / "_replaced-1").rmdir()
    manifest = json.loads((part / MANIFEST).read_bytes())
    manifest["resealed"] = {"sha256": _sha(first), "kept_as": legacy, "reason": "old"}
    (part / MANIFEST).write_bytes(json.dumps(manifest).encode())
    assert [store.verify(r) for r in store.list_snapshots()] == [[], []]

    seal(store, D1, n=6, force=True)
    assert store.manifest(R1)["resealed"]["kept_in"] == "_replaced-1"
    assert [store.verify(r) for r in store.list_snapshots()] == [[], []]
