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
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..ledger.revocation import NOT_A_PERSON
from ..rules.catalogue.privileged_grant_added import GRANT_KEY, PRIVILEGED, RANK
from . import tabular
from .metrics import OBSERVED

PERIOD_DIR = "period_populations"
#: Per-event populations are sampled at least this share (AUDIT.md: 10-20% of per-event populations).
EVENT_SHARE = 0.10


def event_sample_size(population: int, sample_size: int) -> int:
    """The bundle's sample_size, or 10% of a per-event population when that is more; never more than all."""
    return min(population, max(sample_size, math.ceil(population * EVENT_SHARE)))


@dataclass
class Population:
    """One population of the period: its rows (one per member) and how a member is keyed and named."""

    name: str
    definition: str
    completeness: str
    columns: list[str]
    rows: list[dict]
    key_columns: list[str]
    date_column: str
    label_column: str
    per_event: bool

    @property
    def file(self) -> str:
        return f"{PERIOD_DIR}/{self.name.removesuffix('@period')}.csv"

    def members(self) -> list[dict]:
        """The members `samples.draw` takes; the date is part of the key of an event (it is the event)."""
        out = []
        for r in self.rows:
            key = {"provider": r["provider"], "tenant_id": r["tenant_id"]}
            if self.per_event:
                key["date"] = _iso(r[self.date_column])
            key.update({c: r[c] for c in self.key_columns})
            out.append(
                {
                    "key": key,
                    "provider": r["provider"],
                    "tenant_id": r["tenant_id"],
                    "date": _iso(r[self.date_column]),
                    "label": r[self.label_column],
                }
            )
        return out


def _iso(v) -> str | None:
    return v.isoformat() if v is not None else None


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


def _rows(tbl: pa.Table | None, mask=None) -> list[dict]:
    if tbl is None:
        return []
    return (tbl.filter(mask) if mask is not None else tbl).to_pylist()


def _in_period(col, period: Period):
    start, end = pa.scalar(period.start, pa.date32()), pa.scalar(period.end, pa.date32())
    return pc.and_kleene(pc.greater_equal(col, start), pc.less_equal(col, end))


def _key(r: dict) -> tuple[str, str]:
    return (r["provider"], r["tenant_id"])


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


def offboardings(period: Period, derived: dict, slas: dict[tuple[str, str], int]) -> Population:
    """Identities disabled or removed in the period, with when their credentials and NHIs were revoked."""
    cols = ["provider", "tenant_id", "snapshot_date", "principal_id", "name", "kind", "is_nhi"]
    pl = _table(derived, "principal_lifecycle", [*cols, "disabled_on", "removed_on", "status"])
    rows = []
    if pl is not None:
        gone = pc.min_element_wise(pl["disabled_on"], pl["removed_on"])
        person = pc.invert(pc.is_in(pl["kind"], pa.array(NOT_A_PERSON)))
        pl = pl.append_column("offboarded_on", gone)
        rows = _rows(pl, pc.and_kleene(_in_period(gone, period), person))
    own = _own_credentials(derived, rows)
    nhis = _nhi_records(derived)
    out = []
    for r in rows:
        key, gone = _key(r), r["offboarded_on"]
        sla = slas.get(key, 1)
        mine = own.get((*key, r["principal_id"]), [])
        records = [_own_record(c, gone, r["snapshot_date"], sla) for c in mine]
        records = [x for x in records if x is not None]
        theirs = nhis.get(f"{key[0]}/{key[1]}/{r['principal_id']}", [])
        days = [x["days"] for x in records] + [x["days"] for x in theirs]
        within = [x["days"] <= x["sla_days"] for x in [*records, *theirs]]
        revoked = [x["revoked_on"] for x in records if x["revoked_on"] is not None]
        out.append(
            {
                **{c: r[c] for c in ("provider", "tenant_id", "principal_id", "name", "kind", "is_nhi")},
                "offboarding": "disabled"
                if r["disabled_on"] is not None
                and (r["removed_on"] is None or r["disabled_on"] <= r["removed_on"])
                else "removed",
                "offboarded_on": gone,
                "previous_observed_on": period.previous_observed(key, "principals", gone),
                "status": r["status"],
                "ledger_date": r["snapshot_date"],
                "sla_days": sla,
                "own_credentials": len(records),
                **{f"own_{s}": sum(x["state"] == s for x in records) for s in ("revoked", "open", "unknown")},
                "own_last_revoked_on": max(revoked, default=None),
                "owned_nhi_credentials": len(theirs),
                **{f"nhi_{s}": sum(x["state"] == s for x in theirs) for s in ("revoked", "open", "unknown")},
                "max_days": max(days, default=None),
                "within_sla": all(within) if within else None,
            }
        )
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


def _own_credentials(derived: dict, offboarded: list[dict]) -> dict[tuple[str, str, str], list[dict]]:
    cols = ["provider", "tenant_id", "principal_id", "managed_by", "deactivated_on", "deleted_on", "status"]
    cl = _table(derived, "credential_lifecycle", cols)
    if cl is None or not offboarded:
        return {}
    ids = pa.array(sorted({r["principal_id"] for r in offboarded}), pa.string())
    out: dict[tuple[str, str, str], list[dict]] = {}
    for c in _rows(cl, pc.is_in(cl["principal_id"], ids)):
        out.setdefault((c["provider"], c["tenant_id"], c["principal_id"]), []).append(c)
    return out


def _own_record(c: dict, gone: dt.date, ledger_date: dt.date, sla: int) -> dict | None:
    """One credential of an offboarded identity, unless provider-managed or revoked before it went."""
    revoked = min((d for d in (c["deactivated_on"], c["deleted_on"]) if d is not None), default=None)
    if c["managed_by"] == "provider" or (revoked is not None and revoked < gone):
        return None
    state = "revoked" if revoked else ("unknown" if c["status"] == "unknown" else "open")
    return {
        "revoked_on": revoked,
        "days": ((revoked or ledger_date) - gone).days,
        "sla_days": sla,
        "state": state,
    }


def _nhi_records(derived: dict) -> dict[str, list[dict]]:
    """revocation_latency rows by 'provider/tenant_id/principal_id' of each matched owner identity: the owner
    may be a person of another provider than the NHI (an Entra user owning an AWS service user)."""
    cols = ["owner_principals", "days", "sla_days", "state"]
    out: dict[str, list[dict]] = {}
    for r in _rows(_table(derived, "revocation_latency", cols)):
        for owner in r["owner_principals"] or []:
            out.setdefault(owner, []).append(r)
    return out


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
    out = []
    cols = ["provider", "tenant_id", "snapshot_date", "first_seen", "status", "kind"]
    cl = _table(derived, "credential_lifecycle", [*cols, "credential_id", "principal_name", "created_at"])
    if cl is not None:
        created = pc.cast(cl["created_at"], pa.date32())
        cl = cl.append_column("issued_on", pc.coalesce(created, cl["first_seen"]))
        for r in _rows(cl, _in_period(cl["issued_on"], period)):
            if r["created_at"] is None and r["first_seen"] <= first[_key(r)]:
                continue  # present on the tenant's first observation, with no creation time: not new
            out.append(_new(period, r, "credential", r["credential_id"], r["principal_name"], "credentials"))
    pl = _table(derived, "principal_lifecycle", [*cols, "principal_id", "name"])
    if pl is not None:
        person = pc.invert(pc.is_in(pl["kind"], pa.array(NOT_A_PERSON)))
        for r in _rows(pl, pc.and_kleene(_in_period(pl["first_seen"], period), person)):
            if r["first_seen"] > first[_key(r)]:
                r.update(issued_on=r["first_seen"], created_at=None)
                out.append(_new(period, r, "principal", r["principal_id"], r["name"], "principals"))
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
            k = _key(r)
            first[k] = min(first.get(k, r["first_seen_min"]), r["first_seen_min"])
    return first


def _new(period: Period, r: dict, entity: str, entity_id: str, name, table: str) -> dict:
    return {
        "provider": r["provider"],
        "tenant_id": r["tenant_id"],
        "entity": entity,
        "entity_id": entity_id,
        "name": name,
        "kind": r["kind"],
        "issued_on": r["issued_on"],
        "created_at": r["created_at"],
        "first_seen": r["first_seen"],
        "previous_observed_on": period.previous_observed(_key(r), table, r["first_seen"]),
        "status": r["status"],
        "ledger_date": r["snapshot_date"],
    }


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
        cols = ["provider", "tenant_id", "snapshot_date", "entity_key", "change", "changed_columns"]
        for r in _rows(ch.select([*cols, "before", "after", "baseline_date", "reason"])):
            if r["change"] == "unknown":
                continue
            row = _privileged(r)
            if row is not None:
                out.append(row)
        unknown = {}
        for r in _rows(ch.select(["provider", "tenant_id", "snapshot_date", "change"])):
            if r["change"] == "unknown":
                unknown.setdefault(_key(r), set()).add(r["snapshot_date"])
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
        out,
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


def existed(period: Period, derived: dict, table: str) -> Population:
    """Every credential (or identity) observed on a day of the period or whose deletion was first seen in it."""
    creds = table == "credentials"
    name, columns = (
        ("credential_lifecycle", CREDENTIAL_COLUMNS) if creds else ("principal_lifecycle", PRINCIPAL_COLUMNS)
    )
    gone = "deleted_on" if creds else "removed_on"
    tbl = _table(derived, name, [*[c for c in columns if c != "ledger_date"], "snapshot_date"])
    rows = []
    if tbl is not None:
        start = pa.scalar(period.start, pa.date32())
        seen = pc.or_kleene(pc.greater_equal(tbl["last_seen"], start), pc.greater_equal(tbl[gone], start))
        rows = _rows(tbl, pc.fill_null(seen, False))
        for r in rows:
            r["ledger_date"] = r.pop("snapshot_date")
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


def write(work: Path, pop: Population, member_keys: list[str]) -> None:
    """The population in full, one row per member in member_key order, with its member_key first."""
    (work / PERIOD_DIR).mkdir(exist_ok=True)
    order = sorted(range(len(pop.rows)), key=lambda i: member_keys[i])
    tabular.write_csv(
        work / pop.file,
        ["member_key", *pop.columns],
        ([member_keys[i], *(pop.rows[i].get(c) for c in pop.columns)] for i in order),
    )
