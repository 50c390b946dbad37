"""Mangled Graph / ARM listings: the reference fixtures (ScubaGear, Cartography, iam-dataset) with fields of
the wrong type, objects listed twice, entries replaced by odd values. Whatever is mangled, the transform
must not raise, its tables must validate, the problem is reported on the entity that listed it (naming the
tenant), and no user, service principal, application or group whose own object was left alone is lost.

Each case is a seeded series of mutations, so a failure names a seed that reproduces it. These were found
this way: a displayName or appId that is not text, an owner id or a tag that is a list, keyId true, a
federated credential listed twice, a principalId / roleDefinitionId / appRole value that is a number, an
ARM scope "None", a listing or a group's members that are not a list.
"""

from __future__ import annotations

import copy
import datetime as dt
import random

import pytest
from azure_helpers import DAY, TENANT, fixture, raw, tenant
from mangle import mangle, paths
from muster.providers.azure.transform import transform_tenant

RUN, AT = "mangled", dt.datetime(2026, 11, 2, 4, tzinfo=dt.UTC)
IDENTITIES = ("users", "service_principals", "applications", "groups")
#: Fields whose values are keyed by a subscription or an object id: an item is (field, key, index).
KEYED = ("federated", "group_members", "arm_definitions", "arm_assignments")


def reference() -> dict:
    """Every reference fixture in one tenant (RawTenant fields), built-in ARM roles as ARM lists them."""
    rbac, roles = fixture("cartography_rbac.json"), fixture("cartography_directory_roles.json")
    app_roles, groups = fixture("scubagear_appRoleAssignedTo.json"), fixture("cartography_groups.json")
    apps = fixture("scubagear_applications.json")["value"]
    sub = rbac["subscription"]["subscriptionId"]
    builtins = [
        {
            "id": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{r['name']}",
            "name": r["name"],
            "type": r["type"],
            "properties": {k: v for k, v in r.items() if k not in ("name", "type")},
        }
        for r in fixture("iam_dataset_builtin_roles.json").values()
    ]
    users = rbac["users"]["value"] + fixture("cartography_users.json")["value"]
    return dict(
        users=users,
        mfa_registration=[
            {"id": u["id"], "isMfaRegistered": i % 2 == 0, "lastUpdatedDateTime": "2026-11-01T21:00:00Z"}
            for i, u in enumerate(users)
        ],
        app_credential_sign_in=[
            {
                "keyId": c["keyId"],
                "keyType": "clientSecret",
                "credentialOrigin": "application",
                "appObjectId": a["id"],
                "servicePrincipalObjectId": None,
                "signInActivity": {"lastSignInDateTime": "2026-10-01T00:00:00Z"},
            }
            for a in apps
            for c in a.get("passwordCredentials") or []
        ],
        service_principals=rbac["servicePrincipals"]["value"]
        + fixture("scubagear_servicePrincipals.json")["value"],
        applications=apps,
        federated={apps[0]["id"]: fixture("scubagear_federatedIdentityCredentials.json")["value"]},
        sp_sign_in=[
            {"appId": a["appId"], "lastSignInActivity": {"lastSignInDateTime": "2026-10-01T00:00:00Z"}}
            for a in apps
        ],
        app_role_resources=app_roles["resources"]["value"],
        app_role_assignments=app_roles["appRoleAssignedTo"]["value"],
        directory_role_definitions=roles["roleDefinitions"]["value"],
        directory_role_assignments=roles["roleAssignments"]["value"],
        groups=groups["groups"]["value"],
        group_members={gid: page["value"] for gid, page in groups["members"].items()},
        subscriptions=[rbac["subscription"]],
        arm_definitions={sub: rbac["roleDefinitions"]["value"] + builtins},
        arm_assignments={sub: rbac["roleAssignments"]["value"]},
    )


def _mutate(fields: dict, rnd: random.Random) -> set[tuple]:
    """Mangle ``fields`` in place; returns the item (listing, index) of every mutation."""
    touched = set()
    places = [p for p in paths(fields) if len(p) >= 2]
    for _ in range(rnd.randint(1, 4)):
        path = rnd.choice(places)
        if not mangle(fields, path, rnd):
            continue
        touched.add(path[:3] if path[0] in KEYED else path[:2])
    return touched


def transformed(fields: dict):
    out = transform_tenant(raw(**fields), tenant(), DAY)
    out.tables(RUN, AT)  # strict validation of every table: no value of the wrong type, no duplicate key
    return out


def error(collected, entity: str) -> str:
    found = [e for e in collected.entities if e.entity == entity]
    assert found and found[0].status == "partial", f"{entity} is not partial"
    return found[0].error


@pytest.mark.parametrize("seed", range(100))
def test_a_mangled_tenant_is_reported_and_loses_nothing_else(seed):
    rnd = random.Random(seed)
    fields = reference()
    pristine = copy.deepcopy(fields)
    touched = _mutate(fields, rnd)

    collected = transformed(fields)

    for e in collected.entities:
        if e.status != "complete":
            assert e.error.startswith(f"tenant {TENANT}: {e.entity}: "), e.error
    kept = {p["principal_id"] for p in collected.principals}
    for field in IDENTITIES:
        items = fields[field]
        if not isinstance(items, list):
            continue
        for i, item in enumerate(pristine[field]):
            if (field, i) not in touched and i < len(items) and items[i] == item:
                assert item["id"] in kept, f"seed {seed}: {field} item {i} untouched but lost"


def test_a_name_that_is_not_text_is_named_and_ignored():
    fields = reference()
    group = fields["groups"][1]
    group["displayName"] = True
    sp = fields["service_principals"][1]
    sp["appId"], sp["tags"] = ["x"], ["b", 1, "a"]
    collected = transformed(fields)
    assert f"group {group['mail']} field displayName is not a string: ignored" in error(collected, "groups")
    sps = error(collected, "service_principals")
    assert f"service principal {sp['displayName']} field appId is not a string: ignored" in sps
    assert f"service principal {sp['displayName']} field tags[1] is not a string: ignored" in sps
    rows = {p["principal_id"]: p for p in collected.principals}
    assert rows[group["id"]]["name"] == group["mail"]
    assert rows[sp["id"]]["tags"] == {"a": "", "b": ""}


def test_an_owner_id_or_a_key_id_that_is_not_text_is_reported():
    fields = reference()
    sp = fields["service_principals"][1]
    sp["owners"] = [{"id": ["not", "an", "id"]}]
    app = fields["applications"][0]
    app["passwordCredentials"][0]["keyId"] = True
    collected = transformed(fields)
    name = sp["displayName"]
    assert f"service principal {name} field owners[0].id is not a string: ignored" in error(
        collected, "service_principals"
    )
    assert f"application {app['displayName']} passwordCredentials[0] field keyId is not a string" in error(
        collected, "applications"
    )


def test_a_federated_credential_listed_twice_is_kept_once_and_reported():
    fields = reference()
    ((oid, fics),) = fields["federated"].items()
    fics.append(copy.deepcopy(fics[0]))
    collected = transformed(fields)
    federated = [c for c in collected.credentials if c["kind"] == "federated"]
    assert len(federated) == len(fics) - 1
    assert f"federatedIdentityCredentials[{len(fics) - 1}] repeats id {fics[0]['id']}; skipped" in error(
        collected, "federated_credentials"
    )


def test_grant_fields_of_the_wrong_type_are_named_and_the_grant_skipped():
    fields = reference()
    ((sub, assignments),) = fields["arm_assignments"].items()
    assignments[0]["properties"]["scope"] = "None"
    assignments[1]["properties"]["roleDefinitionId"] = 7
    directory = fields["directory_role_assignments"][0]
    directory["principalId"] = {"a": 1}
    resource = fields["app_role_resources"][0]
    resource["appRoles"][0]["value"] = 1.5
    collected = transformed(fields)
    arm = error(collected, f"role_assignments/{sub}")
    assert f"assignment {assignments[0]['id']} field properties.scope 'None' is not an ARM scope" in arm
    assert f"assignment {assignments[1]['id']} field properties.roleDefinitionId is not a string" in arm
    assert f"assignment {directory['id']} field principalId is not a string: ignored" in error(
        collected, "directory_role_assignments"
    )
    assert f"resource {resource['id']} field appRoles[0].value is not a string: ignored" in error(
        collected, "app_role_assignments"
    )


def test_a_listing_or_group_members_that_are_not_a_list_are_reported():
    fields = reference()
    ((sub, _),) = fields["arm_definitions"].items()
    fields["arm_definitions"][sub] = True
    gid = next(iter(fields["group_members"]))
    fields["group_members"][gid] = {"a": 1}
    collected = transformed(fields)
    assert "the listing is not a list of objects; none read" in error(collected, f"role_definitions/{sub}")
    assert f"group {gid} field members is not a list: ignored" in error(collected, "group_members")
    assert not [g for g in collected.grants if g["via"] == f"group:{gid}"]
