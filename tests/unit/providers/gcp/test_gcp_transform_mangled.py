"""Mangled API payloads: the recorded GCP responses with fields of the wrong type and entries listed twice.
Whatever is mangled, the transform must not raise, its tables must validate, the problem is reported on an
entity naming the tenant, and no service account, key or binding member whose own item was left alone is lost.

Each case is a seeded series of mutations, so a failure names a seed that reproduces it. These cases were
found this way: a permission that is not a name (the privilege verdict sorted mixed types), a member list or
a bindings list that is not a list, a binding or an activity that is not an object, a role title or
description that is not text, a description that is not text (the owner pattern), a folder name that is not
text, an empty email or role name, a key listed twice.
"""

from __future__ import annotations

import copy
import random

import pytest
from gcp_fixtures import body, data, raw_tenant, run
from mangle import mangle, paths
from muster.providers.gcp.members import parse_member

TENANT = "project-abc"
SA = "test-cutodian-scc@cloud-custodian.iam.gserviceaccount.com"
SA_KEYS = f"iam-service-account-key-query/get-v1-projects-cloud-custodian-serviceAccounts-{SA}-keys_1.json"
PARTS = ("node", "policies", "service_accounts", "keys", "roles", "member_accounts", "sa_activities")


def _payload() -> dict:
    """The recorded responses of all three sources as the parts of one project tenant."""
    forseti, iam, bindings = (
        data("mock_gcp_results.iam_subset.json"),
        data("iam.json"),
        data("policy_bindings.json"),
    )
    roles = {r["name"]: r for r in forseti["IAM_GET_CURATED_ROLES"]}
    roles |= {r["name"]: r for r in bindings["MOCK_IAM_ROLES"]}
    roles |= {r["name"]: r for r in iam["LIST_PROJECT_CUSTOM_ROLES_RESPONSE"]["roles"]}
    roles["projects/cloud-custodian/roles/CustomRole1"] = body(
        "iam-project-role/get-v1-projects-cloud-custodian-roles-CustomRole1_1.json"
    )
    cartography = iam["LIST_SERVICE_ACCOUNTS_RESPONSE"]["accounts"]
    compute = forseti["IAM_GET_SERVICEACCOUNTS"]["project1"]
    return {
        "node": {"name": f"projects/{TENANT}", "projectId": TENANT},
        "policies": {
            f"projects/{TENANT}": bindings["MOCK_POLICY_BINDINGS_RESPONSE"]["policy_results"][0]["policies"][
                0
            ]["policy"],
            "projects/project1": forseti["CRM_GET_IAM_POLICIES"]["1044"],
            "organizations/111111111111": body(
                "organization-iam-policy/post-v1-organizations-111111111111-getIamPolicy_1.json"
            ),
        },
        "service_accounts": body(
            "iam-service-account-key-query/get-v1-projects-cloud-custodian-serviceAccounts_1.json"
        )["accounts"]
        + cartography
        + compute,
        "keys": {
            SA: body(SA_KEYS)["keys"],
            cartography[0]["email"]: iam["LIST_SERVICE_ACCOUNT_KEYS_RESPONSE"]["keys"],
            compute[0]["email"]: forseti["IAM_GET_SERVICEACCOUNT_KEYS"][
                f"projects/project1/serviceAccounts/{compute[0]['email']}"
            ],
        },
        "roles": roles,
        "member_accounts": {s["email"]: s for s in forseti["IAM_GET_SERVICEACCOUNTS"]["project2"]},
        "sa_activities": [
            {
                "fullResourceName": "//iam.googleapis.com/projects/project-abc/serviceAccounts/112233445566778899",
                "activity": {
                    "lastAuthenticatedTime": "2026-10-30T07:00:00Z",
                    "serviceAccount": {"serviceAccountId": "112233445566778899"},
                },
            }
        ],
    }


def _raw(payload: dict):
    raw = raw_tenant(TENANT, key_activities=[])
    for part in PARTS:
        setattr(raw, part, payload[part])
    return raw


def _mutate(payload: dict, rnd: random.Random) -> set[tuple]:
    """Mangle ``payload`` in place; returns the (part, key) of every item touched. A part is picked first,
    then a place in it: the role definitions hold most of the places and would otherwise get most mutations."""
    touched = set()
    places = {part: [p for p in paths(payload[part], (part,)) if len(p) >= 2] for part in PARTS}
    for _ in range(rnd.randint(1, 4)):
        path = rnd.choice(places[rnd.choice(PARTS)])
        if not mangle(payload, path, rnd):
            continue
        touched.add(path[:2])
    return touched


def _untouched(pristine: dict, payload: dict, touched: set, part: str):
    """(key, item) of every item of ``part`` neither mutated nor moved."""
    now = payload[part]
    pairs = enumerate(pristine[part]) if isinstance(now, list) else pristine[part].items()
    for key, item in pairs:
        same = (key < len(now) and now[key] == item) if isinstance(now, list) else now.get(key) == item
        if (part, key) not in touched and same:
            yield key, item


@pytest.mark.parametrize("seed", range(100))
def test_a_mangled_tenant_is_reported_and_loses_nothing_else(seed):
    rnd = random.Random(seed)
    payload = _payload()
    pristine = copy.deepcopy(payload)
    touched = _mutate(payload, rnd)

    out = run(_raw(payload))  # strict validation of every table: no value of the wrong type, no duplicate key

    for e in out.entities:
        if e.status != "complete":
            assert f"tenant gcp:{TENANT}: {e.entity}: " in e.error, f"seed {seed}: {e.entity}: {e.error}"
    kept = {p["principal_id"] for p in out.principals}
    for i, sa in _untouched(pristine, payload, touched, "service_accounts"):
        assert (sa.get("uniqueId") or f"serviceAccount:{sa['email']}") in kept, (
            f"seed {seed}: account {i} lost"
        )
    for resource, policy in _untouched(pristine, payload, touched, "policies"):
        for binding in policy["bindings"]:
            for member in map(parse_member, binding["members"]):
                if member and member.type != "serviceAccount":  # an account may be known by its uniqueId
                    assert member.principal_id in kept, f"seed {seed}: {resource} {member.raw} lost"
    credentials = {c["credential_id"] for c in out.credentials}
    for email, keys in _untouched(pristine, payload, touched, "keys"):
        assert {k["name"] for k in keys} <= credentials, f"seed {seed}: a key of {email} lost"


def _entity(out, name: str):
    return next(e for e in out.entities if e.entity == name)


def test_a_permission_that_is_not_a_name_leaves_the_role_unknown_not_read_only():
    payload = _payload()
    payload["roles"]["roles/owner"]["includedPermissions"].append(7)
    out = run(_raw(payload))
    assert "roles/owner" not in {r["role_id"] for r in out.role_definitions}
    assert {g["privilege"] for g in out.grants if g["role_id"] == "roles/owner"} == {"unknown"}
    assert (
        f"tenant gcp:{TENANT}: roles: role roles/owner field includedPermissions is not a list of names: ignored"
        in _entity(out, "roles").error
    )


def test_fields_of_the_wrong_type_are_named_and_ignored():
    payload = _payload()
    sa = payload["service_accounts"][1]
    sa["uniqueId"], sa["description"] = 7, ["owner=team"]
    payload["roles"]["roles/owner"]["title"] = 1.5
    policy = payload["policies"]["projects/project1"]
    policy["bindings"][0]["members"].append({"a": 1})
    payload["sa_activities"][0]["activity"]["serviceAccount"] = "x"
    out = run(_raw(payload))
    where = f"tenant gcp:{TENANT}"
    accounts = _entity(out, "service_accounts").error
    assert (
        f"{where}: service_accounts: account {sa['email']} field uniqueId is not a string: ignored"
        in accounts
    )
    assert f"account {sa['email']} field description is not a string: ignored" in accounts
    assert f"serviceAccount:{sa['email']}" in {p["principal_id"] for p in out.principals}
    assert "role roles/owner field title is not a string: ignored" in _entity(out, "roles").error
    last = len(policy["bindings"][0]["members"]) - 1
    assert (
        f"{where}: iam_policy: projects/project1 binding 0 field members[{last}] is not a string: ignored"
        in _entity(out, "iam_policy").error
    )
    assert (
        f"{where}: sa_last_authentication: activity 0 field activity.serviceAccount is not an object: ignored"
        in _entity(out, "sa_last_authentication").error
    )
    assert {g["role_name"] for g in out.grants if g["role_id"] == "roles/owner"} == {"roles/owner"}


def test_a_key_listed_twice_is_kept_once_and_reported():
    payload = _payload()
    keys = payload["keys"][SA]
    keys.append(copy.deepcopy(keys[0]))
    out = run(_raw(payload))
    assert [c["credential_id"] for c in out.credentials].count(keys[0]["name"]) == 1
    assert (
        f"{SA} key 1 ({keys[0]['name']}) is listed twice; the second listing skipped"
        in _entity(out, "service_account_keys").error
    )


def test_a_policy_or_a_key_list_of_the_wrong_type_is_reported_and_the_rest_kept():
    payload = _payload()
    payload["policies"]["projects/project1"] = "x"
    payload["policies"]["organizations/111111111111"]["bindings"] = 1.5
    payload["keys"][SA] = {"a": 1}
    out = run(_raw(payload))
    error = _entity(out, "iam_policy").error
    assert _entity(out, "iam_policy").status == "partial"
    assert (
        f"tenant gcp:{TENANT}: iam_policy: projects/project1: the policy is not an object: not read" in error
    )
    assert "organizations/111111111111 field bindings is not a list: ignored" in error
    assert {g["scope"] for g in out.grants} == {f"projects/{TENANT}"}
    assert f"{SA}: keys is not a list: not read" in _entity(out, "service_account_keys").error
    assert _entity(out, "service_account_keys").status == "partial"
    assert len(out.credentials) == 3  # the other two accounts' keys


def test_an_empty_email_or_role_name_is_reported_not_written():
    payload = _payload()
    payload["service_accounts"][0]["email"] = ""
    payload["policies"]["projects/project1"]["bindings"][0]["role"] = ""
    out = run(_raw(payload))
    assert (
        f"tenant gcp:{TENANT}: service_accounts: account 0 has no email"
        in _entity(out, "service_accounts").error
    )
    assert "projects/project1 binding 0 has no role" in _entity(out, "iam_policy").error
