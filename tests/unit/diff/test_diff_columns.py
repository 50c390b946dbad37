"""The diff's column kernels against plain Python, over generated columns (hypothesis): comparing codes,
numpy values and list/map elements, and taking rows chunk by chunk, must give what comparing the Python
values gives, whatever the chunking and whichever side is dictionary-encoded."""

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from muster.diff.columns import column_differs
from muster.diff.keys import take

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STRINGS = pa.list_(pa.field("element", pa.string()))
TAGS = pa.map_(pa.string(), pa.string())
UTC_TS = pa.timestamp("us", tz="UTC")

text = st.none() | st.sampled_from(["", "a", "b", "é", 'q"', "x\\y", "line\n", "ünï"])
stamp = st.none() | st.sampled_from(
    [
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=dt.UTC),
        dt.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
    ]
)
reasons = st.none() | st.lists(text, max_size=3)
tags = st.none() | st.lists(st.tuples(st.sampled_from(["a", "b", "team"]), text), max_size=3)
KINDS = {
    "string": (text, pa.string()),
    "bool": (st.none() | st.booleans(), pa.bool_()),
    "timestamp": (stamp, UTC_TS),
    "list": (reasons, STRINGS),
    "map": (tags, TAGS),
}


def reference_differs(typ: pa.DataType, x, y) -> bool:
    """Null equals null only; maps compare with their entries sorted by key (a stable sort, as the diff
    defines it), so entry order means nothing."""
    if pa.types.is_map(typ) and x is not None and y is not None:
        return sorted(x, key=lambda e: e[0]) != sorted(y, key=lambda e: e[0])
    return x != y


def _dictionary(arr: pa.Array) -> pa.Array:
    """The same values with every string leaf dictionary-encoded."""
    if pa.types.is_string(arr.type):
        return pc.dictionary_encode(arr)
    strings = pa.dictionary(pa.int32(), pa.string())
    if pa.types.is_list(arr.type):
        return arr.cast(pa.list_(strings))
    if pa.types.is_map(arr.type):
        return arr.cast(pa.map_(strings, strings))
    return arr


def chunked(values: list, typ: pa.DataType, cuts: list[int], encode: bool) -> pa.ChunkedArray:
    """The values as a chunked array cut at `cuts`, each chunk encoded on its own (own dictionaries)."""
    arr = pa.array(values, typ)
    bounds = sorted({0, len(values), *(c % (len(values) + 1) for c in cuts)})
    chunks = [arr.slice(lo, hi - lo) for lo, hi in zip(bounds, bounds[1:], strict=False)] or [arr]
    chunks = [_dictionary(c) if encode else c for c in chunks]
    return pa.chunked_array(chunks, chunks[0].type)


@st.composite
def column_pairs(draw):
    kind = draw(st.sampled_from(sorted(KINDS)))
    values, typ = KINDS[kind]
    before = draw(st.lists(values, min_size=1, max_size=12))
    after = draw(st.lists(values, min_size=1, max_size=12))
    n = draw(st.integers(0, 20))
    b_pos = draw(st.lists(st.integers(0, len(before) - 1), min_size=n, max_size=n))
    a_pos = draw(st.lists(st.integers(0, len(after) - 1), min_size=n, max_size=n))
    sides = [
        chunked(v, typ, draw(st.lists(st.integers(0, 12), max_size=3)), draw(st.booleans()))
        for v in (before, after)
    ]
    return typ, before, after, sides, np.array(b_pos, dtype=np.int64), np.array(a_pos, dtype=np.int64)


@SETTINGS
@given(column_pairs())
def test_column_differs_is_python_inequality(case):
    typ, before, after, (col_b, col_a), b_pos, a_pos = case
    got = column_differs(col_b, col_a, b_pos, a_pos)
    want = [reference_differs(typ, before[i], after[j]) for i, j in zip(b_pos, a_pos, strict=True)]
    assert got.tolist() == want


@SETTINGS
@given(st.data())
def test_take_by_chunk_is_arrow_take(data):
    values = data.draw(st.lists(text, min_size=1, max_size=15))
    col = chunked(
        values, pa.string(), data.draw(st.lists(st.integers(0, 15), max_size=4)), data.draw(st.booleans())
    )
    rows = data.draw(st.lists(st.integers(0, len(values) - 1), max_size=15))
    got = take(col, np.array(rows, dtype=np.int64))
    assert got.type == col.type
    assert got.to_pylist() == [values[i] for i in rows]


def test_map_entry_order_is_no_change_but_a_repeated_key_keeps_its_order():
    typ = TAGS
    before = pa.chunked_array([pa.array([[("a", "1"), ("b", "2")], [("a", "1"), ("a", "2")]], typ)])
    after = pa.chunked_array([pa.array([[("b", "2"), ("a", "1")], [("a", "2"), ("a", "1")]], typ)])
    rows = np.array([0, 1])
    assert column_differs(before, after, rows, rows).tolist() == [False, True]
