"""Turn aligned positions into rows of the `changes` table (canonical JSON of keys and values)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pyarrow as pa

from ..schema import TableSpec
from .compare import Delta, key_columns, value_columns


def _iso(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


#: One encoder for every row: json.dumps with options would build a new one per call.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=_iso, ensure_ascii=False)


def canonical(value: dict) -> str:
    """Canonical JSON: sorted keys, no spaces, dates and times in ISO 8601."""
    return _ENCODER.encode(value)


def _records(tbl: pa.Table, positions: np.ndarray, columns: list[str]) -> list[dict]:
    """Rows at `positions` as plain dicts; map columns become dicts (their entry order means nothing)."""
    sub = tbl.select(columns).take(pa.array(positions, type=pa.int64()))
    maps = [c for c in columns if pa.types.is_map(sub.schema.field(c).type)]
    rows = sub.to_pylist()
    for row in rows:
        for c in maps:
            if row[c] is not None:
                row[c] = dict(row[c])
    return rows


def change_rows(
    spec: TableSpec,
    before: pa.Table | None,
    after: pa.Table,
    delta: Delta,
    *,
    base: dict,
    baseline_date: dt.date | None,
    reason: str | None = None,
) -> list[dict]:
    """Rows of `changes` for one table; `base` holds the provenance of the newer snapshot."""
    keys, values = key_columns(spec), value_columns(spec)
    common = {**base, "table_name": spec.name, "baseline_date": baseline_date}
    has_principal = "principal_id" in spec.column_names
    out = []

    def row(change: str, rec: dict, **extra) -> dict:
        return {
            **common,
            "entity_key": canonical({k: rec[k] for k in keys}),
            "change": change,
            "principal_id": rec["principal_id"] if has_principal else None,
            "changed_columns": None,
            "before": None,
            "after": None,
            "reason": None,
            **extra,
        }

    full = keys + values
    for rec in _records(after, delta.added, full):
        out.append(row("added", rec, after=canonical({c: rec[c] for c in values}), reason=reason))
    if before is not None:
        for rec in _records(before, delta.removed, full):
            out.append(row("removed", rec, before=canonical({c: rec[c] for c in values})))
        out += _modified(before, after, delta, row, keys, values)
    return out


def _modified(before, after, delta: Delta, row, keys, values) -> list[dict]:
    """Modified rows: the changed columns in declaration order, with their values on each side."""
    if not len(delta.modified_after):
        return []
    olds = _records(before, delta.modified_before, keys + values)
    news = _records(after, delta.modified_after, values)
    out = []
    for i, (old, new) in enumerate(zip(olds, news, strict=True)):
        cols = [c for c in values if delta.changed[c][i]]
        out.append(
            row(
                "modified",
                old,
                changed_columns=cols,
                before=canonical({c: old[c] for c in cols}),
                after=canonical({c: new[c] for c in cols}),
            )
        )
    return out
