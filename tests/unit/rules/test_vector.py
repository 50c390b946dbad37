"""The column-wise text helpers give exactly what the row-by-row Python would (str.format, json.dumps)."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st
from muster.rules.render import Rows, by_case, cases, fmt, json_object
from muster.rules.vector import per_value

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
MAYBE = st.one_of(st.none(), TEXT)
UTC = dt.UTC


def _expected_json(fields: dict) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(MAYBE, st.one_of(st.none(), st.booleans()), st.one_of(st.none(), st.integers(0, 10**6))),
        max_size=8,
    )
)
def test_json_object_matches_json_dumps_for_nulls_escapes_bools_and_times(values):
    at = dt.datetime(2026, 11, 2, 3, 4, 5, 678, tzinfo=UTC)
    strings = pa.array([v[0] for v in values], pa.string())
    bools = pa.array([v[1] for v in values], pa.bool_())
    times = pa.array(
        [None if v[2] is None else at + dt.timedelta(seconds=v[2]) for v in values],
        pa.timestamp("us", tz="UTC"),
    )
    out = json_object(len(values), s=strings, b=bools, t=times, limit=90, note='a "quoted" value').to_pylist()
    expected = [
        _expected_json(
            {
                "s": s,
                "b": b,
                "t": None if t is None else (at + dt.timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "limit": 90,
                "note": 'a "quoted" value',
            }
        )
        for s, b, t in values
    ]
    assert out == expected


def test_json_object_of_plain_strings_without_nulls_equals_json_dumps():
    names = pa.array(["svc-a", "caf\u00e9", "x/y:z", ""], pa.string())
    assert json_object(4, name=names).to_pylist() == [_expected_json({"name": n}) for n in names.to_pylist()]


def test_json_object_of_a_sliced_column_reads_only_its_own_values():
    col = pa.array(['needs "escaping"', "plain", "also plain"], pa.string()).slice(1)
    assert json_object(2, v=col).to_pylist() == ['{"v":"plain"}', '{"v":"also plain"}']
    col = pa.array(["plain", 'then "quoted"'], pa.string()).slice(1)
    assert json_object(1, v=col).to_pylist() == ['{"v":"then \\"quoted\\""}']


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(MAYBE, st.one_of(st.none(), st.integers(-5, 5))), max_size=8))
def test_fmt_fills_like_str_format_with_nulls_read_as_unknown(values):
    names = pa.array([v[0] for v in values], pa.string())
    days = pa.array([v[1] for v in values], pa.int64())
    out = fmt(
        "{who} in {tenant} idle {days} days ({tenant}).", len(values), who=names, tenant="t1", days=days
    )
    expected = [
        "{who} in {tenant} idle {days} days ({tenant}).".format(
            who="unknown" if w is None else w, tenant="t1", days="unknown" if d is None else d
        )
        for w, d in values
    ]
    assert out.to_pylist() == expected


def test_fmt_of_constants_only_repeats_the_text():
    assert fmt("{a} and {b}", 3, a="x", b=2).to_pylist() == ["x and 2"] * 3


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["used", "never", "other", None]), TEXT), max_size=10))
def test_cases_fills_each_row_with_its_case_template_and_null_elsewhere(rows):
    case = pa.array([r[0] for r in rows], pa.string())
    who = pa.array([r[1] for r in rows], pa.string())
    templates = {"used": "{who} was used in {tenant}.", "never": "{who} was never used."}
    out = cases(case, templates, who=who, tenant="t1")
    expected = [None if c not in templates else templates[c].format(who=w, tenant="t1") for c, w in rows]
    assert out.to_pylist() == expected


def test_by_case_builds_each_case_once_over_its_rows_only():
    case = pa.array(["a", "b", "a", None, "c"])
    value = pa.array(["1", "2", "3", "4", "5"])
    seen = {}

    def make(name):
        def build(rows: Rows) -> pa.Array:
            seen[name] = rows.n
            return pc.binary_join_element_wise(f"{name}:", rows.take(value), "")

        return build

    out = by_case(case, {"a": make("a"), "b": make("b"), "z": make("z")})
    assert out.to_pylist() == ["a:1", "b:2", "a:3", None, None]
    assert seen == {"a": 2, "b": 1}


def test_by_case_with_one_case_for_every_row_takes_the_column_as_built():
    case = pa.array(["a", "a"])
    out = by_case(case, {"a": lambda rows: pa.array(["x", "y"]) if rows.idx is None else None})
    assert out.to_pylist() == ["x", "y"]


def test_per_value_computes_once_per_distinct_value_and_keeps_nulls():
    col = pa.chunked_array([["aa", "b", None], ["aa", "ccc"]])
    calls = []

    def lengths(values: pa.Array) -> pa.Array:
        calls.append(len(values))
        return pc.utf8_length(values)

    assert per_value(col, lengths).to_pylist() == [2, 1, None, 2, 3]
    assert calls == [3]
