"""Row alignment on the primary key: one order-preserving int64 per row on both sides, then a binary search.

Each key column gets integer codes over both sides that sort as its values do; the codes of the key columns
are combined lexicographically, so equal keys get equal codes and sealed tables (sorted by key) get
increasing ones. Strings are never hashed on the fast path: Arrow compares and copies strings an order of
magnitude faster than it hashes them, so a sorted column is matched by searching a few anchors and checking
the rows between them for equality. Exact, unlike joining strings with a separator.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .source import pieces

#: Every ANCHOR-th value of a sorted column is binary-searched on the other side; the values in between are
#: guessed to follow their anchor (true wherever the two sides agree) and only wrong guesses are searched.
ANCHOR = 8


def chunk(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    """One contiguous array (a copy only when there are several chunks)."""
    if isinstance(col, pa.Array):
        return col
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()


def take(col: pa.ChunkedArray, rows: np.ndarray) -> pa.ChunkedArray:
    """`col.take(rows)`, chunk by chunk: Arrow would first join a string column's chunks (a copy of the
    whole column) to take a few rows from it."""
    rows = np.asarray(rows, dtype=np.int64)
    if col.num_chunks <= 1:
        return col.take(pa.array(rows))
    bounds = np.cumsum([0] + [len(c) for c in col.chunks])
    which = np.searchsorted(bounds, rows, side="right") - 1
    if len(which) > 1 and np.any(which[1:] < which[:-1]):  # not in chunk order: take in order, then reorder
        order = np.argsort(which, kind="stable")
        return take(col, rows[order]).take(pa.array(np.argsort(order)))
    cuts = np.searchsorted(which, np.arange(col.num_chunks + 1))
    parts = [
        col.chunk(i).take(pa.array(rows[cuts[i] : cuts[i + 1]] - bounds[i]))
        for i in range(col.num_chunks)
        if cuts[i + 1] > cuts[i]
    ]
    return pa.chunked_array(parts, col.type)


def as_numpy(arr) -> np.ndarray:
    return arr.to_numpy(zero_copy_only=False)


def plain(col: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    return col.cast(col.type.value_type) if pa.types.is_dictionary(col.type) else col


def dictionary_codes(
    col_b: pa.ChunkedArray, col_a: pa.ChunkedArray, *, ordered: bool = False, dtype=np.int32
) -> tuple[np.ndarray, np.ndarray, int]:
    """Codes 0..size-1 of a dictionary-encoded column on each side, null -1: equal values get equal codes
    (in value order if `ordered`). Each chunk has its own dictionary; only those (small) are hashed, and each
    chunk's indices are mapped straight into the output, with no unified copy of the column in between."""
    chunks = col_b.chunks + col_a.chunks
    union = pc.drop_null(pc.unique(pa.chunked_array([c.dictionary for c in chunks], col_b.type.value_type)))
    if ordered:
        union = union.take(pc.sort_indices(union))
    out = [np.empty(len(col), dtype=dtype) for col in (col_b, col_a)]
    start = [0, 0]
    for n, c in enumerate(chunks):
        side = 0 if n < col_b.num_chunks else 1
        table = as_numpy(pc.fill_null(pc.index_in(c.dictionary, value_set=union, skip_nulls=True), -1))
        table = np.append(table, -1).astype(dtype)  # index -1 (a null row) picks the final -1
        idx = as_numpy(pc.fill_null(c.indices, -1) if c.null_count else c.indices)
        out[side][start[side] : start[side] + len(c)] = table[idx]
        start[side] += len(c)
    return out[0], out[1], len(union)


def _ranked(
    col_b: pa.ChunkedArray, col_a: pa.ChunkedArray
) -> tuple[np.ndarray | None, np.ndarray | None, int]:
    """Order-preserving codes 1..span-1 of a dictionary-encoded column on each side, null 0; no codes (span
    1) for a column holding one value throughout, which neither orders nor tells rows apart."""
    codes_b, codes_a, size = dictionary_codes(col_b, col_a, ordered=True, dtype=np.int64)
    if size <= 1 and not col_b.null_count and not col_a.null_count:
        return None, None, 1
    codes_b += 1
    codes_a += 1
    return codes_b, codes_a, size + 1


def _sorted_runs(parts: Iterable[pa.Array], typ: pa.DataType) -> tuple[np.ndarray, pa.ChunkedArray] | None:
    """Starts and values of the runs of equal neighbours, if the column (given a part at a time, so that
    only the runs stay in memory) is non-decreasing without nulls."""
    starts, values, offset, last = [np.zeros(0, dtype=np.int64)], [], 0, None
    for part in parts:
        part = plain(part)
        n = len(part)
        if part.null_count:
            return None
        if not n:
            continue
        new = np.ones(n, dtype=bool)
        if n > 1:
            new[1:] = as_numpy(pc.not_equal(part.slice(0, n - 1), part.slice(1)))
        if last is not None:
            new[0] = pc.not_equal(last, part[0]).as_py()
        local = np.flatnonzero(new)
        runs = part if len(local) == n else part.take(pa.array(local))
        if len(runs) and last is not None and not pc.less(pa.scalar(last, typ), runs[0]).as_py():
            return None  # the part starts below where the previous one ended
        if len(runs) > 1 and not pc.all(pc.less(runs.slice(0, len(runs) - 1), runs.slice(1))).as_py():
            return None
        starts.append(local + offset)
        values.append(runs)
        offset, last = offset + n, part[n - 1].as_py()
    return np.concatenate(starts), pa.chunked_array(values, typ)


def lower_bounds(values: pa.ChunkedArray, needles: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """For each needle: how many values are smaller, and whether one is equal. Both strictly increasing."""
    n, m = len(values), len(needles)
    if not n or not m:
        return np.zeros(m, dtype=np.int64), np.zeros(m, dtype=bool)
    anchors = take(needles, np.arange(0, m, ANCHOR))
    at = as_numpy(pc.search_sorted(values, anchors)).astype(np.int64)
    guess = np.minimum(np.repeat(at, ANCHOR)[:m] + np.arange(m) % ANCHOR, n - 1)
    found = as_numpy(pc.equal(take(values, guess), needles))
    bound = guess
    miss = np.flatnonzero(~found)
    if len(miss):
        bound[miss] = as_numpy(pc.search_sorted(values, take(needles, miss))).astype(np.int64)
        inside = miss[bound[miss] < n]
        found[inside] = as_numpy(pc.equal(take(values, bound[inside]), take(needles, inside)))
    return bound, found


def _merged_ranks(hb: pa.ChunkedArray, ha: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Ranks of two strictly increasing arrays in their sorted union (equal values, equal rank)."""
    lt_b, found = lower_bounds(hb, ha)  # for each value of ha: how many of hb are smaller
    lt_a = np.zeros(len(hb), dtype=np.int64)  # for each value of hb: how many of ha are smaller
    seen = np.zeros(len(hb), dtype=bool)
    lt_a[lt_b[found]], seen[lt_b[found]] = np.flatnonzero(found), True
    if not seen.all():
        miss = np.flatnonzero(~seen)
        lt_a[miss] = as_numpy(pc.search_sorted(ha, take(hb, miss))).astype(np.int64)
    return np.arange(len(hb)) + lt_a, np.arange(len(ha)) + lt_b


def _expand(run_codes: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    return np.repeat(run_codes, np.diff(np.append(starts, n)))


@dataclass(frozen=True)
class KeyValues:
    """One key column of one side, kept so that the rows the change rows show can be taken from it: a sorted
    plain column as its runs (a fraction of it, and costly to decode again), a dictionary column as the side
    to decode it from again (cheap, and nothing held meanwhile)."""

    values: pa.ChunkedArray | None = None
    #: Row at which each value's run starts; None: one value per row.
    starts: np.ndarray | None = None
    #: Where to read the column again when `values` is None: the side (a table or ParquetColumns) and name.
    side: object = None
    name: str = ""

    def take(self, *rows: np.ndarray) -> list[pa.ChunkedArray]:
        """The values at each set of rows (the column read once for all of them)."""
        if self.values is None:
            col = self.side.column(self.name)
            return [take(col, r) for r in rows]
        if self.starts is not None:
            rows = tuple(np.searchsorted(self.starts, r, side="right") - 1 for r in rows)
        return [take(self.values, r) for r in rows]


@dataclass(frozen=True)
class Coded:
    """A key column on both sides: order-preserving int64 codes (None: the column is constant) and span."""

    codes_b: np.ndarray | None
    codes_a: np.ndarray | None
    span: int
    values_b: KeyValues
    values_a: KeyValues


def ordered_codes(before, after, name: str) -> Coded:
    """Order-preserving int64 codes of one column on each side.

    Dictionary columns rank their (small) unified dictionary. A plain column that is sorted on both sides
    (a leading key column, as the sealer writes it) is matched run by run; any other is dictionary-encoded
    first, which hashes every value: correct, only slower.
    """
    typ_b, typ_a = before.schema.field(name).type, after.schema.field(name).type
    if pa.types.is_dictionary(typ_b) and typ_b == typ_a:
        ranked = _ranked(before.column(name), after.column(name))
        return Coded(*ranked, KeyValues(side=before, name=name), KeyValues(side=after, name=name))
    typ = typ_b.value_type if pa.types.is_dictionary(typ_b) else typ_b
    runs_b = _sorted_runs(pieces(before, name), typ)  # a part at a time, a side at a time: only runs are kept
    runs_a = _sorted_runs(pieces(after, name), typ) if runs_b is not None else None
    if runs_b is not None and runs_a is not None:
        rb, ra = _merged_ranks(runs_b[1], runs_a[1])
        span = int(max(rb.max(initial=-1), ra.max(initial=-1))) + 1
        nb, na = before.num_rows, after.num_rows
        return Coded(
            _expand(rb, runs_b[0], nb), _expand(ra, runs_a[0], na), span, *_run_values(runs_b, runs_a, nb, na)
        )
    col_b, col_a = plain(before.column(name)), plain(after.column(name))
    encoded = pc.dictionary_encode(pa.chunked_array(col_b.chunks + col_a.chunks, col_b.type))
    ranked = _ranked(encoded.slice(0, len(col_b)), encoded.slice(len(col_b)))
    return Coded(*ranked, KeyValues(col_b), KeyValues(col_a))


def _run_values(runs_b, runs_a, nb: int, na: int) -> tuple[KeyValues, KeyValues]:
    """Each side's values as its runs (starts dropped where every row is its own run)."""
    return tuple(
        KeyValues(values, None if len(starts) == n else starts)
        for (starts, values), n in ((runs_b, nb), (runs_a, na))
    )


def composite_keys(before, after, keys: list[str]) -> tuple[np.ndarray, np.ndarray, dict[str, Coded]]:
    """One int64 per row, on both sides, that orders rows as their primary key does (equal keys, equal
    values): the columns' order-preserving codes combined lexicographically, re-densified (order kept)
    whenever the product could overflow. Also returns each key column, to take values from."""
    code_b, code_a, span, coded = None, None, 1, {}
    for k in keys:
        part = ordered_codes(before, after, k)
        coded[k] = Coded(None, None, part.span, part.values_b, part.values_a)  # the codes are merged below
        if part.codes_b is None:
            continue
        if code_b is None:  # the first column's codes are fresh arrays: combine the others into them
            code_b, code_a, span = part.codes_b, part.codes_a, part.span
            continue
        if span * part.span >= 2**62:
            both, inverse = np.unique(np.concatenate([code_b, code_a]), return_inverse=True)
            code_b, code_a, span = inverse[: len(code_b)], inverse[len(code_b) :], len(both)
        code_b *= part.span
        code_a *= part.span
        code_b += part.codes_b
        code_a += part.codes_a
        span *= part.span
        del part
    if code_b is None:  # every key column constant
        return np.zeros(before.num_rows, dtype=np.int64), np.zeros(after.num_rows, dtype=np.int64), coded
    return code_b, code_a, coded


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
