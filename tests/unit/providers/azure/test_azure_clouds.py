"""A tenant's cloud decides where it is collected: the Entra authority its credential signs in at, the scopes
its tokens are asked for, and the Graph / ARM hosts its requests go to. A national cloud refuses public-cloud
tokens and scopes (https://learn.microsoft.com/graph/deployments).

Each case runs the whole collection (`collect_tenant`, `tokens_for`, the real `Client`) of the demo tenant.
azure-identity's credential classes are replaced by a recording fake, and the sandbox's Graph + ARM fake
answers in process on whatever host is asked, so that every URL sent is seen.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from azure import identity
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError
from muster.config import Tenant
from muster.providers.azure.collect import collect_tenant
from muster.sandbox import azure as sandbox_azure
from muster.sandbox.azure_fake import Api
from muster.sandbox.scenario import builtin, state_on
from muster.snapshot import SnapshotRef, SnapshotStore, seal_collected
from recorded_http import Response, answer, origin_of, prepared, response

TENANT = "7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6"  # the demo scenario's Entra tenant
CONNECTION = "muster_azure_cloud_test"
DAY = dt.date(2026, 11, 2)
ORIGIN = "http://azure.test"  # what the sandbox's MUSTER_GRAPH_URL / MUSTER_ARM_URL look like
#: cloud -> (Graph, ARM, authority), as Microsoft lists them, independently of clouds.py.
EXPECTED = {
    "public": ("https://graph.microsoft.com", "https://management.azure.com", "login.microsoftonline.com"),
    "usgov": (
        "https://graph.microsoft.us",
        "https://management.usgovcloudapi.net",
        "login.microsoftonline.us",
    ),
    "usgov_dod": (
        "https://dod-graph.microsoft.us",
        "https://management.usgovcloudapi.net",
        "login.microsoftonline.us",
    ),
    "china": (
        "https://microsoftgraph.chinacloudapi.cn",
        "https://management.chinacloudapi.cn",
        "login.chinacloudapi.cn",
    ),
}


@dataclass
class _Credential:
    """An azure-identity credential as `tokens.py` uses it: how it was built, which scopes it was asked."""

    kind: str
    kwargs: dict
    fails: bool = False
    scopes: list[str] = field(default_factory=list)

    def get_token(self, scope: str) -> AccessToken:
        self.scopes.append(scope)
        if self.fails:
            raise ClientAuthenticationError(message="AADSTS500011: resource principal not found")
        return AccessToken(f"opaque-token-from-{self.kwargs.get('authority')}", int(time.time()) + 3600)


class _Session:
    """A requests.Session stand-in recording every GET as requests would send it; the sandbox fake answers
    on every host (its next links on the host asked), so a request sent to the wrong cloud is seen."""

    def __init__(self, world) -> None:
        self.world = world
        self.apis: dict[str, Api] = {}
        self.sent: list[str] = []

    def get(self, url: str, params=None, headers=None, timeout=None) -> Response:
        request = prepared(url, params, headers)
        self.sent.append(request.url)
        origin = origin_of(request.url)
        api = self.apis.setdefault(origin, Api(self.world, origin))
        return response(*answer(api, request))

    def bases(self) -> set[str]:
        """Where the requests went: scheme://host, plus the Graph version for Graph requests."""
        out = set()
        for url in self.sent:
            parts = urlsplit(url)
            version = parts.path.split("/")[1]
            out.add(
                f"{parts.scheme}://{parts.netloc}" + (f"/{version}" if version in ("v1.0", "beta") else "")
            )
        return out


@pytest.fixture(scope="module")
def day0():
    return state_on(builtin("demo"), 0)


class _Credentials:
    """Stands in for azure-identity's credential classes; ``made`` lists the credentials built."""

    def __init__(self) -> None:
        self.made: list[_Credential] = []

    def factory(self, kind: str, fails: bool = False):
        def make(**kwargs) -> _Credential:
            self.made.append(_Credential(kind, kwargs, fails))
            return self.made[-1]

        return make


@pytest.fixture
def credentials(monkeypatch) -> _Credentials:
    """Credentials are recorded, not built; a connection named CONNECTION holds a client secret."""
    fake = _Credentials()
    monkeypatch.delenv("MUSTER_AZURE_STATIC_TOKEN", raising=False)
    monkeypatch.delenv("MUSTER_GRAPH_URL", raising=False)
    monkeypatch.delenv("MUSTER_ARM_URL", raising=False)
    monkeypatch.setattr(identity, "ClientSecretCredential", fake.factory("ClientSecretCredential"))
    monkeypatch.setattr(identity, "DefaultAzureCredential", fake.factory("DefaultAzureCredential"))
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{CONNECTION.upper()}",
        json.dumps({"conn_type": "azure", "login": "client-id", "password": "client-secret"}),
    )
    return fake


def _collect(day0, cloud: str, connection_id: str | None = None) -> tuple:
    session = _Session(sandbox_azure.world_of(day0.azure.tenants[0]))
    named = {} if cloud == "public" else {"cloud": cloud}  # a scope file that names no cloud means public
    tenant = Tenant(provider="azure", id=TENANT, connection_id=connection_id, **named)
    out = collect_tenant(tenant, DAY, session=session, now=lambda: day0.observed_at, sleep=pytest.fail)
    return out, session


@pytest.mark.parametrize("cloud", sorted(EXPECTED))
@pytest.mark.parametrize(
    ("connection_id", "kind", "built_with"),
    [
        (
            CONNECTION,
            "ClientSecretCredential",
            {"tenant_id": TENANT, "client_id": "client-id", "client_secret": "client-secret"},
        ),
        (None, "DefaultAzureCredential", {}),
    ],
)
def test_a_tenant_is_collected_from_its_own_cloud(day0, credentials, cloud, connection_id, kind, built_with):
    graph, arm, authority = EXPECTED[cloud]

    out, session = _collect(day0, cloud, connection_id)

    assert [(c.kind, c.kwargs) for c in credentials.made] == [(kind, {**built_with, "authority": authority})]
    assert set(credentials.made[0].scopes) == {f"{graph}/.default", f"{arm}/.default"}
    assert session.bases() == {f"{graph}/v1.0", f"{graph}/beta", arm}
    assert out.notes == {"cloud": cloud}
    assert out.status == "complete" and out.principals


def test_the_sealed_manifest_says_which_cloud_was_collected(day0, credentials, tmp_path):
    out, _ = _collect(day0, "usgov_dod", CONNECTION)
    store = SnapshotStore(str(tmp_path))

    seal_collected(store, out, run_id="r", collected_at=day0.observed_at)

    assert store.manifest(SnapshotRef("azure", TENANT, DAY))["collection_notes"] == {"cloud": "usgov_dod"}


def test_the_env_override_moves_the_requests_but_not_the_scopes(day0, credentials, monkeypatch):
    """The sandbox and tests point Graph and ARM at a local fake; the token is still the tenant cloud's."""
    monkeypatch.setenv("MUSTER_GRAPH_URL", ORIGIN)
    monkeypatch.setenv("MUSTER_ARM_URL", ORIGIN + "/")

    out, session = _collect(day0, "usgov")

    assert session.bases() == {f"{ORIGIN}/v1.0", f"{ORIGIN}/beta", ORIGIN}
    assert set(credentials.made[0].scopes) == {
        "https://graph.microsoft.us/.default",
        "https://management.usgovcloudapi.net/.default",
    }
    assert out.notes == {"cloud": "usgov"} and out.status == "complete"


def test_a_refused_token_names_the_national_scope_and_the_cloud_is_recorded(day0, credentials, monkeypatch):
    monkeypatch.setattr(
        identity, "DefaultAzureCredential", credentials.factory("DefaultAzureCredential", True)
    )

    out, session = _collect(day0, "china")

    assert session.sent == []
    assert out.notes == {"cloud": "china"}
    assert [(e.entity, e.status, e.error) for e in out.entities] == [
        (
            "organization",
            "failed",
            "DefaultAzureCredential: no token for https://microsoftgraph.chinacloudapi.cn/.default: "
            "AADSTS500011: resource principal not found",
        )
    ]
