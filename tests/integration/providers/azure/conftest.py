"""The Azure fake on loopback, serving the demo scenario's Entra tenant; clients reach it through env vars."""

import datetime as dt

import pytest
from muster.sandbox import azure
from muster.sandbox.azure_fake import AzureFake
from muster.sandbox.scenario import builtin, state_on


@pytest.fixture(scope="module")
def day0():
    return state_on(builtin("demo"), 0)


@pytest.fixture
def world(day0):
    return azure.world_of(day0.azure.tenants[0], day0.observed_at)


@pytest.fixture
def fake(world, monkeypatch):
    with AzureFake(world) as f:
        monkeypatch.setenv("MUSTER_GRAPH_URL", f.url)
        monkeypatch.setenv("MUSTER_ARM_URL", f.url)
        monkeypatch.setenv("MUSTER_AZURE_STATIC_TOKEN", "test-token")
        yield f


@pytest.fixture
def now(day0):
    return lambda: day0.observed_at


@pytest.fixture
def sleeps():
    return []


DAY = dt.date(2026, 11, 2)
