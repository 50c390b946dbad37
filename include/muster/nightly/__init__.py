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

The steps live in `planning`, `collecting`, `sealing` and `runs` (the run record, publish and shared I/O);
the names the DAG, the CLI and the tests use are re-exported here, so `nightly.plan(...)` keeps working.
"""

from .collecting import Collector, collect_tenant, collector_for, failed_collection, stage
from .planning import Discoverer, plan
from .runs import (
    ROOT_ENV,
    SCOPE_ENV,
    STAGED,
    NightlyError,
    publish,
    resolve_paths,
    sanitise,
    write_run_record,
)
from .sealing import derive_targets, derive_tenant, findings_event, seal_tenant, sealed_manifest, summarise

__all__ = [
    "ROOT_ENV",
    "SCOPE_ENV",
    "STAGED",
    "Collector",
    "Discoverer",
    "NightlyError",
    "collect_tenant",
    "collector_for",
    "derive_targets",
    "derive_tenant",
    "failed_collection",
    "findings_event",
    "plan",
    "publish",
    "resolve_paths",
    "sanitise",
    "seal_tenant",
    "sealed_manifest",
    "stage",
    "summarise",
    "write_run_record",
]
