"""Phrases and selections shared by several rules (how a credential or principal is named, which rows)."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from .base import GRANTEE_KINDS
from .blind_spots import PROVIDER_MANAGED_PATHS
from .inputs import RuleInput
from .render import by_case, fmt, json_object
from .vector import day, flat, lookup, mask

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
    external, created = c.column("external_id"), c.column("created_at")
    case = pc.if_else(pc.is_valid(created), "created", "id")
    case = pc.if_else(pc.is_valid(external), "key", case)
    return by_case(
        case,
        {
            "key": lambda r: fmt("{kind} {id}", r.n, kind=r.take(kind), id=mask(r.take(external))),
            "created": lambda r: fmt("{kind} created {at}", r.n, kind=r.take(kind), at=day(r.take(created))),
            "id": lambda r: fmt(
                "{kind} {id}", r.n, kind=r.take(kind), id=mask(r.take(c.column("credential_id")))
            ),
        },
    )


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


def observed_at(inp: RuleInput) -> str:
    """The snapshot's as-of for a sentence: '2026-11-26 03:10 UTC'."""
    return inp.as_of.strftime("%Y-%m-%d %H:%M UTC")


def measured_at(inp: RuleInput) -> str:
    """The snapshot's as-of for evidence: '2026-11-26T03:10:00Z'."""
    return inp.as_of.strftime("%Y-%m-%dT%H:%M:%SZ")


def credential_fields(c: pa.Table) -> dict[str, pa.Array]:
    """The fields naming a credential in a sentence: `cred` (its label) and `who` (its holder)."""
    return {"cred": credential_label(c), "who": holder(c)}


def credential_sentence(inp: RuleInput, c: pa.Table, rest: str, **fields) -> pa.Array:
    """'{cred} of {who} in {tenant}' + `rest` + ' (as observed {at}).' for every credential of `c`; `rest`
    may read the other `fields`."""
    return fmt(
        "{cred} of {who} in {tenant}" + rest + " (as observed {at}).",
        len(c),
        **credential_fields(c),
        tenant=inp.tenant_id,
        at=observed_at(inp),
        **fields,
    )


def credential_evidence(c: pa.Table, **more) -> pa.Array:
    """Canonical JSON evidence of each credential of `c`: its id, masked key id, kind and status, and `more`
    (columns or constant values)."""
    return json_object(
        len(c),
        credential_id=c.column("credential_id"),
        key_id=masked_key(c),
        kind=c.column("kind"),
        status=c.column("status"),
        **more,
    )


def active_credentials(
    inp: RuleInput,
    kinds: tuple[str, ...],
    user_managed: bool = True,
    where: Callable[[pa.Table], pa.Array] | None = None,
) -> pa.Table:
    """Active credentials of the given kinds (user-managed only, by default), with their holder; `where`
    narrows them further (a row-wise mask of the holders table, null counting as false), in the same single
    filter so that rows a rule drops anyway are never copied."""
    c = inp.holders
    keep = pc.and_kleene(pc.equal(c.column("status"), "active"), pc.is_in(c.column("kind"), pa.array(kinds)))
    if user_managed:
        keep = pc.and_kleene(keep, pc.equal(c.column("managed_by"), "user"))
    if where is not None:
        keep = pc.and_kleene(keep, pc.fill_null(where(c), False))
    return c.filter(keep)


def nhis(inp: RuleInput, where: Callable[[pa.Table], pa.Array] | None = None) -> pa.Table:
    """Non-human identities that Muster should hold someone accountable for (not provider-managed ones);
    `where` narrows them further in the same filter (a row-wise mask of the principals, null as false)."""
    p = inp.principals
    keep = pc.and_kleene(p.column("is_nhi"), pc.invert(pc.is_in(p.column("kind"), pa.array(GRANTEE_KINDS))))
    for prefix in PROVIDER_MANAGED_PATHS.get(inp.provider, ()):
        keep = pc.and_kleene(keep, pc.invert(pc.fill_null(pc.starts_with(p.column("path"), prefix), False)))
    if where is not None:
        keep = pc.and_kleene(keep, pc.fill_null(where(p), False))
    return p.filter(keep)


def not_disabled(p: pa.Table) -> pa.Array:
    """Principals not known to be disabled (enabled, or not reported)."""
    return pc.invert(pc.fill_null(pc.equal(p.column("enabled"), False), False))


def active_credential_counts(inp: RuleInput, principal_ids: pa.Array) -> pa.Array:
    """Number of active credentials each principal holds (0 where none)."""
    h = inp.holders
    keep = pc.equal(h.column("status"), "active")
    if len(principal_ids) * 4 < len(h):  # a few principals: count only their credentials
        keep = pc.and_kleene(keep, pc.is_in(h.column("principal_id"), value_set=flat(principal_ids)))
    active = h.select(["principal_id", "credential_id"]).filter(keep)
    counts = active.group_by("principal_id", use_threads=False).aggregate([("credential_id", "count")])
    idx = pc.index_in(principal_ids, value_set=counts.column("principal_id"))
    return pc.fill_null(counts.column("credential_id_count").combine_chunks().take(idx), 0)
