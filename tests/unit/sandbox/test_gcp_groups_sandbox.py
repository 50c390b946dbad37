"""The GCP scenario's Cloud Identity groups: optional (older scenarios load), checked, and served by the fake
as searchTransitiveMemberships answers (direct and indirect members, paged, a departed user gone)."""

from __future__ import annotations

import pytest
from muster.sandbox.gcp import world_of
from muster.sandbox.gcp_fake import GcpFake
from muster.sandbox.gcp_model import GcpSpec
from muster.sandbox.scenario import builtin, state_on
from pydantic import ValidationError

ORG = {"id": "9", "domain": "x.example"}


def _spec(**parts) -> GcpSpec:
    return GcpSpec.model_validate({"organization": ORG, **parts})


def test_a_scenario_without_groups_loads_and_its_groups_are_unknown_to_the_fake():
    spec = _spec(
        organization={**ORG, "bindings": [{"role": "roles/viewer", "members": ["group:g@x.example"]}]}
    )
    fake = GcpFake(world_of(spec))
    body, code = fake.answer("GET", "/v1/groups:lookup?groupKey.id=g%40x.example", {})
    assert code == 404 and body["error"]["status"] == "NOT_FOUND"


def test_a_nested_group_must_be_defined():
    with pytest.raises(ValidationError, match=r"nested groups are not defined: \['sre@x.example'\]"):
        _spec(groups=[{"email": "eng@x.example", "members": ["group:sre@x.example"]}])
    with pytest.raises(ValidationError, match="not group members"):
        _spec(groups=[{"email": "eng@x.example", "members": ["domain:x.example"]}])


def test_transitive_members_are_served_paged_and_a_departed_user_is_gone():
    spec = _spec(
        groups=[
            {"email": "eng@x.example", "members": ["user:ann@x.example", "group:sre@x.example"]},
            {"email": "sre@x.example", "members": ["user:ann@x.example", "user:bob@x.example"]},
            {"email": "hidden@x.example", "members": [], "denied": True},
        ],
        departed_users=["bob@x.example"],
    )
    fake = GcpFake(world_of(spec))
    fake.world.page_cap = 1
    name = fake.answer("GET", "/v1/groups:lookup?groupKey.id=eng%40x.example", {})[0]["name"]
    path = f"/v1/{name}/memberships:searchTransitiveMemberships"
    first, code = fake.answer("GET", path, {})
    second, _ = fake.answer("GET", f"{path}?pageToken={first['nextPageToken']}", {})
    assert code == 200 and "nextPageToken" not in second
    got = [
        (m["preferredMemberKey"][0]["id"], m["relationType"], m["member"].split("/")[0])
        for m in first["memberships"] + second["memberships"]
    ]
    assert got == [("sre@x.example", "DIRECT", "groups"), ("ann@x.example", "DIRECT_AND_INDIRECT", "users")]
    body, code = fake.answer("GET", "/v1/groups:lookup?groupKey.id=hidden%40x.example", {})
    assert code == 403 and body["error"]["status"] == "PERMISSION_DENIED"


def test_the_demo_grants_a_group_with_a_nested_group_and_a_member_who_leaves():
    scenario = builtin("demo")
    before, after = (world_of(state_on(scenario, day).gcp) for day in (7, 8))
    assert "group:sre-oncall@acme.example" in before.groups["platform-eng@acme.example"]["members"]
    assert before.groups["sre-oncall@acme.example"]["members"] == ["user:dana.kim@acme.example"]
    assert after.groups["sre-oncall@acme.example"]["members"] == []  # dana.kim left on day 8
