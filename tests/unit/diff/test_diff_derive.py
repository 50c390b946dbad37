"""derive_changes over sealed snapshots: baselines, sealing, and every kind of bad input."""

import datetime as dt
import json
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers_diff import ACCOUNT, credential, grant, principal
from muster.cli import main
from muster.collected import Collected, EntityResult
from muster.diff import DiffError, derive_changes
from muster.snapshot import MANIFEST, DerivedStore, SnapshotRef, SnapshotStore, seal_collected

D = [dt.date(2026, 11, d) for d in (2, 3, 4, 5)]
AT = dt.datetime(2026, 11, 2, 3, tzinfo=dt.UTC)


def seal(root, day, pids, *, report="complete", keys=True, enabled=True):
    c = Collected("aws", ACCOUNT, day)
    c.principals = [principal(p, day, enabled=enabled) for p in pids]
    c.credentials = [credential(f"{p}/k", p, day) for p in pids] if keys else []
    c.grants = [grant(p, "p1", day) for p in pids]
    c.entities = [
        EntityResult("authorization_details", "principals,grants,role_definitions"),
        EntityResult("credential_report", "principals,credentials:access_key", status=report),
    ]
    if report != "complete":
        c.entities[1].error = f"account {ACCOUNT}: credential_report {report}"
    return seal_collected(SnapshotStore(str(root)), c, run_id=f"r{day}", collected_at=AT)


def ref(day):
    return SnapshotRef("aws", ACCOUNT, day)


def changes(root, day):
    return DerivedStore(str(root)).read("changes", ref(day), "changes").to_pylist()


def test_first_snapshot_is_all_added_and_sealed_with_inputs(tmp_path):
    seal(tmp_path, D[0], ["A", "B"])
    manifest = derive_changes(str(tmp_path), ref(D[0]))
    rows = changes(tmp_path, D[0])
    assert {(r["table_name"], r["change"]) for r in rows} == {
        ("principals", "added"),
        ("credentials", "added"),
        ("grants", "added"),
    }
    assert len(rows) == 6
    assert manifest["params"] == {
        "baselines": {"principals": None, "credentials": None, "grants": None, "role_definitions": None}
    }
    assert list(manifest["inputs"]) == ["snapshot 2026-11-02"]
    assert manifest["status"] == "complete"


def test_baseline_skips_a_partial_day_per_table_and_partial_never_removes(tmp_path):
    seal(tmp_path, D[0], ["A", "B", "C"])
    seal(tmp_path, D[1], ["A"], report="partial")  # B and C look gone, but the report was partial
    first = derive_changes(str(tmp_path), ref(D[1]))
    rows = changes(tmp_path, D[1])
    assert {(r["table_name"], r["change"], r["entity_key"]) for r in rows} == {
        ("principals", "unknown", "{}"),
        ("credentials", "unknown", "{}"),
        (
            "grants",
            "removed",
            '{"principal_id":"B","role_id":"arn:aws:iam::123456789012:policy/p1",'
            '"scope":"123456789012","via":"direct"}',
        ),
        (
            "grants",
            "removed",
            '{"principal_id":"C","role_id":"arn:aws:iam::123456789012:policy/p1",'
            '"scope":"123456789012","via":"direct"}',
        ),
    }
    assert first["status"] == "partial"
    seal(tmp_path, D[2], ["A", "C"])
    manifest = derive_changes(str(tmp_path), ref(D[2]))
    assert manifest["params"]["baselines"] == {
        "principals": "2026-11-02",  # 11-03 was partial for principals and credentials
        "credentials": "2026-11-02",
        "grants": "2026-11-03",
        "role_definitions": "2026-11-03",
    }
    assert set(manifest["inputs"]) == {"snapshot 2026-11-02", "snapshot 2026-11-03", "snapshot 2026-11-04"}
    got = {(r["table_name"], r["change"], r["principal_id"]) for r in changes(tmp_path, D[2])}
    assert got == {("principals", "removed", "B"), ("credentials", "removed", "B"), ("grants", "added", "C")}


def test_an_unsealed_partition_is_neither_baseline_nor_diffable(tmp_path):
    seal(tmp_path, D[0], ["A", "B"])
    seal(tmp_path, D[1], ["A"])
    part = SnapshotStore(str(tmp_path)).partition(ref(D[1]))
    (tmp_path / part / MANIFEST).unlink()  # D[1] is now unsealed: files without a seal
    seal(tmp_path, D[2], ["A", "B"])
    derive_changes(str(tmp_path), ref(D[2]))
    assert changes(tmp_path, D[2]) == []  # compared with D[0], not with the unsealed day
    with pytest.raises(DiffError, match=r"aws/123456789012 2026-11-03: no sealed snapshot"):
        derive_changes(str(tmp_path), ref(D[1]))


def test_tampered_table_is_an_error_naming_tenant_date_and_table(tmp_path):
    seal(tmp_path, D[0], ["A", "B"])
    seal(tmp_path, D[1], ["A"])
    path = tmp_path / SnapshotStore(str(tmp_path)).partition(ref(D[0])) / "credentials.parquet"
    tbl = pq.read_table(path)
    pq.write_table(tbl.slice(0, 1), path)  # drop a row: a diff would now invent no removal
    with pytest.raises(DiffError, match=r"aws/123456789012 2026-11-02: table credentials: .* manifest hash"):
        derive_changes(str(tmp_path), ref(D[1]))


def test_missing_table_in_manifest_is_an_error(tmp_path):
    seal(tmp_path, D[0], ["A"])
    part = tmp_path / SnapshotStore(str(tmp_path)).partition(ref(D[0]))
    manifest = json.loads((part / MANIFEST).read_text())
    del manifest["tables"]["grants"]
    (part / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(
        DiffError, match=r"aws/123456789012 2026-11-02: the sealed snapshot has no table grants"
    ):
        derive_changes(str(tmp_path), ref(D[0]))


def _set_schema_version(part, table, version, in_manifest=False):
    import hashlib

    manifest = json.loads((part / MANIFEST).read_text())
    if in_manifest:
        manifest["versions"]["schema"] = version
    else:
        path = part / f"{table}.parquet"
        tbl = pq.read_table(path)
        meta = {**tbl.schema.metadata, b"muster.schema_version": version.encode()}
        pq.write_table(tbl.replace_schema_metadata(meta), path)
        manifest["tables"][table]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (part / MANIFEST).write_text(json.dumps(manifest))


def test_older_schema_version_current_is_an_error_baseline_is_unknown(tmp_path):
    seal(tmp_path, D[0], ["A", "B"])
    seal(tmp_path, D[1], ["A"])
    store = SnapshotStore(str(tmp_path))
    _set_schema_version(tmp_path / store.partition(ref(D[0])), "principals", "0")
    derive_changes(str(tmp_path), ref(D[1]))
    got = {
        (r["table_name"], r["change"], r["reason"])
        for r in changes(tmp_path, D[1])
        if r["table_name"] == "principals"
    }
    assert got == {
        (
            "principals",
            "unknown",
            "baseline 2026-11-02: principals has schema_version 0 in its Parquet metadata; the diff needs 1",
        )
    }
    _set_schema_version(tmp_path / store.partition(ref(D[1])), "grants", "0", in_manifest=True)
    with pytest.raises(DiffError, match=r"2026-11-03: principals has schema_version 0 in its manifest"):
        derive_changes(str(tmp_path), ref(D[1]))


def test_cli_diff_derives_once_and_prints_json(tmp_path, capsys):
    seal(tmp_path, D[0], ["A", "B"])
    seal(tmp_path, D[1], ["A", "C"], enabled=False)
    argv = ["diff", "--root", str(tmp_path), "--date", "2026-11-03", "--format", "json"]
    assert main(argv) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {(r["table_name"], r["change"], r["principal_id"]) for r in out} == {
        ("principals", "modified", "A"),
        ("principals", "removed", "B"),
        ("principals", "added", "C"),
        ("credentials", "removed", "B"),
        ("credentials", "added", "C"),
        ("grants", "removed", "B"),
        ("grants", "added", "C"),
    }
    sealed = DerivedStore(str(tmp_path)).manifest("changes", ref(D[1]))
    assert main(argv[:-2] + ["--format", "table"]) == 0
    assert DerivedStore(str(tmp_path)).manifest("changes", ref(D[1])) == sealed  # not derived again
    assert re.search(r"principals +modified +{\"principal_id\":\"A\"}", capsys.readouterr().out)
    assert main(["diff", "--root", str(tmp_path), "--date", "2026-11-09"]) == 2
    assert "no sealed snapshot on 2026-11-09" in capsys.readouterr().err


def test_kind_not_collected_in_manifest_is_unknown(tmp_path):
    c = Collected("aws", ACCOUNT, D[0])
    c.principals = [principal("A", D[0])]
    c.credentials = [credential("A/k", "A", D[0])]
    c.entities = [
        EntityResult("authorization_details", "principals,grants,role_definitions"),
        EntityResult("credential_report", "principals,credentials:access_key"),
        EntityResult(
            "ssh_public_keys", "credentials:ssh_key", status="not_collected", error="skipped by scope"
        ),
    ]
    seal_collected(SnapshotStore(str(tmp_path)), c, run_id="r", collected_at=AT)
    derive_changes(str(tmp_path), ref(D[0]))
    rows = [r for r in changes(tmp_path, D[0]) if r["table_name"] == "credentials"]
    assert {(r["change"], r["entity_key"]) for r in rows} == {
        ("unknown", '{"kind":"ssh_key"}'),
        ("added", '{"credential_id":"A/k"}'),
    }


def _rewrite(part, table, change):
    """Replace a sealed table by `change(table)`, resealing its hash (a file written by something else)."""
    import hashlib

    path = part / f"{table}.parquet"
    pq.write_table(change(pq.read_table(path)), path)
    manifest = json.loads((part / MANIFEST).read_text())
    manifest["tables"][table]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (part / MANIFEST).write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("table", "change", "message"),
    [
        (
            "principals",
            lambda t: t.drop_columns(["name"]),
            "table principals: column name is missing, declared string",
        ),
        (
            "grants",
            lambda t: t.set_column(
                t.schema.get_field_index("privilege"), "privilege", pa.array([1], pa.int64())
            ),
            "table grants: column privilege is int64, declared string",
        ),
    ],
)
def test_a_column_missing_or_of_another_type_is_an_error_naming_it(tmp_path, table, change, message):
    seal(tmp_path, D[0], ["A"])
    seal(tmp_path, D[1], ["A"])
    _rewrite(tmp_path / SnapshotStore(str(tmp_path)).partition(ref(D[1])), table, change)
    with pytest.raises(DiffError, match=rf"aws/123456789012 2026-11-03: {message}"):
        derive_changes(str(tmp_path), ref(D[1]))
