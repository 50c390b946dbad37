"""``Classifier`` for many principals at once: the same rules, precedence and reason strings, column-wise.

Rules whose input has few distinct values (a tag's values, paths, scope-file keys) are decided once per
distinct value by the row classifier's own methods and spread with Arrow kernels. The name patterns are
searched with Arrow's RE2 only where it provably reads as Python's ``re`` (``name_patterns``), else with ``re``,
so that a scope file's pattern means the same thing on both paths.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .classify import _VERDICTS, ROLE_REASON, SERVICE_LINKED_PATH, Classifier
from .federation import SSO_NAME, SSO_PATH, SSO_WORDS, federated_by
from .gaad_columns import map_value
from .name_patterns import first_matches

_BOOL, _STR = pa.bool_(), pa.string()
_MFA_NOTES = {True: "MFA active", False: "no MFA", None: "MFA unknown"}
_UNKNOWN_CONSOLE = "console access unknown (no credential report row or login profile): treated as NHI"
_NO_CONSOLE = "no console password: programmatic access only"

#: A rule's outcome for one distinct input value: (verdict, reason), or None when the rule does not decide.
Outcome = tuple[object, str] | None


class _FirstMatch:
    """Two result columns filled rule by rule; the first rule that decides a row wins (as ``or`` chains)."""

    def __init__(self, size: int, kind: pa.DataType) -> None:
        self.value = pa.nulls(size, kind)
        self.reason = pa.nulls(size, _STR)
        self.open = np.ones(size, bool)

    def add(self, mask: np.ndarray, value: pa.Array | pa.Scalar, reason: pa.Array | pa.Scalar) -> None:
        take = mask & self.open
        if not take.any():
            return
        chosen = pa.array(take)
        self.value = pc.if_else(chosen, value, self.value)
        self.reason = pc.if_else(chosen, reason, self.reason)
        self.open &= ~take

    def add_distinct(self, values: pa.Array, rule: Callable[[object], Outcome], kind: pa.DataType) -> None:
        """Decide by ``rule`` once per distinct non-null value of ``values``."""
        mask, value, reason = per_distinct(values, rule, kind)
        self.add(mask, value, reason)


def per_distinct(
    values: pa.Array, rule: Callable[[object], Outcome], kind: pa.DataType
) -> tuple[np.ndarray, pa.Array, pa.Array]:
    """(decided mask, verdicts, reasons) of ``rule`` applied once per distinct non-null value."""
    encoded = values.dictionary_encode()
    outcomes = [rule(v) for v in encoded.dictionary.to_pylist()]
    at = encoded.indices
    decided = pa.array([o is not None for o in outcomes], _BOOL).take(at)
    verdicts = pa.array([o[0] if o else None for o in outcomes], kind).take(at)
    reasons = pa.array([o[1] if o else None for o in outcomes], _STR).take(at)
    return np.asarray(pc.fill_null(decided, False)), verdicts, reasons


def _by_key(keys: dict, name: pa.Array, pid: pa.Array) -> pa.Array:
    """Index into ``keys`` of each row's principal id, else its name (scope files name either)."""
    known = pa.array(list(keys), _STR)
    return pc.coalesce(pc.index_in(pid, value_set=known), pc.index_in(name, value_set=known))


class ColumnClassifier:
    """Applies one tenant's ``Classifier`` to columns of principals."""

    def __init__(self, classifier: Classifier) -> None:
        self.c = classifier
        #: The tags column last looked into, and the keys it uses.
        self._keys: tuple[pa.MapArray | None, set[str]] = (None, set())

    def _tag(self, tags: pa.MapArray, key: str) -> pa.Array:
        """Each row's value of tag ``key`` (null where it has none); keys are unique in a row's tags."""
        if self._keys[0] is not tags:
            self._keys = (tags, set(pc.unique(tags.keys).to_pylist()))
        if key not in self._keys[1]:  # the usual case for most configured keys: no lookup needed
            return pa.nulls(len(tags), _STR)
        return map_value(tags, key)

    def users(
        self, name: pa.Array, pid: pa.Array, path: pa.Array, tags: pa.Array, console: pa.Array, mfa: pa.Array
    ) -> tuple[pa.Array, pa.Array]:
        """(is_nhi, nhi_reason) of IAM users: ``Classifier.user`` row by row."""
        found = _FirstMatch(len(name), _BOOL)
        self._override(found, name, pid, tags)
        found.add_distinct(path, self.c._by_path, _BOOL)
        for key, values in self.c.service_tags.items():
            found.add_distinct(
                self._tag(tags, key), lambda v, k=key, vs=values: _service_tag(k, vs, v), _BOOL
            )
        self._patterns(found, name)
        self._console(found, console, mfa)
        return found.value, found.reason

    def roles(
        self,
        name: pa.Array,
        pid: pa.Array,
        path: pa.Array,
        tags: pa.Array,
        trusts: tuple[np.ndarray, list] | None = None,
    ) -> tuple[pa.Array, pa.Array]:
        """(is_nhi, nhi_reason) of IAM roles: ``Classifier.role`` row by row. ``trusts``: per row the index of
        its decoded trust policy in the list (-1: none), as ``batch_common.shared_codes`` gives them."""
        found = _FirstMatch(len(name), _BOOL)
        self._override(found, name, pid, tags)
        linked = np.asarray(pc.fill_null(pc.equal(path, SERVICE_LINKED_PATH), False))
        found.add(linked, pa.scalar(True), pa.scalar(f"service-linked role (path {SERVICE_LINKED_PATH})"))
        self._identity_center(found, name, path)
        if trusts is not None:
            self._trusts(found, *trusts)
        found.add(found.open.copy(), pa.scalar(True), pa.scalar(ROLE_REASON))
        return found.value, found.reason

    def _identity_center(self, found: _FirstMatch, name: pa.Array, path: pa.Array) -> None:
        """IAM Identity Center permission-set roles: human, the reason naming the permission set."""
        under = pc.fill_null(pc.starts_with(path, SSO_PATH), False)
        if not pc.any(under).as_py():  # the usual account: one kernel over the paths
            return
        named = pc.fill_null(pc.match_substring_regex(name, SSO_NAME), False)
        permission_set = pc.replace_substring_regex(name, SSO_NAME, r"\1")
        reason = pc.binary_join_element_wise(
            SSO_WORDS[0], permission_set, SSO_WORDS[1], path, SSO_WORDS[2], ""
        )
        found.add(np.asarray(pc.and_(under, named)), pa.scalar(False), reason)

    def _trusts(self, found: _FirstMatch, codes: np.ndarray, documents: list) -> None:
        """What each distinct trust policy says about federation (``federation.federated_by``), spread."""
        outcomes = [federated_by(doc) for doc in documents]
        if all(o is None for o in outcomes):
            return
        at = pa.array(np.where(codes >= 0, codes, len(outcomes)))  # the last entry: no trust policy
        decided = np.array([o is not None for o in outcomes] + [False])[at.to_numpy()]
        verdicts = pa.array([o[0] if o else None for o in outcomes] + [None], _BOOL).take(at)
        reasons = pa.array([o[1] if o else None for o in outcomes] + [None], _STR).take(at)
        found.add(decided, verdicts, reasons)

    def owners(self, name: pa.Array, pid: pa.Array, tags: pa.Array) -> tuple[pa.Array, pa.Array]:
        """(owner, owner_source): ``Classifier.owner`` row by row."""
        found = _FirstMatch(len(name), _STR)
        if self.c.owners:
            at = _by_key(self.c.owners, name, pid)
            owners = pa.array(list(self.c.owners.values()), _STR)
            found.add(np.asarray(pc.is_valid(at)), owners.take(at), pa.scalar("scope-file"))
        for key in self.c.owner_tag_keys:
            value = self._tag(tags, key)
            mask = np.asarray(pc.fill_null(pc.not_equal(value, ""), False))
            found.add(mask, value, pa.scalar(f"tag:{key}"))
        return found.value, found.reason

    def _override(self, found: _FirstMatch, name: pa.Array, pid: pa.Array, tags: pa.Array) -> None:
        """Scope-file overrides (by principal id, then name), then the override tag."""
        overrides = self.c.overrides
        if overrides:
            at = _by_key(overrides, name, pid)
            verdicts = pa.array([_VERDICTS[v] for v in overrides.values()], _BOOL)
            reasons = pa.array(
                [f"scope file identity_overrides[{k!r}] = {v}" for k, v in overrides.items()], _STR
            )
            found.add(np.asarray(pc.is_valid(at)), verdicts.take(at), reasons.take(at))
        tag = self.c.override_tag
        found.add_distinct(self._tag(tags, tag), lambda v: _override_tag(tag, v), _BOOL)

    def _patterns(self, found: _FirstMatch, name: pa.Array) -> None:
        """Service name patterns, for the rows no earlier rule decided (see ``name_patterns``)."""
        if self.c.any_pattern is None or not found.open.any():
            return
        rows = pa.array(np.flatnonzero(found.open))
        first = first_matches(self.c.patterns, self.c.any_pattern, name.take(rows)).to_numpy(
            zero_copy_only=False
        )
        for k, pattern in enumerate(self.c.patterns):
            mask = np.zeros(len(name), bool)
            mask[rows.to_numpy()[first == k]] = True
            found.add(
                mask, pa.scalar(True), pa.scalar(f"user name matches service pattern {pattern.pattern!r}")
            )

    def _console(self, found: _FirstMatch, console: pa.Array, mfa: pa.Array) -> None:
        """Console password: human (with the MFA state), none: NHI, unknown: NHI."""
        on = np.asarray(pc.fill_null(console, False))
        unknown = np.asarray(pc.is_null(console))
        notes = {k: pa.scalar(f"console password enabled ({v})") for k, v in _MFA_NOTES.items()}
        with_mfa = pc.if_else(pc.fill_null(mfa, False), notes[True], notes[False])
        reason = pc.if_else(pc.is_null(mfa), notes[None], with_mfa)
        found.add(on, pa.scalar(False), reason)
        found.add(unknown, pa.scalar(True), pa.scalar(_UNKNOWN_CONSOLE))
        found.add(found.open.copy(), pa.scalar(True), pa.scalar(_NO_CONSOLE))


def _override_tag(tag: str, value: str) -> Outcome:
    verdict = value.strip().lower()
    return (_VERDICTS[verdict], f"tag {tag}={value}") if verdict in _VERDICTS else None


def _service_tag(key: str, values: set[str], value: str) -> Outcome:
    return (True, f"tag {key}={value} marks a service identity") if value.lower() in values else None
