"""session_for_tenant: base credentials (given session, default chain, Airflow connection) and role assumption."""

import json

import boto3
import pytest
from aws_fakes import ACCOUNT, CallLog, aws_response, inject, plain_session, query_error, tenant
from muster.providers.aws.session import TenantAccessError, session_for_tenant

pytestmark = pytest.mark.integration

MEMBER = "210987654321"
ROLE = f"arn:aws:iam::{MEMBER}:role/MusterReader"


def test_without_role_or_connection_the_given_session_is_used_as_is(aws_credentials):
    base = plain_session()

    assert session_for_tenant(tenant(), base) is base


def test_without_anything_the_default_chain_is_used_in_the_tenant_region(aws_credentials):
    session = session_for_tenant(tenant(region="eu-west-1"))

    assert (session.region_name, session.get_credentials().access_key) == ("eu-west-1", "testing")


def test_the_role_is_assumed_with_the_external_id(moto_aws):
    base = boto3.Session()
    log = CallLog(base)

    session = session_for_tenant(tenant(MEMBER, role_arn=ROLE, external_id="ext-42"), base)

    assert log.calls == [
        ("sts", "AssumeRole", {"RoleArn": ROLE, "RoleSessionName": "muster", "ExternalId": "ext-42"})
    ]
    ident = session.client("sts").get_caller_identity()
    assert (ident["Account"], ident["Arn"]) == (
        MEMBER,
        f"arn:aws:sts::{MEMBER}:assumed-role/MusterReader/muster",
    )
    assert session.get_credentials().access_key != "testing"


def test_a_role_that_cannot_be_assumed_raises_naming_tenant_and_role(moto_aws):
    base = boto3.Session()
    denied = query_error("AccessDenied", "User: arn:aws:sts::123456789012:user/moto is not authorized")
    inject(base, "before-send.sts.AssumeRole", lambda request: aws_response(403, denied, request.url))

    with pytest.raises(TenantAccessError) as caught:
        session_for_tenant(tenant(MEMBER, role_arn=ROLE), base)

    assert str(caught.value) == (
        f"tenant aws:{MEMBER}: cannot assume role {ROLE}: AccessDenied: "
        "User: arn:aws:sts::123456789012:user/moto is not authorized"
    )


def test_base_credentials_come_from_the_airflow_connection(moto_aws, monkeypatch):
    connection = {"conn_type": "aws", "login": "AKIAMUSTERCONN000001", "password": "conn-secret-not-logged"}
    monkeypatch.setenv("AIRFLOW_CONN_MUSTER_AWS", json.dumps(connection))

    session = session_for_tenant(tenant(connection_id="muster_aws", region="eu-central-1"))

    assert (session.get_credentials().access_key, session.region_name) == (
        "AKIAMUSTERCONN000001",
        "eu-central-1",
    )
    assert session.client("sts").get_caller_identity()["Account"] == ACCOUNT


def test_a_missing_airflow_connection_raises_naming_tenant_and_connection(aws_credentials):
    with pytest.raises(TenantAccessError) as caught:
        session_for_tenant(tenant(connection_id="muster_missing"), plain_session())

    assert str(caught.value) == f"tenant aws:{ACCOUNT}: Airflow connection 'muster_missing' is not defined"
