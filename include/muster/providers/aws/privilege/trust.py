"""Role trust policies: which principals of the same account a role admits (sts:AssumeRole).

Same-account rules (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
a trust policy that names the account (``123456789012`` or ``arn:<partition>:iam::123456789012:root`` in the
account's partition, see ``arns``) delegates to identity policies, so the holder also needs an Allow of
sts:AssumeRole on the role; one that names the holder's ARN, or ``*``, admits it on its own. Conditions in an
Allow are assumed to hold (reported); a Deny in the trust policy only excludes when it has no Condition.
NotPrincipal is read conservatively as admitting everyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .actions import index
from .arns import PARTITION, iam_arn

_ASSUME = "sts:AssumeRole"


@dataclass
class Trust:
    """Who a role's trust policy admits: anyone, the account (with identity permission), named ARNs."""

    anyone: bool = False
    account: bool = False
    arns: set[str] = field(default_factory=set)
    denied: set[str] = field(default_factory=set)
    conditions: list[str] = field(default_factory=list)

    def admits(self, arn: str | None) -> str | None:
        """How the holder ``arn`` is admitted: "anyone", "named", "account" (needs identity Allow) or None."""
        if arn is not None and arn in self.denied:
            return None
        if arn is not None and arn in self.arns:
            return "named"
        if self.anyone:
            return "anyone"
        return "account" if self.account else None


def parse_trust(document: object, account_id: str, partition: str = PARTITION) -> Trust:
    """The same-account reading of one trust policy (an unreadable one admits nobody).

    ``partition`` is the account's (``aws``, ``aws-us-gov``, ``aws-cn``, ...): its root ARN names the account.
    """
    trust = Trust()
    account = (account_id, iam_arn(partition, account_id, "root"))
    if not isinstance(document, dict):
        return trust
    items = document.get("Statement")
    items = [items] if isinstance(items, dict) else items if isinstance(items, list) else []
    for i, stmt in enumerate(items):
        if isinstance(stmt, dict) and _assume(stmt):
            _read(trust, stmt, i, account)
    return trust


def _assume(stmt: dict) -> bool:
    actions = stmt.get("Action")
    actions = [actions] if isinstance(actions, str) else actions if isinstance(actions, list) else []
    bit = 1 << index().bit(_ASSUME)
    return any(isinstance(a, str) and index().mask(a) & bit for a in actions)


def _read(trust: Trust, stmt: dict, i: int, account: tuple[str, str]) -> None:
    """Add one sts:AssumeRole statement; ``account`` is how a principal names the account (id, root ARN)."""
    allow = stmt.get("Effect") == "Allow"
    if "NotPrincipal" in stmt:
        trust.anyone = trust.anyone or allow
        return
    for who in _aws_principals(stmt.get("Principal")):
        if not allow:
            if "Condition" not in stmt:
                trust.denied.add(who)
            continue
        if who == "*":
            trust.anyone = True
        elif who in account:
            trust.account = True
        else:
            # Includes a root ARN with this account id in another partition: an account lives in one partition,
            # so that is a different account. It stays a named ARN, which no principal here has: it admits none.
            trust.arns.add(who)
    if allow and "Condition" in stmt:
        trust.conditions.append(f"trust policy statement {i} has a Condition, assumed to hold")


def _aws_principals(principal: object) -> list[str]:
    if principal == "*":
        return ["*"]
    if not isinstance(principal, dict):
        return []
    aws = principal.get("AWS")
    aws = [aws] if isinstance(aws, str) else aws if isinstance(aws, list) else []
    return [a for a in aws if isinstance(a, str)]
