"""Sealed partitions derived from snapshots: changes, findings, ledger, the people index the rules read, and
the dispositions (review decisions) that applied to each day's findings.

Layout: <root>/<kind>/provider=P/tenant=T/date=D/{table}.parquet + _MANIFEST.json (written last).
Unlike a snapshot, a derived partition is reproducible from sealed inputs, so re-deriving a date (a
backfill after a rule change) replaces it; the manifest names the inputs (each input manifest's SHA-256),
the parameters and the versions, and the replaced manifest's hash, so any change is visible.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from ..schema import TableSpec, validate_table
from ..schema.validate import sort_table
from .encoding import MANIFEST, _sha256, parquet_bytes, versions
from .store import SnapshotError, SnapshotRef, SnapshotStore, sealed_partitions

log = logging.getLogger(__name__)

KINDS = ("changes", "findings", "ledger", "people", "dispositions")
#: The kinds that are evidence for an auditor (coverage, bundles); the people index is the rules' working
#: state across days, reproducible from the snapshots and already covered by the findings it fed. Dispositions
#: are bundled (see evidence.gather) but are no coverage: a day without them lacks a review, not evidence.
EVIDENCE_KINDS = ("changes", "findings", "ledger")


def _encode(spec: TableSpec, tbl: pa.Table) -> tuple[bytes, dict]:
    """Validate, sort and encode one table: its Parquet bytes and its manifest entry."""
    tbl = sort_table(spec, validate_table(spec, tbl))
    data = parquet_bytes(tbl)
    return data, {
        "sha256": _sha256(data),
        "rows": tbl.num_rows,
        "bytes": len(data),
        "schema_version": spec.schema.metadata[b"muster.schema_version"].decode(),
    }


class DerivedStore:
    """Derived evidence under the same root as the snapshots it was computed from."""

    def __init__(self, root: str | SnapshotStore):
        self.snapshots = root if isinstance(root, SnapshotStore) else SnapshotStore(root)
        self.fs, self.base = self.snapshots.fs, self.snapshots.base

    def partition(self, kind: str, ref: SnapshotRef) -> str:
        if kind not in KINDS:
            raise ValueError(f"unknown derived kind {kind!r}; one of {KINDS}")
        return f"{self.base}/{kind}/provider={ref.provider}/tenant={ref.tenant_id}/date={ref.snapshot_date.isoformat()}"

    def write(
        self,
        kind: str,
        ref: SnapshotRef,
        tables: dict[str, tuple[TableSpec, pa.Table]],
        *,
        inputs: dict[str, str],
        params: dict | None = None,
        status: str = "complete",
    ) -> dict:
        """Validate, sort, write and seal; `inputs` maps each input (e.g. 'snapshot 2026-11-26') to its manifest
        SHA-256. Returns the manifest."""
        part = self.partition(kind, ref)
        self.fs.create_dir(part, recursive=True)
        # each table is encoded on its own (Arrow releases the GIL), so several use several cores
        with ThreadPoolExecutor(max_workers=min(2, max(1, len(tables)))) as pool:
            encoded = {name: pool.submit(_encode, spec, tbl) for name, (spec, tbl) in tables.items()}
            payloads, entries = {}, {}
            for name, future in encoded.items():
                payloads[name], entries[name] = future.result()
                entries[name] = {"file": f"{name}.parquet", **entries[name]}
        manifest_path = f"{part}/{MANIFEST}"
        replaced = None
        if self.fs.get_file_info(manifest_path).type == pafs.FileType.File:
            replaced = _sha256(self.snapshots._read(manifest_path))
            self.fs.delete_file(manifest_path)  # unseal first: readers never see new files under an old seal
        for name, data in payloads.items():
            self.snapshots._write(f"{part}/_tmp-{name}.parquet", data)
        for name in payloads:
            self.fs.move(f"{part}/_tmp-{name}.parquet", f"{part}/{name}.parquet")
        manifest = {
            "muster_manifest": 1,
            "kind": kind,
            "provider": ref.provider,
            "tenant_id": ref.tenant_id,
            "date": ref.snapshot_date.isoformat(),
            "status": status,
            "inputs": dict(sorted(inputs.items())),
            "params": params or {},
            "tables": entries,
            "replaced_manifest_sha256": replaced,
            "versions": versions(),
        }
        self.snapshots._write(
            manifest_path, json.dumps(manifest, indent=2, sort_keys=True, default=str).encode()
        )
        log.info("sealed %s %s/%s/%s", kind, ref.provider, ref.tenant_id, ref.snapshot_date)
        return manifest

    def list(self, kind: str, provider: str | None = None, tenant_id: str | None = None) -> list[SnapshotRef]:
        """Sealed partitions of one kind, sorted by provider, tenant, date."""
        return sealed_partitions(self.fs, f"{self.base}/{kind}", provider, tenant_id)

    def manifest_bytes(self, kind: str, ref: SnapshotRef) -> bytes:
        """The sealed manifest as written: what an input digest of this partition hashes."""
        path = f"{self.partition(kind, ref)}/{MANIFEST}"
        if self.fs.get_file_info(path).type != pafs.FileType.File:
            raise SnapshotError(f"no sealed {kind} for {ref.provider}/{ref.tenant_id}/{ref.snapshot_date}")
        return self.snapshots._read(path)

    def manifest(self, kind: str, ref: SnapshotRef) -> dict:
        return json.loads(self.manifest_bytes(kind, ref))

    def read(self, kind: str, ref: SnapshotRef, table: str, columns: list[str] | None = None) -> pa.Table:
        """One sealed table, checked against its manifest hash; `columns` decodes only those (all: None)."""
        entry = self.manifest(kind, ref)["tables"].get(table)
        if entry is None:
            raise SnapshotError(f"{kind} {ref} has no table {table}")
        data = self.snapshots._read(f"{self.partition(kind, ref)}/{entry['file']}")
        if _sha256(data) != entry["sha256"]:
            raise SnapshotError(f"{kind} {ref}: {entry['file']} does not match its manifest hash (tampered?)")
        return pq.read_table(pa.BufferReader(data), columns=columns)
