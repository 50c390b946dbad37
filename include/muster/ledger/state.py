"""What the ledger folds: its state, one observed tenant-day, and the SQL that runs over both.

The state is the ledger's tables without the columns that depend on the ledger date (provenance,
`as_of`, `days_open`). An observation is one sealed tenant-day with what it vouches for. Both are Arrow
tables; DuckDB joins them in memory (`query`), and the results come back in the declared schemas.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from ..schema import TableSpec
from ..schema.ledger import CREDENTIAL_LIFECYCLE, FINDING_HISTORY, PRINCIPAL_LIFECYCLE

#: Columns of a ledger table that are not state: they follow from the ledger date.
DATED = ("provider", "tenant_id", "snapshot_date", "as_of", "days_open")
#: What the fold reads of each day's tables.
PRINCIPAL_INPUT = ("principal_id", "name", "kind", "is_nhi", "owner", "enabled")
CREDENTIAL_INPUT = (
    "credential_id",
    "principal_id",
    "kind",
    "external_id",
    "managed_by",
    "created_at",
    "last_used_at",
    "status",
)
FINDING_INPUT = (
    "finding_id",
    "rule_id",
    "severity",
    "result",
    "entity_type",
    "entity_id",
    "principal_id",
    "principal_name",
    "credential_id",
    "sentence",
)


def state_schema(spec: TableSpec) -> pa.Schema:
    """The state part of a ledger table's schema."""
    return pa.schema([f for f in spec.schema if f.name not in DATED])


def input_schema(spec: TableSpec, names: tuple[str, ...]) -> pa.Schema:
    return pa.schema([spec.schema.field(n) for n in names])


def empty(schema: pa.Schema) -> pa.Table:
    return schema.empty_table()


@dataclass(frozen=True)
class Observation:
    """One sealed tenant-day as the ledger sees it, with what the day vouches for.

    `uncollected_kinds` are credential kinds the day did not collect ("*" for all): their absence proves
    nothing. `findings_complete` is true only when the day's findings are sealed and its snapshot complete.
    """

    date: dt.date
    principals: pa.Table
    credentials: pa.Table
    findings: pa.Table
    principals_complete: bool
    credentials_complete: bool
    findings_complete: bool
    uncollected_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class LedgerState:
    """The ledger's state after folding `dates` (ascending) of one tenant."""

    findings: pa.Table
    credentials: pa.Table
    principals: pa.Table
    dates: tuple[dt.date, ...] = field(default=())

    @classmethod
    def empty(cls) -> LedgerState:
        return cls(
            empty(state_schema(FINDING_HISTORY)),
            empty(state_schema(CREDENTIAL_LIFECYCLE)),
            empty(state_schema(PRINCIPAL_LIFECYCLE)),
        )


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that reads and returns UTC timestamps."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def query(
    con, sql: str, schema: pa.Schema, params: dict, order_by: str | None = None, **tables: pa.Table
) -> pa.Table:
    """Run `sql` over the Arrow `tables`; the result in `schema`, one chunk per column, and sorted by the
    string column `order_by` when given (Arrow sorts faster than an ORDER BY that carries every column,
    and a table in key order is sealed as it is, without another sort)."""
    for name, tbl in tables.items():
        con.register(name, tbl)
    try:
        out = con.sql(sql, params=params).to_arrow_table()
    finally:
        for name in tables:
            con.unregister(name)
    out = out.select(schema.names).cast(schema)
    return out.sort_by(order_by) if order_by else out.combine_chunks()


def one(col: pa.ChunkedArray) -> pa.Array:
    """A column as one array (no copy when it is one chunk)."""
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()
