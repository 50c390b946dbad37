"""The diff of two complete tables of one spec: which rows were added, removed or modified, and the values the
change rows will show. The part of the diff that has to scale, so it is numpy and Arrow kernels throughout:
rows are matched on the primary key (provenance columns excluded) by `keys`, then each value column is
compared for the matched pairs by `columns`, one column at a time; as a column is compared, the few values
the change rows need are taken from it, so no column is held longer than its comparison.

Either side may be a `pa.Table` or anything offering `num_rows` and `column(name)` (a `ParquetColumns`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ..schema import TableSpec
from .columns import column_differs
from .keys import align, composite_keys, take

PROVENANCE = ("provider", "tenant_id", "snapshot_date")


def key_columns(spec: TableSpec) -> list[str]:
    return [k for k in spec.primary_key if k not in PROVENANCE]


def value_columns(spec: TableSpec) -> list[str]:
    keys = set(spec.primary_key)
    return [c for c in spec.column_names if c not in keys]


@dataclass(frozen=True)
class Delta:
    """The changes between two tables, with the values their rows show."""

    #: Rows only in the newer table, and rows only in the baseline: key and value columns.
    added: pa.Table
    removed: pa.Table
    #: Key columns (and principal_id, if the table has one) of the modified rows, as in the baseline.
    modified: pa.Table
    #: Per value column: which modified rows (positions in `modified`) it changed in, with the values of
    #: those rows in the baseline and in the newer table.
    changed: dict[str, tuple[np.ndarray, pa.ChunkedArray, pa.ChunkedArray]]


def _identity(spec: TableSpec) -> list[str]:
    """Columns a change row is identified by: the key, and principal_id where the table has one."""
    keys = key_columns(spec)
    return keys + [c for c in ("principal_id",) if c in spec.column_names and c not in keys]


def everything_added(spec: TableSpec, after) -> Delta:
    """Every row of `after` as added (there is no baseline to compare with)."""
    names = key_columns(spec) + value_columns(spec)
    added = pa.table({c: after.column(c) for c in names})
    empty = pa.table({c: pa.chunked_array([], added.schema.field(c).type) for c in _identity(spec)})
    return Delta(added, added.slice(0, 0), empty, {})


def diff_aligned(spec: TableSpec, before, after) -> Delta:
    """Added, removed and modified rows between two complete tables of the same spec."""
    keys, values = key_columns(spec), value_columns(spec)
    bk, ak, coded = composite_keys(before, after, keys)
    added, removed, b_pos, a_pos = align(bk, ak)
    del bk, ak
    taken_a, taken_b, changed, principals = _compare_values(
        before, after, values, added, removed, b_pos, a_pos
    )
    modified = np.unique(np.concatenate([np.zeros(0, dtype=np.int64)] + [p for p, _, _ in changed.values()]))
    changed = {c: (np.searchsorted(modified, p), vb, va) for c, (p, vb, va) in changed.items()}
    rows = {}
    for k in keys:
        (taken_a[k],) = coded[k].values_a.take(added)
        taken_b[k], rows[k] = coded[k].values_b.take(removed, b_pos[modified])
    if principals is not None:  # principal_id outside the key: as the baseline has it
        rows["principal_id"] = take(principals, b_pos[modified])
    names = keys + values
    return Delta(
        added=pa.table({c: taken_a[c] for c in names}),
        removed=pa.table({c: taken_b[c] for c in names}),
        modified=pa.table(rows),
        changed=changed,
    )


def _compare_values(before, after, values: list[str], added, removed, b_pos, a_pos):
    """Compare the value columns one at a time, taking from each what the change rows show: its values in
    the added and removed rows, and in the pairs where it changed. Returns those, and the baseline's
    principal_id column when it is a value column (every modified row shows it)."""
    taken_a, taken_b, changed, principals = {}, {}, {}, None
    for c in values:
        col_b, col_a = before.column(c), after.column(c)
        pairs = np.flatnonzero(column_differs(col_b, col_a, b_pos, a_pos))
        changed[c] = (pairs, take(col_b, b_pos[pairs]), take(col_a, a_pos[pairs]))
        taken_a[c], taken_b[c] = take(col_a, added), take(col_b, removed)
        if c == "principal_id":
            principals = col_b
        del col_b, col_a
    return taken_a, taken_b, changed, principals
