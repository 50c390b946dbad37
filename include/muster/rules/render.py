"""The findings' text columns, built per row in one pass: sentence templates, per-case text, canonical JSON.

Canonical JSON here means exactly ``json.dumps(obj, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` (a property test holds the two together).

Cost model: one ``binary_join_element_wise`` pass costs per row and per part, so a template is joined
once, with its constant text (literals, constant fields, JSON keys and quotes) merged into as few parts as
possible (``_push`` / ``_join``, shared by sentences and JSON, which is why they live together), and text
that depends on a row's case is built only for the rows in that case (`cases`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from string import Formatter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .vector import Column, flat, iso, text

_CONTROL = r"[\x00-\x1f]"
#: Bytes a JSON string cannot hold as they are: control characters, the quote and the backslash.
_UNSAFE = np.zeros(256, dtype=bool)
_UNSAFE[:0x20] = _UNSAFE[0x22] = _UNSAFE[0x5C] = True
_WINDOW = 1 << 20


def _push(parts: list, value: Column | pa.Scalar | str) -> None:
    """Append one part of a join, merging constant text into the literal before it (fewer parts per row).
    A scalar must not be null (the callers fill nulls first)."""
    if isinstance(value, pa.Scalar):
        value = value.as_py()
    if isinstance(value, str):
        if parts and isinstance(parts[-1], str):
            parts[-1] += value
        elif value:
            parts.append(value)
        return
    parts.append(flat(value))


def _join(parts: list, length: int) -> pa.Array:
    """Concatenate the parts row by row; constant text only repeats it `length` times."""
    if not any(isinstance(p, pa.Array) for p in parts):
        return pa.array(["".join(parts)] * length, pa.string())
    return flat(pc.binary_join_element_wise(*(pa.scalar(p) if isinstance(p, str) else p for p in parts), ""))


def fmt(template: str, length: int, **fields: Column | pa.Scalar | str | int) -> pa.Array:
    """`template` filled column-wise, like str.format with whole columns as the fields."""
    parts: list = []
    for literal, name, _spec, _conv in Formatter().parse(template):
        if literal:
            _push(parts, literal)
        if name is not None:
            _push(parts, text(fields[name]))
    return _join(parts, length)


@dataclass(frozen=True)
class Rows:
    """The rows of one case: their indices in the whole column (None: every row) and how many there are."""

    idx: pa.Array | None
    n: int

    def take(self, value: Column | pa.Scalar | str | int) -> Column | pa.Scalar | str | int:
        """A column's values at these rows (constants pass through)."""
        if self.idx is None or not isinstance(value, pa.Array | pa.ChunkedArray):
            return value
        return flat(value).take(self.idx)


def by_case(case: Column, build: dict[str, Callable[[Rows], pa.Array]]) -> pa.Array:
    """Per row, the string that `build[case]` makes for it (null where the case is null or not in `build`).

    Each builder runs once, over the rows of its case only, so text a row does not need is never made;
    the pieces are put back in row order with one take (none when one case covers every row)."""
    case = flat(case)
    n = len(case)
    pieces, where = [], []
    for name, make in build.items():
        hit = pc.fill_null(pc.equal(case, name), False)
        k = pc.sum(hit).as_py() or 0
        if k == n and n:
            return flat(make(Rows(None, n)))
        if k:
            idx = pc.indices_nonzero(hit)
            pieces.append(flat(make(Rows(idx, k))).cast(pa.string()))
            where.append(idx.to_numpy().astype(np.int64))
    order = np.concatenate(where) if where else np.empty(0, np.int64)
    if len(order) < n:
        seen = np.zeros(n, dtype=bool)
        seen[order] = True
        order = np.concatenate([order, np.flatnonzero(~seen)])
        pieces.append(pa.nulls(n - int(seen.sum()), pa.string()))
    back = np.empty(n, dtype=np.int64)
    back[order] = np.arange(n, dtype=np.int64)
    return pa.concat_arrays(pieces).take(pa.array(back)) if pieces else pa.nulls(0, pa.string())


def cases(case: Column, templates: dict[str, str], **fields: Column | pa.Scalar | str | int) -> pa.Array:
    """Per row, the template named by `case` filled like `fmt` (null where none is named); each template
    is filled only for the rows of its case."""

    def filler(template: str) -> Callable[[Rows], pa.Array]:
        return lambda rows: fmt(template, rows.n, **{k: rows.take(v) for k, v in fields.items()})

    return by_case(case, {name: filler(template) for name, template in templates.items()})


def pick_case(n: int, conditions: dict[str, Column]) -> pa.Array:
    """Per row, the name of the last condition (in order) that holds; null where none does, null counts as false."""
    case = pa.nulls(n, pa.string())
    for name, condition in conditions.items():
        case = pc.if_else(pc.fill_null(condition, False), name, case)
    return case


def choose(case: Column, options: dict[str, Column | pa.Scalar]) -> pa.Array:
    """Per row, the option named by `case` (null where the case has no option)."""
    if all(isinstance(v, pa.Scalar) for v in options.values()):
        # one value per case: a lookup, not a pass over the whole column per option
        values = pa.array([v.as_py() for v in options.values()], pa.string())
        return values.take(pc.index_in(case, value_set=pa.array(list(options), pa.string())))
    out = pa.nulls(len(case), pa.string())
    for name, values in options.items():
        out = pc.if_else(pc.equal(case, name), values, out)
    return flat(out)


# -- canonical JSON --------------------------------------------------------------------------------
def _plain(col: pa.Array) -> bool:
    """True when no value of a string array needs escaping in JSON (no quote, backslash or control
    character), read straight from its bytes: the values can then go between quotes as they are."""
    if not len(col):
        return True
    offsets = np.frombuffer(col.buffers()[1], dtype=np.int32)[col.offset : col.offset + len(col) + 1]
    data = col.buffers()[2]
    if data is None:
        return True
    raw = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]]
    # a window at a time: the lookup's mask stays small (one over all the text cost fresh pages)
    return not any(_UNSAFE[raw[i : i + _WINDOW]].any() for i in range(0, len(raw), _WINDOW))


def _control(col: pa.Array) -> bool:
    """True when some value holds a control character (JSON writes those as escapes only json knows)."""
    return bool(len(col)) and pc.any(pc.match_substring_regex(col, _CONTROL)).as_py()


def _quote(col: Column) -> Column:
    """JSON string literals of a string column (null stays null)."""
    col = flat(col)
    if _plain(col):
        return pc.binary_join_element_wise('"', col, '"', "")
    if _control(col):
        return pa.array([None if v is None else json.dumps(v, ensure_ascii=False) for v in col.to_pylist()])
    escaped = pc.replace_substring(pc.replace_substring(col, "\\", "\\\\"), '"', '\\"')
    return pc.binary_join_element_wise('"', escaped, '"', "")


def _json_list(col: Column) -> Column:
    col = flat(col)
    lists = pa.ListArray.from_arrays(col.offsets, flat(_quote(col.values)))
    joined = pc.binary_join(lists, ",")
    out = pc.binary_join_element_wise("[", joined, "]", "")
    return pc.if_else(pc.is_null(col), pa.scalar(None, pa.string()), out)


def _json_text(col: pa.Array) -> pa.Array:
    """JSON text of a column's values (null where the value is null)."""
    t = col.type
    if pa.types.is_string(t):
        return _quote(col)
    if pa.types.is_timestamp(t):
        return pc.binary_join_element_wise('"', iso(col), '"', "")  # ISO text needs no escaping
    if pa.types.is_boolean(t):
        return pc.if_else(col, "true", "false")
    if pa.types.is_integer(t):
        return pc.cast(col, pa.string())
    if pa.types.is_list(t):
        return _json_list(col)
    raise TypeError(f"no JSON encoding for column type {t}")


def _push_json(parts: list, value: Column | object) -> None:
    """Append the JSON text of one field: a column (string, int, bool, timestamp, list<string>) or a Python
    value (rendered once, into the template). Strings and times without nulls that need no escaping go in
    as they are, between quotes of the template."""
    if not isinstance(value, pa.Array | pa.ChunkedArray):
        _push(parts, json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
        return
    col = flat(value)
    if not col.null_count and pa.types.is_timestamp(col.type):
        _push(parts, '"')
        _push(parts, iso(col))
        _push(parts, '"')
    elif not col.null_count and pa.types.is_string(col.type) and _plain(col):
        _push(parts, '"')
        _push(parts, col)
        _push(parts, '"')
    else:
        _push(parts, pc.fill_null(_json_text(col), "null"))


def json_object(length: int, **fields: Column | object) -> pa.Array:
    """Canonical JSON objects, one per row, of the named columns (or constant Python values)."""
    parts: list = []
    for i, name in enumerate(sorted(fields)):
        _push(parts, ("{" if i == 0 else ",") + json.dumps(name, ensure_ascii=False) + ":")
        _push_json(parts, fields[name])
    _push(parts, "}" if fields else "{}")
    return _join(parts, length)
