"""Type 2 populations of the period: offboardings with their revocation timing, new access, privileged grants
added, and credentials/identities that existed in the period (deleted ones included), each complete from
observed data, with the unobserved days named, and sampled reproducibly.

The store is sealed and derived through the real code (snapshots, changes, findings, ledger), one AWS
account over a day before the period and six days in it, 2026-11-06 never collected:
- alice (human) is disabled on 11-03; her access key is deactivated on 11-05 (2 days, SLA 1);
- svc-billing (NHI owned by alice): key K-SVC deactivated on 11-04; key K-TEMP created on 11-03 and gone
  (deleted) on 11-05;
- bob (human) first appears on 11-04 with a read grant; svc-billing is granted admin on 11-04.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json

import pytest
from muster.collected import Collected, EntityResult
from muster.config import parse_scope
from muster.derive import derive_day
from muster.evidence import BundleParams, build_bundle, verify_bundle
from muster.evidence.events import event_sample_size
from muster.snapshot import SnapshotRef, SnapshotStore, seal_collected

A = "111111111111"
PRE = dt.date(2026, 11, 1)
D = [dt.date(2026, 11, 2) + dt.timedelta(days=i) for i in range(6)]
MISSING = dt.date(2026, 11, 6)
T0 = dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC)
TEMP_CREATED = dt.datetime(2026, 11, 3, 1, tzinfo=dt.UTC)


def _person(pid, name, enabled=True):
    return dict(
        principal_id=pid, name=name, kind="human_user", is_nhi=False, nhi_reason="path", enabled=enabled
    )


def _key(cid, pid, status="active", created=T0):
    return dict(
        credential_id=cid,
        principal_id=pid,
        kind="access_key",
        external_id=f"AKIA{cid}",
        status=status,
        managed_by="user",
        created_at=created,
    )


def _grant(pid, role, privilege):
    return dict(
        principal_id=pid,
        role_id=role,
        role_name=role,
        scope="*",
        via="direct",
        privilege=privilege,
        privilege_reasons=[f"{role} test"],
    )


SVC = dict(
    principal_id="P1",
    name="svc-billing",
    kind="service_user",
    is_nhi=True,
    nhi_reason="path /service/",
    enabled=True,
    owner="alice@acme.example",
    owner_source="tag:owner",
)


def _day(day: dt.date) -> dict:
    principals = [_person("H1", "alice", enabled=day < D[1]), SVC]
    if day >= D[2]:
        principals.append(_person("H2", "bob"))
    creds = [
        _key("KALICE", "H1", "active" if day < D[3] else "inactive"),
        _key("KSVC", "P1", "active" if day < D[2] else "inactive"),
    ]
    if D[1] <= day < D[3]:
        creds.append(_key("KTEMP", "P1", created=TEMP_CREATED))
    grants = [_grant("P1", "r-read", "read")]
    if day >= D[2]:
        grants += [_grant("P1", "r-admin", "admin"), _grant("H2", "r-read", "read")]
    return dict(principals=principals, credentials=creds, grants=grants)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("period-store"))
    store = SnapshotStore(root)
    for day in [PRE, *D]:
        if day == MISSING:
            continue
        prov = dict(provider="aws", tenant_id=A, snapshot_date=day)
        rows = {k: [{**prov, **r} for r in v] for k, v in _day(day).items()}
        entities = [EntityResult("caller_identity", "principals,credentials,grants,role_definitions")]
        collected = Collected("aws", A, day, **rows, entities=entities)
        at = dt.datetime.combine(day, dt.time(3), tzinfo=dt.UTC)
        seal_collected(store, collected, run_id=f"run-{day}", collected_at=at)
        derive_day(root, SnapshotRef("aws", A, day))
    return root


SCOPE = parse_scope({"version": 1, "tenants": [{"provider": "aws", "id": A, "audit_scope": ["soc2"]}]}, "t")


def _build(root, out, report_type="type2", seed=0):
    params = BundleParams(period_start=D[0], period_end=D[-1], report_type=report_type, seed=seed)
    build_bundle(root, out, params, scope=SCOPE)
    return out


@pytest.fixture(scope="module")
def bundle(root, tmp_path_factory):
    return _build(root, tmp_path_factory.mktemp("b") / "bundle")


def _csv(path) -> list[dict]:
    with path.open() as f:
        return list(csv.DictReader(f))


def _samples(out, population) -> list[dict]:
    return [r for r in _csv(out / "samples.csv") if r["population"] == population]


def test_an_offboarding_in_the_period_carries_its_revocation_timing(bundle):
    [alice] = _csv(bundle / "period_populations/offboardings.csv")
    assert {k: alice[k] for k in ("principal_id", "name", "offboarding", "offboarded_on")} == {
        "principal_id": "H1",
        "name": "alice",
        "offboarding": "disabled",
        "offboarded_on": "2026-11-03",
    }
    assert alice["previous_observed_on"] == "2026-11-02"  # it happened after that day and by 11-03
    # her own key: deactivated 11-05, 2 days after; her NHI's keys: K-SVC 1 day, K-TEMP deleted 11-05, 2 days
    assert (alice["own_credentials"], alice["own_revoked"], alice["own_last_revoked_on"]) == (
        "1",
        "1",
        "2026-11-05",
    )
    assert (alice["owned_nhi_credentials"], alice["nhi_revoked"], alice["nhi_open"]) == ("2", "2", "0")
    assert (alice["max_days"], alice["sla_days"], alice["within_sla"]) == ("2", "1", "false")
    [drawn] = _samples(bundle, "offboardings@period")
    assert drawn["member_key"] == alice["member_key"] and drawn["date"] == "2026-11-03"


def test_a_credential_created_and_deleted_mid_period_is_in_the_type2_population(bundle):
    creds = {r["credential_id"]: r for r in _csv(bundle / "period_populations/credentials.csv")}
    assert set(creds) == {"KALICE", "KSVC", "KTEMP"}
    assert (creds["KTEMP"]["first_seen"], creds["KTEMP"]["deleted_on"], creds["KTEMP"]["status"]) == (
        "2026-11-03",
        "2026-11-05",
        "deleted",
    )
    sampled = {json.loads(r["member_key"])["credential_id"] for r in _samples(bundle, "credentials@period")}
    assert "KTEMP" in sampled
    as_of = {json.loads(r["member_key"])["credential_id"] for r in _samples(bundle, "credentials@as_of")}
    assert "KTEMP" not in as_of  # the point-in-time population cannot show it


def test_new_access_is_the_credentials_issued_and_identities_created_in_the_period(bundle):
    got = {
        (r["entity"], r["entity_id"], r["issued_on"])
        for r in _csv(bundle / "period_populations/new_access.csv")
    }
    assert got == {("credential", "KTEMP", "2026-11-03"), ("principal", "H2", "2026-11-04")}


def test_a_privileged_grant_added_is_in_its_population_and_a_read_grant_is_not(bundle):
    rows = _csv(bundle / "period_populations/privileged_grants_added.csv")
    assert [
        (r["principal_id"], r["role_id"], r["change"], r["privilege"], r["seen_on"], r["baseline_date"])
        for r in rows
    ] == [("P1", "r-admin", "added", "admin", "2026-11-04", "2026-11-03")]
    assert [
        json.loads(r["member_key"])["role_id"] for r in _samples(bundle, "privileged_grants_added@period")
    ] == ["r-admin"]


def test_an_unobserved_day_is_named_in_the_completeness_note(bundle):
    html = (bundle / "report.html").read_text()
    pops = html[html.index("<h2>Population definitions") :]
    for name in ("offboardings@period", "new_access@period", "credentials@period"):
        row = pops[pops.index(f"<td>{name}</td>") :].split("</tr>")[0]
        assert f"aws:{A}: " in row and "not observed completely on 2026-11-06 missing" in row
    grants = pops[pops.index("<td>privileged_grants_added@period</td>") :].split("</tr>")[0]
    assert "grants/changes not observed completely on 2026-11-06 missing" in grants


def test_period_populations_are_listed_in_the_manifest_and_sums_and_verify(bundle):
    manifest = json.loads((bundle / "manifest.json").read_text())
    sums = (bundle / "SHA256SUMS").read_text()
    for name in ("offboardings", "new_access", "privileged_grants_added", "credentials", "principals"):
        rel = f"period_populations/{name}.csv"
        digest = hashlib.sha256((bundle / rel).read_bytes()).hexdigest()
        assert manifest["files"][rel] == digest and f"{digest}  {rel}\n" in sums
    assert "period_populations/" in manifest["derivations"]
    assert verify_bundle(bundle).problems == []


def test_period_samples_are_reproducible_with_the_seed(root, bundle, tmp_path):
    again = _build(root, tmp_path / "again")
    assert (again / "SHA256SUMS").read_bytes() == (bundle / "SHA256SUMS").read_bytes()
    other = _build(root, tmp_path / "other", seed=7)
    assert _samples(other, "credentials@period") != _samples(bundle, "credentials@period")
    for r in _samples(bundle, "credentials@period") + _samples(bundle, "offboardings@period"):
        expect = hashlib.sha256(f"0:{r['population']}:{r['member_key']}".encode()).hexdigest()
        assert r["sample_key"] == expect


def test_per_event_samples_take_at_least_a_tenth_of_the_population():
    assert event_sample_size(1000, 25) == 100
    assert event_sample_size(100, 25) == 25
    assert event_sample_size(7, 25) == 7


def test_type1_keeps_point_in_time_populations_only(root, tmp_path):
    out = _build(root, tmp_path / "t1", report_type="type1")
    assert not (out / "period_populations").exists()
    assert not any(r["population"].endswith("@period") for r in _csv(out / "samples.csv"))
    assert "Type 1" in (out / "README.md").read_text().split("## Populations of the period")[1]
