"""A role granted to the public: anyone on the internet (GCP allUsers) or anyone with an account
(allAuthenticatedUsers) holds it, so nobody authorised the access by name and nobody can be removed from it."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ..base import RuleMeta, hits
from ..inputs import RuleInput
from ..render import fmt, json_object
from ..vector import attach

#: The principal kind the providers give a grantee that stands for everyone.
PUBLIC_KIND = "public"

META = RuleMeta(
    id="public_access_grant",
    title="Access granted to the public",
    severity="high",
    entity_type="grant",
    rationale="A role bound to everyone is access that was never authorised for a person or a workload: it "
    "cannot be reviewed member by member, is never removed when someone leaves, and exposes the data or "
    "resources the role reaches to strangers.",
    remediation="Remove the public member from the binding; where public access is intended (a public "
    "website bucket), keep it on a dedicated resource with a read-only role and record the approved exception.",
    blind_spots=(
        "Reads grants whose grantee has the principal kind `public` (GCP allUsers and allAuthenticatedUsers "
        "in organisation, folder and project IAM policies).",
        "Access granted on individual resources (bucket ACLs, AWS resource policies with Principal '*') is not "
        "collected; AWS roles that anyone may assume are the external-trust rule's.",
    ),
    reads=("grants", "principals"),
)

GRANT_KEY = ["principal_id", "role_id", "scope", "via"]


def evaluate(inp: RuleInput) -> pa.Table:
    p = inp.principals
    public = p.filter(pc.equal(p.column("kind"), PUBLIC_KIND)).select(["principal_id", "name", "nhi_reason"])
    g = inp.grants
    g = g.filter(pc.is_in(g.column("principal_id"), value_set=public.column("principal_id").combine_chunks()))
    g = attach(g, public, ["principal_id"], ["name", "nhi_reason"]).sort_by(
        [(k, "ascending") for k in GRANT_KEY]
    )
    n = len(g)
    sentence = fmt(
        "{role} ({role_id}) on {scope} is granted to {whom}. Its privilege is {privilege}: {reason} (as observed "
        "{at}).",
        n,
        role=g.column("role_name"),
        role_id=g.column("role_id"),
        scope=g.column("scope"),
        whom=pc.coalesce(g.column("nhi_reason"), g.column("name"), g.column("principal_id")),
        privilege=g.column("privilege"),
        reason=pc.binary_join(g.column("privilege_reasons"), "; "),
        at=inp.as_of.strftime("%Y-%m-%d %H:%M UTC"),
    )
    evidence = json_object(
        n,
        principal_id=g.column("principal_id"),
        role_id=g.column("role_id"),
        scope=g.column("scope"),
        via=g.column("via"),
        condition=g.column("condition"),
        privilege=g.column("privilege"),
    )
    return hits(
        "fail",
        "grant",
        json_object(n, **{k: g.column(k) for k in GRANT_KEY}),
        sentence,
        evidence,
        principal_id=g.column("principal_id"),
        principal_name=g.column("name"),
    )
