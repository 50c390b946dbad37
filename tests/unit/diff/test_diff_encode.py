"""Change-row JSON built column by column is byte for byte `canonical` of the same values."""

import datetime as dt

import pyarrow as pa
from muster.diff.encode import canonical, members, objects

UTC = dt.UTC
EDGES = {
    "text": (
        pa.string(),
        ["plain", "ünï ☃", 'q"uote', "back\\slash", "tab\tnew\nline", "\x00\x1f", "", None],
    ),
    "flag": (pa.bool_(), [True, False, None, True, False, None, True, False]),
    "count": (pa.int64(), [0, -1, 2**53 + 1, None, 7, 8, 9, 10]),
    "day": (pa.date32(), [dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(2026, 11, 2), None] * 2),
    "at": (
        pa.timestamp("us", tz="UTC"),
        [
            dt.datetime(1, 1, 1, tzinfo=UTC),
            dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
            dt.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
            dt.datetime(1970, 1, 1, tzinfo=UTC),
            dt.datetime(2026, 11, 2, 3, 4, 5, 60, tzinfo=UTC),
            dt.datetime(2026, 11, 2, 3, 4, 5, tzinfo=UTC),
            None,
            dt.datetime(2026, 11, 2, tzinfo=UTC),
        ],
    ),
    "at_ms": (pa.timestamp("ms", tz="UTC"), [dt.datetime(2026, 1, 1, 0, 0, 0, 5000, tzinfo=UTC), None] * 4),
    "reasons": (pa.list_(pa.string()), [["a", "é"], [], None, ['"'], [None], ["x"] * 3, ["b"], ["a"]]),
    "tags": (
        pa.map_(pa.string(), pa.string()),
        [
            [("b", "2"), ("a", "1")],
            [],
            None,
            [("k", None)],
            [("ü", "☃")],
            [("x", "y")],
            [("a", "\n")],
            [("z", "")],
        ],
    ),
}


def test_members_and_objects_give_canonical_json_of_every_type():
    names = sorted(EDGES)
    columns = [members(n, pa.chunked_array([pa.array(EDGES[n][1], EDGES[n][0])])) for n in names]
    got = objects(columns, 8)
    for i, text in enumerate(got):
        row = {}
        for n in names:
            value = pa.array(EDGES[n][1], EDGES[n][0])[i].as_py()
            row[n] = dict(value) if pa.types.is_map(EDGES[n][0]) and value is not None else value
        assert text == canonical(row)


def test_dictionary_columns_encode_as_their_values():
    plain = pa.chunked_array([pa.array(["a", None, "é"])])
    encoded = pa.chunked_array([pa.array(["a", None, "é"]).dictionary_encode()])
    assert members("c", encoded) == members("c", plain) == ['"c":"a"', '"c":null', '"c":"é"']


def test_an_object_without_members_is_empty():
    assert objects([], 2) == ["{}", "{}"] == [canonical({})] * 2
