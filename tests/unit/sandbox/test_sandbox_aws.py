"""The seeded moto organisation, read back through boto3 over loopback: backdated dates, the Organization
with its member roles, stable ids from day to day, and the sandbox's own scope file."""

import datetime as dt

import boto3
import pytest
from muster.config import parse_scope
from muster.sandbox import aws
from muster.sandbox.aws_model import AwsSpec
from muster.sandbox.scenario import builtin
from muster.sandbox.scope import scope_for

MGMT, PAY, ANA = "123456789012", "210987654321", "345678901234"


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def member_session(account_id: str) -> boto3.Session:
    creds = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole", RoleSessionName="test"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name="us-east-1",
    )


def test_the_organization_lists_every_account_with_its_scenario_id(aws_env):
    aws_env.serve_day(0)
    accounts = boto3.client("organizations").list_accounts()["Accounts"]
    assert {(a["Id"], a["Name"], a["Status"], a["JoinedTimestamp"]) for a in accounts} == {
        (MGMT, "acme-management", "ACTIVE", utc(2023, 5, 1, 8)),
        (PAY, "acme-payments-prod", "ACTIVE", utc(2024, 1, 15, 10)),
        (ANA, "acme-analytics", "ACTIVE", utc(2024, 6, 3, 10)),
    }


def test_member_accounts_are_reached_through_their_organization_role(aws_env):
    aws_env.serve_day(0)
    session = member_session(PAY)
    assert session.client("sts").get_caller_identity()["Account"] == PAY
    iam = session.client("iam")
    assert {u["UserName"] for u in iam.list_users()["Users"]} == {
        "dana.kim",
        "svc-billing-export",
        "svc-legacy-report",
    }
    attached = iam.list_attached_role_policies(RoleName="OrganizationAccountAccessRole")["AttachedPolicies"]
    assert attached == [
        {"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}
    ]


def test_keys_users_and_roles_show_backdated_dates(aws_env):
    aws_env.serve_day(0)
    iam = member_session(PAY).client("iam")

    [legacy] = iam.list_access_keys(UserName="svc-legacy-report")["AccessKeyMetadata"]
    assert (legacy["Status"], legacy["CreateDate"]) == ("Active", utc(2025, 1, 20, 16, 5))
    assert iam.get_access_key_last_used(AccessKeyId=legacy["AccessKeyId"])["AccessKeyLastUsed"] == {
        "ServiceName": "N/A",
        "Region": "N/A",
    }  # never used, as AWS reports it

    [billing] = iam.list_access_keys(UserName="svc-billing-export")["AccessKeyMetadata"]
    assert billing["CreateDate"] == utc(2025, 4, 2, 7)
    assert iam.get_access_key_last_used(AccessKeyId=billing["AccessKeyId"])["AccessKeyLastUsed"] == {
        "LastUsedDate": utc(2026, 11, 1, 2, 5),
        "ServiceName": "s3",
        "Region": "eu-west-1",
    }

    dana = iam.get_user(UserName="dana.kim")["User"]
    assert (dana["CreateDate"], dana["PasswordLastUsed"]) == (utc(2022, 11, 20, 9), utc(2026, 10, 30, 9, 45))
    assert dana["Tags"] == [{"Key": "department", "Value": "finance-engineering"}]

    role = iam.get_role(RoleName="data-pipeline")["Role"]
    assert (role["CreateDate"], role["RoleLastUsed"]) == (
        utc(2025, 6, 10, 11),
        {"LastUsedDate": utc(2026, 11, 1, 2, 30), "Region": "eu-west-1"},
    )


def test_the_credential_report_carries_the_scenario_dates(aws_env):
    aws_env.serve_day(0)
    iam = boto3.client("iam")
    iam.generate_credential_report()
    iam.generate_credential_report()
    lines = iam.get_credential_report()["Content"].decode().splitlines()
    header, rows = (
        lines[0].split(","),
        {
            line.split(",")[0]: dict(zip(lines[0].split(","), line.split(","), strict=True))
            for line in lines[1:]
        },
    )
    assert "access_key_1_last_rotated" in header
    assert set(rows) == {"alice.ng", "bob.ruiz", "ci-deployer"}
    deployer = rows["ci-deployer"]
    assert (
        deployer["password_enabled"],
        deployer["access_key_1_last_rotated"],
        deployer["access_key_1_last_used_date"],
    ) == ("false", "2026-03-12T09:00:00+00:00", "2026-11-01T22:10:00+00:00")
    assert (rows["alice.ng"]["password_enabled"], rows["alice.ng"]["mfa_active"]) == ("true", "true")


def test_each_day_serves_that_days_state_and_ids_stay_stable(aws_env):
    def observe():
        mgmt, pay = boto3.client("iam"), member_session(PAY).client("iam")
        users = {u["UserName"]: u["UserId"] for u in mgmt.list_users()["Users"]}
        keys = {
            (k["UserName"], k["CreateDate"]): (k["AccessKeyId"], k["Status"])
            for u in users
            for k in mgmt.list_access_keys(UserName=u)["AccessKeyMetadata"]
        }
        attached = pay.list_attached_role_policies(RoleName="data-pipeline")["AttachedPolicies"]
        return users, keys, {p["PolicyName"] for p in attached}

    aws_env.serve_day(5)
    users5, keys5, policies5 = observe()
    aws_env.serve_day(10)
    users10, keys10, policies10 = observe()

    old, new, bob, alice = (
        ("ci-deployer", utc(2026, 3, 12, 9)),
        ("ci-deployer", utc(2026, 11, 6, 1)),
        ("bob.ruiz", utc(2025, 6, 1, 12)),
        ("alice.ng", utc(2025, 2, 10, 10)),
    )
    assert {k: status for k, (_, status) in keys5.items()} == {
        old: "Active",
        new: "Active",
        bob: "Active",
        alice: "Active",
    }
    assert {k: status for k, (_, status) in keys10.items()} == {
        new: "Active",
        bob: "Inactive",
        alice: "Active",
    }
    assert {k: key_id for k, (key_id, _) in keys10.items()} == {k: keys5[k][0] for k in keys10}
    assert {u: users10[u] for u in users5} == users5
    assert (policies5, policies10) == ({"billing-export"}, {"billing-export", "AdministratorAccess"})


def test_a_role_used_tonight_shows_tonights_simulated_date(aws_env):
    state = aws_env.serve_day(3)
    iam = member_session(ANA).client("iam")  # using these credentials marks the member role as used
    iam.list_users()
    last = iam.get_role(RoleName="OrganizationAccountAccessRole")["Role"]["RoleLastUsed"]["LastUsedDate"]
    assert last == state.observed_at == utc(2026, 11, 5, 3)


@pytest.fixture
def restore_clock():
    yield
    aws.set_clock(None)


def test_set_clock_none_gives_moto_its_own_clock_back(restore_clock):
    import moto.iam.models as iam_models

    aws.set_clock(utc(2026, 11, 2, 3))
    assert iam_models.utcnow() == dt.datetime(2026, 11, 2, 3)
    aws.set_clock(None)
    assert abs(iam_models.utcnow() - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(seconds=5)


def test_unknown_policies_and_a_foreign_management_account_are_refused(restore_clock):
    spec = {
        "accounts": [
            {
                "id": MGMT,
                "name": "one",
                "roles": [
                    {
                        "name": "r",
                        "trust": {"service": "ec2.amazonaws.com"},
                        "created": "2025-01-01T00:00:00Z",
                        "policies": ["NoSuchPolicyAnywhere"],
                    }
                ],
            }
        ]
    }
    with pytest.raises(
        aws.SeedError, match="account 123456789012: policy 'NoSuchPolicyAnywhere' is neither defined"
    ):
        aws.seed(AwsSpec.model_validate(spec), utc(2026, 11, 2, 3))
    foreign = {"organization": {"management_account": PAY}, "accounts": [{"id": PAY, "name": "pay"}]}
    with pytest.raises(aws.SeedError, match="management account must be 123456789012"):
        aws.seed(AwsSpec.model_validate(foreign), utc(2026, 11, 2, 3))


def test_the_sandbox_scope_discovers_the_organization_on_a_simulated_clock():
    data = scope_for(builtin("demo"))
    assert (data["version"], data["sandbox"]) == (1, True)
    aws_orgs = [o for o in data["organizations"] if o["provider"] == "aws"]
    assert aws_orgs == [
        {
            "provider": "aws",
            "management_account": MGMT,
            "member_role_name": "OrganizationAccountAccessRole",
            "audit_scope": ["soc2"],
            "per_user_credentials": True,
        }
    ]
    assert [t for t in data["tenants"] if t["provider"] == "aws"] == []
    assert parse_scope(data).sandbox is True
