"""Whether a person is still here: followed across the provider's tenants and days, never guessed.

A person is matched by :func:`person_key` (lower case, the part before any '@') among the human principals of
every tenant of the same provider. In each tenant where the person was ever seen (up to the day evaluated),
their state on that tenant's latest sealed day is:

* ``active`` — present and enabled;
* ``disabled`` — present and not enabled;
* ``removed`` — absent, and that day's principals were collected completely;
* ``unknown`` — present with enabled unknown, or absent from an incomplete collection.

Across tenants: any ``active`` makes the person active; else any ``unknown`` makes them unknown; else they
have departed, since the day the last of their accounts stopped being enabled. A person never seen is
``not_found``: the rules cannot follow them (a team name, an identity provider Muster does not collect).

The context holds this per tenant and person as a summary folded one sealed day at a time (the people
index, `muster.rules.people_fold`), never the raw history: the answers are those the history gives.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from .inputs import Context
from .vector import flat


@dataclass(frozen=True)
class PersonState:
    state: str  # active | departed | unknown | not_found
    since: dt.date | None = None
    detail: str = ""


def person_states(context: Context, keys: set[str], date: dt.date) -> dict[str, PersonState]:
    """The state on `date` of each person key in `keys` (the context is as of `date`: its summaries fold
    every sealed day up to it)."""
    latest = _latest(context.observed, date)
    people = context.people.filter(pc.is_in(context.people.column("person_key"), _keys(keys)))
    seen: dict[str, list[dict]] = defaultdict(list)
    for row in people.to_pylist():
        seen[row["person_key"]].append(row)
    return {
        key: _combine(
            [
                _in_tenant(r, latest.get(r["tenant_id"]))
                for r in sorted(seen[key], key=lambda r: r["tenant_id"])
            ]
        )
        for key in keys
    }


def active_people(context: Context, keys: pa.Array, date: dt.date) -> pa.Array:
    """The keys (of `keys`) of people enabled, on some tenant's latest observed day up to `date`, in that
    tenant: `person_states` says `active` for exactly these, so a caller that needs no more about active
    people can leave them out of that (slower, per-person) reading."""
    _latest(context.observed, date)  # the context is as of `date`
    observed = context.observed
    people = context.people
    people = people.filter(pc.fill_null(people.column("enabled_on_last_seen"), False))
    people = people.filter(pc.is_in(people.column("person_key"), value_set=keys))
    idx = pc.index_in(people.column("tenant_id"), value_set=observed.column("tenant_id"))
    on_latest = observed.column("snapshot_date").combine_chunks().take(idx)
    people = people.filter(pc.fill_null(pc.equal(people.column("last_seen"), on_latest), False))
    return pc.unique(flat(people.column("person_key")))


def _keys(keys: set[str]) -> pa.Array:
    return pa.array(sorted(keys), pa.string())


def _latest(observed: pa.Table, date: dt.date) -> dict[str, tuple[dt.date, bool]]:
    """tenant -> (its latest day folded, principals complete that day), for tenants folded up to `date`."""
    out = {}
    for row in observed.to_pylist():
        if row["snapshot_date"] > date:
            raise ValueError(
                f"people context of {row['tenant_id']} is as of {row['snapshot_date']}, after {date}"
            )
        out[row["tenant_id"]] = (row["snapshot_date"], bool(row["complete"]))
    return out


def _in_tenant(row: dict, latest: tuple[dt.date, bool] | None) -> tuple:
    """(state, since, detail) of one person in one tenant (their summary row), on the tenant's latest
    observed day."""
    tenant = row["tenant_id"]
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
