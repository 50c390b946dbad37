"""A sandbox (moto on loopback, seeded in this process) shared by the tests of one module."""

import os

import pytest
from muster.sandbox.scenario import builtin
from muster.sandbox.server import CONFLICTING, Sandbox


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(builtin("demo")) as sb:
        yield sb


@pytest.fixture
def aws_env(sandbox, monkeypatch, tmp_path):
    """SDK clients in this test reach the sandbox with fake credentials, and nothing else."""
    for name in CONFLICTING:
        monkeypatch.delenv(name, raising=False)
    for name, value in sandbox.client_env().items():
        monkeypatch.setenv(name, value)
    assert os.environ["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    return sandbox
