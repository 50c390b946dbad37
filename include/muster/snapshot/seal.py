"""Seal a tenant's collected rows as a snapshot: the one path both the CLI and the DAG take."""

from __future__ import annotations

import datetime as dt

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
    """Validate, write and seal `collected`; return the manifest."""
    ref = SnapshotRef(collected.provider, collected.tenant_id, collected.snapshot_date)
    notes = {"collection_notes": collected.notes} if collected.notes else {}
    return store.write_snapshot(
        ref,
        collected.tables(run_id, collected_at),
        run_id=run_id,
        collected_at=collected_at,
        clock=clock,
        force=force,
        reason=reason,
        extra={**notes, **(extra or {})},
    )
