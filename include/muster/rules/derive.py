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
from collections.abc import Collection

import pyarrow as pa

from ..config import Organization, Scope, ScopeError, Tenant
from ..derive import retained_memory
from ..schema import FINDINGS, SNAPSHOT_TABLES
from ..snapshot import DerivedStore, SnapshotError, SnapshotRef, SnapshotStore
from .engine import RULES_VERSION, evaluate, metadata
from .frameworks import FRAMEWORKS, load
from .inputs import CHUNKED_TABLES, REQUIRED_TABLES, one_chunk
from .people_index import people_context

log = logging.getLogger(__name__)


#: The organisation settings a discovered tenant takes for its rules.
_ORG_SETTINGS = ("audit_scope", "soc1_objectives")


def tenant_for(
    scope: Scope, provider: str, tenant_id: str, listed_by: Collection[str] | None = None
) -> Tenant:
    """The tenant's settings: its scope-file entry, else those of the organisation it was discovered from.

    `listed_by`: the discovery sources (AWS management account, GCP org-<n> / folder-<n>) whose record of
    the day put the tenant on the plan (see `discovered_by`). Their organisations' settings must agree; when
    none of them is in the scope file, every organisation of the provider must. A ScopeError names the
    tenant, the organisations and the settings that differ.
    """
    for t in scope.tenants:
        if t.provider == provider and t.id == tenant_id:
            return t
    orgs = [o for o in scope.organizations if o.provider == provider]
    if not orgs:
        raise ScopeError(f"tenant {provider}:{tenant_id} is not in the scope file")
    sources = set(listed_by or ())
    listing = [o for o in orgs if _source(o) in sources]
    candidates = listing or orgs
    differ = [f for f in _ORG_SETTINGS if len({tuple(getattr(o, f)) for o in candidates}) > 1]
    if differ:
        names = ", ".join(f"{provider}:{_source(o)}" for o in candidates)
        which = (
            f"the organisations that listed it ({names})"
            if listing
            else f"no discovery record says which organisation listed it, and those it may come from ({names})"
        )
        raise ScopeError(
            f"tenant {provider}:{tenant_id} is not in the scope file and {which} differ in "
            f"{' and '.join(differ)}: name the tenant in the scope file to choose its settings"
        )
    org = candidates[0]
    return Tenant(
        provider=provider, id=tenant_id, audit_scope=org.audit_scope, soc1_objectives=org.soc1_objectives
    )


def discovered_by(store: SnapshotStore, ref: SnapshotRef) -> set[str]:
    """The discovery sources whose record of `ref`'s day put its tenant on the plan (their `collected`)."""
    from ..evidence.records import listings  # here: deriving needs only the record reader, not the bundle

    day = ref.snapshot_date
    return {
        lst.source
        for lst in listings(store, day, day)
        if lst.provider == ref.provider and ref.tenant_id in lst.collected
    }


def _source(org: Organization) -> str:
    """The discovery record's source of an organisation (its `source=` partition)."""
    return org.management_account if org.provider == "aws" else org.source_id


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


#: What a findings manifest records of the tenant's settings, enough to re-derive it with the same ones.
_RECORDED = ("thresholds", "audit_scope", "soc1_objectives")


def recorded_tenant(derived: DerivedStore, ref: SnapshotRef) -> Tenant:
    """The settings to derive `ref`'s findings with when no scope file is given.

    A first derivation gets the defaults (default thresholds, no audit scope). A re-derivation reuses the
    thresholds and audit scope the sealed findings it replaces recorded: re-deriving with defaults would
    strip the SOC criteria and custom thresholds from sealed evidence. Findings that recorded none are
    refused (ScopeError) rather than guessed."""
    try:
        params = derived.manifest("findings", ref).get("params") or {}
    except SnapshotError:
        return Tenant(provider=ref.provider, id=ref.tenant_id)
    where = f"{ref.provider}:{ref.tenant_id} on {ref.snapshot_date}"
    missing = [k for k in _RECORDED if k not in params]
    if missing:
        raise ScopeError(
            f"findings of {where} are sealed but record no {', '.join(missing)}: re-derive them with the scope "
            "file (--scope), or they would lose their thresholds and SOC criteria"
        )
    try:
        tenant = Tenant.model_validate(
            {"provider": ref.provider, "id": ref.tenant_id, **{k: params[k] for k in _RECORDED}}
        )
    except ValueError as e:
        raise ScopeError(
            f"findings of {where}: the recorded settings are not valid now ({e}); pass --scope"
        ) from None
    log.info("findings %s: no scope file, re-derived with the settings the sealed findings recorded", where)
    return tenant


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

    Without a scope file (None): the settings the findings being replaced recorded (`recorded_tenant`);
    default thresholds and no audit scope only when the day was never derived."""
    with retained_memory():
        return _derive_findings(root, ref, scope)


def _derive_findings(root: str | SnapshotStore, ref: SnapshotRef, scope: Scope | None) -> dict:
    store = root if isinstance(root, SnapshotStore) else SnapshotStore(root)
    derived = DerivedStore(store)
    raw = store.manifest_bytes(ref)
    manifest = json.loads(raw)
    tables = {name: _read(store, ref, name) for name in REQUIRED_TABLES}
    tenant = (
        tenant_for(scope, ref.provider, ref.tenant_id, discovered_by(store, ref))
        if scope
        else recorded_tenant(derived, ref)
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
