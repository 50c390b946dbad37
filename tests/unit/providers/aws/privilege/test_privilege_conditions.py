"""Reasons for the Conditions that lift an escalation (``privilege.conditions``), on the labelled cases."""

import pytest
from muster.providers.aws.privilege import AccountEvaluator, Holder, assess, compile_policy
from privilege_cases import ACCOUNT, TESTER, allow, doc, judge
from privilege_condition_cases import BOUND, MANAGED, READS, ROLE_ADMIN, bounded, condition_cases

CASES = {c.id: c for c in condition_cases()}


def _text(case_id: str) -> str:
    return "\n".join(judge(CASES[case_id]).reasons)


@pytest.mark.parametrize(
    ("case_id", "expected"),
    [
        (
            "iam-put-role-policy/boundary-condition",
            f"not escalation iam-put-role-policy (Write an inline policy on a role): iam:PutRolePolicy by policy "
            f"p0 statement 0 on Resource *: Condition iam:PermissionsBoundary={BOUND} limits the roles it acts on "
            "to that boundary, which grants write",
        ),
        (
            "iam-attach-role-policy/policyarn-condition",
            f"Condition iam:PolicyARN={READS}, arn:aws:iam::{ACCOUNT}:policy/team-s3 limits it to attaching those "
            "policies, which grant read, write",
        ),
    ],
)
def test_a_lifted_method_says_which_condition_limits_it(case_id, expected):
    assert judge(CASES[case_id]).privilege == "write"
    assert expected in _text(case_id)


@pytest.mark.parametrize(
    ("case_id", "cause"),
    [
        (
            "iam-put-role-policy/boundary-deletable",
            "iam:DeleteRolePermissionsBoundary by policy p1 statement 0 ",
        ),
        (
            "iam-put-role-policy/boundary-replaceable",
            "iam:PutRolePermissionsBoundary by policy p1 statement 0 ",
        ),
        (
            "iam-put-role-policy/boundary-editable",
            f"iam:SetDefaultPolicyVersion can edit boundary policy {BOUND}",
        ),
        ("iam-put-role-policy/boundary-unknown-document", f"document of {BOUND} not known"),
        ("iam-put-role-policy/boundary-grants-admin", f"{BOUND} grants admin"),
        ("iam-put-role-policy/boundary-wildcard", "is a pattern"),
        (
            "iam-put-role-policy/boundary-ifexists",
            "StringEqualsIfExists on iam:PermissionsBoundary is not understood",
        ),
        ("iam-attach-role-policy/policyarn-admin", "is AWS managed AdministratorAccess"),
        ("iam-attach-role-policy/policyarn-wildcard", "is a pattern"),
        ("iam-attach-role-policy/policyarn-unknown", f"document of {READS} not known"),
        (
            "iam-attach-role-policy/policyarn-passes-roles",
            "allows iam:PassRole, which may reach privileged roles",
        ),
        ("iam-attach-group-policy/policyarn-escalates", "grants escalation"),
        (
            "iam-attach-user-policy/policyarn-forallvalues",
            "ForAllValues:ArnEquals on iam:PolicyARN is not understood",
        ),
    ],
)
def test_a_kept_method_says_why_the_condition_does_not_limit_it(case_id, cause):
    assert judge(CASES[case_id]).privilege == "escalation"
    method = case_id.split("/")[0]
    lines = [r for r in judge(CASES[case_id]).reasons if r.startswith(f"escalation {method} ")]
    assert lines and all(cause in r for r in lines), lines


def test_a_pinned_put_permissions_boundary_is_no_escape_but_a_deny_on_delete_removes_one():
    pinned = doc(bounded(ROLE_ADMIN), allow("iam:DeleteRolePermissionsBoundary"))
    denied = {"Effect": "Deny", "Action": "iam:DeleteRolePermissionsBoundary", "Resource": "*"}
    managed = {BOUND: compile_policy(MANAGED[BOUND], "DeveloperBoundary")}
    policies = [compile_policy(pinned, "delegate"), compile_policy(doc(denied), "guard")]
    result = AccountEvaluator(ACCOUNT, {}, managed).evaluate([Holder("t", TESTER, policies)])["t"]
    assert result.principal.privilege == "write", result.principal.reasons


def test_without_the_account_policies_the_verdict_stays_conservative():
    privilege, reasons = assess(doc(bounded(ROLE_ADMIN)), "delegate", ACCOUNT)
    assert privilege == "escalation"
    assert any(f"document of {BOUND} not known, assumed to grant escalation" in r for r in reasons)


def test_a_condition_on_another_key_is_not_a_limit():
    other = allow("iam:PutRolePolicy", Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}})
    privilege, reasons = assess(doc(other), "delegate", ACCOUNT)
    assert privilege == "escalation"
    assert not any("does not limit" in r or "limits" in r for r in reasons)


def _transform(boundary_doc: dict | None):
    """A delegated administrator through the AWS transform; its boundary policy collected when given."""
    import datetime as dt

    from muster.collected import EntityResult
    from muster.config import Tenant
    from muster.providers.aws.raw import RawAccount
    from muster.providers.aws.transform import ENTITY_FEEDS, transform_account

    version = {"Document": boundary_doc, "VersionId": "v1", "IsDefaultVersion": True}
    policy = {"Arn": BOUND, "PolicyName": "DeveloperBoundary", "PolicyVersionList": [version]}
    delegate = {
        "UserName": "tester",
        "UserId": "AIDATESTER",
        "Arn": TESTER,
        "Path": "/",
        "CreateDate": "2020-01-01T00:00:00+00:00",
        "GroupList": [],
        "AttachedManagedPolicies": [],
        "UserPolicyList": [{"PolicyName": "delegate", "PolicyDocument": doc(bounded(ROLE_ADMIN))}],
        "Tags": [],
    }
    details = {
        "UserDetailList": [delegate],
        "RoleDetailList": [],
        "GroupDetailList": [],
        "Policies": [policy] if boundary_doc else [],
    }
    names = ("authorization_details", "credential_report")
    raw = RawAccount(
        account_id=ACCOUNT,
        authorization_details=details,
        credential_report=None,
        entities=[EntityResult(n, ENTITY_FEEDS[n]) for n in names],
    )
    collected = transform_account(raw, Tenant(provider="aws", id=ACCOUNT), dt.date(2026, 11, 26))
    (grant,) = [g for g in collected.grants if g["role_id"].endswith("/inline/delegate")]
    return grant["privilege"], grant["privilege_reasons"]


def test_the_transform_judges_the_condition_by_the_collected_boundary_policy():
    privilege, reasons = _transform(MANAGED[BOUND])
    assert privilege == "write"
    assert any("limits the roles it acts on to that boundary, which grants write" in r for r in reasons)
    privilege, reasons = _transform(None)
    assert privilege == "escalation"
    assert any(f"document of {BOUND} not known" in r for r in reasons)
