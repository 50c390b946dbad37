"""GCP collection through the real discovery-based REST clients against the local fake on loopback."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from muster.config import GcpOrganization, Tenant
from muster.providers.gcp.collect import collect_tenant
from muster.providers.gcp.discovery import discover_projects
from muster.providers.gcp.extract import RoleCache
from muster.providers.gcp.transform import UNAVAILABLE
from muster.sandbox.gcp import world_of
from muster.sandbox.gcp_fake import GcpFake
from muster.sandbox.gcp_world import World
from muster.sandbox.scenario import builtin, state_on
from muster.snapshot.encoding import table_statuses

pytestmark = pytest.mark.integration
DAY = dt.date(2026, 11, 10)
AT = dt.datetime(2026, 11, 10, 3, tzinfo=dt.UTC)


def _world(projects: int = 3, accounts: int = 5) -> World:
    w = World(page_cap=2)
    w.organizations["organizations/9"] = {
        "name": "organizations/9",
        "displayName": "x.example",
        "state": "ACTIVE",
    }
    for i in range(projects):
        pid = f"proj-{i:03d}"
        w.add_project(i, pid, "organizations/9", accounts)
        w.policies[f"projects/{pid}"] = {
            "bindings": [
                {
                    "role": "roles/iam.serviceAccountUser",
                    "members": [f"serviceAccount:sa-0@{pid}.iam.gserviceaccount.com"],
                }
            ]
        }
    return w


@pytest.fixture
def fake(monkeypatch):
    with GcpFake(_world()) as f:
        monkeypatch.setenv("MUSTER_GCP_ENDPOINT", f.url)
        monkeypatch.setenv("MUSTER_GCP_CREDENTIALS", "anonymous")
        yield f


def _entities(collected) -> dict:
    return {e.entity: (e.status, e.api_calls, e.pages, e.items) for e in collected.entities}


def test_paged_collection_counts_every_call(fake):
    out = collect_tenant(Tenant(provider="gcp", id="proj-000"), DAY, role_cache=RoleCache())
    assert _entities(out) == {
        "project": ("complete", 1, 1, 1),
        "iam_policy": ("complete", 1, 1, 1),
        "service_accounts": ("complete", 3, 3, 5),  # 5 accounts at 2 per page
        "service_account_keys": ("complete", 5, 5, 10),  # one keys.list per account, no paging
        "hmac_keys": ("complete", 1, 1, 0),  # one listing per project
        "sa_last_authentication": ("complete", 1, 1, 0),
        "key_last_authentication": ("complete", 1, 1, 0),
        "roles": ("complete", 1, 1, 1),
    }
    assert fake.calls_for("proj-000") == 13  # the role is Google's, not the project's
    assert {(c["managed_by"], c["expires_at"]) for c in out.credentials} == {
        ("user", None),
        ("provider", None),
    }
    assert len(out.principals) == 5 and out.tables("r", AT)["principals"].num_rows == 5


def test_a_403_on_one_project_fails_that_project_only(fake):
    fake.world.denied.add("proj-001")
    cache = RoleCache()
    results = {
        p: collect_tenant(Tenant(provider="gcp", id=p), DAY, role_cache=cache) for p in fake.world.projects
    }
    assert {p: c.status for p, c in results.items()} == {
        "proj-000": "complete",
        "proj-001": "failed",
        "proj-002": "complete",
    }
    failed = results["proj-001"]
    assert [e.entity for e in failed.entities] == ["project"]
    assert (
        "tenant gcp:proj-001: project: projects/proj-001: HTTP 403 PERMISSION_DENIED"
        in failed.entities[0].error
    )
    assert failed.principals == failed.credentials == failed.grants == []
    statuses = table_statuses(failed.tables("r", AT)["collection"])
    assert {t: s["status"] for t, s in statuses.items()} == {
        "principals": "failed",
        "credentials": "failed",
        "grants": "failed",
        "role_definitions": "failed",
    }


def test_throttling_is_retried_and_counted(fake):
    fake.fail_next(r"/serviceAccounts$", 429, times=2)
    fake.fail_next(r":getIamPolicy$", 503)
    out = collect_tenant(Tenant(provider="gcp", id="proj-002"), DAY, sleep=lambda s: None)
    by = {e.entity: e for e in out.entities}
    assert (
        by["service_accounts"].retries,
        by["service_accounts"].throttles,
        by["service_accounts"].status,
    ) == (
        2,
        2,
        "complete",
    )
    assert (by["iam_policy"].retries, by["iam_policy"].throttles, by["iam_policy"].api_calls) == (1, 0, 2)


def test_policy_analyzer_disabled_means_unknown_not_never(fake):
    fake.world.analyzer_disabled.add("proj-000")
    out = collect_tenant(Tenant(provider="gcp", id="proj-000"), DAY)
    by = {e.entity: e for e in out.entities}
    assert by["sa_last_authentication"].status == "not_collected"
    assert "Policy Analyzer API not enabled" in by["sa_last_authentication"].error
    assert by["key_last_authentication"].api_calls == 0  # not asked twice
    assert {p["last_used_source"] for p in out.principals} == {UNAVAILABLE}
    assert {c["last_used_source"] for c in out.credentials} == {UNAVAILABLE}
    statuses = table_statuses(out.tables("r", AT)["collection"])
    assert statuses["principals"]["status"] == "complete"
    assert statuses["principals"]["not_collected"][0].startswith("last_used_at (sa_last_authentication:")


def test_discovery_expands_the_organisation_through_paged_listings(fake):
    org = GcpOrganization(provider="gcp", parent="organizations/9", exclude=("proj-002",))
    tenants, listing = discover_projects(org)
    assert [t.id for t in tenants] == ["org-9", "proj-000", "proj-001"]
    assert {t.discovered_from for t in tenants} == {"organizations/9"}
    assert [p["projectId"] for p in listing] == ["proj-000", "proj-001", "proj-002"]


def test_nightly_plan_records_the_expanded_project_list(fake, tmp_path):
    from muster import nightly

    scope = tmp_path / "scope.yaml"
    scope.write_text(json.dumps({"organizations": [{"provider": "gcp", "parent": "organizations/9"}]}))
    now = dt.datetime(2026, 11, 10, 3, tzinfo=dt.UTC)
    specs = nightly.plan(str(scope), str(tmp_path / "store"), now, "run-1", now=now)
    assert [s["tenant_id"] for s in specs] == ["org-9", "proj-000", "proj-001", "proj-002"]
    record = json.loads(
        (tmp_path / "store/discovery/provider=gcp/source=org-9/date=2026-11-10/projects.json").read_text()
    )
    assert (record["parent"], record["status"], record["collected"]) == (
        "organizations/9",
        "complete",
        ["org-9", "proj-000", "proj-001", "proj-002"],
    )


def test_demo_scenario_plants_the_problems_the_issue_names(monkeypatch):
    with GcpFake(world_of(state_on(builtin("demo"), 8).gcp)) as f:
        monkeypatch.setenv("MUSTER_GCP_ENDPOINT", f.url)
        monkeypatch.setenv("MUSTER_GCP_CREDENTIALS", "anonymous")
        pay = collect_tenant(Tenant(provider="gcp", id="acme-payments-prd"), dt.date(2026, 11, 10))
        sandbox = collect_tenant(Tenant(provider="gcp", id="acme-sandbox-dev"), dt.date(2026, 11, 10))
    assert (pay.status, sandbox.status) == ("complete", "failed")
    people = {p["name"]: p for p in pay.principals}
    sa = lambda n: people[f"{n}@acme-payments-prd.iam.gserviceaccount.com"]  # noqa: E731
    keys = {c["external_id"]: c for c in pay.credentials}
    old = next(
        c
        for c in keys.values()
        if c["principal_id"] == sa("payments-api")["principal_id"] and c["managed_by"] == "user"
    )
    assert old["created_at"] < dt.datetime(2026, 8, 1, tzinfo=dt.UTC) and old["expires_at"] is None
    assert sa("legacy-batch")["enabled"] is False
    assert [
        c["status"] for c in keys.values() if c["principal_id"] == sa("legacy-batch")["principal_id"]
    ] == ["active"]
    owner_grant = {
        (g["principal_id"], g["role_id"], g["privilege"]) for g in pay.grants if g["role_id"] == "roles/owner"
    }
    deployer = people["deployer@acme-platform-prd.iam.gserviceaccount.com"]
    assert (deployer["principal_id"], "roles/owner", "admin") in owner_grant
    assert deployer["kind"] == "service_account" and not deployer["principal_id"].startswith(
        "serviceAccount:"
    )
    assert (sa("billing-export")["owner"], people["dana.kim@acme.example"]["enabled"]) == (
        "dana.kim@acme.example",
        False,
    )
    assert ("allUsers", "public") in {(p["principal_id"], p["kind"]) for p in pay.principals}
