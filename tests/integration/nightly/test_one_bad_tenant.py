"""One bad tenant among good ones: it is sealed as failed, naming the tenant, and the others seal normally.

Runs the same library steps the DAG tasks run (plan -> collect -> seal) against in-process moto.
"""

import datetime as dt

import boto3
import pytest
from muster import nightly
from muster.snapshot import SnapshotRef, SnapshotStore

GOOD, WRONG, NO_ROLE = "123456789012", "999999999999", "210987654321"
NOW = dt.datetime(2026, 11, 26, 3, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.integration


@pytest.fixture
def scope_file(tmp_path):
    f = tmp_path / "scope.yaml"
    f.write_text(
        f"""
tenants:
  - {{provider: aws, id: "{GOOD}", audit_scope: [soc2]}}
  - {{provider: aws, id: "{WRONG}", audit_scope: [soc2]}}
  - {{provider: aws, id: "{NO_ROLE}", role_arn: "arn:aws:iam::{NO_ROLE}:role/MusterAudit", connection_id: missing_conn}}
"""
    )
    return str(f)


def test_bad_tenants_are_sealed_failed_and_good_ones_complete(moto_aws, scope_file, tmp_path):
    boto3.client("iam").create_user(UserName="svc-etl")
    root = str(tmp_path / "store")
    specs = nightly.plan(scope_file, root, NOW, "scheduled__2026-11-26", now=NOW)
    sealed = {}
    for spec in specs:
        staged = nightly.collect_tenant(spec, root, "scheduled__2026-11-26", final_attempt=True, now=NOW)
        sealed[spec["tenant_id"]] = nightly.seal_tenant(staged, root, "scheduled__2026-11-26")

    store = SnapshotStore(root)
    status = {t: store.manifest(SnapshotRef("aws", t, NOW.date()))["status"] for t in (GOOD, WRONG, NO_ROLE)}
    assert status == {GOOD: "complete", WRONG: "failed", NO_ROLE: "failed"}

    errors = {
        t: [
            r["error"]
            for r in store.read_table(SnapshotRef("aws", t, NOW.date()), "collection").to_pylist()
            if r["status"] == "failed"
        ]
        for t in (WRONG, NO_ROLE)
    }
    assert len(errors[WRONG]) == 1 and WRONG in errors[WRONG][0] and GOOD in errors[WRONG][0]
    assert "refusing to collect" in errors[WRONG][0]
    assert (
        len(errors[NO_ROLE]) == 1 and NO_ROLE in errors[NO_ROLE][0] and "missing_conn" in errors[NO_ROLE][0]
    )
    good = store.read_table(SnapshotRef("aws", GOOD, NOW.date()), "principals").column("name").to_pylist()
    assert good == ["svc-etl"]
    assert store.read_table(SnapshotRef("aws", WRONG, NOW.date()), "principals").num_rows == 0
    assert not list((tmp_path / "store").glob("snapshots/**/_tmp-*"))
