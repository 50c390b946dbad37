"""Column-wise text for findings: sentences, canonical JSON evidence, masked ids, day counts.

Rules work on whole Arrow columns so that a day with millions of credentials is evaluated with kernels,
not Python loops; these helpers turn the selected rows into the findings' text columns the same way.
Canonical JSON here means exactly ``json.dumps(obj, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` (a property test holds the two together); times are written at second precision
as ``YYYY-MM-DDTHH:MM:SSZ``.
"""

from __future__ import annotations

import datetime as dt
import json
from string import Formatter

import pyarrow as pa
import pyarrow.compute as pc

Column = pa.Array | pa.ChunkedArray
UTC_TS = pa.timestamp("us", tz="UTC")
_DAY_US = 86_400 * 1_000_000
_HOUR_US = 3_600 * 1_000_000
_CONTROL = r"[\x00-\x1f]"


def ts_scalar(value: dt.datetime) -> pa.Scalar:
    """An aware datetime as a UTC microsecond timestamp scalar."""
    return pa.scalar(value.astimezone(dt.UTC), UTC_TS)


def flat(col: Column) -> pa.Array:
    """One contiguous array (kernels accept both; a single chunk keeps joins and takes simple)."""
    return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col


def days_between(later: Column | pa.Scalar, earlier: Column | pa.Scalar) -> Column:
    """Whole days from `earlier` to `later` (floored; null where either is null)."""
    micros = pc.cast(pc.subtract(later, earlier), pa.int64())
    as_float = pc.cast(micros, pa.float64(), safe=False)  # far-future dates (year 9999) exceed 2**53 us
    return pc.floor(pc.divide(as_float, float(_DAY_US))).cast(pa.int64())


def hours_between(later: Column | pa.Scalar, earlier: Column | pa.Scalar) -> Column:
    """Hours (fractional) from `earlier` to `later`."""
    micros = pc.cast(pc.subtract(later, earlier), pa.int64())
    return pc.divide(pc.cast(micros, pa.float64(), safe=False), float(_HOUR_US))


def _seconds_text(ts: Column | pa.Scalar) -> Column | pa.Scalar:
    """'YYYY-MM-DD HH:MM:SS' of UTC timestamps: a cast, many times faster than strftime with a time zone."""
    naive = pc.cast(pc.cast(ts, pa.timestamp("s", tz="UTC"), safe=False), pa.timestamp("s"))
    return pc.cast(naive, pa.string())


def when(ts: Column | pa.Scalar) -> Column | pa.Scalar:
    """Timestamps as text for a sentence: 'YYYY-MM-DD HH:MM UTC'."""
    return pc.binary_join_element_wise(pc.utf8_slice_codeunits(_seconds_text(ts), 0, 16), " UTC", "")


def iso(ts: Column | pa.Scalar) -> Column | pa.Scalar:
    """Timestamps as ISO 8601 UTC at second precision: 'YYYY-MM-DDTHH:MM:SSZ'."""
    text = pc.replace_substring(_seconds_text(ts), " ", "T", max_replacements=1)
    return pc.binary_join_element_wise(text, "Z", "")


def day(ts: Column | pa.Scalar) -> Column | pa.Scalar:
    """The UTC calendar day of timestamps: 'YYYY-MM-DD'."""
    return pc.utf8_slice_codeunits(_seconds_text(ts), 0, 10)


def text(col: Column | pa.Scalar | str | int, null: str = "unknown") -> Column | pa.Scalar:
    """Any column as strings for a sentence; nulls read as `null`."""
    if isinstance(col, str | int):
        return pa.scalar(str(col))
    if not pa.types.is_string(col.type):
        if pa.types.is_timestamp(col.type):
            col = when(col)
        elif pa.types.is_boolean(col.type):
            col = pc.if_else(col, "yes", "no")
        else:
            col = pc.cast(col, pa.string())
    return pc.fill_null(col, null)


def fmt(template: str, length: int, **fields: Column | pa.Scalar | str | int) -> pa.Array:
    """`template` filled column-wise, like str.format with whole columns as the fields."""
    parts: list = []
    for literal, name, _spec, _conv in Formatter().parse(template):
        if literal:
            parts.append(pa.scalar(literal))
        if name is not None:
            parts.append(text(fields[name]))
    if not any(isinstance(p, pa.Array | pa.ChunkedArray) for p in parts):
        parts.append(pa.array([""] * length, pa.string()))
    return flat(pc.binary_join_element_wise(*parts, ""))


def mask(col: Column) -> Column:
    """Only a masked form of a key id is shown: first 4 and last 3 characters (``AKIA…XYZ``)."""
    long = pc.greater_equal(pc.utf8_length(col), 8)
    masked = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(col, 0, 4), "…", pc.utf8_slice_codeunits(col, -3, 2**31 - 1), ""
    )
    return pc.if_else(long, masked, pa.scalar("…"))


def lookup(col: Column, mapping: dict[str, str]) -> Column:
    """Map the values of a string column through `mapping`; values not in it are kept."""
    keys = pa.array(list(mapping), pa.string())
    found = pa.array(list(mapping.values()), pa.string()).take(pc.index_in(col, value_set=keys))
    return pc.coalesce(found, col)


# -- canonical JSON --------------------------------------------------------------------------------
def _quote(col: Column) -> Column:
    """JSON string literals of a string column (null stays null)."""
    col = flat(col)
    if len(col) and pc.any(pc.match_substring_regex(col, _CONTROL)).as_py():
        return pa.array([None if v is None else json.dumps(v, ensure_ascii=False) for v in col.to_pylist()])
    escaped = pc.replace_substring(pc.replace_substring(col, "\\", "\\\\"), '"', '\\"')
    return pc.binary_join_element_wise('"', escaped, '"', "")


def _json_list(col: Column) -> Column:
    col = flat(col)
    lists = pa.ListArray.from_arrays(col.offsets, flat(_quote(col.values)))
    joined = pc.binary_join(lists, ",")
    out = pc.binary_join_element_wise("[", joined, "]", "")
    return pc.if_else(pc.is_null(col), pa.scalar(None, pa.string()), out)


def _json_value(value: Column | pa.Scalar | object, length: int) -> Column | pa.Scalar:
    """JSON text of one field: a column (string, int, bool, timestamp, list<string>) or a Python value."""
    if not isinstance(value, pa.Array | pa.ChunkedArray):
        return pa.scalar(json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
    t = value.type
    if pa.types.is_string(t):
        out = _quote(value)
    elif pa.types.is_timestamp(t):
        out = _quote(iso(value))
    elif pa.types.is_boolean(t):
        out = pc.if_else(value, "true", "false")
    elif pa.types.is_integer(t):
        out = pc.cast(value, pa.string())
    elif pa.types.is_list(t):
        out = _json_list(value)
    else:
        raise TypeError(f"no JSON encoding for column type {t}")
    return pc.fill_null(out, "null")


def json_object(length: int, **fields: Column | object) -> pa.Array:
    """Canonical JSON objects, one per row, of the named columns (or constant Python values)."""
    parts: list = []
    for i, name in enumerate(sorted(fields)):
        parts.append(pa.scalar(("{" if i == 0 else ",") + json.dumps(name, ensure_ascii=False) + ":"))
        parts.append(_json_value(fields[name], length))
    parts.append(pa.scalar("}" if fields else "{}"))
    if not any(isinstance(p, pa.Array | pa.ChunkedArray) for p in parts):
        parts.append(pa.array([""] * length, pa.string()))
    return flat(pc.binary_join_element_wise(*parts, ""))


def pick_case(n: int, conditions: dict[str, Column]) -> pa.Array:
    """Per row, the name of the last condition (in order) that holds; null where none does, null counts as false."""
    case = pa.nulls(n, pa.string())
    for name, condition in conditions.items():
        case = pc.if_else(pc.fill_null(condition, False), name, case)
    return case


def choose(case: Column, options: dict[str, Column]) -> pa.Array:
    """Per row, the option named by `case` (null where the case has no option)."""
    out = pa.nulls(len(case), pa.string())
    for name, values in options.items():
        out = pc.if_else(pc.equal(case, name), values, out)
    return flat(out)


def composite(tbl: pa.Table, keys: list[str] | tuple[str, ...]) -> Column:
    """One string key of several string columns (unit separator between them)."""
    if len(keys) == 1:
        return tbl.column(keys[0])
    return pc.binary_join_element_wise(*(tbl.column(k) for k in keys), "\x1f")


def attach(left: pa.Table, right: pa.Table, on: list[str] | tuple[str, ...], columns: list[str]) -> pa.Table:
    """Left-outer lookup: `columns` of the right row whose key `on` equals the left row's (right keys unique).

    Unlike Table.join this keeps any column type (lists, maps) and the left table's row order.
    """
    idx = pc.index_in(composite(left, on), value_set=flat(composite(right, on)))
    for name in columns:
        left = left.append_column(name, flat(right.column(name)).take(idx))
    return left
