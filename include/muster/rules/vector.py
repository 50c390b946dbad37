"""Column-wise building blocks for rules: time arithmetic and times as text, values as sentence text,
masked ids, per-distinct-value functions, lookups and a left-outer lookup between tables.

Rules work on whole Arrow columns so that a day with millions of credentials is evaluated with kernels,
not Python loops. Times are written at second precision as ``YYYY-MM-DDTHH:MM:SSZ``. The findings' text
columns (sentences, canonical JSON evidence, per-case text) are assembled from these in ``render``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

Column = pa.Array | pa.ChunkedArray
UTC_TS = pa.timestamp("us", tz="UTC")
_DAY_US = 86_400 * 1_000_000
_HOUR_US = 3_600 * 1_000_000


def ts_scalar(value: dt.datetime) -> pa.Scalar:
    """An aware datetime as a UTC microsecond timestamp scalar."""
    return pa.scalar(value.astimezone(dt.UTC), UTC_TS)


def flat(col: Column) -> pa.Array:
    """One contiguous array (kernels accept both; a single chunk keeps joins and takes simple).

    A column with one non-empty chunk is that chunk, without a copy."""
    if not isinstance(col, pa.ChunkedArray):
        return col
    filled = [chunk for chunk in col.chunks if len(chunk)]
    return filled[0] if len(filled) == 1 else col.combine_chunks()


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
    if isinstance(col, pa.Array | pa.ChunkedArray) and not col.null_count:
        return col
    return pc.fill_null(col, null)


def mask(col: Column) -> Column:
    """Only a masked form of a key id is shown: first 4 and last 3 characters (``AKIA…XYZ``)."""
    long = pc.greater_equal(pc.utf8_length(col), 8)
    masked = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(col, 0, 4), "…", pc.utf8_slice_codeunits(col, -3, 2**31 - 1), ""
    )
    return pc.if_else(long, masked, pa.scalar("…"))


def per_value(col: Column, fn: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """A row-wise function of a column with few distinct values (a source, a kind), computed once per
    distinct value and spread back to the rows (null rows stay null)."""
    encoded = pc.dictionary_encode(flat(col))
    return flat(fn(encoded.dictionary)).take(encoded.indices)


def lookup(col: Column, mapping: dict[str, str]) -> Column:
    """Map the values of a string column through `mapping`; values not in it are kept."""
    keys = pa.array(list(mapping), pa.string())
    found = pa.array(list(mapping.values()), pa.string()).take(pc.index_in(col, value_set=keys))
    return pc.coalesce(found, col)


def composite(tbl: pa.Table, keys: list[str] | tuple[str, ...]) -> Column:
    """One string key of several string columns (unit separator between them)."""
    if len(keys) == 1:
        return tbl.column(keys[0])
    return pc.binary_join_element_wise(*(tbl.column(k) for k in keys), "\x1f")


def attach(left: pa.Table, right: pa.Table, on: list[str] | tuple[str, ...], columns: list[str]) -> pa.Table:
    """Left-outer lookup: `columns` of the right row whose key `on` equals the left row's (right keys unique).

    Unlike Table.join this keeps any column type (lists, maps) and the left table's row order.
    """
    if len(left) * 4 < len(right):
        # few rows to look up in many: hash the few, and build the composite keys of the matching rows only
        right = right.filter(pc.is_in(right.column(on[0]), value_set=flat(left.column(on[0]))))
    idx = pc.index_in(composite(left, on), value_set=flat(composite(right, on)))
    for name in columns:
        left = left.append_column(name, flat(right.column(name)).take(idx))
    return left
