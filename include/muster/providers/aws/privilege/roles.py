"""The privileged roles of an account at one step of the fixpoint, indexed for the questions a judgement asks.

Real accounts hold hundreds of admin roles (SSO permission sets, OrganizationAccountAccessRole, CI roles), and
a judgement asks, per statement and action of a catalogued method, "which privileged roles does this Resource
reach, and which of them admit the holder". Asking every role every time makes an account's evaluation
quadratic in its privileged roles, so the answers that do not depend on the holder are computed once per
distinct Resource (``matching``), the roles that admit any principal are listed once (``shared``), and the
roles whose trust policy names a principal are indexed by that principal's ARN. The roles a judgement names
are then produced lazily, in sorted order, so a judgement stops at the first usable one.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .arns import iam_arn
from .statements import OTHER, Resources
from .trust import Trust

if TYPE_CHECKING:
    from .policyset import Context

ASSUME = "sts:AssumeRole"
ADMITS = {"account": "the account", "named": "this principal by ARN", "anyone": "anyone"}
_serials = itertools.count(1)


class PrivilegedRoles:
    """``roles``: the sorted ARNs of the account's admin or escalation roles; ``trusts``: every trust policy."""

    def __init__(self, roles: tuple[str, ...], trusts: dict[str, Trust]) -> None:
        self.roles = roles
        #: Identifies this set of roles in judgement cache keys (a key that holds the tuple would cost O(roles)).
        self.serial = next(_serials)
        self._trusts = trusts
        self._set = frozenset(roles)
        #: Roles that admit a principal no trust policy names (the account or anyone), and how, in order.
        self.shared = {r: how for r in roles if (t := trusts.get(r)) and (how := t.admits(None)) is not None}
        self._anyone = tuple(r for r, how in self.shared.items() if how == "anyone")
        self._anyone_set = frozenset(self._anyone)
        #: Principal ARN -> the privileged roles whose trust policy names it (Allow or Deny), in order.
        self._named: dict[str, list[str]] = {}
        for r in roles:
            t = trusts.get(r)
            for arn in sorted(t.arns | t.denied) if t else ():
                self._named.setdefault(arn, []).append(r)
        self._matching: dict[Resources, tuple[str, ...]] = {}
        self._shared_matching: dict[Resources, tuple[str, ...]] = {}
        self._lines: dict[tuple[str, str], str] = {}
        self._common: list[tuple[str, str]] | None = None

    def named(self, arn: str | None) -> bool:
        """Whether ``arn`` is privileged or named by a privileged role's trust (it may be admitted differently)."""
        return arn in self._set or arn in self._named

    def admits(self, role: str, arn: str | None) -> str | None:
        """How the trust policy of privileged ``role`` admits ``arn`` (never the role itself)."""
        if role == arn:
            return None
        trust = self._trusts.get(role)
        return trust.admits(arn) if trust else None

    def matching(self, resources: Resources) -> tuple[str, ...]:
        """The privileged roles an Allow's Resource matches, in order (once per distinct Resource)."""
        found = self._matching.get(resources)
        if found is None:
            if resources.star:
                found = self.roles
            elif not resources.negated and len(resources.literals()) == len(resources.patterns):
                found = tuple(sorted(set(resources.patterns) & self._set))
            else:
                found = tuple(r for r in self.roles if resources.matches(r))
            self._matching[resources] = found
        return found

    def assumable(self, resources: Resources, arn: str | None) -> Iterator[str]:
        """Candidates for sts:AssumeRole by ``arn`` among the roles ``resources`` matches, in order.

        A superset of the roles that admit ``arn`` (``admits`` decides): the shared ones, plus those whose
        trust names ``arn``; roles that admit only principals named elsewhere are never produced.
        """
        shared = self._shared_matching.get(resources)
        if shared is None:
            shared = self._shared_matching[resources] = tuple(
                r for r in self.matching(resources) if r in self.shared
            )
        named = self._named.get(arn)
        if not named:
            return iter(shared)
        mine = [r for r in named if resources.matches(r)]
        return (r for r, _ in itertools.groupby(heapq.merge(shared, mine)))

    def open_to(self, arn: str | None) -> list[tuple[str, str]]:
        """(role, reason) for each privileged role that admits ``arn`` without identity permission, in order.

        The reason strings are made once per (role, how) and shared by every principal they concern.
        """
        named = self._named.get(arn)
        if not named:
            if self._common is None:
                self._common = [(r, self._line(r, "anyone")) for r in self._anyone]
            return [p for p in self._common if p[0] != arn] if arn in self._anyone_set else self._common
        out = []
        for r in sorted(self._anyone_set.union(named)):
            how = self.admits(r, arn)
            if how in ("named", "anyone"):
                out.append((r, self._line(r, how)))
        return out

    def _line(self, role: str, how: str) -> str:
        found = self._lines.get((role, how))
        if found is None:
            found = self._lines[role, how] = (
                f"escalation sts-assume-privileged-role: trust policy of privileged role {role} admits "
                f"{ADMITS[how]}; no identity permission is needed in the same account"
            )
        return found


class RoleTargets:
    """The roles a ``privileged_role`` requirement may use through one statement, in order, produced lazily.

    First the probe for "any role, including ones created later" (not for sts:AssumeRole: a role created later
    trusts nobody yet), then each privileged role the Resource matches, except the holder itself, and for
    sts:AssumeRole only those whose trust admits the holder.
    """

    def __init__(self, resources: Resources, action: str, ctx: Context) -> None:
        """``ctx``: the holder's (its ARN, the account's privileged roles, the account and its partition)."""
        self.assume = action == ASSUME
        self.self_arn = ctx.self_arn
        self.index: PrivilegedRoles = ctx.roles
        self.resources = resources
        probe = iam_arn(ctx.partition, ctx.account_id, f"role/{OTHER}")
        self.probe = probe if not self.assume and resources.matches(probe) else None

    def _candidates(self) -> Iterator[str]:
        if self.assume:
            return self.index.assumable(self.resources, self.self_arn)
        return iter(self.index.matching(self.resources))

    def _label(self, role: str) -> str | None:
        if role == self.self_arn:
            return None
        if not self.assume:
            return f"privileged role {role}"
        how = self.index.admits(role, self.self_arn)
        return None if how is None else f"privileged role {role}, whose trust policy admits {ADMITS[how]}"

    def __iter__(self) -> Iterator[tuple[str, str]]:
        """(ARN to check Denies against, label)."""
        if self.probe is not None:
            yield self.probe, "any role, including ones created later"
        for role in self._candidates():
            label = self._label(role)
            if label is not None:
                yield role, label

    def last(self) -> str | None:
        """The ARN of the last target (what the reasons name when a Deny or the boundary blocks them all)."""
        for role in reversed(list(self._candidates())):
            if self._label(role) is not None:
                return role
        return self.probe
