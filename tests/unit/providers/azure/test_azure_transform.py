"""Azure transform on reference data (ScubaGear, Cartography), converted to the Graph/ARM wire format."""

import datetime as dt

from azure_helpers import DAY, NOW, TENANT, fixture, raw, statuses, tenant
from muster.providers.azure.transform import transform_tenant

BASE = {"provider": "azure", "tenant_id": TENANT, "snapshot_date": DAY}
END_2100 = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def test_scubagear_service_principal_credentials_keep_dates_and_ids_only():
    sps = fixture("scubagear_servicePrincipals.json")["value"]
    out = transform_tenant(raw(service_principals=sps), tenant(), DAY)
    creds = {(c["principal_id"][-2:], c["kind"], c["external_id"][-2:], c["status"]) for c in out.credentials}
    assert creds == {
        ("10", "certificate", "10", "active"),
        ("10", "client_secret", "10", "active"),
        ("20", "certificate", "10", "active"),
        ("40", "client_secret", "10", "active"),
        ("40", "client_secret", "20", "active"),
        ("50", "certificate", "10", "active"),
        ("60", "certificate", "10", "active"),
        ("60", "client_secret", "10", "active"),
    }
    first = next(
        c
        for c in out.credentials
        if c["credential_id"].endswith("0010/client_secret/00000000-0000-0000-0000-000000000010")
    )
    assert first == {
        **BASE,
        "credential_id": "00000000-0000-0000-0000-000000000010/client_secret/00000000-0000-0000-0000-000000000010",
        "principal_id": "00000000-0000-0000-0000-000000000010",
        "kind": "client_secret",
        "external_id": "00000000-0000-0000-0000-000000000010",
        "status": "active",
        "managed_by": "user",
        "created_at": dt.datetime(2024, 12, 4, 20, 22, 22, tzinfo=dt.UTC),
        "expires_at": END_2100,
        "last_used_at": None,
        "last_used_source": "appCredentialSignInActivities: no sign-in reported",
        "last_used_service": None,
        "last_used_region": None,
    }
    # The same keyId on a key and a password credential of one object must not collide (a real quirk).
    out.tables("run", NOW)
    assert statuses(out)["service_principals"] == "complete"


def test_scubagear_applications_and_federated_credentials():
    apps = fixture("scubagear_applications.json")["value"]
    fics = fixture("scubagear_federatedIdentityCredentials.json")["value"]
    app1 = apps[0]["id"]
    out = transform_tenant(raw(applications=apps, federated={app1: fics}), tenant(), DAY)
    assert {(p["name"], p["kind"], p["is_nhi"], p["enabled"]) for p in out.principals} == {
        ("Test App 1", "application", True, None),
        ("Test App 2", "application", True, None),
        ("Test App 3", "application", True, None),
    }
    by_kind = {}
    for c in out.credentials:
        by_kind.setdefault(c["kind"], set()).add((c["principal_id"][-1], c["external_id"]))
    assert by_kind["federated"] == {
        ("1", "https://token.issuer.domain.com repo:testorg/123:refs/tags/1.0"),
    }
    assert {c["credential_id"] for c in out.credentials if c["kind"] == "federated"} == {
        f"{app1}/federated/00000000-0000-0000-0000-000000000001",
        f"{app1}/federated/00000000-0000-0000-0000-000000000002",
    }
    key = "00000000-0000-0000-0000-0000000000"
    assert by_kind["certificate"] == {("1", f"{key}01"), ("1", f"{key}02"), ("2", f"{key}01")}
    assert by_kind["client_secret"] == {("1", f"{key}01"), ("3", f"{key}01")}
    out.tables("run", NOW)


def test_scubagear_risky_graph_permissions_become_privileged_grants():
    data = fixture("scubagear_appRoleAssignedTo.json")
    out = transform_tenant(
        raw(
            app_role_resources=data["resources"]["value"],
            app_role_assignments=data["appRoleAssignedTo"]["value"],
        ),
        tenant(),
        DAY,
    )
    assert {(g["role_name"], g["privilege"]) for g in out.grants} == {
        ("Microsoft Graph: Application.ReadWrite.All", "escalation"),
        ("Microsoft Graph: RoleManagement.ReadWrite.Directory", "admin"),
        ("Microsoft Graph: User.Read.All", "read"),
        ("Microsoft Graph: Mail.ReadWrite", "write"),
        ("Microsoft Graph: GroupMember.ReadWrite.All", "write"),
        ("Microsoft Graph: Files.ReadWrite.All", "write"),
    }
    admin = next(g for g in out.grants if g["privilege"] == "admin")
    assert admin["privilege_reasons"] == [
        "application permission RoleManagement.ReadWrite.Directory on Microsoft Graph: can assign any directory "
        "role, Global Administrator included",
        "application permission RoleManagement.ReadWrite.Directory on Microsoft Graph: risk Critical in the "
        "ScubaGear catalogue",
    ]
    assert {r["role_type"] for r in out.role_definitions} == {"app_role"} and len(out.role_definitions) == 6


def test_cartography_directory_roles_without_permissions_are_unknown_not_guessed_from_names():
    data = fixture("cartography_directory_roles.json")
    out = transform_tenant(
        raw(
            directory_role_definitions=data["roleDefinitions"]["value"],
            directory_role_assignments=data["roleAssignments"]["value"],
        ),
        tenant(),
        DAY,
    )
    assert {(g["principal_id"][:8], g["role_name"], g["scope"], g["privilege"]) for g in out.grants} == {
        ("ae4ac864", "Global Administrator", "directory:/", "unknown"),
        ("11111111", "User Administrator", "directory:/", "unknown"),
        ("33333333", "Global Administrator", "directory:/", "unknown"),
    }
    assert {r["role_type"] for r in out.role_definitions} == {"directory_role"}


def test_cartography_rbac_with_management_group_assignments():
    data = fixture("cartography_rbac.json")
    sub = data["subscription"]["subscriptionId"]
    out = transform_tenant(
        raw(
            users=data["users"]["value"],
            service_principals=data["servicePrincipals"]["value"],
            subscriptions=[data["subscription"]],
            arm_definitions={sub: data["roleDefinitions"]["value"]},
            arm_assignments={sub: data["roleAssignments"]["value"]},
        ),
        tenant(),
        DAY,
    )
    assert {
        (g["principal_id"], g["role_name"], g["scope"].rsplit("/", 1)[-1], g["privilege"]) for g in out.grants
    } == {
        ("user-123", "Owner", sub, "admin"),
        ("group-789", "SQL Server Contributor", sub, "write"),
        ("user-456", "Reader", sub, "read"),
        ("sp-101", "Reader", sub, "read"),
        ("user-456", "Reader", "parent-management-group", "read"),
        ("user-123", "Management Group Reader", "test-management-group", "read"),
        ("sp-101", "Owner", "test-rg", "admin"),
    }
    assert {(p["principal_id"], p["kind"]) for p in out.principals} == {
        ("user-123", "human_user"),
        ("user-456", "human_user"),
        ("sp-101", "service_principal"),
    }
    out.tables("run", NOW)


def test_cartography_users_without_account_enabled_stay_unknown():
    users = fixture("cartography_users.json")["value"]
    out = transform_tenant(raw(users=users, users_sign_in=False), tenant(), DAY)
    # Rows come in primary-key order.
    assert [
        {k: p[k] for k in ("principal_id", "name", "enabled", "last_used_at", "last_used_source")}
        for p in out.principals
    ] == [
        {
            "principal_id": "11dca63b-cb03-4e53-bb75-fa8060285550",
            "name": "entra-test-user-1@mycompany.onmicrosoft.com",
            "enabled": None,
            "last_used_at": None,
            "last_used_source": "unknown: signInActivity not readable (needs Entra ID P1/P2)",
        },
        {
            "principal_id": "ae4ac864-4433-4ba6-96a6-20f8cffdadcb",
            "name": "hjsimpson@simpson.corp",
            "enabled": None,
            "last_used_at": None,
            "last_used_source": "unknown: signInActivity not readable (needs Entra ID P1/P2)",
        },
    ]


def test_scope_file_overrides_owner_and_classification():
    users = [{"id": "u1", "userPrincipalName": "svc-backup@acme.example", "accountEnabled": True}]
    sps = [{"id": "sp1", "appId": "a1", "displayName": "etl", "servicePrincipalType": "Application"}]
    t = tenant(owners={"etl": "data-team"}, identity_overrides={"svc-backup@acme.example": "human"})
    out = transform_tenant(raw(users=users, service_principals=sps), t, DAY)
    assert {
        (p["name"], p["kind"], p["nhi_reason"], p["owner"], p["owner_source"]) for p in out.principals
    } == {
        ("svc-backup@acme.example", "human_user", "scope file identity_overrides: human", None, None),
        (
            "etl",
            "service_principal",
            "service principal (servicePrincipalType=Application)",
            "data-team",
            "scope-file",
        ),
    }


def test_malformed_objects_make_the_entity_partial_and_never_raise():
    sps = [
        "not an object",
        {"id": "sp1", "displayName": "x", "passwordCredentials": [{"keyId": "k", "endDateTime": "soon"}]},
        {"id": "sp1", "displayName": "dup"},
    ]
    out = transform_tenant(raw(service_principals=sps), tenant(), DAY)
    e = next(e for e in out.entities if e.entity == "service_principals")
    assert e.status == "partial"
    assert e.error == (
        f"tenant {TENANT}: service_principals: item 0 is not an object with an id; service principal dup has the "
        "same id sp1 as service principal x; skipped; service principal x passwordCredentials k field endDateTime "
        "is not an ISO-8601 date-time"
    )
    assert [c["expires_at"] for c in out.credentials] == [None]


def test_an_object_repeating_an_id_is_skipped_with_its_credentials_and_problems_even_with_the_same_name():
    sps = [
        {"id": "sp1", "displayName": "x", "passwordCredentials": [{"keyId": "k1"}]},
        # Same id and name: once a duplicate-key SchemaViolation at sealing; now skipped like any repeat.
        {"id": "sp1", "displayName": "x", "passwordCredentials": [{"keyId": "k2", "endDateTime": "soon"}]},
    ]
    out = transform_tenant(raw(service_principals=sps), tenant(), DAY)
    assert [c["credential_id"] for c in out.credentials] == ["sp1/client_secret/k1"]
    e = next(e for e in out.entities if e.entity == "service_principals")
    assert (e.status, e.error) == (
        "partial",
        f"tenant {TENANT}: service_principals: service principal x has the same id sp1 as service principal x; "
        "skipped",
    )
    out.tables("run", NOW)


def test_an_application_service_principal_records_the_organisation_that_owns_its_application():
    """Rules tell Microsoft's own first-party service principals from the tenant's by this path; a managed
    identity (whose appOwnerOrganizationId is Microsoft's too) is the tenant's and gets none."""
    microsoft = "F8CDEF31-A31E-4B4A-93E4-5F571E91255A"
    sps = [
        {
            "id": "sp1",
            "appId": "a1",
            "displayName": "Microsoft Graph",
            "servicePrincipalType": "Application",
            "appOwnerOrganizationId": microsoft,
        },
        {
            "id": "sp2",
            "appId": "a2",
            "displayName": "etl",
            "servicePrincipalType": "Application",
            "appOwnerOrganizationId": TENANT,
        },
        {
            "id": "sp3",
            "appId": "a3",
            "displayName": "mi-x",
            "servicePrincipalType": "ManagedIdentity",
            "appOwnerOrganizationId": microsoft,
        },
        {"id": "sp4", "appId": "a4", "displayName": "legacy", "servicePrincipalType": "Legacy"},
    ]
    out = transform_tenant(raw(service_principals=sps), tenant(), DAY)
    assert {(p["name"], p["path"]) for p in out.principals} == {
        ("Microsoft Graph", f"appOwnerOrganizationId/{microsoft.lower()}"),
        ("etl", f"appOwnerOrganizationId/{TENANT}"),
        ("mi-x", None),
        ("legacy", None),
    }
