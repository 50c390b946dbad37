"""Turn a `Delta` into rows of the `changes` table: entity key and values as canonical JSON, built column by
column (see `encode`)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from ..schema import TableSpec
from .compare import Delta, key_columns, value_columns
from .encode import members, objects, python_values


def change_rows(
    spec: TableSpec, delta: Delta, *, base: dict, baseline_date: dt.date | None, reason: str | None = None
) -> list[dict]:
    """Rows of `changes` for one table; `base` holds the provenance of the newer snapshot. `reason` is given
    to added rows (why they count as added)."""
    common = {**base, "table_name": spec.name, "baseline_date": baseline_date}
    out = _whole_rows(spec, delta.added, common, change="added", side="after", reason=reason)
    out += _whole_rows(spec, delta.removed, common, change="removed", side="before", reason=None)
    return out + _modified_rows(spec, delta, common)


def _row(common: dict, entity_key: str, change: str, principal_id, **extra) -> dict:
    return {
        **common,
        "entity_key": entity_key,
        "change": change,
        "principal_id": principal_id,
        "changed_columns": None,
        "before": None,
        "after": None,
        "reason": None,
        **extra,
    }


def _entity_keys(spec: TableSpec, tbl: pa.Table) -> list[str]:
    return objects([members(k, tbl.column(k)) for k in sorted(key_columns(spec))], tbl.num_rows)


def _principals(spec: TableSpec, tbl: pa.Table) -> list:
    if "principal_id" not in spec.column_names:
        return [None] * tbl.num_rows
    return python_values(tbl.column("principal_id"))


def _whole_rows(
    spec: TableSpec, tbl: pa.Table, common: dict, *, change: str, side: str, reason
) -> list[dict]:
    """Added or removed rows: every value column on the side that has the row."""
    body = objects([members(c, tbl.column(c)) for c in sorted(value_columns(spec))], tbl.num_rows)
    keys, principals = _entity_keys(spec, tbl), _principals(spec, tbl)
    return [
        _row(common, k, change, p, **{side: b, "reason": reason})
        for k, p, b in zip(keys, principals, body, strict=True)
    ]


def _modified_rows(spec: TableSpec, delta: Delta, common: dict) -> list[dict]:
    """Modified rows: the changed columns in declaration order, with their values on each side."""
    n = delta.modified.num_rows
    cols: list[list[str]] = [[] for _ in range(n)]
    for c in value_columns(spec):  # declaration order
        if c in delta.changed:
            for i in delta.changed[c][0].tolist():
                cols[i].append(c)
    olds: list[list[str]] = [[] for _ in range(n)]
    news: list[list[str]] = [[] for _ in range(n)]
    for c in sorted(delta.changed):  # key order of the JSON objects
        at, old, new = delta.changed[c]
        for i, x, y in zip(at.tolist(), members(c, old), members(c, new), strict=True):
            olds[i].append(x)
            news[i].append(y)
    keys, principals = _entity_keys(spec, delta.modified), _principals(spec, delta.modified)
    return [
        _row(
            common,
            k,
            "modified",
            p,
            changed_columns=c,
            before="{" + ",".join(o) + "}",
            after="{" + ",".join(w) + "}",
        )
        for k, p, c, o, w in zip(keys, principals, cols, olds, news, strict=True)
    ]
