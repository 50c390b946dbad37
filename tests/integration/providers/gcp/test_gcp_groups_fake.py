"""Members of the groups that hold a grant, through the real Cloud Identity discovery client against the fake:
one lookup and one paged transitive search per granted group; a group that cannot be read is named and its
grants stay at group level."""

from __future__ import annotations

import datetime as dt

import pytest
from muster.config import Tenant
from muster.providers.gcp.collect import collect_tenant
from muster.providers.gcp.extract import RoleCache
from muster.sandbox.gcp_fake import GcpFake
from muster.sandbox.gcp_world import World
from muster.snapshot.encoding import table_statuses

pytestmark = pytest.mark.integration
DAY = dt.date(2026, 11, 10)
AT = dt.datetime(2026, 11, 10, 3, tzinfo=dt.UTC)
PID = "proj-000"
ENG, SRE, OPS, IDLE = "eng@x.example", "sre@x.example", "ops@x.example", "idle@x.example"


def _world() -> World:
    w = World(page_cap=2)
    w.organizations["organizations/9"] = {"name": "organizations/9", "state": "ACTIVE"}
    w.add_project(0, PID, "organizations/9", 2)
    w.policies[f"projects/{PID}"] = {
        "bindings": [
            {"role": "roles/viewer", "members": [f"group:{ENG}", f"group:{OPS}"]},
            {"role": "roles/editor", "members": [f"group:{ENG}"]},  # a second binding: not listed again
        ]
    }
    own_sa = f"sa-1@{PID}.iam.gserviceaccount.com"
    w.add_group(ENG, ["user:ann@x.example", "user:bob@x.example", f"group:{SRE}", f"serviceAccount:{own_sa}"])
    w.add_group(SRE, ["user:cat@x.example", "user:ann@x.example"])
    w.add_group(OPS, ["user:dan@x.example"])
    w.add_group(IDLE, ["user:eve@x.example"])  # bound nowhere: never listed
    return w


@pytest.fixture
def fake(monkeypatch):
    with GcpFake(_world()) as f:
        monkeypatch.setenv("MUSTER_GCP_ENDPOINT", f.url)
        monkeypatch.setenv("MUSTER_GCP_CREDENTIALS", "anonymous")
        yield f


def _collect():
    out = collect_tenant(Tenant(provider="gcp", id=PID), DAY, role_cache=RoleCache())
    return out, next(e for e in out.entities if e.entity == "group_members")


def _held(out, via: str) -> set[tuple[str, str]]:
    return {(g["principal_id"], g["role_id"]) for g in out.grants if g["via"] == via}


def test_one_lookup_and_one_paged_search_per_granted_group(fake):
    out, entity = _collect()
    # eng: ann, bob, sre (the nested group), cat, sa-1 = 5 memberships at 2 a page; ops: 1
    assert fake.calls[("lookup_group", None)] == 2
    assert fake.calls[("search_memberships", None)] == 3 + 1
    assert (entity.status, entity.api_calls, entity.pages, entity.items) == ("complete", 6, 6, 6)
    sa_1 = next(
        p["principal_id"] for p in out.principals if p["name"] == f"sa-1@{PID}.iam.gserviceaccount.com"
    )
    assert _held(out, f"group:{ENG}") == {
        (member, role)
        for member in ("user:ann@x.example", "user:bob@x.example", "user:cat@x.example", sa_1)
        for role in ("roles/viewer", "roles/editor")
    }
    assert _held(out, f"group:{OPS}") == {("user:dan@x.example", "roles/viewer")}
    kinds = {p["principal_id"]: (p["kind"], p["enabled"]) for p in out.principals}
    assert kinds["user:cat@x.example"] == ("human_user", None)  # through the nested group
    assert "user:eve@x.example" not in kinds and f"group:{SRE}" not in kinds
    tables = table_statuses(out.tables("r", AT)["collection"])
    assert tables["grants"]["status"] == tables["principals"]["status"] == "complete"


def test_a_group_the_collector_cannot_read_is_named_and_keeps_its_grant(fake):
    fake.world.groups_denied.add(OPS)
    out, entity = _collect()
    assert entity.status == "partial"
    assert f"tenant gcp:{PID}: group_members: group {OPS}: not readable" in entity.error
    assert "HTTP 403" in entity.error and ENG not in entity.error
    assert (f"group:{OPS}", "roles/viewer") in _held(out, "direct")  # the group's own grant stays
    assert _held(out, f"group:{OPS}") == set()  # its members are unknown, not "none": see the entity
    assert ("user:ann@x.example", "roles/viewer") in _held(out, f"group:{ENG}")
    tables = table_statuses(out.tables("r", AT)["collection"])
    assert tables["grants"]["status"] == tables["principals"]["status"] == "partial"


def test_when_no_group_can_be_read_the_members_are_not_collected(fake):
    fake.world.groups_denied |= {ENG, OPS}
    out, entity = _collect()
    assert entity.status == "not_collected"
    assert f"group {ENG}: not readable" in entity.error and f"group {OPS}: not readable" in entity.error
    assert {(g["principal_id"], g["role_id"]) for g in out.grants} == {
        (f"group:{ENG}", "roles/viewer"),
        (f"group:{ENG}", "roles/editor"),
        (f"group:{OPS}", "roles/viewer"),
    }
    assert fake.calls[("search_memberships", None)] == 0


def test_an_unknown_group_and_a_disabled_api_are_told_apart(fake):
    del fake.world.groups[OPS]
    out, entity = _collect()
    assert entity.status == "partial" and f"group {OPS}: no such group" in entity.error

    fake.world.cloud_identity_disabled = True
    fake.calls.clear()
    out, entity = _collect()
    assert entity.status == "not_collected"
    assert f"group {ENG}: Cloud Identity API not enabled" in entity.error
    assert f"group {OPS}: not asked: Cloud Identity API not enabled" in entity.error
    assert fake.calls[("lookup_group", None)] == 1  # the same answer for every group: asked once


def test_a_server_error_is_retried_and_a_bad_page_loses_the_group_not_the_tenant(fake):
    fake.fail_next(r"searchTransitiveMemberships", 503)
    out, entity = _collect()
    assert (entity.status, entity.retries) == ("complete", 1)

    fake.world.groups[ENG]["name"] = "groups/../x"  # a name the search cannot take back
    out, entity = _collect()
    assert entity.status == "partial"
    assert f"group {ENG}: groups.lookup: field name is not a group name: members unknown" in entity.error
    assert _held(out, f"group:{ENG}") == set() and _held(out, f"group:{OPS}")
