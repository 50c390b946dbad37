"""The credential report's fast column paths against the checked ones they shortcut (hypothesis).

* a date column read by Arrow's strict cast must equal what the strptime-and-print-back checks give;
* a credential id's date taken from the report's own text (rows the columnar reader vouches for) must equal
  the date printed from the typed value;
* ``root`` and ``arn_by_name`` (now built on first use) say what they said before.
"""

import datetime as dt
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from aws_transform_helpers import DAY, cloudmapper_report, raw_account, report, report_row, tenant
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from muster.providers.aws import credential_columns as rows
from muster.providers.aws import credential_report as cr
from muster.providers.aws import report_cells
from muster.providers.aws.transform_run import Run

sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "bench"))
from synthetic import quirky_account, varied_account  # noqa: E402

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CELLS = [
    "N/A",
    "no_information",
    "",
    "2024-02-29T23:59:59+00:00",
    "2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00",
    "1969-12-31T23:59:59+00:00",
    "0000-01-01T00:00:00+00:00",
    "9999-12-31T23:59:59Z",
    "2024-02-30T00:00:00+00:00",
    "2023-02-29T00:00:00Z",
    "2024-01-01T23:59:60+00:00",
    "2024-01-01T24:00:00Z",
    "2024-13-01T00:00:00Z",
    "2024-1-01T00:00:00+00:00",
    "2024-01-01 00:00:00+00:00",
    "2024-01-01T00:00:00.5+00:00",
    "2024-01-01T00:00:00+05:00",
    "2024-01-01T00:00:00-00:00",
    "2024-01-01T00:00:00+00:00x",
    "2024-01-01",
    "２０２４-01-01T00:00:00Z",
]


@SETTINGS
@given(st.lists(st.sampled_from(CELLS), min_size=1, max_size=8))
def test_the_strict_cast_gives_what_the_checks_give(cells):
    column = pa.array(cells, pa.string())
    got, got_bad = report_cells.typed_column(report_cells.TIME, column)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(report_cells, "_strict_times", lambda cells, null: None)
        want, want_bad = report_cells.typed_column(report_cells.TIME, column)
    assert got.cast(pa.int64()).to_pylist() == want.cast(pa.int64()).to_pylist()
    assert (got_bad or pa.array([False] * len(cells))).to_pylist() == want_bad.to_pylist()


#: Cells of one width (19, 20 and 25 characters) that the column-at-once shape check must tell apart:
#: a column made of only these takes the numpy check, not the regular expression.
SAME_WIDTH = [
    ["2024-01-01T00:00:00", "2024-01-01 00:00:00", "2024-01-01T00:00:0a", "2024-01-01T00-00:00", "N/A"],
    ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00z", "2024-01-01T00:00+05", "2024-01-01T00:00:00.", "N/A"],
    [
        "2024-01-01T00:00:00+00:00",
        "2024-01-01T00:00:00+01:00",
        "2024-01-01T00:00:00-00:00",
        "2024-01-01T00:00:00+00:0x",
        "2024-01-01T00:00:00.12345",
        "2024/01/01T00:00:00+00:00",
        " 2024-1-01T00:00:00+00:00",
        "2024-02-30T00:00:00+00:00",
        "",
    ],
]


@SETTINGS
@given(
    st.sampled_from(SAME_WIDTH).flatmap(
        lambda cells: st.lists(st.sampled_from(cells), min_size=1, max_size=8)
    )
)
def test_the_shape_check_of_a_whole_column_gives_what_the_checks_give(cells):
    test_the_strict_cast_gives_what_the_checks_give.hypothesis.inner_test(cells)


def test_a_column_of_one_width_is_checked_at_once():
    column = pa.array(["2024-01-01T00:00:00+00:00"] * 3, pa.string())
    assert report_cells.fixed_shape(column) == 25
    assert report_cells.fixed_shape(column.slice(1)) == 25
    assert report_cells.fixed_shape(pa.array(["2024-01-01T00:00:00+00:00", "2024-01-01T00:00:00Z"])) is None
    assert (
        report_cells.fixed_shape(pa.array(["2024-01-01T00:00:00+00:00", "2024-01-01T0a:00:00+00:00"])) is None
    )


REPORTS = {
    "cloudmapper": cloudmapper_report,
    "quirky": lambda: quirky_account(300, 1).credential_report,
    "varied": lambda: varied_account(300, 1).credential_report,
    "odd dates": lambda: report(
        report_row("a", access_key_1_last_rotated="2024-01-01T00:00:00+05:00", access_key_1_active="true"),
        report_row("b", access_key_2_last_rotated="2024-03-01T10:00:00Z", cert_1_last_rotated="2020-01-01"),
        report_row("c", access_key_1_last_rotated="2024-01-01T00:00:00.900000+00:00"),
    ),
}


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_ids_from_the_report_text_are_the_printed_dates(name):
    parsed = cr.parse_credential_report(REPORTS[name]())
    n = parsed.typed.num_rows
    run = Run(raw_account({}), tenant(), DAY)
    batch = rows.ReportBatch(run, parsed, [f"P{i}" for i in range(n)], list(range(n)))
    for column in ("access_key_1_last_rotated", "access_key_2_last_rotated", "cert_1_last_rotated"):
        created = batch.column(column, report_cells.UTC_TS)
        assert batch.stamp(column, created).to_pylist() == rows._stamp(created).to_pylist()
        for i in range(n):  # one row at a time, as the row path asks
            one = rows.ReportBatch(run, parsed, ["P"], [i])
            value = one.column(column, report_cells.UTC_TS)
            assert one.stamp(column, value).to_pylist() == rows._stamp(value).to_pylist()


@SETTINGS
@given(st.lists(st.none() | st.datetimes(timezones=st.just(dt.UTC)), max_size=8))
def test_stamps_are_what_arrow_prints_for_whole_seconds_toward_zero(values):
    created = pa.array(values, report_cells.UTC_TS)
    printed = created.cast(pa.timestamp("s", "UTC"), safe=False).cast(pa.string())  # "YYYY-MM-DD HH:MM:SSZ"
    want = [None if p is None else p.replace(" ", "T", 1) for p in printed.to_pylist()]
    assert rows._stamp(created).to_pylist() == want


def test_root_and_names_are_found_without_and_with_the_mapping():
    text = report(report_row("<root_account>"), report_row("ann"), report_row("bob"))
    parsed = cr.parse_credential_report(text)
    assert parsed.root["arn"] == "arn:aws:iam::123456789012:root"
    assert parsed.arn_by_name == {
        "<root_account>": "arn:aws:iam::123456789012:root",
        "ann": "arn:aws:iam::123456789012:user/ann",
        "bob": "arn:aws:iam::123456789012:user/bob",
    }
    assert parsed.root["arn"] == "arn:aws:iam::123456789012:root"
    assert parsed.covered_users() == {"ann", "bob"}
