"""Quirks of real accounts (cloud-custodian recordings): duplicated users, root keys, TRUE, 2099, N/A."""

import dataclasses

from aws_transform_helpers import (
    DAY,
    by,
    entity,
    gaad,
    placebo,
    raw_account,
    strip,
    tenant,
    user,
    utc,
    validated,
)
from muster.providers.aws.transform import transform_account

CUSTODIAN = "644160558196"


def users_from_list_users(session: str, account: str = CUSTODIAN) -> list[dict]:
    """GAAD-shaped users built from a recorded ListUsers page (same fields, no policies)."""
    return [
        user(u["UserName"], u["UserId"], account, Path=u["Path"], CreateDate=u["CreateDate"])
        for u in placebo(session, "iam.ListUsers_1")["Users"]
    ]


def collect(details, report_text, account=CUSTODIAN, **raw_kw):
    collected = transform_account(raw_account(details, report_text, account, **raw_kw), tenant(account), DAY)
    validated(collected)
    return collected


def console_old():
    session = "test_iam_user_console_old"
    # christopher, calvin and jeff are in the report but not in the recorded ListUsers page: added (ids made up).
    extra = [
        user("christopher", "AIDATESTCHRISTOPHER", CUSTODIAN),
        user("calvin", "AIDATESTCALVIN00000", CUSTODIAN),
        user("jeff", "AIDATESTJEFF0000000", CUSTODIAN),
    ]
    details = gaad(users=users_from_list_users(session) + extra)
    return details, placebo(session, "iam.GetCredentialReport_1")["Content"]


def test_duplicated_user_without_fallback_is_partial_and_gets_no_guessed_credentials():
    collected = collect(*console_old())
    report_entity = entity(collected, "credential_report")
    assert (report_entity.status, report_entity.error) == (
        "partial",
        "account 644160558196: credential_report: user(s) listed more than once with different content and "
        "no ListAccessKeys data, credentials unknown: christopher; "
        "account 644160558196: credential_report: user(s) in the credential report but not in authorization "
        "details (deleted in between?), skipped: Jennifer, c7n-iam-test, c7n-test, david, joshua, kit, "
        "mandeep, rob, ryanwolfe, scot, steven",
    )
    christopher = by(collected.principals, "name")["christopher"]
    # Both rows agree on the console password and MFA; they disagree on keys and last use.
    assert {
        k: christopher[k] for k in ("console_access", "mfa_enabled", "enabled", "is_nhi", "nhi_reason")
    } == {
        "console_access": True,
        "mfa_enabled": False,
        "enabled": True,  # the agreed console password is enough to say it can sign in
        "is_nhi": False,
        "nhi_reason": "console password enabled (no MFA)",
    }
    assert [c for c in collected.credentials if c["principal_id"] == "AIDATESTCHRISTOPHER"] == []
    # Every other user is covered by the report: the per-user access_keys entity is not involved.
    assert [e.entity for e in collected.entities] == ["authorization_details", "credential_report"]


def test_duplicated_user_with_list_access_keys_fallback_is_resolved():
    details, text = console_old()
    fallback = {
        "christopher": [
            {
                "UserName": "christopher",
                "AccessKeyId": "AKIATESTCHRISTOPHER",
                "Status": "Active",
                "CreateDate": utc(2016, 9, 14, 12, 57, 54),
                "LastUsed": {
                    "LastUsedDate": utc(2016, 11, 21, 18, 44),
                    "ServiceName": "redshift",
                    "Region": "us-east-1",
                },
            }
        ]
    }
    collected = collect(
        details,
        text,
        access_keys=fallback,
        login_profiles={
            "christopher": {"UserName": "christopher", "CreateDate": utc(2016, 8, 30, 17, 40, 36)}
        },
        mfa_devices={"christopher": []},
        signing_certificates={"christopher": []},
    )
    report_entity = entity(collected, "credential_report")
    assert report_entity.status == "complete"  # only the note about deleted users remains
    assert "christopher" not in report_entity.error
    creds = [strip(c) for c in collected.credentials if c["principal_id"] == "AIDATESTCHRISTOPHER"]
    assert creds == [
        {
            "credential_id": "AIDATESTCHRISTOPHER/access_key/2016-09-14T12:57:54Z",
            "principal_id": "AIDATESTCHRISTOPHER",
            "kind": "access_key",
            "external_id": "AKIATESTCHRISTOPHER",
            "status": "active",
            "managed_by": "user",
            "created_at": utc(2016, 9, 14, 12, 57, 54),
            "expires_at": None,
            "last_used_at": utc(2016, 11, 21, 18, 44),
            "last_used_source": "iam:GetAccessKeyLastUsed",
            "last_used_service": "redshift",
            "last_used_region": "us-east-1",
        },
        {
            "credential_id": "AIDATESTCHRISTOPHER/password",
            "principal_id": "AIDATESTCHRISTOPHER",
            "kind": "password",
            "external_id": None,
            "status": "active",
            "managed_by": "user",
            "created_at": utc(2016, 8, 30, 17, 40, 36),
            "expires_at": None,
            "last_used_at": None,
            "last_used_source": "not observed: user not in the credential report",
            "last_used_service": None,
            "last_used_region": None,
        },
    ]
    row = by(collected.principals, "name")["christopher"]
    assert (row["enabled"], row["last_used_at"], row["last_used_source"]) == (
        True,
        utc(2016, 11, 21, 18, 44),
        "iam:GetAccessKeyLastUsed",
    )


def test_na_region_beside_known_service_and_no_information_password():
    collected = collect(*console_old())
    calvin_key = [
        strip(c)
        for c in collected.credentials
        if c["principal_id"] == "AIDATESTCALVIN00000" and c["kind"] == "access_key"
    ]
    assert calvin_key == [
        {
            "credential_id": "AIDATESTCALVIN00000/access_key/2016-11-15T18:46:51Z",
            "principal_id": "AIDATESTCALVIN00000",
            "kind": "access_key",
            "external_id": None,
            "status": "active",
            "managed_by": "user",
            "created_at": utc(2016, 11, 15, 18, 46, 51),
            "expires_at": None,
            "last_used_at": utc(2016, 11, 15, 21, 36),
            "last_used_source": "credential_report:access_key_1_last_used_date",
            "last_used_service": "s3",
            "last_used_region": None,
        }
    ]
    andrew = by(collected.principals, "name")["andrew"]
    assert (andrew["last_used_at"], andrew["last_used_source"]) == (
        utc(2016, 11, 16, 14, 10, 34),
        "credential_report:password_last_used",
    )
    jeff_password = by(collected.credentials, "credential_id")["AIDATESTJEFF0000000/password"]
    assert strip(jeff_password) == {
        "credential_id": "AIDATESTJEFF0000000/password",
        "principal_id": "AIDATESTJEFF0000000",
        "kind": "password",
        "external_id": None,
        "status": "active",
        "managed_by": "user",
        "created_at": utc(2016, 7, 27, 14, 41, 16),
        "expires_at": utc(2016, 10, 25, 14, 41, 16),
        "last_used_at": None,
        "last_used_source": "credential_report:no_information",
        "last_used_service": None,
        "last_used_region": None,
    }


def test_root_with_active_key_inactive_key_and_certificate():
    session = "test_iam_user_unused_keys"
    collected = collect(
        gaad(users=users_from_list_users(session, "619193117841")),
        placebo(session, "iam.GetCredentialReport_2")["Content"],
        account="619193117841",
    )
    root_creds = sorted(
        (strip(c) for c in collected.credentials if c["principal_id"] == "619193117841"),
        key=lambda c: c["credential_id"],
    )
    common = {
        "principal_id": "619193117841",
        "external_id": None,
        "managed_by": "user",
        "expires_at": None,
        "last_used_service": None,
        "last_used_region": None,
        "last_used_at": None,
    }
    assert root_creds == [
        {
            **common,
            "credential_id": "619193117841/access_key/2007-10-13T16:49:50Z",
            "kind": "access_key",
            "status": "inactive",
            "created_at": utc(2007, 10, 13, 16, 49, 50),
            "last_used_source": "credential_report:N/A (never used)",
        },
        {
            **common,
            "credential_id": "619193117841/access_key/2011-08-19T05:12:23Z",
            "kind": "access_key",
            "status": "active",
            "created_at": utc(2011, 8, 19, 5, 12, 23),
            "last_used_at": utc(2015, 7, 4, 15, 9),
            "last_used_source": "credential_report:access_key_1_last_used_date",
            "last_used_service": "s3",
            "last_used_region": "us-east-1",
        },
        {
            **common,
            "credential_id": "619193117841/signing_certificate/2008-06-25T02:07:10Z",
            "kind": "signing_certificate",
            "status": "active",
            "created_at": utc(2008, 6, 25, 2, 7, 10),
            "last_used_source": "not reported by AWS",
        },
    ]
    root = by(collected.principals, "principal_id")["619193117841"]
    assert (root["enabled"], root["mfa_enabled"], root["last_used_at"]) == (
        True,
        False,
        utc(2016, 11, 25, 14, 19, 48),
    )


def test_upper_case_true_and_2099_dates():
    session = "test_iam_user_credential_reverse_filter_delete"
    collected = collect(
        gaad(users=users_from_list_users(session, "123456789012")),
        placebo(session, "iam.GetCredentialReport_1")["Content"],
        account="123456789012",
    )
    keys = sorted((c["credential_id"], c["status"], c["created_at"]) for c in collected.credentials)
    assert keys == [
        ("AIDAJEZOTH6YPO3DY45QW/access_key/2019-09-25T10:52:11Z", "active", utc(2019, 9, 25, 10, 52, 11)),
        ("AIDAJEZOTH6YPO3DY45QW/access_key/2099-08-10T11:13:31Z", "active", utc(2099, 8, 10, 11, 13, 31)),
    ]
    zscholl = collected.principals[0]
    # created_at comes from the user list (2016), not the report's hand-edited 2099 user_creation_time.
    assert (
        zscholl["created_at"],
        zscholl["console_access"],
        zscholl["enabled"],
        zscholl["last_used_at"],
    ) == (
        utc(2016, 5, 16, 19, 3, 36),
        False,
        True,
        utc(2020, 4, 2, 13, 8),
    )
    assert zscholl["last_used_source"] == "credential_report:access_key_2_last_used_date"


def test_report_and_list_access_keys_give_the_same_credential_ids():
    session = "test_iam_user_credential_multi_delete_noop"
    details = gaad(users=[user("test1", "AIDATESTTEST1000000", CUSTODIAN)])
    text = placebo(session, "iam.GetCredentialReport_1")["Content"]
    from_report = collect(details, text)
    listed = [
        {**k, "LastUsed": {"ServiceName": "N/A", "Region": "N/A"}}
        for k in placebo(session, "iam.ListAccessKeys_1")["AccessKeyMetadata"]
    ]
    from_api = collect(details, text, access_keys={"test1": listed})
    ids = {c["credential_id"]: c["status"] for c in from_report.credentials}
    assert ids == {
        "AIDATESTTEST1000000/access_key/2020-02-03T09:50:07Z": "inactive",
        "AIDATESTTEST1000000/access_key/2099-02-03T09:50:21Z": "active",
    }
    assert {c["credential_id"]: c["status"] for c in from_api.credentials} == ids
    assert {c["external_id"] for c in from_api.credentials} == {
        "AKIAY5Y4D45RM747RB4P",
        "AKIAY5Y4D45RLQZNWRQL",
    }
    assert {c["last_used_source"] for c in from_api.credentials} == {
        "iam:GetAccessKeyLastUsed:N/A (never used)"
    }


def test_ssh_keys_and_service_specific_credentials_when_collected():
    ssc = placebo("test_iam_user_delete_service_specific_credentials", "iam.ListServiceSpecificCredentials_1")
    ssh = placebo("test_iam_user_delete_ssh_keys", "iam.ListSSHPublicKeys_1")
    details = gaad(
        users=[
            user("testuser-8aa8c470", "AIDAY5Y4D45RG3VTEMRNH", CUSTODIAN),
            user("test2", "AIDATESTTEST2000000", CUSTODIAN),
        ]
    )
    by_user = {}
    for item in ssc["ServiceSpecificCredentials"]:
        by_user.setdefault(item["UserName"], []).append(item)
    raw_kw = {
        "ssh_public_keys": {"test2": ssh["SSHPublicKeys"]},
        "service_specific_credentials": by_user,
        "extra_entities": ("ssh_public_keys", "service_specific_credentials"),
    }
    collected = collect(details, None, **raw_kw)
    rows = {c["credential_id"]: strip(c) for c in collected.credentials}
    assert set(rows) == {"APKAY5Y4D45RNUYUHMY5", "ACCACKCEVSQ6C2EXAMPLE", "ACCACKCEVSQ6C2EXAMPL8"}
    assert rows["APKAY5Y4D45RNUYUHMY5"] == {
        "credential_id": "APKAY5Y4D45RNUYUHMY5",
        "principal_id": "AIDATESTTEST2000000",
        "kind": "ssh_key",
        "external_id": "APKAY5Y4D45RNUYUHMY5",
        "status": "active",
        "managed_by": "user",
        "created_at": utc(2020, 12, 22, 3, 9, 53),
        "expires_at": None,
        "last_used_at": None,
        "last_used_source": "not reported by AWS",
        "last_used_service": None,
        "last_used_region": None,
    }
    assert rows["ACCACKCEVSQ6C2EXAMPL8"]["kind"] == "service_specific"
    assert rows["ACCACKCEVSQ6C2EXAMPL8"]["created_at"] == utc(2023, 5, 5, 15, 10, 25)
    # No report and no fallback: keys unknown, yet an active SSH key proves the user can authenticate.
    assert {p["name"]: p["enabled"] for p in collected.principals} == {
        "testuser-8aa8c470": True,
        "test2": True,
    }
    assert entity(collected, "access_keys").status == "partial"


def test_transform_does_not_mutate_the_raw_entities():
    details, text = console_old()
    raw = raw_account(details, text)
    before = [dataclasses.asdict(e) for e in raw.entities]
    transform_account(raw, tenant(CUSTODIAN), DAY)
    assert [dataclasses.asdict(e) for e in raw.entities] == before
