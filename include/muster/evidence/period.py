"""What the muster_audit_period DAG does, as plain functions passing small dicts (never rows).

check -> coverage -> build -> verify. Each step reloads what it needs from the store and the scope file,
so a retried task repeats exactly its own work.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from pathlib import Path

from ..config import load_scope
from ..snapshot import SnapshotStore
from . import coverage as cov_mod
from .bundle import build_bundle
from .params import BundleError, BundleParams, parse_params
from .records import listings, run_records
from .scoping import select
from .verify import verify_bundle

log = logging.getLogger(__name__)

ROOT_ENV, SCOPE_ENV = "MUSTER_ROOT", "MUSTER_SCOPE_FILE"


def check(conf: dict, run_id: str) -> dict:
    """Validate the run's parameters and fix where the bundle goes; returns the plan the next tasks use."""
    root = conf.get("root") or os.environ.get(ROOT_ENV)
    if not root:
        raise BundleError(f"muster_audit_period needs root (or {ROOT_ENV})")
    scope_file = conf.get("scope_file") or os.environ.get(SCOPE_ENV)
    fields = (
        "period_start",
        "period_end",
        "framework",
        "report_type",
        "tenants",
        "scope_tags",
        "sample_size",
        "seed",
    )
    params = parse_params({k: conf[k] for k in fields if conf.get(k) not in (None, "")})
    if scope_file:
        load_scope(scope_file)  # a bad scope file fails here, naming the field
    out_root = conf.get("output_root") or f"{root.rstrip('/')}/evidence"
    name = f"{params.framework}_{params.report_type}_{params.period_start}_{params.period_end}"
    out = f"{out_root}/{name}__{re.sub(r'[^A-Za-z0-9._-]+', '_', run_id).strip('_')}"
    return {
        "root": root,
        "scope_file": scope_file,
        "out": out,
        "params": params.recorded(),
        "signing_conn_id": conf.get("signing_conn_id"),
        "signing_key_file": conf.get("signing_key_file"),
    }


def coverage_summary(plan: dict) -> dict:
    """Coverage of the period for the tenants in scope: counts by status and the gap days, logged."""
    params = BundleParams.model_validate(plan["params"])
    store, dates = SnapshotStore(plan["root"]), params.dates()
    scope = load_scope(plan["scope_file"]) if plan["scope_file"] else None
    found = listings(store, dates[0], dates[-1])
    selection = select(store, scope, params, found)
    cov = cov_mod.compute(store, selection, dates, found, run_records(store, dates[0], dates[-1]))
    gaps = cov.gaps()
    for provider, tenant_id, status, first, last, days in gap_runs(gaps):
        when = f"on {first}" if days == 1 else f"from {first} to {last} ({days} days)"
        log.warning("gap: %s:%s is %s %s", provider, tenant_id, status, when)
    return {
        "tenants": [t.label for t in selection.tenants],
        "days": len(dates),
        "gaps": len(gaps),
        "missing_tenants": sorted(
            {r["tenant_id"] for r in cov.reconciliation if r["outcome"].startswith("MISSING")}
        ),
    }


def gap_runs(gaps: list[dict]) -> list[tuple[str, str, str, dt.date, dt.date, int]]:
    """Gap days as runs of consecutive days of one tenant with one status: (provider, tenant, status, first
    day, last day, days), so that a tenant failing for a fortnight is one log line, not fourteen."""
    runs: list[list] = []
    for g in sorted(gaps, key=lambda g: (g["provider"], g["tenant_id"], str(g["date"]))):
        day = dt.date.fromisoformat(str(g["date"]))
        key = (g["provider"], g["tenant_id"], g["status"])
        if runs and tuple(runs[-1][:3]) == key and runs[-1][4] + dt.timedelta(days=1) == day:
            runs[-1][4], runs[-1][5] = day, runs[-1][5] + 1
        else:
            runs.append([*key, day, day, 1])
    return [tuple(r) for r in runs]


def build(plan: dict, signing_key=None) -> dict:
    """Build the bundle; return where it and its report are."""
    params = BundleParams.model_validate(plan["params"])
    scope = load_scope(plan["scope_file"]) if plan["scope_file"] else None
    out = Path(plan["out"])
    if out.exists() and (out / "SHA256SUMS").exists():
        log.info("bundle %s already built by an earlier try; verifying it instead", out)
    else:
        import shutil

        shutil.rmtree(out, ignore_errors=True)
        build_bundle(plan["root"], out, params, scope=scope, signing_key=signing_key)
    return {"path": str(out), "report": str(out / "report.html")}


def verify(path: str) -> dict:
    """Verify the built bundle; raise (failing the task) when anything does not check out."""
    result = verify_bundle(path)
    if not result.ok:
        raise BundleError(f"bundle {path} does not verify: " + "; ".join(result.problems))
    return {"path": path, "ok": True, "notes": result.notes}
