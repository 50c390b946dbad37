"""The transform in GovCloud (``aws-us-gov``) and China (``aws-cn``): the privilege verdicts of ``aws``.

An account's ARNs carry its partition (``arn:aws-us-gov:iam::...``). The transform reads the partition off the
account's own ARNs (``partition.account_partition``) and the privilege analysis names the account root and
"another user / any role" in it. Each test builds the commercial account, moves every ARN of it to the other
partition (``moved``: users, roles, groups, policies, documents, the credential report) and compares.
"""

import dataclasses
import datetime as dt
import sys
from pathlib import Path

import pytest
from arn_partitions import moved
from aws_transform_helpers import (
    ACCOUNT,
    DAY,
    cloudmapper_gaad,
    cloudmapper_report,
    gaad,
    raw_account,
    report,
    report_row,
    tenant,
    user,
)
from muster.providers.aws.transform import transform_account

sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "bench"))
from synthetic import varied_account  # noqa: E402

PARTITIONS = ("aws-us-gov", "aws-cn")
RUN = "test-run"
AT = dt.datetime(2026, 11, 26, 3, tzinfo=dt.UTC)
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ROLE = f"arn:aws:iam::{ACCOUNT}:role"


def _doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(actions, resource="*") -> dict:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


def _role(name: str, trusted: str, *statements: dict) -> dict:
    """A GAAD RoleDetailList entry whose trust policy names ``trusted`` and one inline policy."""
    return {
        "RoleName": name,
        "RoleId": f"AROA{name.upper():0<17}",
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
        "Path": "/",
        "CreateDate": "2020-01-01T00:00:00+00:00",
        "AssumeRolePolicyDocument": _doc(
            {"Effect": "Allow", "Principal": {"AWS": trusted}, "Action": "sts:AssumeRole"}
        ),
        "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": _doc(*statements)}],
        "AttachedManagedPolicies": [],
        "Tags": [],
    }


def _user(name: str, *statements: dict) -> dict:
    return user(name, UserPolicyList=[{"PolicyName": "inline", "PolicyDocument": _doc(*statements)}])


def chain_account():
    """User ``dev`` may assume ``hop``, which may assume ``admin``; both roles trust the account's root."""
    roles = [
        _role("admin", ROOT, _allow("*")),
        _role("hop", ROOT, _allow("sts:AssumeRole", f"{ROLE}/admin")),
    ]
    users = [_user("dev", _allow("sts:AssumeRole", f"{ROLE}/hop")), _user("reader", _allow("s3:GetObject"))]
    return raw_account(gaad(users, roles), report(*(report_row(u["UserName"]) for u in users)))


def escalation_account():
    """iam:PassRole on every role of the account (plus ec2:RunInstances) and access keys of every user."""
    users = [
        _user("passer", _allow("iam:PassRole", f"{ROLE}/*"), _allow("ec2:RunInstances")),
        _user("keys", _allow("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/*")),
    ]
    return raw_account(gaad(users), report(*(report_row(u["UserName"]) for u in users)))


def in_partition(raw, partition: str):
    """The same raw account, every ARN in every field moved to ``partition``."""
    fields = {f.name: moved(getattr(raw, f.name), partition) for f in dataclasses.fields(raw)}
    return dataclasses.replace(raw, **fields)


def verdicts(raw) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(principal name, policy name) -> (privilege, reasons) of every grant."""
    collected = transform_account(raw, tenant(raw.account_id), DAY)
    names = {p["principal_id"]: p["name"] for p in collected.principals}
    return {
        (names[g["principal_id"]], g["role_name"]): (g["privilege"], g["privilege_reasons"])
        for g in collected.grants
    }


def _methods(reasons: list[str]) -> set[str]:
    return {r.split(" (")[0].split(":")[0] for r in reasons if r.startswith("escalation ")}


@pytest.mark.parametrize("partition", PARTITIONS)
def test_a_role_chain_through_trusts_of_the_account_root(partition):
    want = verdicts(chain_account())
    assert {k: (p, _methods(r)) for k, (p, r) in want.items()} == {
        ("dev", "inline"): ("escalation", {"escalation sts-assume-privileged-role"}),
        ("hop", "inline"): ("escalation", {"escalation sts-assume-privileged-role"}),
        ("admin", "inline"): ("admin", set()),
        ("reader", "inline"): ("read", set()),
    }
    got = verdicts(in_partition(chain_account(), partition))
    assert moved(got, "aws", partition) == want


@pytest.mark.parametrize("partition", PARTITIONS)
def test_pass_role_and_access_keys_on_every_role_and_user_of_the_account(partition):
    want = verdicts(escalation_account())
    assert {k: (p, _methods(r)) for k, (p, r) in want.items()} == {
        ("passer", "inline"): ("escalation", {"escalation passrole-ec2"}),
        ("keys", "inline"): ("escalation", {"escalation iam-create-access-key"}),
    }
    assert "(any role, including ones created later)" in want["passer", "inline"][1][0]
    assert "(any other user)" in want["keys", "inline"][1][0]
    got = verdicts(in_partition(escalation_account(), partition))
    assert moved(got, "aws", partition) == want


def test_a_root_of_the_same_account_id_in_another_partition_is_not_the_account():
    """GovCloud roles whose trust names the commercial root ARN: a different account, so no chain (the
    commercial root cannot be this account, which lives in aws-us-gov)."""
    raw = in_partition(chain_account(), "aws-us-gov")
    assert verdicts(raw)["dev", "inline"][0] == "escalation"  # trusting its own root: the chain is there
    for role in raw.authorization_details["RoleDetailList"]:
        role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"] = ROOT
    got = verdicts(raw)
    assert {k: p for k, (p, _) in got.items()} == {
        ("dev", "inline"): "write",
        ("hop", "inline"): "write",
        ("admin", "inline"): "admin",
        ("reader", "inline"): "read",
    }


ACCOUNTS = {
    "cloudmapper": lambda: raw_account(cloudmapper_gaad(), cloudmapper_report()),
    # Trusts of the account root, of users and roles; iam:CreateAccessKey on user/*; role chains; bad documents.
    **{f"varied/{seed}": (lambda seed=seed: varied_account(300, 60, seed=seed)) for seed in (1, 2)},
}


def _rows(raw) -> dict:
    """Every table's rows and the entity ledger, as the transform gives them."""
    collected = transform_account(raw, tenant(raw.account_id), DAY)
    tables = {name: t.to_pylist() for name, t in collected.tables(RUN, AT).items()}
    return {**tables, "entities": [(e.entity, e.status, e.error) for e in collected.entities]}


@pytest.mark.parametrize("name", sorted(ACCOUNTS))
def test_a_whole_account_moved_to_govcloud_gives_the_commercial_tables(name):
    """Principals, grants (privilege and reasons), definitions and messages, ARNs mapped back, are equal."""
    want = _rows(ACCOUNTS[name]())
    got = _rows(in_partition(ACCOUNTS[name](), "aws-us-gov"))
    assert any("arn:aws-us-gov:" in str(r) for r in got["principals"])  # the move did happen
    assert moved(got, "aws", "aws-us-gov") == want
