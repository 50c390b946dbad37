"""Findings across dates folded by one observed day: opened, seen, resolved only when vouched for.

DuckDB joins the finding ids of the state and of the day and works out the dates and the state, in key
order; the text columns are then taken from today's row or the state's, so the long sentences never pass
through the join.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..schema.ledger import FINDING_HISTORY
from .state import Observation, one, query, state_schema

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


def _numbered(tbl: pa.Table, columns: list[str]) -> pa.Table:
    return tbl.select(columns).append_column("_row", pa.array(np.arange(tbl.num_rows, dtype=np.int64)))


def advance_findings(con, state: pa.Table, credentials: pa.Table, obs: Observation) -> pa.Table:
    """Findings across dates: resolved only when a complete day (vouching for the credential's kind, for a
    credential finding) no longer shows it; otherwise left open or unknown."""
    some_uncollected = bool(obs.uncollected_kinds)
    d = obs.findings
    keys = query(
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
    columns |= {name: one(keys.column(name)) for name in _DATED_COLUMNS}
    return pa.Table.from_arrays([columns[f.name] for f in schema], schema=schema)


def _carried(state: pa.Table, d: pa.Table, d_row: pa.ChunkedArray, v_row: pa.ChunkedArray) -> dict:
    """The _CARRIED columns of the output rows: today's values where the finding is seen today, else the
    state's. The output is in key order, as today's rows and the state's are, so when every output row is
    seen today the columns are today's as they are; otherwise today's rows and the few seen only before are
    put together run by run (one copy of each column, at the speed of memcpy: a take of every row cost
    several times as much)."""
    today = pc.is_valid(d_row)
    if pc.all(today).as_py() is not False:
        return {name: d.column(src) for name, src in _CARRIED.items()}  # as read: no copy
    earlier = _earlier_rows(state.num_rows, pc.filter(v_row, pc.invert(today)))
    runs = _runs(today.to_numpy(zero_copy_only=False))
    return {
        name: _interleaved(d.column(today_name), earlier(state.column(name)), runs)
        for name, today_name in _CARRIED.items()
    }


def _earlier_rows(n: int, rows: pa.ChunkedArray) -> Callable[[pa.ChunkedArray], pa.ChunkedArray]:
    """How to pick the state's rows `rows` out of a state column. They come in key order, as the state is,
    so a filter picks them chunk by chunk (a take would first join the chunks: a copy of every row)."""
    idx = rows.to_numpy()
    if len(idx) > 1 and not (np.diff(idx) > 0).all():
        return lambda col: col.take(rows)
    mask = np.zeros(n, dtype=bool)
    mask[idx] = True
    keep = pa.array(mask)
    return lambda col: col.filter(keep)


def _runs(today: np.ndarray) -> list[tuple[bool, int, int]]:
    """The output rows as runs (seen today, first row in that source, rows) from a mask of rows seen today."""
    n = len(today)
    starts = np.concatenate([[0], np.flatnonzero(today[1:] != today[:-1]) + 1])
    lengths = np.diff(np.concatenate([starts, [n]]))
    before_today = np.concatenate([[0], np.cumsum(today)])[starts]  # today's rows before each run
    return [
        (bool(seen), int(b if seen else s - b), int(k))
        for seen, s, b, k in zip(today[starts], starts, before_today, lengths, strict=True)
    ]


def _interleaved(
    today: pa.ChunkedArray, earlier: pa.ChunkedArray, runs: list[tuple[bool, int, int]]
) -> pa.Array:
    """One array of the runs, each a slice of today's column or of the earlier rows, in order."""
    pieces = [(today if seen else earlier).slice(start, length) for seen, start, length in runs]
    return pa.concat_arrays([chunk for piece in pieces for chunk in piece.chunks if len(chunk)])
