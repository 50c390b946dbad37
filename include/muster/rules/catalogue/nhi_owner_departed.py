"""A non-human identity whose owner has left or been disabled, still active: access nobody authorises any
more, and the classic unrevoked credential after an offboarding."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ..base import RuleMeta, hits
from ..common import active_credential_counts, nhis, principal_label
from ..inputs import RuleInput, person_key
from ..people import person_states
from ..vector import choose, fmt, json_object

META = RuleMeta(
    id="nhi_owner_departed",
    title="Non-human identity whose owner has left, still active",
    severity="high",
    entity_type="principal",
    rationale="Offboarding removes a person's own accounts but rarely the service identities they own; "
    "those keep working with nobody accountable and nobody who would notice misuse.",
    remediation="Assign a new owner who confirms the identity is needed, or disable it and its credentials; "
    "add owned service identities to the offboarding checklist.",
    blind_spots=(
        "Owners are matched by name (lower case, the part before any '@') to human principals of the same "
        "provider's tenants that Muster collects; an owner who never had an account there cannot be "
        "followed and gives no finding.",
        "A person absent from a tenant counts as removed only when that day's principals were collected "
        "completely; otherwise the owner's state, and the finding, are `unknown`.",
        "'Since' is the first sealed day after the owner was last seen enabled; days without a snapshot "
        "make it later than the real departure.",
    ),
    reads=("principals", "credentials"),
)


def evaluate(inp: RuleInput) -> pa.Table:
    p = nhis(inp)
    p = p.filter(
        pc.and_kleene(
            pc.is_valid(p.column("owner")),
            pc.invert(pc.fill_null(pc.equal(p.column("enabled"), False), False)),
        )
    )
    p = p.append_column("owner_key", person_key(p.column("owner")))
    states = person_states(inp.context, set(p.column("owner_key").to_pylist()), inp.snapshot_date)
    keys = sorted(states)
    lookup_idx = pc.index_in(p.column("owner_key"), value_set=pa.array(keys, pa.string()))

    def column(values: list, type_: pa.DataType) -> pa.Array:
        return pa.array(values, type_).take(lookup_idx)

    owner_state = column([states[k].state for k in keys], pa.string())
    p = p.append_column("owner_state", owner_state)
    p = p.append_column("owner_since", column([states[k].since for k in keys], pa.date32()))
    p = p.append_column("owner_detail", column([states[k].detail for k in keys], pa.string()))
    p = p.append_column("active_credentials", active_credential_counts(inp, p.column("principal_id")))
    live = pc.fill_null(p.column("enabled"), False)
    case = choose(owner_state, {"departed": pa.scalar("fail"), "unknown": pa.scalar("unknown")})
    # an identity whose enabled state is unknown and that holds no active credential may be revoked already
    maybe = pc.and_kleene(pc.is_null(p.column("enabled")), pc.equal(p.column("active_credentials"), 0))
    case = pc.if_else(
        pc.and_kleene(pc.equal(case, "fail"), pc.and_kleene(pc.invert(live), maybe)), "unknown", case
    )
    p = p.append_column("case", case).filter(pc.is_valid(case))
    n = len(p)
    f = dict(
        who=principal_label(p),
        tenant=inp.tenant_id,
        owner=p.column("owner"),
        source=p.column("owner_source"),
        since=pc.fill_null(
            pc.binary_join_element_wise("since ", pc.cast(p.column("owner_since"), pa.string()), ""),
            "(never seen enabled)",
        ),
        creds=p.column("active_credentials"),
        detail=p.column("owner_detail"),
        at=inp.as_of.strftime("%Y-%m-%d %H:%M UTC"),
    )
    sentence = choose(
        p.column("case"),
        {
            "fail": fmt(
                "{who} in {tenant} is still enabled ({creds} active credential(s)) although its owner "
                "{owner} (from {source}) has left or been disabled {since}: {detail} (as observed "
                "{at}).",
                n,
                **f,
            ),
            "unknown": fmt(
                "{who} in {tenant} is owned by {owner} (from {source}), whose state cannot be "
                "established: {detail}; whether the owner has left is unknown (as observed {at}).",
                n,
                **f,
            ),
        },
    )
    evidence = json_object(
        n,
        principal_id=p.column("principal_id"),
        kind=p.column("kind"),
        enabled=p.column("enabled"),
        owner=p.column("owner"),
        owner_source=p.column("owner_source"),
        owner_state=p.column("owner_state"),
        owner_detail=p.column("owner_detail"),
        owner_departed_since=pc.cast(p.column("owner_since"), pa.string()),
        active_credentials=p.column("active_credentials"),
    )
    return hits(
        p.column("case"),
        "principal",
        p.column("principal_id"),
        sentence,
        evidence,
        principal_id=p.column("principal_id"),
        principal_name=p.column("name"),
    )
