"""Collect the demo Entra tenant from the local Graph + ARM fake through requests: paging, throttling,
denials, licensing gaps, and the tenant check."""

import datetime as dt

import pytest
from muster.config import Tenant
from muster.providers.azure.collect import collect_tenant
from muster.sandbox.azure_world import Fault
from muster.snapshot.encoding import table_statuses

pytestmark = pytest.mark.integration
TENANT = "7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6"
SUB = "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
DAY = dt.date(2026, 11, 2)


def collect(now, sleeps, **tenant):
    # As the sandbox scope file does: it names the production subscription, ARM also lists acme-sandbox.
    tenant.setdefault("subscriptions", (SUB,))
    return collect_tenant(Tenant(provider="azure", id=TENANT, **tenant), DAY, now=now, sleep=sleeps.append)


def by_entity(c):
    return {e.entity: e for e in c.entities}


def test_demo_tenant_is_collected_completely_with_the_planted_problems(fake, now, sleeps):
    c = collect(now, sleeps)
    assert {e.entity: e.status for e in c.entities} == {
        "organization": "complete",
        "users": "complete",
        "service_principals": "complete",
        "applications": "complete",
        "federated_credentials": "complete",
        "directory_role_definitions": "complete",
        "directory_role_assignments": "complete",
        "directory_role_eligibility": "complete",
        "app_role_assignments": "complete",
        "sp_sign_in_activity": "complete",
        "user_mfa_registration": "complete",
        "app_credential_sign_in_activity": "complete",
        "subscriptions": "complete",
        f"role_assignments/{SUB}": "complete",
        f"role_eligibility/{SUB}": "complete",
        f"role_definitions/{SUB}": "complete",
        "groups": "complete",
        "group_members": "complete",
    }
    names = {p["principal_id"]: p["name"] for p in c.principals}
    secrets = {
        (names[s["principal_id"]], s["status"], s["expires_at"].year)
        for s in c.credentials
        if s["kind"] == "client_secret"
    }
    assert ("legacy-sync", "active", 2299) in secrets  # never expires
    assert ("invoice-ocr", "expired", 2026) in secrets  # expired, still present
    privileged = {
        (names.get(g["principal_id"], g["principal_id"]), g["role_name"], g["privilege"])
        for g in c.grants
        if g["privilege"] in ("admin", "escalation")
    }
    assert privileged == {
        ("mi-deployer", "Owner", "admin"),
        ("ci-automation", "acme-ops-everything", "admin"),  # custom *, inherited from the management group
        ("directory-sync", "Microsoft Graph: RoleManagement.ReadWrite.Directory", "admin"),
        ("alice.ng@acme.example", "Global Administrator", "admin"),
        ("alice.ng@acme.example", "User Access Administrator", "escalation"),
        ("frank.oliveira@acme.example", "Application Administrator", "escalation"),
        # The group's own grant, and its nested group's member's (frank is in sre-oncall, in platform-admins).
        ("platform-admins", "User Access Administrator", "escalation"),
        ("frank.oliveira@acme.example", "User Access Administrator", "escalation"),
        # platform-admins is eligible (PIM) for Owner: the group, and frank through sre-oncall, hold it.
        ("platform-admins", "Owner", "admin"),
        ("frank.oliveira@acme.example", "Owner", "admin"),
    }
    kinds = {(p["name"], p["kind"]) for p in c.principals if p["is_nhi"]}
    assert ("mi-deployer", "managed_identity") in kinds and ("billing-export", "application") in kinds
    assert c.caller_identity == "static token (env MUSTER_AZURE_STATIC_TOKEN)"
    tables = c.tables("run", now())
    assert {t: s["status"] for t, s in table_statuses(tables["collection"]).items()} == {
        "principals": "complete",
        "credentials": "complete",
        "grants": "complete",
        "role_definitions": "complete",
    }


def test_no_secret_material_reaches_any_table(fake, now, sleeps):
    hints = {c["hint"] for a in fake.api.world.applications for c in a["passwordCredentials"]}
    c = collect(now, sleeps)
    text = repr(c.tables("run", now())["credentials"].to_pylist())
    assert hints and not any(f"'{h}'" in text for h in hints)
    assert "hint" not in text and "secretText" not in text


def test_paging_follows_absolute_next_links_and_counts_pages(fake, world, now, sleeps):
    world.page_size = 2
    c = collect(now, sleeps)
    e = by_entity(c)
    assert (e["users"].pages, e["users"].items, e["users"].api_calls) == (2, 4, 2)
    assert (e["service_principals"].pages, e["service_principals"].items) == (4, 7)
    assert e[f"role_assignments/{SUB}"].pages == 3 and e[f"role_assignments/{SUB}"].items == 6
    assert len([p for p in c.principals if p["kind"] == "human_user"]) == 4
    assert all(s.status == "complete" for s in c.entities)


def test_throttling_on_every_other_request_is_retried_honouring_retry_after(fake, world, now, sleeps):
    world.page_size = 2
    world.faults = [Fault("/v1.0/servicePrincipals", 429, every=2, retry_after="3")]
    c = collect(now, sleeps)
    sp = by_entity(c)["service_principals"]
    assert (sp.status, sp.pages, sp.items, sp.throttles, sp.retries, sp.api_calls) == (
        "complete",
        4,
        7,
        3,
        3,
        7,
    )
    assert sleeps.count(3.0) >= 3


def test_throttling_that_never_ends_fails_only_that_entity(fake, world, now, sleeps):
    world.faults = [Fault("/v1.0/applications", 429, retry_after="1")]
    c = collect(now, sleeps)
    e = by_entity(c)
    assert e["applications"].status == "failed"
    assert (
        e["applications"].error
        == f"tenant {TENANT}: applications: HTTP 429 TooManyRequests: Too many requests; retry after the interval."
    )
    assert (e["applications"].api_calls, e["applications"].throttles) == (6, 6)
    assert e["users"].status == "complete"
    assert not [p for p in c.principals if p["kind"] == "application"]


def test_graph_ok_arm_403_leaves_principals_complete_and_grants_incomplete(fake, world, now, sleeps):
    world.faults = [Fault(f"/subscriptions/{SUB}/providers", 403)]
    c = collect(now, sleeps)
    e = by_entity(c)
    assert e[f"role_assignments/{SUB}"].status == "failed"
    assert e[f"role_assignments/{SUB}"].error.startswith(
        f"tenant {TENANT}: role_assignments/{SUB}: HTTP 403 AuthorizationFailed: The client does not have authorization"
    )
    statuses = {t: s["status"] for t, s in table_statuses(c.tables("run", now())["collection"]).items()}
    assert statuses["principals"] == "complete" and statuses["credentials"] == "complete"
    assert statuses["grants"] != "complete"
    # Directory and app-role grants are still there; no ARM grant is.
    assert {g["scope"].split(":")[0][:18] for g in c.grants} == {"directory", "/servicePrincipals"}


def test_a_token_for_another_tenant_is_refused(fake, world, now, sleeps):
    world.tenant_id = "00000000-0000-0000-0000-000000000099"
    c = collect(now, sleeps)
    assert [(e.entity, e.status) for e in c.entities] == [("organization", "failed")]
    assert c.entities[0].error == (
        "refusing to collect: the token's tenant is 00000000-0000-0000-0000-000000000099, scope file names "
        f"{TENANT}"
    )
    assert c.principals == [] and c.grants == []


def test_unlicensed_tenant_and_missing_beta_report_are_unknown_not_unused(fake, world, now, sleeps):
    world.licensed = False
    world.sp_sign_in = None
    c = collect(now, sleeps)
    e = by_entity(c)
    assert e["users"].status == "complete" and "signInActivity not readable" in e["users"].error
    assert e["sp_sign_in_activity"].status == "not_collected"
    assert {p["last_used_source"] for p in c.principals if p["kind"] == "human_user"} == {
        "unknown: signInActivity not readable (needs Entra ID P1/P2)"
    }
    assert {
        p["last_used_source"] for p in c.principals if p["kind"] in ("service_principal", "managed_identity")
    } == {"unknown: servicePrincipalSignInActivities (beta) not collected"}
    statuses = table_statuses(c.tables("run", now())["collection"])
    assert statuses["principals"]["status"] == "complete"
    assert statuses["principals"]["not_collected"][0].startswith("last_used (sp_sign_in_activity: ")


def test_subscriptions_named_in_scope_but_not_visible_make_rbac_partial(fake, now, sleeps):
    other = "11111111-1111-4111-8111-111111111111"
    c = collect(now, sleeps, subscriptions=(SUB, other))
    e = by_entity(c)["subscriptions"]
    assert e.status == "partial"
    assert e.error == f"tenant {TENANT}: subscriptions: named in the scope file but not visible: {other}"


def group_id(world, name):
    return next(g["id"] for g in world.groups if g["displayName"] == name)


def test_grants_held_by_a_group_reach_the_members_of_its_nested_groups(fake, world, now, sleeps):
    admins, oncall = group_id(world, "platform-admins"), group_id(world, "sre-oncall")
    mi = next(sp["id"] for sp in world.service_principals if sp["displayName"] == "mi-deployer")
    world.group_members[oncall].append(mi)
    world.page_size = 1  # members come one per page
    c = collect(now, sleeps)
    names = {p["principal_id"]: p["name"] for p in c.principals}
    uaa = {
        (names[g["principal_id"]], g["via"], g["scope"])
        for g in c.grants
        if g["role_name"] == "User Access Administrator"
    }
    sub = f"/subscriptions/{SUB}"
    assert uaa == {
        ("alice.ng@acme.example", "direct", "/"),
        ("platform-admins", "direct", sub),
        ("frank.oliveira@acme.example", f"group:{admins}", sub),
        ("mi-deployer", f"group:{admins}", sub),
    }
    groups = [p for p in c.principals if p["kind"] == "group"]
    assert [(p["name"], p["is_nhi"], p["nhi_reason"], p["arn_or_resource"]) for p in groups] == sorted(
        [
            ("platform-admins", False, "Entra security group: stands for its members", f"/groups/{admins}"),
            ("sre-oncall", False, "Entra security group: stands for its members", f"/groups/{oncall}"),
        ],
        key=lambda r: r[3],
    )
    members = by_entity(c)["group_members"]
    # platform-admins (1 member: the nested group) and sre-oncall (2 members), one object a page.
    assert (members.status, members.api_calls, members.pages, members.items) == ("complete", 3, 3, 3)


def test_throttled_member_listings_are_retried(fake, world, now, sleeps):
    world.faults = [Fault("/v1.0/groups/", 429, every=2, retry_after="2")]
    c = collect(now, sleeps)
    e = by_entity(c)
    assert (e["group_members"].status, e["group_members"].throttles) == ("complete", 1)
    assert (e["groups"].status, e["groups"].throttles) == ("complete", 0)
    assert any(g["via"].startswith("group:") for g in c.grants)


def test_members_that_cannot_be_listed_leave_grants_partial_not_failed(fake, world, now, sleeps):
    oncall = group_id(world, "sre-oncall")
    world.faults = [Fault(f"/v1.0/groups/{oncall}/members", 403)]
    c = collect(now, sleeps)
    e = by_entity(c)["group_members"]
    assert e.status == "partial"
    assert e.error == (
        f"tenant {TENANT}: group_members: group {oncall}: HTTP 403 Authorization_RequestDenied: "
        "Insufficient privileges to complete the operation."
    )
    assert not [g for g in c.grants if g["via"].startswith("group:")]  # frank is reached only via sre-oncall
    statuses = {t: s["status"] for t, s in table_statuses(c.tables("run", now())["collection"]).items()}
    assert (statuses["grants"], statuses["principals"]) == ("partial", "complete")


def test_groups_not_listed_make_grants_through_groups_unknown(fake, world, now, sleeps):
    world.faults = [Fault("/v1.0/groups", 403)]
    c = collect(now, sleeps)
    e = by_entity(c)
    assert (e["groups"].status, e["group_members"].status) == ("failed", "failed")
    assert e["group_members"].error == (
        f"tenant {TENANT}: group_members: groups not listed: grants held through groups unknown"
    )
    statuses = {t: s["status"] for t, s in table_statuses(c.tables("run", now())["collection"]).items()}
    assert (statuses["grants"], statuses["principals"]) == ("partial", "partial")
