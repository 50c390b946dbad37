"""The labelled set: for every catalogued escalation method, policy sets that grant it and traps that do not.

Written for this project (no upstream data). Each case is one IAM user, ``tester``, in account 111122223333,
holding inline policies (and maybe a permissions boundary), beside two roles every case can see:
``admin-role`` (Allow * on *, trusts the account) and ``harmless-role`` (read-only, trusts the account).

Positives (label True; the method id must appear in the principal's reasons):
* ``grant`` — one policy with the method's actions on Resource *;
* ``split`` — the same actions spread over one policy per requirement;
* ``conditional-deny`` — plus a Deny of the key action *with a Condition*, which may not apply.

Traps (label False; the principal must not be admin or escalation):
* ``deny`` — an Allow cancelled by a Deny (no Condition) in another policy;
* ``notaction-deny`` — a Deny with NotAction [s3:*] in another policy (everything but S3 denied);
* ``boundary`` — a permissions boundary that allows only S3;
* ``resource`` — the Resource makes it unexploitable: only the holder itself (``user/${aws:username}``) for
  methods on other users, only ``harmless-role`` for methods that need a privileged role;
* ``trust`` (assume-role) — the admin role does not trust the account, or no identity Allow to assume it.

Role chains: ``chain`` (tester -> hop-role -> admin-role) is positive; ``chain-broken`` (hop-role trusted only
by a role tester cannot reach) is a trap.

Conditions that limit IAM delegation (``iam:PermissionsBoundary``, ``iam:PolicyARN``): ``condition`` cases in
``privilege_condition_cases.py``, judged with the account's managed policies of ``Case.managed``.

Every case is written in the commercial partition (``arn:aws:``); ``judge(case, partition)`` moves the whole
case, every ARN of its policies, trusts, roles and holder, to another partition (``aws-us-gov``, ``aws-cn``),
where the verdict must be the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from arn_partitions import moved
from muster.providers.aws.privilege import ADMIN, ESCALATION, AccountEvaluator, Holder, compile_policy
from muster.providers.aws.privilege.catalogue import METHODS, Method

ACCOUNT = "111122223333"
TESTER = f"arn:aws:iam::{ACCOUNT}:user/tester"
ADMIN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/admin-role"
HARMLESS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/harmless-role"
HOP_ROLE = f"arn:aws:iam::{ACCOUNT}:role/hop-role"


def doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(actions, resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": actions, "Resource": resource, **extra}


def deny(actions, resource="*", **extra) -> dict:
    return {"Effect": "Deny", "Action": actions, "Resource": resource, **extra}


def trusting(*principals: str) -> dict:
    return doc({"Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:AssumeRole"})


ACCOUNT_TRUST = trusting(f"arn:aws:iam::{ACCOUNT}:root")
EC2_TRUST = doc(
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
)
S3_ONLY = doc(allow("s3:*"))
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "false"}}


@dataclass
class Case:
    id: str
    method: str
    label: bool
    kind: str
    policies: list[dict]
    boundary: dict | None = None
    roles: dict[str, tuple[list[dict], dict]] = field(default_factory=dict)
    #: The account's managed policies (ARN -> document), for Conditions that name one.
    managed: dict[str, dict] = field(default_factory=dict)


def default_roles() -> dict[str, tuple[list[dict], dict]]:
    return {
        ADMIN_ROLE: ([doc(allow("*"))], ACCOUNT_TRUST),
        HARMLESS_ROLE: ([doc(allow(["s3:GetObject", "s3:ListBucket"]))], ACCOUNT_TRUST),
    }


def _first(method: Method) -> list[str]:
    """One action per requirement: the first listed."""
    return [r.actions[0] for r in method.requires]


def _key(method: Method, n: int) -> tuple[int, str]:
    """The requirement (index, action) a trap attacks, rotating over the requirements."""
    i = n % len(method.requires)
    return i, method.requires[i].actions[0]


def _resource_for(method: Method, i: int, trap: bool) -> str:
    kind = method.requires[i].resource
    if kind == "other_user":
        return f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}" if trap else "*"
    if kind == "privileged_role":
        return (
            HARMLESS_ROLE
            if trap
            else ("*" if method.requires[i].actions[0] != "sts:AssumeRole" else ADMIN_ROLE)
        )
    return "*"


def _grant(method: Method) -> list[dict]:
    return [doc(*(allow(a, _resource_for(method, i, False)) for i, a in enumerate(_first(method))))]


def cases_for(method: Method) -> list[Case]:
    m, out = method, []
    granted = _grant(m)
    out.append(Case(f"{m.id}/grant", m.id, True, "grant", granted))
    if len(m.requires) > 1:
        split = [doc(allow(a, _resource_for(m, i, False))) for i, a in enumerate(_first(m))]
        out.append(Case(f"{m.id}/split", m.id, True, "split", split))
    i, key = _key(m, len(m.id))
    out.append(
        Case(
            f"{m.id}/conditional-deny",
            m.id,
            True,
            "conditional-deny",
            granted + [doc(deny(key, Condition=MFA))],
        )
    )
    out.append(
        Case(f"{m.id}/deny", m.id, False, "deny", granted + [doc(deny(key, _resource_for(m, i, False)))])
    )
    notaction = doc({"Effect": "Deny", "NotAction": ["s3:*"], "Resource": "*"})
    out.append(Case(f"{m.id}/notaction-deny", m.id, False, "notaction-deny", granted + [notaction]))
    out.append(Case(f"{m.id}/boundary", m.id, False, "boundary", granted, boundary=S3_ONLY))
    scoped = [i for i, r in enumerate(m.requires) if r.resource != "any"]
    if scoped:
        j = scoped[0]
        stmts = [allow(a, _resource_for(m, k, k == j)) for k, a in enumerate(_first(m))]
        out.append(Case(f"{m.id}/resource", m.id, False, "resource", [doc(*stmts)]))
    return out


def assume_cases() -> list[Case]:
    m = "sts-assume-privileged-role"
    roles = default_roles()
    untrusting = {**roles, ADMIN_ROLE: ([doc(allow("*"))], EC2_TRUST)}
    hop = {**roles, HOP_ROLE: ([doc(allow("sts:AssumeRole", ADMIN_ROLE))], ACCOUNT_TRUST)}
    other = f"arn:aws:iam::{ACCOUNT}:role/other-role"
    broken = {
        **roles,
        ADMIN_ROLE: ([doc(allow("*"))], trusting(HOP_ROLE)),
        HOP_ROLE: ([doc(allow("sts:AssumeRole", ADMIN_ROLE))], trusting(other)),
        other: ([doc(allow("s3:GetObject"))], EC2_TRUST),
    }
    named = {**roles, ADMIN_ROLE: ([doc(allow("*"))], trusting(TESTER))}
    return [
        Case(f"{m}/trust-not-account", m, False, "trust", [doc(allow("sts:AssumeRole"))], roles=untrusting),
        Case(f"{m}/no-identity-allow", m, False, "trust", [doc(allow("s3:GetObject"))], roles=roles),
        Case(f"{m}/trust-names-holder", m, True, "trust", [doc(allow("s3:GetObject"))], roles=named),
        Case(f"{m}/chain", m, True, "chain", [doc(allow("sts:AssumeRole", HOP_ROLE))], roles=hop),
        Case(f"{m}/chain-broken", m, False, "chain", [doc(allow("sts:AssumeRole", HOP_ROLE))], roles=broken),
    ]


def extra_cases() -> list[Case]:
    """Hand-written cases for wildcards, NotAction, partial Denies, NotResource, boundaries and conditions."""
    pr, ec2 = "passrole-ec2", ["iam:PassRole", "ec2:RunInstances"]
    only_harmless = {"Effect": "Deny", "Action": "iam:PassRole", "NotResource": HARMLESS_ROLE}
    return [
        Case(
            "iam-put-user-policy/wildcard",
            "iam-put-user-policy",
            True,
            "grant",
            [doc(allow("iam:Put*Policy"))],
        ),
        Case(
            "iam-create-access-key/wildcard",
            "iam-create-access-key",
            True,
            "grant",
            [doc(allow("iam:Create*"))],
        ),
        Case(
            f"{pr}/notaction-allow",
            pr,
            True,
            "grant",
            [doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"})],
        ),
        Case(f"{pr}/allow-with-condition", pr, True, "grant", [doc(allow(ec2, Condition=MFA))]),
        Case(
            f"{pr}/deny-one-role-only",
            pr,
            True,
            "grant",
            [doc(allow(ec2)), doc(deny("iam:PassRole", ADMIN_ROLE))],
        ),
        Case(
            f"{pr}/boundary-allows",
            pr,
            True,
            "grant",
            [doc(allow(ec2))],
            boundary=doc(allow(["iam:*", "ec2:*"])),
        ),
        Case(f"{pr}/deny-notresource", pr, False, "resource", [doc(allow(ec2)), doc(only_harmless)]),
        Case(
            f"{pr}/boundary-deny",
            pr,
            False,
            "boundary",
            [doc(allow(ec2))],
            boundary=doc(allow("*"), deny("iam:*")),
        ),
        Case(f"{pr}/passrole-without-compute", pr, False, "grant", [doc(allow("iam:PassRole"))]),
        Case(
            f"{pr}/resource-all-roles",
            pr,
            True,
            "grant",
            [doc(allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/*"), allow("ec2:RunInstances"))],
        ),
        Case(
            "iam-create-access-key/resource-all-users",
            "iam-create-access-key",
            True,
            "grant",
            [doc(allow("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/*"))],
        ),
        Case(
            "iam-update-login-profile/self-only",
            "iam-update-login-profile",
            False,
            "resource",
            [doc(allow(["iam:UpdateLoginProfile", "iam:ChangePassword"], TESTER))],
        ),
    ]


def all_cases() -> list[Case]:
    from privilege_condition_cases import condition_cases  # it imports this module

    return [c for m in METHODS for c in cases_for(m)] + assume_cases() + extra_cases() + condition_cases()


def judge(case: Case, partition: str = "aws"):
    """The principal verdict of ``tester`` in the case's account, the case moved to ``partition``."""
    roles = moved(case.roles or default_roles(), partition)
    holders = [
        Holder(arn, arn, [compile_policy(d, f"{arn.rsplit('/', 1)[-1]}-{n}") for n, d in enumerate(docs)])
        for arn, (docs, _) in roles.items()
    ]
    policies = [compile_policy(d, f"p{n}") for n, d in enumerate(moved(case.policies, partition))]
    boundary = compile_policy(moved(case.boundary, partition), "boundary") if case.boundary else None
    holders.append(Holder("tester", moved(TESTER, partition), policies, boundary))
    managed = {
        arn: compile_policy(d, arn.rsplit("/", 1)[-1]) for arn, d in moved(case.managed, partition).items()
    }
    trusts = {arn: trust for arn, (_, trust) in roles.items()}
    evaluator = AccountEvaluator(ACCOUNT, trusts, managed, partition)
    return evaluator.evaluate(holders)["tester"].principal


def flagged(case: Case, verdict) -> bool:
    """Predicted positive: admin, or escalation with (for a positive) the case's method named in the reasons."""
    if verdict.privilege not in (ADMIN, ESCALATION):
        return False
    if verdict.privilege == ADMIN:
        return True  # an admin can use every method
    pattern = re.compile(rf"escalation {re.escape(case.method)}\b")
    return not case.label or any(pattern.match(r) for r in verdict.reasons)


def score(results: list[tuple[Case, bool]]) -> dict[str, float]:
    tp = sum(1 for c, f in results if c.label and f)
    fp = sum(1 for c, f in results if not c.label and f)
    fn = sum(1 for c, f in results if c.label and not f)
    tn = sum(1 for c, f in results if not c.label and not f)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": precision, "recall": recall}


def table(results: list[tuple[Case, bool]]) -> str:
    """Per method: positives found / positives, traps flagged / traps."""
    rows = ["method                          found/pos  flagged/traps"]
    for m in METHODS:
        mine = [(c, f) for c, f in results if c.method == m.id]
        pos = [f for c, f in mine if c.label]
        neg = [f for c, f in mine if not c.label]
        rows.append(f"{m.id:<32}{sum(pos):>5}/{len(pos):<5}{sum(neg):>7}/{len(neg)}")
    s = score(results)
    rows.append(
        f"total: TP {s['tp']} FP {s['fp']} FN {s['fn']} TN {s['tn']}  "
        f"precision {s['precision']:.3f} recall {s['recall']:.3f}"
    )
    return "\n".join(rows)
