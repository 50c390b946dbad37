"""Parsing the IAM credential report, with the quirks found in real reports."""

import pytest
from aws_transform_helpers import cloudmapper_report, placebo, report, report_row, utc
from muster import threads
from muster.providers.aws.credential_report import CredentialReportError, parse_credential_report, start_parse
from muster.providers.aws.report_lines import CONFLICT

CUSTODIAN_ACCOUNT = "644160558196"


def custodian_report(session: str, call: str = "iam.GetCredentialReport_1") -> str:
    return placebo(session, call)["Content"]


def test_cloudmapper_root_row_is_typed_and_kept_apart():
    parsed = parse_credential_report(cloudmapper_report())
    assert parsed.root == {
        "user": "<root_account>",
        "arn": "arn:aws:iam::123456789012:root",
        "user_creation_time": utc(2018, 8, 12, 17, 20, 55),
        "password_enabled": None,  # not_supported
        "password_last_used": utc(2019, 3, 3, 16, 58, 16),
        "password_last_changed": None,
        "password_next_rotation": None,
        "mfa_active": True,
        "access_key_1_active": True,
        "access_key_1_last_rotated": utc(2018, 11, 23, 16, 1, 14),
        "access_key_1_last_used_date": utc(2018, 11, 27, 0, 2),
        "access_key_1_last_used_region": "us-east-1",
        "access_key_1_last_used_service": "ecr",
        "access_key_2_active": False,
        "access_key_2_last_rotated": None,
        "access_key_2_last_used_date": None,
        "access_key_2_last_used_region": None,
        "access_key_2_last_used_service": None,
        "cert_1_active": False,
        "cert_1_last_rotated": None,
        "cert_2_active": False,
        "cert_2_last_rotated": None,
    }
    # The header says "User" (capital U) in this export: still the documented column.
    assert (parsed.unknown_columns, parsed.missing_columns, parsed.errors) == ([], [], [])
    assert parsed.covered_users() == {"auditor_tmp", "user"}
    assert parsed.ambiguous == set()


def test_user_listed_twice_with_different_rows_is_ambiguous_and_keeps_only_agreeing_values():
    parsed = parse_credential_report(custodian_report("test_iam_user_console_old"))
    arn = f"arn:aws:iam::{CUSTODIAN_ACCOUNT}:user/christopher"
    assert parsed.ambiguous == {"christopher"}
    assert "christopher" not in parsed.covered_users()
    row = parsed.rows[arn]
    assert {k: row[k] for k in ("password_enabled", "mfa_active", "user_creation_time")} == {
        "password_enabled": True,
        "mfa_active": False,
        "user_creation_time": utc(2016, 8, 30, 17, 37, 35),
    }
    # no_information in one row, a date in the other: conflicting, so unknown.
    assert (row["password_last_used"], row["access_key_1_active"]) == (None, None)
    assert parsed.marker(arn, "password_last_used") == CONFLICT


def test_identical_duplicate_rows_are_merged_silently():
    line = report_row(
        "alice", access_key_1_active="true", access_key_1_last_rotated="2020-02-02T00:00:00+00:00"
    )
    parsed = parse_credential_report(report(line, line))
    assert parsed.ambiguous == set()
    assert parsed.covered_users() == {"alice"}
    assert len(parsed.rows) == 1


def test_na_region_beside_a_known_service_and_no_information():
    parsed = parse_credential_report(custodian_report("test_iam_user_console_old"))
    calvin = parsed.rows[f"arn:aws:iam::{CUSTODIAN_ACCOUNT}:user/calvin"]
    assert (calvin["access_key_1_last_used_service"], calvin["access_key_1_last_used_region"]) == ("s3", None)
    jeff_arn = f"arn:aws:iam::{CUSTODIAN_ACCOUNT}:user/jeff"
    assert parsed.rows[jeff_arn]["password_last_used"] is None
    assert parsed.marker(jeff_arn, "password_last_used") == "no_information"


def test_upper_case_booleans_and_2099_dates():
    parsed = parse_credential_report(custodian_report("test_iam_user_credential_reverse_filter_delete"))
    row = parsed.rows["arn:aws:iam::123456789012:user/zscholl"]
    assert {
        k: row[k] for k in ("password_enabled", "mfa_active", "access_key_1_active", "access_key_2_active")
    } == {
        "password_enabled": False,
        "mfa_active": False,
        "access_key_1_active": True,
        "access_key_2_active": True,
    }
    assert row["access_key_2_last_rotated"] == utc(2099, 8, 10, 11, 13, 31)
    assert row["user_creation_time"] == utc(2099, 8, 10, 11, 7, 38)
    assert parsed.root is None  # this session's report has no root row
    assert parsed.errors == []


def test_root_with_active_key_and_certificate():
    parsed = parse_credential_report(
        custodian_report("test_iam_user_unused_keys", "iam.GetCredentialReport_2")
    )
    root = parsed.root
    assert {k: root[k] for k in ("access_key_1_active", "access_key_2_active", "cert_1_active")} == {
        "access_key_1_active": True,
        "access_key_2_active": False,
        "cert_1_active": True,
    }
    assert root["cert_1_last_rotated"] == utc(2008, 6, 25, 2, 7, 10)
    assert "<root_account>" not in parsed.covered_users()
    assert parsed.covered_users() == {"charmworld", "Hazmat", "kaleb", "kapilt", "rome", "syracuse", "tyre"}


def test_unknown_and_missing_columns_are_listed():
    header = (
        report().splitlines()[0].replace(",cert_2_active,cert_2_last_rotated", "") + ",access_key_3_active"
    )
    line = report_row("alice").rsplit(",", 2)[0] + ",false"
    parsed = parse_credential_report(report(line, header=header))
    assert parsed.unknown_columns == ["access_key_3_active"]
    assert parsed.missing_columns == ["cert_2_active", "cert_2_last_rotated"]
    assert parsed.rows["arn:aws:iam::123456789012:user/alice"]["access_key_3_active"] == "false"


def test_malformed_cells_become_none_with_an_error_that_does_not_repeat_the_value():
    line = report_row("alice", mfa_active="sometimes", password_last_changed="last tuesday")
    parsed = parse_credential_report(report(line))
    assert parsed.errors == [
        "line 2 (user alice) column password_last_changed: not an ISO-8601 date",
        "line 2 (user alice) column mfa_active: not true/false",
    ]
    row = parsed.rows["arn:aws:iam::123456789012:user/alice"]
    assert (row["mfa_active"], row["password_last_changed"]) == (None, None)


def test_short_row_is_reported():
    line = ",".join(report_row("alice").split(",")[:10])
    parsed = parse_credential_report(report(line))
    assert parsed.errors == ["line 2 (user alice): 10 cells, header has 22"]


def test_a_quote_left_open_swallows_what_follows_and_that_is_reported():
    text = report(report_row("alice"), report_row("bob").replace(",arn:", ',"arn:', 1), report_row("carol"))
    parsed = parse_credential_report(text)
    assert parsed.rows["arn:aws:iam::123456789012:user/alice"]["user"] == "alice"
    assert parsed.errors == ["line 3 (user bob): 2 cells, header has 22"]


def test_a_quote_left_open_on_a_huge_report_fails_it_naming_the_line():
    # the csv module refuses a cell over 128 KiB: nothing after the quote can be split, so no row is kept
    rows = [report_row(f"user{i:05d}") for i in range(1000)]
    rows[1] = rows[1].replace(",arn:", ',"arn:', 1)
    with pytest.raises(CredentialReportError, match=r"credential report line \d+ cannot be read as CSV"):
        parse_credential_report(report(*rows))


def test_a_stray_carriage_return_in_a_quoted_report_splits_a_row_and_is_reported():
    text = report(report_row("alice"), report_row("bob").replace(",N/A,", ",N/\rA,", 1))
    parsed = parse_credential_report(
        text.replace("user,arn", '"user",arn', 1)
    )  # quoted: the csv module reads
    assert parsed.rows["arn:aws:iam::123456789012:user/alice"]["user"] == "alice"
    assert "line 3 (user bob): 5 cells, header has 22" in parsed.errors
    assert any(e.startswith("line 4 (user A): ") for e in parsed.errors)  # the rest of bob's row


@pytest.mark.parametrize("text", ["", "hello world\n", '{"Content": "dXNlcixhcm4="}', "name,email\nx,y\n"])
def test_not_a_report_raises(text):
    with pytest.raises(CredentialReportError, match="not a CSV with a 'user' and 'arn' header"):
        parse_credential_report(text)


@pytest.mark.parametrize(
    "text",
    [
        report(report_row("alice"), report_row("bob")),
        report(report_row("alice"), ",".join(report_row("bob").split(",")[:10])),  # a short row: line reader
        report(report_row("alice", mfa_active="sometimes")),  # an odd cell: that row goes the slow way
        '"user","arn"\n"a","arn:aws:iam::123456789012:user/a"\n',  # quoted: line reader from the start
    ],
)
@pytest.mark.parametrize("idle", [0.0, 8.0], ids=["busy machine", "idle cores"])
def test_a_parse_begun_on_a_thread_gives_what_the_plain_parse_gives(text, idle, monkeypatch):
    monkeypatch.setattr(threads, "idle_cores", lambda: idle)
    want, got = parse_credential_report(text), start_parse(text)()
    assert got.typed.equals(want.typed) and got.raw.equals(want.raw)
    assert (got.errors, got.ambiguous, got.exact) == (want.errors, want.ambiguous, want.exact)


def test_a_parse_begun_on_a_thread_raises_when_finished(monkeypatch):
    monkeypatch.setattr(threads, "idle_cores", lambda: 8.0)
    finish = start_parse("name,email\nx,y\n")
    with pytest.raises(CredentialReportError, match="not a CSV with a 'user' and 'arn' header"):
        finish()
