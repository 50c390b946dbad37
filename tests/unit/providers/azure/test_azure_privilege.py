"""Privilege verdicts come from permissions: real built-in role definitions (iam-dataset) and Entra actions."""

import json
from pathlib import Path

import pytest
from muster.providers.azure.privilege import app_permission_privilege, arm_privilege, directory_privilege

#: Azure built-in roles as `az role definition list` prints them (iann0036/iam-dataset, MIT), by name.
BUILTINS = Path(__file__).resolve().parents[3] / "fixtures" / "azure" / "iam_dataset_builtin_roles.json"


def builtin(name: str) -> list:
    return json.loads(BUILTINS.read_text())[name]["permissions"]


@pytest.mark.parametrize(
    ("role", "verdict"),
    [
        ("Owner", "admin"),
        ("Contributor", "write"),
        ("User Access Administrator", "escalation"),
        ("Role Based Access Control Administrator", "escalation"),
        ("Reader", "read"),
        ("Key Vault Secrets Officer", "write"),
    ],
)
def test_builtin_roles_are_classified_from_their_permissions(role, verdict):
    assert arm_privilege(builtin(role), role)[0] == verdict


def test_reasons_name_the_permissions():
    assert arm_privilege(builtin("User Access Administrator"), "UAA") == (
        "escalation",
        [
            "role UAA permissions[0]: grants Microsoft.Authorization/roleAssignments/write, "
            "Microsoft.Authorization/roleDefinitions/write, Microsoft.Authorization/elevateAccess/action"
        ],
    )


def test_a_custom_star_role_is_admin_unless_it_excludes_role_assignment():
    star = [{"actions": ["*"], "notActions": [], "dataActions": [], "notDataActions": []}]
    assert arm_privilege(star, "ops")[0] == "admin"
    fenced = [{"actions": ["*"], "notActions": ["Microsoft.Authorization/*"], "dataActions": []}]
    assert arm_privilege(fenced, "ops")[0] == "write"


def test_uninterpretable_permissions_are_unknown():
    assert arm_privilege(None, "x") == ("unknown", ["role x: no permissions block"])
    assert arm_privilege([{"actions": "*"}], "x")[0] == "unknown"


@pytest.mark.parametrize(
    ("actions", "verdict"),
    [
        (["microsoft.directory/roleAssignments/allProperties/allTasks"], "admin"),
        (["microsoft.directory/applications/credentials/update"], "escalation"),
        (["microsoft.directory/applications.myOrganization/allProperties/allTasks"], "escalation"),
        (["microsoft.directory/users/password/update"], "escalation"),
        (["microsoft.directory/groups/members/update"], "write"),
        (["microsoft.directory/users/allProperties/read"], "read"),
        (["microsoft.directory/*"], "admin"),
    ],
)
def test_directory_roles_are_classified_from_resource_actions(actions, verdict):
    assert directory_privilege([{"allowedResourceActions": actions}], "r")[0] == verdict


@pytest.mark.parametrize(
    ("value", "verdict"),
    [
        ("RoleManagement.ReadWrite.Directory", "admin"),
        ("AppRoleAssignment.ReadWrite.All", "escalation"),
        ("Application.ReadWrite.All", "escalation"),
        ("Mail.Send", "write"),
        ("full_access_as_app", "write"),
        ("Directory.Read.All", "read"),
        ("User.ReadBasic.All", "read"),
        ("Something.Odd", "unknown"),
        (None, "unknown"),
    ],
)
def test_application_permissions(value, verdict):
    assert app_permission_privilege(value, "Microsoft Graph", None)[0] == verdict
