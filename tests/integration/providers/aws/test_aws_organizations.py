"""Organizations discovery against moto, then collecting each member through OrganizationAccountAccessRole."""

import datetime as dt

import boto3
import pytest
from aws_fakes import ACCOUNT, aws_response, inject, tenant
from muster.config import AwsOrganization, Tenant
from muster.providers.aws.collect import collect_account
from muster.providers.aws.organizations import discover_accounts, organization_session
from muster.providers.aws.session import TenantAccessError, session_for_tenant

pytestmark = pytest.mark.integration

DAY = dt.date(2026, 11, 26)
USER_KINDS = ("human_user", "service_user")


@pytest.fixture
def organization(moto_aws):
    """An organisation managed from moto's default account: finance and ci members, old (closed), sandbox."""
    client = boto3.client("organizations")
    org_id = client.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    ids = {}
    for name in ("finance", "ci", "old", "sandbox"):
        status = client.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
        ids[name] = status["AccountId"]
    client.close_account(AccountId=ids["old"])
    for name in ("finance", "ci"):
        role = f"arn:aws:iam::{ids[name]}:role/OrganizationAccountAccessRole"
        member = session_for_tenant(tenant(ids[name], role_arn=role), boto3.Session())
        member.client("iam").create_user(UserName=f"{name}-user")
    return org_id, ids


def member(org_id: str, account: str, name: str) -> Tenant:
    return Tenant(
        provider="aws",
        id=account,
        name=name,
        role_arn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
        audit_scope=("soc2",),
        discovered_from=org_id,
    )


def test_discovery_lists_every_account_and_plans_active_unexcluded_ones(organization):
    org_id, ids = organization
    scope = AwsOrganization(management_account=ACCOUNT, exclude=(ids["sandbox"],), audit_scope=("soc2",))

    tenants, listing = discover_accounts(scope, organization_session(scope, boto3.Session()))

    expected_listing = {
        (ACCOUNT, "master", "ACTIVE"),
        *((ids[n], n, "ACTIVE") for n in ("finance", "ci", "sandbox")),
        (ids["old"], "old", "SUSPENDED"),
    }
    assert {(a["Id"], a["Name"], a["Status"]) for a in listing} == expected_listing
    assert [a["Id"] for a in listing] == sorted(a["Id"] for a in listing)
    assert all(
        dt.datetime.fromisoformat(a["JoinedTimestamp"]).utcoffset() == dt.timedelta(0) for a in listing
    )
    management = Tenant(
        provider="aws", id=ACCOUNT, name="master", audit_scope=("soc2",), discovered_from=org_id
    )
    assert tenants == sorted(
        [management, member(org_id, ids["finance"], "finance"), member(org_id, ids["ci"], "ci")],
        key=lambda t: t.id,
    )


def test_each_member_is_collected_through_its_role_and_sees_only_its_own_users(organization):
    org_id, ids = organization
    scope = AwsOrganization(management_account=ACCOUNT, exclude=(ids["sandbox"],))
    tenants, _ = discover_accounts(scope, boto3.Session())

    seen = {}
    for t in tenants:
        collected = collect_account(t, DAY, session=boto3.Session(), sleep=pytest.fail)
        assert collected.tenant_id == t.id
        assert collected.status != "failed", collected.entities
        seen[t.id] = {p["name"] for p in collected.principals if p["kind"] in USER_KINDS}

    assert seen == {ACCOUNT: set(), ids["finance"]: {"finance-user"}, ids["ci"]: {"ci-user"}}


def test_accounts_that_cannot_be_listed_raise_naming_the_organization(organization):
    session = boto3.Session()
    body = b'{"__type": "AccessDeniedException", "Message": "not the management account"}'
    inject(
        session,
        "before-send.organizations.ListAccounts",
        lambda request: aws_response(400, body, request.url),
    )

    with pytest.raises(TenantAccessError) as caught:
        discover_accounts(AwsOrganization(management_account=ACCOUNT), session)

    assert str(caught.value) == (
        f"organization of {ACCOUNT}: cannot list accounts: AccessDeniedException: not the management account"
    )
