"""Cloud Storage HMAC keys collected through the real discovery-built Storage v1 client against the local fake:
one paged listing per project (calls never grow with keys), DELETED keys not asked for, a 403 recorded as
not collected with Google's reason (never as "no keys"), and the endpoint override of the Storage API."""

from __future__ import annotations

import datetime as dt

import pytest
from muster.config import Tenant
from muster.providers.gcp.collect import collect_tenant
from muster.providers.gcp.hmac_keys import NO_LAST_USE
from muster.sandbox.gcp import world_of
from muster.sandbox.gcp_fake import GcpFake
from muster.sandbox.gcp_world import World
from muster.sandbox.scenario import builtin, state_on
from muster.snapshot.encoding import overall_status, table_statuses

pytestmark = pytest.mark.integration
DAY = dt.date(2026, 11, 10)
AT = dt.datetime(2026, 11, 10, 3, tzinfo=dt.UTC)
PROJECT = "proj-000"


def _hmac(project: str, n: int, email: str, state: str = "ACTIVE") -> dict:
    access_id = f"GOOG1E{n:055d}"
    return {
        "kind": "storage#hmacKeyMetadata",
        "id": f"{project}/{access_id}",
        "accessId": access_id,
        "projectId": project,
        "serviceAccountEmail": email,
        "state": state,
        "timeCreated": "2025-01-01T00:00:00Z",
        "updated": "2025-01-01T00:00:00Z",
        "etag": "CAE=",
    }


def _world(hmac_keys: int, page_cap: int | None = None) -> World:
    """Two projects of three accounts; ``hmac_keys`` keys spread over proj-000's accounts, every third one
    INACTIVE, plus one DELETED key."""
    w = World(page_cap=page_cap)
    w.organizations["organizations/9"] = {"name": "organizations/9", "state": "ACTIVE"}
    for i in range(2):
        w.add_project(i, f"proj-{i:03d}", "organizations/9", 3)
    emails = [sa["email"] for sa in w.accounts[PROJECT]]
    w.hmac_keys[PROJECT] = [
        _hmac(PROJECT, n, emails[n % 3], "INACTIVE" if n % 3 == 2 else "ACTIVE") for n in range(hmac_keys)
    ] + [_hmac(PROJECT, 999, emails[0], "DELETED")]
    return w


@pytest.fixture
def serve(monkeypatch):
    fakes: list[GcpFake] = []

    def start(world: World) -> GcpFake:
        fake = GcpFake(world)
        fake.start()
        fakes.append(fake)
        monkeypatch.setenv("MUSTER_GCP_ENDPOINT", fake.url)
        monkeypatch.setenv("MUSTER_GCP_CREDENTIALS", "anonymous")
        return fake

    yield start
    for fake in fakes:
        fake.stop()


def _hmac_entity(out):
    return next(e for e in out.entities if e.entity == "hmac_keys")


def _access_keys(out) -> dict[str, dict]:
    return {c["external_id"]: c for c in out.credentials if c["kind"] == "access_key"}


def test_hmac_keys_are_read_in_one_paged_listing_per_project(serve):
    fake = serve(_world(5, page_cap=2))
    out = collect_tenant(Tenant(provider="gcp", id=PROJECT), DAY)
    entity = _hmac_entity(out)
    assert (entity.status, entity.api_calls, entity.pages, entity.items) == ("complete", 3, 3, 5)
    assert fake.calls[("get_hmac_keys", PROJECT)] == 3
    keys = _access_keys(out)
    assert len(keys) == 5 and f"GOOG1E{999:055d}" not in keys  # DELETED keys are not asked for
    uid = {p["name"]: p["principal_id"] for p in out.principals}
    first = keys[f"GOOG1E{0:055d}"]
    assert first["principal_id"] == uid[f"sa-0@{PROJECT}.iam.gserviceaccount.com"] == "00000"
    assert first["credential_id"] == f"projects/{PROJECT}/hmacKeys/GOOG1E{0:055d}"
    assert [keys[f"GOOG1E{n:055d}"]["status"] for n in range(5)] == [
        "active",
        "active",
        "inactive",
        "active",
        "active",
    ]
    assert {c["last_used_source"] for c in keys.values()} == {NO_LAST_USE}
    assert len(out.credentials) == 6 + 5  # the service account keys are still there
    out.tables("r", AT)  # the rows pass strict validation


def test_calls_per_project_do_not_grow_with_hmac_keys(serve):
    calls = {}
    for n in (1, 200):
        fake = serve(_world(n))
        out = collect_tenant(Tenant(provider="gcp", id=PROJECT), DAY)
        assert len(_access_keys(out)) == n
        calls[n] = (fake.calls_for(PROJECT), _hmac_entity(out).api_calls)
    assert calls[1] == calls[200] and calls[1][1] == 1


@pytest.mark.parametrize(
    ("flag", "why", "google"),
    [
        ("storage_disabled", "Cloud Storage JSON API not enabled", "(SERVICE_DISABLED)"),
        (
            "storage_denied",
            "HMAC keys not readable",
            "(forbidden): anonymous caller does not have storage.hmacKeys.list",
        ),
    ],
)
def test_a_403_records_hmac_keys_not_collected_never_as_no_keys(serve, flag, why, google):
    world = _world(2)
    getattr(world, flag).add(PROJECT)
    serve(world)
    out = collect_tenant(Tenant(provider="gcp", id=PROJECT), DAY)
    entity = _hmac_entity(out)
    assert entity.status == "not_collected"
    assert entity.error.startswith(f"tenant gcp:{PROJECT}: hmac_keys: {why}, HMAC keys unknown: HTTP 403")
    assert google in entity.error
    assert _access_keys(out) == {} and len(out.credentials) == 6  # the service account keys are kept
    statuses = table_statuses(out.tables("r", AT)["collection"])
    assert overall_status(statuses) == "complete"  # every table complete for what it holds ...
    # ... and the access keys known to be missing: a diff or rule treats them as unknown, never as removed
    assert statuses["credentials"]["not_collected"] == [f"access_key (hmac_keys: {entity.error})"]


def test_an_unrecoverable_error_fails_hmac_keys_and_leaves_credentials_partial(serve):
    fake = serve(_world(2))
    fake.fail_next(r"/hmacKeys$", 503, times=6)
    out = collect_tenant(Tenant(provider="gcp", id=PROJECT), DAY, sleep=lambda s: None)
    entity = _hmac_entity(out)
    assert (entity.status, entity.api_calls, entity.retries) == ("failed", 6, 5)
    assert entity.error.startswith(f"tenant gcp:{PROJECT}: hmac_keys: HTTP 503")
    assert table_statuses(out.tables("r", AT)["collection"])["credentials"]["status"] == "partial"


def test_the_storage_endpoint_can_be_overridden_on_its_own(serve, monkeypatch):
    storage = serve(_world(2))
    main = serve(_world(0))  # MUSTER_GCP_ENDPOINT now points here
    monkeypatch.setenv("MUSTER_GCP_STORAGE_ENDPOINT", storage.url + "/")
    out = collect_tenant(Tenant(provider="gcp", id=PROJECT), DAY)
    assert len(_access_keys(out)) == 2
    assert (storage.calls[("get_hmac_keys", PROJECT)], main.calls[("get_hmac_keys", PROJECT)]) == (1, 0)
    assert storage.calls[("get_sa_list", PROJECT)] == 0 and main.calls[("get_sa_list", PROJECT)] == 1


def test_organisation_tenants_list_no_hmac_keys(serve):
    fake = serve(_world(2))
    out = collect_tenant(Tenant(provider="gcp", id="org-9"), DAY)
    assert "hmac_keys" not in {e.entity for e in out.entities}  # keys live in projects, as SA keys do
    assert sum(n for (route, _), n in fake.calls.items() if route == "get_hmac_keys") == 0


def test_demo_scenario_hmac_key_and_a_project_denying_storage(serve):
    spec = state_on(builtin("demo"), 0).gcp
    spec.project("acme-payments-prd").storage = "denied"
    serve(world_of(spec))
    analytics = collect_tenant(Tenant(provider="gcp", id="acme-analytics-prd"), DAY)
    payments = collect_tenant(Tenant(provider="gcp", id="acme-payments-prd"), DAY)
    (key,) = _access_keys(analytics).values()
    looker = {p["principal_id"]: p["name"] for p in analytics.principals}[key["principal_id"]]
    assert looker == "looker-reader@acme-analytics-prd.iam.gserviceaccount.com"
    assert (key["status"], key["created_at"]) == ("active", dt.datetime(2025, 5, 12, 9, tzinfo=dt.UTC))
    assert key["external_id"].startswith("GOOG1E") and len(key["external_id"]) == 61
    assert _hmac_entity(payments).status == "not_collected"
    assert "storage.hmacKeys.list" in _hmac_entity(payments).error
