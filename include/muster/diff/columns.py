"""Whether one value column differs between the matched rows of two tables, per type, without copying strings
where codes will do.

Dictionary columns (as the diff reads low-cardinality strings, also inside lists and maps) are compared
through their unified dictionary codes; fixed-width columns as numpy values; other strings by taking the
matched values of each side. Null equals null only. Lists compare as sequences; maps as mappings (entry
order does not matter): entries are first compared position by position, and only maps that differ there
are compared again with their entries sorted by key.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .keys import as_numpy, chunk, dictionary_codes, take

#: Pairs of lists compared at a time.
BLOCK = 1 << 19
#: Element types whose Arrow equality is equality of the values' bytes, so hashing them gives exact codes.
_HASHABLE = (pa.types.is_string, pa.types.is_large_string, pa.types.is_binary, pa.types.is_integer)


def _nested(typ: pa.DataType) -> bool:
    return pa.types.is_map(typ) or pa.types.is_list(typ) or pa.types.is_large_list(typ)


_FIXED_WIDTH = (
    pa.types.is_boolean,
    pa.types.is_integer,
    pa.types.is_timestamp,
    pa.types.is_date,
    pa.types.is_time,
    pa.types.is_duration,
)


def _fixed_width(typ: pa.DataType) -> bool:
    """Types held as one integer per value, so numpy compares them exactly (floats are not: NaN)."""
    return any(test(typ) for test in _FIXED_WIDTH)


def plain_type(typ: pa.DataType) -> pa.DataType:
    """The type with every dictionary (also inside lists and maps) replaced by its value type."""
    if pa.types.is_dictionary(typ):
        return plain_type(typ.value_type)
    if pa.types.is_map(typ):
        return pa.map_(plain_type(typ.key_type), plain_type(typ.item_type))
    if pa.types.is_list(typ):
        return pa.list_(typ.value_field.with_type(plain_type(typ.value_type)))
    if pa.types.is_large_list(typ):
        return pa.large_list(typ.value_field.with_type(plain_type(typ.value_type)))
    return typ


def column_differs(
    col_b: pa.ChunkedArray, col_a: pa.ChunkedArray, b_pos: np.ndarray, a_pos: np.ndarray
) -> np.ndarray:
    """Per matched pair (b_pos[i] of before, a_pos[i] of after), whether the column's values differ."""
    if col_b.type != col_a.type:  # e.g. dictionary-encoded on one side only: compare plain values
        col_b, col_a = col_b.cast(plain_type(col_b.type)), col_a.cast(plain_type(col_a.type))
    typ = col_b.type
    if pa.types.is_dictionary(typ) and not _nested(typ.value_type):
        codes_b, codes_a = _codes(col_b, col_a)
        return codes_b[b_pos] != codes_a[a_pos]
    if _fixed_width(typ):
        return _fixed_differs(col_b, col_a, b_pos, a_pos)
    if _nested(typ):
        return _nested_differs(col_b, col_a, b_pos, a_pos)
    old, new = take(col_b, b_pos), take(col_a, a_pos)
    return differs(old, new)


def differs(a: pa.Array, b: pa.Array) -> np.ndarray:
    """Per row, whether two aligned arrays hold different values; null equals null only."""
    if pa.types.is_map(a.type):
        return _map_differs(a, b)
    if pa.types.is_list(a.type) or pa.types.is_large_list(a.type):
        return _list_differs(a, b)
    ne = pc.fill_null(pc.not_equal(a, b), False)
    return as_numpy(pc.or_(ne, pc.xor(pc.is_null(a), pc.is_null(b))))


# -- flat columns ----------------------------------------------------------------------------------------
def _codes(col_b: pa.ChunkedArray, col_a: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of a column on each side: equal values, equal codes; null -1. Dictionary columns hash
    only their dictionaries; plain ones (hashable types only) are dictionary-encoded first."""
    if not pa.types.is_dictionary(col_b.type):
        both = pc.dictionary_encode(pa.chunked_array(col_b.chunks + col_a.chunks, col_b.type))
        col_b, col_a = both.slice(0, len(col_b)), both.slice(len(col_b))
    codes_b, codes_a, _ = dictionary_codes(col_b, col_a)
    return codes_b, codes_a


def _values(col: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray | None]:
    """A fixed-width column as numpy (nulls as the type's zero) and its validity (None: no nulls)."""
    valid = as_numpy(col.is_valid()) if col.null_count else None
    if pa.types.is_boolean(col.type):
        return as_numpy(pc.fill_null(col, False)), valid
    physical = pa.int32() if col.type.bit_width == 32 else pa.int64()
    if pa.types.is_integer(col.type):
        physical = col.type
    values = col.cast(physical) if physical != col.type else col
    return as_numpy(pc.fill_null(values, 0) if col.null_count else values), valid


def _fixed_differs(col_b, col_a, b_pos: np.ndarray, a_pos: np.ndarray) -> np.ndarray:
    """Nulls are compared through validity; their values are all zero, so two nulls are equal."""
    (vb, ok_b), (va, ok_a) = _values(col_b), _values(col_a)
    out = vb[b_pos] != va[a_pos]
    if ok_b is not None or ok_a is not None:
        ok_b = np.ones(len(vb), dtype=bool) if ok_b is None else ok_b
        ok_a = np.ones(len(va), dtype=bool) if ok_a is None else ok_a
        out |= ok_b[b_pos] != ok_a[a_pos]
    return out


# -- lists and maps ----------------------------------------------------------------------------------------
def _layout(col: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray | None, list[pa.ChunkedArray]]:
    """A list or map column as (offsets into its flattened entries, validity or None if no nulls, the
    flattened children: [values] for a list, [keys, items] for a map), across chunks."""
    offsets, children, base = [np.zeros(1, dtype=np.int64)], [], 0
    for c in col.chunks:
        off = as_numpy(c.offsets).astype(np.int64)
        offsets.append(off[1:] - off[0] + base)
        base += int(off[-1] - off[0])
        parts = [c.keys, c.items] if pa.types.is_map(c.type) else [c.values]
        children.append([p.slice(int(off[0]), int(off[-1] - off[0])) for p in parts])
    valid = as_numpy(col.is_valid()) if col.null_count else None
    width = 2 if pa.types.is_map(col.type) else 1
    flat = [pa.chunked_array([ch[i] for ch in children], _child_type(col.type, i)) for i in range(width)]
    offsets = np.concatenate(offsets)
    return (offsets.astype(np.int32) if base < 2**31 else offsets), valid, flat


def _child_type(typ: pa.DataType, i: int) -> pa.DataType:
    if pa.types.is_map(typ):
        return (typ.key_type, typ.item_type)[i]
    return typ.value_type


def _codable(typ: pa.DataType) -> bool:
    value = typ.value_type if pa.types.is_dictionary(typ) else typ
    return any(test(value) for test in _HASHABLE)


def _nested_differs(col_b, col_a, b_pos: np.ndarray, a_pos: np.ndarray) -> np.ndarray:
    """Lists and maps whose elements are codable: shapes, then element codes, compared with numpy, a block
    of pairs at a time (the per-element arrays of millions of lists would otherwise cost gigabytes)."""
    kinds = [_child_type(col_b.type, i) for i in range(2 if pa.types.is_map(col_b.type) else 1)]
    if not all(_codable(t) for t in kinds):
        return _taken_differs(col_b, col_a, b_pos, a_pos)
    (off_b, ok_b, flat_b), (off_a, ok_a, flat_a) = _layout(col_b), _layout(col_a)
    codes = [_codes(child_b, child_a) for child_b, child_a in zip(flat_b, flat_a, strict=True)]
    out = np.zeros(len(b_pos), dtype=bool)
    for start in range(0, len(b_pos), BLOCK):
        b, a = b_pos[start : start + BLOCK], a_pos[start : start + BLOCK]
        out[start : start + BLOCK] = _block_differs((off_b, ok_b, b), (off_a, ok_a, a), codes)
    if pa.types.is_map(col_b.type) and out.any():  # differs by position: compare as mappings
        again = np.flatnonzero(out)
        out[again] = _taken_differs(col_b, col_a, b_pos[again], a_pos[again])
    return out


def _block_differs(side_b, side_a, codes: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Per pair of one block: null on one side only, different lengths, or a differing element."""
    (off_b, ok_b, b), (off_a, ok_a, a) = side_b, side_a
    start_b, start_a = off_b[b], off_a[a]
    length = off_b[b + 1] - start_b
    out = length != off_a[a + 1] - start_a
    if ok_b is not None or ok_a is not None:
        valid_b = np.ones(len(b), dtype=bool) if ok_b is None else ok_b[b]
        valid_a = np.ones(len(a), dtype=bool) if ok_a is None else ok_a[a]
        out = (valid_b != valid_a) | (valid_b & out)
        length = np.where(valid_b, length, 0)
    rows = np.flatnonzero(~out & (length > 0))
    if not len(rows):
        return out
    lengths = length[rows]
    owner = np.repeat(np.arange(len(rows)), lengths)
    within = np.arange(len(owner)) - (np.cumsum(lengths) - lengths)[owner]
    at_b, at_a = start_b[rows][owner] + within, start_a[rows][owner] + within
    bad = np.zeros(len(owner), dtype=bool)
    for codes_b, codes_a in codes:
        bad |= codes_b[at_b] != codes_a[at_a]
    out[rows[np.unique(owner[bad])]] = True
    return out


def _taken_differs(col_b, col_a, b_pos: np.ndarray, a_pos: np.ndarray) -> np.ndarray:
    """The matched values of each side taken as plain arrays and compared by `differs`."""
    old = chunk(take(col_b, b_pos).cast(plain_type(col_b.type)))
    new = chunk(take(col_a, a_pos).cast(plain_type(col_a.type)))
    return differs(old, new)


def _shape_differs(a: pa.Array, b: pa.Array) -> np.ndarray:
    """Null on one side only, or lists of different lengths."""
    la, lb = pc.list_value_length(a), pc.list_value_length(b)
    return as_numpy(pc.or_(pc.fill_null(pc.not_equal(la, lb), False), pc.xor(pc.is_null(la), pc.is_null(lb))))


def _same_shape_rows(a: pa.Array, b: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(differs so far, rows holding non-empty lists of equal length on both sides, to compare elements)."""
    out = _shape_differs(a, b)
    nonempty = as_numpy(pc.fill_null(pc.greater(pc.list_value_length(a), 0), False))
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
        oa, ob = as_numpy(a.offsets).astype(np.int64), as_numpy(b.offsets).astype(np.int64)
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
    return entries.take(order), as_numpy(parents.take(order))


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
