"""The first-cut privilege verdict on small policy documents."""

import pytest
from muster.providers.aws.privilege import assess


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_admin_action_star_on_star():
    assert assess(doc(allow("*")), "AdminAccess") == (
        "admin",
        ["policy AdminAccess statement 0: Allow Action * on Resource * without Condition"],
    )


def test_admin_star_colon_star_in_a_list_and_single_statement_object():
    document = {"Statement": {"Effect": "Allow", "Action": ["s3:GetObject", "*:*"], "Resource": ["*"]}}
    assert assess(document, "p") == (
        "admin",
        ["policy p statement 0: Allow Action s3:GetObject, *:* on Resource * without Condition"],
    )


def test_admin_not_action_allow_on_star():
    document = doc({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"})
    assert assess(document, "PowerUser") == (
        "admin",
        [
            "policy PowerUser statement 0: Allow NotAction iam:*, organizations:* on Resource * without Condition"
        ],
    )


def test_action_star_with_a_condition_is_escalation_not_admin():
    condition = {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
    verdict, reasons = assess(doc(allow("*", Condition=condition)), "p")
    assert verdict == "escalation"
    assert reasons == [
        "policy p statement 0: Allow grants iam:PassRole, iam:CreatePolicy, iam:CreatePolicyVersion, "
        "iam:SetDefaultPolicyVersion, iam:PutUserPolicy, iam:PutGroupPolicy, iam:PutRolePolicy, "
        "iam:AttachUserPolicy and 8 more"
    ]


def test_escalation_pass_role_even_on_one_resource():
    document = doc(
        allow("s3:GetObject"), allow(["iam:PassRole", "ec2:RunInstances"], "arn:aws:iam::1:role/x")
    )
    assert assess(document, "deployer") == (
        "escalation",
        ["policy deployer statement 1: Allow grants iam:PassRole"],
    )


def test_escalation_through_a_wildcard():
    assert assess(doc(allow("iam:Put*Policy")), "p") == (
        "escalation",
        ["policy p statement 0: Allow grants iam:PutUserPolicy, iam:PutGroupPolicy, iam:PutRolePolicy"],
    )


def test_assume_role_is_escalation_only_on_star():
    assert assess(doc(allow("sts:AssumeRole")), "p") == (
        "escalation",
        ["policy p statement 0: Allow grants sts:AssumeRole"],
    )
    assert assess(doc(allow("sts:AssumeRole", "arn:aws:iam::1:role/reader")), "p") == (
        "write",
        ["policy p statement 0: Allow Action sts:AssumeRole (not read-only)"],
    )


def test_write():
    assert assess(doc(allow(["s3:GetObject", "s3:PutObject", "s3:*"])), "p") == (
        "write",
        ["policy p statement 0: Allow Action s3:PutObject, s3:* (not read-only)"],
    )


def test_read_only_prefixes_and_wildcards():
    actions = ["s3:Get*", "ec2:Describe*", "dynamodb:BatchGetItem", "iam:ListUsers", "cloudtrail:ViewThing"]
    assert assess(doc(allow(actions)), "ReadOnly") == (
        "read",
        [
            "policy ReadOnly statement 0: Allow read-only s3:Get*, ec2:Describe*, dynamodb:BatchGetItem, "
            "iam:ListUsers, cloudtrail:ViewThing"
        ],
    )


def test_deny_is_ignored_in_this_first_cut():
    deny_all = {"Effect": "Deny", "Action": "*", "Resource": "*"}
    assert assess(doc(deny_all, allow("*")), "p")[0] == "admin"
    assert assess(doc(deny_all), "p") == (
        "read",
        ["policy p: no Allow statements (Deny is ignored in this first cut)"],
    )


@pytest.mark.parametrize(
    "document, reason",
    [
        ({"Version": "2012-10-17"}, "policy p: document has no Statement"),
        ("not a dict", "policy p: document has no Statement"),
        ({"Statement": "Allow everything"}, "policy p: Statement is neither an object nor a list"),
        (doc("Allow"), "policy p statement 0 is not an object"),
        (
            doc({"Effect": "Allow", "Resource": "*"}),
            "policy p statement 0 has no Action or NotAction list of strings",
        ),
        (doc(allow([1, 2])), "policy p statement 0 has no Action or NotAction list of strings"),
        (
            doc({"Effect": "Maybe", "Action": "*"}),
            "policy p statement 0 has Effect 'Maybe', not Allow or Deny",
        ),
    ],
)
def test_unparseable_is_unknown(document, reason):
    assert assess(document, "p") == ("unknown", [reason])
