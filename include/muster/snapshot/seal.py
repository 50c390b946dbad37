"""Seal a tenant's collected rows as a snapshot: the one path both the CLI and the DAG take."""

from __future__ import annotations

import datetime as dt
import json

from ..collected import Collected
from .store import SnapshotRef, SnapshotStore


def seal_collected(
    store: SnapshotStore,
    collected: Collected,
    *,
    run_id: str,
    collected_at: dt.datetime,
    clock: str = "real",
    force: bool = False,
    reason: str | None = None,
    extra: dict | None = None,
) -> dict:
    """Validate, write and seal `collected`, then its discovery records; return the manifest."""
    ref = SnapshotRef(collected.provider, collected.tenant_id, collected.snapshot_date)
    notes = {"collection_notes": collected.notes} if collected.notes else {}
    manifest = store.write_snapshot(
        ref,
        collected.tables(run_id, collected_at),
        run_id=run_id,
        collected_at=collected_at,
        clock=clock,
        force=force,
        reason=reason,
        extra={**notes, **(extra or {})},
    )
    write_discovery(store, ref, collected.discovery)
    return manifest


def write_discovery(store: SnapshotStore, ref: SnapshotRef, records: dict[str, dict]) -> None:
    """A tenant's own discovery records (e.g. the subscriptions of an Entra tenant), once its snapshot is
    sealed: ``discovery/provider=P/source=<tenant>/date=D/<what>.json``, as the nightly's plan step writes
    an organisation's; JSON with sorted keys, so the same listing gives the same bytes."""
    for what, record in sorted(records.items()):
        rel = (
            f"provider={ref.provider}/source={ref.tenant_id}/date={ref.snapshot_date.isoformat()}/{what}.json"
        )
        path = f"{store.base}/discovery/{rel}"
        store.fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
        store._write(path, json.dumps(record, indent=2, sort_keys=True, default=str).encode())
