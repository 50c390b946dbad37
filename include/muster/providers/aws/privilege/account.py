"""Privilege verdicts for every principal of one account, with role chains resolved to a fixpoint.

Whether a principal can escalate may depend on which roles are privileged (passing or assuming them), and
whether a role is privileged may depend on other roles (a role that can assume an admin role can escalate).
Roles are therefore evaluated repeatedly, starting from "no role is privileged", until the set of privileged
roles stops growing (verdicts only grow, so this ends after at most one round per role); then every principal
is judged once against the final set.

Cost: one ``PolicySet`` per distinct (policies, boundary) and one judgement per distinct (policy set,
principal-specific facts), so 100,000 users sharing twenty policy combinations cost twenty judgements.
Principals with facts of their own (privileged roles, principals a trust policy names) are judged one by one;
``roles.PrivilegedRoles`` keeps each of those judgements independent of the number of privileged roles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .arns import PARTITION
from .conditions import KnownPolicies
from .evaluate import PRIVILEGED, Holder, Result, judge
from .policyset import Context, PolicySet
from .roles import PrivilegedRoles
from .statements import Policy
from .trust import Trust, parse_trust


@dataclass
class Group:
    """Principals that hold the same policies and boundary: ``members`` are (principal id, ARN)."""

    policies: tuple[Policy, ...]
    boundary: Policy | None
    members: list[tuple[str, str | None]]


@dataclass
class Batch:
    """Principals that hold the same policies and boundary, given by their ARNs (a Group without ids)."""

    policies: tuple[Policy, ...]
    boundary: Policy | None
    arns: list[str | None]
    #: Indexes of the members that are roles (ARN with ":role/"), when the caller knows them already.
    roles: list[int] | None = None


@dataclass
class BatchResult:
    """The Result of each member of a Batch: ``own[i]`` where member ``i`` has its own, else ``common``."""

    common: Result | None
    own: dict[int, Result]

    def of(self, i: int) -> Result:
        return self.own.get(i, self.common)


class AccountEvaluator:
    """Judge the principals of one account; ``trusts`` maps role ARN -> trust policy (document or parsed).

    ``policies`` maps the ARN of each managed policy of the account (as collected) to its compiled document:
    an Allow whose Condition names a permissions boundary or the policies it may attach is judged by them.
    ``partition`` is the account's (``aws``, ``aws-us-gov``, ``aws-cn``, ...; see ``arns``); trusts given as
    parsed ``Trust`` objects must have been parsed in the same partition.
    """

    def __init__(
        self,
        account_id: str,
        trusts: dict[str, object] | None = None,
        policies: Mapping[str, Policy] | None = None,
        partition: str = PARTITION,
    ) -> None:
        self.account_id = account_id
        self.partition = partition
        self.known = KnownPolicies(account_id, policies or {}, partition)
        self.trusts: dict[str, Trust] = {
            arn: doc if isinstance(doc, Trust) else parse_trust(doc, account_id, partition)
            for arn, doc in (trusts or {}).items()
        }
        self._sets: dict[tuple, PolicySet] = {}
        self._keys: dict[tuple, tuple] = {}
        self._judged: dict[tuple, Result] = {}
        self._special = {a for t in self.trusts.values() for a in t.arns | t.denied}
        self._indexes: dict[tuple[str, ...], PrivilegedRoles] = {}

    def evaluate(self, holders: list[Holder]) -> dict[str, Result]:
        """principal id -> Result (grant verdicts by policy uid, and the principal's own verdict)."""
        groups = [Group(tuple(h.policies), h.boundary, [(h.id, h.arn)]) for h in holders]
        return {
            pid: r
            for g, results in zip(groups, self.evaluate_groups(groups), strict=True)
            for (pid, _), r in zip(g.members, results, strict=True)
        }

    def evaluate_groups(self, groups: list[Group]) -> list[list[Result]]:
        """One Result per member of each group, in order; members that share facts share one Result object."""
        keys = [self._policy_set(g.policies, g.boundary) for g in groups]
        roles = [
            (arn, key)
            for g, key in zip(groups, keys, strict=True)
            for _, arn in g.members
            if arn and ":role/" in arn
        ]
        privileged = self._index(())
        for _ in range(len(roles) + 1):
            judged = (self._judge(arn, key, privileged) for arn, key in roles)
            found = tuple(
                sorted(
                    arn
                    for (arn, _), r in zip(roles, judged, strict=True)
                    if r.principal.privilege in PRIVILEGED
                )
            )
            if found == privileged.roles:
                break
            privileged = self._index(found)
        out = []
        for g, key in zip(groups, keys, strict=True):
            common = None
            results = []
            for _, arn in g.members:
                if self._own(arn, privileged) or self._sets[key].needs_self:
                    results.append(self._judge(arn, key, privileged))
                    continue
                if common is None:
                    common = self._judge(arn, key, privileged)
                results.append(common)
            out.append(results)
        return out

    def evaluate_batches(self, batches: list[Batch]) -> list[BatchResult]:
        """``evaluate_groups`` for batches: the same fixpoint, judgements and sharing of Results.

        Members whose facts are the common ones (the usual case: not a privileged role, not named by a trust
        policy, a policy set that does not refer to its holder) share one Result, found without building a
        list with one entry per member; for large accounts that is most of the cost of a judgement.
        """
        keys = [self._policy_set(b.policies, b.boundary) for b in batches]
        roles = [
            b.roles if b.roles is not None else [i for i, arn in enumerate(b.arns) if arn and ":role/" in arn]
            for b in batches
        ]
        privileged = self._index(())
        for _ in range(sum(map(len, roles)) + 1):
            found: list[str] = []
            for b, key, at in zip(batches, keys, roles, strict=True):
                found += self._privileged_roles(b, key, at, privileged)
            if tuple(sorted(found)) == privileged.roles:
                break
            privileged = self._index(tuple(sorted(found)))
        candidates = set(privileged.roles) | self._special
        return [
            self._batch_result(b, key, privileged, candidates) for b, key in zip(batches, keys, strict=True)
        ]

    def _privileged_roles(
        self, b: Batch, key: tuple, at: list[int], privileged: PrivilegedRoles
    ) -> list[str]:
        """ARNs of the batch's roles that are admin or escalation, given the roles privileged so far."""
        ps, common, out = self._sets[key], None, []
        for i in at:
            arn = b.arns[i]
            if self._own(arn, privileged) or ps.needs_self:
                result = self._judge(arn, key, privileged)
            else:
                if common is None:
                    common = self._judge(arn, key, privileged)
                result = common
            if result.principal.privilege in PRIVILEGED:
                out.append(arn)
        return out

    def _batch_result(
        self, b: Batch, key: tuple, privileged: PrivilegedRoles, candidates: set
    ) -> BatchResult:
        special = candidates.intersection(b.arns) if candidates else candidates
        if self._sets[key].needs_self:
            own = range(len(b.arns))
        else:
            own = [i for i, arn in enumerate(b.arns) if arn in special] if special else []
        result = BatchResult(None, {i: self._judge(b.arns[i], key, privileged) for i in own})
        if len(result.own) < len(b.arns):
            arn = next(a for i, a in enumerate(b.arns) if i not in result.own)
            result.common = self._judge(arn, key, privileged)
        return result

    def _policy_set(self, policies: tuple, boundary) -> tuple:
        """The cache key of (deduplicated policies, boundary); policies hash by identity."""
        raw = (policies, boundary)
        found = self._keys.get(raw)
        if found is None:
            uids = tuple(dict.fromkeys(p.uid for p in policies))
            found = self._keys[raw] = (uids, boundary.uid if boundary is not None else 0)
            if found not in self._sets:
                by_uid = {p.uid: p for p in policies}
                self._sets[found] = PolicySet(tuple(by_uid[u] for u in uids), boundary)
        return found

    def _index(self, privileged: tuple[str, ...]) -> PrivilegedRoles:
        found = self._indexes.get(privileged)
        if found is None:
            found = self._indexes[privileged] = PrivilegedRoles(privileged, self.trusts)
        return found

    def _own(self, arn: str | None, privileged: PrivilegedRoles) -> bool:
        """Whether ``arn`` has facts of its own: it is a privileged role or a trust policy names it."""
        return arn in self._special or privileged.named(arn)

    def _judge(self, arn: str | None, key: tuple, privileged: PrivilegedRoles) -> Result:
        """The Result of policy set ``key`` held by ``arn``; shared by every principal without own facts."""
        ps = self._sets[key]
        facts = arn if self._own(arn, privileged) else None
        if ps.needs_self:
            facts = (arn, facts)
        jkey = (key, privileged.serial, facts)
        found = self._judged.get(jkey)
        if found is None:
            ctx = Context(self.account_id, arn, privileged, self.known, self.partition)
            found = self._judged[jkey] = judge(ps, ctx)
        return found
