"""Service name patterns over a column of names: Arrow's RE2 where it provably reads as Python's ``re``.

The scope file's patterns are Python regular expressions searched case-insensitively (``Classifier``). RE2
(Arrow's ``match_substring_regex``) is many times faster over a column but is another dialect: ``x{,2}``,
``[[:alpha:]]``, ``\\s``, inline flags, look-arounds, back-references and possessive quantifiers differ or do
not exist. So RE2 is used only for patterns written in the plain subset both read alike (``re2_safe``), and
only on names that are ASCII without a line break (where ``$``, ``\\w``, ``\\b`` and case folding agree);
every other pattern or name is searched with Python's ``re``, as the row path does.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Characters that may appear unescaped outside a class, and after a backslash.
_PLAIN = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.^$|()*+?:/@=#,!%&'~<>;\" "
)
_ESCAPES = frozenset("dwDWbB.^$|()[]{}*+?-\\/")
_REPEAT = re.compile(r"\{\d+(,\d*)?\}")
#: Sequences whose meaning differs (or is reserved) in one dialect: possessive quantifiers, set operations.
_DIFFERENT = ("*+", "++", "?+", "}+", "&&", "--", "~~", "||")


def re2_safe(pattern: str) -> bool:
    """Whether ``pattern`` is in the subset that RE2 and Python read alike (and RE2 accepts it)."""
    if not pattern.isascii() or any(s in pattern for s in _DIFFERENT) or not _tokens_plain(pattern):
        return False
    try:
        pc.match_substring_regex(pa.array([], pa.string()), pattern, ignore_case=True)
    except pa.ArrowInvalid:
        return False
    return True


def _tokens_plain(pattern: str) -> bool:
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            if pattern[i + 1 : i + 2] not in _ESCAPES or i + 1 >= len(pattern):
                return False
            i += 2
            continue
        if in_class:
            if c == "[":
                return False  # a nested set or a POSIX class
            in_class = c != "]"
        elif c == "[":
            if pattern[i + 1 : i + 2] in ("[", ":", "]", "^"):
                return False  # nested sets, POSIX classes, "[]...]" and negated sets: kept simple
            in_class = True
        elif c == "{":
            found = _REPEAT.match(pattern, i)
            if found is None:
                return False  # "{,n}" and a literal brace read differently
            i = found.end()
            continue
        elif c == "(" and pattern[i + 1 : i + 2] == "?" and pattern[i + 2 : i + 3] != ":":
            return False  # inline flags, look-arounds, named and atomic groups
        elif c not in _PLAIN and c not in "[]":
            return False
        i += 1
    return not in_class


def first_matches(patterns: list[re.Pattern], any_pattern: re.Pattern, names: pa.Array) -> pa.Array:
    """Per name, the index of the first pattern that matches it (null: none), as ``Classifier.user`` picks.

    ``any_pattern`` is the patterns joined with "|": a name that it does not match gets no pattern, as in
    the row path (which searches it first).
    """
    out = np.full(len(names), -1, np.int64)
    plain = pc.and_(pc.string_is_ascii(names), pc.invert(pc.match_substring(names, "\n")))
    plain = np.asarray(pc.fill_null(plain, False))
    if all(re2_safe(p.pattern) for p in patterns):
        _re2(patterns, names, plain, out)
    else:
        plain[:] = False
    rows = np.flatnonzero(~plain)
    _python(patterns, any_pattern, names.take(pa.array(rows)).to_pylist(), rows, out)
    return pa.array(out, mask=out < 0)


def _re2(patterns: list[re.Pattern], names: pa.Array, plain: np.ndarray, out: np.ndarray) -> None:
    """RE2, pattern by pattern, on the plain names (the joined pattern matches iff one of them does)."""
    open_rows = plain.copy()
    for k, pattern in enumerate(patterns):
        hit = pc.match_substring_regex(names, pattern.pattern, ignore_case=True)
        hit = np.asarray(pc.fill_null(hit, False)) & open_rows
        out[hit] = k
        open_rows &= ~hit


def _python(patterns: list[re.Pattern], any_pattern: re.Pattern, names: list, rows: np.ndarray, out) -> None:
    """Python's ``re``, as the row path: the joined pattern first, then the first pattern that matches."""
    for row, name in zip(rows.tolist(), names, strict=True):
        if name is not None and any_pattern.search(name):
            out[row] = next(k for k, p in enumerate(patterns) if p.search(name))
