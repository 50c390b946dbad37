"""Phrases and selections shared by several rules (how a credential or principal is named, which rows)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from .base import GRANTEE_KINDS
from .blind_spots import PROVIDER_MANAGED_PATHS
from .inputs import RuleInput
from .vector import day, fmt, lookup, mask

KIND_LABELS = {
    "access_key": "Access key",
    "ssh_key": "SSH key",
    "signing_certificate": "Signing certificate",
    "service_specific": "Service-specific credential",
    "sa_key": "Service account key",
    "client_secret": "Client secret",
    "certificate": "Certificate credential",
    "federated": "Federated credential",
    "password": "Console password",
}
PRINCIPAL_LABELS = {
    "human_user": "User",
    "service_user": "Service user",
    "service_account": "Service account",
    "role": "Role",
    "managed_identity": "Managed identity",
    "service_principal": "Service principal",
    "application": "Application",
    "root": "Root user",
}


def credential_label(c: pa.Table) -> pa.Array:
    """'Access key AKIA…XYZ' (masked key id), else 'Access key created 2025-01-20', else a masked stable id."""
    kind = lookup(c.column("kind"), KIND_LABELS)
    n = len(c)
    by_id = fmt("{kind} {id}", n, kind=kind, id=mask(c.column("external_id")))
    by_date = fmt("{kind} created {at}", n, kind=kind, at=day(c.column("created_at")))
    fallback = fmt("{kind} {id}", n, kind=kind, id=mask(c.column("credential_id")))
    out = pc.if_else(pc.is_valid(c.column("created_at")), by_date, fallback)
    return pc.if_else(pc.is_valid(c.column("external_id")), by_id, out)


def holder(c: pa.Table) -> pa.Array:
    """The holder's name, or its id when the principal is not in the snapshot."""
    return pc.coalesce(c.column("principal_name"), c.column("principal_id"))


def principal_label(p: pa.Table) -> pa.Array:
    """'Service user svc-etl', 'Role data-pipeline'."""
    kind = lookup(p.column("kind"), PRINCIPAL_LABELS)
    return fmt("{kind} {name}", len(p), kind=kind, name=p.column("name"))


def masked_key(c: pa.Table) -> pa.Array:
    return pc.if_else(
        pc.is_valid(c.column("external_id")), mask(c.column("external_id")), pa.scalar(None, pa.string())
    )


def active_credentials(inp: RuleInput, kinds: tuple[str, ...], user_managed: bool = True) -> pa.Table:
    """Active credentials of the given kinds (user-managed only, by default), with their holder."""
    c = inp.holders
    keep = pc.and_kleene(pc.equal(c.column("status"), "active"), pc.is_in(c.column("kind"), pa.array(kinds)))
    if user_managed:
        keep = pc.and_kleene(keep, pc.equal(c.column("managed_by"), "user"))
    return c.filter(keep)


def nhis(inp: RuleInput) -> pa.Table:
    """Non-human identities that Muster should hold someone accountable for (not provider-managed ones)."""
    p = inp.principals
    keep = pc.and_kleene(p.column("is_nhi"), pc.invert(pc.is_in(p.column("kind"), pa.array(GRANTEE_KINDS))))
    for prefix in PROVIDER_MANAGED_PATHS.get(inp.provider, ()):
        keep = pc.and_kleene(keep, pc.invert(pc.fill_null(pc.starts_with(p.column("path"), prefix), False)))
    return p.filter(keep)


def active_credential_counts(inp: RuleInput, principal_ids: pa.Array) -> pa.Array:
    """Number of active credentials each principal holds (0 where none)."""
    active = inp.holders.filter(pc.equal(inp.holders.column("status"), "active"))
    counts = active.group_by("principal_id", use_threads=False).aggregate([("credential_id", "count")])
    idx = pc.index_in(principal_ids, value_set=counts.column("principal_id"))
    return pc.fill_null(counts.column("credential_id_count").combine_chunks().take(idx), 0)
