"""extract_account against moto: call efficiency, the per-user fallback, refusals, throttling, bad payloads."""

from unittest import mock

import boto3
import pytest
from aws_fakes import (
    ACCOUNT,
    SSH_KEY,
    CallLog,
    EveryOtherThrottled,
    aws_response,
    inject,
    self_signed_pem,
    tenant,
)
from botocore.retries.standard import ExponentialBackoff
from moto.iam.models import iam_backends
from muster.collected import EntityResult
from muster.providers.aws.extract import FEEDS, extract_account
from muster.providers.aws.report_lines import parse_time

pytestmark = pytest.mark.integration

#: moto's credential report always claims this generation time.
MOTO_GENERATED = parse_time("2015-02-02T20:02:02+00:00")
DISABLED = "disabled in scope: no bulk API, would cost 2 calls per user"
FALLBACK = ("access_keys", "login_profiles", "mfa_devices", "signing_certificates")


def entity(name: str, **fields) -> EntityResult:
    return EntityResult(entity=name, feeds=FEEDS[name], **fields)


def disabled_entities() -> list[EntityResult]:
    return [
        entity(n, status="not_collected", error=f"account {ACCOUNT}: {n}: {DISABLED}")
        for n in ("ssh_public_keys", "service_specific_credentials")
    ]


def backend():
    return iam_backends[ACCOUNT]["aws"]


def test_500_users_with_two_keys_each_cost_four_calls(moto_aws):
    for i in range(500):
        backend().create_user(region_name="us-east-1", user_name=f"user{i:03d}")
        backend().create_access_key(f"user{i:03d}")
        backend().create_access_key(f"user{i:03d}")
    session = boto3.Session()
    log = CallLog(session)

    raw = extract_account(session, tenant(), sleep=pytest.fail)

    assert log.operations() == [
        "GetCallerIdentity",
        "GetAccountAuthorizationDetails",
        "GenerateCredentialReport",
        "GetCredentialReport",
    ]
    assert sum(e.api_calls for e in raw.entities) <= 15
    assert len(raw.authorization_details["UserDetailList"]) == 500
    assert raw.entities == [
        entity("caller_identity", api_calls=1, pages=1, items=1),
        entity("authorization_details", api_calls=1, pages=1, items=500),
        entity("credential_report", api_calls=2, pages=2, items=500, source_as_of=MOTO_GENERATED),
        *[entity(n) for n in FALLBACK],
        *disabled_entities(),
    ]


def test_users_created_after_the_report_get_fallback_calls_and_only_they(moto_aws):
    iam = boto3.client("iam")
    for name in ("early-a", "early-b"):
        iam.create_user(UserName=name)
    iam.create_access_key(UserName="early-a")
    backend().generate_report()
    stale_report = backend().get_credential_report()  # generated now, before the late users exist
    iam.create_user(UserName="late-keys")
    keys = {iam.create_access_key(UserName="late-keys")["AccessKey"]["AccessKeyId"] for _ in range(2)}
    iam.create_login_profile(UserName="late-keys", Password="not-a-real-password-1!")
    iam.create_user(UserName="late-mfa")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="late-mfa")["VirtualMFADevice"][
        "SerialNumber"
    ]
    iam.enable_mfa_device(
        UserName="late-mfa", SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )
    cert_id = iam.upload_signing_certificate(UserName="late-mfa", CertificateBody=self_signed_pem())[
        "Certificate"
    ]["CertificateId"]
    session = boto3.Session()
    log = CallLog(session)

    with mock.patch.object(backend(), "get_credential_report", lambda: stale_report):
        raw = extract_account(session, tenant(), sleep=pytest.fail)

    per_user = {(op, params["UserName"]) for _, op, params in log.calls if "UserName" in params}
    late = ("late-keys", "late-mfa")
    assert per_user == {
        (op, u)
        for op in ("ListAccessKeys", "GetLoginProfile", "ListMFADevices", "ListSigningCertificates")
        for u in late
    }
    assert sorted(p["AccessKeyId"] for _, op, p in log.calls if op == "GetAccessKeyLastUsed") == sorted(keys)
    assert {u: {k["AccessKeyId"] for k in ks} for u, ks in raw.access_keys.items()} == {
        "late-keys": keys,
        "late-mfa": set(),
    }
    assert all(k["LastUsed"] == {"ServiceName": "N/A", "Region": "N/A"} for k in raw.access_keys["late-keys"])
    assert {u: p and p["UserName"] for u, p in raw.login_profiles.items()} == {
        "late-keys": "late-keys",
        "late-mfa": None,
    }
    assert {u: [d["SerialNumber"] for d in ds] for u, ds in raw.mfa_devices.items()} == {
        "late-keys": [],
        "late-mfa": [serial],
    }
    assert {u: [c["CertificateId"] for c in cs] for u, cs in raw.signing_certificates.items()} == {
        "late-keys": [],
        "late-mfa": [cert_id],
    }
    assert raw.entities[3:7] == [
        entity("access_keys", api_calls=4, pages=4, items=2),
        entity("login_profiles", api_calls=2, pages=1, items=1),
        entity("mfa_devices", api_calls=2, pages=2, items=1),
        entity("signing_certificates", api_calls=2, pages=2, items=1),
    ]


def test_a_caller_in_another_account_is_refused_before_any_iam_call(moto_aws):
    session = boto3.Session()
    log = CallLog(session)

    raw = extract_account(session, tenant("111111111111"), sleep=pytest.fail)

    assert log.operations() == ["GetCallerIdentity"]
    assert raw.caller_arn == f"arn:aws:sts::{ACCOUNT}:user/moto"
    assert raw.entities == [
        entity(
            "caller_identity",
            status="failed",
            api_calls=1,
            pages=1,
            items=1,
            error=(
                f"refusing to collect: caller arn:aws:sts::{ACCOUNT}:user/moto is in account {ACCOUNT}, "
                "scope file names 111111111111"
            ),
        ),
    ]
    assert raw.authorization_details == {} and raw.credential_report is None


def test_throttling_on_every_other_request_is_retried_counted_and_complete(moto_aws, monkeypatch):
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.001)
    boto3.client("iam").create_user(UserName="alice")
    session = boto3.Session()
    throttler = EveryOtherThrottled()
    inject(session, "before-send", throttler)

    raw = extract_account(session, tenant(), sleep=pytest.fail)

    assert throttler.requests == 7
    assert raw.entities == [
        entity("caller_identity", api_calls=1, pages=1, items=1),
        entity("authorization_details", api_calls=2, pages=1, retries=1, throttles=1, items=1),
        entity(
            "credential_report",
            api_calls=4,
            pages=2,
            retries=2,
            throttles=2,
            items=1,
            source_as_of=MOTO_GENERATED,
        ),
        *[entity(n) for n in FALLBACK],
        *disabled_entities(),
    ]


TRUNCATED_GAAD = (
    b'<GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
    b"<GetAccountAuthorizationDetailsResult><UserDetailList><member><UserName>ali"
)


def test_a_truncated_gaad_payload_fails_that_entity_and_nothing_raises(moto_aws):
    boto3.client("iam").create_user(UserName="alice")
    session = boto3.Session()
    inject(
        session, "before-send.iam.GetAccountAuthorizationDetails", lambda r: aws_response(200, TRUNCATED_GAAD)
    )

    raw = extract_account(session, tenant(), sleep=pytest.fail)

    no_users = "no user list (authorization_details failed)"
    assert raw.entities == [
        entity("caller_identity", api_calls=1, pages=1, items=1),
        entity(
            "authorization_details",
            status="failed",
            api_calls=1,
            error=(
                f"account {ACCOUNT}: authorization_details: page 1: ResponseParserError: Unable to parse response "
                "(no element found: line 1, column 165), invalid XML received. Further retries may succeed"
            ),
        ),
        entity("credential_report", api_calls=2, pages=2, items=1, source_as_of=MOTO_GENERATED),
        *[entity(n, status="not_collected", error=f"account {ACCOUNT}: {n}: {no_users}") for n in FALLBACK],
        *disabled_entities(),
    ]
    assert raw.authorization_details == {
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [],
    }


UNIMPLEMENTED = {
    "moto_aws": "NotImplementedError: The list_service_specific_credentials action has not been implemented",
    "moto_server": "ResponseParserError: Unable to parse response (syntax error: line 1, column 0), "
    "invalid XML received. Further retries may succeed",
}


@pytest.mark.parametrize("mode", ["moto_aws", "moto_server"])
def test_service_specific_credentials_the_endpoint_lacks_are_not_collected(mode, request):
    request.getfixturevalue(mode)
    iam = boto3.client("iam")
    for name in ("alice", "bob"):
        iam.create_user(UserName=name)
    key_id = iam.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=SSH_KEY)["SSHPublicKey"][
        "SSHPublicKeyId"
    ]

    raw = extract_account(boto3.Session(), tenant(per_user_credentials=True), sleep=pytest.fail)

    assert {u: [k["SSHPublicKeyId"] for k in ks] for u, ks in raw.ssh_public_keys.items()} == {
        "alice": [key_id],
        "bob": [],
    }
    assert raw.service_specific_credentials is None
    assert raw.entities[-2:] == [
        entity("ssh_public_keys", api_calls=2, pages=2, items=1),
        entity(
            "service_specific_credentials",
            status="not_collected",
            api_calls=1,
            error=(
                f"account {ACCOUNT}: service_specific_credentials: the endpoint cannot answer: {UNIMPLEMENTED[mode]}"
            ),
        ),
    ]
