"""Build one audit-period evidence bundle from the sealed store: the steps, in order.

select tenants -> coverage + reconciliation -> copy populations -> gather derived tables -> findings views
-> samples -> report -> README -> manifest.json -> SHA256SUMS -> signature. The bundle is assembled in
`<out>.partial` and renamed into place only when complete. No wall clock: `generated_at` is a parameter or
the latest collection time among the inputs, so the same inputs give byte-identical bundles.
What manifest.json records is built in `manifest.py`, the populations to sample in `samples.py`.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from ..config import Scope
from ..providers.queries import QUERY_COLUMNS, query_rows
from ..snapshot import SnapshotRef, SnapshotStore, parquet_bytes
from . import coverage as cov_mod
from . import dispositions, metrics, readme, report, samples, tabular
from . import integrity as ig
from .gather import chain, copy_populations, gather_derived
from .manifest import _bundle_id, _effort, _manifest, _selection_dict, _versions
from .params import BundleError, BundleParams
from .records import listings, run_records
from .samples import _populations
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
    review = _review(work, derived, distinct, derived_inputs)
    ctx = _write_tables(work, cov, derived, stats["rules"], distinct, generated_at, review["rows"])
    ctx["dispositions"] = review
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


def _review(work: Path, derived: dict, distinct: list[dict] | None, derived_inputs: list[dict]) -> dict:
    """dispositions.csv and the disposition columns of the distinct findings, from the sealed dispositions."""
    disp = derived.get(dispositions.TABLE)
    if distinct is not None:
        dispositions.annotate_rows(distinct, disp)
    review = dispositions.summary(derived.get("findings"), disp, derived_inputs)
    dispositions.write_csv(work, review["rows"])
    return review


def _write_tables(
    work: Path, cov: cov_mod.Coverage, derived: dict, summary: list, rows, generated_at, reviewed=()
) -> dict:
    """coverage / reconciliation / derived tables as Parquet and CSV; the findings views; return context."""
    cov_tbl = cov.table()
    (work / "coverage.parquet").write_bytes(parquet_bytes(cov_tbl))
    tabular.table_to_csv(work / "coverage.csv", cov_tbl)
    tabular.table_to_csv(work / "reconciliation.csv", cov.reconciliation_table())
    # the requests behind every population of the bundle's providers: the "query" an auditor examines (IPE)
    queries = query_rows(sorted({r["provider"] for r in cov.rows}))
    tabular.write_csv(work / "queries.csv", QUERY_COLUMNS, ([q[c] for c in QUERY_COLUMNS] for q in queries))
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
        tabular.write_findings_xlsx(work / "findings.xlsx", rows, summary, generated_at, reviewed)
    return {"has_findings": rows is not None}


def _analyse(
    work: Path, params: BundleParams, sel: Selection, cov, derived, dates, scope, stats, distinct
) -> dict:
    sources = metrics.population_sources(cov.rows)
    tabular.table_to_csv(work / POPULATION_SOURCES, pa.Table.from_pylist(sources, schema=SOURCES_SCHEMA))
    asof = metrics.as_of_sources(sources)
    as_of_time = {
        k: dt.datetime.fromisoformat(cov.manifests[t["credentials"].ref]["collected_at"])
        for k, t in asof.items()
        if t.get("credentials") is not None
    }
    pops, drawn = _populations(work, params, asof, cov, derived, distinct, _slas(scope, sel))
    samples_tbl = pa.Table.from_pylist(drawn, schema=samples.SAMPLE_SCHEMA)
    tabular.table_to_csv(work / "samples.csv", samples_tbl)
    return {
        "coverage": _heat(sel, cov, dates),
        "gaps": [
            {**g, "tenant": f"{g['provider']}:{g['tenant_id']}", "date": g["date"].isoformat()}
            for g in cov.gaps()
        ],
        "reconciliation": _recon_summary(cov),
        "counts": metrics.counts_over_time(cov.rows, dates, len(sel.tenants)),
        "identities": metrics.identity_counts(work, asof),
        "ages": metrics.credential_ages(work, asof, as_of_time),
        "findings": stats,
        "latency": metrics.revocation_latency(derived),
        "sla_days": _sla(scope, sel),
        "populations": pops,
    }


POPULATION_SOURCES = "population_sources.csv"
SOURCES_SCHEMA = pa.schema(
    [
        ("provider", pa.string()),
        ("tenant_id", pa.string()),
        ("table", pa.string()),
        ("snapshot_date", pa.date32()),
        ("status", pa.string()),
        ("rows", pa.int64()),
        ("note", pa.string()),
    ]
)


def _sla(scope: Scope | None, sel: Selection) -> int:
    if scope is None:
        return 1
    slas = [t.thresholds.revocation_sla_days for t in scope.tenants if (t.provider, t.id) in sel.keys()]
    return min(slas) if slas else 1


def _slas(scope: Scope | None, sel: Selection) -> dict[tuple[str, str], int]:
    """Each in-scope tenant's revocation SLA from the scope file (the default without one)."""
    from ..ledger.history import thresholds

    return {
        t.key: thresholds(scope, SnapshotRef(*t.key, dt.date.min)).revocation_sla_days for t in sel.tenants
    }


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
