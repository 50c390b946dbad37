"""Tables validated and encoded on threads give the bytes and the manifest of a plain loop, and a table that
fails leaves nothing behind."""

import datetime as dt

import pytest
from muster import threads
from muster.schema import SchemaViolation
from muster.snapshot import SnapshotRef, SnapshotStore, parquet_bytes, parquet_payloads, seal_collected
from test_store import ACCOUNT, AT, collected

DAY = dt.date(2026, 11, 26)


def _seal(root, workers: int, monkeypatch) -> tuple[dict, dict[str, bytes]]:
    monkeypatch.setattr(threads, "THREADS", workers)
    monkeypatch.setattr(threads, "idle_cores", lambda: 8.0)
    store = SnapshotStore(str(root))
    manifest = seal_collected(store, collected(DAY, n=40), run_id="r", collected_at=AT)
    part = root / f"snapshots/provider=aws/tenant={ACCOUNT}/date={DAY}"
    return manifest, {p.name: p.read_bytes() for p in sorted(part.iterdir())}


def test_threads_give_the_files_and_manifest_of_a_loop(tmp_path, monkeypatch):
    loop_manifest, loop_files = _seal(tmp_path / "loop", 1, monkeypatch)
    manifest, files = _seal(tmp_path / "threads", 4, monkeypatch)
    assert files == loop_files  # the manifest file included, byte for byte
    assert list(manifest["tables"]) == list(loop_manifest["tables"])


def test_parquet_payloads_are_parquet_bytes_in_the_given_order(monkeypatch):
    monkeypatch.setattr(threads, "THREADS", 4)
    monkeypatch.setattr(threads, "idle_cores", lambda: 8.0)
    tables = collected(DAY, n=40).tables("r", AT)
    ordered = dict(reversed(tables.items()))
    payloads = parquet_payloads(ordered)
    assert list(payloads) == list(ordered)
    assert payloads == {name: parquet_bytes(tbl) for name, tbl in ordered.items()}


@pytest.mark.parametrize("workers", [1, 4])
def test_a_failing_table_leaves_nothing_and_the_first_failure_in_table_order_is_raised(
    tmp_path, monkeypatch, workers
):
    monkeypatch.setattr(threads, "THREADS", workers)
    monkeypatch.setattr(threads, "idle_cores", lambda: 8.0)
    store = SnapshotStore(str(tmp_path))
    tables = collected(DAY).tables("r", AT)
    for name in ("credentials", "role_definitions"):  # principals come first: only credentials is named
        tables[name] = tables[name].drop_columns(["kind" if name == "credentials" else "role_type"])
    with pytest.raises(SchemaViolation, match="table credentials: missing column"):
        store.write_snapshot(SnapshotRef("aws", ACCOUNT, DAY), tables, run_id="r", collected_at=AT)
    assert store.list_snapshots() == []
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
