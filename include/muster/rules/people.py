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
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from .inputs import Context, person_key
from .vector import flat


@dataclass(frozen=True)
class PersonState:
    state: str  # active | departed | unknown | not_found
    since: dt.date | None = None
    detail: str = ""


def person_states(context: Context, keys: set[str], date: dt.date) -> dict[str, PersonState]:
    """The state on `date` of each person key in `keys`."""
    people = context.people
    people = people.append_column("key", person_key(people.column("name")))
    people = people.filter(
        pc.and_(
            pc.is_in(people.column("key"), pa.array(sorted(keys), pa.string())),
            pc.less_equal(people.column("snapshot_date"), pa.scalar(date, pa.date32())),
        )
    )
    days = _observed_days(context.observed, date)
    seen: dict[str, dict[str, dict[dt.date, bool | None]]] = defaultdict(lambda: defaultdict(dict))
    for row in people.select(["key", "tenant_id", "snapshot_date", "enabled"]).to_pylist():
        by_day = seen[row["key"]][row["tenant_id"]]
        day = row["snapshot_date"]
        by_day[day] = _merge(by_day[day], row["enabled"]) if day in by_day else row["enabled"]
    return {
        key: _combine([_in_tenant(t, seen[key][t], days.get(t, [])) for t in sorted(seen[key])])
        for key in keys
    }


def active_people(context: Context, keys: pa.Array, date: dt.date) -> pa.Array:
    """The keys (of `keys`) of people enabled, on some tenant's latest observed day up to `date`, in that
    tenant: `person_states` says `active` for exactly these, so a caller that needs no more about active
    people can leave them out of that (slower, per-person) reading."""
    observed = context.observed.filter(pc.less_equal(context.observed.column("snapshot_date"), _day(date)))
    latest = observed.group_by("tenant_id", use_threads=False).aggregate([("snapshot_date", "max")])
    people = context.people
    people = people.filter(pc.fill_null(people.column("enabled"), False))
    people = people.append_column("key", person_key(people.column("name")))
    people = people.filter(pc.is_in(people.column("key"), value_set=keys))
    idx = pc.index_in(people.column("tenant_id"), value_set=latest.column("tenant_id"))
    on_latest = latest.column("snapshot_date_max").combine_chunks().take(idx)
    people = people.filter(pc.fill_null(pc.equal(people.column("snapshot_date"), on_latest), False))
    return pc.unique(flat(people.column("key")))


def _day(date: dt.date) -> pa.Scalar:
    return pa.scalar(date, pa.date32())


def _merge(a: bool | None, b: bool | None) -> bool | None:
    """Two accounts of one person in one tenant: enabled if either is, unknown if either is unknown."""
    if a or b:
        return True
    return None if a is None or b is None else False


def _observed_days(observed: pa.Table, date: dt.date) -> dict[str, list[tuple[dt.date, bool]]]:
    """tenant -> [(day, principals complete)], sorted, up to `date`."""
    out: dict[str, list[tuple[dt.date, bool]]] = defaultdict(list)
    for row in observed.to_pylist():
        if row["snapshot_date"] <= date:
            out[row["tenant_id"]].append((row["snapshot_date"], bool(row["complete"])))
    return {t: sorted(v) for t, v in out.items()}


def _in_tenant(tenant: str, by_day: dict[dt.date, bool | None], days: list[tuple[dt.date, bool]]) -> tuple:
    """(state, since, detail) of one person in one tenant, on the tenant's latest observed day."""
    if not days:
        return "unknown", None, f"{tenant}: no observation"
    latest, complete = days[-1]
    enabled_days = [d for d, e in by_day.items() if e]
    last_enabled = max(enabled_days) if enabled_days else None
    # the first observed day after the last enabled one; unknown when never seen enabled
    after = [d for d, _ in days if last_enabled is not None and d > last_enabled]
    since = after[0] if after else None
    if latest in by_day:
        state = {True: "active", False: "disabled", None: "unknown"}[by_day[latest]]
        return state, since, f"{state} in {tenant} on {latest}"
    if complete:
        return "removed", since, f"removed from {tenant} (last seen {max(by_day)})"
    return "unknown", None, f"not in the incomplete collection of {tenant} on {latest}"


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
