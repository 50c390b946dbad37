"""Revocation latency: from an owner's offboarding to their NHIs' credentials being revoked. Pure.

An owner is matched to people as the rules match them (`muster.rules.people.MATCHING`), across the human
identities of every tenant of every provider (people sign in through Entra ID or Google while their service
identities live in AWS or GCP): their whole name or email in lower case, else, only when no identity has
exactly that name and one side has no domain, by the part before '@' (dana.kim is dana.kim@acme.example;
j.smith@acme.example is never j.smith@contractor.example). An owner is offboarded once every matched
identity is disabled, or removed in a complete snapshot; the date is the day the last of them went
(someone still enabled in one tenant has not left, and several people matched by name must all have gone). Each credential of
an NHI they own that was not revoked before that day gets a record: revoked on the first day it was
seen deactivated or deleted (or its NHI disabled or removed), or still open with the days elapsed.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa

from ..schema.ledger import PRINCIPAL_LIFECYCLE, REVOCATION_LATENCY
from .state import query, state_schema

#: Principal kinds that stand for many people or for the account itself: never someone's identity.
NOT_A_PERSON = ("group", "domain", "public", "root")

_COLUMNS = [f for f in REVOCATION_LATENCY.schema if f.name not in ("provider", "tenant_id", "snapshot_date")]
RECORD_SCHEMA = pa.schema([f for f in _COLUMNS if f.name not in ("sentence", "as_of")])

_SQL = """
WITH people AS (
  SELECT provider, tenant_id, principal_id, trim(lower(name)) AS person,
         least(disabled_on, removed_on) AS gone_on,
         CASE WHEN disabled_on IS NOT NULL AND (removed_on IS NULL OR disabled_on <= removed_on)
              THEN 'disabled' ELSE 'removed' END AS how
  FROM h
  WHERE NOT is_nhi AND kind NOT IN ('group', 'domain', 'public', 'root') AND trim(lower(name)) <> ''
),
owners AS (
  SELECT DISTINCT trim(lower(owner)) AS owner FROM n WHERE is_nhi AND trim(lower(owner)) <> ''
),
exact AS (
  SELECT o.owner, p.* FROM owners o JOIN people p ON p.person = o.owner
),
by_local AS (  -- only owners without an exact match, and only where one side has no domain
  SELECT o.owner, p.* FROM owners o JOIN people p ON split_part(p.person, '@', 1) = o.owner
  WHERE strpos(o.owner, '@') = 0
  UNION ALL
  SELECT o.owner, p.* FROM owners o JOIN people p ON p.person = split_part(o.owner, '@', 1)
  WHERE strpos(o.owner, '@') > 0 AND strpos(p.person, '@') = 0
),
matched AS (
  SELECT * FROM exact
  UNION ALL
  SELECT * FROM by_local WHERE owner NOT IN (SELECT owner FROM exact)
),
persons AS (
  SELECT owner,
         bool_and(gone_on IS NOT NULL) AS gone,
         max(gone_on) AS offboarded_on,
         arg_max(how, (gone_on, provider, tenant_id, principal_id)) AS offboarding,
         list(provider || '/' || tenant_id || '/' || principal_id ORDER BY provider, tenant_id, principal_id)
           AS owner_principals
  FROM matched GROUP BY owner
),
nhis AS (
  SELECT n.principal_id, n.name, n.owner, n.disabled_on, n.removed_on,
         p.offboarded_on, p.offboarding, p.owner_principals
  FROM n JOIN persons p ON p.owner = trim(lower(n.owner))
  WHERE n.is_nhi AND p.gone
),
candidates AS (
  SELECT c.credential_id, c.principal_id, x.name AS principal_name, c.kind, c.external_id, c.created_at,
         x.owner,
         x.owner_principals, x.offboarded_on, x.offboarding, c.status,
         least(c.deactivated_on, c.deleted_on, x.disabled_on, x.removed_on) AS revoked_on,
         CASE least(c.deactivated_on, c.deleted_on, x.disabled_on, x.removed_on)
              WHEN c.deactivated_on THEN 'deactivated'
              WHEN c.deleted_on THEN 'deleted'
              WHEN x.disabled_on THEN 'principal disabled'
              WHEN x.removed_on THEN 'principal removed' END AS revocation
  FROM c JOIN nhis x ON x.principal_id = c.principal_id
  WHERE c.managed_by IS DISTINCT FROM 'provider'
)
SELECT *,
       (coalesce(revoked_on, $date::DATE) - offboarded_on)::INTEGER AS days,
       $sla::INTEGER AS sla_days,
       (coalesce(revoked_on, $date::DATE) - offboarded_on) <= $sla AS within_sla,
       CASE WHEN revoked_on IS NOT NULL THEN 'revoked' WHEN status = 'unknown' THEN 'unknown' ELSE 'open' END
         AS state
FROM candidates
WHERE revoked_on IS NULL OR revoked_on >= offboarded_on
"""


def revocations(
    con: duckdb.DuckDBPyConnection,
    credentials: pa.Table,
    principals: pa.Table,
    people: pa.Table,
    date: dt.date,
    sla_days: int,
) -> pa.Table:
    """Revocation records of one tenant on `date`, without sentences (RECORD_SCHEMA).

    `credentials` and `principals` are the tenant's lifecycle state; `people` the principal lifecycle
    state of every tenant of every provider (this one included) with `provider` and `tenant_id` columns.
    """
    people_cols = ["provider", "tenant_id", *state_schema(PRINCIPAL_LIFECYCLE).names]
    return query(
        con,
        _SQL,
        RECORD_SCHEMA,
        {"date": date, "sla": sla_days},
        c=credentials,
        n=principals,
        h=people.select(people_cols),
    )


def sentences(records: pa.Table, tenant_id: str) -> list[str]:
    """One plain sentence per record, with the dates and figures an auditor checks."""
    return [_sentence(r, tenant_id) for r in records.to_pylist()]


def _credential(r: dict) -> str:
    kind = r["kind"].replace("_", " ")
    kind = f"{kind[0].upper()}{kind[1:]}"
    if r["external_id"]:
        return f"{kind} {r['external_id']}"
    if r["created_at"]:
        return f"{kind} created {r['created_at']:%Y-%m-%d %H:%M} UTC"
    return f"{kind} {r['credential_id']}"


def _days(n: int) -> str:
    return f"{n} day" + ("" if n == 1 else "s")


def _sentence(r: dict, tenant_id: str) -> str:
    who = f"{_credential(r)} of {r['principal_name'] or r['principal_id']} in {tenant_id}"
    left = (
        f"its owner {r['owner']} was offboarded ({r['offboarding']}, first seen "
        f"{r['offboarded_on'].isoformat()})"
    )
    sla = f"the SLA is {_days(r['sla_days'])}"
    if r["state"] == "revoked":
        verdict = "within" if r["within_sla"] else "outside"
        return (
            f"{who} was revoked ({r['revocation']}, seen {r['revoked_on'].isoformat()}) {_days(r['days'])} "
            f"after {left}: {verdict} {sla}."
        )
    status = "still active" if r["state"] == "open" else "of unknown status (not observed)"
    breach = "not yet breached" if r["within_sla"] else "breached"
    return f"{who} is {status} {_days(r['days'])} after {left}; {sla}, {breach}."
