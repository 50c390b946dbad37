"""Offline import of CLI exports: same rows as live collection; bad files named with their field."""

import base64
import datetime as dt
import json

import pytest
from aws_transform_helpers import (
    ACCOUNT,
    DAY,
    FIXTURES,
    cloudmapper_gaad,
    cloudmapper_report,
    entity,
    raw_account,
    report,
    report_row,
    tenant,
    user,
    utc,
    validated,
)
from muster.providers.aws.importer import (
    ExportError,
    import_exports,
    load_authorization_details,
    load_credential_report,
)
from muster.providers.aws.transform import transform_account

CLOUDMAPPER = FIXTURES / "cloudmapper"
DATE_FIELDS = {"CreateDate", "UpdateDate", "LastUsedDate"}
TABLES = ("principals", "credentials", "grants", "role_definitions")


def as_boto3(value):
    """The same export as boto3 would hand it over live: date fields as aware datetimes."""
    if isinstance(value, dict):
        return {
            k: dt.datetime.fromisoformat(v) if k in DATE_FIELDS and isinstance(v, str) else as_boto3(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [as_boto3(v) for v in value]
    return value


def rows(collected):
    tables = validated(collected)
    return {name: tables[name].to_pylist() for name in TABLES}


def test_import_equals_live_transform_of_the_same_data():
    details = load_authorization_details(CLOUDMAPPER / "iam-get-account-authorization-details.json")
    text, generated = load_credential_report(CLOUDMAPPER / "iam-get-credential-report.json")
    imported = import_exports(details, text, tenant(), DAY, report_generated=generated)
    live_raw = raw_account(as_boto3(cloudmapper_gaad()), cloudmapper_report())
    live_raw.credential_report_generated = generated
    live = transform_account(live_raw, tenant(), DAY)
    assert rows(imported) == rows(live)
    assert rows(imported)["principals"]  # not vacuous


def test_import_entities():
    details = load_authorization_details(CLOUDMAPPER / "iam-get-account-authorization-details.json")
    text, generated = load_credential_report(CLOUDMAPPER / "iam-get-credential-report.json")
    collected = import_exports(details, text, tenant(), DAY, report_generated=generated)
    assert generated == utc(2019, 5, 7, 15, 40, 22)
    summary = [(e.entity, e.status, e.items, e.source_as_of) for e in collected.entities]
    assert summary == [
        ("authorization_details", "partial", 9, None),  # partial: level1 reuses bad_role's RoleId
        ("credential_report", "complete", 3, generated),
        ("access_keys", "partial", 0, None),  # users without report rows, and no API to ask
        ("ssh_public_keys", "not_collected", 0, None),
        ("service_specific_credentials", "not_collected", 0, None),
    ]
    assert entity(collected, "ssh_public_keys").error == (
        f"account {ACCOUNT}: ssh_public_keys: offline import: no API available"
    )
    assert entity(collected, "access_keys").error == (
        f"account {ACCOUNT}: access_keys: user(s) with no credential report row and no ListAccessKeys data, "
        "credentials unknown: USER, USER_WITH_BAD_INLINE_POLICY"
    )
    assert collected.caller_identity is None


def test_import_without_credential_report():
    details = {
        "UserDetailList": [user("alice", "AIDAALICE")],
        "RoleDetailList": [],
        "GroupDetailList": [],
        "Policies": [],
    }
    collected = import_exports(details, None, tenant(), DAY)
    validated(collected)
    assert (entity(collected, "credential_report").status, entity(collected, "credential_report").error) == (
        "not_collected",
        f"account {ACCOUNT}: credential_report: not supplied to the import",
    )
    assert entity(collected, "access_keys").status == "partial"
    assert collected.credentials == []


def test_truncated_export_is_partial():
    details = {
        "UserDetailList": [],
        "RoleDetailList": [],
        "GroupDetailList": [],
        "Policies": [],
        "IsTruncated": True,
        "Marker": "abc",
    }
    collected = import_exports(details, report(report_row("alice")), tenant(), DAY)
    assert entity(collected, "authorization_details").status == "partial"
    assert "IsTruncated is true" in entity(collected, "authorization_details").error


def test_export_of_another_account_is_refused():
    details = {"UserDetailList": [user("alice", "AIDAALICE", account="210987654321")]}
    with pytest.raises(
        ExportError,
        match="UserDetailList entry arn:aws:iam::210987654321:user/alice belongs "
        "to account 210987654321, not to tenant 123456789012",
    ):
        import_exports(details, None, tenant(), DAY)


def test_load_credential_report_from_csv_and_from_cli_json(tmp_path):
    csv_text = cloudmapper_report()
    assert load_credential_report(CLOUDMAPPER / "iam-get-credential-report.csv") == (csv_text, None)
    cli = tmp_path / "report.json"
    cli.write_text(
        json.dumps(
            {
                "Content": base64.b64encode(csv_text.encode()).decode(),
                "ReportFormat": "text/csv",
                "GeneratedTime": "2019-05-07T15:40:22Z",
            }
        )
    )
    assert load_credential_report(cli) == (csv_text, utc(2019, 5, 7, 15, 40, 22))


@pytest.mark.parametrize(
    "content, message",
    [
        ("[1, 2]", "expected a JSON object at top level, got list"),
        ("{not json", "not valid JSON (Expecting property name enclosed in double quotes at line 1)"),
        ('{"Users": []}', "none of the fields UserDetailList, GroupDetailList, RoleDetailList, Policies"),
        ('{"UserDetailList": {"a": 1}}', "field UserDetailList is not a list"),
    ],
)
def test_bad_authorization_details_files(tmp_path, content, message):
    path = tmp_path / "gaad.json"
    path.write_text(content)
    with pytest.raises(ExportError) as err:
        load_authorization_details(path)
    assert str(err.value).startswith(f"authorization details {path}: ")
    assert message in str(err.value)


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"ReportFormat": "text/csv"}', "field Content is missing or not a string"),
        (
            '{"Content": "!!!", "GeneratedTime": "2019-05-07T15:40:22Z"}',
            "field Content is neither base64 nor CSV",
        ),
        (
            '{"Content": "dXNlcixhcm4K", "GeneratedTime": "soon"}',
            "field GeneratedTime is not an ISO-8601 date",
        ),
    ],
)
def test_bad_credential_report_files(tmp_path, content, message):
    path = tmp_path / "report.json"
    path.write_text(content)
    with pytest.raises(ExportError, match=f"^credential report {path}: {message}$"):
        load_credential_report(path)


def test_missing_file(tmp_path):
    with pytest.raises(ExportError, match="not found"):
        load_authorization_details(tmp_path / "nope.json")
    with pytest.raises(ExportError, match="not found"):
        load_credential_report(tmp_path / "nope.csv")
