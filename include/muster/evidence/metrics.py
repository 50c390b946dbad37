"""The figures the report shows, computed from the bundle's own files (so each one can be re-derived).

Counts over time come from the daily manifests' row counts; ages and NHI counts from the as-of population
of each tenant (its latest sealed snapshot in the bundle); findings and revocation latency from the derived
tables, when they were sealed for the period. Pure: the as-of time is passed in, never read from a clock.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..snapshot import SnapshotRef
from .gather import population_dir

AGE_BUCKETS = ((30, "< 30 d"), (90, "30-89 d"), (180, "90-179 d"), (365, "180-364 d"), (None, ">= 365 d"))
SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")


def as_of_refs(manifests: dict[SnapshotRef, dict]) -> dict[tuple[str, str], SnapshotRef]:
    """Per tenant, the latest sealed snapshot in the bundle (the population an as-of view is read from)."""
    out: dict[tuple[str, str], SnapshotRef] = {}
    for ref in sorted(manifests):
        out[(ref.provider, ref.tenant_id)] = ref
    return out


def read_bundle_table(out: Path, ref: SnapshotRef, table: str, columns: list[str] | None = None) -> pa.Table:
    return pq.read_table(out / population_dir(ref) / f"{table}.parquet", columns=columns)


def counts_over_time(manifests: dict[SnapshotRef, dict], dates: list[dt.date]) -> list[dict]:
    """Per day: tenants sealed, and rows of each inventory table summed over tenants (from the manifests)."""
    per_day: dict[dt.date, Counter] = {d: Counter() for d in dates}
    for ref, m in manifests.items():
        c = per_day[ref.snapshot_date]
        c["tenants"] += 1
        for t in ("principals", "credentials", "grants", "role_definitions"):
            c[t] += m["tables"].get(t, {}).get("rows", 0)
    return [{"date": d, **{k: per_day[d][k] for k in _COUNT_KEYS}} for d in dates]


_COUNT_KEYS = ("tenants", "principals", "credentials", "grants", "role_definitions")


def credential_ages(out: Path, refs: dict, as_of: dict[tuple[str, str], dt.datetime]) -> dict:
    """Active / inactive credentials by age bucket at each tenant's as-of snapshot (age = as_of - created)."""
    ages: dict[str, Counter] = {"active": Counter(), "inactive": Counter()}
    cols = ["status", "created_at", "kind"]
    for key, ref in sorted(refs.items()):
        tbl = read_bundle_table(out, ref, "credentials", cols)
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


def identity_counts(out: Path, refs: dict) -> list[dict]:
    """Per tenant at its as-of snapshot: principals, NHIs, humans, credentials, active credentials."""
    rows = []
    for (provider, tenant), ref in sorted(refs.items()):
        p = read_bundle_table(out, ref, "principals", ["is_nhi"])
        c = read_bundle_table(out, ref, "credentials", ["status"])
        nhi = pc.sum(p["is_nhi"]).as_py() or 0
        rows.append(
            {
                "provider": provider,
                "tenant_id": tenant,
                "as_of": ref.snapshot_date,
                "principals": p.num_rows,
                "nhis": nhi,
                "humans": p.num_rows - nhi,
                "credentials": c.num_rows,
                "active_credentials": pc.sum(pc.equal(c["status"], "active")).as_py() or 0,
            }
        )
    return rows


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
