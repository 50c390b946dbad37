"""The findings of one date across tenants, for the CLI: sealed ones as they are, missing ones derived."""

from __future__ import annotations

import datetime as dt
import logging

import pyarrow as pa

from ..config import Scope
from ..schema import FINDINGS
from ..snapshot import DerivedStore, SnapshotError, SnapshotStore
from .derive import derive_findings

log = logging.getLogger(__name__)


def findings_on(
    root: str,
    date: dt.date,
    *,
    provider: str | None = None,
    tenant: str | None = None,
    scope: Scope | None = None,
) -> pa.Table:
    """Every sealed snapshot's findings on `date`; a snapshot whose findings were never derived is derived
    (and sealed) first, with the scope file's settings or, without one, default thresholds (a day never
    derived has no recorded settings to keep)."""
    store = SnapshotStore(root)
    derived = DerivedStore(store)
    refs = [r for r in store.list_snapshots(provider, tenant) if r.snapshot_date == date]
    if not refs:
        raise SnapshotError(
            f"no sealed snapshot on {date} under {root}" + (f" for tenant {tenant}" if tenant else "")
        )
    tables = []
    for ref in refs:
        try:
            derived.manifest("findings", ref)
        except SnapshotError:
            log.info("deriving findings for %s/%s/%s", ref.provider, ref.tenant_id, date)
            derive_findings(store, ref, scope)
        tables.append(derived.read("findings", ref, "findings"))
    return pa.concat_tables(tables).cast(FINDINGS.schema)
