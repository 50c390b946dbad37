"""A synthetic AWS organisation, in raw API shapes, for benchmarks.

`raw_account(n_users, n_roles)` gives what GetAccountAuthorizationDetails and the credential report would
return for an account of that size: users with tags, groups and inline policies, two keys each, roles with
trust policies, a handful of managed policies. Deterministic for a given size and seed.
"""

from __future__ import annotations

import datetime as dt
import random

from muster.collected import EntityResult
from muster.providers.aws.raw import RawAccount

HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,"
    "mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,"
    "access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,"
    "access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)
T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def raw_account(n_users: int, n_roles: int, account: str = "123456789012", seed: int = 7) -> RawAccount:
    rnd = random.Random(seed)
    policies = [
        {
            "PolicyName": f"policy-{i}",
            "PolicyId": f"ANPA{i:017d}",
            "Arn": f"arn:aws:iam::{account}:policy/policy-{i}",
            "Path": "/",
            "DefaultVersionId": "v1",
            "AttachmentCount": 1,
            "IsAttachable": True,
            "CreateDate": T0,
            "UpdateDate": T0,
            "PolicyVersionList": [
                {
                    "VersionId": "v1",
                    "IsDefaultVersion": True,
                    "CreateDate": T0,
                    "Document": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["s3:GetObject", "dynamodb:PutItem"][: 1 + i % 2],
                                "Resource": "*",
                            }
                        ],
                    },
                }
            ],
        }
        for i in range(20)
    ]
    groups = [
        {
            "GroupName": f"group-{i}",
            "GroupId": f"AGPA{i:017d}",
            "Arn": f"arn:aws:iam::{account}:group/group-{i}",
            "Path": "/",
            "CreateDate": T0,
            "GroupPolicyList": [],
            "AttachedManagedPolicies": [{"PolicyName": f"policy-{i}", "PolicyArn": policies[i]["Arn"]}],
        }
        for i in range(10)
    ]
    users, lines = [], [HEADER]
    for i in range(n_users):
        name = f"svc-{i:06d}" if i % 3 else f"person-{i:06d}"
        created = T0 + dt.timedelta(minutes=i)
        users.append(
            {
                "UserName": name,
                "UserId": f"AIDA{i:017d}",
                "Arn": f"arn:aws:iam::{account}:user/{name}",
                "Path": "/",
                "CreateDate": created,
                "GroupList": [f"group-{i % 10}"],
                "AttachedManagedPolicies": [
                    {"PolicyName": f"policy-{i % 20}", "PolicyArn": policies[i % 20]["Arn"]}
                ],
                "UserPolicyList": [],
                "Tags": [{"Key": "owner", "Value": f"team-{i % 50}"}],
            }
        )
        used = _iso(created + dt.timedelta(days=rnd.randint(1, 400)))
        human = i % 3 == 0
        lines.append(
            ",".join(
                [
                    name,
                    f"arn:aws:iam::{account}:user/{name}",
                    _iso(created),
                    "true" if human else "false",
                    used if human else "N/A",
                    _iso(created) if human else "N/A",
                    "N/A",
                    "true" if human else "false",
                    "true",
                    _iso(created),
                    used,
                    "us-east-1",
                    "s3",
                    "true",
                    _iso(created + dt.timedelta(days=30)),
                    "N/A",
                    "N/A",
                    "N/A",
                    "false",
                    "N/A",
                    "false",
                    "N/A",
                ]
            )
        )
    roles = [
        {
            "RoleName": f"role-{i:05d}",
            "RoleId": f"AROA{i:017d}",
            "Arn": f"arn:aws:iam::{account}:role/role-{i:05d}",
            "Path": "/",
            "CreateDate": T0,
            "Tags": [],
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "RolePolicyList": [
                {
                    "PolicyName": "inline",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}],
                    },
                }
            ],
            "AttachedManagedPolicies": [
                {"PolicyName": f"policy-{i % 20}", "PolicyArn": policies[i % 20]["Arn"]}
            ],
            "InstanceProfileList": [],
            "RoleLastUsed": {"LastUsedDate": T0, "Region": "us-east-1"},
        }
        for i in range(n_roles)
    ]
    gaad = {"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": policies}
    return RawAccount(
        account_id=account,
        authorization_details=gaad,
        credential_report="\n".join(lines) + "\n",
        credential_report_generated=dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC),
        entities=[
            EntityResult("caller_identity", "principals,credentials,grants,role_definitions", api_calls=1),
            EntityResult("authorization_details", "principals,grants,role_definitions", api_calls=1, pages=1),
            EntityResult(
                "credential_report",
                "principals,credentials:access_key,credentials:signing_certificate,credentials:password",
                api_calls=2,
            ),
        ],
        caller_arn=f"arn:aws:sts::{account}:assumed-role/MusterAudit/muster",
    )
