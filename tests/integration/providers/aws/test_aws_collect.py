"""collect_account: one tenant end to end (session -> extract -> transform), never raising for tenant problems."""

import datetime as dt

import boto3
import pytest
from aws_fakes import ACCOUNT, aws_response, inject, plain_session, query_error, tenant
from muster.collected import Collected, EntityResult
from muster.providers.aws import extract, transform
from muster.providers.aws.collect import collect_account

pytestmark = pytest.mark.integration

DAY = dt.date(2026, 11, 26)
AT = dt.datetime(2026, 11, 26, 3, 0, tzinfo=dt.UTC)
MEMBER = "210987654321"
ROLE = f"arn:aws:iam::{MEMBER}:role/MusterReader"
TABLES = ("principals", "credentials", "grants", "role_definitions")


def failed_access(account: str, message: str) -> Collected:
    entity = EntityResult("caller_identity", extract.FEEDS["caller_identity"], status="failed", error=message)
    return Collected("aws", account, DAY, entities=[entity])


def test_extract_and_transform_agree_on_entity_feeds():
    assert extract.FEEDS == transform.ENTITY_FEEDS


def test_a_role_that_cannot_be_assumed_gives_a_failed_tenant_not_an_exception(moto_aws):
    base = boto3.Session()
    denied = query_error("AccessDenied", "not authorized to perform sts:AssumeRole")
    inject(base, "before-send.sts.AssumeRole", lambda request: aws_response(403, denied, request.url))

    collected = collect_account(tenant(MEMBER, role_arn=ROLE), DAY, session=base)

    assert collected == failed_access(
        MEMBER,
        f"tenant aws:{MEMBER}: cannot assume role {ROLE}: AccessDenied: not authorized to perform sts:AssumeRole",
    )
    assert collected.status == "failed"
    tables = collected.tables("run-1", AT)
    assert [tables[name].num_rows for name in (*TABLES, "collection")] == [0, 0, 0, 0, 1]


def test_a_missing_connection_gives_a_failed_tenant_not_an_exception(aws_credentials):
    collected = collect_account(tenant(connection_id="muster_nowhere"), DAY, session=plain_session())

    assert collected == failed_access(
        ACCOUNT, f"tenant aws:{ACCOUNT}: Airflow connection 'muster_nowhere' is not defined"
    )


def test_a_small_account_is_collected_into_valid_tables(moto_aws):
    iam = boto3.client("iam")
    iam.create_user(UserName="alice", Path="/people/")
    iam.create_access_key(UserName="alice")
    iam.create_user(UserName="svc-deploy", Path="/service/")
    iam.create_role(RoleName="deploy", AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}')

    collected = collect_account(tenant(), DAY, session=boto3.Session(), sleep=pytest.fail)

    assert collected.caller_identity == f"arn:aws:sts::{ACCOUNT}:user/moto"
    assert {p["name"] for p in collected.principals} == {"alice", "svc-deploy", "deploy"}
    assert {e.entity: e.status for e in collected.entities} == {
        **dict.fromkeys(
            (
                "caller_identity",
                "authorization_details",
                "credential_report",
                "access_keys",
                "login_profiles",
                "mfa_devices",
                "signing_certificates",
            ),
            "complete",
        ),
        "ssh_public_keys": "not_collected",
        "service_specific_credentials": "not_collected",
    }
    tables = collected.tables("run-1", AT)
    assert tables["credentials"].num_rows >= 1
    assert tables["collection"].num_rows == 9


def test_a_truncated_payload_gives_a_failed_entity_and_nothing_raises(moto_aws):
    boto3.client("iam").create_user(UserName="alice")
    session = boto3.Session()
    inject(
        session,
        "before-send.iam.GetAccountAuthorizationDetails",
        lambda request: aws_response(200, b"<GetAccountAuthorizationDetailsResponse><GetAcc"),
    )

    collected = collect_account(tenant(), DAY, session=session, sleep=pytest.fail)

    assert collected.status == "failed"
    gaad = next(e for e in collected.entities if e.entity == "authorization_details")
    assert (gaad.status, gaad.error.split(" (")[0]) == (
        "failed",
        f"account {ACCOUNT}: authorization_details: page 1: ResponseParserError: Unable to parse response",
    )
    assert collected.principals == []
    collected.tables("run-1", AT)  # still seals: the failure is in the collection table, not an exception


def test_a_caller_in_another_account_gives_a_failed_tenant(moto_aws):
    collected = collect_account(tenant(MEMBER), DAY, session=boto3.Session(), sleep=pytest.fail)

    assert [(e.entity, e.status, e.error) for e in collected.entities] == [
        (
            "caller_identity",
            "failed",
            f"refusing to collect: caller arn:aws:sts::{ACCOUNT}:user/moto is in "
            f"account {ACCOUNT}, scope file names {MEMBER}",
        ),
    ]
    assert (collected.principals, collected.credentials, collected.grants) == ([], [], [])
