"""Sealed, Hive-partitioned Parquet snapshots.

Layout: <root>/snapshots/provider=P/tenant=T/date=D/{table}.parquet + _MANIFEST.json.
Files are written under temporary names, renamed into place, and sealed by the manifest written last.
A partition without a manifest is not a snapshot: readers never see it. The manifest chains to the
same tenant's previous manifest by SHA-256, so a removed or edited day breaks the chain visibly. A forced
re-seal keeps what it replaces under the partition's `_replaced-<n>/` and records it (see `snapshot.reseal`),
so the chain stays verifiable through it.

This module holds the store itself (paths, listing, reading, writing, verifying); the Parquet bytes and the
manifest's fields are in `snapshot.encoding`, shared with the derived partitions.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from functools import partial

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from ..schema import SNAPSHOT_TABLES, validate_table
from ..threads import in_order
from . import reseal
from .encoding import (
    MANIFEST,
    MANIFEST_FORMAT,
    _sha256,
    overall_status,
    parquet_bytes,
    table_statuses,
    versions,
)
from .fs import resolve

log = logging.getLogger(__name__)


class SnapshotError(RuntimeError):
    """A snapshot cannot be written or read as asked (already sealed, tampered, unsealed)."""


@dataclass(frozen=True, order=True)
class SnapshotRef:
    provider: str
    tenant_id: str
    snapshot_date: dt.date


def sealed_partitions(
    fs: pafs.FileSystem, top: str, provider: str | None = None, tenant_id: str | None = None
) -> list[SnapshotRef]:
    """The provider=/tenant=/date= partitions under `top` that carry a manifest, sorted."""
    # only the provider's (tenant's) folder is listed: a tenant's days, not every tenant's, per derive
    below = top + (f"/provider={provider}" if provider is not None else "")
    below += f"/tenant={tenant_id}" if provider is not None and tenant_id is not None else ""
    if fs.get_file_info(below).type != pafs.FileType.Directory:
        return []
    refs = []
    for info in fs.get_file_info(pafs.FileSelector(below, recursive=True)):
        if info.base_name != MANIFEST:
            continue
        folders = info.path[len(top) + 1 :].split("/")[:-1]
        parts = dict(p.split("=", 1) for p in folders if "=" in p)
        try:
            if len(folders) != 3 or not folders[-1].startswith("date="):
                raise ValueError("not directly in a date= folder")
            ref = SnapshotRef(parts["provider"], parts["tenant"], dt.date.fromisoformat(parts["date"]))
        except (KeyError, ValueError):
            log.warning("ignoring manifest outside the partition layout: %s", info.path)
            continue
        if (provider is None or ref.provider == provider) and (
            tenant_id is None or ref.tenant_id == tenant_id
        ):
            refs.append(ref)
    return sorted(refs)


class SnapshotStore:
    """The evidence store under one root; all paths are derived from (provider, tenant, date, table)."""

    def __init__(self, root: str):
        self.root = root
        self.fs, self.base = resolve(root)

    # -- paths -----------------------------------------------------------------------------------
    def partition(self, ref: SnapshotRef) -> str:
        return (
            f"{self.base}/snapshots/provider={ref.provider}/tenant={ref.tenant_id}/"
            f"date={ref.snapshot_date.isoformat()}"
        )

    def _read(self, path: str) -> bytes:
        with self.fs.open_input_stream(path) as f:
            return f.read()

    def _write(self, path: str, data: bytes) -> None:
        with self.fs.open_output_stream(path) as f:
            f.write(data)

    def _exists(self, path: str) -> bool:
        return self.fs.get_file_info(path).type == pafs.FileType.File

    # -- reading ---------------------------------------------------------------------------------
    def list_snapshots(self, provider: str | None = None, tenant_id: str | None = None) -> list[SnapshotRef]:
        """Sealed snapshots only, sorted by provider, tenant, date."""
        return sealed_partitions(self.fs, f"{self.base}/snapshots", provider, tenant_id)

    def manifest_bytes(self, ref: SnapshotRef) -> bytes:
        path = f"{self.partition(ref)}/{MANIFEST}"
        if not self._exists(path):
            raise SnapshotError(f"no sealed snapshot for {ref.provider}/{ref.tenant_id}/{ref.snapshot_date}")
        return self._read(path)

    def manifest(self, ref: SnapshotRef) -> dict:
        return json.loads(self.manifest_bytes(ref))

    def read_table(
        self, ref: SnapshotRef, table: str, verify: bool = True, columns: list[str] | None = None
    ) -> pa.Table:
        """Read one table of a sealed snapshot, checking its SHA-256 against the manifest; `columns` decodes
        only those (all: None)."""
        manifest = self.manifest(ref)
        entry = manifest["tables"].get(table)
        if entry is None:
            raise SnapshotError(f"snapshot {ref} has no table {table}")
        data = self._read(f"{self.partition(ref)}/{entry['file']}")
        if verify and _sha256(data) != entry["sha256"]:
            raise SnapshotError(
                f"snapshot {ref}: {entry['file']} does not match its manifest hash (tampered?)"
            )
        return pq.read_table(pa.BufferReader(data), columns=columns)

    def previous(self, ref: SnapshotRef) -> SnapshotRef | None:
        earlier = [
            r for r in self.list_snapshots(ref.provider, ref.tenant_id) if r.snapshot_date < ref.snapshot_date
        ]
        return earlier[-1] if earlier else None

    # -- writing ---------------------------------------------------------------------------------
    def write_snapshot(
        self,
        ref: SnapshotRef,
        tables: dict[str, pa.Table],
        *,
        run_id: str,
        collected_at: dt.datetime,
        clock: str = "real",
        force: bool = False,
        reason: str | None = None,
        extra: dict | None = None,
    ) -> dict:
        """Validate, write and seal one snapshot; return its manifest.

        `tables` must hold every snapshot table (empty ones included). A sealed snapshot is never replaced
        unless `force` is given; then the replaced manifest and its files are kept under `_replaced-<n>/` in
        the partition and the new manifest's `resealed` record names them (`snapshot.reseal`).
        """
        if collected_at.tzinfo is None:
            raise SnapshotError("collected_at must be timezone-aware")
        missing = set(SNAPSHOT_TABLES) - set(tables)
        if missing:
            raise SnapshotError(f"snapshot {ref}: missing table(s) {sorted(missing)}")
        part = self.partition(ref)
        manifest_path = f"{part}/{MANIFEST}"
        replaced = None
        if self._exists(manifest_path):
            if not force:
                raise SnapshotError(
                    f"snapshot {ref.provider}/{ref.tenant_id}/{ref.snapshot_date} is already sealed; "
                    "pass force to re-seal it (the replaced snapshot is kept)"
                )
            old = self._read(manifest_path)
            replaced = reseal.record(old, reason)

        self.fs.create_dir(part, recursive=True)
        # Every table validated and encoded (on threads, cores allowing) before any file is written: a bad
        # table leaves nothing behind, and the entries keep the order of SNAPSHOT_TABLES.
        jobs = {
            name: partial(_encode, ref, name, spec, tables[name]) for name, spec in SNAPSHOT_TABLES.items()
        }
        encoded = in_order(jobs, cost={name: tables[name].num_rows for name in SNAPSHOT_TABLES})
        entries, payloads = {}, {}
        for name, (rows, data) in encoded.items():
            payloads[name] = data
            entries[name] = {
                "file": f"{name}.parquet",
                "sha256": _sha256(data),
                "rows": rows,
                "bytes": len(data),
            }
        statuses = table_statuses(tables["collection"])
        for name, st in statuses.items():
            entries[name].update(st)

        # temp names first: a crash leaves only files that no reader looks at.
        for name, data in payloads.items():
            self._write(f"{part}/_tmp-{name}.parquet", data)
        if replaced:
            self._keep(part, old, replaced)
        for name in payloads:
            self.fs.move(f"{part}/_tmp-{name}.parquet", f"{part}/{name}.parquet")

        prev = self.previous(ref)
        manifest = {
            "muster_manifest": MANIFEST_FORMAT,
            "provider": ref.provider,
            "tenant_id": ref.tenant_id,
            "snapshot_date": ref.snapshot_date.isoformat(),
            "run_id": run_id,
            "collected_at": collected_at.astimezone(dt.UTC).isoformat(),
            "clock": clock,
            "status": overall_status(statuses),
            "tables": entries,
            "previous_manifest": None
            if prev is None
            else {
                "snapshot_date": prev.snapshot_date.isoformat(),
                "sha256": _sha256(self.manifest_bytes(prev)),
            },
            "resealed": replaced,
            "versions": versions(),
            **(extra or {}),
        }
        # written aside and moved over: a re-seal never leaves a half-written manifest in place of the old one
        self._write(f"{part}/_tmp-{MANIFEST}", json.dumps(manifest, indent=2, sort_keys=True).encode())
        self.fs.move(f"{part}/_tmp-{MANIFEST}", manifest_path)
        log.info(
            "sealed %s/%s/%s status=%s", ref.provider, ref.tenant_id, ref.snapshot_date, manifest["status"]
        )
        return manifest

    def _keep(self, part: str, old_manifest: bytes, rec: dict) -> None:
        """Copy the sealed files `old_manifest` lists, then the manifest itself, under `rec['kept_in']`.

        Copied, not moved: until the new files are renamed over them a reader still finds every file (a
        mismatch, at worst, which it reports). The old manifest stays in place until the new one replaces it,
        so an attempt that stops half way is re-run with force to the same `_replaced-<n>/`; a kept copy that
        already matches its hash is left as it is, as the file in place may by then be the new one.
        """
        keep = f"{part}/{rec['kept_in']}"
        self.fs.create_dir(keep, recursive=True)
        for entry in json.loads(old_manifest)["tables"].values():
            src, dst = f"{part}/{entry['file']}", f"{keep}/{entry['file']}"
            if self._exists(dst) and _sha256(self._read(dst)) == entry["sha256"]:
                continue
            if self._exists(src):
                self.fs.copy_file(src, dst)
        self._write(f"{part}/{rec['kept_as']}", old_manifest)

    def _reader(self, ref: SnapshotRef) -> reseal.Reader:
        part = self.partition(ref)
        return lambda rel: self._read(f"{part}/{rel}") if self._exists(f"{part}/{rel}") else None

    def replaced_sha256s(self, ref: SnapshotRef) -> set[str]:
        """SHA-256 of the manifests of `ref`'s day that a documented re-seal replaced and kept intact."""
        return reseal.replaced_sha256s(self.manifest(ref), self._reader(ref))

    def _links_to_replaced(self, link: dict, prev: SnapshotRef) -> bool:
        """`link` names a manifest of `prev`'s day that a documented re-seal replaced and kept intact."""
        return link["sha256"] in self.replaced_sha256s(prev)

    def verify(self, ref: SnapshotRef) -> list[str]:
        """Problems with a sealed snapshot: file hashes, row counts, kept re-sealed copies, chain link. Empty
        when sound."""
        problems = []
        manifest = self.manifest(ref)
        for entry in manifest["tables"].values():
            path = f"{self.partition(ref)}/{entry['file']}"
            if not self._exists(path):
                problems.append(f"{ref}: {entry['file']} is missing")
                continue
            data = self._read(path)
            if _sha256(data) != entry["sha256"]:
                problems.append(f"{ref}: {entry['file']} does not match its SHA-256")
            elif pq.read_metadata(pa.BufferReader(data)).num_rows != entry["rows"]:
                problems.append(
                    f"{ref}: {entry['file']} does not hold the {entry['rows']} rows its manifest names"
                )
        problems += [f"{ref}: {p}" for p in reseal.problems(manifest, self._reader(ref))]
        link = manifest.get("previous_manifest")
        prev = self.previous(ref)
        if link and prev is None:
            problems.append(f"{ref}: previous snapshot {link['snapshot_date']} is gone")
        elif link and prev is not None:
            if link["snapshot_date"] != prev.snapshot_date.isoformat():
                problems.append(
                    f"{ref}: chain names {link['snapshot_date']}, latest earlier is {prev.snapshot_date}"
                )
            # a day sealed before a documented re-seal of prev links to the replaced manifest: still sound
            elif link["sha256"] != _sha256(self.manifest_bytes(prev)) and not self._links_to_replaced(
                link, prev
            ):
                problems.append(
                    f"{ref}: previous manifest {prev.snapshot_date} changed since this one was sealed"
                )
        elif link is None and prev is not None:
            problems.append(f"{ref}: no chain link although {prev.snapshot_date} precedes it")
        return problems


def _encode(ref: SnapshotRef, name: str, spec, tbl: pa.Table) -> tuple[int, bytes]:
    """(rows, Parquet bytes) of one validated table of the snapshot ``ref``."""
    tbl = validate_table(spec, tbl)
    _check_partition(ref, name, tbl)
    return tbl.num_rows, parquet_bytes(tbl)


def _check_partition(ref: SnapshotRef, name: str, tbl: pa.Table) -> None:
    """Every row must belong to the partition it is written into."""
    import pyarrow.compute as pc

    for col, want in (
        ("provider", ref.provider),
        ("tenant_id", ref.tenant_id),
        ("snapshot_date", ref.snapshot_date),
    ):
        if (
            len(tbl)
            and not pc.all(pc.equal(tbl.column(col), pa.scalar(want, tbl.schema.field(col).type))).as_py()
        ):
            raise SnapshotError(f"table {name}: rows with {col} other than {want!r} in snapshot {ref}")
