"""Small snapshot tables for diff tests, built through the strict validator like real transforms."""

import datetime as dt

from muster.schema import CREDENTIALS, GRANTS, PRINCIPALS, ROLE_DEFINITIONS, to_table

DAY1, DAY2 = dt.date(2026, 11, 2), dt.date(2026, 11, 3)
ACCOUNT = "123456789012"
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
BASE = {"provider": "aws", "tenant_id": ACCOUNT, "snapshot_date": DAY2}


def principal(pid: str, day=DAY1, **kw) -> dict:
    return {
        "provider": "aws",
        "tenant_id": ACCOUNT,
        "snapshot_date": day,
        "principal_id": pid,
        "name": f"svc-{pid}",
        "kind": "service_user",
        "is_nhi": True,
        "nhi_reason": "no console password",
        "enabled": True,
        "created_at": T0,
        "tags": {"team": "etl"},
        **kw,
    }


def credential(cid: str, pid: str, day=DAY1, **kw) -> dict:
    return {
        "provider": "aws",
        "tenant_id": ACCOUNT,
        "snapshot_date": day,
        "credential_id": cid,
        "principal_id": pid,
        "kind": "access_key",
        "status": "active",
        "managed_by": "user",
        "created_at": T0,
        **kw,
    }


def grant(pid: str, role: str, day=DAY1, **kw) -> dict:
    return {
        "provider": "aws",
        "tenant_id": ACCOUNT,
        "snapshot_date": day,
        "principal_id": pid,
        "role_id": f"arn:aws:iam::{ACCOUNT}:policy/{role}",
        "role_name": role,
        "scope": ACCOUNT,
        "via": "direct",
        "privilege": "read",
        "privilege_reasons": [f"{role}: s3:GetObject on *"],
        **kw,
    }


def role(name: str, day=DAY1, **kw) -> dict:
    return {
        "provider": "aws",
        "tenant_id": ACCOUNT,
        "snapshot_date": day,
        "role_id": f"arn:aws:iam::{ACCOUNT}:policy/{name}",
        "role_name": name,
        "role_type": "customer_managed",
        "document": '{"Statement":[]}',
        **kw,
    }


def principals(*rows):
    return to_table(PRINCIPALS, list(rows))


def credentials(*rows):
    return to_table(CREDENTIALS, list(rows))


def grants(*rows):
    return to_table(GRANTS, list(rows))


def roles(*rows):
    return to_table(ROLE_DEFINITIONS, list(rows))


def summary(rows: list[dict]) -> set[tuple]:
    """(table, change, entity_key, changed columns) of each change row."""
    return {(r["table_name"], r["change"], r["entity_key"], tuple(r["changed_columns"] or ())) for r in rows}
