"""Build small tenant-days for rule tests: rows with sensible defaults, a manifest, and an evaluate call."""

from __future__ import annotations

import datetime as dt
import json

from muster.config import Tenant
from muster.rules import evaluate
from muster.schema import COLLECTION, CREDENTIALS, GRANTS, PRINCIPALS, ROLE_DEFINITIONS, to_table

TENANT = "123456789012"
DAY = dt.date(2026, 11, 26)
AS_OF = dt.datetime(2026, 11, 26, 3, 30, tzinfo=dt.UTC)
REPORT_AT = dt.datetime(2026, 11, 26, 3, 10, tzinfo=dt.UTC)
BASE = {"provider": "aws", "tenant_id": TENANT, "snapshot_date": DAY}


def ago(days: float = 0, hours: float = 0) -> dt.datetime:
    """A time `days`/`hours` before the credential report's as-of."""
    return REPORT_AT - dt.timedelta(days=days, hours=hours)


def principal(pid: str, name: str, **kw) -> dict:
    row = {
        **BASE,
        "principal_id": pid,
        "name": name,
        "arn_or_resource": f"arn:aws:iam::{TENANT}:user/{name}",
        "kind": "service_user",
        "is_nhi": True,
        "nhi_reason": "test",
        "enabled": True,
        "console_access": False,
        "mfa_enabled": False,
        "path": "/service/",
        "created_at": ago(500),
        "last_used_at": ago(1),
        "last_used_source": "credential_report:access_key_1_last_used_date",
        "owner": "alice",
        "owner_source": "tag:owner",
        "boundary_role_id": None,
        "tags": {},
    }
    return {**row, **kw}


def human(pid: str, name: str, **kw) -> dict:
    return principal(
        pid, name, kind="human_user", is_nhi=False, owner=None, owner_source=None, path="/people/", **kw
    )


def role(pid: str, name: str, **kw) -> dict:
    kw.setdefault("last_used_source", "iam:RoleLastUsed")
    kw.setdefault("path", "/")
    return principal(pid, name, kind="role", arn_or_resource=f"arn:aws:iam::{TENANT}:role/{name}", **kw)


def credential(cid: str, pid: str, **kw) -> dict:
    row = {
        **BASE,
        "credential_id": cid,
        "principal_id": pid,
        "kind": "access_key",
        "external_id": None,
        "status": "active",
        "managed_by": "user",
        "created_at": ago(30),
        "expires_at": None,
        "last_used_at": ago(1),
        "last_used_source": "credential_report:access_key_1_last_used_date",
        "last_used_service": None,
        "last_used_region": None,
    }
    return {**row, **kw}


def grant(pid: str, role_id: str, privilege: str = "read", **kw) -> dict:
    row = {
        **BASE,
        "principal_id": pid,
        "role_id": role_id,
        "role_name": role_id.rsplit("/", 1)[-1],
        "scope": f"account/{TENANT}",
        "via": "direct",
        "condition": None,
        "privilege": privilege,
        "privilege_reasons": [f"policy {role_id} statement 0: verdict {privilege}"],
    }
    return {**row, **kw}


def trust(role_name: str, document: dict) -> dict:
    return {
        **BASE,
        "role_id": f"arn:aws:iam::{TENANT}:role/{role_name}/trust",
        "role_name": f"{role_name} trust policy",
        "role_type": "trust_policy",
        "description": None,
        "document": json.dumps(document, sort_keys=True),
        "version_id": None,
        "created_at": None,
        "updated_at": None,
    }


def collection(status: dict[str, str] | None = None) -> list[dict]:
    """Collection rows: the credential report carries REPORT_AT as its source as-of."""
    entities = {
        "authorization_details": "principals,grants,role_definitions",
        "credential_report": "principals,credentials:access_key,credentials:signing_certificate,credentials:password",
    }
    return [
        {
            **BASE,
            "run_id": "test",
            "entity": e,
            "status": (status or {}).get(e, "complete"),
            "feeds": feeds,
            "api_calls": 1,
            "pages": 1,
            "retries": 0,
            "throttles": 0,
            "items": 0,
            "error": None,
            "caller_identity": None,
            "collector_version": "test",
            "source_as_of": REPORT_AT if e == "credential_report" else None,
            "collected_at": AS_OF,
        }
        for e, feeds in entities.items()
    ]


def tables(principals=(), credentials=(), grants=(), role_definitions=()) -> dict:
    return {
        "principals": to_table(PRINCIPALS, list(principals)),
        "credentials": to_table(CREDENTIALS, list(credentials)),
        "grants": to_table(GRANTS, list(grants)),
        "role_definitions": to_table(ROLE_DEFINITIONS, list(role_definitions)),
        "collection": to_table(COLLECTION, collection()),
    }


def manifest(
    statuses: dict[str, str] | None = None, not_collected: dict[str, list[str]] | None = None
) -> dict:
    entries = {
        t: {"status": (statuses or {}).get(t, "complete"), "not_collected": (not_collected or {}).get(t, [])}
        for t in ("principals", "credentials", "grants", "role_definitions")
    }
    return {
        "provider": "aws",
        "tenant_id": TENANT,
        "snapshot_date": DAY.isoformat(),
        "collected_at": AS_OF.isoformat(),
        "status": "complete",
        "tables": {**entries, "collection": {}},
        "versions": {"schema": "1"},
    }


def run(tbls: dict, man: dict | None = None, tenant: Tenant | None = None, **kw):
    tenant = tenant or Tenant(provider="aws", id=TENANT, audit_scope=("soc2",))
    return evaluate(tbls, man or manifest(), tenant, AS_OF, **kw)


def of(findings, rule_id: str) -> set[tuple[str, str]]:
    """(result, entity_id) of one rule's findings."""
    return {(r["result"], r["entity_id"]) for r in findings.to_pylist() if r["rule_id"] == rule_id}


def row(findings, rule_id: str, entity_id: str) -> dict:
    [found] = [r for r in findings.to_pylist() if r["rule_id"] == rule_id and r["entity_id"] == entity_id]
    return found
