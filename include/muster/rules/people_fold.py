"""The people index as a fold: index(T, d) = fold(index(T, previous sealed day), humans of (T, d)).

Pure Arrow over one tenant at a time (10^3-10^5 people): no clock, no I/O, the same inputs give the same
rows. What a day contributes is what `muster.rules.people` needs per person and tenant: the day they were
last seen and their (merged) enabled value then, the last day they were enabled and the first sealed day
after it. Every sealed day of the tenant is folded, present person or not, because `since` is the first
*observed* day after the last enabled one.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pyarrow as pa
import pyarrow.compute as pc

from ..schema import PEOPLE_INDEX

#: Bumped whenever the fold's meaning changes: stored indexes of another version are not used.
#: 2: a person is their whole lower-cased name (email / userPrincipalName), no longer the part before '@';
#: roles that people assume (IAM Identity Center permission sets) are no longer people.
FOLD_VERSION = 2
#: The index's own columns (without provenance), in declaration order.
INDEX_COLUMNS = tuple(c.name for c in PEOPLE_INDEX.columns[3:])
INDEX_SCHEMA = pa.schema([PEOPLE_INDEX.schema.field(c) for c in INDEX_COLUMNS])
#: Per tenant (of any provider): the latest day folded and whether its principals were collected completely.
OBSERVED_SCHEMA = pa.schema(
    [
        ("provider", pa.string()),
        ("tenant_id", pa.string()),
        ("snapshot_date", pa.date32()),
        ("complete", pa.bool_()),
    ]
)
#: The people summaries the rules read: the index rows of every tenant, with its provider and tenant (tenant
#: ids of different providers may be equal, so the pair names a tenant).
SUMMARY_SCHEMA = pa.schema(
    [
        pa.field("provider", pa.string(), nullable=False),
        pa.field("tenant_id", pa.string(), nullable=False),
        *INDEX_SCHEMA,
    ]
)


def person_key(col: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Who a name or owner stands for: the whole name in lower case, without surrounding blanks
    (Dana.Kim@Acme.example = dana.kim@acme.example, but not dana.kim@contractor.example). Owners are
    matched to these keys by `muster.rules.people.owner_matches`."""
    return pc.utf8_trim_whitespace(pc.utf8_lower(col))


def local_part(col: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The part of a person key before any '@' (the whole key when it has none)."""
    return pc.list_element(pc.split_pattern(col, "@", max_splits=1), 0)


#: Human principals that are not one person: grantees that stand for many, the root user, and roles that
#: people assume (an IAM Identity Center permission set is used by everyone assigned to it).
NOT_ONE_PERSON = ("group", "domain", "public", "root", "role")


def humans(principals: pa.Table) -> pa.Table:
    """Principals that are one person: not an NHI, and not of a kind in ``NOT_ONE_PERSON``."""
    kind = principals.column("kind")
    keep = pc.and_kleene(
        pc.invert(principals.column("is_nhi")),
        pc.invert(pc.is_in(kind, value_set=pa.array(NOT_ONE_PERSON))),
    )
    return principals.filter(keep)


def empty_index() -> pa.Table:
    return INDEX_SCHEMA.empty_table()


def day_people(principals: pa.Table) -> pa.Table:
    """One row per person among a day's human principals: (person_key, enabled), two accounts of one person
    merged (enabled if either is, else unknown if either is unknown, else not enabled); nameless ones out."""
    p = humans(principals)
    people = pa.table({"person_key": person_key(p.column("name")), "enabled": p.column("enabled")})
    people = people.filter(pc.fill_null(pc.not_equal(people.column("person_key"), ""), False))
    if pc.count_distinct(people.column("person_key")).as_py() == people.num_rows:
        return people  # one account per person (the usual day): nothing to merge
    enabled = people.column("enabled")
    grouped = (
        people.append_column("on", pc.fill_null(enabled, False))
        .append_column("unknown", pc.is_null(enabled))
        .group_by("person_key", use_threads=False)
        .aggregate([("on", "any"), ("unknown", "any")])
    )
    merged = pc.if_else(
        grouped.column("on_any"),
        True,
        pc.if_else(grouped.column("unknown_any"), pa.scalar(None, pa.bool_()), False),
    )
    return pa.table({"person_key": grouped.column("person_key"), "enabled": merged})


def fold(index: pa.Table, people: pa.Table, day: dt.date) -> pa.Table:
    """The index after one more sealed day: `index` is the tenant's index of its previous sealed day (empty
    for the first), `people` that day's `day_people`. Rows sorted by person_key."""
    # the index's rows, then the day's people new to it: lookups, not a join (a hash join's setup costs
    # more than the lookup on an index of a few thousand people)
    keys, today = index.column("person_key"), people.column("person_key")
    new = people.filter(pc.invert(pc.is_in(today, value_set=keys)))
    at = pc.index_in(keys, value_set=today)
    n = new.num_rows
    present = _then(pc.is_valid(at), pa.array([True] * n, pa.bool_()))
    enabled = _then(people.column("enabled").take(at), new.column("enabled"))
    last_seen, last_enabled, since = (
        _then(index.column(c), pa.nulls(n, pa.date32())) for c in ("last_seen", "last_enabled", "since")
    )
    was_enabled = _then(index.column("enabled_on_last_seen"), pa.nulls(n, pa.bool_()))
    on = pc.fill_null(enabled, False)
    d = pa.scalar(day, pa.date32())
    null_day = pa.scalar(None, pa.date32())
    out = pa.table(
        {
            "person_key": _then(keys, new.column("person_key")),
            "last_seen": pc.if_else(present, d, last_seen),
            "enabled_on_last_seen": pc.if_else(present, enabled, was_enabled),
            "last_enabled": pc.if_else(on, d, last_enabled),
            # the first folded day after the last enabled one; a day on which the person is enabled clears it
            "since": pc.if_else(
                on, null_day, pc.coalesce(since, pc.if_else(pc.is_valid(last_enabled), d, null_day))
            ),
        },
        schema=INDEX_SCHEMA,
    )
    return out.sort_by("person_key").combine_chunks()


def _then(head: pa.ChunkedArray | pa.Array, tail: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    """`head` followed by `tail`, without copying either."""
    chunks = [
        c for part in (head, tail) for c in (part.chunks if isinstance(part, pa.ChunkedArray) else [part])
    ]
    return pa.chunked_array(chunks, head.type)


def chain(previous: str, day: dt.date, snapshot_sha: str) -> str:
    """Digest of every snapshot folded into an index: the previous index's chain and this day's snapshot
    manifest SHA-256. Pure, so an index folded in memory and one read back from the store agree."""
    return hashlib.sha256(f"{previous}\n{day.isoformat()} {snapshot_sha}".encode()).hexdigest()


def summaries(indexes: dict[tuple[str, str], pa.Table]) -> pa.Table:
    """The rules' people summaries: every tenant's index, keyed (provider, tenant_id), with both, in that
    order."""
    parts = [
        idx.select(INDEX_COLUMNS)
        .add_column(0, "provider", pa.array([p] * idx.num_rows, pa.string()))
        .add_column(1, "tenant_id", pa.array([t] * idx.num_rows, pa.string()))
        for (p, t), idx in sorted(indexes.items())
    ]
    return pa.concat_tables(parts).cast(SUMMARY_SCHEMA) if parts else SUMMARY_SCHEMA.empty_table()
