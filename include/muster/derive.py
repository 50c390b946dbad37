"""Derive a sealed tenant-day: diff -> people index -> rules -> ledger (-> dispositions, when a dispositions
file is given), each sealed as its own partition.

Used by the nightly DAG (one mapped task per sealed tenant), by a backfill of past dates and by the CLI
alike. It only reads sealed snapshots and never collects, and re-deriving a day gives the same tables
(the derived manifests record what they replaced), so it is safe to run again at any time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pyarrow as pa

from .config import Scope, ScopeError, load_scope
from .snapshot import SnapshotError, SnapshotRef, SnapshotStore

log = logging.getLogger(__name__)

#: Milliseconds that Arrow memory freed while deriving stays with the allocator for reuse before it is
#: handed back to the OS (jemalloc's dirty and muzzy decay).
RETAIN_MS = 10_000


@contextmanager
def retained_memory() -> Iterator[None]:
    """Inside the block, Arrow allocates from its jemalloc pool, which keeps freed memory for RETAIN_MS.

    Why: deriving a large tenant-day makes and drops several GB of short-lived columns. Arrow's default
    pool (mimalloc) hands freed pages back to the OS within milliseconds, so the next column faults fresh
    pages in again: on a 2-core VM, system time was 30-50 % of the rules and ledger steps at 1M principals
    (bench/rules_ledger.py), and keeping freed memory for a while about halved it.
    Scoped: the previous default pool is restored on exit (every buffer is freed by the pool it came from,
    so tables made inside stay valid). The decay is a process-wide setting of the jemalloc arenas that only
    Arrow's jemalloc pool uses, set once before it first allocates. A pyarrow built without jemalloc keeps
    its default pool.
    """
    previous, pool = pa.default_memory_pool(), _retaining_pool()
    # already retaining (nested), chosen by the deployment, or not available: nothing to change
    if pool is None or previous.backend_name == pool.backend_name:
        yield
        return
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


@cache
def _retaining_pool() -> pa.MemoryPool | None:
    """Arrow's jemalloc pool with the RETAIN_MS decay (set once, before its arenas exist), or None."""
    try:
        pa.jemalloc_set_decay_ms(RETAIN_MS)
        return pa.jemalloc_memory_pool()
    except NotImplementedError:
        return None


def _scope(scope: Scope | str | Path | None) -> Scope | None:
    return load_scope(scope) if isinstance(scope, str | Path) else scope


def _rows(manifest: dict) -> dict[str, int]:
    return {name: entry["rows"] for name, entry in sorted(manifest["tables"].items())}


def derive_day(
    root: str, ref: SnapshotRef, scope: Scope | str | Path | None = None, dispositions=None
) -> dict:
    """Diff, fold the people index, evaluate the rules and update the ledger for one sealed tenant-day, then
    seal the dispositions of its findings when a dispositions file (a path or a loaded file) is given;
    return a small summary.

    The day must be sealed (SnapshotError otherwise). Steps run in order because each reads the sealed
    output of the one before: the rules read the changes and the people index, the ledger reads the
    findings. The people index is its own step, not part of the rules, so that deriving findings alone (the
    CLI's `findings`) never writes another kind; without a stored index the rules fold it in memory.
    """
    from .diff.derive import derive_changes
    from .dispositions import derive_dispositions
    from .ledger import derive_ledger
    from .rules import derive_findings
    from .rules.people_index import derive_people

    scope = _scope(scope)
    SnapshotStore(root).manifest(ref)  # sealed, or a clear error before anything is derived
    with retained_memory():
        changes = derive_changes(root, ref)
        people = derive_people(root, ref)
        findings = derive_findings(root, ref, scope)
        ledger = derive_ledger(root, ref, scope)
        disposed = derive_dispositions(root, ref, dispositions)
    log.info("derived %s/%s/%s", ref.provider, ref.tenant_id, ref.snapshot_date)
    return {
        "provider": ref.provider,
        "tenant_id": ref.tenant_id,
        "snapshot_date": ref.snapshot_date.isoformat(),
        "changes": {"status": changes.get("status"), "rows": _rows(changes)},
        "people": {"status": people.get("status"), "rows": _rows(people)},
        "findings": {"status": findings.get("status"), "rows": _rows(findings)},
        "ledger": {"status": ledger.get("status"), "rows": _rows(ledger)},
        **({"dispositions": {"rows": _rows(disposed)}} if disposed else {}),
    }


def sealed_on(root: str, date: dt.date, tenant_id: str | None = None) -> list[SnapshotRef]:
    """The sealed snapshots of one date (every tenant, or one), in provider and tenant order."""
    return [r for r in SnapshotStore(root).list_snapshots(tenant_id=tenant_id) if r.snapshot_date == date]


class DeriveError(ScopeError):
    """Some tenants of a date could not be derived (the message names each); `derived` holds the
    summaries of the others, which were derived all the same."""

    def __init__(self, message: str, derived: list[dict]):
        super().__init__(message)
        self.derived = derived


def derive_date(
    root: str,
    date: dt.date,
    scope: Scope | str | Path | None = None,
    tenant_id: str | None = None,
    dispositions=None,
) -> list[dict]:
    """derive_day for every sealed tenant of `date`; a date without sealed snapshots is an error.

    A tenant whose settings the scope file cannot decide (ScopeError) does not stop the others: they are
    derived, then a DeriveError names every tenant left out.
    """
    refs = sealed_on(root, date, tenant_id)
    if not refs:
        raise SnapshotError(f"no sealed snapshot on {date} under {root}: nothing to derive")
    scope = _scope(scope)
    dispositions = _dispositions(dispositions)
    derived, failed = [], []
    for ref in refs:
        try:
            derived.append(derive_day(root, ref, scope, dispositions))
        except ScopeError as e:
            log.error("%s/%s/%s not derived: %s", ref.provider, ref.tenant_id, ref.snapshot_date, e)
            failed.append(str(e))
    if failed:
        raise DeriveError(
            f"{len(failed)} of {len(refs)} tenant(s) of {date} not derived: " + "; ".join(failed), derived
        )
    return derived


def _dispositions(source):
    """A dispositions file read once for many days (its SHA-256 is then the same on every one)."""
    from .dispositions import load_dispositions

    return load_dispositions(source) if isinstance(source, str | Path) else source
