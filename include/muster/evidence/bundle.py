"""Build one audit-period evidence bundle from the sealed store: the steps, in order.

select tenants -> coverage + reconciliation -> copy populations -> gather derived tables -> findings views
-> samples -> report -> README -> manifest.json -> SHA256SUMS -> signature. The bundle is assembled in
`<out>.partial` and renamed into place only when complete. No wall clock: `generated_at` is a parameter or
the latest collection time among the inputs, so the same inputs give byte-identical bundles.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import platform
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from .. import __version__
from ..config import Scope
from ..schema import SCHEMA_VERSION, SNAPSHOT_TABLES
from ..snapshot import SnapshotRef, SnapshotStore, parquet_bytes
from . import coverage as cov_mod
from . import integrity as ig
from . import metrics, readme, report, samples, tabular
from .gather import chain, copy_populations, gather_derived
from .params import BundleError, BundleParams
from .records import listings, run_records
from .scoping import Selection, select

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BundleResult:
    path: Path
    report: Path
    bundle_id: str
    files: int
    gaps: int
    signed: bool


def build_bundle(
    root: str,
    out: str | Path,
    params: BundleParams,
    *,
    scope: Scope | None = None,
    signing_key=None,
    workers: int = 4,
) -> BundleResult:
    """Build the bundle `params` asks for from the sealed store at `root` into the new directory `out`."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise BundleError(f"{out} exists and is not empty: a bundle is never written over another")
    work = out.with_name(out.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    store = SnapshotStore(root)
    dates = params.dates()
    found = listings(store, dates[0], dates[-1])
    selection = select(store, scope, params, found)
    cov = cov_mod.compute(store, selection, dates, found, run_records(store, dates[0], dates[-1]))
    refs = sorted(cov.manifests)
    files, collection_rows = copy_populations(store, refs, work, workers)
    derived, derived_inputs = gather_derived(store, [t.key for t in selection.tenants], dates)
    generated_at = params.generated_at or _generated_at(cov.manifests, params)
    stats = metrics.findings_over_time(derived.get("findings"), dates)
    distinct = tabular.distinct_findings(derived["findings"]) if "findings" in derived else None
    ctx = _write_tables(work, cov, derived, stats["rules"], distinct, generated_at)
    ctx.update(_analyse(work, params, selection, cov, derived, dates, scope, stats, distinct))
    chains = chain(store, refs)
    bundle_id = _bundle_id(params, chains, derived_inputs)
    ctx.update(
        params=params.recorded(),
        root=root,
        generated_at=generated_at.isoformat(),
        bundle_id=bundle_id,
        versions=_versions(signing_key is not None),
        selection=_selection_dict(selection),
    )
    (work / "report.html").write_text(report.render(ctx), encoding="utf-8")
    (work / "README.md").write_text(readme.render(ctx["params"], selection.note, selection.criteria))
    if signing_key is not None:
        (work / ig.PUBLIC_KEY).write_bytes(ig.public_pem(signing_key))
    hashes = {rel: ig.sha256_file(work / rel) for rel in ig.bundle_files(work) if rel not in files}
    hashes.update(files)
    manifest = _manifest(ctx, cov, chains, derived_inputs, hashes, _effort(collection_rows))
    (work / ig.MANIFEST).write_bytes(ig.canonical(manifest))
    hashes[ig.MANIFEST] = ig.sha256_file(work / ig.MANIFEST)
    sums = ig.write_sums(work, hashes)
    if signing_key is not None:
        ig.sign(work, signing_key, sums)
    if out.exists():
        out.rmdir()
    work.rename(out)
    log.info("bundle %s: %d files, %d gap(s) -> %s", bundle_id, len(hashes), len(ctx["gaps"]), out)
    return BundleResult(
        out, out / "report.html", bundle_id, len(hashes) + 1, len(ctx["gaps"]), bool(signing_key)
    )


def _generated_at(manifests: dict[SnapshotRef, dict], params: BundleParams) -> dt.datetime:
    """The latest collection time among the inputs; with none, the end of the period."""
    times = [dt.datetime.fromisoformat(m["collected_at"]) for m in manifests.values()]
    end = dt.datetime.combine(params.period_end + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    return max(times).astimezone(dt.UTC) if times else end


def _bundle_id(params: BundleParams, chains: dict, derived_inputs: list[dict]) -> str:
    material = ig.canonical(
        {
            "params": params.recorded(),
            "chain": {t: [e["sha256"] for e in es] for t, es in sorted(chains.items())},
            "derived": [d["manifest_sha256"] for d in derived_inputs],
        }
    )
    return hashlib.sha256(material).hexdigest()[:16]


def _versions(signed: bool) -> dict:
    import xlsxwriter

    out = {
        "muster": __version__,
        "schema": SCHEMA_VERSION,
        "pyarrow": pa.__version__,
        "xlsxwriter": xlsxwriter.__version__,
        "python": platform.python_version(),
    }
    if signed:
        import cryptography

        out["cryptography"] = cryptography.__version__
    return out


def _write_tables(
    work: Path, cov: cov_mod.Coverage, derived: dict, summary: list, rows, generated_at
) -> dict:
    """coverage / reconciliation / derived tables as Parquet and CSV; the findings views; return context."""
    cov_tbl = cov.table()
    (work / "coverage.parquet").write_bytes(parquet_bytes(cov_tbl))
    tabular.table_to_csv(work / "coverage.csv", cov_tbl)
    tabular.table_to_csv(work / "reconciliation.csv", cov.reconciliation_table())
    for name, tbl in sorted(derived.items()):
        (work / f"{name}.parquet").write_bytes(parquet_bytes(tbl))
    if rows is not None:
        crit = {}
        for r in rows:
            crit.setdefault(r["rule_id"], set()).update(r["criteria"] or [])
        for s in summary:
            s["criteria"] = sorted(crit.get(s["rule_id"], ()))
        tabular.write_csv(
            work / "findings.csv",
            tabular.FINDING_COLUMNS,
            ([r.get(c) for c in tabular.FINDING_COLUMNS] for r in rows),
        )
        tabular.write_findings_xlsx(work / "findings.xlsx", rows, summary, generated_at)
    return {"has_findings": rows is not None}


def _analyse(
    work: Path, params: BundleParams, sel: Selection, cov, derived, dates, scope, stats, distinct
) -> dict:
    asof = metrics.as_of_refs(cov.manifests)
    as_of_time = {k: dt.datetime.fromisoformat(cov.manifests[r]["collected_at"]) for k, r in asof.items()}
    pops, drawn = _populations(work, params, asof, cov, derived, distinct)
    samples_tbl = pa.Table.from_pylist(drawn, schema=samples.SAMPLE_SCHEMA)
    tabular.table_to_csv(work / "samples.csv", samples_tbl)
    return {
        "coverage": _heat(sel, cov, dates),
        "gaps": [
            {**g, "tenant": f"{g['provider']}:{g['tenant_id']}", "date": g["date"].isoformat()}
            for g in cov.gaps()
        ],
        "reconciliation": _recon_summary(cov),
        "counts": metrics.counts_over_time(cov.manifests, dates),
        "identities": metrics.identity_counts(work, asof),
        "ages": metrics.credential_ages(work, asof, as_of_time),
        "findings": stats,
        "latency": metrics.revocation_latency(derived),
        "sla_days": _sla(scope, sel),
        "populations": pops,
    }


def _sla(scope: Scope | None, sel: Selection) -> int:
    if scope is None:
        return 1
    slas = [t.thresholds.revocation_sla_days for t in scope.tenants if (t.provider, t.id) in sel.keys()]
    return min(slas) if slas else 1


def _heat(sel: Selection, cov: cov_mod.Coverage, dates: list[dt.date]) -> dict:
    status = cov.day_status()
    rows = [t.label for t in sel.tenants]
    cols = [d.isoformat() for d in dates]
    cells = {(f"{p}:{t}", d.isoformat()): s for (p, t, d), s in status.items()}
    return {"rows": rows, "cols": cols, "cells": cells}


def _recon_summary(cov: cov_mod.Coverage) -> dict:
    rows = cov.reconciliation
    problems = [
        [r["date"].isoformat(), f"{r['provider']}:{r['source']}", r["tenant_id"] or "-", r["outcome"]]
        for r in rows
        if r["outcome"].startswith(("MISSING", "discovery"))
    ]
    if not rows:
        summary = (
            "No discovery records in the period: the tenant list is the scope file's (nothing to reconcile)."
        )
    else:
        summary = (
            f"{len(rows)} listing row(s) from {len({(r['provider'], r['source']) for r in rows})} source(s); "
            f"{len(problems)} problem(s)."
        )
    return {"summary": summary, "problems": problems}


def _populations(work: Path, params: BundleParams, asof: dict, cov, derived, distinct) -> tuple[list, list]:
    """Population definitions and the seeded sample of each."""
    defs, drawn = [], []
    view = (
        "the as-of snapshot"
        if params.report_type == "type1"
        else "each tenant's latest snapshot in the period"
    )
    for table, label, extra in (
        ("principals", "name", None),
        ("principals", "name", "is_nhi"),
        ("credentials", "external_id", None),
        ("grants", "role_name", None),
    ):
        spec = SNAPSHOT_TABLES[table]
        key_cols = [k for k in spec.primary_key if k not in ("provider", "tenant_id", "snapshot_date")]
        name = f"{'nhi_' if extra else ''}{table}@as_of"
        members = []
        for ref in asof.values():
            cols = sorted({"provider", "tenant_id", label, *key_cols, *([extra] if extra else [])})
            tbl = metrics.read_bundle_table(work, ref, table, cols)
            if extra:
                tbl = tbl.filter(tbl[extra])
            members += samples.members_of(tbl, key_cols, label, ref.snapshot_date.isoformat())
        what = "non-human identities (is_nhi)" if extra else f"rows of {table}"
        defs.append(
            {"name": name, "definition": f"All {what} in {view} of every in-scope tenant", "members": members}
        )
    if params.report_type == "type2":
        days = [
            {
                "key": {
                    "provider": r.provider,
                    "tenant_id": r.tenant_id,
                    "date": r.snapshot_date.isoformat(),
                },
                "provider": r.provider,
                "tenant_id": r.tenant_id,
                "date": r.snapshot_date.isoformat(),
                "label": cov.manifests[r]["status"],
            }
            for r in sorted(cov.manifests)
        ]
        defs.append(
            {"name": "tenant_days", "definition": "Every sealed tenant-day of the period", "members": days}
        )
        if "changes" in derived:
            ch = derived["changes"].filter(pa.compute.not_equal(derived["changes"]["change"], "unknown"))
            defs.append(
                {
                    "name": "changes",
                    "definition": "Every added, removed or modified entity in the period",
                    "members": samples.members_of(ch, ["table_name", "entity_key", "change"], "change"),
                }
            )
    if distinct is not None:
        rows = distinct
        members = [
            {
                "key": {
                    "provider": r["provider"],
                    "tenant_id": r["tenant_id"],
                    "finding_id": r["finding_id"],
                },
                "provider": r["provider"],
                "tenant_id": r["tenant_id"],
                "date": r["last_seen"].isoformat(),
                "label": r["rule_id"],
            }
            for r in rows
        ]
        defs.append(
            {"name": "findings", "definition": "Every distinct finding in the bundle", "members": members}
        )
    out = []
    for d in defs:
        sample = samples.draw(d["name"], d["members"], params.sample_size, params.seed)
        drawn += sample
        out.append(
            {
                "name": d["name"],
                "definition": d["definition"],
                "size": len(d["members"]),
                "sampled": len(sample),
            }
        )
    return out, drawn


def _selection_dict(sel: Selection) -> dict:
    return {
        "note": sel.note,
        "tenants": [
            {"label": t.label, "name": t.name, "why": t.why, "objectives": list(t.objectives)}
            for t in sel.tenants
        ],
        "criteria": sel.criteria,
        "out_of_scope": list(sel.out_of_scope),
    }


def _effort(rows: list[tuple[SnapshotRef, dict]]) -> list[dict]:
    """API effort per tenant x entity over the bundle's days, from the copied collection tables."""
    acc: dict[tuple, dict] = {}
    for ref, r in rows:
        key = (ref.provider, ref.tenant_id, r["entity"])
        a = acc.get(key)
        if a is None:
            a = acc[key] = {
                "provider": key[0],
                "tenant_id": key[1],
                "entity": key[2],
                "days": 0,
                "statuses": {},
                "callers": set(),
                "source_as_of_min": None,
                "source_as_of_max": None,
            }
            a.update({k: 0 for k in _SUMMED})
        a["days"] += 1
        for k in _SUMMED:
            a[k] += r[k]
        a["statuses"][r["status"]] = a["statuses"].get(r["status"], 0) + 1
        if r["caller_identity"]:
            a["callers"].add(r["caller_identity"])
        if r["source_as_of"] is not None:
            t = r["source_as_of"].isoformat()
            a["source_as_of_min"] = min(a["source_as_of_min"] or t, t)
            a["source_as_of_max"] = max(a["source_as_of_max"] or t, t)
    return [
        {**a, "statuses": dict(sorted(a["statuses"].items())), "callers": sorted(a["callers"])}
        for _, a in sorted(acc.items())
    ]


_SUMMED = ("api_calls", "pages", "retries", "throttles", "items")


DERIVATIONS = {
    "populations/": "Byte copies of the sealed snapshots (SnapshotStore) of the in-scope tenants on the bundle's "
    "days, each checked against its sealed _MANIFEST.json before copying.",
    "coverage.csv": "For each in-scope tenant and day: the status of each table in that day's _MANIFEST.json; "
    "'missing' where no snapshot was sealed; derived kinds from their sealed partitions.",
    "reconciliation.csv": "Every tenant listed by discovery/provider=P/source=S/date=D/*.json in the period, "
    "joined with the sealed snapshots of that day.",
    "findings.parquet": "Concatenation of the sealed findings partitions of the in-scope tenants on the bundle's days.",
    "findings.csv": "findings.parquet grouped by (provider, tenant_id, finding_id): first/last snapshot_date, "
    "days observed, latest row.",
    "samples.csv": "Per population the sample_size members with the smallest sha256('seed:population:member_key').",
    "report.html": "Counts from daily manifests; ages and identity counts from each tenant's latest population; "
    "findings and latency from the derived tables.",
}


def _manifest(ctx: dict, cov, chains: dict, derived_inputs: list, hashes: dict, effort: list) -> dict:
    return {
        "muster_bundle": 1,
        "bundle_id": ctx["bundle_id"],
        "generated_at": ctx["generated_at"],
        "params": ctx["params"],
        "root": ctx["root"],
        "versions": ctx["versions"],
        "scope": ctx["selection"],
        "derivations": DERIVATIONS,
        "collection_effort": effort,
        "coverage_summary": _coverage_summary(cov),
        "gaps": ctx["gaps"],
        "chain": chains,
        "derived_inputs": derived_inputs,
        "files": {k: v for k, v in sorted(hashes.items())},
    }


def _coverage_summary(cov: cov_mod.Coverage) -> dict:
    out: dict[str, dict[str, int]] = {}
    for r in cov.rows:
        t = out.setdefault(r["table"], {})
        t[r["status"]] = t.get(r["status"], 0) + 1
    return out
