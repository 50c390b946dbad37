"""Which tenants a bundle covers, and the criteria it is tested against.

SOC 2: the tenants tagged `soc2` (or the tags asked for), tested against CC6.1 / CC6.2 / CC6.3.
SOC 1: the tenants tagged `soc1` (affecting financial reporting), tested against the organisation's own
control objectives from the scope file (SOC 1 has no preset criteria). Tenants found through an
organisation inherit its tags; which tenants that organisation held on each day comes from the discovery
records collection left. An explicit tenant list replaces tag selection.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Scope
from ..snapshot import SnapshotStore
from .params import BundleError, BundleParams
from .records import Listing

SOC2_CRITERIA = {
    "CC6.1": "Logical access security: inventory, rotation and expiry of credentials for infrastructure "
    "and software (machine credentials).",
    "CC6.2": "Credentials are registered and authorised before issue and removed when access is no longer "
    "authorised.",
    "CC6.3": "Access is authorised, modified or removed by least privilege; roles and rules are reviewed for "
    "inappropriate system or service accounts (CC6.3-4).",
}


@dataclass(frozen=True)
class InScope:
    provider: str
    tenant_id: str
    name: str | None
    why: str
    objectives: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.provider, self.tenant_id)

    @property
    def label(self) -> str:
        return f"{self.provider}:{self.tenant_id}"


@dataclass(frozen=True)
class Selection:
    tenants: tuple[InScope, ...]
    criteria: dict[str, str]
    note: str
    out_of_scope: tuple[str, ...] = field(default=())

    def keys(self) -> set[tuple[str, str]]:
        return {t.key for t in self.tenants}


def _org_source(org) -> str:
    """The discovery `source` an organisation's records are filed under (management account, org-N)."""
    return getattr(org, "management_account", None) or org.source_id


def _known(store: SnapshotStore, listings: list[Listing]) -> set[tuple[str, str]]:
    known = {(r.provider, r.tenant_id) for r in store.list_snapshots()}
    for lst in listings:
        if (
            lst.entity is None
        ):  # a listing of tenants; not of one tenant's parts (an Entra tenant's subscriptions)
            known |= {(lst.provider, t) for t in lst.listed} | {(lst.provider, t) for t in lst.collected}
        known.add((lst.provider, lst.source))
    return known


def _by_tags(scope: Scope, tags: tuple[str, ...], listings: list[Listing]) -> dict[tuple[str, str], InScope]:
    chosen: dict[tuple[str, str], InScope] = {}
    for org in scope.organizations:
        hit = sorted(set(org.audit_scope) & set(tags))
        if not hit:
            continue
        source = _org_source(org)
        for lst in listings:
            if lst.provider != org.provider or lst.source != source:
                continue
            for tid in sorted(set(lst.listed) | set(lst.collected)):
                if tid in org.exclude:
                    continue
                why = f"member of {org.provider} organisation {source} (audit_scope {','.join(hit)})"
                chosen.setdefault(
                    (org.provider, tid), InScope(org.provider, tid, None, why, org.soc1_objectives)
                )
    for t in scope.tenants:  # a tenant named in the scope file wins over what discovery implies
        hit = sorted(set(t.audit_scope) & set(tags))
        key = (t.provider, t.id)
        if hit:
            why = f"scope file (audit_scope {','.join(hit)})"
            chosen[key] = InScope(t.provider, t.id, t.name, why, t.soc1_objectives)
        else:
            chosen.pop(key, None)
    return chosen


def _explicit(names: tuple[str, ...], known: set[tuple[str, str]], scope: Scope | None) -> dict:
    chosen = {}
    for name in names:
        provider, _, tid = name.rpartition(":")
        matches = sorted(k for k in known if k[1] == tid and (not provider or k[0] == provider))
        if not matches:
            raise BundleError(f"tenant {name!r} has no snapshot or discovery record in this store")
        for key in matches:
            objectives = ()
            if scope is not None:
                objectives = next((t.soc1_objectives for t in scope.tenants if (t.provider, t.id) == key), ())
            chosen[key] = InScope(key[0], key[1], None, "named in the bundle parameters", objectives)
    return chosen


def select(
    store: SnapshotStore, scope: Scope | None, params: BundleParams, listings: list[Listing]
) -> Selection:
    """The tenants in scope of `params.framework`, why each is, and the criteria that apply."""
    known = _known(store, listings)
    if params.tenants:
        chosen, note = _explicit(params.tenants, known, scope), "tenants named in the parameters"
    elif scope is not None:
        chosen = _by_tags(scope, params.tags, listings)
        note = f"tenants tagged {' or '.join(params.tags)} in the scope file (directly or by organisation)"
    elif params.framework == "soc1":
        raise BundleError("a SOC 1 bundle needs the scope file: it names the soc1 tenants and objectives")
    else:
        chosen = {k: InScope(k[0], k[1], None, "in the store (no scope file given)") for k in known}
        note = "no scope file given: every tenant with a sealed snapshot or discovery record"
    criteria = _criteria(params, scope, chosen.values())
    tenants = tuple(sorted(chosen.values(), key=lambda t: t.key))
    out = tuple(sorted(f"{p}:{t}" for p, t in known - set(chosen)))
    return Selection(tenants, criteria, note, out)


def _criteria(params: BundleParams, scope: Scope | None, tenants) -> dict[str, str]:
    if params.framework == "soc2":
        return dict(SOC2_CRITERIA)
    defined = dict(scope.soc1_objectives) if scope is not None else {}
    if not defined:
        raise BundleError("a SOC 1 bundle needs soc1_objectives in the scope file (objective id -> wording)")
    used = {o for t in tenants for o in t.objectives} or set(defined)
    return {o: defined[o] for o in sorted(used) if o in defined}
