"""Escalation: which catalogued methods (``catalogue.METHODS``) a policy set lets one principal complete.

A method counts when each of its requirements is met by some Allow that no Deny, boundary, Condition
(``conditions``, ``iam:PassedToService``) or Resource scoping rules out; the targets a requirement names
(another user, a privileged role) depend on the principal, hence the ``Context``. Methods that some Allow
names but that fail come back too, as near misses, so that ``evaluate.judge`` can say why they were not
flagged. Kept apart from ``evaluate``: this is the per-statement search, ``judge`` only turns its hits
into verdicts.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache

from .actions import index
from .arns import iam_arn
from .catalogue import METHODS, Method, Requirement
from .conditions import LIMITED, limit
from .policyset import Context, PolicySet, actions_mask
from .roles import ASSUME, RoleTargets
from .statements import OTHER, Statement


@dataclass
class _Hit:
    """One Allow that meets one requirement of a method, as the reasons quote it."""

    action: str
    stmt: Statement
    target: str
    notes: tuple[str, ...] = ()

    def text(self) -> str:
        cond = f" with Condition {self.stmt.condition} (assumed to hold)" if self.stmt.condition else ""
        notes = "".join(f"; {n}" for n in self.notes)
        return f"{self.action} by {self.stmt.where} on {self.target}{cond}{notes}"


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
        found = _METHOD_MASKS[method.id] = actions_mask(a for r in method.requires for a in r.actions)
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
        targets = RoleTargets(s.resources, action, ctx)
        last = None
    found = iter(targets)
    first = next(found, None)
    if first is None and action == ASSUME and s.resources.star:
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
    probe = iam_arn(ctx.partition, ctx.account_id, f"user/{OTHER}")
    out = [(probe, "any other user")] if s.resources.matches(probe) else []
    return out + [(a, "another user") for a in s.resources.literals() if ":user/" in a and a != ctx.self_arn]


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
