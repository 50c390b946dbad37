"""End to end: real Airflow runs muster_nightly for two sandbox days; the sealed snapshots are read back
through SnapshotStore and must match the scenario's state on each day."""

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from muster.sandbox.scenario import load_scenario, state_on
from muster.snapshot import SnapshotRef, SnapshotStore

pytestmark = pytest.mark.e2e

MGMT, MEMBER = "123456789012", "210987654321"
DAYS = (dt.date(2026, 11, 2), dt.date(2026, 11, 3))
MEMBER_ROLE = "OrganizationAccountAccessRole"
SCENARIO = Path(__file__).with_name("scenario.yaml")


@pytest.fixture(scope="module")
def store(nightly_run):
    return SnapshotStore(str(nightly_run["root"]))


def expected(tenant: str, day: int) -> dict:
    """What the snapshot of `tenant` on `day` must hold, derived from the scenario itself."""
    account = state_on(load_scenario(SCENARIO), day).aws.account(tenant)
    roles = {r.name for r in account.roles} | ({MEMBER_ROLE} if tenant == MEMBER else set())
    return {
        "principals": {u.name for u in account.users} | roles,
        "access_keys": {(u.name, k.created, k.status) for u in account.users for k in u.access_keys},
        "passwords": {u.name for u in account.users if u.console},
    }


def observed(store: SnapshotStore, ref: SnapshotRef) -> dict:
    names = {p["principal_id"]: p["name"] for p in store.read_table(ref, "principals").to_pylist()}
    creds = store.read_table(ref, "credentials").to_pylist()
    return {
        "principals": set(names.values()),
        "access_keys": {
            (names[c["principal_id"]], c["created_at"], c["status"])
            for c in creds
            if c["kind"] == "access_key"
        },
        "passwords": {names[c["principal_id"]] for c in creds if c["kind"] == "password"},
    }


def test_the_run_reports_every_snapshot(nightly_run):
    out = nightly_run["stdout"]
    assert "Muster demo: sealed snapshots" in out
    assert f"4 snapshots sealed under {nightly_run['root'] / 'snapshots'}" in out
    assert out.count("run success") == 2


def test_two_tenants_are_sealed_for_each_day(store):
    assert store.list_snapshots() == [SnapshotRef("aws", t, d) for t in (MGMT, MEMBER) for d in DAYS]


@pytest.mark.parametrize("tenant", [MGMT, MEMBER])
@pytest.mark.parametrize("day", [0, 1])
def test_snapshot_rows_match_the_scenario_state(store, tenant, day):
    assert observed(store, SnapshotRef("aws", tenant, DAYS[day])) == expected(tenant, day)


def test_the_changes_of_day_one_are_visible(store):
    before, after = (observed(store, SnapshotRef("aws", MEMBER, d)) for d in DAYS)
    assert before["passwords"] - after["passwords"] == {"dana.kim"}
    assert {k for k in after["access_keys"] if k[2] == "inactive"} == {
        ("dana.kim", dt.datetime(2024, 12, 1, 15, tzinfo=dt.UTC), "inactive")
    }

    def admins(date):
        ref = SnapshotRef("aws", MEMBER, date)
        names = {p["principal_id"]: p["name"] for p in store.read_table(ref, "principals").to_pylist()}
        return {
            (names[g["principal_id"]], g["role_name"])
            for g in store.read_table(ref, "grants").to_pylist()
            if g["privilege"] == "admin"
        }

    assert admins(DAYS[0]) == {(MEMBER_ROLE, "AdministratorAccess")}
    assert admins(DAYS[1]) == {(MEMBER_ROLE, "AdministratorAccess"), ("pipeline", "AdministratorAccess")}


@pytest.mark.parametrize("tenant", [MGMT, MEMBER])
def test_manifests_are_sealed_chained_and_say_the_clock_was_simulated(store, tenant):
    first, second = (SnapshotRef("aws", tenant, d) for d in DAYS)
    m0, m1 = store.manifest(first), store.manifest(second)
    assert m0["previous_manifest"] is None
    assert m1["previous_manifest"] == {
        "snapshot_date": "2026-11-02",
        "sha256": hashlib.sha256(store.manifest_bytes(first)).hexdigest(),
    }
    assert (m0["clock"], m1["clock"]) == ("simulated", "simulated")
    assert (m0["collected_at"], m1["collected_at"]) == (
        "2026-11-02T03:00:00+00:00",
        "2026-11-03T03:00:00+00:00",
    )
    assert (m0["status"], m1["status"]) == ("complete", "complete")
    assert store.verify(first) == [] and store.verify(second) == []


@pytest.mark.parametrize("tenant", [MGMT, MEMBER])
def test_the_collection_ledger_names_what_was_not_collected(store, tenant):
    ref = SnapshotRef("aws", tenant, DAYS[1])
    statuses = {r["entity"]: r["status"] for r in store.read_table(ref, "collection").to_pylist()}
    assert statuses["service_specific_credentials"] == "not_collected"  # moto does not implement it
    assert {e for e, s in statuses.items() if s != "complete"} == {"service_specific_credentials"}
    caller = {r["caller_identity"] for r in store.read_table(ref, "collection").to_pylist()}
    assert len(caller) == 1 and f":{tenant}:" in caller.pop()


def test_runs_discovery_and_staging_leave_their_records(nightly_run):
    root = nightly_run["root"]
    for date in DAYS:
        [record] = [json.loads(p.read_text()) for p in (root / f"runs/date={date}").glob("*.json")]
        assert record["status"] == "sealed"
        assert [(s["tenant_id"], s["snapshot_date"], s["status"]) for s in record["snapshots"]] == [
            (MGMT, date.isoformat(), "complete"),
            (MEMBER, date.isoformat(), "complete"),
        ]
        discovery = json.loads(
            (root / f"discovery/provider=aws/source={MGMT}/date={date}/accounts.json").read_text()
        )
        assert [(a["Id"], a["Status"]) for a in discovery["accounts"]] == [
            (MGMT, "ACTIVE"),
            (MEMBER, "ACTIVE"),
        ]
    assert not any((root / "staging").rglob("*.parquet"))
