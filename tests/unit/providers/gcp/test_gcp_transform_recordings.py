"""Transforms on real recorded GCP responses (cloud-custodian, Forseti, cartography fixtures)."""

from __future__ import annotations

import json

from gcp_fixtures import DAY, body, data, raw_tenant, run, utc
from muster.providers.gcp.transform import BLIND, NOT_SEEN, UNAVAILABLE

SA = "test-cutodian-scc@cloud-custodian.iam.gserviceaccount.com"
KEYS = f"get-v1-projects-cloud-custodian-serviceAccounts-{SA}-keys_1.json"
BASE = {"provider": "gcp", "tenant_id": "cloud-custodian", "snapshot_date": DAY}


def test_custodian_keys_google_managed_expired_and_user_managed_never_expiring():
    raw = raw_tenant(
        "cloud-custodian",
        service_accounts=body(
            "iam-service-account-key-query/get-v1-projects-cloud-custodian-serviceAccounts_1.json"
        )["accounts"],
        keys={SA: body(f"iam-service-account-key-query/{KEYS}")["keys"]},
        sa_activities=[],
        key_activities=[],
    )
    out = run(raw)
    # The recording has no uniqueId: the account is identified by its member string instead.
    pid = f"serviceAccount:{SA}"
    assert out.credentials == [
        {
            **BASE,
            "credential_id": f"projects/cloud-custodian/serviceAccounts/{SA}/keys/1",
            "principal_id": pid,
            "kind": "sa_key",
            "external_id": "1",
            "status": "expired",
            "managed_by": "provider",
            "created_at": utc(2021, 3, 23, 14, 7, 1),
            "expires_at": utc(2021, 4, 9, 14, 7, 1),
            "last_used_at": None,
            "last_used_source": NOT_SEEN.format(BLIND),
            "last_used_service": None,
            "last_used_region": None,
        },
        {
            **BASE,
            "credential_id": f"projects/cloud-custodian/serviceAccounts/{SA}/keys/2",
            "principal_id": pid,
            "kind": "sa_key",
            "external_id": "2",
            "status": "active",
            "managed_by": "user",
            "created_at": utc(2021, 3, 31, 13, 27, 15),
            "expires_at": None,  # validBeforeTime 9999-12-31T23:59:59Z: no expiry
            "last_used_at": None,
            "last_used_source": NOT_SEEN.format(BLIND),
            "last_used_service": None,
            "last_used_region": None,
        },
    ]
    assert out.principals == [
        {
            **BASE,
            "principal_id": pid,
            "name": SA,
            "arn_or_resource": f"//iam.googleapis.com/projects/cloud-custodian/serviceAccounts/{SA}",
            "kind": "service_account",
            "is_nhi": True,
            "nhi_reason": "GCP service account",
            "enabled": True,
            "console_access": False,
            "mfa_enabled": None,
            "path": "projects/cloud-custodian",
            "created_at": None,
            "last_used_at": None,
            "last_used_source": NOT_SEEN.format(BLIND),
            "owner": None,
            "owner_source": None,
            "boundary_role_id": None,
            "tags": None,
        }
    ]


def test_custodian_organisation_policy_names_every_member_and_reports_the_malformed_one():
    policy = body("organization-iam-policy/post-v1-organizations-111111111111-getIamPolicy_1.json")
    roles = {
        "roles/owner": {
            "name": "roles/owner",
            "title": "Owner",
            "includedPermissions": ["resourcemanager.projects.setIamPolicy"],
        },
        "roles/editor": {
            "name": "roles/editor",
            "title": "Editor",
            "includedPermissions": ["storage.buckets.update"],
        },
        "roles/viewer": {
            "name": "roles/viewer",
            "title": "Viewer",
            "includedPermissions": ["storage.buckets.get"],
        },
        "roles/admin": None,  # not a real role: its definition could not be read
    }
    out = run(raw_tenant("org-111111111111", policies={"organizations/111111111111": policy}, roles=roles))
    grants = {(g["principal_id"], g["role_id"], g["via"], g["privilege"]) for g in out.grants}
    assert grants == {
        ("serviceAccount:abc@testproject.iam.gserviceaccount.com", "roles/owner", "direct", "admin"),
        ("user:abc@gmail.com", "roles/owner", "direct", "admin"),
        ("serviceAccount:def@testproject.iam.gserviceaccount.com", "roles/editor", "direct", "write"),
        ("allUsers", "roles/editor", "direct", "write"),
        ("user:zzz@gmail.com", "roles/editor", "direct", "write"),
        ("user:abc@gmail.com", "roles/viewer", "direct", "read"),
        ("group:dummyGroup1", "roles/admin", "direct", "unknown"),
        ("user:abc@gmail.com", "roles/admin", "direct", "unknown"),
        ("serviceAccount:abc@testproject.iam.gserviceaccount.com", "roles/admin", "direct", "unknown"),
    }
    kinds = {(p["principal_id"], p["kind"], p["is_nhi"]) for p in out.principals}
    assert kinds == {
        ("serviceAccount:abc@testproject.iam.gserviceaccount.com", "service_account", True),
        ("serviceAccount:def@testproject.iam.gserviceaccount.com", "service_account", True),
        ("user:abc@gmail.com", "human_user", False),
        ("user:zzz@gmail.com", "human_user", False),
        ("group:dummyGroup1", "group", False),
        ("allUsers", "public", False),
    }
    policy_entity = next(e for e in out.entities if e.entity == "iam_policy")
    assert policy_entity.status == "partial"
    assert "member 'abcdefg' has no known form" in policy_entity.error
    assert "tenant gcp:org-111111111111" in policy_entity.error
    assert {g["scope"] for g in out.grants} == {"organizations/111111111111"}


def test_forseti_service_agents_duplicates_and_keys_without_key_type():
    d = data("mock_gcp_results.iam_subset.json")
    accounts = d["IAM_GET_SERVICEACCOUNTS"]["project1"]
    email = accounts[0]["email"]
    keys = d["IAM_GET_SERVICEACCOUNT_KEYS"][f"projects/project1/serviceAccounts/{email}"]
    policy = d["CRM_GET_IAM_POLICIES"]["1044"]  # lists serviceAccount:4@cloudservices twice in one binding
    roles = {r["name"]: r for r in d["IAM_GET_CURATED_ROLES"] if r["name"] in ("roles/editor", "roles/owner")}
    raw = raw_tenant(
        "project1",
        policies={"projects/project1": policy},
        service_accounts=accounts,
        keys={email: keys},
        roles=roles,
    )
    out = run(raw)
    assert [(g["principal_id"], g["role_id"]) for g in out.grants] == [
        ("group:c_grp@forseti.test", "roles/owner"),
        ("serviceAccount:4-compute@developer.gserviceaccount.com", "roles/editor"),
        ("serviceAccount:4@cloudservices.gserviceaccount.com", "roles/editor"),
        ("user:a_user@forseti.test", "roles/owner"),
    ]
    agents = {p["principal_id"]: p["nhi_reason"] for p in out.principals if p["kind"] == "service_account"}
    assert agents == {
        "1101": "GCP service account",
        "serviceAccount:4-compute@developer.gserviceaccount.com": "Google-managed service agent",
        "serviceAccount:4@cloudservices.gserviceaccount.com": "Google-managed service agent",
    }
    [key] = out.credentials
    assert (key["managed_by"], key["status"], key["expires_at"]) == (
        "user",
        "active",
        utc(2027, 11, 20, 17, 49, 56),
    )
    # Without Policy Analyzer data the last use is unknown, never "never used".
    assert (key["last_used_at"], key["last_used_source"]) == (None, UNAVAILABLE)
    keys_entity = next(e for e in out.entities if e.entity == "service_account_keys")
    assert keys_entity.status == "complete" and "keyType None read as USER_MANAGED" in keys_entity.error
    privileges = {g["role_id"]: g["privilege"] for g in out.grants}
    assert privileges == {"roles/owner": "admin", "roles/editor": "admin"}


def test_cartography_conditional_binding_disabled_account_and_deleted_custom_role():
    iam = data("iam.json")
    bindings = data("policy_bindings.json")["MOCK_POLICY_BINDINGS_RESPONSE"]["policy_results"][0]["policies"][
        0
    ]
    roles = {r["name"]: r for r in data("policy_bindings.json")["MOCK_IAM_ROLES"]}
    roles |= {r["name"]: r for r in iam["LIST_PROJECT_CUSTOM_ROLES_RESPONSE"]["roles"]}
    roles["roles/iam.serviceAccountTokenCreator"] = {
        "name": "roles/iam.serviceAccountTokenCreator",
        "includedPermissions": ["iam.serviceAccounts.getAccessToken", "iam.serviceAccounts.signJwt"],
    }
    accounts = iam["LIST_SERVICE_ACCOUNTS_RESPONSE"]["accounts"]
    raw = raw_tenant(
        "project-abc",
        policies={"projects/project-abc": bindings["policy"]},
        service_accounts=accounts,
        keys={accounts[0]["email"]: iam["LIST_SERVICE_ACCOUNT_KEYS_RESPONSE"]["keys"]},
        roles=roles,
        sa_activities=[
            {
                "fullResourceName": "//iam.googleapis.com/projects/project-abc/serviceAccounts/112233445566778899",
                "activity": {
                    "lastAuthenticatedTime": "2026-10-30T07:00:00Z",
                    "serviceAccount": {"serviceAccountId": "112233445566778899"},
                },
            }
        ],
        key_activities=[],
    )
    out = run(raw, owners={"service-account-2@project-abc.iam.gserviceaccount.com": "team-data"})
    conditional = [g for g in out.grants if g["condition"]]
    assert len(conditional) == 1
    g = conditional[0]
    assert (g["principal_id"], g["role_id"]) == ("user:bob@example.com", "roles/storage.admin")
    assert g["via"].startswith("condition:") and len(g["via"]) == len("condition:") + 12
    assert json.loads(g["condition"]) == {
        "title": "Expires on 2024-12-31",
        "expression": "request.time < timestamp('2024-12-31T00:00:00Z')",
    }
    token = next(g for g in out.grants if g["role_id"] == "roles/iam.serviceAccountTokenCreator")
    assert token["privilege"] == "escalation"
    assert token["privilege_reasons"] == [
        "role roles/iam.serviceAccountTokenCreator: iam.serviceAccounts.getAccessToken, iam.serviceAccounts.signJwt"
    ]
    sas = {p["principal_id"]: p for p in out.principals if p["kind"] == "service_account"}
    assert sas["112233445566778899"]["last_used_at"] == utc(2026, 10, 30, 7)
    assert sas["112233445566778899"]["last_used_source"] == "policy_analyzer:serviceAccountLastAuthentication"
    assert (sas["998877665544332211"]["enabled"], sas["998877665544332211"]["owner"]) == (False, "team-data")
    assert sas["998877665544332211"]["owner_source"] == "scope-file"
    # The member sa@project-abc is not among the project's listed accounts and was not looked up.
    assert "serviceAccount:sa@project-abc.iam.gserviceaccount.com" in sas
    deleted = next(
        r for r in out.role_definitions if r["role_id"] == "projects/project-abc/roles/customRole2"
    )
    assert json.loads(deleted["document"]) == {
        "deleted": True,
        "includedPermissions": ["iam.serviceAccounts.get", "iam.serviceAccounts.list"],
        "stage": "DISABLED",
    }
    assert deleted["role_type"] == "custom"
    assert {c["status"] for c in out.credentials} == {"expired"}  # both valid only until 2024
