"""IAM policy documents compiled for evaluation: statements with action masks and resource matchers.

A document that cannot be interpreted (no Statement, a statement that is not an object, no Action list of
strings, an Effect other than Allow or Deny) compiles to a ``Policy`` with ``error`` set and no statements: its
grants are ``unknown`` and it neither allows nor denies anything in the evaluation.

Policy variables in Resource (``${aws:username}`` and friends) are resolved conservatively: ``aws:username``
means the holder itself; any other variable could be anything in an Allow (a wildcard) and nothing in a Deny
(so an uncertain Deny never cancels).
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from functools import cache

from .actions import index

#: Resource-name characters IAM never allows in names: markers that only a wildcard can match.
SELF = "\u2204"  # the holder's own name, from ${aws:username}
OTHER = "\u2203"  # some other user or role, e.g. one created later
_NOTHING = "\u2205"  # an unresolvable variable in a Deny: matches no real ARN
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
#: (action, condition key, value): an Allow of the action whose Condition pins the key to the value (with
#: StringEquals) only reads. s3express:CreateSession is rated Write, but a session of mode ReadOnly can
#: only read (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateSession.html); AWS's ReadOnlyAccess
#: and AmazonS3ExpressReadOnlyAccess allow it that way.
READ_ONLY_WHEN = (("s3express:CreateSession", "s3express:SessionMode", "ReadOnly"),)
_uids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Resources:
    """A statement's Resource (or NotResource) patterns, matchable against ARNs."""

    patterns: tuple[str, ...]
    negated: bool
    regexes: tuple[re.Pattern, ...]

    @property
    def star(self) -> bool:
        """True when the statement applies to every resource (Resource ``*``)."""
        return not self.negated and "*" in self.patterns

    def matches(self, arn: str) -> bool:
        hit = any(r.fullmatch(arn) for r in self.regexes)
        return hit != self.negated

    def literals(self) -> tuple[str, ...]:
        """Patterns without wildcards or variables (exact ARNs), for a Resource (not NotResource)."""
        if self.negated:
            return ()
        return tuple(p for p in self.patterns if not any(c in p for c in "*?$"))

    def covers(self, other: Resources) -> bool:
        """Whether these (Deny) resources include every resource ``other`` (an Allow) names."""
        if self.star:
            return True
        if self.negated:
            lits = other.literals()
            return bool(lits) and len(lits) == len(other.patterns) and all(self.matches(p) for p in lits)
        if other.negated:
            return False
        return all(any(r.fullmatch(p) for r in self.regexes) for p in other.patterns)

    def text(self) -> str:
        keyword = "NotResource" if self.negated else "Resource"
        return f"{keyword} {', '.join(self.patterns)}"


@dataclass(frozen=True, slots=True)
class Statement:
    """One compiled statement: which actions (a mask), on which resources, under which condition."""

    policy: str
    index: int
    sid: str | None
    allow: bool
    mask: int
    written: tuple[str, ...]
    not_action: bool
    resources: Resources
    condition: str | None
    #: Actions of ``mask`` that this statement's Condition makes read-only (``READ_ONLY_WHEN``).
    reads: int = 0

    @property
    def where(self) -> str:
        sid = f" ({self.sid})" if self.sid else ""
        return f"policy {self.policy} statement {self.index}{sid}"

    @property
    def keyword(self) -> str:
        return "NotAction" if self.not_action else "Action"


@dataclass(frozen=True, slots=True, eq=False)
class Policy:
    """A compiled policy document as one name shows it; ``uid`` identifies it (equality is identity)."""

    uid: int
    name: str
    statements: tuple[Statement, ...]
    error: str | None = None


def compile_policy(document: object, name: str) -> Policy:
    """Compile a decoded policy document; never raises (an uninterpretable one has ``error`` set)."""
    try:
        statements = tuple(_statements(document, name))
    except ValueError as e:
        return Policy(next(_uids), name, (), str(e))
    return Policy(next(_uids), name, statements)


def unknown_policy(name: str, why: str) -> Policy:
    """A policy whose document was not collected or not readable."""
    return Policy(next(_uids), name, (), why)


def _statements(document: object, name: str):
    if not isinstance(document, dict) or "Statement" not in document:
        raise ValueError(f"policy {name}: document has no Statement")
    items = document["Statement"]
    items = [items] if isinstance(items, dict) else items
    if not isinstance(items, list):
        raise ValueError(f"policy {name}: Statement is neither an object nor a list")
    for i, stmt in enumerate(items):
        yield _statement(stmt, name, i)


def _statement(stmt: object, name: str, i: int) -> Statement:
    where = f"policy {name} statement {i}"
    if not isinstance(stmt, dict):
        raise ValueError(f"{where} is not an object")
    effect = stmt.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise ValueError(f"{where} has Effect {effect!r}, not Allow or Deny")
    not_action = "NotAction" in stmt
    written = _strings(stmt.get("NotAction") if not_action else stmt.get("Action"))
    if not written:
        raise ValueError(f"{where} has no Action or NotAction list of strings")
    allow = effect == "Allow"
    idx = index()
    mask = 0
    for pattern in written:
        mask |= idx.mask(pattern)
    if not_action:
        mask = idx.all & ~mask
    condition = stmt.get("Condition")
    sid = stmt.get("Sid")
    return Statement(
        policy=name,
        index=i,
        sid=sid if isinstance(sid, str) and sid else None,
        allow=allow,
        mask=mask,
        written=tuple(written),
        not_action=not_action,
        resources=_resources(stmt, allow),
        condition=json.dumps(condition, sort_keys=True, separators=(",", ":")) if condition else None,
        reads=_read_only(condition) & mask if allow and isinstance(condition, dict) else 0,
    )


def _read_only(condition: dict) -> int:
    """The actions that ``condition`` restricts to reading (``READ_ONLY_WHEN``)."""
    pinned = condition.get("StringEquals")
    if not isinstance(pinned, dict):
        return 0
    keys = {k.lower(): v for k, v in pinned.items() if isinstance(k, str)}
    out = 0
    for action, key, value in READ_ONLY_WHEN:
        found = keys.get(key.lower())
        if found == value or found == [value]:
            out |= index().mask(action)
    return out


def _strings(value: object) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    return None


def _resources(stmt: dict, allow: bool) -> Resources:
    """Resource / NotResource; a statement with neither applies to everything (as IAM treats it: ``*``)."""
    negated = "NotResource" in stmt and "Resource" not in stmt
    patterns = _strings(stmt.get("NotResource") if negated else stmt.get("Resource")) or ["*"]
    return Resources(tuple(patterns), negated, tuple(_arn_regex(p, allow) for p in patterns))


@cache
def _arn_regex(pattern: str, allow: bool) -> re.Pattern:
    """An ARN pattern as a regex: ``*`` and ``?`` wildcards (case-sensitive, as IAM), variables resolved."""
    out, pos = [], 0
    for m in _VARIABLE.finditer(pattern):
        out.append(_glob_part(pattern[pos : m.start()]))
        variable = m.group(1).lower()
        if variable == "aws:username":
            out.append(re.escape(SELF))
        else:
            out.append(".*" if allow else re.escape(_NOTHING))
        pos = m.end()
    out.append(_glob_part(pattern[pos:]))
    return re.compile("".join(out), re.S)


def _glob_part(text: str) -> str:
    return re.escape(text).replace(r"\*", ".*").replace(r"\?", ".")
