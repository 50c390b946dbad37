"""Labelled cases for the Conditions that make an IAM escalation unexploitable (``privilege.conditions``).

Kind ``condition``. True negatives: the delegated administrator of AWS's permissions-boundary documentation
(it may create and grant roles or users only with a boundary that grants S3 and CloudWatch), and Attach*Policy
limited by ``iam:PolicyARN`` to account policies that only read or write. Traps (label True): the boundary can
be deleted, replaced or edited; its document is not known or grants escalation; ``...IfExists``; the PolicyARN
list names AdministratorAccess, a wildcard, an unknown policy, a policy that passes roles, or one that creates
access keys for the account's other users (judged alone in the account's partition, ``privilege_cases.judge``).
"""

from __future__ import annotations

from privilege_cases import ACCOUNT, ADMIN_ROLE, Case, allow, doc

BOUND = f"arn:aws:iam::{ACCOUNT}:policy/DeveloperBoundary"
READS = f"arn:aws:iam::{ACCOUNT}:policy/team-read"
WRITES = f"arn:aws:iam::{ACCOUNT}:policy/team-s3"
PASSES = f"arn:aws:iam::{ACCOUNT}:policy/team-pass"
CODE = f"arn:aws:iam::{ACCOUNT}:policy/team-lambda"
KEYS = f"arn:aws:iam::{ACCOUNT}:policy/team-keys"
ADMIN_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
MANAGED = {
    BOUND: doc(allow(["s3:*", "cloudwatch:*", "logs:*"])),
    READS: doc(allow(["s3:GetObject", "s3:ListBucket"])),
    WRITES: doc(allow(["s3:PutObject", "s3:GetObject"])),
    PASSES: doc(allow(["iam:PassRole", "ec2:RunInstances"], ADMIN_ROLE)),
    CODE: doc(allow("lambda:UpdateFunctionCode")),
    KEYS: doc(allow("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/*")),
}
ROLE_ADMIN = ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"]
USER_ADMIN = ["iam:CreateUser", "iam:PutUserPolicy", "iam:AttachUserPolicy", "iam:PutUserPermissionsBoundary"]
READ_IAM = allow(["iam:Get*", "iam:List*"])


def bounded(actions: list[str], operator: str = "StringEquals", boundary: str = BOUND) -> dict:
    return allow(actions, Condition={operator: {"iam:PermissionsBoundary": boundary}})


def attaching(action: str, arns: list[str], operator: str = "ArnEquals") -> dict:
    return allow(action, Condition={operator: {"iam:PolicyARN": arns}})


def _case(id_: str, label: bool, policies: list[dict], managed: dict | None = None) -> Case:
    method = id_.split("/")[0]
    return Case(id_, method, label, "condition", policies, managed=MANAGED if managed is None else managed)


def boundary_cases() -> list[Case]:
    pr, au = "iam-put-role-policy", "iam-attach-user-policy"
    admin = doc(bounded(ROLE_ADMIN), READ_IAM)
    no_admin_bound = {**MANAGED, BOUND: doc(allow("*"))}
    return [
        _case(f"{pr}/boundary-condition", False, [admin]),
        _case(f"{au}/boundary-condition-arnequals", False, [doc(bounded(USER_ADMIN, "ArnEquals"), READ_IAM)]),
        _case(f"{pr}/boundary-deletable", True, [admin, doc(allow("iam:DeleteRolePermissionsBoundary"))]),
        _case(f"{pr}/boundary-replaceable", True, [admin, doc(allow("iam:PutRolePermissionsBoundary"))]),
        _case(f"{pr}/boundary-editable", True, [admin, doc(allow("iam:SetDefaultPolicyVersion", BOUND))]),
        _case(f"{pr}/boundary-unknown-document", True, [admin], managed={}),
        _case(f"{pr}/boundary-grants-admin", True, [admin], managed=no_admin_bound),
        _case(f"{pr}/boundary-ifexists", True, [doc(bounded(ROLE_ADMIN, "StringEqualsIfExists"))]),
        _case(f"{pr}/boundary-wildcard", True, [doc(bounded(ROLE_ADMIN, "ArnLike", BOUND[:-8] + "*"))]),
        _case(f"{au}/boundary-deletable", True, [doc(bounded(USER_ADMIN), allow("iam:Delete*"))]),
    ]


def policy_arn_cases() -> list[Case]:
    ar, ag, au = "iam-attach-role-policy", "iam-attach-group-policy", "iam-attach-user-policy"
    return [
        _case(f"{ar}/policyarn-condition", False, [doc(attaching("iam:AttachRolePolicy", [READS, WRITES]))]),
        _case(
            f"{ag}/policyarn-condition",
            False,
            [doc(attaching("iam:AttachGroupPolicy", [READS], "StringLike"))],
        ),
        _case(f"{ar}/policyarn-admin", True, [doc(attaching("iam:AttachRolePolicy", [READS, ADMIN_ACCESS]))]),
        _case(
            f"{ar}/policyarn-wildcard",
            True,
            [doc(attaching("iam:AttachRolePolicy", [READS[:-4] + "*"], "ArnLike"))],
        ),
        _case(f"{ar}/policyarn-unknown", True, [doc(attaching("iam:AttachRolePolicy", [READS]))], managed={}),
        _case(f"{ar}/policyarn-passes-roles", True, [doc(attaching("iam:AttachRolePolicy", [PASSES]))]),
        _case(f"{ag}/policyarn-escalates", True, [doc(attaching("iam:AttachGroupPolicy", [CODE]))]),
        _case(f"{ag}/policyarn-creates-keys", True, [doc(attaching("iam:AttachGroupPolicy", [KEYS]))]),
        _case(
            f"{au}/policyarn-ifexists",
            True,
            [doc(attaching("iam:AttachUserPolicy", [READS], "ArnEqualsIfExists"))],
        ),
        _case(
            f"{au}/policyarn-forallvalues",
            True,
            [doc(attaching("iam:AttachUserPolicy", [READS], "ForAllValues:ArnEquals"))],
        ),
    ]


def condition_cases() -> list[Case]:
    return boundary_cases() + policy_arn_cases()
