"""extract_account against botocore Stubber, for what moto cannot do: GAAD Marker paging, report polling states."""

import datetime as dt

import pytest
from aws_fakes import ACCOUNT, GENERATED, ClientsSession, plain_session, report_csv, tenant
from botocore.stub import Stubber
from muster.collected import EntityResult
from muster.providers.aws.extract import FEEDS, extract_account

pytestmark = pytest.mark.integration

CREATED = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)
DISABLED = "disabled in scope: no bulk API, would cost 2 calls per user"


def user(name: str) -> dict:
    return {
        "UserName": name,
        "UserId": f"AIDA{name.upper():0<17}",
        "Arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
        "Path": "/",
        "CreateDate": CREATED,
        "UserPolicyList": [],
        "GroupList": [],
        "AttachedManagedPolicies": [],
        "Tags": [],
    }


GROUP = {
    "GroupName": "admins",
    "GroupId": "AGPA0000000000000001",
    "Arn": f"arn:aws:iam::{ACCOUNT}:group/admins",
    "Path": "/",
    "CreateDate": CREATED,
    "GroupPolicyList": [],
    "AttachedManagedPolicies": [],
}
ROLE = {
    "RoleName": "deploy",
    "RoleId": "AROA0000000000000001",
    "Arn": f"arn:aws:iam::{ACCOUNT}:role/deploy",
    "Path": "/",
    "CreateDate": CREATED,
    "RolePolicyList": [],
    "AttachedManagedPolicies": [],
    "InstanceProfileList": [],
    "Tags": [],
    "RoleLastUsed": {},
}
POLICY = {
    "PolicyName": "ci",
    "PolicyId": "ANPA0000000000000001",
    "Arn": f"arn:aws:iam::{ACCOUNT}:policy/ci",
    "Path": "/",
    "DefaultVersionId": "v1",
    "AttachmentCount": 1,
    "IsAttachable": True,
    "CreateDate": CREATED,
    "UpdateDate": CREATED,
    "PolicyVersionList": [],
}


class Stubs:
    """Stubbed STS and IAM clients behind a session stand-in; the caller is in ACCOUNT."""

    def __init__(self) -> None:
        base = plain_session()
        self.iam, self.sts = base.client("iam"), base.client("sts")
        self.iam_stub, self.sts_stub = Stubber(self.iam), Stubber(self.sts)
        self.session = ClientsSession(iam=self.iam, sts=self.sts)
        self.sts_stub.add_response(
            "get_caller_identity",
            {
                "UserId": "AIDAAUDITOR000000000",
                "Account": ACCOUNT,
                "Arn": f"arn:aws:iam::{ACCOUNT}:user/auditor",
            },
        )

    def gaad(self, response: dict, marker: str | None = None) -> None:
        expected = {"MaxItems": 1000, **({"Marker": marker} if marker else {})}
        self.iam_stub.add_response("get_account_authorization_details", response, expected)

    def report(self, users: list[str]) -> None:
        self.iam_stub.add_response(
            "get_credential_report",
            {"Content": report_csv(users), "ReportFormat": "text/csv", "GeneratedTime": GENERATED},
        )

    def state(self, state: str) -> None:
        self.iam_stub.add_response("generate_credential_report", {"State": state, "Description": state})

    def error(self, method: str, code: str, status: int = 400) -> None:
        self.iam_stub.add_client_error(
            method, service_error_code=code, service_message=code, http_status_code=status
        )

    def __enter__(self):
        self.iam_stub.activate()
        self.sts_stub.activate()
        return self

    def __exit__(self, *exc) -> None:
        self.iam_stub.assert_no_pending_responses()
        self.sts_stub.assert_no_pending_responses()


def entity(name: str, **fields) -> EntityResult:
    return EntityResult(entity=name, feeds=FEEDS[name], **fields)


def fallback_entities(**per_entity) -> list[EntityResult]:
    names = ("access_keys", "login_profiles", "mfa_devices", "signing_certificates")
    return [entity(n, **per_entity.get(n, {})) for n in names]


def disabled_entities() -> list[EntityResult]:
    return [
        entity(n, status="not_collected", error=f"account {ACCOUNT}: {n}: {DISABLED}")
        for n in ("ssh_public_keys", "service_specific_credentials")
    ]


CALLER = entity("caller_identity", api_calls=1, pages=1, items=1)


def test_gaad_is_read_across_three_pages_with_marker_and_merged():
    with Stubs() as s:
        s.gaad(
            {
                "UserDetailList": [user("alice")],
                "GroupDetailList": [GROUP],
                "IsTruncated": True,
                "Marker": "m1",
            }
        )
        s.gaad(
            {"UserDetailList": [user("bob")], "RoleDetailList": [ROLE], "IsTruncated": True, "Marker": "m2"},
            "m1",
        )
        s.gaad({"Policies": [POLICY], "IsTruncated": False}, "m2")
        s.state("COMPLETE")
        s.report(["alice", "bob"])
        raw = extract_account(s.session, tenant(), sleep=pytest.fail)

    assert raw.authorization_details == {
        "UserDetailList": [user("alice"), user("bob")],
        "GroupDetailList": [GROUP],
        "RoleDetailList": [ROLE],
        "Policies": [POLICY],
    }
    assert raw.caller_arn == f"arn:aws:iam::{ACCOUNT}:user/auditor"
    assert raw.credential_report == report_csv(["alice", "bob"]).decode()
    assert raw.credential_report_generated == GENERATED
    assert (raw.access_keys, raw.login_profiles, raw.ssh_public_keys, raw.service_specific_credentials) == (
        {},
        {},
        None,
        None,
    )
    assert raw.entities == [
        CALLER,
        entity("authorization_details", api_calls=3, pages=3, items=5),
        entity("credential_report", api_calls=2, pages=2, items=2, source_as_of=GENERATED),
        *fallback_entities(),
        *disabled_entities(),
    ]


def test_gaad_failing_on_a_later_page_is_partial_and_keeps_the_pages_read():
    with Stubs() as s:
        s.gaad({"UserDetailList": [user("alice")], "IsTruncated": True, "Marker": "m1"})
        s.gaad({"RoleDetailList": [ROLE], "IsTruncated": True, "Marker": "m2"}, "m1")
        s.error("get_account_authorization_details", "ServiceFailure", 500)
        s.state("COMPLETE")
        s.report(["alice"])
        raw = extract_account(s.session, tenant(), sleep=pytest.fail)

    assert raw.authorization_details == {
        "UserDetailList": [user("alice")],
        "GroupDetailList": [],
        "RoleDetailList": [ROLE],
        "Policies": [],
    }
    assert raw.entity("authorization_details") == entity(
        "authorization_details",
        status="partial",
        api_calls=3,
        pages=2,
        items=2,
        error=f"account {ACCOUNT}: authorization_details: page 3: ServiceFailure: ServiceFailure",
    )


@pytest.mark.parametrize("markers", [["m1", "m1"], ["m1", "m2", "m1"]], ids=["same-again", "an-earlier-one"])
def test_gaad_marker_repeating_an_earlier_one_stops_as_partial_and_keeps_the_pages_read(markers):
    """Sent again, a Marker an earlier page gave asks for pages already read: a server answering so would be
    paged for ever. No answer is queued for a further page, so a collector that follows it fails, not hangs."""
    names = [f"user{i}" for i in range(len(markers))]
    with Stubs() as s:
        sent = None
        for name, marker in zip(names, markers, strict=True):
            s.gaad({"UserDetailList": [user(name)], "IsTruncated": True, "Marker": marker}, sent)
            sent = marker
        s.state("COMPLETE")
        s.report(names)
        raw = extract_account(s.session, tenant(), sleep=pytest.fail)

    assert raw.authorization_details["UserDetailList"] == [user(n) for n in names]
    read = len(markers)
    assert raw.entity("authorization_details") == entity(
        "authorization_details",
        status="partial",
        api_calls=read,
        pages=read,
        items=read,
        error=(
            f"account {ACCOUNT}: authorization_details: page {read + 1}: "
            "MalformedPage: Marker repeats an earlier page's Marker"
        ),
    )


def test_report_polling_waits_out_limit_in_progress_and_not_present_with_backoff():
    slept = []
    with Stubs() as s:
        s.gaad({"UserDetailList": [user("alice")], "IsTruncated": False})
        s.error("generate_credential_report", "LimitExceeded", 409)
        s.state("STARTED")
        s.error("get_credential_report", "ReportInProgress", 404)
        s.error("get_credential_report", "ReportNotPresent", 410)
        s.state("STARTED")
        s.report(["alice"])
        raw = extract_account(s.session, tenant(), sleep=slept.append)

    assert slept == [1.0, 2.0, 4.0]
    assert raw.credential_report == report_csv(["alice"]).decode()
    assert raw.entity("credential_report") == entity(
        "credential_report", api_calls=6, pages=3, items=1, source_as_of=GENERATED
    )
    assert raw.entities[3:7] == fallback_entities()  # alice is covered: no per-user calls


def test_report_timeout_fails_the_entity_and_falls_back_to_per_user_calls():
    slept = []
    key = {
        "UserName": "alice",
        "AccessKeyId": "AKIAALICE00000000001",
        "Status": "Active",
        "CreateDate": CREATED,
    }
    last_used = {"ServiceName": "N/A", "Region": "N/A"}
    with Stubs() as s:
        s.gaad({"UserDetailList": [user("alice")], "IsTruncated": False})
        s.state("STARTED")
        for _ in range(5):
            s.error("get_credential_report", "ReportInProgress", 404)
        s.iam_stub.add_response(
            "list_access_keys", {"AccessKeyMetadata": [key], "IsTruncated": False}, {"UserName": "alice"}
        )
        s.iam_stub.add_response(
            "get_access_key_last_used",
            {"UserName": "alice", "AccessKeyLastUsed": last_used},
            {"AccessKeyId": key["AccessKeyId"]},
        )
        s.error("get_login_profile", "NoSuchEntity", 404)
        s.iam_stub.add_response(
            "list_mfa_devices", {"MFADevices": [], "IsTruncated": False}, {"UserName": "alice"}
        )
        s.iam_stub.add_response(
            "list_signing_certificates", {"Certificates": [], "IsTruncated": False}, {"UserName": "alice"}
        )
        raw = extract_account(s.session, tenant(), sleep=slept.append, report_timeout_s=10)

    assert slept == [1.0, 2.0, 4.0, 3.0]
    assert raw.credential_report is None and raw.credential_report_generated is None
    assert raw.access_keys == {"alice": [{**key, "LastUsed": last_used}]}
    assert (raw.login_profiles, raw.mfa_devices, raw.signing_certificates) == (
        {"alice": None},
        {"alice": []},
        {"alice": []},
    )
    assert raw.entities[2:] == [
        entity(
            "credential_report",
            status="failed",
            api_calls=6,
            pages=1,
            error=(
                f"account {ACCOUNT}: credential_report: ReportTimeout: not available after 10s "
                "(last answer: ReportInProgress)"
            ),
        ),
        *fallback_entities(
            access_keys={"api_calls": 2, "pages": 2, "items": 1},
            login_profiles={"api_calls": 1},
            mfa_devices={"api_calls": 1, "pages": 1},
            signing_certificates={"api_calls": 1, "pages": 1},
        ),
        *disabled_entities(),
    ]


def test_per_user_calls_skip_deleted_users_and_stop_at_the_first_other_error():
    users = ["alice", "gone", "carol"]
    with Stubs() as s:
        s.gaad({"UserDetailList": [user(u) for u in users], "IsTruncated": False})
        s.state("COMPLETE")
        s.report([])  # generated before any of them existed
        for u in users:
            if u == "gone":
                s.error("list_access_keys", "NoSuchEntity", 404)
            else:
                s.iam_stub.add_response("list_access_keys", {"AccessKeyMetadata": []}, {"UserName": u})
        s.error("get_login_profile", "NoSuchEntity", 404)
        s.error("get_login_profile", "NoSuchEntity", 404)
        s.error("get_login_profile", "AccessDenied", 403)
        s.error("list_mfa_devices", "AccessDenied", 403)
        for u in users:
            if u == "gone":
                s.error("list_signing_certificates", "NoSuchEntity", 404)
            else:
                s.iam_stub.add_response("list_signing_certificates", {"Certificates": []}, {"UserName": u})
        raw = extract_account(s.session, tenant(), sleep=pytest.fail)

    assert (raw.access_keys, raw.login_profiles, raw.mfa_devices, raw.signing_certificates) == (
        {"alice": [], "carol": []},
        {"alice": None, "gone": None},
        {},
        {"alice": [], "carol": []},
    )
    assert raw.entities[3:7] == fallback_entities(
        access_keys={"api_calls": 3, "pages": 2},
        login_profiles={
            "api_calls": 3,
            "status": "partial",
            "error": f"account {ACCOUNT}: login_profiles: user carol: AccessDenied: AccessDenied",
        },
        mfa_devices={
            "api_calls": 1,
            "status": "failed",
            "error": f"account {ACCOUNT}: mfa_devices: user alice: AccessDenied: AccessDenied",
        },
        signing_certificates={"api_calls": 3, "pages": 2},
    )
