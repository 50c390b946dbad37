"""The figures the report shows, computed from the bundle's own files (so each one can be re-derived).

Counts over time come from the coverage rows (the daily manifests' statuses and row counts); ages and NHI
counts from the as-of population of each tenant: per table, its latest snapshot in the bundle on which that
table was observed (`population_sources`). Findings and revocation latency come from the derived tables,
when they were sealed for the period. Pure: the as-of time is passed in, never read from a clock.

A failed or missing day holds no observation: it is skipped (a population is never read from it and a count
is never taken as 0 from it), and what was skipped is named. A partial table is a population with a known
hole: it is used, and labelled partial wherever it is shown.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..schema import INVENTORY_TABLES
from ..snapshot import SnapshotRef
from .gather import population_dir

AGE_BUCKETS = ((30, "< 30 d"), (90, "30-89 d"), (180, "90-179 d"), (365, "180-364 d"), (None, ">= 365 d"))
SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")
#: Coverage statuses of a table that was read from the provider (partial: with a known hole).
OBSERVED = ("complete", "partial")
#: The status of a tenant's table that no day of the bundle observed: no population (not an empty one).
NOT_OBSERVED = "not_observed"


@dataclass(frozen=True)
class Source:
    """The snapshot one tenant's population of one table is read from, and how complete that table was."""

    ref: SnapshotRef
    status: str


def population_sources(coverage_rows: list[dict]) -> list[dict]:
    """Per in-scope tenant and inventory table: the day its as-of population comes from, with its status.

    That day is the latest of the bundle on which the table was observed (complete or partial); later days
    that were failed or missing are named in `note`, and a table no day observed is `not_observed`, with no
    date and no rows. Sorted by provider, tenant and table (written to population_sources.csv)."""
    days: dict[tuple[str, str, str], list[dict]] = {}
    for r in coverage_rows:
        if r["table"] in INVENTORY_TABLES:
            days.setdefault((r["provider"], r["tenant_id"], r["table"]), []).append(r)
    out = []
    for (provider, tenant, table), rows in sorted(days.items()):
        rows = sorted(rows, key=lambda r: r["date"])
        seen = [r for r in rows if r["status"] in OBSERVED]
        src = seen[-1] if seen else None
        skipped = [r for r in rows if src is None or r["date"] > src["date"]]
        notes = [f"partial: {src['reason']}"] if src and src["status"] == "partial" else []
        if src is None:
            notes.append(f"no day of the bundle observed it ({_days(skipped)}): no population, not zero")
        elif skipped:
            notes.append(f"later day(s) not observed, so not used: {_days(skipped)}")
        out.append(
            {
                "provider": provider,
                "tenant_id": tenant,
                "table": table,
                "snapshot_date": src["date"] if src else None,
                "status": src["status"] if src else NOT_OBSERVED,
                "rows": src["rows"] if src else None,
                "note": "; ".join(notes) or None,
            }
        )
    return out


def _days(rows: list[dict]) -> str:
    """'2026-11-06 failed', or for several days their span and a count per status."""
    if len(rows) == 1:
        return f"{rows[0]['date']} {rows[0]['status']}"
    per = Counter(r["status"] for r in rows)
    counts = ", ".join(f"{status} {n}" for status, n in sorted(per.items()))
    return f"{len(rows)} days from {rows[0]['date']} to {rows[-1]['date']}: {counts}"


def as_of_sources(sources: list[dict]) -> dict[tuple[str, str], dict[str, Source | None]]:
    """`population_sources` by tenant and table: the Source to read, or None where nothing was observed."""
    out: dict[tuple[str, str], dict[str, Source | None]] = {}
    for s in sources:
        key = (s["provider"], s["tenant_id"])
        ref = SnapshotRef(*key, s["snapshot_date"]) if s["snapshot_date"] else None
        out.setdefault(key, {})[s["table"]] = Source(ref, s["status"]) if ref else None
    return out


def read_bundle_table(out: Path, ref: SnapshotRef, table: str, columns: list[str] | None = None) -> pa.Table:
    return pq.read_table(out / population_dir(ref) / f"{table}.parquet", columns=columns)


def counts_over_time(coverage_rows: list[dict], dates: list[dt.date], tenants: int) -> list[dict]:
    """Per day: tenants sealed, and rows of each inventory table summed over the tenants on which it was
    observed (None when no tenant's was: a gap, never 0), with `short` naming each in-scope tenant whose
    tables were not all complete that day (its rows are missing from, or incomplete in, the sums)."""
    sums: dict[dt.date, Counter] = {d: Counter() for d in dates}
    seen: dict[dt.date, set[str]] = {d: set() for d in dates}
    sealed: dict[dt.date, set[str]] = {d: set() for d in dates}
    not_complete: dict[dt.date, dict[str, set[str]]] = {d: {} for d in dates}
    for r in coverage_rows:
        if r["table"] not in INVENTORY_TABLES or r["date"] not in sums:
            continue
        d, label = r["date"], f"{r['provider']}:{r['tenant_id']}"
        if r["status"] != "missing":
            sealed[d].add(label)
        if r["status"] in OBSERVED:
            sums[d][r["table"]] += r["rows"] or 0
            seen[d].add(r["table"])
        if r["status"] != "complete":
            not_complete[d].setdefault(label, set()).add(r["status"])
    return [
        {
            "date": d,
            "tenants": len(sealed[d]),
            "in_scope": tenants,
            **{t: (sums[d][t] if t in seen[d] else None) for t in INVENTORY_TABLES},
            "short": [f"{label} {'/'.join(sorted(st))}" for label, st in sorted(not_complete[d].items())],
        }
        for d in dates
    ]


def credential_ages(out: Path, sources: dict, as_of: dict[tuple[str, str], dt.datetime]) -> dict:
    """Active / inactive credentials by age bucket in each tenant's as-of credentials population (age =
    as_of - created); tenants whose credentials no day observed add nothing (they are named elsewhere)."""
    ages: dict[str, Counter] = {"active": Counter(), "inactive": Counter()}
    cols = ["status", "created_at", "kind"]
    for key, tables in sorted(sources.items()):
        src = tables.get("credentials")
        if src is None:
            continue
        tbl = read_bundle_table(out, src.ref, "credentials", cols)
        at = pa.scalar(as_of[key], pa.timestamp("us", tz="UTC"))
        days = pc.divide(pc.cast(pc.subtract(at, tbl["created_at"]), pa.int64()), 86_400_000_000).to_pylist()
        for status, d in zip(tbl["status"].to_pylist(), days, strict=True):
            ages["active" if status == "active" else "inactive"][_bucket(d)] += 1
    labels = [b[1] for b in AGE_BUCKETS] + ["unknown"]
    return {k: [ages[k][lb] for lb in labels] for k in ages} | {"labels": labels}


def _bucket(days: int | None) -> str:
    if days is None:
        return "unknown"
    for limit, label in AGE_BUCKETS:
        if limit is None or days < limit:
            return label
    return AGE_BUCKETS[-1][1]


def identity_counts(out: Path, sources: dict) -> list[dict]:
    """Per in-scope tenant: principals, NHIs and humans from its principals population, credentials and
    active ones from its credentials population, each with the day and status it comes from; None (not 0)
    where no day of the bundle observed that table."""
    rows = []
    for (provider, tenant), tables in sorted(sources.items()):
        row = {"provider": provider, "tenant_id": tenant}
        p, c = tables.get("principals"), tables.get("credentials")
        row.update(_from("principals", p) | _from("credentials", c))
        row.update(principals=None, nhis=None, humans=None, credentials=None, active_credentials=None)
        if p is not None:
            tbl = read_bundle_table(out, p.ref, "principals", ["is_nhi"])
            nhi = pc.sum(tbl["is_nhi"]).as_py() or 0
            row.update(principals=tbl.num_rows, nhis=nhi, humans=tbl.num_rows - nhi)
        if c is not None:
            tbl = read_bundle_table(out, c.ref, "credentials", ["status"])
            active = pc.sum(pc.equal(tbl["status"], "active")).as_py() or 0
            row.update(credentials=tbl.num_rows, active_credentials=active)
        rows.append(row)
    return rows


def _from(table: str, src: Source | None) -> dict:
    return {
        f"{table}_as_of": src.ref.snapshot_date if src else None,
        f"{table}_status": src.status if src else NOT_OBSERVED,
    }


def findings_over_time(findings: pa.Table | None, dates: list[dt.date]) -> dict:
    """Failing findings per day by severity, and per rule the totals over the bundle's days (Arrow group-bys)."""
    by_day = {d: Counter() for d in dates}
    if findings is None or findings.num_rows == 0:
        return {"by_day": [{"date": d, **{s: 0 for s in SEVERITY_ORDER}} for d in dates], "rules": []}
    fails = findings.filter(pc.equal(findings["result"], "fail"))
    for r in fails.group_by(["snapshot_date", "severity"]).aggregate([("rule_id", "count")]).to_pylist():
        if r["snapshot_date"] in by_day:
            by_day[r["snapshot_date"]][r["severity"]] += r["rule_id_count"]
    key = pc.binary_join_element_wise(
        findings["provider"], findings["tenant_id"], findings["finding_id"], "\x1f"
    )
    slim = findings.select(["rule_id", "severity", "result", "snapshot_date"]).append_column("key", key)
    per_rule = slim.group_by("rule_id").aggregate(
        [("severity", "max"), ("snapshot_date", "min"), ("snapshot_date", "max"), ("key", "count_distinct")]
    )
    results = {
        (r["rule_id"], r["result"]): r["severity_count"]
        for r in slim.group_by(["rule_id", "result"]).aggregate([("severity", "count")]).to_pylist()
    }
    rules = [
        {
            "rule_id": r["rule_id"],
            "severity": r["severity_max"],
            "fail": results.get((r["rule_id"], "fail"), 0),
            "unknown": results.get((r["rule_id"], "unknown"), 0),
            "first": r["snapshot_date_min"],
            "last": r["snapshot_date_max"],
            "distinct": r["key_count_distinct"],
        }
        for r in per_rule.to_pylist()
    ]
    order = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    return {
        "by_day": [{"date": d, **{s: by_day[d][s] for s in SEVERITY_ORDER}} for d in dates],
        "rules": sorted(rules, key=lambda r: (order.get(r["severity"], 9), r["rule_id"])),
    }


def revocation_latency(derived: dict[str, pa.Table]) -> list[dict]:
    """The ledger's revocation_latency rows (latest ledger per tenant): days from offboarding to revocation."""
    tbl = derived.get("revocation_latency")
    if tbl is None:
        return []
    cols = ["tenant_id", "principal_name", "external_id", "credential_id", "days", "sla_days", "state"]
    out = []
    for r in (
        tbl.select(cols).sort_by([("tenant_id", "ascending"), ("credential_id", "ascending")]).to_pylist()
    ):
        who = f"{r['principal_name'] or r['credential_id']} {r['external_id'] or ''}".strip()
        out.append(
            {
                "label": f"{who} ({r['state']})",
                "days": r["days"],
                "sla_days": r["sla_days"],
                "state": r["state"],
            }
        )
    return out
