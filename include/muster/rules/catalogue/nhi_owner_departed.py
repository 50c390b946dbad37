"""A non-human identity whose owner has left or been disabled, still active: access nobody authorises any
more, and the classic unrevoked credential after an offboarding. An owner who cannot be followed (never seen
among the people of the provider's tenants, or seen with an unknown state) makes the finding `unknown`:
what was not observed is never reported as fine."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ..base import RuleMeta, hits
from ..common import active_credential_counts, nhis, not_disabled, principal_label
from ..inputs import RuleInput, person_key
from ..people import active_people, person_states
from ..render import cases, choose, json_object
from ..vector import flat

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
        "Owners are matched to the human principals that are one person (not roles people assume) of every "
        "provider's tenants that Muster collects, by full name or email first (see 'Matching owners to "
        "people'); an owner who never had an account there (a team name, a person known only to another "
        "identity provider) cannot be followed, and the finding is `unknown`.",
        "A person absent from a tenant counts as removed only when that day's principals were collected "
        "completely; otherwise the owner's state, and the finding, are `unknown`.",
        "'Since' is the first sealed day after the owner was last seen enabled; days without a snapshot "
        "make it later than the real departure.",
    ),
    reads=("principals", "credentials"),
)


def _with_owner_state(inp: RuleInput, p: pa.Table) -> pa.Table:
    """Each identity's owner state, since and detail. Owners enabled somewhere are `active` and dropped by
    the rule, so only the others are followed person by person (their since and detail stay null)."""
    owners = flat(pc.unique(p.column("owner_key")))
    active = active_people(inp.context, owners, inp.snapshot_date)
    others = owners.filter(pc.invert(pc.is_in(owners, value_set=active)))
    states = person_states(inp.context, set(others.to_pylist()), inp.snapshot_date)
    keys = [*sorted(states), *active.to_pylist()]
    lookup_idx = pc.index_in(p.column("owner_key"), value_set=pa.array(keys, pa.string()))

    def column(values: list, type_: pa.DataType) -> pa.Array:
        return pa.array(values + [None] * len(active), type_).take(lookup_idx)

    known = [states[k] for k in sorted(states)]
    state = pa.array([s.state for s in known] + ["active"] * len(active), pa.string()).take(lookup_idx)
    p = p.append_column("owner_state", state)
    p = p.append_column("owner_since", column([s.since for s in known], pa.date32()))
    return p.append_column("owner_detail", column([s.detail for s in known], pa.string()))


def evaluate(inp: RuleInput) -> pa.Table:
    p = nhis(inp, where=lambda q: pc.and_kleene(pc.is_valid(q.column("owner")), not_disabled(q)))
    p = p.append_column("owner_key", person_key(p.column("owner")))
    p = _with_owner_state(inp, p)
    case = choose(
        p.column("owner_state"),
        {"departed": pa.scalar("fail"), "unknown": pa.scalar("unknown"), "not_found": pa.scalar("not_found")},
    )
    p = p.append_column("case", case).filter(pc.is_valid(case))
    p = p.append_column("active_credentials", active_credential_counts(inp, p.column("principal_id")))
    live = pc.fill_null(p.column("enabled"), False)
    # an identity whose enabled state is unknown and that holds no active credential may be revoked already
    maybe = pc.and_kleene(pc.is_null(p.column("enabled")), pc.equal(p.column("active_credentials"), 0))
    case = pc.if_else(
        pc.and_kleene(pc.equal(p.column("case"), "fail"), pc.and_kleene(pc.invert(live), maybe)),
        "unknown",
        p.column("case"),
    )
    p = p.set_column(p.schema.get_field_index("case"), "case", case)
    observed = _observed_tenants(inp)
    not_found = pc.equal(p.column("case"), "not_found")
    # an owner never observed: the evidence says where they were looked for
    where = pa.scalar(f"not found among the people of the tenants {observed}")
    p = p.set_column(
        p.schema.get_field_index("owner_detail"),
        "owner_detail",
        pc.if_else(not_found, where, p.column("owner_detail")),
    )
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
        provider=inp.provider,
        observed=observed,
        at=inp.as_of.strftime("%Y-%m-%d %H:%M UTC"),
    )
    sentence = cases(
        p.column("case"),
        {
            "fail": (
                "{who} in {tenant} is still enabled ({creds} active credential(s)) although its owner "
                "{owner} (from {source}) has left or been disabled {since}: {detail} (as observed "
                "{at})."
            ),
            "unknown": (
                "{who} in {tenant} is owned by {owner} (from {source}), whose state cannot be "
                "established: {detail}; whether the owner has left is unknown (as observed {at})."
            ),
            "not_found": (
                "{who} in {tenant} is owned by {owner} (from {source}), who was not found among the people "
                "Muster observed in the tenants it collects, of every provider ({observed}); whether the owner has "
                "left is unknown (as observed {at})."
            ),
        },
        **f,
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
        pc.if_else(not_found, "unknown", p.column("case")),
        "principal",
        p.column("principal_id"),
        sentence,
        evidence,
        principal_id=p.column("principal_id"),
        principal_name=p.column("name"),
    )


def _observed_tenants(inp: RuleInput, shown: int = 5) -> str:
    """The tenants whose people the owners were looked for among, as a sentence says them."""
    observed = inp.context.observed
    pairs = zip(
        observed.column("provider").to_pylist(), observed.column("tenant_id").to_pylist(), strict=True
    )
    tenants = sorted({f"{provider}/{tenant}" for provider, tenant in pairs})
    more = len(tenants) - shown
    listed = ", ".join(tenants[:shown])
    return f"{listed} and {more} more" if more > 0 else listed or "none"
