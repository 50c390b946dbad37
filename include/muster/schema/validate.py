"""Strict validation between transform and write.

pyarrow alone is too forgiving for evidence: ``Table.from_pylist(schema=...)`` drops unknown keys, lets
nulls into non-nullable fields until the Parquet writer trips over them, and reads naive datetimes as
if they were UTC. Every check here raises ``SchemaViolation`` naming table, column and row key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from ._base import TableSpec


class SchemaViolation(ValueError):
    """Rows that do not fit the declared table; the message names table, column and row key."""


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


def _columns(spec: TableSpec, rows: Sequence[Mapping]) -> dict[str, list]:
    """Rows to column lists once; every later check is a pass over one list or an Arrow kernel."""
    return {c.name: [r.get(c.name) for r in rows] for c in spec.columns}


def _check_values(spec: TableSpec, rows: Sequence[Mapping], cols: dict[str, list]) -> None:
    for col in spec.columns:
        values = cols[col.name]
        if col.required and None in values:
            raise SchemaViolation(
                f"table {spec.name}: required column {col.name} is null in row "
                f"{_row_key(spec, rows[values.index(None)])}"
            )
        if pa.types.is_timestamp(col.type):
            for i, v in enumerate(values):
                if v is not None and (not isinstance(v, dt.datetime) or v.tzinfo is None):
                    raise SchemaViolation(
                        f"table {spec.name}: column {col.name} must be a timezone-aware datetime, got {v!r} "
                        f"in row {_row_key(spec, rows[i])}"
                    )
        elif pa.types.is_string(col.type):
            for bad in ("", "None"):
                if bad in values:
                    raise SchemaViolation(
                        f"table {spec.name}: column {col.name} holds {bad!r}; unknown values must be null "
                        f"(row {_row_key(spec, rows[values.index(bad)])})"
                    )


def _locate_type_error(spec: TableSpec, rows: Sequence[Mapping], err: Exception) -> SchemaViolation:
    for col in spec.columns:
        for row in rows:
            try:
                pa.array([row.get(col.name)], type=col.type)
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as e:
                return SchemaViolation(
                    f"table {spec.name}: column {col.name} cannot hold {row.get(col.name)!r} "
                    f"({e}) in row {_row_key(spec, row)}"
                )
    return SchemaViolation(f"table {spec.name}: rows do not fit the schema: {err}")


def _check_table(spec: TableSpec, tbl: pa.Table) -> None:
    for col in spec.columns:
        if col.required and tbl.column(col.name).null_count:
            idx = pc.index(pc.is_null(tbl.column(col.name)), True).as_py()
            key = {k: tbl.column(k)[idx].as_py() for k in spec.primary_key}
            raise SchemaViolation(f"table {spec.name}: required column {col.name} is null in row {key}")
        if col.allowed and len(tbl):
            bad = pc.invert(pc.fill_null(pc.is_in(tbl.column(col.name), pa.array(col.allowed)), True))
            if pc.any(bad).as_py():
                idx = pc.index(bad, True).as_py()
                key = {k: tbl.column(k)[idx].as_py() for k in spec.primary_key}
                raise SchemaViolation(
                    f"table {spec.name}: column {col.name} holds {tbl.column(col.name)[idx].as_py()!r}, "
                    f"not one of {list(col.allowed)} (row {key})"
                )
    if len(tbl):
        counts = tbl.group_by(list(spec.primary_key)).aggregate([([], "count_all")])
        dup = counts.filter(pc.greater(counts.column("count_all"), 1))
        if len(dup):
            first = {k: dup.column(k)[0].as_py() for k in spec.primary_key}
            raise SchemaViolation(
                f"table {spec.name}: duplicate primary key {first} ({len(dup)} duplicated key(s))"
            )


def sort_table(spec: TableSpec, tbl: pa.Table) -> pa.Table:
    """Rows in primary-key order, so the same content always gives the same bytes."""
    return tbl.sort_by([(k, "ascending") for k in spec.primary_key]) if len(tbl) else tbl


def to_table(spec: TableSpec, rows: Iterable[Mapping]) -> pa.Table:
    """Validate transform output and return it as a sorted Arrow table with the declared schema."""
    rows = rows if isinstance(rows, Sequence) else list(rows)
    _check_keys(spec, rows)
    cols = _columns(spec, rows)
    _check_values(spec, rows, cols)
    try:
        arrays = [pa.array(cols[c.name], type=c.type) for c in spec.columns]
        tbl = pa.Table.from_arrays(arrays, schema=spec.schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as e:
        raise _locate_type_error(spec, rows, e) from e
    _check_table(spec, tbl)
    return sort_table(spec, tbl)


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
    _check_table(spec, tbl)
    return tbl.cast(spec.schema)
