"""Advance the ledger's state by one observed tenant-day: pure and columnar (DuckDB SQL over Arrow).

Folding the sealed days of a tenant in date order from the empty state gives the ledger of the last day;
folding on from a previous ledger gives the same result (the incremental path), because each step depends
only on the state and the day. Nothing is concluded from what a day did not observe: absence counts as
deletion, removal or resolution only when the day vouches for it. The state and the observation are in
`state`, the lifecycles in `lifecycle`, the finding history in `findings`.
"""

from __future__ import annotations

import duckdb

from .findings import advance_findings
from .lifecycle import advance_credentials, advance_principals
from .state import LedgerState, Observation, connect


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
