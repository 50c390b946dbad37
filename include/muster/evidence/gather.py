"""Copy the sealed inputs of a bundle into it: snapshot partitions (populations) and derived tables.

Every byte copied is first checked against the SHA-256 its sealed manifest names; a tampered store stops
the bundle instead of being passed on. Daily manifests are copied byte for byte, so the hash chain an
auditor re-checks is the one sealed at collection time; a day re-sealed with force brings the snapshots it
replaced along (its `_replaced-<n>/` folders), so a later day's link to a replaced manifest can be checked too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..snapshot import SnapshotRef, SnapshotStore, reseal
from ..snapshot.derived import DerivedStore
from ..snapshot.encoding import MANIFEST
from .params import BundleError

log = logging.getLogger(__name__)

POPULATIONS = "populations"
#: Derived kinds whose partitions are each a day's view (concatenated over the period) ...
PER_DAY_KINDS = ("changes", "findings", "dispositions")
#: ... and kinds whose latest partition holds the whole history up to its date (taken once per tenant).
CUMULATIVE_KINDS = ("ledger",)


def population_dir(ref: SnapshotRef) -> str:
    return (
        f"{POPULATIONS}/provider={ref.provider}/tenant={ref.tenant_id}/date={ref.snapshot_date.isoformat()}"
    )


def _copy_one(
    store: SnapshotStore, out: Path, ref: SnapshotRef, manifest_bytes: bytes, manifest: dict
) -> dict:
    rel = population_dir(ref)
    (out / rel).mkdir(parents=True, exist_ok=True)
    files, effort = {}, []
    for name, entry in manifest["tables"].items():
        data = store._read(f"{store.partition(ref)}/{entry['file']}")
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry["sha256"]:
            raise BundleError(
                f"sealed snapshot {ref.provider}/{ref.tenant_id}/{ref.snapshot_date}: {entry['file']} does not "
                "match its manifest (tampered store); the bundle is not built"
            )
        (out / rel / entry["file"]).write_bytes(data)
        files[f"{rel}/{entry['file']}"] = digest
        if name == "collection":
            effort = pq.read_table(pa.BufferReader(data), columns=EFFORT_COLUMNS).to_pylist()
    (out / rel / MANIFEST).write_bytes(manifest_bytes)
    files[f"{rel}/{MANIFEST}"] = hashlib.sha256(manifest_bytes).hexdigest()
    files.update(_copy_replaced(store, out, ref, manifest))
    return files, [(ref, r) for r in effort]


def _copy_replaced(store: SnapshotStore, out: Path, ref: SnapshotRef, manifest: dict) -> dict[str, str]:
    """The kept copies of every documented re-seal of `ref`'s day, each checked like the sealed files."""
    part, rel, files = store.partition(ref), population_dir(ref), {}

    def read(name: str) -> bytes | None:
        return store._read(f"{part}/{name}") if store._exists(f"{part}/{name}") else None

    problems = reseal.problems(manifest, read)
    if problems:
        raise BundleError(
            f"sealed snapshot {ref.provider}/{ref.tenant_id}/{ref.snapshot_date}: {problems[0]} (tampered "
            "store); the bundle is not built"
        )
    for item in reseal.history(manifest, read):
        names = [item.record["kept_as"]]
        if item.folder is not None:
            names += [f"{item.folder}/{e['file']}" for e in _json(item.raw)["tables"].values()]
        for name in names:
            data = read(name)
            (out / rel / name).parent.mkdir(parents=True, exist_ok=True)
            (out / rel / name).write_bytes(data)
            files[f"{rel}/{name}"] = hashlib.sha256(data).hexdigest()
    return files


#: Collection columns summed into the bundle's record of API effort.
EFFORT_COLUMNS = [
    "entity",
    "status",
    "api_calls",
    "pages",
    "retries",
    "throttles",
    "items",
    "source_as_of",
    "caller_identity",
]


def copy_populations(
    store: SnapshotStore, refs: list[SnapshotRef], out: Path, workers: int = 4
) -> tuple[dict[str, str], list[tuple[SnapshotRef, dict]]]:
    """Copy each sealed snapshot into populations/; return {relative path: sha256} of every file copied and
    the collection rows (ref, row) read on the way, for the record of API effort."""
    files: dict[str, str] = {}
    effort: list[tuple[SnapshotRef, dict]] = []

    def one(ref: SnapshotRef):
        raw = store.manifest_bytes(ref)
        return _copy_one(store, out, ref, raw, _json(raw))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for part, rows in pool.map(one, refs):
            files.update(part)
            effort += rows
    log.info("copied %d snapshot(s), %d file(s) into %s", len(refs), len(files), out / POPULATIONS)
    return files, effort


def _json(data: bytes) -> dict:
    import json

    return json.loads(data)


def chain(store: SnapshotStore, refs: list[SnapshotRef]) -> dict[str, list[dict]]:
    """Per tenant, the daily manifests in the bundle with the link each one sealed to its predecessor."""
    out: dict[str, list[dict]] = {}
    for ref in sorted(refs):
        raw = store.manifest_bytes(ref)
        m = _json(raw)
        link = m.get("previous_manifest") or {}
        out.setdefault(f"{ref.provider}:{ref.tenant_id}", []).append(
            {
                "date": ref.snapshot_date.isoformat(),
                "manifest": f"{population_dir(ref)}/{MANIFEST}",
                "sha256": hashlib.sha256(raw).hexdigest(),
                "status": m["status"],
                "collected_at": m["collected_at"],
                "run_id": m["run_id"],
                "previous_date": link.get("snapshot_date"),
                "previous_sha256": link.get("sha256"),
            }
        )
    return out


def gather_derived(
    store: SnapshotStore, tenants: list[tuple[str, str]], dates: list[dt.date]
) -> tuple[dict[str, pa.Table], list[dict]]:
    """Derived tables of the in-scope tenants over `dates`: {table name: concatenated table}, inputs used.

    Only what was sealed is read; nothing is computed here. Absent kinds give no table.
    """
    derived = DerivedStore(store)
    wanted, parts, inputs = set(tenants), {}, []
    first, last = min(dates), max(dates)
    for kind in PER_DAY_KINDS + CUMULATIVE_KINDS:
        refs = [
            r
            for r in derived.list(kind)
            if (r.provider, r.tenant_id) in wanted and r.snapshot_date in set(dates)
        ]
        if kind in CUMULATIVE_KINDS:
            latest = {}
            for r in refs:  # sorted by date: the last one per tenant wins
                latest[(r.provider, r.tenant_id)] = r
            refs = sorted(latest.values())
        with ThreadPoolExecutor(max_workers=4) as pool:
            for inp, files in pool.map(lambda r, k=kind: _check_derived(derived, k, r), refs):
                inputs.append(inp)
                for name, path in files:
                    parts.setdefault(name, []).append(path)
    log.info("derived inputs %s..%s: %d partition(s)", first, last, len(inputs))
    return {name: _read_all(store, name, paths) for name, paths in sorted(parts.items())}, inputs


def _check_derived(derived: DerivedStore, kind: str, ref: SnapshotRef) -> tuple[dict, list[tuple[str, str]]]:
    """One sealed derived partition, its files checked against its manifest: (input record, [(table, path)])."""
    part = derived.partition(kind, ref)
    raw = derived.snapshots._read(f"{part}/{MANIFEST}")
    manifest = _json(raw)
    files = []
    for name, entry in sorted(manifest["tables"].items()):
        data = derived.snapshots._read(f"{part}/{entry['file']}")
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise BundleError(f"{kind} {ref}: {entry['file']} does not match its manifest (tampered?)")
        files.append((name, f"{part}/{entry['file']}"))
    return _input(kind, ref, raw, manifest), files


def _read_all(store: SnapshotStore, name: str, paths: list[str]) -> pa.Table:
    """Every partition's file of one derived table in one multi-threaded scan, in primary-key order."""
    import pyarrow.dataset as ds

    from ..schema import ALL_TABLES

    tbl = ds.dataset(paths, filesystem=store.fs, format="parquet").to_table()
    spec = ALL_TABLES.get(name)
    if spec is not None and set(spec.primary_key) <= set(tbl.column_names):
        tbl = tbl.sort_by([(k, "ascending") for k in spec.primary_key])
    return tbl


def _input(kind: str, ref: SnapshotRef, raw: bytes, manifest: dict) -> dict:
    # a dispositions partition also names the version of the dispositions file that applied that day
    extra = (
        {"dispositions_sha256": manifest["params"]["dispositions_sha256"]} if kind == "dispositions" else {}
    )
    return {
        **extra,
        "kind": kind,
        "provider": ref.provider,
        "tenant_id": ref.tenant_id,
        "date": ref.snapshot_date.isoformat(),
        "manifest_sha256": hashlib.sha256(raw).hexdigest(),
        "status": manifest.get("status"),
        "tables": {n: e["sha256"] for n, e in sorted(manifest["tables"].items())},
    }
