"""A non-human identity with admin-equivalent or privilege-escalation-capable permissions."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ..base import RuleMeta, hits
from ..common import nhis, not_disabled, principal_label
from ..inputs import RuleInput, one_chunk
from ..render import cases, choose, fmt, json_object
from ..vector import attach

#: Privilege verdicts (grants.privilege) this rule reports, strongest first, and how a sentence says them.
RANK = {"admin": 3, "escalation": 2, "unknown": 1}
WORDS = {"admin": "admin-equivalent", "escalation": "privilege-escalation-capable"}

META = RuleMeta(
    id="nhi_privileged",
    title="Non-human identity with admin or escalation permissions",
    severity="high",
    entity_type="principal",
    rationale="A workload identity that can do everything, or grant itself anything, turns a compromise of "
    "the workload (a leaked key, an injected build step) into a compromise of the tenant.",
    remediation="Replace the broad grant with a policy limited to the actions and resources the workload "
    "uses (last-accessed data helps), add a permission boundary, and review who can use the identity.",
    blind_spots=(
        "The verdict is the provider transform's privilege analysis (grants.privilege and privilege_reasons); "
        "a grant it could not interpret (privilege unknown) makes the identity `unknown` here.",
        "Resource policies that grant access to the identity from the resource side are not in the grants "
        "table and are not seen.",
    ),
    reads=("principals", "grants"),
)


def evaluate(inp: RuleInput) -> pa.Table:
    p = nhis(inp, where=not_disabled)
    g = inp.grants
    # the few grants of a privilege reported here first, then those of the identities
    g = g.filter(pc.is_in(g.column("privilege"), pa.array(list(RANK))))
    g = one_chunk(g.filter(pc.is_in(g.column("principal_id"), p.column("principal_id"))))
    rank = pa.array(list(RANK.values()), pa.int64()).take(
        pc.index_in(g.column("privilege"), pa.array(list(RANK)))
    )
    g = g.append_column("rank", rank)
    best = g.group_by("principal_id", use_threads=False).aggregate([("rank", "max")])
    g = attach(g, best, ["principal_id"], ["rank_max"])
    g = g.filter(pc.equal(g.column("rank"), g.column("rank_max")))
    g = g.sort_by(
        [
            ("principal_id", "ascending"),
            ("role_id", "ascending"),
            ("scope", "ascending"),
            ("via", "ascending"),
        ]
    )
    label = fmt(
        "{role} ({via}, {scope})",
        len(g),
        role=g.column("role_name"),
        via=g.column("via"),
        scope=g.column("scope"),
    )
    g = g.append_column("label", label).append_column(
        "reason", pc.binary_join(g.column("privilege_reasons"), "; ")
    )
    agg = g.group_by("principal_id", use_threads=False).aggregate(
        [("privilege", "first"), ("label", "list"), ("role_id", "list"), ("reason", "list")]
    )
    who = p.filter(pc.is_in(p.column("principal_id"), agg.column("principal_id"))).sort_by("principal_id")
    who = attach(who, agg, ["principal_id"], ["privilege_first", "label_list", "role_id_list", "reason_list"])
    privilege = who.column("privilege_first")
    result = pc.if_else(pc.equal(privilege, "unknown"), "unknown", "fail")
    n = len(who)
    f = dict(
        who=principal_label(who),
        tenant=inp.tenant_id,
        grants=pc.binary_join(who.column("label_list"), ", "),
        words=choose(privilege, {k: pa.scalar(v) for k, v in WORDS.items()}),
        reason=pc.list_element(who.column("reason_list"), 0),
        at=inp.as_of.strftime("%Y-%m-%d %H:%M UTC"),
    )
    sentence = cases(
        privilege,
        {
            "admin": (
                "{who} in {tenant} holds {words} permissions through {grants}: {reason} (as observed {at})."
            ),
            "escalation": (
                "{who} in {tenant} holds {words} permissions through {grants}: {reason} (as observed {at})."
            ),
            "unknown": (
                "{who} in {tenant} holds {grants}, whose privilege could not be determined: {reason}; "
                "whether it is admin-equivalent is unknown (as observed {at})."
            ),
        },
        **f,
    )
    evidence = json_object(
        n,
        principal_id=who.column("principal_id"),
        kind=who.column("kind"),
        privilege=privilege,
        role_ids=who.column("role_id_list"),
        grants=who.column("label_list"),
        privilege_reasons=who.column("reason_list"),
    )
    return hits(
        result,
        "principal",
        who.column("principal_id"),
        sentence,
        evidence,
        principal_id=who.column("principal_id"),
        principal_name=who.column("name"),
    )
