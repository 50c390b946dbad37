"""The policies of one or more principals compiled together, and what keeps one of their Allows from counting.

``evaluate`` judges a principal against a ``PolicySet``; building one is the expensive part (statements sorted
into Allows, hard and soft Denies, boundary Allows; the union of allowed actions), so ``account`` caches it per
distinct (policies, boundary) and shares it among every principal that holds the same set. What depends on the
principal itself travels separately, in a ``Context``. The Deny and boundary rules applied here are those of
``evaluate``'s docstring (IAM's evaluation logic, read conservatively).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .actions import index
from .arns import PARTITION
from .catalogue import METHODS
from .conditions import KnownPolicies
from .roles import ASSUME, PrivilegedRoles
from .statements import Policy, Resources, Statement
from .verdicts import base_verdicts


@dataclass
class Context:
    """What the principal-dependent part of an evaluation needs.

    ``roles``: the account's roles that are admin or escalation so far, indexed (the holder itself is never
    its own target, and ``roles.admits`` says how each trust policy admits the holder). ``known``: the account's
    managed policies, for the Conditions that name one (``conditions``); None when judging such a policy alone.
    ``partition``: the account's (``arns``), in which "another user" or "any role" of the account is named.
    """

    account_id: str
    self_arn: str | None
    roles: PrivilegedRoles
    known: KnownPolicies | None = None
    partition: str = PARTITION


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
        users = actions_mask(_OTHER_USER_ACTIONS)
        self.needs_self = any(s.mask & users and s.resources.literals() for s in self.allows)
        self.assumes = bool(self.union & (1 << idx.bit(ASSUME)))
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


def actions_mask(actions) -> int:
    """The bit mask of some action names (also the pre-filters of ``escalation`` and ``evaluate``)."""
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
