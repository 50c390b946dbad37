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
