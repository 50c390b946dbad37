"""The column-wise readers of GAAD fields against the row path's own functions, value by value (hypothesis):
tags, dates and struct conversion must give what ``tags_of`` and ``Run.time`` give, and mark exactly the items
about which the row path would have said something."""

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from aws_transform_helpers import DAY, raw_account, tenant
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from muster.providers.aws import gaad_columns as gc
from muster.providers.aws.row_roles import tags_of
from muster.providers.aws.transform_run import Run
from muster.schema._base import TAGS

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
UTC = dt.UTC

text = st.sampled_from(["", "a", "b", "team-a", "Team", "é", "z", "a b"])
good = st.fixed_dictionaries({"Key": text, "Value": st.none() | text}) | st.fixed_dictionaries({"Key": text})
odd = (
    st.fixed_dictionaries({"Key": st.none(), "Value": text})
    | st.fixed_dictionaries({"Value": text})
    | st.none()
)
tag_lists = st.none() | st.lists(good, max_size=6) | st.lists(good | odd, max_size=4)
times = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(
        [
            dt.datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=UTC),
            dt.datetime(2024, 1, 1, 5, tzinfo=dt.timezone(dt.timedelta(hours=5))),
            dt.datetime(2024, 1, 1),
            "2024-01-01T00:00:00Z",
            "2024-01-01T00:00:00+02:00",
            "2024-01-01",
            "2024-02-30T00:00:00",
            "last tuesday",
            dt.date(2024, 1, 1),
            17,
        ]
    ),
)


def run() -> Run:
    return Run(raw_account({"UserDetailList": []}), tenant(), DAY)


@SETTINGS
@given(st.lists(tag_lists, max_size=6))
def test_tag_maps_are_what_tags_of_gives_and_flag_what_it_reports(items):
    maps, bad = gc.tag_maps(pa.array(items, gc.TAG_LIST))
    want_maps, want_bad = [], []
    for value in items:
        r = run()
        got = tags_of(r, value, "user x")
        reported = r.entity("authorization_details").error is not None
        want_bad.append(reported or any(k is None for k in got))
        want_maps.append(got)
    assert bad.tolist() == want_bad
    got_maps = [None if b else dict(m) for m, b in zip(maps.to_pylist(), bad.tolist(), strict=True)]
    assert got_maps == [None if b else m for m, b in zip(want_maps, want_bad, strict=True)]


@SETTINGS
@given(st.lists(times, max_size=8))
def test_times_are_what_run_time_gives_and_flag_what_it_reports(values):
    got, bad = gc.times(values)
    want, want_bad = [], []
    for value in values:
        r = run()
        want.append(r.time(value, "authorization_details", "user x", "CreateDate"))
        want_bad.append(r.entity("authorization_details").error is not None)
    assert bad.tolist() == want_bad
    assert got.to_pylist() == [None if b else w for w, b in zip(want, want_bad, strict=True)]


def test_structs_mark_items_that_do_not_fit_and_keep_the_rest():
    kind = pa.struct([("UserName", gc.STR), ("Tags", gc.TAG_LIST)])
    items = [
        {"UserName": "a", "Tags": [{"Key": "k", "Value": "v"}], "Other": object()},
        None,
        "not an object",
        {"UserName": 7},
        {"Tags": "not a list"},
        {},
    ]
    items += [{"UserName": f"u{i}"} for i in range(5000)]  # more than one chunk
    values, ok = gc.structs(items, kind)
    assert ok[:6].tolist() == [True, False, False, False, False, True]
    assert ok[6:].all()
    assert values[0].as_py() == {"UserName": "a", "Tags": [{"Key": "k", "Value": "v"}]}
    assert values.field("UserName").to_pylist()[-1] == "u4999"


def test_or_none_and_present_read_strings_as_the_row_path_does():
    values = pa.array(["x", "", None])
    assert gc.or_none(values).to_pylist() == ["x", None, None]
    assert gc.present(values).tolist() == [True, False, False]


def test_pick_reads_one_field_of_the_chosen_items():
    items = [{"CreateDate": i} for i in range(4)]
    assert gc.pick(items, np.array([1, 3]), "CreateDate") == [1, 3]
    assert gc.pick(items, np.arange(4), "Missing") == [None] * 4


@SETTINGS
@given(
    st.lists(
        st.none() | st.lists(st.tuples(st.sampled_from(["a", "b", "owner"]), text), max_size=3), max_size=8
    ),
    st.integers(0, 3),
    st.integers(0, 8),
    st.sampled_from(["a", "owner", "absent"]),
)
def test_map_value_is_map_lookup_first(rows, start, length, key):
    maps = pa.array(rows, TAGS).slice(start, length)
    want = pc.map_lookup(maps, query_key=pa.scalar(key), occurrence="first")
    assert gc.map_value(maps, key).to_pylist() == want.to_pylist()


@SETTINGS
@given(st.lists(st.integers(0, 4999), max_size=12))
def test_convert_finds_each_odd_value_wherever_it_sits(odd_at):
    # a failing chunk is halved until the odd values are found: every other value still converts
    kind = pa.struct([("UserName", gc.STR)])
    values = [{"UserName": f"u{i}"} for i in range(5000)]
    for i in odd_at:
        values[i] = {"UserName": i} if i % 2 else "not an object"
    got, ok = gc.convert(values, kind)
    assert np.flatnonzero(~ok).tolist() == sorted(set(odd_at))
    want = [None if i in set(odd_at) else {"UserName": f"u{i}"} for i in range(5000)]
    assert got.to_pylist() == want
