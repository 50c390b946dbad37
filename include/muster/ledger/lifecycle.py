"""Identity and credential lifecycles folded by one observed day: first/last seen, disabled, removed,
deactivated, deleted. Absence counts as removal or deletion only when the day vouches for it."""

from __future__ import annotations

import pyarrow as pa

from ..schema.ledger import CREDENTIAL_LIFECYCLE, PRINCIPAL_LIFECYCLE
from .state import CREDENTIAL_INPUT, PRINCIPAL_INPUT, Observation, query, state_schema

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
    return query(
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
    return query(
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
