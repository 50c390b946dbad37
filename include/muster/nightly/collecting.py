"""The collect step of a nightly run: one tenant collected and its validated tables staged for sealing,
or, on the final attempt, a failed collection staged instead so that the day does not go missing.

    <root>/staging/<run>/provider=P/tenant=T/{table}.parquet + _STAGED.json    collect -> seal
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable

import pyarrow as pa

from .. import clock
from ..collected import Collected, EntityResult
from ..config import Tenant
from ..schema import INVENTORY_TABLES
from ..snapshot import SnapshotStore, parquet_bytes
from .runs import STAGED, NightlyError, _write, sanitise

# The package's logger, not the module's: log lines name `muster.nightly` whichever step wrote them.
log = logging.getLogger(__package__)

#: (tenant, snapshot_date) -> Collected; one per provider.
Collector = Callable[[Tenant, dt.date], Collected]


def collect_tenant(
    spec: dict,
    root: str,
    run_id: str,
    final_attempt: bool,
    *,
    collector: Collector | None = None,
    now: dt.datetime | None = None,
    timeouts: tuple[type[BaseException], ...] = (),
    time_limit: dt.timedelta | None = None,
) -> dict:
    """Collect one tenant and stage its validated tables; return where they are and the status.

    The collector records problems it understands in its entities and does not raise for them. Anything
    else it raises is re-raised so that Airflow retries, except on the final attempt: then the day is
    staged as a failed collection carrying the error, so that the snapshot says nothing was observed
    instead of the day going missing.

    ``timeouts``: the exceptions that stop a collection that ran out of time (Airflow's AirflowTaskTimeout,
    a BaseException, raised by the task's ``execution_timeout``); ``time_limit`` is that limit, for the
    message. They are treated like any other failure: re-raised before the final attempt, staged as a failed
    day on it. Other BaseExceptions (KeyboardInterrupt, SystemExit) always propagate.
    """
    tenant = Tenant.model_validate(spec["tenant"])
    date = dt.date.fromisoformat(spec["snapshot_date"])
    collected_at = now or clock.now_for(spec["sandbox"])
    collect = collector or collector_for(spec["provider"])
    try:
        collected = collect(tenant, date)
        tables = collected.tables(run_id, collected_at)
    except (Exception, *timeouts) as e:  # deliberate: any failure must still leave evidence on the last try
        if not final_attempt:
            raise
        log.exception("tenant %s: collection failed on the final attempt; staging it as failed", tenant.label)
        if isinstance(e, timeouts):
            limit = f" ({time_limit})" if time_limit else ""
            message = f"collection did not finish within the task's time limit{limit}"
        else:
            message = f"{type(e).__name__}: {e}"
        collected = failed_collection(spec, message)
        tables = collected.tables(run_id, collected_at)
    return stage(
        SnapshotStore(root), run_id, collected, tables, collected_at, clock.clock_kind_for(spec["sandbox"])
    )


def collector_for(provider: str) -> Collector:
    """The collector of one provider: `(tenant, snapshot_date) -> Collected`, never raising for in-tenant problems."""
    if provider == "aws":
        from ..providers.aws.collect import collect_account

        return collect_account
    if provider == "gcp":
        from ..providers.gcp.collect import collect_tenant as collect_gcp

        return collect_gcp
    if provider == "azure":
        from ..providers.azure.collect import collect_tenant as collect_azure

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
        json.dumps(
            {**staged, "notes": collected.notes, "discovery": collected.discovery},
            sort_keys=True,
            default=str,
        ).encode(),
    )
    log.info(
        "staged %s/%s for %s: status=%s",
        collected.provider,
        collected.tenant_id,
        staged["snapshot_date"],
        staged["status"],
    )
    return staged
