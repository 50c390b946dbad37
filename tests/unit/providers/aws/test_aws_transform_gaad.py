"""GAAD as boto3 hands it over live (datetime objects, documents as dicts): groups, boundaries, last use."""

import datetime as dt

from aws_transform_helpers import (
    ACCOUNT,
    DAY,
    by,
    gaad,
    raw_account,
    report,
    report_row,
    strip,
    tenant,
    user,
    utc,
    validated,
)
from muster.providers.aws.transform import transform_account

TZ_PLUS_2 = dt.timezone(dt.timedelta(hours=2))
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/boundary"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
ADMIN_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
PASS_DOC = {"Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}


def details():
    group = {
        "GroupName": "admins",
        "GroupId": "AGPAADMINS",
        "Arn": f"arn:aws:iam::{ACCOUNT}:group/admins",
        "Path": "/",
        "GroupPolicyList": [{"PolicyName": "pass", "PolicyDocument": PASS_DOC}],
        "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN}],
    }
    alice = user(
        "alice",
        "AIDAALICE",
        Path="/people/",
        CreateDate=dt.datetime(2020, 1, 1, 2, 0, tzinfo=TZ_PLUS_2),
        GroupList=["admins", "admins"],
        AttachedManagedPolicies=[{"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN}],
        PermissionsBoundary={"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": BOUNDARY},
        Tags=[{"Key": "team", "Value": "data"}, {"Key": "cost", "Value": ""}],
    )
    linked = {
        "RoleName": "AWSServiceRoleForSupport",
        "RoleId": "AROASUPPORT",
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport",
        "Path": "/aws-service-role/",
        "CreateDate": dt.datetime(2019, 1, 1, tzinfo=dt.UTC),
        "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]},
        "RoleLastUsed": {
            "LastUsedDate": dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC),
            "Region": "eu-west-1",
        },
        "RolePolicyList": [],
        "AttachedManagedPolicies": [],
        "Tags": [],
    }
    idle = {
        **linked,
        "RoleName": "idle",
        "RoleId": "AROAIDLE",
        "Path": "/",
        "RoleLastUsed": {},
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/idle",
        "AssumeRolePolicyDocument": None,
        "PermissionsBoundary": {"PermissionsBoundaryArn": BOUNDARY},
    }
    admin = {
        "Arn": ADMIN,
        "PolicyName": "AdministratorAccess",
        "DefaultVersionId": "v1",
        "Description": "Provides full access",
        "CreateDate": dt.datetime(2015, 2, 6, 18, 39, 46, tzinfo=dt.UTC),
        "UpdateDate": dt.datetime(2015, 2, 6, 18, 39, 46, tzinfo=dt.UTC),
        "PolicyVersionList": [
            {
                "Document": ADMIN_DOC,
                "VersionId": "v1",
                "IsDefaultVersion": True,
                "CreateDate": dt.datetime(2015, 2, 6, 18, 39, 46, tzinfo=dt.UTC),
            }
        ],
    }
    return gaad(users=[alice], roles=[linked, idle], groups=[group], policies=[admin])


def collect():
    text = report(report_row("alice", password_enabled="true", mfa_active="true"))
    collected = transform_account(raw_account(details(), text), tenant(), DAY)
    validated(collected)
    return collected


def test_user_grants_direct_and_through_a_group_listed_twice():
    grants = {(g["role_id"], g["via"]): (g["privilege"], g["privilege_reasons"]) for g in collect().grants}
    # alice's boundary policy is not in the export: it cannot be applied, and every reason says so.
    unapplied = f"permissions boundary {BOUNDARY} not in authorization details: not applied"
    admin_reason = [
        "policy AdministratorAccess statement 0: Allow Action * on Resource * without Condition",
        unapplied,
    ]
    pass_grant = (f"arn:aws:iam::{ACCOUNT}:group/admins/inline/pass", "group:AGPAADMINS")
    assert {k: v for k, v in grants.items() if k != pass_grant} == {
        (ADMIN, "direct"): ("admin", admin_reason),
        (ADMIN, "group:AGPAADMINS"): ("admin", admin_reason),
    }
    # iam:PassRole (this policy) with the compute actions of AdministratorAccess completes every PassRole method.
    verdict, reasons = grants[pass_grant]
    assert (verdict, reasons[0], reasons[-1]) == (
        "escalation",
        "escalation passrole-ec2 (Pass a role to a new EC2 instance): iam:PassRole by policy pass statement 0 "
        "on Resource * (any role, including ones created later); ec2:RunInstances by policy AdministratorAccess "
        "statement 0 on Resource *",
        unapplied,
    )
    assert len(reasons) == 11


def test_user_row_with_boundary_tags_and_offset_date():
    alice = strip(by(collect().principals, "name")["alice"])
    assert alice == {
        "principal_id": "AIDAALICE",
        "name": "alice",
        "arn_or_resource": f"arn:aws:iam::{ACCOUNT}:user/alice",
        "kind": "human_user",
        "is_nhi": False,
        "nhi_reason": "user path /people/ is under human path /people/",
        "enabled": True,
        "console_access": True,
        "mfa_enabled": True,
        "path": "/people/",
        "created_at": utc(2020, 1, 1, 0, 0),
        "last_used_at": None,
        "last_used_source": None,
        "owner": None,
        "owner_source": None,
        "boundary_role_id": BOUNDARY,
        "tags": {"cost": "", "team": "data"},
    }


def test_roles_last_used_and_service_linked():
    rows = by(collect().principals, "name")
    linked, idle = rows["AWSServiceRoleForSupport"], rows["idle"]
    assert (linked["is_nhi"], linked["nhi_reason"], linked["last_used_at"], linked["last_used_source"]) == (
        True,
        "service-linked role (path /aws-service-role/)",
        utc(2026, 11, 20, 8, 0),
        "iam:RoleLastUsed",
    )
    assert (idle["last_used_at"], idle["last_used_source"], idle["boundary_role_id"]) == (
        None,
        "iam:RoleLastUsed: no use in the tracking period",
        BOUNDARY,
    )


def test_role_definitions_include_group_inline_and_managed_description():
    defs = by(collect().role_definitions, "role_id")
    assert set(defs) == {
        ADMIN,
        f"arn:aws:iam::{ACCOUNT}:group/admins/inline/pass",
        f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport/trust",
    }
    assert strip(defs[ADMIN]) == {
        "role_id": ADMIN,
        "role_name": "AdministratorAccess",
        "role_type": "aws_managed",
        "description": "Provides full access",
        "document": '{"Statement":[{"Action":"*","Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}',
        "version_id": "v1",
        "created_at": utc(2015, 2, 6, 18, 39, 46),
        "updated_at": utc(2015, 2, 6, 18, 39, 46),
    }


def test_garbage_collector_state_is_restored():
    import gc

    collect()
    assert gc.isenabled()
    gc.disable()
    try:
        collect()
        assert not gc.isenabled()
    finally:
        gc.enable()
