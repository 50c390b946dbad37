"""The two Graph reports that complete other listings' rows (reports.py): users' MFA registration
(userRegistrationDetails, v1.0) and application credentials' last sign-in (appCredentialSignInActivities,
beta). What the report does not say stays null (unknown), never false or "unused"."""

import datetime as dt

from azure_helpers import DAY, NOW, TENANT, raw, tenant
from muster.providers.azure.transform import transform_tenant

APP, SP, OTHER_SP = "app-oid", "sp-oid", "sp2-oid"
KEY, CERT_KEY = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"


def user(oid: str, upn: str) -> dict:
    return {"id": oid, "userPrincipalName": upn, "accountEnabled": True, "userType": "Member"}


def registration(oid: str, registered: object, updated: str | None = "2026-11-01T21:00:00Z") -> dict:
    return {
        "id": oid,
        "userPrincipalName": f"{oid}@acme.example",
        "isMfaRegistered": registered,
        "isMfaCapable": registered,
        "methodsRegistered": ["microsoftAuthenticatorPush"] if registered is True else [],
        "lastUpdatedDateTime": updated,
    }


def entity(out, name: str):
    return next(e for e in out.entities if e.entity == name)


def mfa_of(out) -> dict[str, object]:
    return {p["principal_id"]: p["mfa_enabled"] for p in out.principals}


USERS = [user("u1", "ann@acme.example"), user("u2", "bo@acme.example"), user("u3", "cy@acme.example")]
GROUPS = [{"id": "g1", "displayName": "admins", "securityEnabled": True}]


def test_mfa_enabled_is_the_reports_is_mfa_registered_and_null_for_a_user_missing_from_it():
    report = [registration("u1", True), registration("u2", False, "2026-11-01T22:30:00.1234567Z")]
    out = transform_tenant(raw(users=USERS, groups=GROUPS, mfa_registration=report), tenant(), DAY)
    assert mfa_of(out) == {"u1": True, "u2": False, "u3": None, "g1": None}
    e = entity(out, "user_mfa_registration")
    # The report is refreshed periodically: its latest record is its as-of, not the run's clock.
    assert (e.status, e.source_as_of) == (
        "complete",
        dt.datetime(2026, 11, 1, 22, 30, 0, 123456, tzinfo=dt.UTC),
    )
    out.tables("run", NOW)


def test_without_the_report_every_users_mfa_is_unknown_not_false():
    out = transform_tenant(raw(users=USERS, mfa_registration=None), tenant(), DAY)
    assert mfa_of(out) == {"u1": None, "u2": None, "u3": None}
    assert entity(out, "user_mfa_registration").source_as_of is None


def test_a_malformed_registration_is_unknown_and_makes_only_that_entity_partial():
    report = [
        registration("u1", "yes"),
        registration("u2", True, "yesterday"),
        "not an object",
        {"isMfaRegistered": True},
    ]
    out = transform_tenant(raw(users=USERS, mfa_registration=report), tenant(), DAY)
    assert mfa_of(out) == {"u1": None, "u2": True, "u3": None}
    e = entity(out, "user_mfa_registration")
    assert (e.status, e.error, e.source_as_of) == (
        "partial",
        f"tenant {TENANT}: user_mfa_registration: item 2 is not an object with an id; item 3 is not an object "
        "with an id; user u1@acme.example field isMfaRegistered is not true or false: ignored; user "
        "u2@acme.example field lastUpdatedDateTime is not an ISO-8601 date-time",
        dt.datetime(2026, 11, 1, 21, tzinfo=dt.UTC),
    )
    assert entity(out, "users").status == "complete"
    out.tables("run", NOW)


def secret(key_id: str) -> dict:
    return {"keyId": key_id, "startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2027-01-01T00:00:00Z"}


def activity(key_id: str, origin: str, key_type: str, when: str | None, **ids) -> dict:
    return {
        "id": f"{key_id}|{origin}",
        "keyId": key_id,
        "keyType": key_type,
        "keyUsage": "verify",
        "appId": "app-id",
        "appObjectId": APP,
        "servicePrincipalObjectId": SP,
        "credentialOrigin": origin,
        "signInActivity": {"lastSignInDateTime": when, "lastSignInRequestId": "r"},
        **ids,
    }


def identities() -> dict:
    """An application and its service principal, each with a secret; the application's certificate shares
    the secret's key id (a real quirk), and another service principal has a certificate."""
    return dict(
        applications=[
            {
                "id": APP,
                "appId": "app-id",
                "displayName": "billing",
                "passwordCredentials": [secret(KEY)],
                "keyCredentials": [secret(KEY)],
            }
        ],
        service_principals=[
            {
                "id": SP,
                "appId": "app-id",
                "displayName": "billing",
                "passwordCredentials": [secret(CERT_KEY)],
            },
            {"id": OTHER_SP, "appId": "other", "displayName": "other", "keyCredentials": [secret(CERT_KEY)]},
        ],
    )


def used(out) -> dict[str, tuple]:
    return {c["credential_id"]: (c["last_used_at"], c["last_used_source"]) for c in out.credentials}


REPORTED = "beta:appCredentialSignInActivities.signInActivity.lastSignInDateTime"
NOT_REPORTED = "appCredentialSignInActivities: no sign-in reported"


def test_credential_last_use_is_joined_by_holder_kind_and_key_id():
    report = [
        activity(KEY, "application", "clientSecret", "2026-10-30T08:00:00Z"),
        activity(KEY, "application", "clientSecret", "2026-10-31T08:00:00Z"),  # the latest one counts
        activity(CERT_KEY, "servicePrincipal", "clientSecret", "2026-09-01T00:00:00Z"),
        # The other service principal's certificate: its own object id names it, not the application's.
        activity(CERT_KEY, "servicePrincipal", "certificate", None, servicePrincipalObjectId=OTHER_SP),
        activity(KEY, "unknownFutureValue", "clientSecret", "2026-10-01T00:00:00Z"),
    ]
    out = transform_tenant(raw(**identities(), app_credential_sign_in=report), tenant(), DAY)
    assert used(out) == {
        f"{APP}/client_secret/{KEY}": (dt.datetime(2026, 10, 31, 8, tzinfo=dt.UTC), REPORTED),
        f"{APP}/certificate/{KEY}": (None, NOT_REPORTED),  # same key id, another kind: not this entry's
        f"{SP}/client_secret/{CERT_KEY}": (dt.datetime(2026, 9, 1, tzinfo=dt.UTC), REPORTED),
        f"{OTHER_SP}/certificate/{CERT_KEY}": (None, NOT_REPORTED),  # listed without a sign-in date
    }
    assert entity(out, "app_credential_sign_in_activity").status == "complete"
    out.tables("run", NOW)


def test_without_the_credential_report_last_use_is_unknown():
    out = transform_tenant(raw(**identities(), app_credential_sign_in=None), tenant(), DAY)
    assert {v for v in used(out).values()} == {
        (None, "unknown: appCredentialSignInActivities (beta) not collected")
    }


def test_a_malformed_credential_entry_is_reported_naming_the_field_and_skipped():
    report = [
        activity(KEY, "application", "clientSecret", "last tuesday"),
        activity(CERT_KEY, "servicePrincipal", "password", "2026-09-01T00:00:00Z"),
        activity(CERT_KEY, ["servicePrincipal"], "clientSecret", "2026-09-01T00:00:00Z"),
        activity(
            CERT_KEY, "servicePrincipal", "clientSecret", "2026-09-01T00:00:00Z", servicePrincipalObjectId=7
        ),
        {**activity(KEY, "application", "clientSecret", "2026-09-01T00:00:00Z"), "keyId": None},
        {**activity(KEY, "application", "clientSecret", None), "signInActivity": "never"},
        42,
    ]
    out = transform_tenant(raw(**identities(), app_credential_sign_in=report), tenant(), DAY)
    assert {v for v in used(out).values()} == {(None, NOT_REPORTED)}
    e = entity(out, "app_credential_sign_in_activity")
    assert (e.status, e.error) == (
        "partial",
        f"tenant {TENANT}: app_credential_sign_in_activity: item 4 field keyId is not a string; item 6 is not "
        f"an object; keyId {KEY} field signInActivity is not an object: ignored; keyId {KEY} field "
        f"signInActivity.lastSignInDateTime is not an ISO-8601 date-time; keyId {CERT_KEY} field "
        f"credentialOrigin is ['servicePrincipal'], not application or servicePrincipal; keyId {CERT_KEY} "
        f"field keyType is 'password', not clientSecret or certificate; keyId {CERT_KEY} field "
        "servicePrincipalObjectId is not a string",
    )
    assert entity(out, "applications").status == "complete"
    out.tables("run", NOW)
