"""``AccountEvaluator.evaluate_batches`` gives every member the Result ``evaluate_groups`` gives it: the same
verdicts and reasons, and the same sharing of Result objects, on every labelled case and on groups with many
members, some of which are special (privileged roles, ARNs named by trust policies, policies naming users)."""

import pytest
from muster.providers.aws.privilege import AccountEvaluator, Batch, Group, compile_policy
from privilege_cases import (
    ACCOUNT,
    ACCOUNT_TRUST,
    ADMIN_ROLE,
    HOP_ROLE,
    all_cases,
    allow,
    default_roles,
    doc,
    trusting,
)


def both(groups, trusts):
    """(evaluate_groups results, evaluate_batches results as lists) from two fresh evaluators."""
    by_groups = AccountEvaluator(ACCOUNT, trusts).evaluate_groups(groups)
    batches = [Batch(g.policies, g.boundary, [arn for _, arn in g.members]) for g in groups]
    found = AccountEvaluator(ACCOUNT, trusts).evaluate_batches(batches)
    return by_groups, [[f.of(i) for i in range(len(g.members))] for f, g in zip(found, groups, strict=True)]


def verdicts(results):
    return [
        [(r.principal, sorted((u, v.privilege, v.reasons) for u, v in r.grants.items())) for r in members]
        for members in results
    ]


def sharing(results):
    """Which members of each group share one Result object (as first-occurrence indexes)."""
    return [[next(j for j, s in enumerate(members) if s is r) for r in members] for members in results]


@pytest.mark.parametrize("case", all_cases(), ids=lambda c: c.id)
def test_every_labelled_case_is_judged_alike(case):
    roles = case.roles or default_roles()
    groups = [
        Group(
            tuple(compile_policy(d, f"{arn.rsplit('/', 1)[-1]}-{n}") for n, d in enumerate(docs)),
            None,
            [(arn, arn)],
        )
        for arn, (docs, _) in roles.items()
    ]
    policies = tuple(compile_policy(d, f"p{n}") for n, d in enumerate(case.policies))
    boundary = compile_policy(case.boundary, "boundary") if case.boundary else None
    testers = [("tester", f"arn:aws:iam::{ACCOUNT}:user/tester"), ("other", f"arn:aws:iam::{ACCOUNT}:user/o")]
    groups.append(Group(policies, boundary, testers))
    by_groups, by_batches = both(groups, {arn: trust for arn, (_, trust) in roles.items()})
    assert verdicts(by_batches) == verdicts(by_groups)
    assert sharing(by_batches) == sharing(by_groups)


def test_groups_with_special_members_share_results_as_evaluate_groups_does():
    admin = compile_policy(doc(allow("*")), "AdministratorAccess")
    hop = compile_policy(doc(allow("sts:AssumeRole", ADMIN_ROLE)), "hop")
    keys = compile_policy(doc(allow("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/u3")), "keys")
    reader = compile_policy(doc(allow("s3:GetObject")), "reader")
    users = [(f"u{i}", f"arn:aws:iam::{ACCOUNT}:user/u{i}") for i in range(6)]
    roles = [(f"r{i}", f"arn:aws:iam::{ACCOUNT}:role/r{i}") for i in range(4)]
    groups = [
        Group((admin,), None, [(ADMIN_ROLE, ADMIN_ROLE), *roles[:2]]),
        Group((hop,), reader, [(HOP_ROLE, HOP_ROLE), *roles[2:]]),
        Group((reader,), None, users + [("none", None)]),
        Group((keys, reader), None, users),
    ]
    trusts = {
        ADMIN_ROLE: trusting(HOP_ROLE, users[1][1]),
        HOP_ROLE: ACCOUNT_TRUST,
        roles[0][1]: trusting("*"),
        roles[2][1]: trusting(users[2][1]),
    }
    by_groups, by_batches = both(groups, trusts)
    assert verdicts(by_batches) == verdicts(by_groups)
    assert sharing(by_batches) == sharing(by_groups)
    assert len({id(r) for r in by_batches[2]}) > 1  # some members really are judged on their own
