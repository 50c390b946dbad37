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


def quirky_account(n_users: int, n_roles: int, account: str = "123456789012") -> RawAccount:
    """``raw_account`` with the quirks of real accounts sprinkled in, to prove the columnar path equivalent.

    The credential report gets a root row (active key, dated inactive key, active certificate), a user listed
    twice with different content, an identical duplicate line, upper-case booleans, 2099 dates,
    ``no_information`` and ``N/A`` markers, two keys rotated in the same second, an active key without a date,
    a malformed date and boolean, a row for a user missing from the authorization details, a non-UTC offset
    and an empty line; the users get per-user fallback data, SSH keys, a permissions boundary, a naive string
    CreateDate, malformed tags, an override tag and a duplicated UserId.
    """
    raw = raw_account(n_users, n_roles, account)
    users = raw.authorization_details["UserDetailList"]
    lines = raw.credential_report.splitlines()
    header, rows = lines[0], lines[1:]
    columns = header.split(",")

    def edit(i: int, **cells: str) -> None:
        values = dict(zip(columns, rows[i].split(","), strict=True))
        values.update(cells)
        rows[i] = ",".join(values.values())

    edit(
        1, password_enabled="TRUE", mfa_active="FALSE", access_key_1_last_rotated="2099-08-10T11:13:31+00:00"
    )
    edit(2, access_key_2_last_rotated=rows[2].split(",")[9], access_key_2_active="false")  # same second
    edit(3, access_key_1_last_rotated="N/A", access_key_1_last_used_date="no_information")
    edit(4, password_last_changed="last tuesday", mfa_active="sometimes")
    edit(5, access_key_1_last_used_region="N/A", password_last_used="no_information")
    edit(6, user_creation_time="2024-01-01T05:00:00+05:00", cert_1_active="true")
    edit(7, password_last_used="2024-02-30T00:00:00+00:00")
    edit(8, access_key_1_last_used_date="2024-03-01T00:00:00Z", access_key_1_active="True")
    changed = rows[9].replace("us-east-1", "eu-west-1")
    rows[10:10] = [changed, rows[11]]  # user 9 twice, differently; user 11 twice, identically
    n = len(columns)
    root = ["<root_account>", f"arn:aws:iam::{account}:root", "2018-08-12T17:20:55+00:00", "not_supported"]
    root += ["2019-03-03T16:58:16+00:00", "not_supported", "not_supported", "true", "true"]
    root += ["2018-11-23T16:01:14+00:00", "2018-11-27T00:02:00+00:00", "us-east-1", "ecr", "false"]
    root += [
        "2017-01-01T00:00:00+00:00",
        "N/A",
        "N/A",
        "N/A",
        "true",
        "2008-06-25T02:07:10+00:00",
        "false",
        "N/A",
    ]
    gone = [f"deleted-user,arn:aws:iam::{account}:user/deleted-user"] + ["N/A"] * (n - 2)
    rows[:0] = [",".join(root[:n])]
    rows[20:20] = ["", ",".join(gone)]
    report = "\n".join([header, *rows]) + "\n"

    users[12]["PermissionsBoundary"] = {"PermissionsBoundaryArn": f"arn:aws:iam::{account}:policy/policy-1"}
    users[13]["CreateDate"] = "2024-01-01T00:00:00"
    users[14]["Tags"] = [{"Value": "no key"}]
    users[15]["Tags"] = [{"Key": "muster:identity", "Value": "nhi"}, {"Key": "owner", "Value": "team-x"}]
    users[16]["UserId"] = users[17]["UserId"]
    fallback = users[18]["UserName"]
    raw.access_keys = {
        fallback: [
            {
                "AccessKeyId": "AKIAFALLBACK0000001",
                "Status": "Active",
                "CreateDate": dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
                "LastUsed": {"LastUsedDate": dt.datetime(2024, 6, 1, tzinfo=dt.UTC), "ServiceName": "s3"},
            }
        ]
    }
    raw.login_profiles = {fallback: None}
    raw.mfa_devices = {fallback: []}
    raw.signing_certificates = {fallback: []}
    ssh_key = {"SSHPublicKeyId": "APKASSH000000000001", "Status": "Active", "UploadDate": T0}
    raw.ssh_public_keys = {
        users[19]["UserName"]: [ssh_key],
        users[2]["UserName"]: [ssh_key | {"Status": "?"}],
    }
    raw.service_specific_credentials = {}
    raw.credential_report = report
    return raw
