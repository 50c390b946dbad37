"""The ledger's tables on one date, from the folded state: pure (the date and `as_of` are passed in)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ..schema import TableSpec
from ..schema.ledger import CREDENTIAL_LIFECYCLE, FINDING_HISTORY, PRINCIPAL_LIFECYCLE, REVOCATION_LATENCY
from .revocation import revocations, sentences
from .state import LedgerState


def dated(spec: TableSpec, tbl: pa.Table, provider: str, tenant_id: str, date: dt.date, as_of: dt.datetime):
    """Add the provenance columns and `as_of`, in the declared order and types."""
    n = tbl.num_rows
    extra = {
        "provider": repeat(provider, pa.string(), n),
        "tenant_id": repeat(tenant_id, pa.string(), n),
        "snapshot_date": repeat(date, pa.date32(), n),
        "as_of": repeat(as_of, pa.timestamp("us", tz="UTC"), n),
    }
    for name, col in extra.items():
        tbl = tbl.append_column(name, col)
    return tbl.select(spec.column_names).cast(spec.schema)


def repeat(value: object, type_: pa.DataType, n: int) -> pa.Array:
    """One value in every row, built by Arrow rather than from a Python list of n items."""
    return pa.repeat(pa.scalar(value, type_), n) if n else pa.array([], type_)


def days_open(findings: pa.Table, date: dt.date) -> pa.Array:
    """Days from the episode's opening to its resolution, or to `date` while not resolved."""
    end = pc.coalesce(findings.column("resolved_on"), pa.scalar(date, pa.date32()))
    return pc.cast(pc.days_between(findings.column("opened_on"), end), pa.int32())


def ledger_tables(
    state: LedgerState,
    people: pa.Table,
    *,
    provider: str,
    tenant_id: str,
    date: dt.date,
    as_of: dt.datetime,
    sla_days: int,
    con: duckdb.DuckDBPyConnection,
) -> dict[str, tuple[TableSpec, pa.Table]]:
    """The four ledger tables of `tenant_id` on `date`; `people` as for `revocations`."""
    at = dict(provider=provider, tenant_id=tenant_id, date=date, as_of=as_of)
    findings = state.findings.append_column("days_open", days_open(state.findings, date))
    records = revocations(con, state.credentials, state.principals, people, date, sla_days)
    records = records.append_column("sentence", pa.array(sentences(records, tenant_id), pa.string()))
    out = (
        (FINDING_HISTORY, findings),
        (CREDENTIAL_LIFECYCLE, state.credentials),
        (PRINCIPAL_LIFECYCLE, state.principals),
        (REVOCATION_LATENCY, records),
    )
    return {spec.name: (spec, dated(spec, tbl, **at)) for spec, tbl in out}
