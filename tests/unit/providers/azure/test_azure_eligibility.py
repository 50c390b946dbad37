"""Eligible (PIM) role assignments become grants of the role's own privilege, held ``eligible until <end>`` /
``eligible permanently`` (and ``group:<id> eligible ...`` by a group's members); those not in force are not
grants; a bad date is reported; inherited eligibilities listed per subscription are kept once."""

import datetime as dt

from azure_helpers import DAY, NOW, raw, statuses, tenant
from muster.collected import EntityResult
from muster.providers.azure.eligibility import eligible_via
from muster.providers.azure.populations import FEEDS
from muster.providers.azure.transform import transform_tenant

GA = "62e90394-69f5-4237-9190-012177145e10"
ALICE, BOB, GROUP = "a1a1a1a1-0000-4000-8000-000000000001", "b2b2b2b2-0000-4000-8000-000000000002", "g-1"
SUB1, SUB2 = "11111111-0000-4000-8000-000000000001", "22222222-0000-4000-8000-000000000002"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
AUTH = "/providers/Microsoft.Authorization"
DEFINITION = {
    "id": GA,
    "displayName": "Global Administrator",
    "isBuiltIn": True,
    "rolePermissions": [
        {"allowedResourceActions": ["microsoft.directory/roleAssignments/allProperties/allTasks"]}
    ],
}


def directory(*eligible, **fields):
    return raw(directory_role_definitions=[DEFINITION], directory_role_eligibility=list(eligible), **fields)


def instance(i, principal=ALICE, start="2026-01-01T00:00:00Z", end="2027-05-01T00:00:00Z", role=GA):
    return {
        "id": f"e{i}",
        "principalId": principal,
        "roleDefinitionId": role,
        "directoryScopeId": "/",
        "appScopeId": None,
        "startDateTime": start,
        "endDateTime": end,
        "memberType": "Direct",
    }


def grants_of(out):
    return sorted((g["principal_id"], g["role_name"], g["via"], g["privilege"]) for g in out.grants)


def test_via_says_eligible_with_its_end_in_utc_or_permanently():
    assert eligible_via(dt.datetime(2027, 5, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=2)))) == (
        "eligible until 2027-05-01T00:00:00Z"
    )
    assert eligible_via(None) == "eligible permanently"


def test_an_eligible_global_administrator_is_an_admin_grant_beside_the_active_one():
    out = transform_tenant(
        directory(
            instance(1),
            instance(2, principal=BOB, end=None),
            directory_role_assignments=[{"id": "a1", "principalId": ALICE, "roleDefinitionId": GA}],
        ),
        tenant(),
        DAY,
    )
    assert grants_of(out) == [
        (ALICE, "Global Administrator", "direct", "admin"),
        (ALICE, "Global Administrator", "eligible until 2027-05-01T00:00:00Z", "admin"),
        (BOB, "Global Administrator", "eligible permanently", "admin"),
    ]
    reasons = {tuple(g["privilege_reasons"]) for g in out.grants}
    assert len(reasons) == 1  # the role's own reasons, as for the active assignment
    assert statuses(out)["directory_role_eligibility"] == "complete"
    out.tables("run", NOW)


def test_eligibilities_not_yet_started_or_already_ended_are_not_grants():
    out = transform_tenant(
        directory(
            instance(1, start="2026-12-01T00:00:00Z"),
            instance(2, end="2026-11-02T03:00:00Z"),  # ends at the very observation
            instance(3, start=None, end="2026-11-03T00:00:00Z"),
        ),
        tenant(),
        DAY,
    )
    assert grants_of(out) == [(ALICE, "Global Administrator", "eligible until 2026-11-03T00:00:00Z", "admin")]


def test_a_malformed_date_is_reported_and_read_as_no_bound():
    out = transform_tenant(directory(instance(1, end="next spring")), tenant(), DAY)
    assert grants_of(out) == [(ALICE, "Global Administrator", "eligible permanently", "admin")]
    e = {x.entity: x for x in out.entities}["directory_role_eligibility"]
    assert e.status == "partial"
    assert "eligibility e1 field endDateTime is not an ISO-8601 date-time" in e.error


def test_an_unlisted_role_definition_is_unknown_and_a_missing_principal_reported():
    broken = {**instance(2), "principalId": None}
    out = transform_tenant(directory(instance(1, role="r-x"), broken), tenant(), DAY)
    assert grants_of(out) == [(ALICE, "r-x", "eligible until 2027-05-01T00:00:00Z", "unknown")]
    assert (
        "eligibility e2 has no principalId"
        in {x.entity: x for x in out.entities}["directory_role_eligibility"].error
    )


def test_a_group_eligible_for_a_role_reaches_its_members_as_group_then_eligible():
    members = {GROUP: [{"@odata.type": "#microsoft.graph.user", "id": BOB}]}
    groups = [{"id": GROUP, "displayName": "admins", "securityEnabled": True, "isAssignableToRole": True}]
    out = transform_tenant(
        directory(instance(1, principal=GROUP), groups=groups, group_members=members), tenant(), DAY
    )
    assert grants_of(out) == [
        (BOB, "Global Administrator", f"group:{GROUP} eligible until 2027-05-01T00:00:00Z", "admin"),
        (GROUP, "Global Administrator", "eligible until 2027-05-01T00:00:00Z", "admin"),
    ]


def _arm_eligibility(sub, scope, end):
    return {
        "id": f"{scope}{AUTH}/roleEligibilityScheduleInstances/x",
        "properties": {
            "scope": scope,
            "roleDefinitionId": f"/subscriptions/{sub}{AUTH}/roleDefinitions/{OWNER}",
            "principalId": ALICE,
            "principalType": "User",
            "startDateTime": "2026-01-01T00:00:00Z",
            "endDateTime": end,
            "memberType": "Inherited",
            "status": "Provisioned",
        },
    }


def test_eligible_owner_inherited_from_a_management_group_is_one_admin_grant():
    mg = "/providers/Microsoft.Management/managementGroups/root"
    owner = {
        "id": f"/subscriptions/{SUB1}{AUTH}/roleDefinitions/{OWNER}",
        "name": OWNER,
        "properties": {
            "roleName": "Owner",
            "type": "BuiltInRole",
            "permissions": [{"actions": ["*"], "notActions": [], "dataActions": [], "notDataActions": []}],
        },
    }
    r = raw(
        arm_definitions={SUB1: [owner]},
        arm_eligibility={
            SUB1: [_arm_eligibility(SUB1, mg, None)],
            SUB2: [_arm_eligibility(SUB2, mg, None), {"id": "bad", "properties": {"scope": "nowhere"}}],
        },
    )
    r.entities += [EntityResult(f"role_eligibility/{s}", FEEDS["role_eligibility"]) for s in (SUB1, SUB2)]
    out = transform_tenant(r, tenant(), DAY)
    assert [
        (g["principal_id"], g["role_name"], g["scope"], g["via"], g["privilege"]) for g in out.grants
    ] == [(ALICE, "Owner", mg, "eligible permanently", "admin")]
    e = {x.entity: x for x in out.entities}
    assert e[f"role_eligibility/{SUB1}"].status == "complete"
    assert e[f"role_eligibility/{SUB2}"].status == "partial"
    assert (
        "eligibility bad lacks principalId, roleDefinitionId or scope" in e[f"role_eligibility/{SUB2}"].error
    )
