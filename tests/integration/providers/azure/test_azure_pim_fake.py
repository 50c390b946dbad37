"""Eligible (PIM) role assignments and the subscriptions' discovery record, collected from the local Graph +
ARM fake: eligible admins are grants, a tenant without Entra ID P2 leaves eligibility unknown (not "none"),
other errors fail the entity as any listing's do."""

import datetime as dt

import pytest
from muster.config import Tenant
from muster.providers.azure.collect import collect_tenant
from muster.sandbox.azure_graph import DIRECTORY_ROLES
from muster.sandbox.azure_world import Fault
from muster.snapshot.encoding import table_statuses

pytestmark = pytest.mark.integration
TENANT = "7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6"
SUB = "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
SANDBOX_SUB = "9c8d7e6f-5a4b-4c3d-8e2f-1a0b9c8d7e6f"
DAY = dt.date(2026, 11, 2)
GA = DIRECTORY_ROLES["Global Administrator"][0]


def collect(now, sleeps, **tenant):
    tenant.setdefault("subscriptions", (SUB,))
    return collect_tenant(Tenant(provider="azure", id=TENANT, **tenant), DAY, now=now, sleep=sleeps.append)


def _user(world, name):
    return next(u["id"] for u in world.users if u["displayName"] == name)


def _eligible(world, n, end="2027-02-01T00:00:00Z", start="2026-01-01T00:00:00Z"):
    alice = _user(world, "alice.ng")
    world.directory_role_eligibility += [
        {
            "id": f"elig-{i}",
            "principalId": alice,
            "roleDefinitionId": GA,
            "directoryScopeId": f"/administrativeUnits/au-{i}" if i else "/",
            "appScopeId": None,
            "startDateTime": start,
            "endDateTime": end,
            "memberType": "Direct",
        }
        for i in range(n)
    ]
    return alice


def test_eligible_global_administrator_is_an_admin_grant_read_across_pages(fake, world, now, sleeps):
    world.page_size = 2
    alice = _eligible(world, 3)
    c = collect(now, sleeps)
    e = {x.entity: x for x in c.entities}["directory_role_eligibility"]
    assert (e.status, e.pages, e.items) == ("complete", 2, 3)
    held = sorted((g["scope"], g["via"], g["privilege"]) for g in c.grants if g["principal_id"] == alice)
    assert ("directory:/", "eligible until 2027-02-01T00:00:00Z", "admin") in held
    assert ("directory:/", "direct", "admin") in held  # her active assignment stays its own grant
    assert len([h for h in held if h[1].startswith("eligible")]) == 3
    requested = [p for p in fake.api.requests if p.endswith("roleEligibilityScheduleInstances")]
    assert requested == 2 * ["/v1.0/roleManagement/directory/roleEligibilityScheduleInstances"] + [
        f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances"
    ]  # two Graph pages; ARM's one, only for the subscription the scope file names


def test_eligibilities_not_in_force_are_not_grants(fake, world, now, sleeps):
    alice = _eligible(world, 1, end="2026-10-01T00:00:00Z")  # ended before the observation
    world.directory_role_eligibility += [{**world.directory_role_eligibility[0], "id": "later"}]
    world.directory_role_eligibility[-1].update(startDateTime="2027-01-01T00:00:00Z", endDateTime=None)
    c = collect(now, sleeps)
    assert not [g for g in c.grants if g["principal_id"] == alice and g["via"].startswith("eligible")]


def test_a_group_eligible_for_owner_gives_its_nested_members_owner_on_demand(fake, world, now, sleeps):
    c = collect(now, sleeps)
    group = next(g["id"] for g in world.groups if g["displayName"] == "platform-admins")
    frank = _user(world, "frank.oliveira")
    owner = "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
    rows = {
        (g["principal_id"], g["via"]) for g in c.grants if g["role_id"] == owner and g["privilege"] == "admin"
    }
    assert (group, "eligible until 2027-03-31T00:00:00Z") in rows
    assert (frank, f"group:{group} eligible until 2027-03-31T00:00:00Z") in rows


def test_a_tenant_without_p2_leaves_eligibility_unknown_never_none(fake, world, now, sleeps):
    world.pim = False
    c = collect(now, sleeps)
    e = {x.entity: x for x in c.entities}
    for entity in ("directory_role_eligibility", f"role_eligibility/{SUB}"):
        assert e[entity].status == "not_collected"
        assert "HTTP 400 AadPremiumLicenseRequired" in e[entity].error
        assert "eligible assignments unknown" in e[entity].error
    assert not [g for g in c.grants if "eligible" in g["via"]]
    statuses = table_statuses(c.tables("run", now())["collection"])
    # The active grants are complete; the eligible kind is named as not collected, not silently empty.
    assert statuses["grants"]["status"] == "complete"
    assert any(
        n.startswith("eligible (directory_role_eligibility:") for n in statuses["grants"]["not_collected"]
    )


def test_eligibility_denied_fails_the_entity_and_leaves_grants_partial(fake, world, now, sleeps):
    world.faults = [Fault(f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleEligibility", 403)]
    c = collect(now, sleeps)
    e = {x.entity: x for x in c.entities}
    assert e[f"role_eligibility/{SUB}"].status == "failed"
    assert "HTTP 403 AuthorizationFailed" in e[f"role_eligibility/{SUB}"].error
    assert e[f"role_assignments/{SUB}"].status == "complete"
    assert table_statuses(c.tables("run", now())["collection"])["grants"]["status"] == "partial"


def test_the_discovery_record_lists_every_subscription_and_those_collected(fake, now, sleeps):
    c = collect(now, sleeps)
    assert c.discovery == {
        "subscriptions": {
            "tenant_id": TENANT,
            "entity": "role_assignments/{id}",
            "status": "complete",
            "subscriptions": [
                {"subscriptionId": SUB, "displayName": "acme-prod", "state": "Enabled", "tenantId": TENANT},
                {
                    "subscriptionId": SANDBOX_SUB,
                    "displayName": "acme-sandbox",
                    "state": "Enabled",
                    "tenantId": TENANT,
                },
            ],
            "homed_elsewhere": [],
            "collected": [SUB],
            "excluded": [],
        }
    }
    assert f"role_assignments/{SANDBOX_SUB}" not in {e.entity for e in c.entities}


def test_subscriptions_not_listed_give_a_failed_discovery_record(fake, world, now, sleeps):
    world.faults = [Fault("/subscriptions", 403)]
    c = collect(now, sleeps)
    record = c.discovery["subscriptions"]
    assert record["status"] == "failed" and record["subscriptions"] is None
    assert record["error"].startswith(f"tenant {TENANT}: subscriptions: HTTP 403")
