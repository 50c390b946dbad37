"""Coverage: for every day x in-scope tenant x table, was the evidence collected completely, and if not why.

Statuses: complete, partial, failed, missing (no sealed snapshot that day). A day that is not complete for a
tenant is a gap: it is listed as such, never filled from a neighbouring day. The tenant list is reconciled
against the discovery records, so a tenant an organisation listed but that was never collected shows up. An
Entra tenant's record lists its subscriptions, which are parts of the tenant, not tenants: each is reconciled
against the collection entity holding its role assignments (``role_assignments/<subscription id>``) in the
tenant's sealed snapshot of the day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa

from ..schema import INVENTORY_TABLES
from ..snapshot import SnapshotRef, SnapshotStore
from ..snapshot.derived import EVIDENCE_KINDS, DerivedStore
from .records import ACTIVE_STATES, Listing
from .scoping import Selection

STATUSES = ("complete", "partial", "failed", "missing")
COVERAGE_SCHEMA = pa.schema(
    [
        ("date", pa.date32()),
        ("provider", pa.string()),
        ("tenant_id", pa.string()),
        ("table", pa.string()),
        ("status", pa.string()),
        ("rows", pa.int64()),
        ("not_collected", pa.string()),
        ("reason", pa.string()),
    ]
)
RECONCILIATION_SCHEMA = pa.schema(
    [
        ("date", pa.date32()),
        ("provider", pa.string()),
        ("source", pa.string()),
        ("tenant_id", pa.string()),
        ("listed_state", pa.string()),
        ("in_scope", pa.bool_()),
        ("sealed", pa.bool_()),
        ("outcome", pa.string()),
    ]
)


@dataclass
class Coverage:
    rows: list[dict]
    reconciliation: list[dict]
    manifests: dict[SnapshotRef, dict]
    derived_kinds: tuple[str, ...]

    def table(self) -> pa.Table:
        return pa.Table.from_pylist(self.rows, schema=COVERAGE_SCHEMA)

    def reconciliation_table(self) -> pa.Table:
        return pa.Table.from_pylist(self.reconciliation, schema=RECONCILIATION_SCHEMA)

    def day_status(self) -> dict[tuple[str, str, dt.date], str]:
        """Worst inventory-table status per tenant and day."""
        rank = {s: i for i, s in enumerate(reversed(STATUSES))}
        out: dict[tuple[str, str, dt.date], str] = {}
        for r in self.rows:
            if r["table"] not in INVENTORY_TABLES:
                continue
            key = (r["provider"], r["tenant_id"], r["date"])
            out[key] = min(out.get(key, "complete"), r["status"], key=rank.get)
        return out

    def gaps(self) -> list[dict]:
        """Tenant-days without complete evidence, with the reasons given for each table."""
        grouped: dict[tuple, dict[tuple, list[str]]] = {}
        for r in self.rows:
            if r["table"] in INVENTORY_TABLES and r["status"] != "complete":
                day = grouped.setdefault((r["provider"], r["tenant_id"], r["date"]), {})
                day.setdefault((r["status"], r["reason"]), []).append(r["table"])
        status = self.day_status()
        return [
            {
                "provider": k[0],
                "tenant_id": k[1],
                "date": k[2],
                "status": status[k],
                "reasons": [
                    f"{', '.join(tables)}: {st}" + (f" ({why})" if why else "")
                    for (st, why), tables in sorted(v.items(), key=lambda x: x[1])
                ],
            }
            for k, v in sorted(grouped.items())
        ]


def _status(value: str) -> str:
    """The store's table status on the coverage scale (not_observable days hold no observation)."""
    return value if value in ("complete", "partial", "failed") else "failed"


def _errors(store: SnapshotStore, ref: SnapshotRef) -> dict[str, list[str]]:
    """Per inventory table, the errors of the entities feeding it that were not complete (collection table)."""
    out: dict[str, list[str]] = {}
    for r in store.read_table(ref, "collection").to_pylist():
        if r["status"] in ("complete", "not_collected"):
            continue
        for feed in r["feeds"].split(","):
            table = feed.strip().partition(":")[0]
            out.setdefault(table, []).append(
                f"{r['entity']} {r['status']}: {r['error'] or 'no error recorded'}"
            )
    return out


def _snapshot_rows(ref: SnapshotRef, manifest: dict, errors: dict[str, list[str]]) -> list[dict]:
    rows = []
    for table in INVENTORY_TABLES:
        entry = manifest["tables"].get(table)
        if entry is None:
            rows.append(_row(ref, table, "failed", None, None, f"the snapshot has no {table} table"))
            continue
        status = _status(entry.get("status", manifest["status"]))
        nc = "; ".join(entry.get("not_collected") or []) or None
        reason = None
        if status != "complete":
            reason = "; ".join(sorted(set(errors.get(table, [])))) or f"collection {entry.get('status')}"
        rows.append(_row(ref, table, status, entry["rows"], nc, reason))
    return rows


def _row(ref: SnapshotRef, table: str, status: str, rows, not_collected, reason) -> dict:
    return {
        "date": ref.snapshot_date,
        "provider": ref.provider,
        "tenant_id": ref.tenant_id,
        "table": table,
        "status": status,
        "rows": rows,
        "not_collected": not_collected,
        "reason": reason,
    }


def _missing_reason(ref: SnapshotRef, runs: dict[dt.date, list[dict]], listed_by: list[str]) -> str:
    parts = ["no sealed snapshot"]
    for rec in runs.get(ref.snapshot_date, []):
        if rec.get("status") == "not_observable":
            parts.append(f"run {rec.get('run_id')}: {rec.get('reason')}")
    if not runs.get(ref.snapshot_date):
        parts.append("no nightly run recorded for this date")
    if listed_by:
        parts.append("listed by " + ", ".join(listed_by))
    return "; ".join(parts)


def compute(
    store: SnapshotStore,
    selection: Selection,
    dates: list[dt.date],
    listings: list[Listing],
    runs: dict[dt.date, list[dict]],
) -> Coverage:
    """Coverage of `dates` for the selected tenants, plus the reconciliation against discovery."""
    sealed = {r for r in store.list_snapshots() if r.snapshot_date in set(dates)}
    listed_by: dict[tuple[str, str, dt.date], list[str]] = {}
    for lst in listings:
        if lst.entity is not None:
            continue  # a tenant's parts, not tenants
        for tid, state in lst.listed.items():
            if state in ACTIVE_STATES:
                listed_by.setdefault((lst.provider, tid, lst.date), []).append(f"{lst.provider}:{lst.source}")
    derived = DerivedStore(store)
    kinds = tuple(k for k in EVIDENCE_KINDS if derived.list(k))
    derived_refs = {k: set(derived.list(k)) for k in kinds}
    rows, manifests = [], {}
    for t in selection.tenants:
        for d in dates:
            ref = SnapshotRef(t.provider, t.tenant_id, d)
            if ref in sealed:
                manifests[ref] = m = store.manifest(ref)
                rows += _snapshot_rows(ref, m, {} if m["status"] == "complete" else _errors(store, ref))
            else:
                reason = _missing_reason(ref, runs, listed_by.get((t.provider, t.tenant_id, d), []))
                rows += [_row(ref, table, "missing", None, None, reason) for table in INVENTORY_TABLES]
            for kind in kinds:
                rows.append(_derived_row(derived, kind, ref, derived_refs[kind], ref in sealed))
    recon = _reconcile(store, listings, selection, sealed, set(dates))
    return Coverage(rows, recon, manifests, kinds)


def _derived_row(derived: DerivedStore, kind: str, ref: SnapshotRef, refs: set, has_snapshot: bool) -> dict:
    if ref not in refs:
        why = "not derived (run `muster backfill`)" if has_snapshot else "no snapshot to derive from"
        return _row(ref, kind, "missing", None, None, why)
    m = derived.manifest(kind, ref)
    status = _status(m.get("status", "complete"))
    rows = sum(e["rows"] for e in m["tables"].values())
    return _row(ref, kind, status, rows, None, None if status == "complete" else f"derived {m.get('status')}")


def _reconcile(
    store: SnapshotStore, listings: list[Listing], selection: Selection, sealed: set, dates: set
) -> list[dict]:
    """One row per tenant each discovery record listed: in scope? sealed that day? If not, why not."""
    keys = selection.keys()
    out = []
    for lst in listings:
        if lst.date not in dates:
            continue
        if lst.status != "complete":
            out.append(_recon(lst, "", None, False, False, f"discovery {lst.status}: {lst.error}"))
            continue
        if lst.entity is not None:
            out += _reconcile_parts(store, lst, (lst.provider, lst.source) in keys, sealed)
            continue
        for tid in sorted(set(lst.listed) | set(lst.collected)):
            state = lst.listed.get(tid)
            in_scope = (lst.provider, tid) in keys
            is_sealed = SnapshotRef(lst.provider, tid, lst.date) in sealed
            if tid in lst.excluded:
                outcome = "excluded by the scope file"
            elif state is not None and state not in ACTIVE_STATES:
                outcome = f"not collected: state {state}"
            elif is_sealed:
                outcome = "collected and sealed"
            else:
                outcome = "MISSING: listed but no sealed snapshot"
            out.append(_recon(lst, tid, state, in_scope, is_sealed, outcome))
    return out


def _reconcile_parts(store: SnapshotStore, lst: Listing, selected: bool, sealed: set) -> list[dict]:
    """One row per part (subscription) a tenant's record listed: ``sealed`` is the tenant's snapshot of the
    day; the outcome is that of the part's own collection entity in it. In scope: the tenant is selected and
    the collector was to read the part (the scope file names it, or names none)."""
    ref = SnapshotRef(lst.provider, lst.source, lst.date)
    is_sealed = ref in sealed
    statuses: dict[str, tuple[str, str | None]] = {}
    if is_sealed:
        for r in store.read_table(ref, "collection", columns=["entity", "status", "error"]).to_pylist():
            statuses[r["entity"]] = (r["status"], r["error"])
    out = []
    for pid in sorted(set(lst.listed) | set(lst.collected)):
        state = lst.listed.get(pid)
        entity = lst.entity.replace("{id}", pid)
        status, error = statuses.get(entity, (None, None))
        if not is_sealed:
            outcome = f"MISSING: listed but {lst.provider}:{lst.source} has no sealed snapshot"
        elif status in ("complete", "partial"):
            outcome = "collected and sealed" + (
                "" if status == "complete" else f" ({entity} partial: {error})"
            )
        elif status is not None:
            outcome = f"MISSING: {entity} {status}: {error or 'no error recorded'}"
        elif state is not None and state not in ACTIVE_STATES:
            outcome = f"not collected: state {state}"
        elif pid not in lst.collected:
            outcome = (
                f"MISSING: listed but not collected ({entity} not read: the scope file does not name it)"
            )
        else:
            outcome = f"MISSING: listed but {entity} is not in the sealed collection table"
        out.append(_recon(lst, pid, state, selected and pid in lst.collected, is_sealed, outcome))
    return out


def _recon(lst: Listing, tid: str, state, in_scope: bool, sealed: bool, outcome: str) -> dict:
    return {
        "date": lst.date,
        "provider": lst.provider,
        "source": lst.source,
        "tenant_id": tid,
        "listed_state": state,
        "in_scope": in_scope,
        "sealed": sealed,
        "outcome": outcome,
    }
