"""Derive a sealed tenant-day: diff -> rules -> ledger, each sealed as its own partition.

Used by the nightly DAG (one mapped task per sealed tenant), by a backfill of past dates and by the CLI
alike. It only reads sealed snapshots and never collects, and re-deriving a day gives the same tables
(the derived manifests record what they replaced), so it is safe to run again at any time.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from .config import Scope, load_scope
from .snapshot import SnapshotError, SnapshotRef, SnapshotStore

log = logging.getLogger(__name__)


def _scope(scope: Scope | str | Path | None) -> Scope | None:
    return load_scope(scope) if isinstance(scope, str | Path) else scope


def _rows(manifest: dict) -> dict[str, int]:
    return {name: entry["rows"] for name, entry in sorted(manifest["tables"].items())}


def derive_day(root: str, ref: SnapshotRef, scope: Scope | str | Path | None = None) -> dict:
    """Diff, evaluate the rules and update the ledger for one sealed tenant-day; return a small summary.

    The day must be sealed (SnapshotError otherwise). Steps run in order because each reads the sealed
    output of the one before: the rules read the changes, the ledger reads the findings.
    """
    from .diff.derive import derive_changes
    from .ledger import derive_ledger
    from .rules import derive_findings

    scope = _scope(scope)
    SnapshotStore(root).manifest(ref)  # sealed, or a clear error before anything is derived
    changes = derive_changes(root, ref)
    findings = derive_findings(root, ref, scope)
    ledger = derive_ledger(root, ref, scope)
    log.info("derived %s/%s/%s", ref.provider, ref.tenant_id, ref.snapshot_date)
    return {
        "provider": ref.provider,
        "tenant_id": ref.tenant_id,
        "snapshot_date": ref.snapshot_date.isoformat(),
        "changes": {"status": changes.get("status"), "rows": _rows(changes)},
        "findings": {"status": findings.get("status"), "rows": _rows(findings)},
        "ledger": {"status": ledger.get("status"), "rows": _rows(ledger)},
    }


def sealed_on(root: str, date: dt.date, tenant_id: str | None = None) -> list[SnapshotRef]:
    """The sealed snapshots of one date (every tenant, or one), in provider and tenant order."""
    return [r for r in SnapshotStore(root).list_snapshots(tenant_id=tenant_id) if r.snapshot_date == date]


def derive_date(
    root: str, date: dt.date, scope: Scope | str | Path | None = None, tenant_id: str | None = None
) -> list[dict]:
    """derive_day for every sealed tenant of `date`; a date without sealed snapshots is an error."""
    refs = sealed_on(root, date, tenant_id)
    if not refs:
        raise SnapshotError(f"no sealed snapshot on {date} under {root}: nothing to derive")
    scope = _scope(scope)
    return [derive_day(root, ref, scope) for ref in refs]
