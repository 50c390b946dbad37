"""Credential rules: each with rows where it must fire, where it must not, and its blind-spot unknowns."""

import datetime as dt

from rules_build import AS_OF, TENANT, ago, credential, human, of, principal, role, row, run, tables


def test_unused_key_fires_with_an_auditor_sentence_and_the_source_as_of():
    t = tables(
        [principal("P1", "svc-etl")],
        [
            credential(
                "C1", "P1", external_id="AKIAABCDEFGHIJKLMXYZ", last_used_at=ago(212), created_at=ago(400)
            )
        ],
    )
    f = run(t)
    assert of(f, "credential_unused") == {("fail", "C1")}
    r = row(f, "credential_unused", "C1")
    assert r["sentence"] == (
        "Access key AKIA…XYZ of svc-etl in 123456789012 was last used 212 days ago "
        "(credential report generated 2026-11-26 03:10 UTC)."
    )
    assert "AKIAABCDEFGHIJKLMXYZ" not in r["sentence"] + r["evidence"]
    assert (r["severity"], r["entity_type"], r["principal_id"], r["credential_id"]) == (
        "medium",
        "credential",
        "P1",
        "C1",
    )
    assert r["criteria"] == ["SOC2:CC6.1", "SOC2:CC6.2"]
    assert r["as_of"] == AS_OF


def test_unused_key_does_not_fire_below_threshold_or_when_inactive():
    t = tables(
        [principal("P1", "svc-etl")],
        [
            credential("C1", "P1", last_used_at=ago(89)),
            credential("C2", "P1", last_used_at=ago(300), status="inactive"),
            credential(
                "C3",
                "P1",
                last_used_at=None,
                last_used_source="credential_report:N/A (never used)",
                created_at=ago(29),
            ),
        ],
    )
    assert of(run(t), "credential_unused") == set()


def test_never_used_key_older_than_grace_fires_and_younger_does_not():
    never = "credential_report:N/A (never used)"
    t = tables(
        [principal("P1", "svc-a")],
        [
            credential("C1", "P1", last_used_at=None, last_used_source=never, created_at=ago(31)),
            credential("C2", "P1", last_used_at=None, last_used_source=never, created_at=ago(29)),
        ],
    )
    f = run(t)
    assert of(f, "credential_unused") == {("fail", "C1")}
    assert "has never been used and is 31 days old" in row(f, "credential_unused", "C1")["sentence"]


def test_never_used_key_created_within_the_reporting_lag_is_unknown(tmp_path):
    from muster.config import Tenant, Thresholds

    never = "credential_report:N/A (never used)"
    t = tables(
        [principal("P1", "svc-a")],
        [
            credential("C1", "P1", last_used_at=None, last_used_source=never, created_at=ago(hours=2)),
            credential("C2", "P1", last_used_at=None, last_used_source=never, created_at=ago(hours=5)),
        ],
    )
    tenant = Tenant(provider="aws", id=TENANT, thresholds=Thresholds(never_used_grace_days=0))
    assert of(run(t, tenant=tenant), "credential_unused") == {("unknown", "C1"), ("fail", "C2")}


def test_never_used_beyond_the_400_day_window_reads_as_unused_for_the_window():
    never = "credential_report:N/A (never used)"
    t = tables(
        [principal("P1", "svc-a")],
        [credential("C1", "P1", last_used_at=None, last_used_source=never, created_at=ago(663))],
    )
    f = run(t)
    assert of(f, "credential_unused") == {("fail", "C1")}
    assert (
        "shows no use in the 400 days the provider reports" in row(f, "credential_unused", "C1")["sentence"]
    )


def test_use_not_reported_is_unknown_not_unused():
    t = tables(
        [principal("P1", "svc-a")],
        [
            credential(
                "S1",
                "P1",
                kind="ssh_key",
                external_id="APKAEXAMPLE12345",
                last_used_at=None,
                last_used_source="not reported by AWS",
                created_at=ago(200),
            ),
            credential(
                "S2",
                "P1",
                kind="ssh_key",
                last_used_at=None,
                last_used_source="not reported by AWS",
                created_at=ago(10),
            ),
        ],
    )
    f = run(t)
    assert of(f, "credential_unused") == {("unknown", "S1")}
    assert "SSH key APKA…345 of svc-a" in row(f, "credential_unused", "S1")["sentence"]


def test_unrotated_fires_over_rotation_days_and_unknown_without_creation_time():
    t = tables(
        [principal("P1", "svc-a")],
        [
            credential("C1", "P1", created_at=ago(91)),
            credential("C2", "P1", created_at=ago(80)),
            credential("C3", "P1", created_at=None),
            credential("C4", "P1", created_at=ago(300), status="inactive"),
            credential("PW", "P1", kind="password", created_at=ago(300)),
        ],
    )
    assert of(run(t), "credential_unrotated") == {("fail", "C1"), ("unknown", "C3")}


def test_several_active_keys_on_one_identity_is_one_finding_about_the_identity():
    t = tables(
        [principal("P1", "ci-deployer"), principal("P2", "svc-b")],
        [
            credential("C1", "P1", external_id="AKIAAAAAAAAAAAAAA111"),
            credential("C2", "P1", external_id="AKIABBBBBBBBBBBBB222"),
            credential("C3", "P2"),
            credential("C4", "P2", status="inactive"),
        ],
    )
    f = run(t)
    assert of(f, "multiple_active_keys") == {("fail", "P1")}
    assert (
        "has 2 active keys at once: Access key AKIA…111, Access key AKIA…222"
        in row(f, "multiple_active_keys", "P1")["sentence"]
    )


def test_secret_expiry_rules():
    soon, past, never = AS_OF + dt.timedelta(days=10), AS_OF - dt.timedelta(days=3), None
    far = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
    t = tables(
        [principal("A1", "app")],
        [
            credential("K1", "A1", kind="client_secret", expires_at=soon),
            credential("K2", "A1", kind="client_secret", expires_at=past, status="expired"),
            credential("K3", "A1", kind="client_secret", expires_at=never),
            credential("K4", "A1", kind="sa_key", expires_at=far),
            credential("K5", "A1", kind="client_secret", expires_at=AS_OF + dt.timedelta(days=31)),
            credential("K6", "A1", kind="access_key", expires_at=None),
            credential("K7", "A1", kind="sa_key", expires_at=None, managed_by="provider"),
        ],
    )
    f = run(t)
    assert of(f, "secret_expiring_soon") == {("fail", "K1")}
    assert of(f, "secret_expired_present") == {("fail", "K2")}
    assert of(f, "secret_without_expiry") == {("fail", "K3"), ("fail", "K4")}
    assert "expires in 10 days (2026-12-06)" in row(f, "secret_expiring_soon", "K1")["sentence"]


def test_active_credential_on_disabled_identity():
    t = tables(
        [
            principal("P1", "sa-off", enabled=False),
            principal("P2", "sa-on"),
            principal("P3", "sa-q", enabled=None),
        ],
        [
            credential("C1", "P1"),
            credential("C2", "P2"),
            credential("C3", "P3"),
            credential("C4", "P1", status="inactive"),
        ],
    )
    assert of(run(t), "active_credential_disabled_identity") == {("fail", "C1"), ("unknown", "C3")}


def test_human_with_long_lived_key_but_not_service_users_or_root():
    t = tables(
        [
            human("H1", "alice"),
            principal("S1", "svc-a"),
            principal("R", "<root_account>", kind="root", is_nhi=False),
        ],
        [
            credential("C1", "H1"),
            credential("C2", "S1"),
            credential("C3", "R"),
            credential("C4", "H1", status="inactive"),
            credential("PW", "H1", kind="password"),
        ],
    )
    assert of(run(t), "human_long_lived_key") == {("fail", "C1")}


def test_root_access_key_only_when_active():
    root = principal(TENANT, "<root_account>", kind="root", is_nhi=False)
    f = run(tables([root], [credential("K1", TENANT), credential("K2", TENANT, status="inactive")]))
    assert of(f, "root_access_key") == {("fail", "K1")}
    assert row(f, "root_access_key", "K1")["severity"] == "critical"
    assert of(run(tables([root], [credential("K2", TENANT, status="inactive")])), "root_access_key") == set()


def test_role_without_credentials_gives_no_credential_findings():
    f = run(tables([role("R1", "app")]))
    assert {r["rule_id"] for r in f.to_pylist() if r["entity_type"] == "credential"} == set()


def test_credential_without_creation_time_and_without_reported_use_is_unknown():
    t = tables(
        [principal("P1", "svc-a")],
        [credential("C1", "P1", last_used_at=None, last_used_source=None, created_at=None)],
    )
    assert of(run(t), "credential_unused") == {("unknown", "C1")}
