"""The nightly steps without Airflow: plan (observability, discovery), collect (final-attempt failure),
seal (never over a sealed day), publish and the summary. Collectors and discovery are stand-ins passed in."""

import datetime as dt
import json

import pytest
import yaml
from muster import nightly
from muster.collected import Collected, EntityResult
from muster.config import AwsOrganization, Tenant
from muster.providers.aws.session import TenantAccessError
from muster.snapshot import SnapshotRef, SnapshotStore

NOW = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
MIDNIGHT = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
RUN = "scheduled__2026-11-02T00:00:00+00:00"
SAFE_RUN = "scheduled__2026-11-02T00_00_00_00_00"
MGMT, MEMBER, OTHER = "123456789012", "210987654321", "345678901234"


@pytest.fixture
def scope_file(tmp_path):
    path = tmp_path / "scope.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "tenants": [
                    {
                        "provider": "aws",
                        "id": OTHER,
                        "name": "explicit",
                        "role_arn": f"arn:aws:iam::{OTHER}:role/x",
                    }
                ],
                "organizations": [{"management_account": MGMT, "exclude": ["999999999999"]}],
            }
        )
    )
    return str(path)


def discovered(org: AwsOrganization):
    tenants = [
        Tenant(provider="aws", id=MGMT, name="mgmt", discovered_from="o-1"),
        Tenant(provider="aws", id=OTHER, name="from-discovery", discovered_from="o-1"),
    ]
    listing = [
        {"Id": MGMT, "Name": "mgmt", "Status": "ACTIVE"},
        {"Id": OTHER, "Name": "x", "Status": "ACTIVE"},
        {"Id": "999999999999", "Name": "old", "Status": "SUSPENDED"},
    ]
    return tenants, listing


def never_called(org):
    raise AssertionError("discovery must not run when nothing is observable")


def read_json(root, rel):
    return json.loads((root / rel).read_text())


# -- plan ------------------------------------------------------------------------------------------
def test_plan_lists_explicit_and_discovered_tenants_explicit_winning(scope_file, tmp_path):
    specs = nightly.plan(scope_file, str(tmp_path / "store"), MIDNIGHT, RUN, now=NOW, discover=discovered)

    assert [
        (s["provider"], s["tenant_id"], s["snapshot_date"], s["sandbox"], s["tenant"]["name"]) for s in specs
    ] == [
        ("aws", MGMT, "2026-11-02", False, "mgmt"),
        ("aws", OTHER, "2026-11-02", False, "explicit"),
    ]
    assert Tenant.model_validate(specs[1]["tenant"]).role_arn == f"arn:aws:iam::{OTHER}:role/x"
    json.dumps(specs)  # XCom carries them: JSON-able, small
    store = tmp_path / "store"
    assert read_json(store, f"discovery/provider=aws/source={MGMT}/date=2026-11-02/accounts.json") == {
        "management_account": MGMT,
        "status": "complete",
        "accounts": discovered(None)[1],
        "collected": [MGMT, OTHER],
        "excluded": ["999999999999"],
    }
    assert read_json(store, f"runs/date=2026-11-02/{SAFE_RUN}.json") == {
        "run_id": RUN,
        "logical_date": "2026-11-02T00:00:00+00:00",
        "status": "planned",
        "observed_at": "2026-11-02T03:00:00+00:00",
        "tenants": [f"aws:{MGMT}", f"aws:{OTHER}"],
    }


def test_plan_labels_snapshots_with_the_observed_date_not_the_logical_date(scope_file, tmp_path):
    late = dt.datetime(2026, 11, 3, 1, 0, tzinfo=dt.UTC)  # within 36 h of the logical date, but a day later
    specs = nightly.plan(scope_file, str(tmp_path), MIDNIGHT, RUN, now=late, discover=discovered)
    assert {s["snapshot_date"] for s in specs} == {"2026-11-03"}


def test_a_logical_date_too_far_in_the_past_is_not_observable(scope_file, tmp_path):
    stale = dt.datetime(2026, 10, 30, tzinfo=dt.UTC)  # 75 h before the clock; tolerance 36 h
    assert nightly.plan(scope_file, str(tmp_path), stale, RUN, now=NOW, discover=never_called) == []

    record = read_json(tmp_path, f"runs/date=2026-10-30/{SAFE_RUN}.json")
    assert record["status"] == "not_observable" and record["tenants"] == []
    assert "the past cannot be observed" in record["reason"] and "36 h tolerance" in record["reason"]
    assert not (tmp_path / "discovery").exists() and not (tmp_path / "snapshots").exists()


def test_the_tolerance_boundary_is_still_observable(scope_file, tmp_path):
    edge = NOW - dt.timedelta(hours=36)
    assert len(nightly.plan(scope_file, str(tmp_path), edge, RUN, now=NOW, discover=discovered)) == 2
    assert (
        nightly.plan(
            scope_file, str(tmp_path), edge - dt.timedelta(seconds=1), RUN, now=NOW, discover=discovered
        )
        == []
    )


def test_failed_discovery_is_recorded_and_known_tenants_still_planned(scope_file, tmp_path):
    def denied(org):
        raise TenantAccessError(
            f"organization of {org.management_account}: cannot list accounts: AccessDenied"
        )

    specs = nightly.plan(scope_file, str(tmp_path), MIDNIGHT, RUN, now=NOW, discover=denied)

    assert [s["tenant_id"] for s in specs] == [OTHER]
    assert read_json(tmp_path, f"discovery/provider=aws/source={MGMT}/date=2026-11-02/accounts.json") == {
        "management_account": MGMT,
        "status": "failed",
        "error": f"organization of {MGMT}: cannot list accounts: AccessDenied",
        "accounts": None,
    }


def test_paths_come_from_params_then_environment(monkeypatch):
    monkeypatch.setenv(nightly.SCOPE_ENV, "/env/scope.yaml")
    monkeypatch.setenv(nightly.ROOT_ENV, "s3://bucket/muster")
    assert nightly.resolve_paths(None, None) == ("/env/scope.yaml", "s3://bucket/muster")
    assert nightly.resolve_paths("/p/scope.yaml", "/p/root") == ("/p/scope.yaml", "/p/root")
    monkeypatch.delenv(nightly.ROOT_ENV)
    with pytest.raises(nightly.NightlyError, match=r"needs root \(or MUSTER_ROOT\)"):
        nightly.resolve_paths(None, None)


def test_run_ids_become_one_safe_path_segment():
    assert (
        nightly.sanitise("manual__2026-11-02T03:00:00.123+00:00") == "manual__2026-11-02T03_00_00.123_00_00"
    )
    assert nightly.sanitise("../../etc") == ".._.._etc"


# -- collect / seal --------------------------------------------------------------------------------
def spec(tenant_id=MEMBER, date="2026-11-02", sandbox=False):
    return {
        "provider": "aws",
        "tenant_id": tenant_id,
        "snapshot_date": date,
        "sandbox": sandbox,
        "tenant": Tenant(provider="aws", id=tenant_id).model_dump(mode="json"),
    }


def stand_in(tenant: Tenant, date: dt.date) -> Collected:
    """Two principals and one key, as a collector would hand them over."""
    c = Collected("aws", tenant.id, date, caller_identity=f"arn:aws:sts::{tenant.id}:assumed-role/r/muster")
    c.principals = [
        dict(
            c.provenance(),
            principal_id="AIDAHUMAN",
            name="alice",
            kind="human_user",
            is_nhi=False,
            nhi_reason="console password",
        ),
        dict(
            c.provenance(),
            principal_id="AIDASVC",
            name="svc-etl",
            kind="service_user",
            is_nhi=True,
            nhi_reason="service path",
        ),
    ]
    c.credentials = [
        dict(
            c.provenance(),
            credential_id="AKIAEXAMPLE",
            principal_id="AIDASVC",
            kind="access_key",
            status="active",
            managed_by="user",
        ),
    ]
    c.entities = [
        EntityResult("authorization_details", "principals,grants,role_definitions", api_calls=1),
        EntityResult("credential_report", "principals,credentials", api_calls=2),
    ]
    return c


def exploding(tenant: Tenant, date: dt.date) -> Collected:
    raise KeyError("UserDetailList")


def test_collect_stages_tables_and_seal_writes_the_snapshot(tmp_path):
    root = str(tmp_path)
    staged = nightly.collect_tenant(spec(), root, RUN, final_attempt=False, collector=stand_in, now=NOW)

    rel = f"staging/{SAFE_RUN}/provider=aws/tenant={MEMBER}"
    assert staged == {
        "provider": "aws",
        "tenant_id": MEMBER,
        "snapshot_date": "2026-11-02",
        "staging": rel,
        "status": "complete",
        "collected_at": "2026-11-02T03:00:00+00:00",
        "clock": "real",
        "rows": {"principals": 2, "credentials": 1, "grants": 0, "role_definitions": 0, "collection": 2},
    }
    assert sorted(p.name for p in (tmp_path / rel).iterdir()) == [
        "_STAGED.json",
        "collection.parquet",
        "credentials.parquet",
        "grants.parquet",
        "principals.parquet",
        "role_definitions.parquet",
    ]
    assert not (tmp_path / "snapshots").exists()  # nothing is visible before sealing

    summary = nightly.seal_tenant(staged, root, RUN)

    assert summary == {
        "provider": "aws",
        "tenant_id": MEMBER,
        "snapshot_date": "2026-11-02",
        "status": "complete",
        "rows": {"collection": 2, "credentials": 1, "grants": 0, "principals": 2, "role_definitions": 0},
    }
    store = SnapshotStore(root)
    ref = SnapshotRef("aws", MEMBER, dt.date(2026, 11, 2))
    manifest = store.manifest(ref)
    assert (manifest["run_id"], manifest["clock"], manifest["collected_at"]) == (
        RUN,
        "real",
        "2026-11-02T03:00:00+00:00",
    )
    assert {r["name"] for r in store.read_table(ref, "principals").to_pylist()} == {"alice", "svc-etl"}
    assert store.verify(ref) == []
    assert not (tmp_path / rel).exists()


def test_an_unexpected_error_is_raised_for_airflow_to_retry_before_the_final_attempt(tmp_path):
    with pytest.raises(KeyError, match="UserDetailList"):
        nightly.collect_tenant(spec(), str(tmp_path), RUN, final_attempt=False, collector=exploding, now=NOW)
    assert not (tmp_path / "staging").exists()


def test_on_the_final_attempt_an_unexpected_error_is_sealed_as_a_failed_day(tmp_path):
    root = str(tmp_path)
    staged = nightly.collect_tenant(spec(), root, RUN, final_attempt=True, collector=exploding, now=NOW)
    assert (staged["status"], staged["rows"]["principals"], staged["rows"]["collection"]) == ("failed", 0, 1)

    summary = nightly.seal_tenant(staged, root, RUN)

    assert summary["status"] == "failed"
    ref = SnapshotRef("aws", MEMBER, dt.date(2026, 11, 2))
    [row] = SnapshotStore(root).read_table(ref, "collection").to_pylist()
    assert (row["entity"], row["status"], row["feeds"], row["error"]) == (
        "caller_identity",
        "failed",
        "principals,credentials,grants,role_definitions",
        f"tenant aws:{MEMBER}: KeyError: 'UserDetailList'",
    )


class OutOfTime(BaseException):
    """Stands for Airflow's AirflowTaskTimeout: a BaseException, which ``except Exception`` does not catch."""


def timing_out(tenant: Tenant, date: dt.date) -> Collected:
    raise OutOfTime("Timeout, PID: 4242")


def interrupted(tenant: Tenant, date: dt.date) -> Collected:
    raise KeyboardInterrupt


def test_a_collection_out_of_time_is_retried_before_the_final_attempt(tmp_path):
    with pytest.raises(OutOfTime):
        nightly.collect_tenant(
            spec(),
            str(tmp_path),
            RUN,
            final_attempt=False,
            collector=timing_out,
            now=NOW,
            timeouts=(OutOfTime,),
        )
    assert not (tmp_path / "staging").exists()


def test_on_the_final_attempt_a_collection_out_of_time_is_sealed_as_a_failed_day_saying_so(tmp_path):
    root = str(tmp_path)
    staged = nightly.collect_tenant(
        spec(),
        root,
        RUN,
        final_attempt=True,
        collector=timing_out,
        now=NOW,
        timeouts=(OutOfTime,),
        time_limit=dt.timedelta(hours=2),
    )
    assert nightly.seal_tenant(staged, root, RUN)["status"] == "failed"
    [row] = (
        SnapshotStore(root)
        .read_table(SnapshotRef("aws", MEMBER, dt.date(2026, 11, 2)), "collection")
        .to_pylist()
    )
    assert (row["status"], row["error"]) == (
        "failed",
        f"tenant aws:{MEMBER}: collection did not finish within the task's time limit (2:00:00)",
    )


@pytest.mark.parametrize(
    "collector", [timing_out, interrupted], ids=["timeout not declared", "KeyboardInterrupt"]
)
def test_other_base_exceptions_propagate_even_on_the_final_attempt(tmp_path, collector):
    with pytest.raises(BaseException) as raised:
        nightly.collect_tenant(spec(), str(tmp_path), RUN, final_attempt=True, collector=collector, now=NOW)
    assert not isinstance(raised.value, Exception)
    assert not (tmp_path / "staging").exists()


def test_a_retry_replaces_the_earlier_attempts_staging(tmp_path):
    root = str(tmp_path)
    first = nightly.collect_tenant(spec(), root, RUN, final_attempt=True, collector=exploding, now=NOW)
    second = nightly.collect_tenant(spec(), root, RUN, final_attempt=True, collector=stand_in, now=NOW)
    assert first["staging"] == second["staging"]
    assert nightly.seal_tenant(second, root, RUN)["status"] == "complete"


def test_a_sealed_day_is_never_overwritten_by_a_second_run(tmp_path):
    root = str(tmp_path)
    nightly.seal_tenant(
        nightly.collect_tenant(spec(), root, RUN, False, collector=stand_in, now=NOW), root, RUN
    )
    ref = SnapshotRef("aws", MEMBER, dt.date(2026, 11, 2))
    before = SnapshotStore(root).manifest_bytes(ref)

    later = NOW + dt.timedelta(hours=5)
    staged = nightly.collect_tenant(spec(), root, "manual__2", True, collector=exploding, now=later)
    summary = nightly.seal_tenant(staged, root, "manual__2")

    assert summary == {
        "provider": "aws",
        "tenant_id": MEMBER,
        "snapshot_date": "2026-11-02",
        "status": "already_sealed",
        "sealed_by": RUN,
        "rows": {"collection": 2, "credentials": 1, "grants": 0, "principals": 2, "role_definitions": 0},
    }
    assert SnapshotStore(root).manifest_bytes(ref) == before
    assert not (tmp_path / staged["staging"]).exists()


def test_the_simulated_clock_is_recorded_in_the_manifest(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSTER_SIMULATED_NOW", "2026-11-02T03:00:00Z")
    root = str(tmp_path)
    staged = nightly.collect_tenant(spec(sandbox=True), root, RUN, False, collector=stand_in)
    assert (staged["clock"], staged["collected_at"]) == ("simulated", "2026-11-02T03:00:00+00:00")
    nightly.seal_tenant(staged, root, RUN)
    assert (
        SnapshotStore(root).manifest(SnapshotRef("aws", MEMBER, dt.date(2026, 11, 2)))["clock"] == "simulated"
    )


def test_unknown_providers_are_refused():
    with pytest.raises(nightly.NightlyError, match="no collector for provider 'oci' yet"):
        nightly.collector_for("oci")


# -- publish / summary -----------------------------------------------------------------------------
def test_publish_records_the_run_and_removes_its_staging(tmp_path):
    root = str(tmp_path)
    sealed = [
        nightly.seal_tenant(
            nightly.collect_tenant(spec(t), root, RUN, False, collector=stand_in, now=NOW), root, RUN
        )
        for t in (OTHER, MEMBER)
    ]

    extra = nightly.publish(sealed, root, RUN, MIDNIGHT)

    assert extra == {
        "run_id": RUN,
        "statuses": ["complete"],
        "snapshots": [f"aws/{MEMBER}/2026-11-02", f"aws/{OTHER}/2026-11-02"],
    }
    record = read_json(tmp_path, f"runs/date=2026-11-02/{SAFE_RUN}.json")
    assert record["status"] == "sealed" and [s["tenant_id"] for s in record["snapshots"]] == [MEMBER, OTHER]
    assert not (tmp_path / "staging" / SAFE_RUN).exists()


def test_publish_names_what_failed_tasks_left_out(tmp_path):
    root = str(tmp_path)
    staged = nightly.collect_tenant(spec(OTHER), root, RUN, False, collector=stand_in, now=NOW)
    sealed = [nightly.seal_tenant(staged, root, RUN)]
    targets = [{k: s[k] for k in ("provider", "tenant_id", "snapshot_date")} for s in sealed]

    nightly.publish(sealed, root, RUN, MIDNIGHT, [], planned=[spec(OTHER), spec(MEMBER)], targets=targets)

    record = read_json(tmp_path, f"runs/date=2026-11-02/{SAFE_RUN}.json")
    assert [s["tenant_id"] for s in record["snapshots"]] == [OTHER] and record["derived"] == []
    assert record["not_sealed"] == [f"aws/{MEMBER}/2026-11-02"]
    assert record["not_derived"] == [f"aws/{OTHER}/2026-11-02"]


def test_publish_keeps_what_the_plan_recorded(scope_file, tmp_path):
    root = str(tmp_path)
    specs = nightly.plan(scope_file, root, MIDNIGHT, RUN, now=NOW, discover=discovered)

    nightly.publish([], root, RUN, MIDNIGHT, [], planned=specs, targets=[])

    record = read_json(tmp_path, f"runs/date=2026-11-02/{SAFE_RUN}.json")
    assert record["status"] == "sealed" and record["observed_at"] == NOW.isoformat()
    assert record["tenants"] == [f"aws:{s['tenant_id']}" for s in specs]


def test_publishing_a_run_that_could_not_observe_its_date_keeps_the_reason(scope_file, tmp_path):
    """A backfill run of a past date re-derives what is sealed and publishes it; the record still says why
    nothing was collected, which the evidence coverage shows for that date."""
    root, stale = str(tmp_path), dt.datetime(2026, 10, 30, tzinfo=dt.UTC)
    assert nightly.plan(scope_file, root, stale, RUN, now=NOW, discover=never_called) == []

    nightly.publish([], root, RUN, stale, [], planned=[], targets=[])

    record = read_json(tmp_path, f"runs/date=2026-10-30/{SAFE_RUN}.json")
    assert record["status"] == "not_observable" and "the past cannot be observed" in record["reason"]
    assert (record["snapshots"], record["derived"], record["not_sealed"]) == ([], [], [])


# -- derive targets --------------------------------------------------------------------------------
def _seal(root, tenant_id, run=RUN):
    staged = nightly.collect_tenant(spec(tenant_id), root, run, False, collector=stand_in, now=NOW)
    return nightly.seal_tenant(staged, root, run)


def test_derive_targets_are_the_tenants_the_run_sealed(tmp_path):
    root = str(tmp_path)
    sealed = [_seal(root, OTHER)]
    _seal(root, MEMBER, run="earlier")  # sealed that day by another run; its seal failed in this one

    targets = nightly.derive_targets([spec(OTHER), spec(MEMBER)], sealed, root, MIDNIGHT)

    assert targets == [{"provider": "aws", "tenant_id": OTHER, "snapshot_date": "2026-11-02"}]


def test_a_run_whose_every_seal_failed_derives_nothing_already_sealed_that_day(tmp_path):
    root = str(tmp_path)
    _seal(root, MEMBER, run="earlier")

    assert nightly.derive_targets([spec(MEMBER)], [], root, MIDNIGHT) == []
    assert nightly.derive_targets(None, [], root, MIDNIGHT) == []  # the plan failed


def test_a_run_that_could_not_observe_rederives_the_days_sealed_on_its_logical_date(tmp_path):
    root = str(tmp_path)
    _seal(root, MEMBER, run="earlier")

    targets = nightly.derive_targets([], [], root, MIDNIGHT)

    assert targets == [{"provider": "aws", "tenant_id": MEMBER, "snapshot_date": "2026-11-02"}]


def test_summary_counts_each_sealed_snapshot(tmp_path):
    root = str(tmp_path)
    for date, collector in (("2026-11-02", stand_in), ("2026-11-03", exploding)):
        staged = nightly.collect_tenant(spec(date=date), root, RUN, True, collector=collector, now=NOW)
        nightly.seal_tenant(staged, root, RUN)

    assert nightly.summarise(root) == [
        {
            "provider": "aws",
            "tenant_id": MEMBER,
            "date": dt.date(2026, 11, 2),
            "status": "complete",
            "clock": "real",
            "principals": 2,
            "nhis": 1,
            "credentials": 1,
            "active_keys": 1,
            "grants": 0,
            "not_complete": [],
        },
        {
            "provider": "aws",
            "tenant_id": MEMBER,
            "date": dt.date(2026, 11, 3),
            "status": "failed",
            "clock": "real",
            "principals": 0,
            "nhis": 0,
            "credentials": 0,
            "active_keys": 0,
            "grants": 0,
            "not_complete": ["caller_identity:failed"],
        },
    ]


def test_a_tenants_own_discovery_record_is_written_when_its_day_is_sealed_and_not_by_a_later_run(tmp_path):
    """An Entra tenant's subscriptions: staged with the tables, written beside the organisations' listings
    once the snapshot is sealed; a second run that finds the day sealed keeps the first record."""
    root = str(tmp_path)
    record = {"tenant_id": MEMBER, "status": "complete", "subscriptions": [{"subscriptionId": "s1"}]}

    def listing(subs):
        def collector(tenant: Tenant, date: dt.date) -> Collected:
            c = stand_in(tenant, date)
            c.discovery = {"subscriptions": {**record, "subscriptions": subs}}
            return c

        return collector

    rel = f"discovery/provider=aws/source={MEMBER}/date=2026-11-02/subscriptions.json"
    staged = nightly.collect_tenant(
        spec(), root, RUN, False, collector=listing(record["subscriptions"]), now=NOW
    )
    assert not (tmp_path / rel).exists()  # staged, not yet evidence
    nightly.seal_tenant(staged, root, RUN)
    assert read_json(tmp_path, rel) == record
    again = nightly.collect_tenant(spec(), root, "manual__2", True, collector=listing([]), now=NOW)
    assert nightly.seal_tenant(again, root, "manual__2")["status"] == "already_sealed"
    assert read_json(tmp_path, rel) == record
