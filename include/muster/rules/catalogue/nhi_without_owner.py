"""A non-human identity with no owner: nobody to ask whether it is still needed, nobody to revoke it."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ..base import RuleMeta, hits
from ..common import nhis, not_disabled, principal_label
from ..inputs import RuleInput
from ..render import fmt, json_object

META = RuleMeta(
    id="nhi_without_owner",
    title="Non-human identity without owner",
    severity="medium",
    entity_type="principal",
    rationale="Access reviews and offboarding work through owners; a service identity without one is never "
    "reviewed, never revoked when its purpose ends, and cannot be shown to have been authorised.",
    remediation="Name an accountable owner (an owner tag, or `owners` in the scope file), or remove the "
    "identity if nobody claims it.",
    blind_spots=(
        "Owners come from the tag keys in the scope file (owner_tag_keys) and its `owners` overrides; an "
        "owner recorded elsewhere (a CMDB) is not seen.",
        "Identities the provider creates and owns (AWS service-linked roles, service principals of Microsoft's "
        "first-party applications) are not checked.",
        "Disabled identities are not checked.",
    ),
    reads=("principals",),
)


def evaluate(inp: RuleInput) -> pa.Table:
    p = nhis(inp, where=lambda q: pc.and_kleene(pc.is_null(q.column("owner")), not_disabled(q)))
    n = len(p)
    keys = ", ".join(inp.tenant.owner_tag_keys) or "none configured"
    sentence = fmt(
        "{who} in {tenant} has no owner: none of the owner tags ({keys}) is set and the scope file names "
        "none (as observed {at}).",
        n,
        who=principal_label(p),
        tenant=inp.tenant_id,
        keys=keys,
        at=inp.as_of.strftime("%Y-%m-%d %H:%M UTC"),
    )
    evidence = json_object(
        n,
        principal_id=p.column("principal_id"),
        kind=p.column("kind"),
        is_nhi=p.column("is_nhi"),
        nhi_reason=p.column("nhi_reason"),
        enabled=p.column("enabled"),
        owner=p.column("owner"),
        owner_tag_keys=list(inp.tenant.owner_tag_keys),
    )
    return hits(
        "fail",
        "principal",
        p.column("principal_id"),
        sentence,
        evidence,
        principal_id=p.column("principal_id"),
        principal_name=p.column("name"),
    )
