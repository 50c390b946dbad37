"""Malformed input never crashes the transform: the entity that supplied it says what and where."""

import json
from urllib.parse import quote

from aws_transform_helpers import (
    ACCOUNT,
    DAY,
    HEADER,
    by,
    entity,
    gaad,
    raw_account,
    report,
    report_row,
    strip,
    tenant,
    user,
    utc,
    validated,
)
from muster.providers.aws.transform import transform_account

DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
CANONICAL = '{"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}'
ALICE_ARN = f"arn:aws:iam::{ACCOUNT}:user/alice"


def run(details, text=None, **raw_kw):
    collected = transform_account(raw_account(details, text, **raw_kw), tenant(), DAY)
    validated(collected)
    return collected


def status_and_error(collected, name):
    e = entity(collected, name)
    return e.status, e.error


def test_inline_policy_that_is_not_json():
    details = gaad(
        users=[
            user(
                "alice",
                "AIDAALICE",
                UserPolicyList=[
                    {"PolicyName": "broken", "PolicyDocument": '{Version: "2012-10-17"'},
                    {"PolicyName": "fine", "PolicyDocument": json.dumps(DOC)},
                ],
            )
        ]
    )
    collected = run(details, report(report_row("alice")))
    assert status_and_error(collected, "authorization_details") == (
        "partial",
        f"account {ACCOUNT}: authorization_details: policy {ALICE_ARN}/inline/broken field PolicyDocument is "
        "not valid JSON: Expecting property name enclosed in double quotes at position 1",
    )
    grants = by(collected.grants, "role_id")
    assert strip(grants[f"{ALICE_ARN}/inline/broken"]) == {
        "principal_id": "AIDAALICE",
        "role_id": f"{ALICE_ARN}/inline/broken",
        "role_name": "broken",
        "scope": f"account/{ACCOUNT}",
        "via": "inline",
        "condition": None,
        "privilege": "unknown",
        "privilege_reasons": ["policy broken: document is not valid JSON"],
    }
    assert grants[f"{ALICE_ARN}/inline/fine"]["privilege"] == "read"
    assert {d["role_id"] for d in collected.role_definitions} == {f"{ALICE_ARN}/inline/fine"}


def test_url_encoded_documents_are_decoded():
    policy = {
        "Arn": f"arn:aws:iam::{ACCOUNT}:policy/p",
        "PolicyName": "p",
        "DefaultVersionId": "v2",
        "PolicyVersionList": [
            {"VersionId": "v1", "IsDefaultVersion": False, "Document": "%7B%7D"},
            {
                "VersionId": "v2",
                "IsDefaultVersion": True,
                "Document": quote(json.dumps(DOC)),
                "CreateDate": "2020-02-02T00:00:00Z",
            },
        ],
        "CreateDate": "2020-01-01T00:00:00Z",
    }
    role = {
        "RoleName": "r",
        "RoleId": "AROAR",
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/r",
        "Path": "/",
        "AssumeRolePolicyDocument": quote(json.dumps({"Statement": []})),
        "AttachedManagedPolicies": [{"PolicyArn": policy["Arn"], "PolicyName": "p"}],
    }
    collected = run(gaad(roles=[role], policies=[policy]))
    defs = by(collected.role_definitions, "role_id")
    assert strip(defs[policy["Arn"]]) == {
        "role_id": policy["Arn"],
        "role_name": "p",
        "role_type": "customer_managed",
        "description": None,
        "document": CANONICAL,
        "version_id": "v2",
        "created_at": utc(2020, 1, 1),
        "updated_at": utc(2020, 2, 2),
    }
    assert defs[f"{role['Arn']}/trust"]["document"] == '{"Statement":[]}'
    assert collected.grants[0]["privilege"] == "read"
    assert status_and_error(collected, "authorization_details") == ("complete", None)


def test_managed_policy_default_version_not_json_and_attached_policy_missing():
    arn = f"arn:aws:iam::{ACCOUNT}:policy/bad"
    policy = {
        "Arn": arn,
        "PolicyName": "bad",
        "DefaultVersionId": "v1",
        "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": "<xml/>"}],
    }
    missing = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    alice = user(
        "alice",
        "AIDAALICE",
        AttachedManagedPolicies=[
            {"PolicyArn": arn, "PolicyName": "bad"},
            {"PolicyArn": missing, "PolicyName": "ReadOnlyAccess"},
        ],
    )
    collected = run(gaad(users=[alice], policies=[policy]), report(report_row("alice")))
    assert status_and_error(collected, "authorization_details") == (
        "partial",
        f"account {ACCOUNT}: authorization_details: policy {arn} field PolicyVersionList.Document is not valid "
        "JSON: Expecting value at position 0; "
        f"account {ACCOUNT}: authorization_details: attached policies missing from Policies (privilege unknown): "
        f"{missing}",
    )
    assert {g["role_id"]: (g["privilege"], g["privilege_reasons"]) for g in collected.grants} == {
        arn: ("unknown", ["policy bad: document is not valid JSON"]),
        missing: ("unknown", ["policy ReadOnlyAccess: document not in authorization details"]),
    }
    assert collected.role_definitions == []


def test_unknown_report_columns_make_it_partial():
    header = HEADER + ",access_key_3_active,password_hint"
    text = report(report_row("alice") + ",false,x", header=header)
    collected = run(gaad(users=[user("alice", "AIDAALICE")]), text)
    assert status_and_error(collected, "credential_report") == (
        "partial",
        f"account {ACCOUNT}: credential_report: credential report has undocumented column(s) "
        "access_key_3_active, password_hint",
    )
    assert len(collected.principals) == 1


def test_missing_report_columns_make_it_failed():
    header = HEADER.replace(",mfa_active", "")
    line = report_row("alice").split(",")
    del line[7]
    collected = run(gaad(users=[user("alice", "AIDAALICE")]), report(",".join(line), header=header))
    assert status_and_error(collected, "credential_report") == (
        "failed",
        f"account {ACCOUNT}: credential_report: credential report lacks column(s) mfa_active",
    )
    assert collected.principals[0]["mfa_enabled"] is None


def test_report_that_is_not_a_csv_fails_and_users_credentials_are_unknown():
    collected = run(gaad(users=[user("alice", "AIDAALICE")]), "<html>Rate exceeded</html>")
    assert status_and_error(collected, "credential_report") == (
        "failed",
        f"account {ACCOUNT}: credential_report: credential report is unusable: credential report: not a CSV "
        "with a 'user' and 'arn' header",
    )
    assert status_and_error(collected, "access_keys") == (
        "partial",
        f"account {ACCOUNT}: access_keys: user(s) with no credential report row and no ListAccessKeys data, "
        "credentials unknown: alice",
    )
    assert collected.credentials == []


def test_duplicated_user_in_the_report():
    text = report(report_row("alice", password_enabled="true"), report_row("alice", password_enabled="false"))
    collected = run(gaad(users=[user("alice", "AIDAALICE")]), text)
    assert status_and_error(collected, "credential_report") == (
        "partial",
        f"account {ACCOUNT}: credential_report: user(s) listed more than once with different content and no "
        "ListAccessKeys data, credentials unknown: alice",
    )
    alice = collected.principals[0]
    assert (alice["console_access"], alice["enabled"], alice["is_nhi"]) == (None, None, True)


def test_malformed_dates_become_null_and_name_account_entity_and_field():
    role = {
        "RoleName": "r",
        "RoleId": "AROAR",
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/r",
        "CreateDate": "2020-13-45",
        "RoleLastUsed": {"LastUsedDate": "yesterday"},
    }
    keys = {
        "bob": [
            {
                "AccessKeyId": "AKIABOB",
                "Status": "Active",
                "CreateDate": 17,
                "LastUsed": {"LastUsedDate": "2021-01-01T00:00:00Z", "ServiceName": "s3", "Region": "N/A"},
            }
        ]
    }
    text = report(
        report_row("alice", password_enabled="true", password_last_changed="2020-02-30T00:00:00+00:00")
    )
    collected = run(
        gaad(
            users=[user("alice", "AIDAALICE", CreateDate="last week"), user("bob", "AIDABOB")], roles=[role]
        ),
        text,
        access_keys=keys,
        extra_entities=("access_keys",),
    )
    assert status_and_error(collected, "authorization_details") == (
        "partial",
        f"account {ACCOUNT}: authorization_details: user alice field CreateDate is not an ISO-8601 date; "
        f"account {ACCOUNT}: authorization_details: role r field RoleLastUsed.LastUsedDate is not an ISO-8601 "
        "date; "
        f"account {ACCOUNT}: authorization_details: role r field CreateDate is not an ISO-8601 date",
    )
    assert status_and_error(collected, "credential_report") == (
        "partial",
        f"account {ACCOUNT}: credential_report: credential report line 2 (user alice) column password_last_changed:"
        " not an ISO-8601 date",
    )
    assert status_and_error(collected, "access_keys") == (
        "partial",
        f"account {ACCOUNT}: access_keys: user bob access key AKIABOB field CreateDate is not an ISO-8601 date",
    )
    principals = by(collected.principals, "name")
    assert (
        principals["alice"]["created_at"],
        principals["r"]["created_at"],
        principals["r"]["last_used_at"],
    ) == (None, None, None)
    creds = by(collected.credentials, "principal_id")
    assert (creds["AIDABOB"]["credential_id"], creds["AIDABOB"]["created_at"]) == (
        "AIDABOB/access_key/slot1",
        None,
    )
    assert (creds["AIDABOB"]["last_used_at"], creds["AIDABOB"]["last_used_region"]) == (utc(2021, 1, 1), None)
    assert creds["AIDAALICE"]["created_at"] is None


def test_malformed_gaad_shapes():
    details = {
        "UserDetailList": [
            {"UserName": "nobody"},
            "junk",
            user("alice", "AIDAALICE", GroupList=["ghost"], Tags="owner=me"),
        ],
        "RoleDetailList": {"not": "a list"},
        "GroupDetailList": [],
        "Policies": [],
    }
    collected = run(details, report(report_row("alice")))
    assert status_and_error(collected, "authorization_details") == (
        "failed",
        f"account {ACCOUNT}: authorization_details: UserDetailList item 0 has no UserName or UserId; "
        f"account {ACCOUNT}: authorization_details: UserDetailList item 1 has no UserName or UserId; "
        f"account {ACCOUNT}: authorization_details: user alice field Tags is not a list: ignored; "
        f"account {ACCOUNT}: authorization_details: group(s) named in GroupList but not in GroupDetailList: "
        "ghost (of user alice); "
        f"account {ACCOUNT}: authorization_details: authorization details field RoleDetailList is not a list",
    )
    assert [p["name"] for p in collected.principals] == ["alice"]


def test_report_user_not_in_gaad_is_skipped_with_a_note_and_status_unchanged():
    text = report(
        report_row("alice"),
        report_row("gone", access_key_1_active="true", access_key_1_last_rotated="2020-01-01T00:00:00+00:00"),
    )
    collected = run(gaad(users=[user("alice", "AIDAALICE")]), text)
    assert status_and_error(collected, "credential_report") == (
        "complete",
        f"account {ACCOUNT}: credential_report: user(s) in the credential report but not in authorization "
        "details (deleted in between?), skipped: gone",
    )
    assert collected.credentials == []


def test_gaad_user_missing_from_report_without_fallback():
    collected = run(
        gaad(users=[user("alice", "AIDAALICE"), user("newbie", "AIDANEWBIE")]),
        report(report_row("alice")),
        extra_entities=("access_keys",),
    )
    assert status_and_error(collected, "access_keys") == (
        "partial",
        f"account {ACCOUNT}: access_keys: user(s) with no credential report row and no ListAccessKeys data, "
        "credentials unknown: newbie",
    )
    newbie = by(collected.principals, "name")["newbie"]
    assert (newbie["enabled"], newbie["console_access"]) == (None, None)


def test_two_keys_rotated_in_the_same_second_keep_distinct_ids():
    same = "2020-01-01T00:00:00+00:00"
    text = report(
        report_row(
            "alice",
            access_key_1_active="true",
            access_key_1_last_rotated=same,
            access_key_2_active="true",
            access_key_2_last_rotated=same,
        )
    )
    collected = run(gaad(users=[user("alice", "AIDAALICE")]), text)
    assert sorted(c["credential_id"] for c in collected.credentials) == [
        "AIDAALICE/access_key/2020-01-01T00:00:00Z",
        "AIDAALICE/access_key/2020-01-01T00:00:00Z#2",
    ]


def test_unknown_credential_status_is_skipped_and_reported():
    keys = {
        "bob": [{"AccessKeyId": "AKIABOB", "Status": "Compromised", "CreateDate": "2020-01-01T00:00:00Z"}]
    }
    collected = run(
        gaad(users=[user("bob", "AIDABOB")]), None, access_keys=keys, extra_entities=("access_keys",)
    )
    assert status_and_error(collected, "access_keys") == (
        "partial",
        f"account {ACCOUNT}: access_keys: user bob access key 1 field Status is not Active/Inactive/Expired; "
        "credential skipped",
    )
    assert collected.credentials == []


def test_report_of_another_account_is_not_used():
    text = report(report_row("<root_account>", account="210987654321", access_key_1_active="true"))
    collected = run(gaad(users=[user("alice", "AIDAALICE")]), text)
    assert status_and_error(collected, "credential_report") == (
        "failed",
        f"account {ACCOUNT}: credential_report: credential report lists ARNs of another account "
        "(e.g. arn:aws:iam::210987654321:root): not used",
    )
    assert [p["name"] for p in collected.principals] == ["alice"]
    assert collected.credentials == []
