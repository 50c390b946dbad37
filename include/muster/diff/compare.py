"""Row alignment and column comparison with Arrow kernels: the part of the diff that has to scale.

Rows of the two sides are matched on the table's primary key (provenance columns excluded): each key
column gets order-preserving integer codes over both sides, the codes are combined, and a binary search
pairs the rows (sealed tables are sorted by key, so nothing is sorted here). Each value column is then
compared for the matched pairs only, one column at a time, dictionary-encoded ones through their codes. Nested columns are compared exactly: lists
as sequences, maps as mappings (entry order does not matter).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..schema import TableSpec

PROVENANCE = ("provider", "tenant_id", "snapshot_date")


def key_columns(spec: TableSpec) -> list[str]:
    return [k for k in spec.primary_key if k not in PROVENANCE]


def value_columns(spec: TableSpec) -> list[str]:
    keys = set(spec.primary_key)
    return [c for c in spec.column_names if c not in keys]


@dataclass(frozen=True)
class Delta:
    """Row positions: added (in after), removed (in before), modified pairs with the changed columns."""

    added: np.ndarray
    removed: np.ndarray
    modified_before: np.ndarray
    modified_after: np.ndarray
    #: One boolean array per value column, aligned with the modified pairs.
    changed: dict[str, np.ndarray]


def _chunk(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col


def _np(arr) -> np.ndarray:
    return arr.to_numpy(zero_copy_only=False)


def _both(before: pa.Table, after: pa.Table, name: str) -> pa.ChunkedArray:
    """A column of both sides as one chunked array: before's rows first."""
    col_b, col_a = before.column(name), after.column(name)
    if col_b.type != col_a.type:  # one side dictionary-encoded: compare plain values
        col_b, col_a = (_plain(c) for c in (col_b, col_a))
    return pa.chunked_array(col_b.chunks + col_a.chunks, col_b.type)


def _plain(col: pa.ChunkedArray) -> pa.ChunkedArray:
    return col.cast(col.type.value_type) if pa.types.is_dictionary(col.type) else col


def codes(before: pa.Table, after: pa.Table, name: str) -> np.ndarray:
    """Int64 codes of a dictionary column over both sides (before's rows first): equal values, equal
    codes, null -1. Only the dictionaries are hashed; no string is copied."""
    col = pa.table({"c": _both(before, after, name)}).unify_dictionaries().column(0)
    idx = pa.chunked_array([c.indices for c in col.chunks], col.type.index_type)
    return _np(pc.fill_null(idx, -1)).astype(np.int64)


def _ranked(col: pa.ChunkedArray) -> tuple[np.ndarray, int]:
    """Order-preserving codes 0..span-1 of a dictionary-encoded column (null first)."""
    col = pa.table({"c": col}).unify_dictionaries().column(0)
    if not col.num_chunks or not len(col.chunk(0).dictionary):
        return np.zeros(len(col), dtype=np.int64), 1
    dictionary = col.chunk(0).dictionary
    rank = np.empty(len(dictionary), dtype=np.int64)
    rank[_np(pc.sort_indices(dictionary))] = np.arange(1, len(dictionary) + 1)
    idx = _np(pc.fill_null(pa.chunked_array([c.indices for c in col.chunks], col.type.index_type), -1))
    return np.where(idx < 0, 0, rank[np.maximum(idx, 0)]), len(dictionary) + 1


def _sorted_runs(col: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array] | None:
    """Starts and values of the runs of equal neighbours, if the column is non-decreasing without nulls."""
    n = len(col)
    if col.null_count:
        return None
    if n < 2:
        return np.arange(n), _chunk(col)
    head, tail = col.slice(0, n - 1), col.slice(1)
    if not pc.all(pc.less_equal(head, tail)).as_py():
        return None
    starts = np.flatnonzero(np.concatenate([[True], _np(pc.not_equal(head, tail))]))
    return starts, _chunk(col).take(pa.array(starts))


def _merged_ranks(hb: pa.Array, ha: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Ranks of two sorted sequences of distinct values in their sorted union (equal values, equal rank).

    One hash lookup matches them; only the few unmatched values need a binary search.
    """
    m = pc.index_in(ha, value_set=hb)
    found = _np(pc.is_valid(m))
    match = _np(pc.fill_null(m, 0)).astype(np.int64)
    lt_b = np.where(found, match, 0)  # for each value of ha: how many of hb are smaller
    if not found.all():
        miss = np.flatnonzero(~found)
        lt_b[miss] = _np(pc.search_sorted(hb, ha.take(pa.array(miss))))
    lt_a = np.zeros(len(hb), dtype=np.int64)  # for each value of hb: how many of ha are smaller
    seen = np.zeros(len(hb), dtype=bool)
    lt_a[match[found]], seen[match[found]] = np.flatnonzero(found), True
    if not seen.all():
        miss = np.flatnonzero(~seen)
        lt_a[miss] = _np(pc.search_sorted(ha, hb.take(pa.array(miss))))
    return np.arange(len(hb)) + lt_a, np.arange(len(ha)) + lt_b


def ordered_codes(before: pa.Table, after: pa.Table, name: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Order-preserving int64 codes of one column on each side, and their span.

    Dictionary columns rank their (small) unified dictionary. A plain column that is sorted on both sides
    (a leading key column, as the sealer writes it) is matched run by run; any other is dictionary-encoded
    first, which hashes every value: correct, only slower.
    """
    nb = before.num_rows
    col_b, col_a = before.column(name), after.column(name)
    if not pa.types.is_dictionary(col_b.type) or col_b.type != col_a.type:
        runs_b, runs_a = _sorted_runs(_plain(col_b)), _sorted_runs(_plain(col_a))
        if runs_b is not None and runs_a is not None:
            rb, ra = _merged_ranks(runs_b[1], runs_a[1])
            span = int(max(rb.max(initial=-1), ra.max(initial=-1))) + 1
            return _expand(rb, runs_b[0], nb), _expand(ra, runs_a[0], after.num_rows), span
        encoded = pc.dictionary_encode(pa.chunked_array(_plain(col_b).chunks + _plain(col_a).chunks))
        code, span = _ranked(encoded)
        return code[:nb], code[nb:], span
    code, span = _ranked(_both(before, after, name))
    return code[:nb], code[nb:], span


def _expand(run_codes: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    return np.repeat(run_codes, np.diff(np.append(starts, n)))


def composite_keys(before: pa.Table, after: pa.Table, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """One int64 per row, on both sides, that orders rows as their primary key does (equal keys, equal
    values): the columns' order-preserving codes combined lexicographically, re-densified (order kept)
    whenever the product could overflow. Exact, unlike joining strings with a separator."""
    code_b = np.zeros(before.num_rows, dtype=np.int64)
    code_a = np.zeros(after.num_rows, dtype=np.int64)
    span = 1
    for k in keys:
        part_b, part_a, size = ordered_codes(before, after, k)
        if span * size >= 2**62:
            both, inverse = np.unique(np.concatenate([code_b, code_a]), return_inverse=True)
            code_b, code_a, span = inverse[: len(code_b)], inverse[len(code_b) :], len(both)
        code_b, code_a, span = code_b * size + part_b, code_a * size + part_a, span * size
    return code_b, code_a


def align(
    before_key: np.ndarray, after_key: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(added after rows, removed before rows, matched before rows, matched after rows).

    A binary search of each after key among the before keys; sorted input (as sealed) needs no sort.
    """
    order = None
    keys = before_key
    if len(keys) > 1 and not np.all(keys[1:] > keys[:-1]):
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        if np.any(keys[1:] == keys[:-1]):
            raise ValueError("duplicate primary key in the baseline table")
    if len(after_key) > 1 and not np.all(after_key[1:] > after_key[:-1]):
        if np.any(np.diff(np.sort(after_key)) == 0):
            raise ValueError("duplicate primary key in the current table")
    pos = np.minimum(np.searchsorted(keys, after_key), max(len(keys) - 1, 0))
    found = keys[pos] == after_key if len(keys) else np.zeros(len(after_key), dtype=bool)
    before_pos = pos[found] if order is None else order[pos[found]]
    kept = np.zeros(len(before_key), dtype=bool)
    kept[before_pos] = True
    return np.flatnonzero(~found), np.flatnonzero(~kept), before_pos, np.flatnonzero(found)


def column_differs(
    before: pa.Table, after: pa.Table, name: str, b_pos: np.ndarray, a_pos: np.ndarray
) -> np.ndarray:
    """Per matched pair, whether column `name` differs. Dictionary columns are compared through their codes
    (no string is copied); the others by taking the matched values of each side."""
    if pa.types.is_dictionary(before.schema.field(name).type) and pa.types.is_dictionary(
        after.schema.field(name).type
    ):
        code = codes(before, after, name)
        return code[b_pos] != code[before.num_rows + a_pos]
    old = _plain(before.column(name)).take(pa.array(b_pos))
    new = _plain(after.column(name)).take(pa.array(a_pos))
    nested = pa.types.is_map(old.type) or pa.types.is_list(old.type) or pa.types.is_large_list(old.type)
    return differs(_chunk(old), _chunk(new)) if nested else differs(old, new)


def differs(a: pa.Array, b: pa.Array) -> np.ndarray:
    """Per row, whether two aligned arrays hold different values; null equals null only."""
    if pa.types.is_map(a.type):
        return _map_differs(a, b)
    if pa.types.is_list(a.type) or pa.types.is_large_list(a.type):
        return _list_differs(a, b)
    ne = pc.fill_null(pc.not_equal(a, b), False)
    return _np(pc.or_(ne, pc.xor(pc.is_null(a), pc.is_null(b))))


def _shape_differs(a: pa.Array, b: pa.Array) -> np.ndarray:
    """Null on one side only, or lists of different lengths."""
    la, lb = pc.list_value_length(a), pc.list_value_length(b)
    return _np(pc.or_(pc.fill_null(pc.not_equal(la, lb), False), pc.xor(pc.is_null(la), pc.is_null(lb))))


def _same_shape_rows(a: pa.Array, b: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(differs so far, rows holding non-empty lists of equal length on both sides, to compare elements)."""
    out = _shape_differs(a, b)
    nonempty = _np(pc.fill_null(pc.greater(pc.list_value_length(a), 0), False))
    return out, np.flatnonzero(~out & nonempty)


def _elements_differ(parents: np.ndarray, n: int, pairs) -> np.ndarray:
    """Which of n lists hold a differing element, given aligned flattened elements and their parents."""
    bad = np.zeros(n, dtype=bool)
    for x, y in pairs:
        bad[parents[differs(x, y)]] = True
    return bad


def _list_differs(a: pa.Array, b: pa.Array) -> np.ndarray:
    """Lists compare as sequences: same length, same element at each position. The elements of rows of
    equal length are gathered straight from both value buffers and compared in one kernel call."""
    out, rows = _same_shape_rows(a, b)
    if len(rows):
        oa, ob = _np(a.offsets).astype(np.int64), _np(b.offsets).astype(np.int64)
        lengths = oa[rows + 1] - oa[rows]
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        within = np.arange(int(lengths.sum())) - starts
        ia, ib = np.repeat(oa[rows], lengths) + within, np.repeat(ob[rows], lengths) + within
        pairs = [(a.values.take(pa.array(ia)), b.values.take(pa.array(ib)))]
        out[rows] = _elements_differ(np.repeat(np.arange(len(rows)), lengths), len(rows), pairs)
    return out


def _as_entry_lists(m: pa.Array) -> pa.Array:
    """A map array as a list of (key, value) structs, which the list kernels accept."""
    return m.cast(pa.list_(pa.struct([("key", m.type.key_type), ("value", m.type.item_type)])))


def _sorted_entries(entry_lists: pa.Array) -> tuple[pa.StructArray, np.ndarray]:
    """Entries sorted by key within each map (a map's entry order carries no meaning), and their parents."""
    entries, parents = pc.list_flatten(entry_lists), pc.list_parent_indices(entry_lists)
    order = pc.sort_indices(
        pa.table({"p": parents, "k": entries.field("key")}),
        sort_keys=[("p", "ascending"), ("k", "ascending")],
    )
    return entries.take(order), _np(parents.take(order))


def _map_differs(a: pa.Array, b: pa.Array) -> np.ndarray:
    """Maps compare as mappings: the same keys with the same values, in any order."""
    a, b = _as_entry_lists(a), _as_entry_lists(b)
    out, rows = _same_shape_rows(a, b)
    if len(rows):
        ea, parents = _sorted_entries(a.take(pa.array(rows)))
        eb, _ = _sorted_entries(b.take(pa.array(rows)))
        pairs = [(ea.field("key"), eb.field("key")), (ea.field("value"), eb.field("value"))]
        out[rows] = _elements_differ(parents, len(rows), pairs)
    return out


def diff_aligned(spec: TableSpec, before: pa.Table, after: pa.Table) -> Delta:
    """Added, removed and modified rows between two complete tables of the same spec."""
    bk, ak = composite_keys(before, after, key_columns(spec))
    added, removed, b_pos, a_pos = align(bk, ak)
    del bk, ak
    changed = {col: column_differs(before, after, col, b_pos, a_pos) for col in value_columns(spec)}
    any_change = np.zeros(len(a_pos), dtype=bool)
    for mask in changed.values():
        any_change |= mask
    sel = np.flatnonzero(any_change)
    return Delta(
        added=added,
        removed=removed,
        modified_before=b_pos[sel],
        modified_after=a_pos[sel],
        changed={c: m[sel] for c, m in changed.items()},
    )
