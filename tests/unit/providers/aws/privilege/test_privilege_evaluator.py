"""The evaluator on small policy sets: verdicts and the exact reasons an auditor reads."""

import pytest
from muster.providers.aws.privilege import AccountEvaluator, Holder, assess, compile_policy
from privilege_cases import ACCOUNT, ACCOUNT_TRUST, ADMIN_ROLE, HOP_ROLE, TESTER, allow, deny, doc, trusting


def test_admin_action_star_on_star():
    assert assess(doc(allow("*")), "AdminAccess") == (
        "admin",
        ["policy AdminAccess statement 0: Allow Action * on Resource * without Condition"],
    )


def test_admin_through_iam_star_and_single_statement_object():
    document = {"Statement": {"Effect": "Allow", "Action": ["s3:GetObject", "iam:*"], "Resource": ["*"]}}
    assert assess(document, "p") == (
        "admin",
        ["policy p statement 0: Allow Action s3:GetObject, iam:* on Resource * without Condition"],
    )


def test_admin_with_a_condition_counts_and_reports_it():
    document = doc(allow("*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    assert assess(document, "p") == (
        "admin",
        [
            'policy p statement 0: Allow Action * on Resource * with Condition {"IpAddress":{"aws:SourceIp":'
            '"10.0.0.0/8"}} (assumed to hold)'
        ],
    )


def test_power_user_not_action_iam_is_escalation_not_admin():
    document = doc(
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*", "Sid": "All"}
    )
    verdict, reasons = assess(document, "PowerUser")
    assert verdict == "escalation"
    assert [r.split(" (")[0] for r in reasons] == [
        "escalation lambda-update-function-code",
        "escalation glue-update-dev-endpoint",
        "escalation ssm-command-on-instance",
        "escalation cloudformation-update-stack",
        "escalation cloudformation-change-set",
        "escalation ec2-instance-connect",
        "escalation ec2-modify-user-data",
        "escalation ec2-launch-template",
        "escalation ecs-execute-command",
    ]
    assert "by policy PowerUser statement 0 (All) on Resource *" in reasons[0]


def test_deny_in_the_same_policy_removes_admin():
    verdict, reasons = assess(doc(allow("*"), deny("iam:*")), "p")
    assert verdict == "escalation"  # still e.g. ssm:SendCommand, but no IAM control
    assert not any("iam:" in r for r in reasons)


def test_write_names_the_patterns_that_write():
    assert assess(doc(allow(["s3:GetObject", "s3:PutObject", "s3:*"])), "p") == (
        "write",
        [
            "policy p statement 0: Allow Action s3:PutObject, s3:* (not read-only, e.g. s3:AbortMultipartUpload, "
            "s3:AssociateAccessGrantsIdentityCenter, s3:BypassGovernanceRetention)"
        ],
    )


def test_read_only_by_access_level():
    actions = [
        "s3:Get*",
        "ec2:Describe*",
        "dynamodb:BatchGetItem",
        "iam:ListUsers",
        "cloudtrail:LookupEvents",
    ]
    assert assess(doc(allow(actions)), "ReadOnly") == (
        "read",
        [
            "policy ReadOnly statement 0: Allow read-only s3:Get*, ec2:Describe*, dynamodb:BatchGetItem, "
            "iam:ListUsers, cloudtrail:LookupEvents"
        ],
    )


def test_unknown_action_falls_back_to_its_name():
    assert assess(doc(allow(["newsvc:GetThing"])), "p")[0] == "read"
    assert assess(doc(allow(["newsvc:DoThing"])), "p")[0] == "write"


def test_only_deny_is_read():
    assert assess(doc(deny("*")), "p") == ("read", ["policy p: no Allow statements"])


def test_write_cancelled_by_deny_is_read_and_says_so():
    assert assess(doc(allow(["s3:GetObject", "s3:PutObject"]), deny("s3:PutObject")), "p") == (
        "read",
        [
            "policy p statement 0: Allow read-only s3:GetObject, s3:PutObject",
            "policy p statement 0: Allow Action s3:GetObject, s3:PutObject cancelled by Deny in policy p "
            "statement 1 (for s3:PutObject)",
        ],
    )


def test_pass_role_alone_is_not_escalation():
    assert assess(doc(allow("iam:PassRole")), "p") == (
        "write",
        ["policy p statement 0: Allow Action iam:PassRole (not read-only)"],
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


def _evaluate(holders, trusts):
    return AccountEvaluator(ACCOUNT, trusts).evaluate(holders)


def test_escalation_across_two_policies_marks_both_grants_and_not_a_third():
    pass_role, run, logs = (
        compile_policy(doc(allow("iam:PassRole")), "pass"),
        compile_policy(doc(allow("ec2:RunInstances")), "run"),
        compile_policy(doc(allow("logs:PutLogEvents")), "logs"),
    )
    result = _evaluate([Holder("u", TESTER, [pass_role, run, logs])], {})["u"]
    line = (
        "escalation passrole-ec2 (Pass a role to a new EC2 instance): iam:PassRole by policy pass statement 0 on "
        "Resource * (any role, including ones created later); ec2:RunInstances by policy run statement 0 on "
        "Resource *"
    )
    assert {uid: (v.privilege, v.reasons) for uid, v in result.grants.items()} == {
        pass_role.uid: ("escalation", (line,)),
        run.uid: ("escalation", (line,)),
        logs.uid: ("write", ("policy logs statement 0: Allow Action logs:PutLogEvents (not read-only)",)),
    }
    assert result.principal.privilege == "escalation"


def test_role_chain_is_followed_and_pass_role_to_a_named_privileged_role_counts():
    admin = compile_policy(doc(allow("*")), "AdministratorAccess")
    hop = compile_policy(doc(allow("sts:AssumeRole", ADMIN_ROLE)), "hop")
    to_hop = compile_policy(doc(allow("sts:AssumeRole", HOP_ROLE)), "to-hop")
    passer = compile_policy(doc(allow(["iam:PassRole", "ec2:RunInstances"], HOP_ROLE)), "pass-hop")
    holders = [
        Holder(ADMIN_ROLE, ADMIN_ROLE, [admin]),
        Holder(HOP_ROLE, HOP_ROLE, [hop]),
        Holder("u", TESTER, [to_hop]),
        Holder("v", f"arn:aws:iam::{ACCOUNT}:user/v", [passer]),
    ]
    results = _evaluate(holders, {ADMIN_ROLE: trusting(HOP_ROLE), HOP_ROLE: ACCOUNT_TRUST})
    assert {k: r.principal.privilege for k, r in results.items()} == {
        ADMIN_ROLE: "admin",
        HOP_ROLE: "escalation",
        "u": "escalation",
        "v": "escalation",
    }
    assert results[HOP_ROLE].principal.reasons == (
        "escalation sts-assume-privileged-role (Assume a role that is admin or can escalate): sts:AssumeRole by "
        f"policy hop statement 0 on Resource {ADMIN_ROLE} (privileged role {ADMIN_ROLE}, whose trust policy "
        "admits this principal by ARN)",
        # admin-role's trust names hop-role itself: it needs no identity permission at all.
        f"escalation sts-assume-privileged-role: trust policy of privileged role {ADMIN_ROLE} admits this "
        "principal by ARN; no identity permission is needed in the same account",
    )
    assert f"on Resource {HOP_ROLE} (privileged role {HOP_ROLE})" in results["v"].principal.reasons[0]


def test_trust_policy_naming_anyone_is_escalation_without_identity_permission():
    admin = compile_policy(doc(allow("*")), "AdministratorAccess")
    reader = compile_policy(doc(allow("s3:GetObject")), "reader")
    results = _evaluate(
        [Holder(ADMIN_ROLE, ADMIN_ROLE, [admin]), Holder("u", TESTER, [reader])],
        {
            ADMIN_ROLE: {
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]
            }
        },
    )
    assert results["u"].principal.privilege == "escalation"
    assert results["u"].grants[reader.uid].privilege == "read"  # no grant supplies it: the trust policy does


def test_missing_boundary_is_not_applied_but_a_known_one_is():
    admin = compile_policy(doc(allow("*")), "AdministratorAccess")
    boundary = compile_policy(doc(allow("s3:*")), "s3-only")
    results = _evaluate([Holder("u", TESTER, [admin], boundary)], {})
    assert results["u"].grants[admin.uid].privilege == "write"
    reasons = results["u"].grants[admin.uid].reasons
    assert "permissions boundary s3-only applied" in reasons
    assert (
        "not escalation passrole-ec2 (Pass a role to a new EC2 instance): iam:PassRole by policy "
        "AdministratorAccess statement 0 not allowed by permissions boundary s3-only; ec2:RunInstances by policy "
        "AdministratorAccess statement 0 not allowed by permissions boundary s3-only; ec2:RequestSpotInstances by "
        "policy AdministratorAccess statement 0 not allowed by permissions boundary s3-only"
    ) in reasons


def test_policy_sets_are_evaluated_once():
    policies = [compile_policy(doc(allow(["iam:PassRole", "ec2:RunInstances"])), "p")]
    holders = [Holder(str(i), f"arn:aws:iam::{ACCOUNT}:user/u{i}", policies) for i in range(1000)]
    evaluator = AccountEvaluator(ACCOUNT, {})
    results = evaluator.evaluate(holders)
    assert {r.principal.privilege for r in results.values()} == {"escalation"}
    assert (len(evaluator._sets), len(evaluator._judged)) == (1, 1)
