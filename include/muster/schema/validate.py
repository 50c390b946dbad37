"""Strict validation between transform and write.

pyarrow alone is too forgiving for evidence: ``Table.from_pylist(schema=...)`` drops unknown keys, lets
nulls into non-nullable fields until the Parquet writer trips over them, and reads naive datetimes as
if they were UTC. Every check here raises ``SchemaViolation`` naming table, column and row key.

Fast by construction: rows are turned into columns in one C-level pass, the checks are Arrow kernels or
C-level scans, and only on failure is the offending row located in Python to name it in the message.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from operator import attrgetter, is_not, itemgetter

import pyarrow as pa
import pyarrow.compute as pc

from ._base import TableSpec

#: String values that stand for "unknown" and must be null instead.
_NOT_NULL_MARKERS = ("", "None")
_NOT_NULL_SET = pa.array(_NOT_NULL_MARKERS, pa.string())
_MARKER_BYTES = max(len(m.encode()) for m in _NOT_NULL_MARKERS)
#: The one marker of a ``verbatim`` column.
_EMPTY = pa.array([""], pa.string())
_CONVERSION_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError)
_tzinfo = attrgetter("tzinfo")
_present = partial(is_not, None)


class SchemaViolation(ValueError):
    """Rows that do not fit the declared table; the message names table, column and row key."""


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic collector: converting allocates a tuple per row, which would trigger full rescans
    of the (acyclic) row dicts the caller still holds. Reference counting frees everything as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _row_key(spec: TableSpec, row: Mapping) -> str:
    return "(" + ", ".join(f"{k}={row.get(k)!r}" for k in spec.primary_key) + ")"


def _check_keys(spec: TableSpec, rows: Sequence[Mapping]) -> None:
    declared = frozenset(spec.column_names)
    seen_shapes: set[tuple] = set()
    for row in rows:
        shape = tuple(row)
        if shape in seen_shapes:
            continue
        extra = set(shape) - declared
        if extra:
            raise SchemaViolation(
                f"table {spec.name}: undeclared column(s) {sorted(extra)} in row {_row_key(spec, row)}"
            )
        seen_shapes.add(shape)


def _columns(spec: TableSpec, rows: Sequence[Mapping]) -> list[Sequence]:
    """Rows to one value sequence per declared column, in declaration order.

    Fast path, when every row holds exactly the declared keys (what the transforms emit): one C-level pass
    that reads each row once. Otherwise the keys are checked shape by shape and absent keys read as None.
    """
    names = spec.column_names
    if not rows:
        return [() for _ in names]
    if len(names) > 1 and set(map(len, rows)) == {len(names)}:
        try:
            return list(zip(*map(itemgetter(*names), rows), strict=True))
        except KeyError:
            pass  # same number of keys but not the declared ones: the slow path names the extra key
    _check_keys(spec, rows)
    return [[r.get(name) for r in rows] for name in names]


def _check_timestamps(spec: TableSpec, rows: Sequence[Mapping], cols: list[Sequence]) -> None:
    """Timestamp values must be aware datetimes (Arrow would read a naive one as UTC)."""
    for col, values in zip(spec.columns, cols, strict=True):
        if not pa.types.is_timestamp(col.type):
            continue
        present = list(filter(_present, values))
        try:
            if set(map(type, present)) <= {dt.datetime} and None not in set(map(_tzinfo, present)):
                continue
        except AttributeError:
            pass  # a value without tzinfo: located below
        for i, v in enumerate(values):
            if v is not None and (not isinstance(v, dt.datetime) or v.tzinfo is None):
                raise SchemaViolation(
                    f"table {spec.name}: column {col.name} must be a timezone-aware datetime, got {v!r} "
                    f"in row {_row_key(spec, rows[i])}"
                )


def _locate_type_error(spec: TableSpec, rows: Sequence[Mapping], err: Exception) -> SchemaViolation:
    for col in spec.columns:
        for row in rows:
            try:
                pa.array([row.get(col.name)], type=col.type)
            except _CONVERSION_ERRORS as e:
                return SchemaViolation(
                    f"table {spec.name}: column {col.name} cannot hold {row.get(col.name)!r} "
                    f"({e}) in row {_row_key(spec, row)}"
                )
    return SchemaViolation(f"table {spec.name}: rows do not fit the schema: {err}")


def _first(mask: pa.ChunkedArray | pa.Array) -> int | None:
    """Index of the first true value of a boolean mask, or None."""
    mask = pc.fill_null(mask, False)
    return pc.index(mask, True).as_py() if pc.any(mask).as_py() else None


def _table_key(spec: TableSpec, tbl: pa.Table) -> Callable[[int], str]:
    """Row key by index, read from the table (used when there are no source rows)."""
    return lambda i: str({k: tbl.column(k)[i].as_py() for k in spec.primary_key})


def _check_table(spec: TableSpec, tbl: pa.Table, key: Callable[[int], str], markers: bool = True) -> None:
    """Required columns, enumerations and (with ``markers``) ""/"None" strings, with Arrow kernels."""
    for col in spec.columns:
        column = tbl.column(col.name)
        if col.required and column.null_count:
            idx = _first(pc.is_null(column))
            raise SchemaViolation(f"table {spec.name}: required column {col.name} is null in row {key(idx)}")
        if col.allowed and len(tbl):
            # null is allowed in a nullable enumerated column (required ones were checked above)
            idx = _first(pc.and_(pc.is_valid(column), pc.invert(pc.is_in(column, pa.array(col.allowed)))))
            if idx is not None:
                raise SchemaViolation(
                    f"table {spec.name}: column {col.name} holds {column[idx].as_py()!r}, "
                    f"not one of {list(col.allowed)} (row {key(idx)})"
                )
        if markers and pa.types.is_string(col.type) and len(tbl):
            idx = _first_marker(column, _EMPTY if col.verbatim else _NOT_NULL_SET)
            if idx is not None:
                raise SchemaViolation(
                    f"table {spec.name}: column {col.name} holds {column[idx].as_py()!r}; unknown values "
                    f"must be null (row {key(idx)})"
                )


def _first_marker(column: pa.ChunkedArray, markers: pa.Array) -> int | None:
    """Index of the first value among ``markers`` ("" and "None", or "" alone), or None. Most columns hold no
    value that short (ids, ARNs, reasons): their byte lengths, read from the offsets, rule the markers out
    without hashing each value."""
    shortest = pc.min(pc.binary_length(column)).as_py()
    if shortest is None or shortest > _MARKER_BYTES:
        return None
    return _first(pc.is_in(column, markers))


def _check_duplicates(spec: TableSpec, ordered: pa.Table) -> None:
    """No two rows share a primary key; ``ordered`` is sorted by it, so duplicates are neighbours."""
    n = len(ordered)
    if n < 2:
        return
    same = None
    for k in spec.primary_key:
        column = ordered.column(k)
        equal = pc.fill_null(pc.equal(column.slice(1), column.slice(0, n - 1)), False)
        same = equal if same is None else pc.and_(same, equal)
    if not pc.any(same).as_py():
        return
    repeats = pc.indices_nonzero(same).to_pylist()
    distinct = sum(1 for j, i in enumerate(repeats) if j == 0 or repeats[j - 1] != i - 1)
    first = {k: ordered.column(k)[repeats[0]].as_py() for k in spec.primary_key}
    raise SchemaViolation(f"table {spec.name}: duplicate primary key {first} ({distinct} duplicated key(s))")


def sort_table(spec: TableSpec, tbl: pa.Table) -> pa.Table:
    """Rows in primary-key order, so the same content always gives the same bytes.

    Leading key columns that hold one value throughout (provider, tenant, date: the usual case) are left out
    of the sort keys: the sort is stable, so the order is the same, and each string key costs a pass.
    """
    if not len(tbl):
        return tbl
    keys = list(spec.primary_key)
    while len(keys) > 1 and _constant(tbl.column(keys[0])):
        keys.pop(0)
    # A constant key further on never decides an order either (e.g. grants.scope of one account).
    keys = keys[:1] + [k for k in keys[1:] if not _constant(tbl.column(k))]
    # Already in order: what the stable sort would return, without copying the rows (the Parquet bytes do
    # not depend on the chunking: see muster.snapshot.encoding.parquet_bytes).
    if _in_key_order(tbl, keys):
        return tbl
    return tbl.sort_by([(k, "ascending") for k in keys])


def _in_key_order(tbl: pa.Table, keys: list[str]) -> bool:
    """Rows already ascending on the keys (ties allowed); a key with nulls counts as not in order."""
    n = len(tbl)
    before, after, tied, wrong = slice(0, n - 1), slice(1, n), None, None
    for k in keys:
        column = tbl.column(k)
        column = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
        if column.null_count:
            return False
        a, b = column[before], column[after]
        down = pc.less(b, a) if tied is None else pc.and_(tied, pc.less(b, a))
        wrong = down if wrong is None else pc.or_(wrong, down)
        same = pc.equal(a, b)
        tied = same if tied is None else pc.and_(tied, same)
    return wrong is None or not pc.any(wrong).as_py()


def _constant(column: pa.ChunkedArray) -> bool:
    """One non-null value in every row (compared with the first: a hash of every value costs far more)."""
    return len(column) > 0 and not column.null_count and pc.all(pc.equal(column, column[0])).as_py()


def to_table(spec: TableSpec, rows: Iterable[Mapping]) -> pa.Table:
    """Validate transform output and return it as a sorted Arrow table with the declared schema."""
    rows = rows if isinstance(rows, Sequence) else list(rows)
    with _cyclic_gc_paused():
        cols = _columns(spec, rows)
        _check_timestamps(spec, rows, cols)
        try:
            arrays = [pa.array(values, type=c.type) for c, values in zip(spec.columns, cols, strict=True)]
            tbl = pa.Table.from_arrays(arrays, schema=spec.schema)
        except _CONVERSION_ERRORS as e:
            raise _locate_type_error(spec, rows, e) from e
        del cols, arrays
    _check_table(spec, tbl, lambda i: _row_key(spec, rows[i]))
    ordered = sort_table(spec, tbl)
    _check_duplicates(spec, ordered)
    return ordered


def validate_table(spec: TableSpec, tbl: pa.Table) -> pa.Table:
    """Validate an Arrow table (e.g. read back, or built columnar) against the declaration."""
    names = tbl.schema.names
    extra = set(names) - set(spec.column_names)
    if extra:
        raise SchemaViolation(f"table {spec.name}: undeclared column(s) {sorted(extra)}")
    missing = [c for c in spec.column_names if c not in names]
    if missing:
        raise SchemaViolation(f"table {spec.name}: missing column(s) {missing}")
    tbl = tbl.select(spec.column_names)
    for col in spec.columns:
        got = tbl.schema.field(col.name).type
        if got != col.type:
            raise SchemaViolation(f"table {spec.name}: column {col.name} has type {got}, declared {col.type}")
    _check_table(spec, tbl, _table_key(spec, tbl), markers=False)
    _check_duplicates(spec, sort_table(spec, tbl))
    return tbl.cast(spec.schema)


def finish_table(spec: TableSpec, parts: Sequence[pa.Table]) -> pa.Table:
    """Validate rows built as Arrow tables (each with exactly ``spec.schema``) and return them as one sorted
    table, as ``to_table`` does for row dicts: the same checks and messages, without a round trip through
    Python objects. Timestamps are aware by type; nulls, enumerations, ""/"None" strings and duplicate
    keys are checked with Arrow kernels, naming the row key."""
    for part in parts:
        if part.schema != spec.schema:
            raise SchemaViolation(f"table {spec.name}: columnar rows do not have the declared schema")
    tbl = pa.concat_tables(parts).combine_chunks() if len(parts) != 1 else parts[0]
    _check_table(spec, tbl, lambda i: _row_key(spec, {k: tbl.column(k)[i].as_py() for k in spec.primary_key}))
    ordered = sort_table(spec, tbl)
    _check_duplicates(spec, ordered)
    return ordered


def columnar_rows(tbl: pa.Table) -> list[dict]:
    """Row dicts of a table, with the values a transform would have put there: map columns as dicts with
    their keys in order, timestamps with ``datetime.UTC``."""
    columns = []
    for field, column in zip(tbl.schema, tbl.columns, strict=True):
        if pa.types.is_timestamp(field.type):
            column = column.cast(pa.timestamp(field.type.unit, "+00:00"))
        values = column.to_pylist()
        if pa.types.is_map(field.type):
            values = [None if v is None else dict(v) for v in values]
        columns.append(values)
    names = tbl.schema.names
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
