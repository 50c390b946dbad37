"""What the muster_nightly DAG does, as plain functions: plan -> collect (per tenant) -> seal -> publish.

Each step is usable without Airflow (tests, the CLI, another orchestrator) and passes only small
JSON-able dicts and paths to the next, never rows. Rows travel through the store instead:

    <root>/staging/<run>/provider=P/tenant=T/{table}.parquet + _STAGED.json    collect -> seal
    <root>/snapshots/provider=P/tenant=T/date=D/...                            sealed evidence
    <root>/discovery/provider=aws/source=<management account>/date=D/accounts.json
    <root>/runs/date=<logical date>/<run>.json                                 what each run did

A snapshot is labelled with the day it was observed on (the clock's UTC date), never with the run's
logical date: a run whose logical date lies further in the past than `observe_tolerance_hours`
collects nothing and records "not observable" (a backfill cannot observe the past).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from collections.abc import Callable

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from . import clock
from .collected import Collected, EntityResult
from .config import AwsOrganization, Scope, Tenant, load_scope
from .schema import INVENTORY_TABLES, SNAPSHOT_TABLES
from .snapshot import SnapshotError, SnapshotRef, SnapshotStore, parquet_bytes

log = logging.getLogger(__name__)

SCOPE_ENV = "MUSTER_SCOPE_FILE"
ROOT_ENV = "MUSTER_ROOT"
STAGED = "_STAGED.json"

#: (tenant, snapshot_date) -> Collected; one per provider.
Collector = Callable[[Tenant, dt.date], Collected]
#: AwsOrganization -> (tenants to collect, every account listed).
Discoverer = Callable[[AwsOrganization], tuple[list[Tenant], list[dict]]]


class NightlyError(RuntimeError):
    """The nightly run cannot proceed as configured (no scope file, no root, unknown provider)."""


def resolve_paths(scope_file: str | None, root: str | None) -> tuple[str, str]:
    """The scope file and store root: the run's params, else env MUSTER_SCOPE_FILE / MUSTER_ROOT."""
    scope_file = scope_file or os.environ.get(SCOPE_ENV)
    root = root or os.environ.get(ROOT_ENV)
    missing = [
        n for n, v in ((f"scope_file (or {SCOPE_ENV})", scope_file), (f"root (or {ROOT_ENV})", root)) if not v
    ]
    if missing:
        raise NightlyError(f"muster_nightly needs {' and '.join(missing)}")
    return scope_file, root


def sanitise(run_id: str) -> str:
    """A run id as one safe path segment (Airflow run ids carry ':' and '+')."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", run_id).strip("_") or "run"


# -- plan ------------------------------------------------------------------------------------------
def plan(
    scope_path: str,
    root: str,
    logical_date: dt.datetime,
    run_id: str,
    *,
    now: dt.datetime | None = None,
    discover: Discoverer | None = None,
) -> list[dict]:
    """One spec per tenant to collect tonight, or [] when the logical date can no longer be observed.

    `now` defaults to the scope's clock; `discover` to AWS Organizations discovery.
    """
    scope = load_scope(scope_path)
    now = now or clock.now(scope)
    store = SnapshotStore(root)
    lag = now - logical_date
    if lag > dt.timedelta(hours=scope.observe_tolerance_hours):
        reason = (
            f"logical date {logical_date.isoformat()} is {lag} before the clock ({now.isoformat()}), beyond the "
            f"{scope.observe_tolerance_hours} h tolerance: the past cannot be observed, nothing collected"
        )
        log.warning("run %s: not observable: %s", run_id, reason)
        write_run_record(
            store,
            logical_date,
            run_id,
            {"status": "not_observable", "reason": reason, "observed_at": now.isoformat(), "tenants": []},
        )
        return []
    tenants = _tenants(scope, store, now.date(), discover or _discover)
    specs = [_spec(t, now.date(), scope) for t in tenants]
    write_run_record(
        store,
        logical_date,
        run_id,
        {
            "status": "planned",
            "observed_at": now.isoformat(),
            "tenants": [f"{s['provider']}:{s['tenant_id']}" for s in specs],
        },
    )
    log.info("run %s: %d tenant(s) to collect for %s", run_id, len(specs), now.date())
    return specs


def _spec(tenant: Tenant, snapshot_date: dt.date, scope: Scope) -> dict:
    return {
        "provider": tenant.provider,
        "tenant_id": tenant.id,
        "snapshot_date": snapshot_date.isoformat(),
        "sandbox": scope.sandbox,
        "tenant": tenant.model_dump(mode="json"),
    }


def _tenants(scope: Scope, store: SnapshotStore, date: dt.date, discover: Discoverer) -> list[Tenant]:
    """The scope's tenants plus those discovered; a tenant named in the scope file wins over discovery."""
    from .providers.aws.session import TenantAccessError
    from .providers.gcp.discovery import GcpDiscoveryError

    tenants = {(t.provider, t.id): t for t in scope.tenants}
    for org in scope.organizations:
        aws = org.provider == "aws"
        source, what = (org.management_account, "accounts") if aws else (org.source_id, "projects")
        ident = {"management_account": source} if aws else {"parent": org.parent}
        rel = f"discovery/provider={org.provider}/source={source}/date={date.isoformat()}/{what}.json"
        try:
            found, listing = discover(org)
        except (TenantAccessError, GcpDiscoveryError) as e:
            # The organisation's members cannot be listed: say so where coverage is reconciled, and go on
            # with the tenants that are known; the failed discovery is part of the evidence.
            log.error("%s", e)
            _write_json(
                store,
                rel,
                {**ident, "status": "failed", "error": str(e), what: None},
            )
            continue
        _write_json(
            store,
            rel,
            {
                **ident,
                "status": "complete",
                what: listing,
                "collected": sorted(t.id for t in found),
                "excluded": sorted(org.exclude),
            },
        )
        for t in found:
            tenants.setdefault((t.provider, t.id), t)
    return [tenants[k] for k in sorted(tenants)]


def _discover(org) -> tuple[list[Tenant], list[dict]]:
    """Members of an AWS Organization or projects below a GCP organisation / folder."""
    if org.provider == "gcp":
        from .providers.gcp.discovery import discover_projects

        return discover_projects(org)
    return _discover_aws(org)


def _discover_aws(org: AwsOrganization) -> tuple[list[Tenant], list[dict]]:
    from .providers.aws.organizations import discover_accounts, organization_session

    return discover_accounts(org, organization_session(org))


# -- collect ---------------------------------------------------------------------------------------
def collect_tenant(
    spec: dict,
    root: str,
    run_id: str,
    final_attempt: bool,
    *,
    collector: Collector | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """Collect one tenant and stage its validated tables; return where they are and the status.

    The collector records problems it understands in its entities and does not raise for them. Anything
    else it raises is re-raised so that Airflow retries, except on the final attempt: then the day is
    staged as a failed collection carrying the error, so that the snapshot says nothing was observed
    instead of the day going missing.
    """
    tenant = Tenant.model_validate(spec["tenant"])
    date = dt.date.fromisoformat(spec["snapshot_date"])
    collected_at = now or clock.now_for(spec["sandbox"])
    collect = collector or collector_for(spec["provider"])
    try:
        collected = collect(tenant, date)
        tables = collected.tables(run_id, collected_at)
    except Exception as e:  # deliberate: any failure at all must still leave evidence on the last try
        if not final_attempt:
            raise
        log.exception("tenant %s: collection failed on the final attempt; staging it as failed", tenant.label)
        collected = failed_collection(spec, f"{type(e).__name__}: {e}")
        tables = collected.tables(run_id, collected_at)
    return stage(
        SnapshotStore(root), run_id, collected, tables, collected_at, clock.clock_kind_for(spec["sandbox"])
    )


def collector_for(provider: str) -> Collector:
    """The collector of one provider: `(tenant, snapshot_date) -> Collected`, never raising for in-tenant problems."""
    if provider == "aws":
        from .providers.aws.collect import collect_account

        return collect_account
    if provider == "gcp":
        from .providers.gcp.collect import collect_tenant as collect_gcp

        return collect_gcp
    if provider == "azure":
        from .providers.azure.collect import collect_tenant as collect_azure

        return collect_azure
    raise NightlyError(f"no collector for provider {provider!r} yet")


def failed_collection(spec: dict, message: str) -> Collected:
    """No rows, and a failed caller_identity entity saying why: the tenant was not observed."""
    entity = EntityResult(entity="caller_identity", feeds=",".join(INVENTORY_TABLES))
    entity.fail(f"tenant {spec['provider']}:{spec['tenant_id']}: {message}")
    return Collected(
        provider=spec["provider"],
        tenant_id=spec["tenant_id"],
        snapshot_date=dt.date.fromisoformat(spec["snapshot_date"]),
        entities=[entity],
    )


def stage(
    store: SnapshotStore,
    run_id: str,
    collected: Collected,
    tables: dict[str, pa.Table],
    collected_at: dt.datetime,
    clock_kind: str,
) -> dict:
    """Write the tables under the run's staging area (replacing an earlier attempt's) and describe them."""
    rel = f"staging/{sanitise(run_id)}/provider={collected.provider}/tenant={collected.tenant_id}"
    path = f"{store.base}/{rel}"
    store.fs.create_dir(path, recursive=True)
    store.fs.delete_dir_contents(path, missing_dir_ok=True)
    for name, tbl in tables.items():
        _write(store, f"{path}/{name}.parquet", parquet_bytes(tbl))
    staged = {
        "provider": collected.provider,
        "tenant_id": collected.tenant_id,
        "snapshot_date": collected.snapshot_date.isoformat(),
        "staging": rel,
        "status": collected.status,
        "collected_at": collected_at.isoformat(),
        "clock": clock_kind,
        "rows": {name: tbl.num_rows for name, tbl in tables.items()},
    }
    _write(
        store,
        f"{path}/{STAGED}",
        json.dumps({**staged, "notes": collected.notes}, sort_keys=True, default=str).encode(),
    )
    log.info(
        "staged %s/%s for %s: status=%s",
        collected.provider,
        collected.tenant_id,
        staged["snapshot_date"],
        staged["status"],
    )
    return staged


# -- seal ------------------------------------------------------------------------------------------
def seal_tenant(staged: dict, root: str, run_id: str, clock_kind: str | None = None) -> dict:
    """Seal a staged tenant as its snapshot, unless that day is already sealed; remove the staging.

    `clock_kind` defaults to the clock recorded when the tenant was staged. A sealed snapshot is never
    overwritten here: a second run on the same day returns status "already_sealed" and keeps the first.
    """
    store = SnapshotStore(root)
    ref = SnapshotRef(staged["provider"], staged["tenant_id"], dt.date.fromisoformat(staged["snapshot_date"]))
    path = f"{store.base}/{staged['staging']}"
    existing = sealed_manifest(store, ref)
    if existing is not None:
        log.warning(
            "snapshot %s/%s/%s is already sealed by run %s; run %s keeps it and discards its own",
            ref.provider,
            ref.tenant_id,
            ref.snapshot_date,
            existing.get("run_id"),
            run_id,
        )
        store.fs.delete_dir(path)
        return {**_summary(existing), "status": "already_sealed", "sealed_by": existing.get("run_id")}
    meta = json.loads(_read(store, f"{path}/{STAGED}"))
    tables = {
        name: pq.read_table(pa.BufferReader(_read(store, f"{path}/{name}.parquet")))
        for name in SNAPSHOT_TABLES
    }
    extra = {"collection_notes": meta["notes"]} if meta.get("notes") else None
    manifest = store.write_snapshot(
        ref,
        tables,
        run_id=run_id,
        collected_at=dt.datetime.fromisoformat(meta["collected_at"]),
        clock=clock_kind or meta["clock"],
        extra=extra,
    )
    store.fs.delete_dir(path)
    return _summary(manifest)


def sealed_manifest(store: SnapshotStore, ref: SnapshotRef) -> dict | None:
    try:
        return store.manifest(ref)
    except SnapshotError:
        return None


def _summary(manifest: dict) -> dict:
    return {
        "provider": manifest["provider"],
        "tenant_id": manifest["tenant_id"],
        "snapshot_date": manifest["snapshot_date"],
        "status": manifest["status"],
        "rows": {name: entry["rows"] for name, entry in sorted(manifest["tables"].items())},
    }


# -- derive ----------------------------------------------------------------------------------------
def derive_targets(sealed: list[dict], root: str, logical_date: dt.datetime) -> list[dict]:
    """The tenant-days to derive (diff -> people index -> rules -> ledger): those the run sealed (or found
    sealed).

    A backfill run seals nothing (the past cannot be observed); it re-derives the snapshots already
    sealed on its logical date instead, so a rule change can be applied to past days without collecting.
    """
    days = {(s["provider"], s["tenant_id"], s["snapshot_date"]) for s in sealed}
    if not days:
        day = logical_date.date()
        days = {
            (r.provider, r.tenant_id, r.snapshot_date.isoformat())
            for r in SnapshotStore(root).list_snapshots()
            if r.snapshot_date == day
        }
    return [{"provider": p, "tenant_id": t, "snapshot_date": d} for p, t, d in sorted(days)]


def derive_tenant(target: dict, root: str, scope_file: str | None) -> dict:
    """Derive one sealed tenant-day from the store alone; never collects (see muster.derive)."""
    from .derive import derive_day

    ref = SnapshotRef(target["provider"], target["tenant_id"], dt.date.fromisoformat(target["snapshot_date"]))
    return derive_day(root, ref, scope_file)


def findings_event(derived: list[dict], run_id: str) -> dict:
    """The findings asset event's extra: the tenant-days whose changes, findings and ledger were sealed."""
    derived = sorted(derived, key=lambda d: (d["provider"], d["tenant_id"], d["snapshot_date"]))
    return {
        "run_id": run_id,
        "derived": [f"{d['provider']}/{d['tenant_id']}/{d['snapshot_date']}" for d in derived],
        "findings": sum(d["findings"]["rows"].get("findings", 0) for d in derived),
    }


# -- publish ---------------------------------------------------------------------------------------
def publish(
    sealed: list[dict],
    root: str,
    run_id: str,
    logical_date: dt.datetime,
    derived: list[dict] | None = None,
) -> dict:
    """Record what the run sealed (and derived) and tidy its staging area; return the asset event's extra."""
    store = SnapshotStore(root)
    sealed = sorted(sealed, key=lambda s: (s["provider"], s["tenant_id"]))
    record = {"status": "sealed", "snapshots": sealed}
    if derived is not None:
        record["derived"] = sorted(derived, key=lambda d: (d["provider"], d["tenant_id"], d["snapshot_date"]))
    write_run_record(store, logical_date, run_id, record)
    run_dir = f"{store.base}/staging/{sanitise(run_id)}"
    leftovers = [
        i.path
        for i in store.fs.get_file_info(pafs.FileSelector(run_dir, allow_not_found=True, recursive=True))
        if i.type == pafs.FileType.File
    ]
    if leftovers:
        log.warning("run %s left %d staged file(s) unsealed under %s", run_id, len(leftovers), run_dir)
    elif store.fs.get_file_info(run_dir).type == pafs.FileType.Directory:
        store.fs.delete_dir(run_dir)
    return {
        "run_id": run_id,
        "snapshots": [f"{s['provider']}/{s['tenant_id']}/{s['snapshot_date']}" for s in sealed],
        "statuses": sorted({s["status"] for s in sealed}),
    }


def write_run_record(store: SnapshotStore, logical_date: dt.datetime, run_id: str, record: dict) -> str:
    rel = f"runs/date={logical_date.date().isoformat()}/{sanitise(run_id)}.json"
    _write_json(store, rel, {"run_id": run_id, "logical_date": logical_date.isoformat(), **record})
    return rel


# -- summary ---------------------------------------------------------------------------------------
def summarise(root: str) -> list[dict]:
    """One row per sealed snapshot: counts (principals, NHIs, credentials, active keys, grants) and status."""
    import pyarrow.compute as pc

    store = SnapshotStore(root)
    rows = []
    for ref in store.list_snapshots():
        manifest = store.manifest(ref)
        principals = store.read_table(ref, "principals")
        creds = store.read_table(ref, "credentials")
        collection = store.read_table(ref, "collection").to_pylist()
        active_keys = pc.and_(pc.equal(creds["kind"], "access_key"), pc.equal(creds["status"], "active"))
        rows.append(
            {
                "provider": ref.provider,
                "tenant_id": ref.tenant_id,
                "date": ref.snapshot_date,
                "status": manifest["status"],
                "clock": manifest.get("clock", "real"),
                "principals": principals.num_rows,
                "nhis": pc.sum(principals["is_nhi"]).as_py() or 0,
                "credentials": creds.num_rows,
                "active_keys": pc.sum(active_keys).as_py() or 0,
                "grants": manifest["tables"]["grants"]["rows"],
                "not_complete": sorted(
                    f"{c['entity']}:{c['status']}" for c in collection if c["status"] != "complete"
                ),
            }
        )
    return rows


# -- store I/O -------------------------------------------------------------------------------------
def _write(store: SnapshotStore, path: str, data: bytes) -> None:
    with store.fs.open_output_stream(path) as f:
        f.write(data)


def _read(store: SnapshotStore, path: str) -> bytes:
    with store.fs.open_input_stream(path) as f:
        return f.read()


def _write_json(store: SnapshotStore, rel: str, data: dict) -> None:
    path = f"{store.base}/{rel}"
    store.fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
    _write(store, path, json.dumps(data, indent=2, sort_keys=True, default=str).encode())
