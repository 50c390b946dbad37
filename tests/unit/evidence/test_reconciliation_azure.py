"""An Entra tenant's subscriptions in the bundle's reconciliation: the collector's discovery record (written
when the snapshot is sealed) lists what ARM listed; each subscription is reconciled against the collection
entity of its role assignments in the tenant's sealed snapshot, so one listed but not collected is MISSING."""

from __future__ import annotations

import csv
import datetime as dt
import json

from muster.collected import Collected, EntityResult
from muster.config import parse_scope
from muster.evidence import BundleParams, build_bundle
from muster.snapshot import SnapshotStore, seal_collected

TENANT = "7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6"
PROD, SANDBOX, BROKEN, OLD, GONE = (f"{c * 8}-0000-4000-8000-000000000000" for c in "abcde")
DAY1, DAY2 = dt.date(2026, 11, 2), dt.date(2026, 11, 3)


def _collected(day: dt.date) -> Collected:
    entities = [EntityResult("organization", "principals,credentials,grants,role_definitions")]
    entities.append(EntityResult(f"role_assignments/{PROD}", "grants"))
    broken = EntityResult(f"role_assignments/{BROKEN}", "grants")
    broken.fail(f"tenant {TENANT}: role_assignments/{BROKEN}: HTTP 403 AuthorizationFailed: denied")
    entities.append(broken)
    listed = [
        {"subscriptionId": s, "displayName": n, "state": st, "tenantId": TENANT}
        for s, n, st in (
            (PROD, "acme-prod", "Enabled"),
            (SANDBOX, "acme-sandbox", "Enabled"),
            (BROKEN, "acme-broken", "Enabled"),
            (OLD, "acme-old", "Disabled"),
        )
    ]
    record = {
        "tenant_id": TENANT,
        "entity": "role_assignments/{id}",
        "status": "complete",
        "subscriptions": listed,
        "homed_elsewhere": [GONE],
        "collected": [BROKEN, PROD],
        "excluded": [],
    }
    return Collected("azure", TENANT, day, entities=entities, discovery={"subscriptions": record})


def _csv(path) -> list[dict]:
    with path.open() as f:
        return list(csv.DictReader(f))


def test_listed_subscriptions_are_reconciled_against_their_role_assignments(tmp_path):
    store = SnapshotStore(str(tmp_path / "store"))
    seal_collected(
        store, _collected(DAY1), run_id="r1", collected_at=dt.datetime(2026, 11, 2, 3, tzinfo=dt.UTC)
    )
    # DAY2: listed, but the tenant's snapshot was never sealed (the record stays, as if sealed elsewhere).
    record = tmp_path / f"store/discovery/provider=azure/source={TENANT}/date={DAY1}/subscriptions.json"
    written = json.loads(record.read_text())
    assert written == _collected(DAY1).discovery["subscriptions"]
    day2 = record.parent.parent / f"date={DAY2}"
    day2.mkdir()
    (day2 / "subscriptions.json").write_text(record.read_text())

    scope = parse_scope(
        {"version": 1, "tenants": [{"provider": "azure", "id": TENANT, "audit_scope": ["soc2"]}]}, "test"
    )
    out = tmp_path / "bundle"
    build_bundle(str(store.root), out, BundleParams(period_start=DAY1, period_end=DAY2), scope=scope)
    rows = {(r["date"], r["tenant_id"]): r for r in _csv(out / "reconciliation.csv")}
    day1 = {sub: rows[(DAY1.isoformat(), sub)] for sub in (PROD, SANDBOX, BROKEN, OLD)}
    assert {r["provider"] for r in day1.values()} == {"azure"}
    assert {r["source"] for r in day1.values()} == {TENANT}
    assert day1[PROD]["outcome"] == "collected and sealed"
    assert day1[SANDBOX]["outcome"] == (
        f"MISSING: listed but not collected (role_assignments/{SANDBOX} not read: the scope file does not name it)"
    )
    assert day1[BROKEN]["outcome"].startswith(f"MISSING: role_assignments/{BROKEN} failed: tenant {TENANT}")
    assert day1[OLD]["outcome"] == "not collected: state Disabled"
    assert [(day1[s]["in_scope"], day1[s]["sealed"]) for s in (PROD, SANDBOX)] == [
        ("true", "true"),
        ("false", "true"),
    ]
    assert rows[(DAY2.isoformat(), PROD)]["outcome"] == (
        f"MISSING: listed but azure:{TENANT} has no sealed snapshot"
    )
    # A subscription is not a tenant: no coverage rows of its own, and the Entra tenant's day 2 is a gap.
    coverage = _csv(out / "coverage.csv")
    assert {r["tenant_id"] for r in coverage} == {TENANT}
    assert {r["status"] for r in coverage if r["date"] == DAY2.isoformat()} == {"missing"}
    assert (DAY1.isoformat(), GONE) not in rows


def test_a_bundle_without_a_scope_file_does_not_take_subscriptions_for_tenants(tmp_path):
    store = SnapshotStore(str(tmp_path / "store"))
    seal_collected(
        store, _collected(DAY1), run_id="r1", collected_at=dt.datetime(2026, 11, 2, 3, tzinfo=dt.UTC)
    )
    out = tmp_path / "bundle"
    build_bundle(str(store.root), out, BundleParams(period_start=DAY1, period_end=DAY1))
    assert {r["tenant_id"] for r in _csv(out / "coverage.csv")} == {TENANT}
