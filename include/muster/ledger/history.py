"""Compute and seal a tenant-day's ledger from the sealed snapshots and findings of every date up to it.

Incremental when it can be: the latest sealed ledger before the date is folded on, but only if it was
computed by this ledger version from exactly the inputs sealed now (the manifest names each input's
hash); otherwise everything is folded from scratch. Either way the tables are the same.
"""

from __future__ import annotations

import datetime as dt
import logging

import pyarrow as pa

from ..config import Scope, ScopeError, Thresholds
from ..derive import retained_memory
from ..schema.ledger import CREDENTIAL_LIFECYCLE, FINDING_HISTORY, PRINCIPAL_LIFECYCLE
from ..snapshot import DerivedStore, SnapshotError, SnapshotRef, SnapshotStore
from .fold import advance
from .lifecycle import advance_principals
from .observe import (
    collected_at,
    findings_digest,
    findings_key,
    findings_manifest,
    label,
    observe,
    observe_principals,
    snapshot_digest,
    snapshot_key,
)
from .state import LedgerState, connect, state_schema
from .tables import ledger_tables

log = logging.getLogger(__name__)

#: Bumped whenever folding changes, so that a ledger sealed by older code is never folded on.
LEDGER_VERSION = 1


def thresholds(scope: Scope | None, ref: SnapshotRef) -> Thresholds:
    """The tenant's thresholds from the scope file; defaults for discovered tenants or without a scope."""
    if scope is None:
        return Thresholds()
    try:
        return scope.tenant(ref.provider, ref.tenant_id).thresholds
    except ScopeError:
        return Thresholds()


def recorded_sla(derived: DerivedStore, ref: SnapshotRef) -> int:
    """Without a scope file: the SLA the sealed ledger being replaced recorded (the default only for a day
    never derived), so that re-deriving never silently measures revocations against another SLA."""
    try:
        params = derived.manifest("ledger", ref).get("params") or {}
    except SnapshotError:
        return Thresholds().revocation_sla_days
    if "revocation_sla_days" not in params:
        raise ScopeError(
            f"the ledger of {ref.provider}:{ref.tenant_id} on {ref.snapshot_date} is sealed but records no "
            "revocation_sla_days: re-derive it with the scope file (--scope)"
        )
    return params["revocation_sla_days"]


def _upto(store: SnapshotStore, provider: str, tenant_id: str, ref: SnapshotRef) -> list[SnapshotRef]:
    return [r for r in store.list_snapshots(provider, tenant_id) if r.snapshot_date <= ref.snapshot_date]


def own_inputs(store: SnapshotStore, derived: DerivedStore, refs: list[SnapshotRef]) -> dict[str, str]:
    """Each day's snapshot manifest hash and findings content hash: what the ledger was computed from."""
    inputs = {}
    for r in refs:
        inputs[snapshot_key(r)] = snapshot_digest(store, r)
        inputs[findings_key(r)] = findings_digest(findings_manifest(derived, r))
    return inputs


def _prior_ledger(
    derived: DerivedStore, ref: SnapshotRef, provider: str, tenant_id: str
) -> tuple[SnapshotRef, dict] | None:
    """The tenant's latest sealed ledger strictly before `ref`'s date, by this ledger version."""
    prior = [r for r in derived.list("ledger", provider, tenant_id) if r.snapshot_date < ref.snapshot_date]
    if not prior:
        return None
    manifest = derived.manifest("ledger", prior[-1])
    if manifest.get("params", {}).get("ledger_version") != LEDGER_VERSION:
        return None
    return prior[-1], manifest


def _recorded(manifest: dict, keys: set[str]) -> dict[str, str]:
    return {k: v for k, v in manifest["inputs"].items() if k in keys}


def _as_state(derived: DerivedStore, ref: SnapshotRef, spec) -> pa.Table:
    schema = state_schema(spec)
    return derived.read("ledger", ref, spec.name, columns=schema.names).select(schema.names).cast(schema)


def resume(derived: DerivedStore, ref: SnapshotRef, inputs: dict[str, str]) -> LedgerState | None:
    """The state sealed in the latest earlier ledger, if it was computed from exactly `inputs`' earlier days."""
    found = _prior_ledger(derived, ref, ref.provider, ref.tenant_id)
    if found is None:
        return None
    prior, manifest = found
    prefix_ok = {k for k in inputs if _date_of(k) <= prior.snapshot_date}
    own = {k for k in manifest["inputs"] if k.split(" ", 1)[1].startswith(f"{ref.provider}/{ref.tenant_id}/")}
    if _recorded(manifest, own) != {k: inputs[k] for k in prefix_ok}:
        log.info("ledger %s: inputs before %s changed; folding from scratch", label(ref), prior.snapshot_date)
        return None
    try:
        tables = [
            _as_state(derived, prior, s) for s in (FINDING_HISTORY, CREDENTIAL_LIFECYCLE, PRINCIPAL_LIFECYCLE)
        ]
    except SnapshotError as e:
        log.warning("ledger %s: cannot resume from %s (%s); folding from scratch", label(ref), prior, e)
        return None
    dates = tuple(sorted({_date_of(k) for k in prefix_ok}))
    return LedgerState(*tables, dates=dates)


def _date_of(key: str) -> dt.date:
    return dt.date.fromisoformat(key.rsplit("/", 1)[1])


def fold_tenant(store, derived, ref: SnapshotRef, inputs: dict[str, str], incremental: bool, con):
    """The tenant's state on `ref`'s date, and the date it resumed from (None: from scratch)."""
    state = resume(derived, ref, inputs) if incremental else None
    resumed = state.dates[-1] if state is not None and state.dates else None
    state = state or LedgerState.empty()
    for r in _upto(store, ref.provider, ref.tenant_id, ref):
        if not state.dates or r.snapshot_date > state.dates[-1]:
            state = advance(state, observe(store, derived, r), con)
    return state, resumed


def _other_people(store, derived, ref: SnapshotRef, other: tuple[str, str], incremental: bool, con):
    """Principal lifecycle of another tenant (provider, tenant_id), of any provider, up to `ref`'s date
    (never a later day, so a backfill reads what that day could), and the snapshots it read."""
    provider, tenant_id = other
    refs = _upto(store, provider, tenant_id, ref)
    inputs = {snapshot_key(r): snapshot_digest(store, r) for r in refs}
    state, done = state_schema(PRINCIPAL_LIFECYCLE).empty_table(), None
    found = _prior_ledger(derived, ref, provider, tenant_id) if incremental else None
    if found is not None:
        prior, manifest = found
        earlier = {k: v for k, v in inputs.items() if _date_of(k) <= prior.snapshot_date}
        if _recorded(manifest, set(earlier)) == earlier and set(earlier) <= set(manifest["inputs"]):
            try:
                state, done = _as_state(derived, prior, PRINCIPAL_LIFECYCLE), prior.snapshot_date
            except SnapshotError as e:
                log.warning("ledger %s: cannot reuse %s's ledger (%s)", label(ref), tenant_id, e)
    for r in refs:
        if done is None or r.snapshot_date > done:
            state = advance_principals(con, state, observe_principals(store, r))
    return state, inputs


def _with_tenant(tbl: pa.Table, provider: str, tenant_id: str) -> pa.Table:
    tbl = tbl.add_column(0, "provider", pa.array([provider] * tbl.num_rows, pa.string()))
    return tbl.add_column(1, "tenant_id", pa.array([tenant_id] * tbl.num_rows, pa.string()))


def derive_ledger(
    root: str, ref: SnapshotRef, scope: Scope | None = None, *, incremental: bool = True
) -> dict:
    """Compute and seal the ledger of one sealed tenant-day; return its manifest.

    Reads the tenant's sealed snapshots and findings of every date up to `ref`'s, and the identities of
    every other tenant, of every provider, up to that date (owners are matched across tenants and
    providers: a service user in AWS is often owned by an Entra or Google account). Never collects.
    """
    with retained_memory():
        return _derive_ledger(root, ref, scope, incremental)


def _derive_ledger(root: str, ref: SnapshotRef, scope: Scope | None, incremental: bool) -> dict:
    store = SnapshotStore(root)
    derived = DerivedStore(store)
    manifest = store.manifest(ref)
    own = _upto(store, ref.provider, ref.tenant_id, ref)
    inputs = own_inputs(store, derived, own)
    con = connect()
    state, resumed = fold_tenant(store, derived, ref, inputs, incremental, con)
    people = [_with_tenant(state.principals, ref.provider, ref.tenant_id)]
    others = sorted(
        {(r.provider, r.tenant_id) for r in store.list_snapshots()} - {(ref.provider, ref.tenant_id)}
    )
    for other in others:
        principals, used = _other_people(store, derived, ref, other, incremental, con)
        people.append(_with_tenant(principals, *other))
        inputs.update(used)
    sla = thresholds(scope, ref).revocation_sla_days if scope else recorded_sla(derived, ref)
    tables = ledger_tables(
        state,
        pa.concat_tables(people),
        provider=ref.provider,
        tenant_id=ref.tenant_id,
        date=ref.snapshot_date,
        as_of=collected_at(manifest),
        sla_days=sla,
        con=con,
    )
    vouched = manifest["status"] == "complete" and inputs[findings_key(ref)] != "missing"
    params = {
        "ledger_version": LEDGER_VERSION,
        "revocation_sla_days": sla,
        "resumed_from": resumed.isoformat() if resumed else None,
    }
    return derived.write(
        "ledger", ref, tables, inputs=inputs, params=params, status="complete" if vouched else "partial"
    )
