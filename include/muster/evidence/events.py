"""Populations of a Type 2 period: the events auditors sample (offboardings, new access, privileged grants
added) and every credential and identity that existed during the period, deleted ones included.

Read only from what the bundle holds: each in-scope tenant's latest ledger of the period (its lifecycle
tables fold every observed day up to that date), the changes sealed for the period's days and the coverage
rows. Ledger dates are snapshot dates: an event is dated to the first observed day that showed it, so each
member also names the previous observed day of the period (the event happened after it), and every day of
the period that was not observed completely is named in the population's completeness note (an event on it
is dated to the next observed day), never skipped silently. Each population is written in full to
`period_populations/<name>.csv`, each row with the member_key that samples.csv draws on. Pure: the period is
passed in and nothing reads a clock.

A year of twenty tenants holds hundreds of thousands of members, so each population is an Arrow table built
with compute kernels and joins (the figures of an offboarding are grouped per identity), and its member keys
and CSV are rendered column by column (`columnar`), byte for byte the text of the row-by-row helpers.
Only the grant changes that can be additions are decoded from JSON one by one.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..ledger.revocation import NOT_A_PERSON
from ..rules.catalogue.privileged_grant_added import GRANT_KEY, PRIVILEGED, RANK
from . import columnar
from .metrics import OBSERVED

PERIOD_DIR = "period_populations"
#: Per-event populations are sampled at least this share (AUDIT.md: 10-20% of per-event populations).
EVENT_SHARE = 0.10


def event_sample_size(population: int, sample_size: int) -> int:
    """The bundle's sample_size, or 10% of a per-event population when that is more; never more than all."""
    return min(population, max(sample_size, math.ceil(population * EVENT_SHARE)))


@dataclass
class Population:
    """One population of the period: its rows (a table of `columns`, one row per member) and how a member is
    keyed and named."""

    name: str
    definition: str
    completeness: str
    columns: list[str]
    table: pa.Table
    key_columns: list[str]
    date_column: str
    label_column: str
    per_event: bool

    @property
    def file(self) -> str:
        return f"{PERIOD_DIR}/{self.name.removesuffix('@period')}.csv"

    @cached_property
    def member_keys(self) -> pa.Array:
        """Each row's member_key, which `samples.draw` takes; the date is part of the key of an event (it
        is the event)."""
        tbl = self.table
        key = {"provider": tbl["provider"], "tenant_id": tbl["tenant_id"]}
        if self.per_event:
            key["date"] = columnar.iso_dates(tbl[self.date_column])
        key.update({c: tbl[c] for c in self.key_columns})
        return columnar.member_keys(key)

    def members(self) -> pa.Table:
        """The members `samples.draw` takes (samples.MEMBER_COLUMNS), each with its member_key."""
        tbl = self.table
        return pa.table(
            {
                "member_key": self.member_keys,
                "provider": columnar.plain(tbl["provider"]),
                "tenant_id": columnar.plain(tbl["tenant_id"]),
                "date": columnar.iso_dates(tbl[self.date_column]),
                "label": columnar.plain(tbl[self.label_column]),
            }
        )


class Period:
    """What the bundle observed of each in-scope tenant over the period, from its coverage rows."""

    def __init__(
        self, start: dt.date, end: dt.date, tenants: list[tuple[str, str]], coverage_rows: list[dict]
    ):
        self.start, self.end, self.tenants = start, end, tenants
        self.status: dict[tuple[str, str], dict[str, dict[dt.date, str]]] = {}
        for r in coverage_rows:
            per = self.status.setdefault((r["provider"], r["tenant_id"]), {})
            per.setdefault(r["table"], {})[r["date"]] = r["status"]
        self._observed = {
            (key, table): sorted(d for d, s in days.items() if s in OBSERVED)
            for key, per in self.status.items()
            for table, days in per.items()
        }

    def ledger(self, key: tuple[str, str]) -> tuple[dt.date, str] | None:
        """The date and status of the tenant's latest ledger of the period (the one the bundle holds)."""
        days = [(d, s) for d, s in self.status.get(key, {}).get("ledger", {}).items() if s != "missing"]
        return max(days) if days else None

    def previous_observed(self, key: tuple[str, str], table: str, day: dt.date | None) -> dt.date | None:
        """The latest day of the period before `day` on which the tenant's `table` was observed."""
        days = self._observed.get((key, table), [])
        i = bisect.bisect_left(days, day) if day is not None else 0
        return days[i - 1] if i else None

    def previous_observed_of(self, tbl: pa.Table, table: str, days: pa.ChunkedArray | pa.Array) -> pa.Array:
        """`previous_observed` of each row of `tbl` (its provider and tenant_id) for the dates `days`."""
        day = pc.cast(days, pa.int32()).to_numpy(zero_copy_only=False)
        known = pc.is_valid(days).to_numpy(zero_copy_only=False)
        out = np.zeros(len(day), np.int32)
        found = np.zeros(len(day), bool)
        tenant, keys = _tenants(tbl)
        for i, key in enumerate(keys):
            rows = np.flatnonzero((tenant == i) & known)
            observed = np.array([(d - EPOCH).days for d in self._observed.get((key, table), [])], np.int32)
            at = np.searchsorted(observed, day[rows], side="left")
            found[rows] = at > 0
            out[rows] = observed[np.maximum(at - 1, 0)] if observed.size else 0
        return pa.array(out, pa.int32(), mask=~found).cast(pa.date32())

    def not_complete(self, key: tuple[str, str], tables: tuple[str, ...], upto: dt.date) -> str | None:
        """The tenant's days up to `upto` on which one of `tables` was not complete, as runs with a status."""
        per = self.status.get(key, {})
        worst: dict[dt.date, str] = {}
        rank = {"missing": 0, "failed": 1, "partial": 2}
        for table in tables:
            for d, s in per.get(table, {}).items():
                if s != "complete" and d <= upto and rank.get(s, 1) < rank.get(worst.get(d, "complete"), 9):
                    worst[d] = s
        return _runs(sorted(worst.items())) if worst else None


def _runs(days: list[tuple[dt.date, str]]) -> str:
    """'2026-11-04 missing, 2026-11-06..2026-11-08 failed': consecutive days of one status as one run."""
    runs: list[list] = []
    for d, s in days:
        if runs and runs[-1][2] == s and runs[-1][1] + dt.timedelta(days=1) == d:
            runs[-1][1] = d
        else:
            runs.append([d, d, s])
    return ", ".join(f"{a}{'' if a == b else f'..{b}'} {s}" for a, b, s in runs)


EPOCH = dt.date(1970, 1, 1)
GAP_NOTE = "an event on such a day is dated to the next observed day"


def _ledger_notes(period: Period, tables: tuple[str, ...], what: str) -> list[str]:
    """Per tenant: no ledger, a partial or early ledger, and the days its `tables` were not observed."""
    notes = []
    for key in period.tenants:
        label = f"{key[0]}:{key[1]}"
        found = period.ledger(key)
        if found is None:
            notes.append(f"{label}: no ledger sealed in the period, so none of its {what} (not zero)")
            continue
        date, status = found
        if status != "complete":
            notes.append(f"{label}: its ledger of {date} is {status} (not every input of it was complete)")
        if date < period.end:
            notes.append(
                f"{label}: its latest ledger is of {date}; the days after it are not in the population"
            )
        gaps = period.not_complete(key, tables, date)
        if gaps:
            notes.append(f"{label}: {'/'.join(tables)} not observed completely on {gaps} ({GAP_NOTE})")
    return notes


def _note(notes: list[str]) -> str:
    return "; ".join(notes) or "complete: every day of the period observed for every in-scope tenant"


def _table(derived: dict[str, pa.Table], name: str, columns: list[str]) -> pa.Table | None:
    tbl = derived.get(name)
    return tbl.select(columns) if tbl is not None else None


def _in_period(col, period: Period):
    start, end = pa.scalar(period.start, pa.date32()), pa.scalar(period.end, pa.date32())
    return pc.and_kleene(pc.greater_equal(col, start), pc.less_equal(col, end))


def _tenants(tbl: pa.Table) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Each row's tenant as an index into the distinct (provider, tenant_id) pairs, and those pairs."""
    pair = pc.binary_join_element_wise(tbl["provider"], tbl["tenant_id"], "\x1f")
    keys = pc.unique(pair)
    index = pc.index_in(pair, value_set=keys).to_numpy(zero_copy_only=False)
    return index, [tuple(k.split("\x1f", 1)) for k in keys.to_pylist()]


def _per_tenant(
    tbl: pa.Table, values: dict[tuple[str, str], object], default, type_: pa.DataType
) -> pa.Array:
    """The value of each row's tenant in `values` (`default` for a tenant not in it)."""
    index, keys = _tenants(tbl)
    return pa.array([values.get(k, default) for k in keys], type_).take(pa.array(index, pa.int64()))


def _empty(columns: list[str], schema: dict[str, pa.DataType]) -> pa.Table:
    return pa.table({c: pa.array([], schema.get(c, pa.string())) for c in columns})


OFFBOARDING_COLUMNS = [
    "provider",
    "tenant_id",
    "principal_id",
    "name",
    "kind",
    "is_nhi",
    "offboarding",
    "offboarded_on",
    "previous_observed_on",
    "status",
    "ledger_date",
    "sla_days",
    "own_credentials",
    "own_revoked",
    "own_open",
    "own_unknown",
    "own_last_revoked_on",
    "owned_nhi_credentials",
    "nhi_revoked",
    "nhi_open",
    "nhi_unknown",
    "max_days",
    "within_sla",
]


STATES = ("revoked", "open", "unknown")


def offboardings(period: Period, derived: dict, slas: dict[tuple[str, str], int]) -> Population:
    """Identities disabled or removed in the period, with when their credentials and NHIs were revoked."""
    cols = ["provider", "tenant_id", "snapshot_date", "principal_id", "name", "kind", "is_nhi"]
    pl = _table(derived, "principal_lifecycle", [*cols, "disabled_on", "removed_on", "status"])
    if pl is None:
        out = _empty(OFFBOARDING_COLUMNS, OFFBOARDING_TYPES)
    else:
        gone = pc.min_element_wise(pl["disabled_on"], pl["removed_on"])
        person = pc.invert(pc.is_in(pl["kind"], pa.array(NOT_A_PERSON)))
        pl = pl.append_column("offboarded_on", gone)
        pl = pl.filter(pc.fill_null(pc.and_kleene(_in_period(gone, period), person), False))
        out = _offboarding_rows(period, derived, slas, pl)
    return Population(
        "offboardings@period",
        "Every identity (human or NHI; not groups, domains, public or root) first seen disabled, or removed in a "
        f"complete snapshot, from {period.start} to {period.end}: principal_lifecycle of each tenant's latest "
        "ledger of the period, offboarded_on = the earlier of disabled_on and removed_on. Per identity: its own "
        "credentials still unrevoked then (credential_lifecycle; revoked = deactivated or deleted, days from "
        "offboarded_on, open ones to the ledger date) and the credentials of NHIs it owns "
        "(revocation_latency, days from the owner's offboarding), against the tenant's revocation SLA",
        _note(_ledger_notes(period, ("principals", "credentials"), "offboardings are in the population")),
        OFFBOARDING_COLUMNS,
        out,
        ["principal_id"],
        "offboarded_on",
        "name",
        True,
    )


OFFBOARDING_TYPES = {
    "is_nhi": pa.bool_(),
    **{
        c: pa.date32()
        for c in ("offboarded_on", "previous_observed_on", "ledger_date", "own_last_revoked_on")
    },
    **{c: pa.int64() for c in ("sla_days", "own_credentials", "owned_nhi_credentials", "max_days")},
    **{f"{side}_{s}": pa.int64() for side in ("own", "nhi") for s in STATES},
    "within_sla": pa.bool_(),
}


def _offboarding_rows(period: Period, derived: dict, slas: dict, pl: pa.Table) -> pa.Table:
    """One row per offboarded identity of `pl`, with the figures of its own and its NHIs' credentials."""
    n = pl.num_rows
    pl = pl.append_column("_row", pa.array(np.arange(n), pa.int64()))
    pl = pl.append_column("sla_days", _per_tenant(pl, slas, 1, pa.int64()))
    own = _own_credentials(derived, pl)
    theirs = _nhi_records(derived, pl)
    disabled = pc.and_kleene(
        pc.is_valid(pl["disabled_on"]),
        pc.or_kleene(pc.is_null(pl["removed_on"]), pc.less_equal(pl["disabled_on"], pl["removed_on"])),
    )
    out = {c: pl[c] for c in ("provider", "tenant_id", "principal_id", "name", "kind", "is_nhi")}
    out |= {
        "offboarding": pc.if_else(pc.fill_null(disabled, False), "disabled", "removed"),
        "offboarded_on": pl["offboarded_on"],
        "previous_observed_on": period.previous_observed_of(pl, "principals", pl["offboarded_on"]),
        "status": pl["status"],
        "ledger_date": pl["snapshot_date"],
        "sla_days": pl["sla_days"],
        "own_credentials": own["count"],
        **{f"own_{s}": own[s] for s in STATES},
        "own_last_revoked_on": own["last_revoked"],
        "owned_nhi_credentials": theirs["count"],
        **{f"nhi_{s}": theirs[s] for s in STATES},
        "max_days": pc.max_element_wise(own["max_days"], theirs["max_days"]),
        "within_sla": pc.if_else(
            pc.greater(pc.add(own["count"], theirs["count"]), 0),
            pc.and_(pc.fill_null(own["within"], True), pc.fill_null(theirs["within"], True)),
            pa.scalar(None, pa.bool_()),
        ),
    }
    return pa.table(out).cast(pa.schema([(c, OFFBOARDING_TYPES.get(c, pa.string())) for c in out]))


def _by_row(n: int, records: pa.Table) -> dict[str, pa.Array]:
    """Per offboarding row (0..n-1): how many records, how many in each state, their latest revocation,
    their longest days and whether every one was within its SLA (null where a row has none)."""
    agg = records.group_by("_row", use_threads=False).aggregate(
        [
            ("_row", "count"),
            *((s, "sum") for s in STATES),
            ("revoked_on", "max"),
            ("days", "max"),
            ("within", "all"),
        ]
    )
    rows = agg["_row"].to_numpy()
    index = np.full(n, -1, np.int64)
    index[rows] = np.arange(len(rows))
    at = pa.array(index, mask=index < 0)

    def col(name: str, zero=None):
        values = agg[name].take(at)
        return pc.fill_null(values, zero) if zero is not None else values

    return {
        "count": col("_row_count", 0),
        **{s: col(f"{s}_sum", 0) for s in STATES},
        "last_revoked": col("revoked_on_max"),
        "max_days": col("days_max"),
        "within": col("within_all"),
    }


def _states(records: pa.Table, state: pa.Array) -> pa.Table:
    for s in STATES:
        records = records.append_column(s, pc.cast(pc.equal(state, s), pa.int64()))
    return records


def _own_credentials(derived: dict, pl: pa.Table) -> dict[str, pa.Array]:
    """Per offboarded identity, its own credentials not provider-managed and not revoked before it went."""
    cols = ["provider", "tenant_id", "principal_id", "managed_by", "deactivated_on", "deleted_on", "status"]
    cl = _table(derived, "credential_lifecycle", cols)
    if cl is None or pl.num_rows == 0:
        cl = _empty(cols, {"deactivated_on": pa.date32(), "deleted_on": pa.date32()})
    cl = cl.filter(pc.is_in(cl["principal_id"], pc.unique(pl["principal_id"])))
    offboarded = pl.select(
        ["provider", "tenant_id", "principal_id", "_row", "offboarded_on", "snapshot_date", "sla_days"]
    )
    c = cl.join(offboarded, ["provider", "tenant_id", "principal_id"], join_type="inner", use_threads=False)
    revoked = pc.min_element_wise(c["deactivated_on"], c["deleted_on"])
    keep = pc.and_(
        pc.invert(pc.fill_null(pc.equal(c["managed_by"], "provider"), False)),
        pc.invert(pc.fill_null(pc.less(revoked, c["offboarded_on"]), False)),
    )
    c = c.append_column("revoked_on", revoked).filter(keep)
    revoked = c["revoked_on"]
    state = pc.if_else(
        pc.is_valid(revoked),
        "revoked",
        pc.if_else(pc.fill_null(pc.equal(c["status"], "unknown"), False), "unknown", "open"),
    )
    days = pc.days_between(c["offboarded_on"], pc.coalesce(revoked, c["snapshot_date"]))
    records = pa.table(
        {
            "_row": c["_row"],
            "revoked_on": revoked,
            "days": pc.cast(days, pa.int64()),
            "within": pc.less_equal(pc.cast(days, pa.int64()), c["sla_days"]),
        }
    )
    return _by_row(pl.num_rows, _states(records, state))


def _nhi_records(derived: dict, pl: pa.Table) -> dict[str, pa.Array]:
    """Per offboarded identity, the revocation_latency rows naming it among their owner's identities
    ('provider/tenant_id/principal_id': the owner may be a person of another provider than the NHI, an Entra
    user owning an AWS service user)."""
    cols = ["owner_principals", "days", "sla_days", "state"]
    rl = _table(derived, "revocation_latency", cols)
    if rl is None or pl.num_rows == 0:
        rl = _empty(
            cols, {"owner_principals": pa.list_(pa.string()), "days": pa.int32(), "sla_days": pa.int32()}
        )
    owners = pc.fill_null(rl["owner_principals"], pa.scalar([], rl.schema.field("owner_principals").type))
    parent = pc.list_parent_indices(owners)
    rl = rl.drop_columns(["owner_principals"]).take(parent)
    rl = rl.append_column("owner", pc.list_flatten(owners).cast(pa.string()))
    who = pc.binary_join_element_wise(pl["provider"], pl["tenant_id"], pl["principal_id"], "/")
    offboarded = pa.table({"owner": who, "_row": pl["_row"]})
    r = rl.join(offboarded, ["owner"], join_type="inner", use_threads=False)
    days = pc.cast(r["days"], pa.int64())
    records = pa.table(
        {
            "_row": r["_row"],
            "revoked_on": pa.nulls(r.num_rows, pa.date32()),
            "days": days,
            "within": pc.less_equal(days, pc.cast(r["sla_days"], pa.int64())),
        }
    )
    return _by_row(pl.num_rows, _states(records, r["state"]))


NEW_ACCESS_COLUMNS = [
    "provider",
    "tenant_id",
    "entity",
    "entity_id",
    "name",
    "kind",
    "issued_on",
    "created_at",
    "first_seen",
    "previous_observed_on",
    "status",
    "ledger_date",
]


def new_access(period: Period, derived: dict) -> Population:
    """Credentials issued and identities created in the period."""
    first = _first_observed(derived)
    parts = []
    cols = ["provider", "tenant_id", "snapshot_date", "first_seen", "status", "kind"]
    cl = _table(derived, "credential_lifecycle", [*cols, "credential_id", "principal_name", "created_at"])
    if cl is not None:
        created = pc.cast(cl["created_at"], pa.date32())
        cl = cl.append_column("issued_on", pc.coalesce(created, cl["first_seen"]))
        cl = cl.filter(pc.fill_null(_in_period(cl["issued_on"], period), False))
        # present on the tenant's first observation, with no creation time: not new
        initial = pc.and_(
            pc.is_null(cl["created_at"]),
            pc.fill_null(pc.less_equal(cl["first_seen"], _per_tenant(cl, first, None, pa.date32())), False),
        )
        cl = cl.filter(pc.invert(initial))
        parts.append(_new(period, cl, "credential", "credential_id", "principal_name", "credentials"))
    pl = _table(derived, "principal_lifecycle", [*cols, "principal_id", "name"])
    if pl is not None:
        person = pc.invert(pc.is_in(pl["kind"], pa.array(NOT_A_PERSON)))
        pl = pl.filter(pc.fill_null(pc.and_kleene(_in_period(pl["first_seen"], period), person), False))
        later = pc.greater(pl["first_seen"], _per_tenant(pl, first, None, pa.date32()))
        pl = pl.filter(pc.fill_null(later, False))
        pl = pl.append_column("issued_on", pl["first_seen"])
        pl = pl.append_column("created_at", pa.nulls(pl.num_rows, pa.timestamp("us", tz="UTC")))
        parts.append(_new(period, pl, "principal", "principal_id", "name", "principals"))
    out = pa.concat_tables(parts) if parts else _empty(NEW_ACCESS_COLUMNS, NEW_ACCESS_TYPES)
    firsts = [f"{p}:{t} ({d})" for (p, t), d in sorted(first.items()) if d >= period.start]
    notes = _ledger_notes(period, ("principals", "credentials"), "new access is in the population")
    if firsts:
        notes.append(
            "first observed in the period, so what it held then is not counted as new unless its creation "
            "time is in the period: " + ", ".join(firsts)
        )
    notes.append("a credential issued and deleted between two observed days is in no population")
    return Population(
        "new_access@period",
        f"Every credential issued and every identity (not groups, domains, public or root) created from "
        f"{period.start} to {period.end}: credential_lifecycle rows whose created_at (UTC date) is in the "
        "period, or, without a created_at, whose first_seen is; and principal_lifecycle rows first seen in the "
        "period; in each case not merely present on the tenant's first observation (the ledger of each "
        "tenant's latest ledger of the period). issued_on is created_at's date or first_seen",
        _note(notes),
        NEW_ACCESS_COLUMNS,
        out,
        ["entity", "entity_id"],
        "issued_on",
        "name",
        True,
    )


def _first_observed(derived: dict) -> dict[tuple[str, str], dt.date]:
    """Per tenant, the first day its ledger saw any identity or credential: its first observation."""
    first: dict[tuple[str, str], dt.date] = {}
    for name in ("principal_lifecycle", "credential_lifecycle"):
        tbl = _table(derived, name, ["provider", "tenant_id", "first_seen"])
        if tbl is None or tbl.num_rows == 0:
            continue
        agg = tbl.group_by(["provider", "tenant_id"]).aggregate([("first_seen", "min")]).to_pylist()
        for r in agg:
            k = (r["provider"], r["tenant_id"])
            first[k] = min(first.get(k, r["first_seen_min"]), r["first_seen_min"])
    return first


NEW_ACCESS_TYPES = {
    **{c: pa.date32() for c in ("issued_on", "first_seen", "previous_observed_on", "ledger_date")},
    "created_at": pa.timestamp("us", tz="UTC"),
}


def _new(period: Period, tbl: pa.Table, entity: str, entity_id: str, name: str, table: str) -> pa.Table:
    out = {
        "provider": tbl["provider"],
        "tenant_id": tbl["tenant_id"],
        "entity": pa.repeat(pa.scalar(entity), tbl.num_rows),
        "entity_id": tbl[entity_id],
        "name": tbl[name],
        "kind": tbl["kind"],
        "issued_on": tbl["issued_on"],
        "created_at": tbl["created_at"],
        "first_seen": tbl["first_seen"],
        "previous_observed_on": period.previous_observed_of(tbl, table, tbl["first_seen"]),
        "status": tbl["status"],
        "ledger_date": tbl["snapshot_date"],
    }
    return pa.table(out).cast(pa.schema([(c, NEW_ACCESS_TYPES.get(c, pa.string())) for c in out]))


GRANT_COLUMNS = [
    "provider",
    "tenant_id",
    *GRANT_KEY,
    "role_name",
    "change",
    "privilege",
    "privilege_before",
    "seen_on",
    "baseline_date",
]


GRANT_SCHEMA = pa.schema(
    [(c, pa.date32() if c in ("seen_on", "baseline_date") else pa.string()) for c in GRANT_COLUMNS]
)


def privileged_grants_added(period: Period, derived: dict) -> Population:
    """Grants that appeared admin-equivalent or escalation-capable in the period, or rose to that."""
    ch = derived.get("changes")
    out, notes = [], []
    if ch is None:
        notes.append("no changes were derived for the period: no grant addition can be shown (not zero)")
    else:
        ch = ch.filter(
            pc.and_kleene(pc.equal(ch["table_name"], "grants"), _in_period(ch["snapshot_date"], period))
        )
        # only rows that can be an addition are decoded: compared with a baseline, and whose new values name
        # a privilege (every added row does; a modified one only if its privilege changed)
        decode = pc.and_(
            pc.and_(pc.not_equal(ch["change"], "unknown"), pc.is_valid(ch["baseline_date"])),
            pc.fill_null(pc.match_substring(ch["after"], "privilege"), False),
        )
        cols = ["provider", "tenant_id", "snapshot_date", "entity_key", "change", "changed_columns"]
        for r in ch.filter(decode).select([*cols, "before", "after", "baseline_date", "reason"]).to_pylist():
            row = _privileged(r)
            if row is not None:
                out.append(row)
        unknown = {}
        gaps = ch.filter(pc.equal(ch["change"], "unknown")).select(["provider", "tenant_id", "snapshot_date"])
        for r in (
            gaps.group_by(["provider", "tenant_id", "snapshot_date"], use_threads=False)
            .aggregate([])
            .to_pylist()
        ):
            unknown.setdefault((r["provider"], r["tenant_id"]), set()).add(r["snapshot_date"])
        for key in period.tenants:
            gaps = period.not_complete(key, ("grants", "changes"), period.end)
            if gaps:
                notes.append(
                    f"{key[0]}:{key[1]}: grants/changes not observed completely on {gaps} ({GAP_NOTE})"
                )
            if key in unknown:
                days = ", ".join(str(d) for d in sorted(unknown[key]))
                notes.append(
                    f"{key[0]}:{key[1]}: grants could not be compared with a complete baseline on {days}"
                )
    notes.append("a grant added and removed between two observed days is in no population")
    return Population(
        "privileged_grants_added@period",
        f"Every grant seen from {period.start} to {period.end} conferring admin or escalation privilege that was "
        "added since the tenant's previous complete snapshot, or whose privilege rose to that (the changes "
        "tables: table_name grants, change added or modified, with a baseline; as the rule "
        "privileged_grant_added reads them). seen_on is the day it was first seen, baseline_date the day "
        "compared with",
        _note(notes),
        GRANT_COLUMNS,
        pa.Table.from_pylist(out, schema=GRANT_SCHEMA),
        list(GRANT_KEY),
        "seen_on",
        "role_name",
        True,
    )


def _privileged(r: dict) -> dict | None:
    if r["baseline_date"] is None:
        return None  # first comparable observation: not an addition
    after = json.loads(r["after"] or "{}")
    before = json.loads(r["before"] or "{}")
    if r["change"] == "modified" and "privilege" not in (r["changed_columns"] or []):
        return None
    new, old = after.get("privilege"), before.get("privilege")
    if new not in PRIVILEGED or (old is not None and RANK.get(new, 0) <= RANK.get(old, 0)):
        return None
    key = json.loads(r["entity_key"])
    return {
        "provider": r["provider"],
        "tenant_id": r["tenant_id"],
        **{k: key.get(k) for k in GRANT_KEY},
        "role_name": after.get("role_name") or key.get("role_id"),
        "change": r["change"],
        "privilege": new,
        "privilege_before": old,
        "seen_on": r["snapshot_date"],
        "baseline_date": r["baseline_date"],
    }


CREDENTIAL_COLUMNS = [
    "provider",
    "tenant_id",
    "credential_id",
    "principal_id",
    "principal_name",
    "kind",
    "external_id",
    "managed_by",
    "created_at",
    "first_seen",
    "last_seen",
    "deactivated_on",
    "deleted_on",
    "status",
    "ledger_date",
]
PRINCIPAL_COLUMNS = [
    "provider",
    "tenant_id",
    "principal_id",
    "name",
    "kind",
    "is_nhi",
    "first_seen",
    "last_seen",
    "disabled_on",
    "removed_on",
    "status",
    "ledger_date",
]


DATES = ("first_seen", "last_seen", "deactivated_on", "disabled_on", "ledger_date")
EXISTED_TYPES = {"created_at": pa.timestamp("us", tz="UTC"), "is_nhi": pa.bool_()}


def existed(period: Period, derived: dict, table: str) -> Population:
    """Every credential (or identity) observed on a day of the period or whose deletion was first seen in it."""
    creds = table == "credentials"
    name, columns = (
        ("credential_lifecycle", CREDENTIAL_COLUMNS) if creds else ("principal_lifecycle", PRINCIPAL_COLUMNS)
    )
    gone = "deleted_on" if creds else "removed_on"
    tbl = _table(derived, name, [*[c for c in columns if c != "ledger_date"], "snapshot_date"])
    if tbl is None:
        rows = _empty(columns, {c: pa.date32() for c in (*DATES, gone)} | EXISTED_TYPES)
    else:
        start = pa.scalar(period.start, pa.date32())
        seen = pc.or_kleene(pc.greater_equal(tbl["last_seen"], start), pc.greater_equal(tbl[gone], start))
        rows = tbl.filter(pc.fill_null(seen, False)).rename_columns(
            [("ledger_date" if c == "snapshot_date" else c) for c in tbl.column_names]
        )
        rows = rows.select(columns)
    what = "credentials" if creds else "identities"
    ident = "credential_id" if creds else "principal_id"
    return Population(
        f"{table}@period",
        f"Every {what[:-1]} of each tenant's latest ledger of the period ({name}) seen on a day from "
        f"{period.start} to {period.end}, or whose {gone.removesuffix('_on')} was first seen in it: those "
        f"{'deleted' if creds else 'removed'} before the period's end included",
        _note(
            _ledger_notes(period, (table,), f"{what} are in the population")
            + [
                f"one {what[:-1]} created and {'deleted' if creds else 'removed'} between two observed days is in no population"
            ]
        ),
        columns,
        rows,
        [ident],
        "last_seen",
        "principal_name" if creds else "name",
        False,
    )


def period_populations(
    params, tenants: list[tuple[str, str]], coverage_rows: list[dict], derived: dict, slas: dict
) -> list[Population]:
    period = Period(params.period_start, params.period_end, tenants, coverage_rows)
    return [
        offboardings(period, derived, slas),
        new_access(period, derived),
        privileged_grants_added(period, derived),
        existed(period, derived, "credentials"),
        existed(period, derived, "principals"),
    ]


def write(work: Path, pop: Population) -> None:
    """The population in full, one row per member in member_key order, with its member_key first."""
    (work / PERIOD_DIR).mkdir(exist_ok=True)
    order = pc.sort_indices(pop.member_keys)  # a stable sort: rows of equal keys keep their order
    tbl = pop.table.select(pop.columns).take(order)
    columnar.write_csv(
        work / pop.file, ["member_key", *pop.columns], [pop.member_keys.take(order), *tbl.columns]
    )
