"""A small sealed store for evidence tests: three tenants (two AWS, one GCP) over five days.

- aws 111111111111: soc1 + soc2, every day; partial credential collection on 11-05; findings every day.
- aws 222222222222: soc2 through the organisation; no snapshot on 11-04 (a gap day).
- gcp proj-alpha: soc2, every day.
- discovery on every day lists 333333333333 too, ACTIVE and never collected.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from muster.schema import COLLECTION, CREDENTIALS, FINDINGS, GRANTS, PRINCIPALS, ROLE_DEFINITIONS, to_table
from muster.snapshot import SnapshotRef, SnapshotStore
from muster.snapshot.derived import DerivedStore

START = dt.date(2026, 11, 2)
DAYS = [START + dt.timedelta(days=i) for i in range(5)]
A1, A2, A3, G1 = "111111111111", "222222222222", "333333333333", "proj-alpha"
GAP = (A2, dt.date(2026, 11, 4))
PARTIAL = (A1, dt.date(2026, 11, 5))
OBJECTIVES = {"CO-1": "Only authorised users reach the billing ledger.", "CO-2": "Unused objective."}


def _at(day: dt.date, hour: int = 3) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def tables(provider: str, tenant: str, day: dt.date, status: str = "complete") -> dict:
    base = {"provider": provider, "tenant_id": tenant, "snapshot_date": day}
    # one new service identity per day; a failed collection is sealed with no rows (as the nightly DAG does)
    n = 0 if status == "failed" else 3 + (day - START).days
    principals = [
        {
            **base,
            "principal_id": f"{tenant}-p{i}",
            "name": f"svc-{i}" if i else "alice",
            "kind": "service_user" if i else "human_user",
            "is_nhi": bool(i),
            "nhi_reason": "test",
        }
        for i in range(n)
    ]
    creds = [
        {
            **base,
            "credential_id": f"{tenant}-k{i}",
            "principal_id": f"{tenant}-p{i}",
            "kind": "access_key",
            "external_id": f"AKIA{tenant[-4:]}{i:04d}",
            "status": "active" if i % 2 else "inactive",
            "managed_by": "user",
            "created_at": _at(dt.date(2026, 1, 1) + dt.timedelta(days=30 * i)),
        }
        for i in range(n)
    ]
    grants = [
        {
            **base,
            "principal_id": f"{tenant}-p{i}",
            "role_id": "r-admin",
            "role_name": "admin",
            "scope": "*",
            "via": "direct",
            "privilege": "admin",
            "privilege_reasons": ["test"],
        }
        for i in range(min(n, 2))
    ]
    roles = [
        {
            **base,
            "role_id": "r-admin",
            "role_name": "admin",
            "role_type": "customer_managed",
            "document": "{}",
        }
    ][: min(n, 1)]
    collection = [
        {
            **base,
            "run_id": f"run-{day}",
            "entity": "inventory",
            "status": status,
            "feeds": "principals,credentials,grants,role_definitions",
            "api_calls": 4,
            "pages": 4,
            "retries": 0,
            "throttles": 0,
            "items": n,
            "error": None if status == "complete" else f"tenant {tenant}: page 2 failed",
            "collector_version": "0.1.0",
            "collected_at": _at(day),
            "source_as_of": _at(day, 1),
        }
    ]
    return {
        "principals": to_table(PRINCIPALS, principals),
        "credentials": to_table(CREDENTIALS, creds),
        "grants": to_table(GRANTS, grants),
        "role_definitions": to_table(ROLE_DEFINITIONS, roles),
        "collection": to_table(COLLECTION, collection),
    }


def finding_rows(tenant: str, day: dt.date) -> list[dict]:
    return [
        {
            "provider": "aws",
            "tenant_id": tenant,
            "snapshot_date": day,
            "finding_id": f"stale:{tenant}-k1",
            "rule_id": "credential_unused",
            "severity": "high",
            "result": "fail",
            "entity_type": "credential",
            "entity_id": f"{tenant}-k1",
            "principal_id": f"{tenant}-p1",
            "principal_name": "svc-1",
            "credential_id": f"{tenant}-k1",
            "sentence": f"Access key of svc-1 in {tenant} unused for 200 days.",
            "evidence": "{}",
            "criteria": ["SOC2:CC6.1", "SOC1:CO-1"],
            "as_of": _at(day),
        },
    ]


def write_discovery(root: Path, day: dt.date) -> None:
    path = root / f"discovery/provider=aws/source={A1}/date={day}/accounts.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    accounts = [{"Id": a, "Name": a, "Status": "ACTIVE"} for a in (A1, A2, A3)]
    record = {
        "management_account": A1,
        "status": "complete",
        "accounts": accounts,
        "collected": [A1, A2],
        "excluded": [],
    }
    path.write_text(json.dumps(record))


def scope_data() -> dict:
    return {
        "version": 1,
        "soc1_objectives": OBJECTIVES,
        "organizations": [{"provider": "aws", "management_account": A1, "audit_scope": ["soc2"]}],
        "tenants": [
            {
                "provider": "aws",
                "id": A1,
                "name": "billing",
                "audit_scope": ["soc1", "soc2"],
                "soc1_objectives": ["CO-1"],
            },
            {"provider": "gcp", "id": G1, "audit_scope": ["soc2"]},
        ],
    }


def build_store(root: Path) -> SnapshotStore:
    store = SnapshotStore(str(root))
    derived = DerivedStore(store)
    for day in DAYS:
        write_discovery(root, day)
        for provider, tenant in (("aws", A1), ("aws", A2), ("gcp", G1)):
            if (tenant, day) == GAP:
                continue
            status = "partial" if (tenant, day) == PARTIAL else "complete"
            ref = SnapshotRef(provider, tenant, day)
            store.write_snapshot(
                ref, tables(provider, tenant, day, status), run_id=f"run-{day}", collected_at=_at(day)
            )
        ref = SnapshotRef("aws", A1, day)
        derived.write(
            "findings",
            ref,
            {"findings": (FINDINGS, to_table(FINDINGS, finding_rows(A1, day)))},
            inputs={f"snapshot {day}": "x"},
        )
    return store
