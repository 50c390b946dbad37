"""The demo Entra tenant's MFA registration report (v1.0) and credential sign-in report (beta), collected from
the local Graph fake through requests: licensed and unlicensed tenants, a user missing from the report, a
malformed page, a report that keeps failing, and paging."""

import datetime as dt

import pytest
from muster.config import Tenant
from muster.providers.azure.collect import collect_tenant
from muster.sandbox.azure_world import Fault
from muster.snapshot.encoding import table_statuses

pytestmark = pytest.mark.integration
TENANT = "7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6"
DAY = dt.date(2026, 11, 2)
MFA_PATH = "/v1.0/reports/authenticationMethods/userRegistrationDetails"
CREDENTIALS_PATH = "/beta/reports/appCredentialSignInActivities"
REPORTED = "beta:appCredentialSignInActivities.signInActivity.lastSignInDateTime"
NOT_REPORTED = "appCredentialSignInActivities: no sign-in reported"
NON_PREMIUM = (
    "HTTP 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant: Neither tenant is B2C or tenant doesn't have "
    "premium license"
)


def collect(now, sleeps):
    return collect_tenant(Tenant(provider="azure", id=TENANT), DAY, now=now, sleep=sleeps.append)


def entity(c, name):
    return next(e for e in c.entities if e.entity == name)


def mfa(c) -> dict[str, object]:
    return {p["name"]: p["mfa_enabled"] for p in c.principals if p["kind"] in ("human_user", "service_user")}


def last_use(c) -> dict[tuple[str, str], tuple]:
    names = {p["principal_id"]: p["name"] for p in c.principals}
    return {
        (names[r["principal_id"]], r["kind"]): (r["last_used_at"], r["last_used_source"])
        for r in c.credentials
        if r["kind"] in ("client_secret", "certificate")
    }


def test_a_licensed_tenant_gives_each_users_mfa_registration_and_credentials_last_sign_in(fake, now, sleeps):
    c = collect(now, sleeps)
    assert mfa(c) == {
        "alice.ng@acme.example": True,
        "dana.kim@acme.example": True,
        "frank.oliveira@acme.example": False,  # planted: an Application Administrator without MFA
        "auditor_ext#EXT#@acme.example": True,
    }
    assert {p["mfa_enabled"] for p in c.principals if p["kind"] not in ("human_user", "service_user")} == {
        None
    }
    e = entity(c, "user_mfa_registration")
    # The fake's report was refreshed six hours before the observation (2026-11-02 03:00 UTC).
    assert (e.status, e.pages, e.items, e.source_as_of) == (
        "complete",
        1,
        4,
        dt.datetime(2026, 11, 1, 21, tzinfo=dt.UTC),
    )
    assert last_use(c) == {
        ("billing-export", "client_secret"): (dt.datetime(2026, 11, 1, 2, 15, tzinfo=dt.UTC), REPORTED),
        ("directory-sync", "client_secret"): (dt.datetime(2026, 10, 31, 23, tzinfo=dt.UTC), REPORTED),
        ("invoice-ocr", "certificate"): (dt.datetime(2026, 6, 15, 8, tzinfo=dt.UTC), REPORTED),
        ("invoice-ocr", "client_secret"): (None, NOT_REPORTED),
        ("legacy-sync", "client_secret"): (
            None,
            NOT_REPORTED,
        ),  # no sign-in in the report: unknown, not never
        ("ci-automation", "client_secret"): (None, NOT_REPORTED),
    }
    assert entity(c, "app_credential_sign_in_activity").status == "complete"


def test_an_unlicensed_tenant_leaves_mfa_and_credential_use_unknown_on_their_own_entities(
    fake, world, now, sleeps
):
    world.licensed = False
    world.app_credential_sign_in = None
    c = collect(now, sleeps)
    e = entity(c, "user_mfa_registration")
    assert (e.status, e.error, e.source_as_of) == (
        "not_collected",
        f"tenant {TENANT}: user_mfa_registration: {NON_PREMIUM}; users' MFA registration unknown",
        None,
    )
    assert set(mfa(c).values()) == {None}  # unknown, never False
    e = entity(c, "app_credential_sign_in_activity")
    assert (e.status, e.error) == (
        "not_collected",
        f"tenant {TENANT}: app_credential_sign_in_activity: {NON_PREMIUM}; credentials' last use unknown",
    )
    assert set(last_use(c).values()) == {
        (None, "unknown: appCredentialSignInActivities (beta) not collected")
    }
    statuses = table_statuses(c.tables("run", now())["collection"])
    assert (statuses["principals"]["status"], statuses["credentials"]["status"]) == ("complete", "complete")
    assert statuses["credentials"]["not_collected"] == [
        f"last_used (app_credential_sign_in_activity: {e.error})"
    ]
    assert any(n.startswith("mfa (user_mfa_registration: ") for n in statuses["principals"]["not_collected"])


def test_a_user_missing_from_the_report_is_unknown(fake, world, now, sleeps):
    world.mfa_registration = [
        r for r in world.mfa_registration if not r["userPrincipalName"].startswith("dana")
    ]
    c = collect(now, sleeps)
    assert mfa(c)["dana.kim@acme.example"] is None
    assert mfa(c)["frank.oliveira@acme.example"] is False
    assert entity(c, "user_mfa_registration").status == "complete"


def test_a_malformed_report_page_leaves_that_report_not_collected_only(fake, monkeypatch, now, sleeps):
    handle = fake.api.handle

    def mangled(raw_path: str, authorization: str | None):
        status, body, headers = handle(raw_path, authorization)
        if raw_path.startswith(MFA_PATH) and status == 200:
            body = {**body, "value": {"id": "not a list"}}
        return status, body, headers

    monkeypatch.setattr(fake.api, "handle", mangled)
    c = collect(now, sleeps)
    e = entity(c, "user_mfa_registration")
    assert (e.status, e.error) == (
        "not_collected",
        f"tenant {TENANT}: user_mfa_registration: /reports/authenticationMethods/userRegistrationDetails: page "
        "has no 'value' list; users' MFA registration unknown",
    )
    assert set(mfa(c).values()) == {None}
    assert {x.status for x in c.entities if x.entity != "user_mfa_registration"} == {"complete"}


def test_a_report_that_keeps_failing_is_not_collected_with_the_failure_named(fake, world, now, sleeps):
    """The tables stay complete with the missing part named: the report only completes rows observed."""
    world.faults = [Fault(CREDENTIALS_PATH, 503)]
    c = collect(now, sleeps)
    e = entity(c, "app_credential_sign_in_activity")
    assert (e.status, e.api_calls, e.retries) == ("not_collected", 6, 5)
    assert e.error == (
        f"tenant {TENANT}: app_credential_sign_in_activity: HTTP 503 ServiceUnavailable: The service is "
        "temporarily unavailable.; credentials' last use unknown"
    )
    assert set(last_use(c).values()) == {
        (None, "unknown: appCredentialSignInActivities (beta) not collected")
    }
    assert entity(c, "applications").status == "complete"
    statuses = table_statuses(c.tables("run", now())["collection"])
    assert statuses["credentials"] == {
        "status": "complete",
        "not_collected": [f"last_used (app_credential_sign_in_activity: {e.error})"],
    }


def test_both_reports_page_through_next_links(fake, world, now, sleeps):
    world.page_size = 1
    c = collect(now, sleeps)
    m, cr = entity(c, "user_mfa_registration"), entity(c, "app_credential_sign_in_activity")
    assert (m.status, m.pages, m.items, m.api_calls) == ("complete", 4, 4, 4)
    assert (cr.status, cr.pages, cr.items, cr.api_calls) == ("complete", 3, 3, 3)
    assert mfa(c)["frank.oliveira@acme.example"] is False
    assert last_use(c)[("invoice-ocr", "certificate")][1] == REPORTED
