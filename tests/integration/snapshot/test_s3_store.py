"""The store on an s3:// root, against moto's S3 served on loopback (pyarrow speaks real HTTP to it)."""

import datetime as dt
import logging

import boto3
import pytest
from moto.server import ThreadedMotoServer
from muster.collected import Collected, EntityResult
from muster.snapshot import SnapshotRef, SnapshotStore, seal_collected

pytestmark = pytest.mark.integration


@pytest.fixture
def s3_endpoint(monkeypatch):
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    for k, v in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": url,
    }.items():
        monkeypatch.setenv(k, v)
    boto3.client("s3", endpoint_url=url).create_bucket(Bucket="evidence")
    yield url
    server.stop()


def test_seal_and_read_back_on_s3(s3_endpoint):
    store = SnapshotStore("s3://evidence/muster")
    day = dt.date(2026, 11, 26)
    c = Collected("aws", "123456789012", day)
    c.principals.append(
        dict(
            c.provenance(),
            principal_id="AROA1",
            name="deploy",
            kind="role",
            is_nhi=True,
            nhi_reason="IAM role",
        )
    )
    c.entities = [EntityResult("authorization_details", "principals,grants,role_definitions")]
    manifest = seal_collected(store, c, run_id="r1", collected_at=dt.datetime(2026, 11, 26, 3, tzinfo=dt.UTC))

    ref = SnapshotRef("aws", "123456789012", day)
    assert store.list_snapshots() == [ref]
    assert store.read_table(ref, "principals").column("name").to_pylist() == ["deploy"]
    assert store.verify(ref) == []
    listed = boto3.client("s3").list_objects_v2(Bucket="evidence")["Contents"]
    files = sorted(
        o["Key"].rsplit("/", 1)[1] for o in listed if not o["Key"].endswith("/")
    )  # pyarrow adds dir markers
    assert files == [
        "_MANIFEST.json",
        "collection.parquet",
        "credentials.parquet",
        "grants.parquet",
        "principals.parquet",
        "role_definitions.parquet",
    ]
    assert manifest["tables"]["principals"]["rows"] == 1


def _collected(day: dt.date, names: list[str]) -> Collected:
    c = Collected("aws", "123456789012", day)
    for name in names:
        c.principals.append(
            dict(
                c.provenance(),
                principal_id=f"AROA-{name}",
                name=name,
                kind="role",
                is_nhi=True,
                nhi_reason="r",
            )
        )
    c.entities = [EntityResult("authorization_details", "principals,grants,role_definitions")]
    return c


def test_a_forced_re_seal_on_s3_keeps_the_replaced_snapshot_and_the_chain_verifies(s3_endpoint):
    boto3.client("s3").create_bucket(Bucket="resealed")  # moto's state outlives a server: a bucket of its own
    store = SnapshotStore("s3://resealed/muster")
    d1, d2 = dt.date(2026, 11, 25), dt.date(2026, 11, 26)
    at = dt.datetime(2026, 11, 26, 3, tzinfo=dt.UTC)
    first = seal_collected(store, _collected(d1, ["deploy"]), run_id="r1", collected_at=at)
    seal_collected(store, _collected(d2, ["deploy"]), run_id="r2", collected_at=at)
    again = seal_collected(
        store, _collected(d1, ["deploy", "ci"]), run_id="r3", collected_at=at, force=True, reason="fix"
    )

    r1, r2 = SnapshotRef("aws", "123456789012", d1), SnapshotRef("aws", "123456789012", d2)
    assert store.list_snapshots() == [r1, r2]
    assert [store.verify(r) for r in (r1, r2)] == [[], []]
    assert store.read_table(r1, "principals").num_rows == 2
    assert again["resealed"]["kept_in"] == "_replaced-1"
    listed = boto3.client("s3").list_objects_v2(Bucket="resealed")["Contents"]
    kept = {o["Key"].split("/_replaced-1/")[1] for o in listed if "/_replaced-1/" in o["Key"]} - {""}
    assert kept == {"_MANIFEST.replaced.json"} | {e["file"] for e in first["tables"].values()}
    assert not [o for o in listed if "_tmp-" in o["Key"]]
