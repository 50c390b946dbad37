"""A nightly run's own traces in the store: where the scope file and root come from, the run id as a path
segment, the run record (planned, then published) and the small store I/O every step shares.

    <root>/runs/date=<logical date>/<run>.json                                 what each run did
    <root>/staging/<run>/...                                                   tidied by publish
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re

import pyarrow.fs as pafs

from ..snapshot import SnapshotStore

# The package's logger, not the module's: log lines name `muster.nightly` whichever step wrote them.
log = logging.getLogger(__package__)

SCOPE_ENV = "MUSTER_SCOPE_FILE"
ROOT_ENV = "MUSTER_ROOT"
STAGED = "_STAGED.json"


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


# -- publish ---------------------------------------------------------------------------------------
def publish(
    sealed: list[dict],
    root: str,
    run_id: str,
    logical_date: dt.datetime,
    derived: list[dict] | None = None,
    *,
    planned: list[dict] | None = None,
    targets: list[dict] | None = None,
) -> dict:
    """Record what the run sealed (and derived) and tidy its staging area; return the asset event's extra.

    `planned` (the plan's specs) and `targets` (the tenant-days it meant to derive), when given, let the
    record name what a failed task left out: `not_sealed` (planned, no snapshot) and `not_derived`.
    """
    store = SnapshotStore(root)
    sealed = sorted(sealed, key=lambda s: (s["provider"], s["tenant_id"]))
    # The plan wrote this record first: its clock reading, tenants and, for a date the run could not observe,
    # the reason, which the evidence coverage reads for that date. Publishing adds to it, never drops them.
    planned_record = read_run_record(store, logical_date, run_id) or {}
    observed = planned_record.get("status") != "not_observable"
    record = {**planned_record, "status": "sealed" if observed else "not_observable", "snapshots": sealed}
    if derived is not None:
        record["derived"] = sorted(derived, key=lambda d: (d["provider"], d["tenant_id"], d["snapshot_date"]))
    if planned is not None:
        record["not_sealed"] = _missing(planned, sealed)
    if targets is not None:
        record["not_derived"] = _missing(targets, derived or [])
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


def _missing(wanted: list[dict], done: list[dict]) -> list[str]:
    """provider/tenant/date of each wanted tenant-day without a done one, sorted (as the asset extras)."""
    done_days = {_day(d) for d in done}
    return sorted(_day(w) for w in wanted if _day(w) not in done_days)


def _day(item: dict) -> str:
    return f"{item['provider']}/{item['tenant_id']}/{item['snapshot_date']}"


def _record_path(logical_date: dt.datetime, run_id: str) -> str:
    return f"runs/date={logical_date.date().isoformat()}/{sanitise(run_id)}.json"


def write_run_record(store: SnapshotStore, logical_date: dt.datetime, run_id: str, record: dict) -> str:
    rel = _record_path(logical_date, run_id)
    _write_json(store, rel, {"run_id": run_id, "logical_date": logical_date.isoformat(), **record})
    return rel


def read_run_record(store: SnapshotStore, logical_date: dt.datetime, run_id: str) -> dict | None:
    """The run's record as last written, or None when there is none yet."""
    path = f"{store.base}/{_record_path(logical_date, run_id)}"
    if store.fs.get_file_info(path).type != pafs.FileType.File:
        return None
    return json.loads(_read(store, path))


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
