"""Advance the ledger's state by one observed tenant-day: pure and columnar (DuckDB SQL over Arrow).

The state is the ledger's tables without the columns that depend on the ledger date (provenance,
`as_of`, `days_open`). Folding the sealed days of a tenant in date order from the empty state gives the
ledger of the last day; folding on from a previous ledger gives the same result (the incremental path),
because each step depends only on the state and the day. Nothing is concluded from what a day did not
observe: absence counts as deletion, removal or resolution only when the day vouches for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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


def _query(
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


def advance(
    state: LedgerState, obs: Observation, con: duckdb.DuckDBPyConnection | None = None
) -> LedgerState:
    """The state after one more observed day; days must come in ascending order."""
    if state.dates and obs.date <= state.dates[-1]:
        raise ValueError(f"ledger: day {obs.date} does not follow the last folded day {state.dates[-1]}")
    con = con or connect()
    principals = advance_principals(con, state.principals, obs)
    credentials = advance_credentials(con, state.credentials, obs)
    findings = advance_findings(con, state.findings, credentials, obs)
    return LedgerState(findings, credentials, principals, (*state.dates, obs.date))


_PRINCIPALS_SQL = """
SELECT
  coalesce(d.principal_id, s.principal_id) AS principal_id,
  coalesce(d.name, s.name) AS name,
  coalesce(d.kind, s.kind) AS kind,
  coalesce(d.is_nhi, s.is_nhi) AS is_nhi,
  CASE WHEN d.principal_id IS NULL THEN s.owner ELSE d.owner END AS owner,
  coalesce(s.first_seen, $date::DATE) AS first_seen,
  CASE WHEN d.principal_id IS NULL THEN s.last_seen ELSE $date::DATE END AS last_seen,
  CASE WHEN d.principal_id IS NULL THEN s.last_seen_enabled ELSE d.enabled END AS last_seen_enabled,
  CASE WHEN d.principal_id IS NULL OR d.enabled IS NULL THEN s.disabled_on
       WHEN d.enabled THEN NULL
       WHEN s.removed_on IS NULL THEN coalesce(s.disabled_on, $date::DATE)
       ELSE $date::DATE END AS disabled_on,
  CASE WHEN d.principal_id IS NOT NULL THEN NULL
       WHEN $complete THEN coalesce(s.removed_on, $date::DATE)
       ELSE s.removed_on END AS removed_on,
  CASE WHEN d.principal_id IS NOT NULL THEN
         CASE WHEN d.enabled THEN 'enabled' WHEN NOT d.enabled THEN 'disabled' ELSE 'unknown' END
       WHEN $complete OR s.removed_on IS NOT NULL THEN 'removed'
       ELSE 'unknown' END AS status
FROM s FULL OUTER JOIN d ON s.principal_id = d.principal_id
"""


def advance_principals(con, state: pa.Table, obs: Observation) -> pa.Table:
    """Identities: first/last seen, disabled (first day of the current spell seen not enabled), removed."""
    return _query(
        con,
        _PRINCIPALS_SQL,
        state_schema(PRINCIPAL_LIFECYCLE),
        {"date": obs.date, "complete": obs.principals_complete},
        order_by="principal_id",
        s=state,
        d=obs.principals.select(PRINCIPAL_INPUT),
    )


_CREDENTIALS_SQL = """
SELECT
  coalesce(d.credential_id, s.credential_id) AS credential_id,
  coalesce(d.principal_id, s.principal_id) AS principal_id,
  CASE WHEN d.credential_id IS NULL THEN s.principal_name ELSE coalesce(p.name, s.principal_name) END
    AS principal_name,
  coalesce(d.kind, s.kind) AS kind,
  coalesce(d.external_id, s.external_id) AS external_id,
  coalesce(d.managed_by, s.managed_by) AS managed_by,
  CASE WHEN d.credential_id IS NULL THEN s.created_at ELSE coalesce(d.created_at, s.created_at) END AS created_at,
  coalesce(s.first_seen, $date::DATE) AS first_seen,
  CASE WHEN d.credential_id IS NULL THEN s.last_seen ELSE $date::DATE END AS last_seen,
  greatest(d.last_used_at, s.last_used_at) AS last_used_at,
  coalesce(d.status, s.last_seen_status) AS last_seen_status,
  CASE WHEN d.credential_id IS NULL THEN s.deactivated_on
       WHEN d.status = 'active' THEN NULL
       WHEN s.deleted_on IS NULL THEN coalesce(s.deactivated_on, $date::DATE)
       ELSE $date::DATE END AS deactivated_on,
  CASE WHEN d.credential_id IS NOT NULL THEN NULL
       WHEN $complete AND NOT list_contains($uncollected::VARCHAR[], s.kind) THEN coalesce(s.deleted_on, $date::DATE)
       ELSE s.deleted_on END AS deleted_on,
  CASE WHEN d.credential_id IS NOT NULL THEN d.status
       WHEN s.deleted_on IS NOT NULL THEN 'deleted'
       WHEN $complete AND NOT list_contains($uncollected::VARCHAR[], s.kind) THEN 'deleted'
       ELSE 'unknown' END AS status
FROM s FULL OUTER JOIN d ON s.credential_id = d.credential_id
LEFT JOIN p ON p.principal_id = d.principal_id
"""


def advance_credentials(con, state: pa.Table, obs: Observation) -> pa.Table:
    """Credentials: created, first/last seen, last used, deactivated, deleted (only where vouched for)."""
    return _query(
        con,
        _CREDENTIALS_SQL,
        state_schema(CREDENTIAL_LIFECYCLE),
        {
            "date": obs.date,
            "complete": obs.credentials_complete and "*" not in obs.uncollected_kinds,
            "uncollected": list(obs.uncollected_kinds),
        },
        order_by="credential_id",
        s=state,
        d=obs.credentials.select(CREDENTIAL_INPUT),
        p=obs.principals.select(["principal_id", "name"]),
    )


#: Whether a finding absent today is vouched for: the day is complete and, for a credential finding, the
#: credential's kind was collected (a join only when some kind was not).
_VOUCHED = {
    False: "SELECT s.*, $complete AS vouched FROM s",
    True: """SELECT s.*,
         $complete AND NOT coalesce(list_contains($uncollected::VARCHAR[], c.kind), false) AS vouched
  FROM s LEFT JOIN c ON c.credential_id = s.credential_id""",
}

#: The dated part of each finding's history; `v_row` / `d_row` are its rows in the state / today's findings.
_FINDINGS_SQL = """
WITH v AS ({vouched})
SELECT
  v._row AS v_row,
  d._row AS d_row,
  coalesce(v.first_seen, $date::DATE) AS first_seen,
  CASE WHEN d._row IS NULL THEN v.last_seen ELSE $date::DATE END AS last_seen,
  CASE WHEN v._row IS NULL THEN $date::DATE
       WHEN d._row IS NOT NULL AND v.state = 'resolved' THEN $date::DATE
       ELSE v.opened_on END AS opened_on,
  CASE WHEN d._row IS NOT NULL THEN NULL
       WHEN v.state = 'resolved' THEN v.resolved_on
       WHEN v.vouched THEN $date::DATE
       ELSE NULL END AS resolved_on,
  (coalesce(v.days_observed, 0) + CASE WHEN d._row IS NULL THEN 0 ELSE 1 END)::INTEGER AS days_observed,
  CASE WHEN d._row IS NOT NULL THEN CASE WHEN d.result = 'fail' THEN 'open' ELSE 'unknown' END
       WHEN v.state = 'resolved' OR v.vouched THEN 'resolved'
       ELSE 'unknown' END AS state
FROM v FULL OUTER JOIN d ON v.finding_id = d.finding_id
ORDER BY coalesce(d.finding_id, v.finding_id)
"""
#: Columns a finding takes from today's row when it is seen today, else from its state (state name: today's).
_CARRIED = {
    "finding_id": "finding_id",
    "rule_id": "rule_id",
    "severity": "severity",
    "entity_type": "entity_type",
    "entity_id": "entity_id",
    "principal_id": "principal_id",
    "principal_name": "principal_name",
    "credential_id": "credential_id",
    "last_result": "result",
    "sentence": "sentence",
}
_DATED_COLUMNS = ("first_seen", "last_seen", "opened_on", "resolved_on", "days_observed", "state")


def _numbered(tbl: pa.Table, columns: list[str]) -> pa.Table:
    return tbl.select(columns).append_column("_row", pa.array(np.arange(tbl.num_rows, dtype=np.int64)))


def advance_findings(con, state: pa.Table, credentials: pa.Table, obs: Observation) -> pa.Table:
    """Findings across dates: resolved only when a complete day (vouching for the credential's kind, for a
    credential finding) no longer shows it; otherwise left open or unknown.

    DuckDB joins the keys and works out the dates and state, in key order; the text columns are then
    taken from today's row or the state's, so the long sentences never pass through the join."""
    some_uncollected = bool(obs.uncollected_kinds)
    d = obs.findings
    keys = _query(
        con,
        _FINDINGS_SQL.format(vouched=_VOUCHED[some_uncollected]),
        _KEYS_SCHEMA,
        {"date": obs.date, "complete": obs.findings_complete}
        | ({"uncollected": list(obs.uncollected_kinds)} if some_uncollected else {}),
        s=_numbered(state, [*_STATE_JOINED, "credential_id"]),
        d=_numbered(d, ["finding_id", "result"]),
        **({"c": credentials.select(["credential_id", "kind"])} if some_uncollected else {}),
    )
    schema = state_schema(FINDING_HISTORY)
    columns = _carried(state, d, keys.column("d_row"), keys.column("v_row"))
    columns |= {name: _one(keys.column(name)) for name in _DATED_COLUMNS}
    return pa.Table.from_arrays([columns[f.name] for f in schema], schema=schema)


def _carried(state: pa.Table, d: pa.Table, d_row: pa.ChunkedArray, v_row: pa.ChunkedArray) -> dict:
    """The _CARRIED columns of the output rows: today's values where the finding is seen today, else the
    state's. The output is in key order, as today's rows are, so when every output row is seen today the
    columns are today's as they are; otherwise the few rows seen only before are added and one take puts
    everything in place."""
    today = pc.is_valid(d_row)
    if pc.all(today).as_py() is not False:
        return {name: d.column(src) for name, src in _CARRIED.items()}  # as read: no copy
    earlier = pc.filter(v_row, pc.invert(today))
    rank = np.cumsum(~today.to_numpy(zero_copy_only=False)) - 1 + d.num_rows
    src = pc.coalesce(d_row, pa.array(rank))
    return {
        name: pa.concat_arrays([*d.column(today_name).chunks, _one(state.column(name).take(earlier))]).take(
            src
        )
        for name, today_name in _CARRIED.items()
    }


_STATE_JOINED = [
    "finding_id",
    "first_seen",
    "last_seen",
    "opened_on",
    "resolved_on",
    "days_observed",
    "state",
]
_KEYS_SCHEMA = pa.schema(
    [
        ("v_row", pa.int64()),
        ("d_row", pa.int64()),
        *(state_schema(FINDING_HISTORY).field(n) for n in _DATED_COLUMNS),
    ]
)


def _one(col: pa.ChunkedArray) -> pa.Array:
    """A column as one array (no copy when it is one chunk)."""
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()
