"""Whether a person is still here: followed across every provider's tenants and days, never guessed.

People are the human principals of every tenant in the store, of every provider: AWS IAM users classified
human, Entra ID users, Google accounts named in GCP bindings. A tenant is named by its provider and id
(`aws/210987654321`, `azure/7f3e...`), so equal tenant ids of two providers are two tenants. An identity is a
principal name in lower case (`person_key`: the email, userPrincipalName or user name); one identity's
accounts in several tenants are one person. In each tenant where the identity was ever seen (up to the
day evaluated), its state on that tenant's latest sealed day is:

* ``active`` — present and enabled;
* ``disabled`` — present and not enabled;
* ``removed`` — absent, and that day's principals were collected completely;
* ``unknown`` — present with enabled unknown, or absent from an incomplete collection.

Across tenants: any ``active`` makes the identity active; else any ``unknown`` makes it unknown; else it
has departed, since the day the last of its accounts stopped being enabled. A tenant whose latest
principals were not collected completely therefore never makes anyone departed.

An owner (an owner tag, the scope file's owners, Entra application owners) is matched to identities by
:data:`MATCHING`; an owner matching none is ``not_found``: the rules cannot follow them (a team name, an
identity provider Muster does not collect).

The context holds this per tenant and identity as a summary folded one sealed day at a time (the people
index, `muster.rules.people_fold`), never the raw history: the answers are those the history gives.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from .inputs import Context
from .people_fold import local_part
from .vector import flat

#: How an owner is matched to people (rendered into docs/RULES.md).
MATCHING = (
    "An owner is matched to people, across the human principals of every provider's tenants (AWS IAM users "
    "classified human, Entra ID users, Google accounts named in GCP bindings), in this order; names are "
    "compared in lower case without surrounding blanks:",
    "1. Exact: a person whose whole name equals the owner (dana.kim@acme.com = Dana.Kim@ACME.com, an Entra "
    "userPrincipalName or a Google email; dana.kim = an IAM user dana.kim). Accounts with that name in "
    "several tenants, of any provider, are one person: active if active in any tenant.",
    "2. Otherwise by the part before '@', and only where one side has no domain: an owner without '@' "
    "(dana.kim) matches people named dana.kim@<any domain>; an owner with one (dana.kim@acme.com) matches "
    "people whose name has no domain (an IAM user dana.kim). Two names that both have a domain are never "
    "matched on their local part: j.smith@acme.com is not j.smith@contractor.com.",
    "3. When step 2 finds several people (dana.kim@acme.com and dana.kim@contractor.com for the owner "
    "dana.kim), they agree or nothing is concluded: all active is active, all departed is departed; any "
    "other mix is `unknown`, with a sentence naming each of them and their state.",
    "4. No match: `not_found` (a team, a mailing list, or a directory Muster does not collect).",
    "A person absent from a tenant counts as removed there only when that tenant's latest principals were "
    "collected completely; a tenant collected partially makes the person `unknown`, never departed. In GCP a "
    "person is only seen through IAM bindings: removed there means no longer bound in that project.",
)


@dataclass(frozen=True)
class PersonState:
    state: str  # active | departed | unknown | not_found
    since: dt.date | None = None
    detail: str = ""


def owner_matches(context: Context, owners: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The identities (person keys seen in the context) each owner key stands for, by :data:`MATCHING`:
    its exact key if seen, else its local-part matches (sorted); empty when none."""
    owners = sorted(set(owners))
    keys = flat(pc.unique(context.people.column("person_key")))
    given = pa.array(owners, pa.string())
    exact = set(given.filter(pc.is_in(given, value_set=keys)).to_pylist())
    out: dict[str, list[str]] = {o: [o] if o in exact else [] for o in owners}
    # the rest, by local part: an owner without a domain matches dana.kim@<any domain> (an empty owner
    # matches nobody); one with a domain matches only names without one
    bare = pa.array(sorted(o for o in owners if o and o not in exact and "@" not in o), pa.string())
    with_domain: dict[str, list[str]] = defaultdict(list)  # local part -> owners with a domain
    for o in owners:
        if o not in exact and "@" in o:
            with_domain[o.split("@", 1)[0]].append(o)
    if len(bare):
        local = local_part(keys)
        hit = pc.is_in(local, value_set=bare)
        for key, owner in zip(keys.filter(hit).to_pylist(), local.filter(hit).to_pylist(), strict=True):
            out[owner].append(key)
    if with_domain:
        domainless = pc.invert(pc.match_substring(keys, "@"))
        hit = pc.and_(domainless, pc.is_in(keys, value_set=pa.array(sorted(with_domain), pa.string())))
        for key in keys.filter(hit).to_pylist():
            for owner in with_domain[key]:
                out[owner].append(key)
    return {o: tuple(sorted(v)) for o, v in out.items()}


def person_states(context: Context, owners: set[str], date: dt.date) -> dict[str, PersonState]:
    """The state on `date` of the person each owner key (`person_key` of the owner) in `owners` stands for
    (the context is as of `date`: its summaries fold every sealed day up to it)."""
    matches = owner_matches(context, owners)
    states = identity_states(context, {i for ids in matches.values() for i in ids}, date)
    return {owner: _of_owner(owner, [(i, states[i]) for i in matches[owner]]) for owner in owners}


def active_people(context: Context, owners: pa.Array, date: dt.date) -> pa.Array:
    """The owner keys (of `owners`) that `person_states` calls `active`, read without following each person:
    a caller that needs no more about active people can leave them out of that (slower) reading."""
    matches = owner_matches(context, owners.to_pylist())
    wanted = pa.array(sorted({i for ids in matches.values() for i in ids}), pa.string())
    active = set(active_identities(context, wanted, date).to_pylist())
    return pa.array(sorted(o for o, ids in matches.items() if ids and set(ids) <= active), pa.string())


def _of_owner(owner: str, states: list[tuple[str, PersonState]]) -> PersonState:
    """One owner's state from the identities matched to them (one when exact: theirs)."""
    if not states:
        return PersonState("not_found")
    if len(states) == 1:
        identity, state = states[0]
        if identity == owner:
            return state
        return PersonState(state.state, state.since, f"as {identity}: {state.detail}")
    names = {s.state for _, s in states}
    each = "; ".join(f"{i} ({s.state}: {s.detail})" for i, s in states)
    if len(names) > 1:
        return PersonState(
            "unknown",
            None,
            f"{owner} matches several people in different states, so who is meant is unknown: {each}",
        )
    name = names.pop()
    sinces = [s.since for _, s in states]
    since = None if name != "departed" or None in sinces else max(sinces)
    return PersonState(name, since, f"{owner} matches several people, all {name}: {each}")


def identity_states(context: Context, keys: set[str], date: dt.date) -> dict[str, PersonState]:
    """The state on `date` of each identity (a person key seen among the context's people) in `keys`."""
    latest = _latest(context.observed, date)
    people = context.people.filter(pc.is_in(context.people.column("person_key"), _keys(keys)))
    seen: dict[str, list[dict]] = defaultdict(list)
    for row in people.to_pylist():
        seen[row["person_key"]].append(row)
    return {
        key: _combine(
            [
                _in_tenant(r, latest.get((r["provider"], r["tenant_id"])))
                for r in sorted(seen[key], key=lambda r: (r["provider"], r["tenant_id"]))
            ]
        )
        for key in keys
    }


def active_identities(context: Context, keys: pa.Array, date: dt.date) -> pa.Array:
    """The identities (of `keys`) enabled, on some tenant's latest observed day up to `date`, in that
    tenant: `identity_states` says `active` for exactly these."""
    _latest(context.observed, date)  # the context is as of `date`
    observed = context.observed
    people = context.people
    people = people.filter(pc.fill_null(people.column("enabled_on_last_seen"), False))
    people = people.filter(pc.is_in(people.column("person_key"), value_set=keys))
    idx = pc.index_in(_tenant(people), value_set=_tenant(observed))
    on_latest = observed.column("snapshot_date").combine_chunks().take(idx)
    people = people.filter(pc.fill_null(pc.equal(people.column("last_seen"), on_latest), False))
    return pc.unique(flat(people.column("person_key")))


def _tenant(tbl: pa.Table) -> pa.ChunkedArray:
    """provider/tenant_id per row: a tenant of any provider, unambiguously."""
    return pc.binary_join_element_wise(tbl.column("provider"), tbl.column("tenant_id"), "/")


def _keys(keys: set[str]) -> pa.Array:
    return pa.array(sorted(keys), pa.string())


def _latest(observed: pa.Table, date: dt.date) -> dict[tuple[str, str], tuple[dt.date, bool]]:
    """(provider, tenant) -> (its latest day folded, principals complete that day), for tenants folded up to
    `date`."""
    out = {}
    for row in observed.to_pylist():
        if row["snapshot_date"] > date:
            raise ValueError(
                f"people context of {row['provider']}/{row['tenant_id']} is as of {row['snapshot_date']}, "
                f"after {date}"
            )
        out[(row["provider"], row["tenant_id"])] = (row["snapshot_date"], bool(row["complete"]))
    return out


def _in_tenant(row: dict, latest: tuple[dt.date, bool] | None) -> tuple:
    """(state, since, detail) of one person in one tenant (their summary row), on the tenant's latest
    observed day."""
    tenant = f"{row['provider']}/{row['tenant_id']}"
    if latest is None:
        return "unknown", None, f"{tenant}: no observation"
    day, complete = latest
    since = row["since"]
    if row["last_seen"] == day:
        state = {True: "active", False: "disabled", None: "unknown"}[row["enabled_on_last_seen"]]
        return state, since, f"{state} in {tenant} on {day}"
    if complete:
        return "removed", since, f"removed from {tenant} (last seen {row['last_seen']})"
    return "unknown", None, f"not in the incomplete collection of {tenant} on {day}"


def _combine(states: list[tuple]) -> PersonState:
    if not states:
        return PersonState("not_found")
    names = {s for s, _, _ in states}
    detail = "; ".join(d for _, _, d in states)
    if "active" in names:
        return PersonState("active", None, detail)
    if "unknown" in names:
        return PersonState("unknown", None, detail)
    sinces = [s for _, s, _ in states]
    return PersonState("departed", None if None in sinces else max(sinces), detail)
