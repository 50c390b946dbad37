"""A synthetic AWS organisation, in raw API shapes, for benchmarks.

`raw_account(n_users, n_roles)` gives what GetAccountAuthorizationDetails and the credential report would
return for an account of that size: users with tags, groups and inline policies, two keys each, roles with
trust policies, a handful of managed policies. Deterministic for a given size and seed.
"""

from __future__ import annotations

import datetime as dt
import json
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


def _doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _trust(*aws: str, service: str | None = None) -> dict:
    principal = {"AWS": list(aws)} if aws else {"Service": service or "lambda.amazonaws.com"}
    return _doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


#: Documents of every privilege level and shape the transform meets: admin, escalation methods (passing a
#: role, keys of other users), Deny and Condition, NotAction, read-only, as a JSON or URL-encoded string.
_DOCUMENTS = [
    _doc({"Effect": "Allow", "Action": "*", "Resource": "*"}),
    _doc({"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"], "Resource": "*"}),
    _doc({"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "arn:aws:iam::{acct}:user/*"}),
    _doc(
        {"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "arn:aws:iam::{acct}:user/u-000003"}
    ),
    _doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}),
    _doc({"Effect": "Deny", "Action": "iam:*", "Resource": "*"}),
    _doc({"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*", "Condition": {"Bool": {"x": "true"}}}),
    _doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}),
    _doc({"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}),
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "*"}]}',
    "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22sqs%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D",
    "{not json",
]


def varied_account(
    n_users: int,
    n_roles: int,
    account: str = "123456789012",
    seed: int = 11,
    privileged_share: float | None = None,
) -> RawAccount:
    """An account whose principals hold policies in many different ways, for equivalence tests.

    Unlike ``raw_account`` (one shape repeated), users and roles draw their attached, inline and group
    policies, boundaries, tags, paths, dates and report rows at random from small pools, so that many
    layouts, privilege verdicts (admin, escalation, role chains, trust policies that name users) and most
    of the row path's messages occur. Deterministic for a given size and seed.

    ``privileged_share`` (None: the pools as they are, ~15 % of roles privileged) sets the share of roles
    that hold one admin or escalation policy; every other role then holds only policies that confer neither,
    so 0.0 is the same account without privileged roles (a baseline for ``bench/privilege_scale.py``).
    """
    rnd = random.Random(seed)
    docs = [d.replace("{acct}", account) if isinstance(d, str) else _fill(d, account) for d in _DOCUMENTS]
    policies = [_managed(account, i, docs[i % len(docs)]) for i in range(24)]
    del policies[5]["PolicyVersionList"][0]["Document"]  # default version without a document
    arns = [p["Arn"] for p in policies] + [f"arn:aws:iam::{account}:policy/not-collected"]
    groups = [_varied_group(rnd, account, i, arns, docs) for i in range(8)]
    users = [_varied_user(rnd, account, i, arns, docs) for i in range(n_users)]
    users[min(7, n_users - 1)]["UserId"] = users[0]["UserId"]  # an id listed twice
    roles = [_varied_role(rnd, account, i, arns, docs, n_users) for i in range(n_roles)]
    if privileged_share is not None:
        _set_privileged(random.Random(seed + 1), roles, policies, docs, privileged_share)
    if n_roles > 3:
        roles[3].update(
            Arn=roles[2]["Arn"], AssumeRolePolicyDocument=None, RolePolicyList=[]
        )  # one ARN, two roles
        roles[1]["RoleId"] = users[1]["UserId"]  # a role with a user's id
    gaad = {"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": policies}
    lines = [HEADER] + [_varied_report_row(rnd, account, u) for u in users if rnd.random() < 0.95]
    raw = raw_account(0, 0, account)
    raw.authorization_details = gaad
    raw.credential_report = "\n".join(lines) + "\n"
    return raw


#: Indexes into ``_DOCUMENTS`` of the documents that can make a role admin or escalation: admin, NotAction,
#: passing a role, keys of other users, and sts:AssumeRole on * (privileged through a chain of roles).
_PRIVILEGED_DOCS = (0, 7, 1, 2, 4)


def _set_privileged(rnd: random.Random, roles: list, policies: list, docs: list, share: float) -> None:
    """Give a ``share`` of the roles one privileged managed policy and the others none (see varied_account)."""
    bad = [docs[i] for i in _PRIVILEGED_DOCS] + [docs[3]]
    privileged_arns = {p["Arn"] for i, p in enumerate(policies) if i % len(docs) in _PRIVILEGED_DOCS + (3,)}
    for role in roles:
        role["RolePolicyList"] = [p for p in role["RolePolicyList"] if p["PolicyDocument"] not in bad]
        role["AttachedManagedPolicies"] = [
            a for a in role["AttachedManagedPolicies"] if not (a and a.get("PolicyArn") in privileged_arns)
        ]
        if rnd.random() < share:
            p = policies[rnd.choice(_PRIVILEGED_DOCS)]
            role["AttachedManagedPolicies"].append({"PolicyName": p["PolicyName"], "PolicyArn": p["Arn"]})
            role.pop("PermissionsBoundary", None)


def _fill(doc: dict, account: str) -> dict:
    return json.loads(json.dumps(doc).replace("{acct}", account))


def _managed(account: str, i: int, document: object) -> dict:
    arn = f"arn:aws:iam::{account}:policy/p{i:02d}" if i % 7 else f"arn:aws:iam::aws:policy/Aws{i:02d}"
    version = {"VersionId": "v2", "IsDefaultVersion": True, "CreateDate": T0, "Document": document}
    return {
        "PolicyName": f"p{i:02d}",
        "Arn": arn,
        "DefaultVersionId": "v2",
        "CreateDate": T0,
        "UpdateDate": T0,
        "PolicyVersionList": [version],
    }


def _pick(rnd: random.Random, pool: list, most: int) -> list:
    """Up to ``most`` distinct items (IAM lists a policy once per principal)."""
    return rnd.sample(pool, rnd.randint(0, most))


def _inline(rnd: random.Random, docs: list, most: int) -> list[dict]:
    names = rnd.sample(["inline-0", "inline-1", "inline-2"], rnd.randint(0, most))
    return [{"PolicyName": name, "PolicyDocument": rnd.choice(docs[:10])} for name in names]


def _attached(rnd: random.Random, arns: list, most: int) -> list:
    items = [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in _pick(rnd, arns, most)]
    if rnd.random() < 0.01:
        items.append({"PolicyName": "broken"})  # no PolicyArn
    if rnd.random() < 0.01:
        items.append(None)  # not an object: skipped
    return items


def _varied_group(rnd: random.Random, account: str, i: int, arns: list, docs: list) -> dict:
    inline = _inline(rnd, docs, 1) if i != 5 else [{"PolicyName": "bad", "PolicyDocument": "{not json"}]
    return {
        "GroupName": f"g{i}",
        "GroupId": f"AGPAVARIED{i:011d}",
        "Arn": f"arn:aws:iam::{account}:group/g{i}",
        "AttachedManagedPolicies": _attached(rnd, arns[:-1], 2),
        "GroupPolicyList": inline,
    }


_TAGS = [
    ("owner", "team-a"),
    ("owner", "team-b"),
    ("Owner", ""),
    ("type", "Service"),
    ("muster:identity", " NHI "),
    ("muster:identity", "human"),
    ("identity-type", "machine"),
    ("env", "prod"),
    ("owner", "team-c"),
]


def _tags(rnd: random.Random) -> object:
    roll = rnd.random()
    if roll < 0.01:
        return [{"Value": "no key"}]
    if roll < 0.02:
        return "not a list"
    return [{"Key": k, "Value": v} for k, v in _pick(rnd, _TAGS, 4)]


def _created(rnd: random.Random, i: int) -> object:
    when = T0 + dt.timedelta(hours=i)
    roll = rnd.random()
    if roll < 0.05:
        return _iso(when)
    if roll < 0.07:
        return when.replace(tzinfo=None)
    if roll < 0.08:
        return "yesterday"
    if roll < 0.09:
        return when.astimezone(dt.timezone(dt.timedelta(hours=2)))
    return when


def _varied_user(rnd: random.Random, account: str, i: int, arns: list, docs: list) -> dict:
    name = rnd.choice(["u", "svc", "ci", "person", "app"]) + f"-{i:06d}"
    name = f"u-{i:06d}" if i < 10 else name
    user = {
        "UserName": name,
        "UserId": f"AIDAV{rnd.randrange(16**15):015X}{i:06d}",
        "Arn": f"arn:aws:iam::{account}:user/{name}",
        "Path": rnd.choice(["/", "/", "/", "/service/", "/people/", "/x/", ""]),
        "CreateDate": _created(rnd, i),
        "GroupList": [f"g{rnd.randint(0, 8)}" for _ in range(rnd.randint(0, 3))],
        "AttachedManagedPolicies": _attached(rnd, arns, 2),
        "UserPolicyList": _inline(rnd, docs, 1) if rnd.random() < 0.2 else [],
        "Tags": _tags(rnd),
    }
    if rnd.random() < 0.1:
        user["PermissionsBoundary"] = {"PermissionsBoundaryArn": rnd.choice(arns)}
    if rnd.random() < 0.005:
        del user["UserId"]
    return user


def _varied_role(rnd: random.Random, account: str, i: int, arns: list, docs: list, n_users: int) -> dict:
    name = f"r-{i:05d}"
    trusts = [
        _trust(service="ec2.amazonaws.com"),
        _trust(f"arn:aws:iam::{account}:root"),
        _trust(f"arn:aws:iam::{account}:user/u-{rnd.randrange(max(n_users, 1)):06d}"),
        _trust("*"),
        _trust(f"arn:aws:iam::{account}:role/r-{rnd.randint(0, 9):05d}"),
    ]
    role = {
        "RoleName": name,
        "RoleId": f"AROAV{rnd.randrange(16**15):015X}{i:05d}",
        "Arn": f"arn:aws:iam::{account}:role/{name}",
        "Path": rnd.choice(["/", "/", "/aws-service-role/", "/app/"]),
        "CreateDate": _created(rnd, i),
        "Tags": _tags(rnd),
        "AssumeRolePolicyDocument": rnd.choice(trusts) if rnd.random() < 0.97 else None,
        "RolePolicyList": _inline(rnd, docs, 2),
        "AttachedManagedPolicies": _attached(rnd, arns, 2),
        "RoleLastUsed": rnd.choice(
            [{"LastUsedDate": T0, "Region": "us-east-1"}, {}, None, {"LastUsedDate": "?"}]
        ),
    }
    if rnd.random() < 0.1:
        role["PermissionsBoundary"] = {"PermissionsBoundaryArn": rnd.choice(arns)}
    return role


def _varied_report_row(rnd: random.Random, account: str, user: dict) -> str:
    name = user["UserName"]
    when = _iso(T0 + dt.timedelta(days=rnd.randint(0, 900)))
    console = rnd.random() < 0.4

    def maybe(value: str) -> str:
        return value if rnd.random() < 0.6 else rnd.choice(["N/A", "no_information", "not_supported"])

    key = [rnd.choice(["true", "false", "TRUE"]), maybe(when), maybe(when), maybe("us-east-1"), maybe("s3")]
    key2 = [rnd.choice(["true", "false"]), maybe(when), maybe(when), maybe("eu-west-1"), maybe("ec2")]
    cert = [rnd.choice(["true", "false"]), maybe(when), "false", "N/A"]
    password = ["true" if console else "false", maybe(when) if console else "N/A", maybe(when), "N/A"]
    cells = [name, f"arn:aws:iam::{account}:user/{name}", when, *password, rnd.choice(["true", "false"])]
    return ",".join(cells + key + key2 + cert)
