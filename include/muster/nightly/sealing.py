"""The seal and derive steps of a nightly run: a staged tenant sealed as its snapshot (never over one
already sealed), the tenant-days to derive and the findings event; and a summary of every sealed snapshot.

    <root>/snapshots/provider=P/tenant=T/date=D/...                            sealed evidence
    <root>/discovery/provider=P/source=T/date=D/<what>.json                    the tenant's own listings
"""

from __future__ import annotations

import datetime as dt
import json
import logging

import pyarrow as pa
import pyarrow.parquet as pq

from ..schema import SNAPSHOT_TABLES
from ..snapshot import SnapshotError, SnapshotRef, SnapshotStore, write_discovery
from .runs import STAGED, _read

# The package's logger, not the module's: log lines name `muster.nightly` whichever step wrote them.
log = logging.getLogger(__package__)


def seal_tenant(staged: dict, root: str, run_id: str, clock_kind: str | None = None) -> dict:
    """Seal a staged tenant as its snapshot, unless that day is already sealed; remove the staging.

    `clock_kind` defaults to the clock recorded when the tenant was staged. A sealed snapshot is never
    overwritten here: a second run on the same day returns status "already_sealed" and keeps the first.
    """
    store = SnapshotStore(root)
    ref = SnapshotRef(staged["provider"], staged["tenant_id"], dt.date.fromisoformat(staged["snapshot_date"]))
    path = f"{store.base}/{staged['staging']}"
    existing = sealed_manifest(store, ref)
    if existing is not None:
        log.warning(
            "snapshot %s/%s/%s is already sealed by run %s; run %s keeps it and discards its own",
            ref.provider,
            ref.tenant_id,
            ref.snapshot_date,
            existing.get("run_id"),
            run_id,
        )
        store.fs.delete_dir(path)
        return {**_summary(existing), "status": "already_sealed", "sealed_by": existing.get("run_id")}
    meta = json.loads(_read(store, f"{path}/{STAGED}"))
    tables = {
        name: pq.read_table(pa.BufferReader(_read(store, f"{path}/{name}.parquet")))
        for name in SNAPSHOT_TABLES
    }
    extra = {"collection_notes": meta["notes"]} if meta.get("notes") else None
    manifest = store.write_snapshot(
        ref,
        tables,
        run_id=run_id,
        collected_at=dt.datetime.fromisoformat(meta["collected_at"]),
        clock=clock_kind or meta["clock"],
        extra=extra,
    )
    write_discovery(store, ref, meta.get("discovery") or {})
    store.fs.delete_dir(path)
    return _summary(manifest)


def sealed_manifest(store: SnapshotStore, ref: SnapshotRef) -> dict | None:
    try:
        return store.manifest(ref)
    except SnapshotError:
        return None


def _summary(manifest: dict) -> dict:
    return {
        "provider": manifest["provider"],
        "tenant_id": manifest["tenant_id"],
        "snapshot_date": manifest["snapshot_date"],
        "status": manifest["status"],
        "rows": {name: entry["rows"] for name, entry in sorted(manifest["tables"].items())},
    }


# -- derive ----------------------------------------------------------------------------------------
def derive_targets(
    planned: list[dict] | None, sealed: list[dict], root: str, logical_date: dt.datetime
) -> list[dict]:
    """The tenant-days to derive (diff -> people index -> rules -> ledger): those the run sealed (or found
    sealed).

    `planned` is the plan step's output: None when the plan did not succeed (nothing to derive), [] when
    the logical date could not be observed. Only such a run, which collects nothing, re-derives the
    snapshots already sealed on its logical date, so a rule change can be applied to past days without
    collecting. A run that planned tenants derives only those it sealed: a tenant whose seal failed is left
    out, never derived from a snapshot another run sealed.
    """
    if planned is None:
        return []
    days = {(s["provider"], s["tenant_id"], s["snapshot_date"]) for s in sealed}
    if not planned:
        day = logical_date.date()
        days = {
            (r.provider, r.tenant_id, r.snapshot_date.isoformat())
            for r in SnapshotStore(root).list_snapshots()
            if r.snapshot_date == day
        }
    return [{"provider": p, "tenant_id": t, "snapshot_date": d} for p, t, d in sorted(days)]


def derive_tenant(target: dict, root: str, scope_file: str | None) -> dict:
    """Derive one sealed tenant-day from the store alone; never collects (see muster.derive). Its findings'
    dispositions are sealed too when a dispositions file is configured: $MUSTER_DISPOSITIONS_FILE, else
    dispositions.yaml beside the scope file."""
    from ..derive import derive_day
    from ..dispositions import resolve_path

    ref = SnapshotRef(target["provider"], target["tenant_id"], dt.date.fromisoformat(target["snapshot_date"]))
    return derive_day(root, ref, scope_file, resolve_path(None, scope_file))


def findings_event(derived: list[dict], run_id: str) -> dict:
    """The findings asset event's extra: the tenant-days whose changes, findings and ledger were sealed."""
    derived = sorted(derived, key=lambda d: (d["provider"], d["tenant_id"], d["snapshot_date"]))
    return {
        "run_id": run_id,
        "derived": [f"{d['provider']}/{d['tenant_id']}/{d['snapshot_date']}" for d in derived],
        "findings": sum(d["findings"]["rows"].get("findings", 0) for d in derived),
    }


# -- summary ---------------------------------------------------------------------------------------
def summarise(root: str) -> list[dict]:
    """One row per sealed snapshot: counts (principals, NHIs, credentials, active keys, grants) and status."""
    import pyarrow.compute as pc

    store = SnapshotStore(root)
    rows = []
    for ref in store.list_snapshots():
        manifest = store.manifest(ref)
        principals = store.read_table(ref, "principals")
        creds = store.read_table(ref, "credentials")
        collection = store.read_table(ref, "collection").to_pylist()
        active_keys = pc.and_(pc.equal(creds["kind"], "access_key"), pc.equal(creds["status"], "active"))
        rows.append(
            {
                "provider": ref.provider,
                "tenant_id": ref.tenant_id,
                "date": ref.snapshot_date,
                "status": manifest["status"],
                "clock": manifest.get("clock", "real"),
                "principals": principals.num_rows,
                "nhis": pc.sum(principals["is_nhi"]).as_py() or 0,
                "credentials": creds.num_rows,
                "active_keys": pc.sum(active_keys).as_py() or 0,
                "grants": manifest["tables"]["grants"]["rows"],
                "not_complete": sorted(
                    f"{c['entity']}:{c['status']}" for c in collection if c["status"] != "complete"
                ),
            }
        )
    return rows
