"""Evaluate the rules for one sealed tenant-day and seal the result as the day's `findings` partition.

Reads only sealed inputs (every table through its manifest hash): the snapshot, the day's changes when
they were derived, and the people indexes of every provider's tenants up to that day (for owners who
left: people sign in through Entra ID or Google while their service identities live in AWS or GCP). The
findings manifest names each input's SHA-256 (each people source read by its chain digest), the
thresholds and the rules version, so the same inputs always re-derive the same, byte-identical findings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging

import pyarrow as pa

from ..config import Scope, ScopeError, Tenant
from ..derive import retained_memory
from ..schema import FINDINGS, SNAPSHOT_TABLES
from ..snapshot import DerivedStore, SnapshotError, SnapshotRef, SnapshotStore
from .engine import RULES_VERSION, evaluate, metadata
from .frameworks import FRAMEWORKS, load
from .inputs import CHUNKED_TABLES, REQUIRED_TABLES, one_chunk
from .people_index import people_context

log = logging.getLogger(__name__)


def tenant_for(scope: Scope, provider: str, tenant_id: str) -> Tenant:
    """The tenant's settings: its scope-file entry, else those of the organisation it was discovered from."""
    for t in scope.tenants:
        if t.provider == provider and t.id == tenant_id:
            return t
    orgs = [o for o in scope.organizations if o.provider == provider]
    settings = {(tuple(o.audit_scope), tuple(o.soc1_objectives)) for o in orgs}
    if len(settings) != 1:
        raise ScopeError(
            f"tenant {provider}:{tenant_id} is not in the scope file"
            + (" and the organisations it may come from differ in audit scope" if settings else "")
        )
    audit_scope, objectives = settings.pop()
    return Tenant(provider=provider, id=tenant_id, audit_scope=audit_scope, soc1_objectives=objectives)


def catalogue_digest() -> str:
    """SHA-256 of the rule metadata and framework mappings: changes whenever either does."""
    data = {
        "rules": [m.__dict__ for m in metadata()],
        "frameworks": {name: load(name) for name in FRAMEWORKS},
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


#: The findings manifest's input naming the digest over every people source read.
PEOPLE_CONTEXT = "people context"


def build_context(store: SnapshotStore, ref: SnapshotRef, scope: Scope | None = None) -> tuple[dict, str]:
    """The rules' context of `ref` (see `context_inputs`) and the digest of what it read."""
    context, inputs = context_inputs(store, ref, scope)
    return context, inputs[PEOPLE_CONTEXT]


def context_inputs(
    store: SnapshotStore, ref: SnapshotRef, scope: Scope | None
) -> tuple[dict, dict[str, str]]:
    """People summaries of every provider's tenants up to `ref`'s day (from their people indexes, see
    `people_index`), the provider's tenants Muster knows, and what was read: per tenant folded
    (``people <provider>/<tenant>/<latest day folded>``) its chain digest over every snapshot folded, and
    ``people context``, a digest over those and the tenant set, so it changes whenever any folded snapshot
    does."""
    sealed = store.list_snapshots()
    context, folded = people_context(store, ref, sealed)
    tenants = {r.tenant_id for r in sealed if r.provider == ref.provider}
    tenants |= {t.id for t in (scope.tenants if scope else ()) if t.provider == ref.provider}
    context["tenants"] = sorted(tenants)
    lines = [f"{p}/{t}:{f.chain}" for (p, t), f in sorted(folded.items())]
    digest = hashlib.sha256("\n".join(lines + sorted(tenants)).encode()).hexdigest()
    inputs = {f"people {p}/{t}/{f.day.isoformat()}": f.chain for (p, t), f in sorted(folded.items())}
    return context, {PEOPLE_CONTEXT: digest, **inputs}


def _changes(derived: DerivedStore, ref: SnapshotRef) -> tuple[pa.Table | None, str | None]:
    try:
        raw = derived.manifest_bytes("changes", ref)
    except SnapshotError:
        return None, None
    return derived.read("changes", ref, "changes"), hashlib.sha256(raw).hexdigest()


#: Tables the rules read without their provenance columns (one value throughout; no rule reads them).
_WITHOUT_PROVENANCE = ("credentials", "grants")


def _read(store: SnapshotStore, ref: SnapshotRef, name: str) -> pa.Table:
    """A sealed table for the rules: large ones without the provenance columns (less to decode and hold),
    in one chunk per column as it is read (unless the rules take it chunked), so the rules never hold a
    second copy of their inputs."""
    if name not in _WITHOUT_PROVENANCE:
        tbl = store.read_table(ref, name)
    else:
        drop = ("provider", "tenant_id", "snapshot_date")
        tbl = store.read_table(
            ref, name, columns=[c for c in SNAPSHOT_TABLES[name].column_names if c not in drop]
        )
    return tbl if name in CHUNKED_TABLES else one_chunk(tbl)


def derive_findings(root: str | SnapshotStore, ref: SnapshotRef, scope: Scope | None) -> dict:
    """Evaluate the rules on the sealed snapshot `ref` and seal its findings; returns the findings manifest.

    Without a scope file (None) the tenant gets default settings: default thresholds, no audit scope."""
    with retained_memory():
        return _derive_findings(root, ref, scope)


def _derive_findings(root: str | SnapshotStore, ref: SnapshotRef, scope: Scope | None) -> dict:
    store = root if isinstance(root, SnapshotStore) else SnapshotStore(root)
    derived = DerivedStore(store)
    raw = store.manifest_bytes(ref)
    manifest = json.loads(raw)
    tables = {name: _read(store, ref, name) for name in REQUIRED_TABLES}
    tenant = (
        tenant_for(scope, ref.provider, ref.tenant_id)
        if scope
        else Tenant(provider=ref.provider, id=ref.tenant_id)
    )
    changes, changes_sha = _changes(derived, ref)
    context, people_inputs = context_inputs(store, ref, scope)
    as_of = dt.datetime.fromisoformat(manifest["collected_at"])
    findings = evaluate(tables, manifest, tenant, as_of, changes=changes, context=context)
    day = ref.snapshot_date.isoformat()
    inputs = {f"snapshot {day}": hashlib.sha256(raw).hexdigest(), **people_inputs}
    if changes_sha:
        inputs[f"changes {day}"] = changes_sha
    params = {
        "thresholds": tenant.thresholds.model_dump(),
        "audit_scope": list(tenant.audit_scope),
        "soc1_objectives": list(tenant.soc1_objectives),
        "rules_version": RULES_VERSION,
        "catalogue_sha256": catalogue_digest(),
        "as_of": as_of.astimezone(dt.UTC).isoformat(),
    }
    sealed = derived.write(
        "findings",
        ref,
        {"findings": (FINDINGS, findings)},
        inputs=inputs,
        params=params,
        status=manifest["status"],
    )
    log.info(
        "findings %s/%s/%s: %d row(s), snapshot status %s",
        ref.provider,
        ref.tenant_id,
        day,
        findings.num_rows,
        manifest["status"],
    )
    return sealed
