"""Mangled API answers: the GCP fake's responses with fields of the wrong type, read by extract (and then the
transform and validation, as the collect path does). Whatever an answer holds, extract_tenant must not raise;
the part it belongs to is recorded partial or failed with a message naming tenant, entity and field; what was
read around it is kept; and the tenant still seals, never as a complete collection with rows missing.

The answers come from the sandbox's `GcpFake` routing, served in process (no socket) through the real
discovery-built clients, so that names read from one answer reach the client's own checks in the next request.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import re
from collections.abc import Callable

import httplib2
import pytest
from google.auth.credentials import AnonymousCredentials
from mangle import ODD, mangle, paths
from muster.config import Tenant
from muster.providers.gcp.apis import GcpApis, _service
from muster.providers.gcp.calls import Caller
from muster.providers.gcp.extract import RoleCache, extract_tenant
from muster.providers.gcp.transform import UNAVAILABLE, transform_tenant
from muster.sandbox.gcp_fake import GcpFake, request_parts
from muster.sandbox.gcp_world import World
from muster.snapshot import SnapshotStore, seal_collected
from muster.snapshot.encoding import table_statuses

URL = "http://gcp.test"
DAY = dt.date(2026, 11, 10)
AT = dt.datetime(2026, 11, 10, 3, tzinfo=dt.UTC)
PROJECT = "proj-000"
OTHER = "sa-9@proj-001.iam.gserviceaccount.com"  # another project's account, named in the policy
Mangler = Callable[[str, dict, object], object]  # (path, query, answer) -> the answer sent
#: Collecting the test world takes 19 requests; past this many a listing loops, and the test fails, not hangs.
MAX_REQUESTS = 100


def _world() -> World:
    """One project of five accounts (two per page) with two keys each, a policy of three bindings (one naming
    another project's account, one a group with a nested group), one custom role and authentication activity;
    an organisation with folders."""
    w = World(page_cap=2)
    w.organizations["organizations/9"] = {"name": "organizations/9", "state": "ACTIVE"}
    for n, parent in ((1, "organizations/9"), (2, "organizations/9"), (3, "folders/1")):
        w.folders[f"folders/{n}"] = {"name": f"folders/{n}", "parent": parent, "state": "ACTIVE"}
        w.policies[f"folders/{n}"] = {
            "bindings": [{"role": "roles/viewer", "members": [f"user:f{n}@x.example"]}]
        }
    w.policies["organizations/9"] = {"bindings": [{"role": "roles/viewer", "members": ["group:g@x.example"]}]}
    for i, pid in enumerate((PROJECT, "proj-001")):
        w.add_project(i, pid, "folders/1", 5 if pid == PROJECT else 10)
    w.add_group("ops@x.example", ["user:bob@x.example", "group:g@x.example"])
    w.add_group("g@x.example", ["user:carl@x.example"])
    w.roles[f"projects/{PROJECT}/roles/deployer"] = {
        "name": f"projects/{PROJECT}/roles/deployer",
        "title": "Deployer",
        "includedPermissions": ["run.services.update"],
    }
    w.policies[f"projects/{PROJECT}"] = {
        "bindings": [
            {
                "role": "roles/iam.serviceAccountUser",
                "members": [f"serviceAccount:sa-0@{PROJECT}.iam.gserviceaccount.com"],
            },
            {"role": "roles/owner", "members": ["user:alice@x.example", f"serviceAccount:{OTHER}"]},
            {"role": f"projects/{PROJECT}/roles/deployer", "members": ["group:ops@x.example"]},
        ]
    }
    w.activities[(PROJECT, "serviceAccountLastAuthentication")] = [
        {
            "fullResourceName": f"//iam.googleapis.com/projects/{PROJECT}/serviceAccounts/00000",
            "activity": {
                "lastAuthenticatedTime": "2026-11-01T00:00:00Z",
                "serviceAccount": {"serviceAccountId": "00000"},
            },
        }
    ]
    return w


class _Http:
    """`GcpFake`'s routing answered in process, each answer passed through ``mangler`` on its way out (what
    `gcp_fake._Handler` does over a socket, without one)."""

    def __init__(self, fake: GcpFake, mangler: Mangler | None) -> None:
        self.fake, self.mangler = fake, mangler
        self.requests = 0

    def request(self, uri: str, method: str = "GET", body: str | None = None, headers=None, **_) -> tuple:
        self.requests += 1
        if self.requests > MAX_REQUESTS:
            raise AssertionError(f"more than {MAX_REQUESTS} requests: a listing loops")
        payload, code = self.fake.answer(method, uri, json.loads(body) if body else {})
        if code == 200 and self.mangler is not None:
            payload = self.mangler(*request_parts(uri), copy.deepcopy(payload))
        return httplib2.Response({"status": code}), json.dumps(payload).encode()


def _collect(tenant_id: str, mangler: Mangler | None = None, world: World | None = None):
    """(RawTenant, Collected) of ``tenant_id``: extract through the clients, then transform (as collect does)."""
    fake = GcpFake(world or _world())
    apis = GcpApis(
        iam=_service("iam", "v1", URL),
        crm=_service("cloudresourcemanager", "v3", URL),
        policyanalyzer=_service("policyanalyzer", "v1", URL),
        storage=_service("storage", "v1", URL),
        cloudidentity=_service("cloudidentity", "v1", URL),
        credentials=AnonymousCredentials(),
    )
    caller = Caller(lambda: _Http(fake, mangler), sleep=lambda s: None)
    raw = extract_tenant(apis, caller, tenant_id, role_cache=RoleCache())
    out = transform_tenant(raw, Tenant(provider="gcp", id=tenant_id), DAY)
    out.tables("r", AT)  # the rows pass strict validation
    return raw, out


def _at(pattern: str, change: Callable[[dict, dict], object], times: int | None = None) -> Mangler:
    """A mangler that replaces the answers to requests whose path matches ``pattern`` by ``change(answer,
    query)`` (the first ``times`` of them, or all)."""
    left = [times]

    def mangler(path: str, query: dict, answer: object) -> object:
        if not re.search(pattern, path) or left[0] == 0:
            return answer
        if left[0] is not None:
            left[0] -= 1
        return change(answer, query)

    return mangler


def _set(**fields) -> Callable[[dict, dict], dict]:
    return lambda answer, query: {**answer, **fields}


def _entity(out, name: str):
    return next(e for e in out.entities if e.entity == name)


def _statuses(out) -> dict[str, str]:
    return {t: s["status"] for t, s in table_statuses(out.tables("r", AT)["collection"]).items()}


def _where(entity: str, tenant: str = PROJECT) -> str:
    return f"tenant gcp:{tenant}: {entity}: "


def _accounts(out) -> set[str]:
    return {p["name"] for p in out.principals if p["name"].endswith(f"@{PROJECT}.iam.gserviceaccount.com")}


def _keys_of(out) -> set[str]:
    return {c["principal_id"] for c in out.credentials}


def test_well_formed_answers_collect_complete():
    raw, out = _collect(PROJECT)
    assert {e.entity: e.status for e in out.entities} == dict.fromkeys(
        (
            "project",
            "iam_policy",
            "service_accounts",
            "service_account_keys",
            "hmac_keys",
            "sa_last_authentication",
            "key_last_authentication",
            "roles",
            "member_service_accounts",
            "group_members",
        ),
        "complete",
    )
    assert len(_accounts(out)) == 5 and len(out.credentials) == 10 and OTHER in raw.member_accounts


# -- named cases: each raised (or recorded less than it read) before extract was hardened ----------------------


@pytest.mark.parametrize("value", [5, {}, "x"])
def test_bindings_not_a_list_fails_the_policy_and_keeps_the_accounts(value):
    _, out = _collect(PROJECT, _at(":getIamPolicy$", _set(bindings=value)))
    policy = _entity(out, "iam_policy")
    assert policy.status == "failed"
    assert (
        f"{_where('iam_policy')}projects/{PROJECT}: field bindings is not a list: policy not read"
        in policy.error
    )
    assert out.grants == [] and len(_accounts(out)) == 5 and len(out.credentials) == 10
    assert out.status == "failed" and _statuses(out)["grants"] == "partial"  # never complete and empty


def test_members_not_a_list_ignores_the_binding_and_keeps_the_others():
    def change(answer, query):
        answer["bindings"][1]["members"] = 5
        return answer

    _, out = _collect(PROJECT, _at(":getIamPolicy$", change))
    policy = _entity(out, "iam_policy")
    assert policy.status == "partial"
    assert f"projects/{PROJECT} binding 1 field members is not a list: ignored" in policy.error
    assert {g["role_id"] for g in out.grants} == {
        "roles/iam.serviceAccountUser",
        f"projects/{PROJECT}/roles/deployer",
    }


def test_a_policy_that_is_not_a_json_object_is_not_read_as_no_bindings():
    _, out = _collect(PROJECT, _at(":getIamPolicy$", lambda a, q: []))
    policy = _entity(out, "iam_policy")
    assert policy.status == "failed" and "the response is a list, not a JSON object" in policy.error
    assert _statuses(out)["grants"] == "partial"


def test_a_malformed_second_account_page_keeps_the_first():
    _, out = _collect(
        PROJECT, _at(r"/serviceAccounts$", lambda a, q: {**a, "accounts": "x"} if q.get("pageToken") else a)
    )
    accounts = _entity(out, "service_accounts")
    assert accounts.status == "partial"
    assert (
        f"{_where('service_accounts')}page 2: field accounts is not a list: the listing stops there"
        in accounts.error
    )
    assert _accounts(out) == {f"sa-{j}@{PROJECT}.iam.gserviceaccount.com" for j in (0, 1)}
    assert len(out.credentials) == 4  # the keys of the two accounts read
    keys = _entity(out, "service_account_keys")
    assert keys.status == "partial" and "keys of accounts missing from an incomplete listing" in keys.error
    assert _statuses(out)["principals"] == _statuses(out)["credentials"] == "partial"


@pytest.mark.parametrize("token", [5, True, [], 0, {"a": 1}])
def test_a_page_token_that_is_not_a_string_stops_the_listing_as_partial(token):
    _, out = _collect(PROJECT, _at(r"/serviceAccounts$", _set(nextPageToken=token), times=1))
    accounts = _entity(out, "service_accounts")
    assert accounts.status == "partial"
    assert "page 1: field nextPageToken is not a string: the listing stops there" in accounts.error
    assert len(_accounts(out)) == 2


def _its_own_token(answer: dict, query: dict) -> dict:
    """Page 2 names itself as the next page."""
    return {**answer, "nextPageToken": query["pageToken"]} if query.get("pageToken") else answer


def _first_token_on_the_last_page() -> Callable[[dict, dict], dict]:
    """The last page names page 2 (the first page's token) as the next page."""
    tokens: list[str] = []

    def change(answer: dict, query: dict) -> dict:
        if answer.get("nextPageToken"):
            tokens.append(answer["nextPageToken"])
            return answer
        return {**answer, "nextPageToken": tokens[0]}

    return change


@pytest.mark.parametrize(
    ("change", "page", "read"),
    [(lambda: _its_own_token, 2, 4), (_first_token_on_the_last_page, 3, 5)],
    ids=["its-own", "page-1s-on-page-3"],
)
def test_a_page_token_repeating_an_earlier_one_stops_the_listing_as_partial(change, page, read):
    _, out = _collect(PROJECT, _at(r"/serviceAccounts$", change()))
    accounts = _entity(out, "service_accounts")
    assert accounts.status == "partial"
    assert (
        f"{_where('service_accounts')}page {page}: nextPageToken repeats the token of an earlier page: "
        "the listing stops there"
    ) in accounts.error
    assert _accounts(out) == {f"sa-{j}@{PROJECT}.iam.gserviceaccount.com" for j in range(read)}
    assert len(out.credentials) == 2 * read  # the keys of the accounts read
    assert _entity(out, "service_account_keys").status == "partial"
    assert _statuses(out)["principals"] == _statuses(out)["credentials"] == "partial"


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("name", 7, f"account sa-1@{PROJECT}.iam.gserviceaccount.com"),
        ("name", "sa-1", f"account sa-1@{PROJECT}.iam.gserviceaccount.com"),
        ("name", None, f"account sa-1@{PROJECT}.iam.gserviceaccount.com"),
        ("email", ["x"], None),
    ],
)
def test_an_account_without_a_readable_name_or_email_is_reported_and_the_others_kept(field, value, label):
    def change(answer, query):
        if not query.get("pageToken"):
            answer["accounts"][1][field] = value
        return answer

    _, out = _collect(PROJECT, _at(r"/serviceAccounts$", change))
    others = {f"sa-{j}@{PROJECT}.iam.gserviceaccount.com" for j in (0, 2, 3, 4)}
    assert others <= _accounts(out)
    assert {f"0{j:04d}" for j in (0, 2, 3, 4)} <= _keys_of(out)  # by uniqueId
    if label:  # the keys of an account whose name cannot be sent back are unknown, not none
        keys = _entity(out, "service_account_keys")
        assert keys.status == "partial"
        assert (
            f"{_where('service_account_keys')}{label}: field name is not a service account name: keys not listed"
            in keys.error
        )
    else:
        accounts = _entity(out, "service_accounts")
        assert (
            accounts.status == "partial"
            and "account 1 field email is not a string: ignored" in accounts.error
        )


@pytest.mark.parametrize("value", [5, {"a": 1}, {}, "keys"])
def test_keys_not_a_list_leaves_that_account_partial(value):
    _, out = _collect(PROJECT, _at(rf"sa-2@{PROJECT}[^/]*/keys$", _set(keys=value)))
    keys = _entity(out, "service_account_keys")
    assert keys.status == "partial"
    email = f"sa-2@{PROJECT}.iam.gserviceaccount.com"
    assert f"{_where('service_account_keys')}{email}: field keys is not a list: keys not read" in keys.error
    assert len(out.credentials) == 8 and _statuses(out)["credentials"] == "partial"


def _with_hmac_keys(n: int) -> World:
    """The test world with ``n`` active HMAC keys of sa-0 in the project (two per page)."""
    w = _world()
    email = f"sa-0@{PROJECT}.iam.gserviceaccount.com"
    w.hmac_keys[PROJECT] = [
        {"accessId": f"GOOG1E{i:055d}", "serviceAccountEmail": email, "state": "ACTIVE"} for i in range(n)
    ]
    return w


def _hmac_rows(out) -> int:
    return sum(c["kind"] == "access_key" for c in out.credentials)


@pytest.mark.parametrize("value", [5, {"a": 1}, "items"])
def test_hmac_items_not_a_list_fail_the_listing_never_read_as_no_keys(value):
    _, out = _collect(PROJECT, _at(r"/hmacKeys$", _set(items=value)), _with_hmac_keys(3))
    entity = _entity(out, "hmac_keys")
    assert entity.status == "failed"
    assert f"{_where('hmac_keys')}page 1: field items is not a list: the listing stops there" in entity.error
    assert _hmac_rows(out) == 0 and _statuses(out)["credentials"] == "partial"


def test_a_bad_hmac_page_token_keeps_the_first_page_as_partial():
    _, out = _collect(PROJECT, _at(r"/hmacKeys$", _set(nextPageToken=5), times=1), _with_hmac_keys(3))
    entity = _entity(out, "hmac_keys")
    assert entity.status == "partial"
    assert f"{_where('hmac_keys')}page 1: field nextPageToken is not a string" in entity.error
    assert _hmac_rows(out) == 2 and len(out.credentials) == 12


@pytest.mark.parametrize("value", [{"a": 1}, 5])
def test_activities_of_the_wrong_shape_fail_that_type_only(value):
    _, out = _collect(PROJECT, _at("serviceAccountLastAuthentication", _set(activities=value)))
    sa, key = _entity(out, "sa_last_authentication"), _entity(out, "key_last_authentication")
    assert sa.status == "failed"
    assert (
        f"{_where('sa_last_authentication')}page 1: field activities is not a list: last authentication unknown"
        in sa.error
    )
    assert (key.status, key.api_calls) == ("complete", 1)  # still asked
    assert {p["last_used_source"] for p in out.principals if p["name"] in _accounts(out)} == {UNAVAILABLE}


def test_a_role_or_member_name_the_client_refuses_is_reported_not_raised():
    def change(answer, query):
        answer["bindings"].append(
            {"role": "roles/a/b", "members": ["serviceAccount:a/b@proj-001.iam.gserviceaccount.com"]}
        )
        return answer

    _, out = _collect(PROJECT, _at(f"projects/{PROJECT}:getIamPolicy$", change))
    roles, members = _entity(out, "roles"), _entity(out, "member_service_accounts")
    assert roles.status == "partial" and f"{_where('roles')}roles/a/b: not a predefined" in roles.error
    assert members.status == "partial"
    assert (
        "serviceAccount:a/b@proj-001.iam.gserviceaccount.com: not an account email: not read" in members.error
    )
    assert {"roles/owner", "roles/a/b"} <= {g["role_id"] for g in out.grants}


@pytest.mark.parametrize("value", [7, None, "x", "folders/1/2"])
def test_a_folder_without_a_readable_name_is_reported_and_the_other_folders_read(value):
    def change(answer, query):
        for folder in answer.get("folders") or []:
            if folder["name"] == "folders/2":
                folder["name"] = value
        return answer

    raw, out = _collect("org-9", _at(r"/v3/folders$", change))
    folders = _entity(out, "folders")
    assert folders.status == "partial"
    assert (
        f"{_where('folders', 'org-9')}folder 1 (a child of organizations/9): field name is not a folder name: its "
        "policy and subfolders not read"
    ) in folders.error
    assert set(raw.policies) == {"organizations/9", "folders/1", "folders/3"}
    assert _statuses(out)["grants"] == "partial"


def test_a_malformed_answer_seals_with_the_collection_status(tmp_path):
    _, out = _collect(PROJECT, _at(":getIamPolicy$", _set(bindings=5)))
    manifest = seal_collected(SnapshotStore(str(tmp_path)), out, run_id="r", collected_at=AT)
    assert manifest["status"] == "partial"


# -- binding items: extract reads past them; the transform names them (these passed before as well) -----------


@pytest.mark.parametrize(
    ("binding", "message"),
    [
        (7, "binding 3 has no role"),
        ({"role": 7, "members": ["user:b@x.example"]}, "binding 3 field role is not a string: ignored"),
        ({"role": "roles/viewer", "members": [7]}, "binding 3 field members[0] is not a string: ignored"),
        (
            {"role": "roles/viewer", "members": {"user:b@x.example": 1}},
            "binding 3 field members is not a list",
        ),
    ],
)
def test_a_binding_of_the_wrong_shape_is_reported_and_the_others_kept(binding, message):
    _, out = _collect(
        PROJECT, _at(":getIamPolicy$", lambda a, q: {**a, "bindings": [*a["bindings"], binding]})
    )
    policy = _entity(out, "iam_policy")
    assert (
        policy.status == "partial" and f"{_where('iam_policy')}projects/{PROJECT} {message}" in policy.error
    )
    assert {"roles/owner", "roles/iam.serviceAccountUser"} <= {g["role_id"] for g in out.grants}


# -- seeded: any answer, any place ------------------------------------------------------------------------------


def _random_mangler(rnd: random.Random, touched: list[str]) -> Mangler:
    """Mangle about one answer in four at one to three places, or replace it by an odd value."""

    def mangler(path: str, query: dict, answer: object) -> object:
        if rnd.random() > 0.25:
            return answer
        touched.append(path)
        if rnd.random() < 0.1:
            return copy.deepcopy(rnd.choice(ODD))
        places = [p for p in paths(answer) if p]
        for _ in range(rnd.randint(1, 3)):
            if places:
                mangle(answer, rnd.choice(places), rnd)
        return answer

    return mangler


@pytest.mark.parametrize("seed", range(60))
def test_mangled_answers_never_raise_and_lose_nothing_untouched(seed):
    rnd = random.Random(seed)
    touched: list[str] = []
    tenant = PROJECT if seed % 4 else "org-9"
    _, out = _collect(tenant, _random_mangler(rnd, touched))  # extract, transform and strict validation
    for e in out.entities:
        if e.status not in ("complete", "not_collected"):
            assert _where(e.entity, tenant) in e.error, f"seed {seed}: {e.entity}: {e.error}"
    if tenant != PROJECT or any(p.startswith("/v3/projects/") for p in touched):
        return  # the project's node read is what everything else hangs on
    if any(p.endswith("/serviceAccounts") for p in touched):
        return
    emails = [f"sa-{j}@{PROJECT}.iam.gserviceaccount.com" for j in range(5)]
    assert _accounts(out) == set(emails), f"seed {seed}: an account lost"
    for j, email in enumerate(emails):
        if not any(email in p for p in touched):  # neither its listing nor its keys mangled
            assert f"0{j:04d}" in _keys_of(out), f"seed {seed}: keys of {email} lost"


@pytest.mark.parametrize("value", [5, {}, "x"])
def test_memberships_not_a_list_leave_that_groups_members_unknown(value):
    _, out = _collect(PROJECT, _at(r":searchTransitiveMemberships$", _set(memberships=value)))
    entity = _entity(out, "group_members")
    assert entity.status == "failed"  # the tenant's only granted group
    assert (
        f"{_where('group_members')}group ops@x.example: page 1: field memberships is not a list: members unknown"
        in entity.error
    )
    held = {g["principal_id"] for g in out.grants if g["role_id"] == f"projects/{PROJECT}/roles/deployer"}
    assert held == {"group:ops@x.example"}  # the group's own grant, no member read as holding it or not
    assert _statuses(out)["grants"] == _statuses(out)["principals"] == "partial"
