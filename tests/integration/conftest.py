"""Shared moto fixtures: fake credentials, in-process mock_aws, and a loopback moto server.

Every fixture isolates the test from the developer's own AWS setup (profiles, config files, endpoints).
"""

import logging

import pytest
import requests
from moto import mock_aws
from moto.server import ThreadedMotoServer

_AWS_ENV_TO_CLEAR = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_IAM",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_ORGANIZATIONS",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "MOTO_ACCOUNT_ID",
)


@pytest.fixture
def aws_credentials(monkeypatch, tmp_path):
    """Fake static credentials and no config files: nothing can reach a real AWS account."""
    for name in _AWS_ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def moto_aws(aws_credentials):
    """In-process moto for the duration of the test (state is reset when it ends)."""
    with mock_aws():
        yield


@pytest.fixture(scope="session")
def _moto_server_url():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def moto_server(_moto_server_url, aws_credentials, monkeypatch):
    """A moto server on loopback, reset for this test; boto3 reaches it through AWS_ENDPOINT_URL."""
    requests.post(f"{_moto_server_url}/moto-api/reset", timeout=10).raise_for_status()
    monkeypatch.setenv("AWS_ENDPOINT_URL", _moto_server_url)
    return _moto_server_url
