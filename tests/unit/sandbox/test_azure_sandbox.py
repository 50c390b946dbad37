"""The demo scenario's Entra tenant: events change what the fake serves, day by day."""

import pytest
from muster.sandbox import azure
from muster.sandbox.scenario import ScenarioError, builtin, parse_scenario, state_on

TENANT = "7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6"


def world(day: int):
    return azure.world_of(state_on(builtin("demo"), day).azure.tenants[0])


def test_the_owner_of_billing_export_leaves_on_day_8():
    def dana(w):
        return next(u["accountEnabled"] for u in w.users if u["userPrincipalName"].startswith("dana.kim@"))

    assert (dana(world(7)), dana(world(8))) == (True, False)


def test_secret_rotation_and_new_permission_show_up_on_their_days():
    def ci_secrets(w):
        app = next(a for a in w.applications if a["displayName"] == "ci-automation")
        return sorted(c["displayName"] for c in app["passwordCredentials"])

    assert [ci_secrets(world(d)) for d in (6, 7, 12)] == [
        ["ci-2026-05"],
        ["ci-2026-05", "ci-2026-11"],
        ["ci-2026-11"],
    ]
    assert len(world(12).app_role_assignments) == len(world(11).app_role_assignments) + 1


def test_secrets_are_served_as_graph_shows_them_without_a_value():
    app = next(a for a in world(0).applications if a["displayName"] == "legacy-sync")
    [secret] = app["passwordCredentials"]
    assert secret["secretText"] is None and secret["endDateTime"] == "2299-12-31T00:00:00Z"


def test_an_azure_event_for_an_unknown_user_names_day_and_event():
    data = {
        "name": "t",
        "start_date": "2026-11-02",
        "days": 2,
        "azure": {"tenants": [{"id": TENANT, "name": "t", "domain": "t.example"}]},
        "timeline": [
            {
                "day": 1,
                "events": [
                    {"provider": "azure", "action": "disable_user", "tenant": TENANT, "user": "nobody"}
                ],
            }
        ],
    }
    with pytest.raises(
        ScenarioError, match=r"day 1, event 1 \(azure disable_user\): tenant .* has no user 'nobody'"
    ):
        parse_scenario(data)


def test_groups_nest_and_billing_export_joins_sre_oncall_on_day_10():
    def members(w, name):
        names = {o["id"]: o.get("displayName") for o in (*w.users, *w.service_principals, *w.groups)}
        gid = next(g["id"] for g in w.groups if g["displayName"] == name)
        return sorted(names[m] for m in w.group_members[gid])

    assert members(world(0), "platform-admins") == ["sre-oncall"]
    assert [members(world(d), "sre-oncall") for d in (9, 10)] == [
        ["frank.oliveira"],
        ["billing-export", "frank.oliveira"],
    ]


def test_the_fake_lists_direct_and_transitive_members_typed_and_paged():
    from muster.sandbox.azure_fake import Api

    w = world(10)
    admins = next(g["id"] for g in w.groups if g["displayName"] == "platform-admins")
    api = Api(w, "http://fake")
    _, direct, _ = api.handle(f"/v1.0/groups/{admins}/members?$select=id", "Bearer t")
    assert [m["@odata.type"] for m in direct["value"]] == ["#microsoft.graph.group"]
    _, page, _ = api.handle(
        f"/v1.0/groups/{admins}/transitiveMembers?$select=id,displayName&$top=2", "Bearer t"
    )
    assert [(m["@odata.type"], m["displayName"]) for m in page["value"]] == [
        ("#microsoft.graph.group", "sre-oncall"),
        ("#microsoft.graph.user", "frank.oliveira"),
    ]
    _, rest, _ = api.handle(page["@odata.nextLink"].removeprefix("http://fake"), "Bearer t")
    assert [(m["displayName"], "@odata.nextLink" in rest) for m in rest["value"]] == [
        ("billing-export", False)
    ]
    status, body, _ = api.handle("/v1.0/groups/nope/members", "Bearer t")
    assert (status, body["error"]["code"]) == (404, "Request_ResourceNotFound")


def tenant_data(**extra):
    return {
        "name": "t",
        "start_date": "2026-11-02",
        "days": 2,
        "azure": {
            "tenants": [
                {"id": TENANT, "name": "t", "domain": "t.example", "users": [{"name": "ann"}], **extra}
            ]
        },
    }


def test_directory_roles_go_to_role_assignable_groups_which_hold_no_groups():
    with pytest.raises(
        ScenarioError, match="directory role Global Reader needs a role-assignable group, g is not"
    ):
        parse_scenario(
            tenant_data(
                groups=[{"name": "g", "members": ["ann"]}],
                directory_roles=[{"role": "Global Reader", "principal": "g"}],
            )
        )
    with pytest.raises(ScenarioError, match="role-assignable group g cannot contain groups"):
        parse_scenario(
            tenant_data(groups=[{"name": "g", "role_assignable": True, "members": ["h"]}, {"name": "h"}])
        )


def test_a_member_added_twice_names_day_and_event():
    data = tenant_data(groups=[{"name": "g", "members": ["ann"]}])
    data["timeline"] = [
        {
            "day": 1,
            "events": [
                {
                    "provider": "azure",
                    "action": "add_group_member",
                    "tenant": TENANT,
                    "group": "g",
                    "member": "ann",
                }
            ],
        }
    ]
    with pytest.raises(
        ScenarioError, match=r"day 1, event 1 \(azure add_group_member\): ann is already a member"
    ):
        parse_scenario(data)
