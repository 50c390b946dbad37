"""The history-based person states as they were before the people index (kept as a test oracle).

`person_states`/`active_people` below read every human principal of every sealed day up to the date (the
raw history `raw_context` reads from a store, as `build_context` did); the index-based code in
`muster.rules.people` (`identity_states`/`active_identities`: one person key, no owner matching) must give
the same answers for every history. `history_context` folds a raw history into the people context the
index-based code reads. A tenant is named by its label ``provider/tenant_id`` (``aws/111111111111``), as
the index-based code names it in its sentences.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from muster.rules.people import PersonState
from muster.rules.people_fold import OBSERVED_SCHEMA as CONTEXT_OBSERVED
from muster.rules.people_fold import day_people, empty_index, fold, humans, person_key, summaries
from muster.rules.vector import flat
from muster.snapshot import SnapshotRef, SnapshotStore

PEOPLE_COLUMNS = ("tenant_id", "snapshot_date", "principal_id", "name", "enabled")
#: Human principals of a raw history (what `raw_context` reads), and its sealed tenant-days.
PEOPLE_SCHEMA = pa.schema(
    [
        ("tenant_id", pa.string()),
        ("snapshot_date", pa.date32()),
        ("principal_id", pa.string()),
        ("name", pa.string()),
        ("enabled", pa.bool_()),
    ]
)
OBSERVED_SCHEMA = pa.schema(
    [("tenant_id", pa.string()), ("snapshot_date", pa.date32()), ("complete", pa.bool_())]
)


@dataclass(frozen=True)
class Context:
    """The raw history: human principals of every sealed day, and every sealed tenant-day."""

    people: pa.Table
    observed: pa.Table


def raw_context(store: SnapshotStore, ref: SnapshotRef) -> Context:
    """What the history-based build_context read: every sealed day of every provider up to `ref`'s day."""
    people, observed = [], []
    for r in store.list_snapshots():
        if r.snapshot_date > ref.snapshot_date:
            continue
        manifest = store.manifest(r)
        complete = manifest["tables"].get("principals", {}).get("status") == "complete"
        label = f"{r.provider}/{r.tenant_id}"
        observed.append({"tenant_id": label, "snapshot_date": r.snapshot_date, "complete": complete})
        principals = store.read_table(r, "principals", columns=[*PEOPLE_COLUMNS, "is_nhi", "kind"])
        principals = principals.set_column(
            0, "tenant_id", pa.array([label] * principals.num_rows, pa.string())
        )
        people.append(humans(principals).select(PEOPLE_COLUMNS))
    return Context(pa.concat_tables(people), pa.Table.from_pylist(observed, schema=OBSERVED_SCHEMA))


def history_context(people: pa.Table, observed: pa.Table, date: dt.date) -> dict:
    """The people context of a raw history, folded from its first day: `people` holds human principals
    (tenant_id, snapshot_date, name, enabled), `observed` every sealed tenant-day (tenant_id,
    snapshot_date, complete), both up to any date, tenants named ``provider/tenant_id``; only days up to
    `date` are folded."""
    indexes, latest = {}, []
    days = sorted(
        (r["tenant_id"], r["snapshot_date"], bool(r["complete"]))
        for r in observed.to_pylist()
        if r["snapshot_date"] <= date
    )
    for tenant, day, complete in days:
        rows = people.filter(
            pc.and_(
                pc.equal(people.column("tenant_id"), tenant), pc.equal(people.column("snapshot_date"), day)
            )
        )
        n = rows.num_rows
        marked = rows.select(["name", "enabled"])
        marked = marked.append_column("is_nhi", pa.array([False] * n, pa.bool_()))
        marked = marked.append_column("kind", pa.array(["human_user"] * n, pa.string()))
        indexes[tenant] = fold(indexes.get(tenant, empty_index()), day_people(marked), day)
        latest = [x for x in latest if x[0] != tenant] + [(tenant, day, complete)]
    observed_out = pa.Table.from_pylist(
        [
            {"provider": p, "tenant_id": t, "snapshot_date": d, "complete": c}
            for (p, t), d, c in ((_split(label), d, c) for label, d, c in latest)
        ],
        schema=CONTEXT_OBSERVED,
    )
    return {"people": summaries({_split(t): idx for t, idx in indexes.items()}), "observed": observed_out}


def _split(label: str) -> tuple[str, str]:
    provider, sep, tenant = label.partition("/")
    assert sep, f"tenant label {label!r} is not provider/tenant_id"
    return provider, tenant


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
