"""Derive the sealed `changes` partition of one snapshot: pick baselines, read both sides, diff, seal.

The baseline of each table is the latest sealed earlier snapshot of the tenant in which that table was
complete, so different tables may be compared with different days. Reading checks everything a wrong
diff could come from: the table is in the manifest, its file matches the manifest's SHA-256, and its
schema version (manifest and Parquet metadata) is the current one. A current snapshot that fails these
checks raises `DiffError`; a baseline written under an older schema gives `unknown` for its table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

from ..schema import SCHEMA_VERSION, SNAPSHOT_TABLES, TableSpec, to_table
from ..schema.changes import CHANGES, DIFFED_TABLES
from ..snapshot import DerivedStore, SnapshotError, SnapshotRef, SnapshotStore
from .columns import plain_type
from .compare import PROVENANCE
from .source import ParquetColumns
from .table import Side, diff_table

log = logging.getLogger(__name__)


class DiffError(SnapshotError):
    """The inputs of a diff cannot be trusted; the message names tenant, date and table."""


def _label(ref: SnapshotRef) -> str:
    return f"{ref.provider}/{ref.tenant_id} {ref.snapshot_date}"


def _manifest(store: SnapshotStore, ref: SnapshotRef) -> tuple[dict, str]:
    """The sealed manifest and its SHA-256; an unsealed partition is an error."""
    try:
        data = store.manifest_bytes(ref)
    except SnapshotError as e:
        raise DiffError(f"{_label(ref)}: {e}") from None
    return json.loads(data), hashlib.sha256(data).hexdigest()


def _version_problem(manifest: dict, meta: dict[bytes, bytes] | None, name: str) -> str | None:
    """Why the table's schema version is not the current one, or None."""
    found = {
        "manifest": str((manifest.get("versions") or {}).get("schema")),
        "Parquet metadata": (meta or {}).get(b"muster.schema_version", b"None").decode(),
    }
    for where, version in found.items():
        if version != SCHEMA_VERSION:
            return f"{name} has schema_version {version} in its {where}; the diff needs {SCHEMA_VERSION}"
    return None


def dictionary_columns(meta: pq.FileMetaData, spec: TableSpec) -> list[str]:
    """String leaves (top-level, list elements, map keys and values) stored dictionary-encoded (under 4 bytes
    a value, i.e. indices): read as Arrow dictionaries they are compared by code, without materialising
    millions of equal strings. Named by Parquet path, as `read_dictionary` takes them."""
    wanted = {c.name for c in spec.columns if c.name not in PROVENANCE}
    out = []
    for i in range(meta.num_columns):
        leaf = meta.schema.column(i)
        if leaf.path.split(".", 1)[0] not in wanted or str(leaf.logical_type) != "String":
            continue
        chunks = [meta.row_group(r).column(i) for r in range(meta.num_row_groups)]
        values = sum(c.num_values for c in chunks)
        if values and sum(c.total_uncompressed_size for c in chunks) < 4 * values:
            out.append(leaf.path)
    return out


def read_side(
    store: SnapshotStore,
    ref: SnapshotRef,
    manifest: dict,
    spec: TableSpec,
    *,
    read: bool = True,
    dictionary: list[str] | None = None,
) -> tuple[Side, list[str]]:
    """One side of a table's diff, checked against its manifest (hash, schema version, column types); its
    rows stay the verified Parquet bytes, decoded a column at a time as the diff asks (`ParquetColumns`).
    Returns it and the dictionary leaves used (to read the other side alike). Raises DiffError for a
    missing or tampered table or a column missing or of another type."""
    entry = manifest.get("tables", {}).get(spec.name)
    if entry is None:
        raise DiffError(f"{_label(ref)}: the sealed snapshot has no table {spec.name}")
    kinds = {nc.split(" ", 1)[0]: nc.split(" ", 1)[-1].strip("()") for nc in entry.get("not_collected", [])}
    side = Side(ref.snapshot_date, status=entry.get("status", "complete"), not_collected=kinds)
    if not read:
        return side, dictionary or []
    path = f"{store.partition(ref)}/{entry['file']}"
    try:
        with store.fs.open_input_stream(path) as f:
            data = f.read()
    except (FileNotFoundError, OSError) as e:
        raise DiffError(f"{_label(ref)}: table {spec.name}: {entry['file']} cannot be read ({e})") from None
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise DiffError(f"{_label(ref)}: table {spec.name}: {entry['file']} does not match its manifest hash")
    meta = pq.read_metadata(pa.BufferReader(data))
    problem = _version_problem(manifest, meta.schema.to_arrow_schema().metadata, spec.name)
    if problem:
        return Side(ref.snapshot_date, status=side.status, not_collected=kinds, problem=problem), []
    if dictionary is None:
        dictionary = dictionary_columns(meta, spec)
    tbl = ParquetColumns(data, dictionary)
    _check_types(ref, spec, tbl.schema)
    return Side(ref.snapshot_date, tbl, side.status, kinds), dictionary


def _check_types(ref: SnapshotRef, spec: TableSpec, schema: pa.Schema) -> None:
    """Every column the diff reads is in the file, with its declared type."""
    for name in spec.column_names:
        if name in PROVENANCE:
            continue
        typ = plain_type(schema.field(name).type) if name in schema.names else None
        if typ != spec.column(name).type:
            raise DiffError(
                f"{_label(ref)}: table {spec.name}: column {name} is {typ or 'missing'}, "
                f"declared {spec.column(name).type}"
            )


@dataclass(frozen=True)
class Plan:
    """What a diff of `ref` reads: its manifest, each table's baseline, and the inputs' manifest hashes."""

    ref: SnapshotRef
    manifest: dict
    #: table -> (baseline ref, its manifest), or None when no earlier snapshot has the table complete.
    baselines: dict[str, tuple[SnapshotRef, dict] | None]
    inputs: dict[str, str]

    @property
    def params(self) -> dict:
        return {
            "baselines": {t: b[0].snapshot_date.isoformat() if b else None for t, b in self.baselines.items()}
        }


def plan(store: SnapshotStore, ref: SnapshotRef) -> Plan:
    """Pick each table's baseline: the latest earlier sealed snapshot in which the table was complete."""
    manifest, digest = _manifest(store, ref)
    earlier = [
        r for r in store.list_snapshots(ref.provider, ref.tenant_id) if r.snapshot_date < ref.snapshot_date
    ]
    inputs, seen, baselines = {f"snapshot {ref.snapshot_date}": digest}, {}, {}
    for table in DIFFED_TABLES:
        baselines[table] = None
        for prev in reversed(earlier):
            if prev not in seen:
                seen[prev] = _manifest(store, prev)
            entry = seen[prev][0].get("tables", {}).get(table)
            if entry is not None and entry.get("status") == "complete":
                baselines[table] = (prev, seen[prev][0])
                inputs[f"snapshot {prev.snapshot_date}"] = seen[prev][1]
                break
    return Plan(ref, manifest, baselines, inputs)


def _diff_one(store: SnapshotStore, p: Plan, name: str) -> list[dict]:
    """Read both sides of one table (checked) and diff them."""
    ref, spec = p.ref, SNAPSHOT_TABLES[name]
    status = (p.manifest.get("tables", {}).get(name) or {}).get("status")
    after, dictionary = read_side(store, ref, p.manifest, spec, read=status == "complete")
    if after.problem:
        raise DiffError(f"{_label(ref)}: {after.problem}")
    before = None
    if p.baselines[name] is not None:
        prev, manifest = p.baselines[name]
        usable = after.unusable(name, "current") is None
        before, _ = read_side(store, prev, manifest, spec, read=usable, dictionary=dictionary)
    base = {"provider": ref.provider, "tenant_id": ref.tenant_id, "snapshot_date": ref.snapshot_date}
    return diff_table(spec, before, after, base)


def compute_changes(store: SnapshotStore, ref: SnapshotRef, workers: int = 2) -> tuple[pa.Table, Plan]:
    """The changes table of `ref`, and the plan it followed (inputs and baselines, for the manifest).

    Tables are diffed in `workers` threads (Arrow and numpy release the GIL), largest first; the output
    does not depend on the order in which they finish.
    """
    p = plan(store, ref)
    by_size = sorted(DIFFED_TABLES, key=lambda t: -(p.manifest.get("tables", {}).get(t) or {}).get("rows", 0))
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        parts = list(pool.map(lambda name: _diff_one(store, p, name), by_size))
    rows = [r for part in parts for r in part]
    log.info("diffed %s: %d change rows", _label(ref), len(rows))
    return to_table(CHANGES, rows), p


def derive_changes(root: str | SnapshotStore, ref: SnapshotRef) -> dict:
    """Compute and seal the `changes` partition of a sealed snapshot; return its manifest."""
    store = root if isinstance(root, SnapshotStore) else SnapshotStore(root)
    tbl, p = compute_changes(store, ref)
    unknown = "unknown" in set(tbl.column("change").to_pylist())
    return DerivedStore(store).write(
        "changes",
        ref,
        {"changes": (CHANGES, tbl)},
        inputs=p.inputs,
        params=p.params,
        status="partial" if unknown else "complete",
    )


def changes_on(
    root: str, date: dt.date, provider: str | None = None, tenant_id: str | None = None
) -> pa.Table:
    """The changes of every sealed snapshot on `date` (matching the filters), derived where missing or
    derived from inputs that no longer match the sealed snapshot."""
    store, derived = SnapshotStore(root), DerivedStore(root)
    refs = [r for r in store.list_snapshots(provider, tenant_id) if r.snapshot_date == date]
    if not refs:
        which = "/".join(x for x in (provider, tenant_id) if x)
        raise DiffError(f"no sealed snapshot on {date} under {root}" + (f" for {which}" if which else ""))
    done = set(derived.list("changes", provider, tenant_id))
    tables = []
    for ref in refs:
        if ref not in done or _stale(store, derived, ref):
            derive_changes(store, ref)
        tables.append(derived.read("changes", ref, "changes"))
    return pa.concat_tables(tables) if tables else to_table(CHANGES, [])


def _stale(store: SnapshotStore, derived: DerivedStore, ref: SnapshotRef) -> bool:
    """Derived from other inputs than a diff would read now (a snapshot re-sealed, an earlier one added)."""
    return derived.manifest("changes", ref)["inputs"] != plan(store, ref).inputs
