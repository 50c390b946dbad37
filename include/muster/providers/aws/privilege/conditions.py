"""Allow Conditions that make a catalogued IAM method unexploitable: the two shapes this module understands.

Every other Condition is assumed to hold (``evaluate``). These two are the documented safe ways to delegate
IAM, and only they may lift an escalation:

* ``iam:PermissionsBoundary`` on ``iam:Put{Role,User}Policy`` / ``iam:Attach{Role,User}Policy``: the Allow
  only acts on identities whose permissions boundary is the named policy, so what the holder grants them
  stays inside that boundary (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html,
  "delegating responsibility to others"). It holds only while the holder cannot remove or replace the boundary
  (``iam:Delete*PermissionsBoundary``, ``iam:Put*PermissionsBoundary`` not limited the same way) nor edit the
  boundary policy (``iam:CreatePolicyVersion`` / ``iam:SetDefaultPolicyVersion`` on it);
* ``iam:PolicyARN`` on ``iam:Attach{Role,User,Group}Policy``: only the listed managed policies can be attached.

Either way the verdict is lifted only when every policy the Condition names is known not to grant admin or
escalation: its document is in the account's policies (judged alone, and not allowing an action that reaches
roles, which a lone judgement cannot see), the ARN is a literal (a wildcard may match a policy not collected
or created later), and it is not one of AWS's managed admin policies (``PRIVILEGED_AWS``). Operators:
``StringEquals``, ``StringLike``, ``ArnEquals``, ``ArnLike``; ``ForAllValues:`` / ``ForAnyValue:`` prefixes
and ``...IfExists`` suffixes are not understood (``IfExists`` holds when the key is absent, e.g. for an
identity without a boundary). Several blocks of a Condition must all hold, so one that limits is enough.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache

from .actions import index
from .arns import PARTITION
from .statements import Policy, Statement

BOUNDARY, POLICY_ARN = "iam:PermissionsBoundary", "iam:PolicyARN"
_OPERATORS = frozenset({"StringEquals", "StringLike", "ArnEquals", "ArnLike"})
#: action -> the kind of identity it acts on, for the iam:PermissionsBoundary shape.
_BOUNDED = {
    "iam:PutRolePolicy": "Role",
    "iam:AttachRolePolicy": "Role",
    "iam:PutUserPolicy": "User",
    "iam:AttachUserPolicy": "User",
}
_ATTACH = frozenset({"iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:AttachGroupPolicy"})
LIMITED = frozenset(_BOUNDED) | _ATTACH
#: AWS managed policies that grant admin or escalation (IAMFullAccess: iam:*; PowerUserAccess: every
#: service but IAM, hence e.g. lambda:UpdateFunctionCode), whatever was collected.
PRIVILEGED_AWS = re.compile(
    r"arn:aws[a-z-]*:iam::aws:policy/(?:.*/)?(AdministratorAccess|IAMFullAccess|PowerUserAccess)"
)
#: Actions whose use depends on the account's roles, which a policy judged alone does not see.
_ROLE_ACTIONS = ("iam:PassRole", "iam:UpdateAssumeRolePolicy", "sts:AssumeRole")


class KnownPolicies:
    """The account's managed policies by ARN, and whether each may grant admin or escalation (cached)."""

    def __init__(self, account_id: str, policies: Mapping[str, Policy], partition: str = PARTITION) -> None:
        self.account_id = account_id
        self.policies = policies
        #: The account's partition: a policy judged alone must see the account's users and roles as they are.
        self.partition = partition
        self._found: dict[str, tuple[bool, str]] = {}

    def verdict(self, arn: str) -> tuple[bool, str]:
        """(safe, what it grants): safe only for a known document that grants neither admin nor escalation."""
        found = self._found.get(arn)
        if found is None:
            found = self._found[arn] = self._verdict(arn)
        return found

    def _verdict(self, arn: str) -> tuple[bool, str]:
        if any(c in arn for c in "*?$"):
            return False, f"{arn} is a pattern and may match a policy that grants admin or escalation"
        if m := PRIVILEGED_AWS.fullmatch(arn):
            return False, f"{arn} is AWS managed {m.group(1)}, which grants admin or escalation"
        policy = self.policies.get(arn)
        if policy is None or policy.error is not None:
            return False, f"document of {arn} not known, assumed to grant escalation"
        from .evaluate import judge  # evaluate (through escalation and policyset) imports this module
        from .policyset import Context, PolicySet
        from .roles import PrivilegedRoles

        ctx = Context(self.account_id, None, PrivilegedRoles((), {}), partition=self.partition)
        alone = judge(PolicySet((policy,), None), ctx)
        privilege = alone.principal.privilege
        if privilege in ("admin", "escalation", "unknown"):
            return False, f"{arn} grants {privilege}"
        roles = [
            a for a in _ROLE_ACTIONS if any(s.mask & index().mask(a) for s in policy.statements if s.allow)
        ]
        if roles:
            return False, f"{arn} allows {', '.join(roles)}, which may reach privileged roles"
        return True, privilege


def limit(ps, s: Statement, action: str, known: KnownPolicies | None) -> tuple[str | None, str | None]:
    """(why the Allow ``s`` of ``action`` cannot escalate, None), or (None, why its Condition does not limit).

    (None, None) when the Condition has no understood shape for ``action``.
    """
    notes = []
    shapes = [(POLICY_ARN, v) for v in _values(s.condition, POLICY_ARN)] if action in _ATTACH else []
    if action in _BOUNDED:
        shapes = [(BOUNDARY, v) for v in _values(s.condition, BOUNDARY)] + shapes
    for key, values in shapes:
        shown = f"Condition {key}={', '.join(values)}"
        if known is None:
            notes.append(f"{shown} does not limit it: the account's policies are not known")
            continue
        unsafe = [text for safe, text in map(known.verdict, values) if not safe]
        if not unsafe and key == BOUNDARY:
            unsafe = _escapes(ps, _BOUNDED[action], values, known)
        if unsafe:
            notes.append(f"{shown} does not limit it: {'; '.join(unsafe)}")
            continue
        grants = ", ".join(dict.fromkeys(known.verdict(v)[1] for v in values))
        if key == BOUNDARY:
            what = (
                f"limits the {_BOUNDED[action].lower()}s it acts on to that boundary, which grants {grants}"
            )
        else:
            what = f"limits it to attaching those policies, which grant {grants}"
        return f"on {s.resources.text()}: {shown} {what}", None
    for key in (BOUNDARY, POLICY_ARN) if action in _BOUNDED else (POLICY_ARN,):
        for operator in _unread(s.condition, key):
            notes.append(f"Condition {operator} on {key} is not understood: not counted as a limit")
    return None, "; ".join(notes) or None


def _escapes(ps, kind: str, boundaries: tuple[str, ...], known: KnownPolicies) -> list[str]:
    """How the holder could leave the boundary: remove or replace it, or edit the boundary policy."""
    idx, out = index(), []
    for action in (f"iam:Delete{kind}PermissionsBoundary", f"iam:Put{kind}PermissionsBoundary"):
        bit = 1 << idx.bit(action)
        for a in ps.allows:
            if not a.mask & bit or ps.blocked_any(a, bit) is not None:
                continue
            pinned = _values(a.condition, BOUNDARY)
            if "Put" in action and any(all(known.verdict(v)[0] for v in vs) for vs in pinned):
                continue  # it can only set a boundary that is itself safe
            out.append(f"{action} by {a.where} can {'replace' if 'Put' in action else 'remove'} the boundary")
            break
    for action in ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"):
        bit = 1 << idx.bit(action)
        for arn in boundaries:
            if (
                any(a.mask & bit and a.resources.matches(arn) for a in ps.allows)
                and ps.blocked_at(bit, arn) is None
            ):
                out.append(f"{action} can edit boundary policy {arn}")
    return out


@cache
def _values(condition: str | None, key: str) -> tuple[tuple[str, ...], ...]:
    """The values of ``key`` under each understood operator of ``condition`` (blocks that all must hold)."""
    if not condition:
        return ()
    out = []
    for operator, pairs in json.loads(condition).items():
        if operator not in _OPERATORS or not isinstance(pairs, dict):
            continue
        for name, value in pairs.items():
            if name.lower() != key.lower():
                continue
            values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
            if values and all(isinstance(v, str) for v in values):
                out.append(tuple(values))
    return tuple(out)


@cache
def _unread(condition: str | None, key: str) -> tuple[str, ...]:
    """Operators of ``condition`` on ``key`` that this module does not understand (IfExists, ForAllValues...)."""
    if not condition:
        return ()
    return tuple(
        op
        for op, pairs in json.loads(condition).items()
        if op not in _OPERATORS and isinstance(pairs, dict) and any(k.lower() == key.lower() for k in pairs)
    )
