"""Entra groups: principals of kind group (as GCP groups), and grants that reach their members (as AWS group
policies, via group:<id>), nested groups included where the grant honours nesting."""

import datetime as dt

from azure_helpers import DAY, TENANT, fixture, raw, statuses, tenant
from muster.providers.azure.grants import members_of
from muster.providers.azure.transform import transform_tenant

SECURITY, DEVELOPERS = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
HOMER, TEST_USER = "ae4ac864-4433-4ba6-96a6-20f8cffdadcb", "11dca63b-cb03-4e53-bb75-fa8060285550"
SP = "0f0f0f0f-0000-4000-8000-000000000001"
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
GRAPH_SP = "5a5a5a5a-0000-4000-8000-000000000001"
GRAPH_APP = "00000003-0000-0000-c000-000000000000"
APP_READWRITE_ALL = "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9"


def groups_fixture(**extra_members):
    data = fixture("cartography_groups.json")
    members = {gid: page["value"] for gid, page in data["members"].items()}
    for gid, more in extra_members.items():
        members[gid] = members.get(gid, []) + more
    return data["groups"]["value"], members


def test_groups_are_principals_of_kind_group_not_nhis():
    groups, _ = groups_fixture()
    out = transform_tenant(raw(groups=groups), tenant(), DAY)
    assert out.principals == [
        {
            "provider": "azure",
            "tenant_id": TENANT,
            "snapshot_date": DAY,
            "principal_id": SECURITY,
            "name": "Security Team",
            "arn_or_resource": f"/groups/{SECURITY}",
            "kind": "group",
            "is_nhi": False,
            "nhi_reason": "Entra Microsoft 365 group: stands for its members",
            "enabled": None,
            "console_access": None,
            "mfa_enabled": None,
            "path": None,
            "created_at": None,
            "last_used_at": None,
            "last_used_source": "unknown: last use is not reported for this kind of identity",
            "owner": None,
            "owner_source": None,
            "boundary_role_id": None,
            "tags": {},
        },
        {
            "provider": "azure",
            "tenant_id": TENANT,
            "snapshot_date": DAY,
            "principal_id": DEVELOPERS,
            "name": "Developers",
            "arn_or_resource": f"/groups/{DEVELOPERS}",
            "kind": "group",
            "is_nhi": False,
            "nhi_reason": "Entra security group, dynamic membership: stands for its members",
            "enabled": None,
            "console_access": None,
            "mfa_enabled": None,
            "path": None,
            "created_at": None,
            "last_used_at": None,
            "last_used_source": "unknown: last use is not reported for this kind of identity",
            "owner": None,
            "owner_source": None,
            "boundary_role_id": None,
            "tags": {},
        },
    ]


def directory_roles() -> dict:
    return {
        "directory_role_definitions": [
            {
                "id": GLOBAL_ADMIN,
                "displayName": "Global Administrator",
                "isBuiltIn": True,
                "rolePermissions": [
                    {"allowedResourceActions": ["microsoft.directory/roleAssignments/allProperties/allTasks"]}
                ],
            }
        ],
        "directory_role_assignments": [
            {"id": "a1", "principalId": SECURITY, "roleDefinitionId": GLOBAL_ADMIN, "directoryScopeId": "/"}
        ],
    }


def test_a_directory_role_held_by_a_group_reaches_its_members_and_those_of_nested_groups():
    groups, members = groups_fixture(
        **{DEVELOPERS: [{"@odata.type": "#microsoft.graph.servicePrincipal", "id": SP}]}
    )
    out = transform_tenant(raw(groups=groups, group_members=members, **directory_roles()), tenant(), DAY)
    assert {(g["principal_id"], g["via"], g["privilege"]) for g in out.grants} == {
        (SECURITY, "direct", "admin"),
        (HOMER, f"group:{SECURITY}", "admin"),
        (TEST_USER, f"group:{SECURITY}", "admin"),
        (SP, f"group:{SECURITY}", "admin"),  # through Developers, nested in Security Team
    }
    assert statuses(out) == {e: "complete" for e in statuses(out)}
    out.tables("run", dt.datetime(2026, 11, 2, 3, tzinfo=dt.UTC))


def test_an_app_role_held_by_a_group_reaches_its_direct_members_only():
    groups, members = groups_fixture(
        **{DEVELOPERS: [{"@odata.type": "#microsoft.graph.servicePrincipal", "id": SP}]}
    )
    resource = {
        "id": GRAPH_SP,
        "appId": GRAPH_APP,
        "displayName": "Microsoft Graph",
        "appRoles": [{"id": APP_READWRITE_ALL, "value": "Application.ReadWrite.All"}],
    }
    assignment = {
        "id": "r1",
        "appRoleId": APP_READWRITE_ALL,
        "principalId": SECURITY,
        "principalType": "Group",
        "resourceId": GRAPH_SP,
    }
    out = transform_tenant(
        raw(
            groups=groups,
            group_members=members,
            app_role_resources=[resource],
            app_role_assignments=[assignment],
        ),
        tenant(),
        DAY,
    )
    assert {(g["principal_id"], g["via"]) for g in out.grants} == {
        (SECURITY, "direct"),
        (HOMER, f"group:{SECURITY}"),
        (TEST_USER, f"group:{SECURITY}"),
    }


def test_groups_whose_members_were_not_listed_reach_no_member():
    groups, members = groups_fixture()
    members[SECURITY] = None  # the listing failed: group_members says so
    out = transform_tenant(raw(groups=groups, group_members=members, **directory_roles()), tenant(), DAY)
    assert [(g["principal_id"], g["via"]) for g in out.grants] == [(SECURITY, "direct")]


def test_nesting_cycles_end_and_devices_and_contacts_hold_nothing():
    listed = {
        "a": [
            {"@odata.type": "#microsoft.graph.group", "id": "b"},
            {"@odata.type": "#microsoft.graph.device", "id": "d1"},
            {"@odata.type": "#microsoft.graph.orgContact", "id": "c1"},
        ],
        "b": [
            {"@odata.type": "#microsoft.graph.group", "id": "a"},
            {"@odata.type": "#microsoft.graph.user", "id": "u"},
        ],
    }
    assert (members_of(listed, "a", True), members_of(listed, "a", False)) == (["u"], [])


def test_a_group_with_the_id_of_a_user_is_skipped_and_reported():
    groups, _ = groups_fixture()
    users = [{"id": SECURITY, "userPrincipalName": "homer@simpson.corp", "accountEnabled": True}]
    out = transform_tenant(raw(users=users, groups=groups[:1]), tenant(), DAY)
    assert [(p["principal_id"], p["kind"]) for p in out.principals] == [(SECURITY, "human_user")]
    e = next(e for e in out.entities if e.entity == "groups")
    assert (e.status, e.error) == (
        "partial",
        f"tenant {TENANT}: groups: group Security Team has the same id {SECURITY} as user homer@simpson.corp; "
        "skipped",
    )
