"""Human vs NHI precedence (one test per rule) and owner sources."""

from aws_transform_helpers import DAY, by, gaad, raw_account, report, report_row, tenant, user, validated
from muster.providers.aws.classify import Classifier
from muster.providers.aws.transform import transform_account

SERVICE_TAGS = {"type": "service"}


def classify_user(name="alice", pid="AIDA1", path="/", tags=None, console=True, mfa=True, **tenant_kw):
    return Classifier(tenant(**tenant_kw)).user(name, pid, path, tags or {}, console, mfa)


def test_1_scope_file_override_by_name_beats_everything():
    got = classify_user(
        "svc-deploy",
        path="/service/",
        tags={"muster:identity": "nhi"},
        identity_overrides={"svc-deploy": "human"},
    )
    assert got == (False, "scope file identity_overrides['svc-deploy'] = human")


def test_1_scope_file_override_by_id_applies_to_roles_too():
    classifier = Classifier(tenant(identity_overrides={"AROA1": "human"}))
    assert classifier.role("sso-admin", "AROA1", "/", {}) == (
        False,
        "scope file identity_overrides['AROA1'] = human",
    )


def test_2_override_tag_beats_path_and_roles():
    assert classify_user(path="/service/", tags={"muster:identity": "Human"}) == (
        False,
        "tag muster:identity=Human",
    )
    classifier = Classifier(tenant())
    assert classifier.role("r", "AROA1", "/", {"muster:identity": "human"}) == (
        False,
        "tag muster:identity=human",
    )


def test_2_override_tag_with_another_value_is_ignored():
    assert classify_user(tags={"muster:identity": "maybe"}) == (
        False,
        "console password enabled (MFA active)",
    )


def test_3_roles_and_service_linked_roles_are_nhi():
    classifier = Classifier(tenant())
    assert classifier.role("deploy", "AROA1", "/", {}) == (
        True,
        "IAM role: assumed by workloads or federated sessions, not a person's login",
    )
    assert classifier.role("AWSServiceRoleForSupport", "AROA2", "/aws-service-role/", {}) == (
        True,
        "service-linked role (path /aws-service-role/)",
    )


def test_4_root_is_human_unless_overridden():
    assert Classifier(tenant()).root("<root_account>", "123456789012") == (False, "account root user")
    overridden = Classifier(tenant(identity_overrides={"123456789012": "nhi"}))
    assert overridden.root("<root_account>", "123456789012") == (
        True,
        "scope file identity_overrides['123456789012'] = nhi",
    )


def test_5_service_path_beats_tags_names_and_console():
    assert classify_user("alice", path="/automation/ci/", console=True) == (
        True,
        "user path /automation/ci/ is under service path /automation/",
    )


def test_5_human_path_beats_service_tag_and_name():
    assert classify_user("svc-x", path="/people/", tags=SERVICE_TAGS, console=False) == (
        False,
        "user path /people/ is under human path /people/",
    )


def test_6_service_tag_value():
    assert classify_user("alice", tags={"type": "Machine"}) == (
        True,
        "tag type=Machine marks a service identity",
    )


def test_7_name_pattern():
    assert classify_user("SVC_reports", console=True) == (
        True,
        "user name matches service pattern '^(svc|sa|bot|ci|cd|app|sys|srv)[-_.]'",
    )
    assert classify_user("nightly-bot", console=True) == (
        True,
        "user name matches service pattern '[-_.](svc|bot|service|automation)$'",
    )


def test_8_console_password_is_human_and_mentions_mfa():
    assert classify_user(console=True, mfa=True) == (False, "console password enabled (MFA active)")
    assert classify_user(console=True, mfa=False) == (False, "console password enabled (no MFA)")
    assert classify_user(console=True, mfa=None) == (False, "console password enabled (MFA unknown)")


def test_9_no_console_password_is_nhi():
    assert classify_user(console=False, mfa=False) == (True, "no console password: programmatic access only")


def test_unknown_console_access_is_treated_as_nhi_and_says_so():
    assert classify_user(console=None, mfa=None) == (
        True,
        "console access unknown (no credential report row or login profile): treated as NHI",
    )


def test_owner_sources():
    classifier = Classifier(
        tenant(owners={"bob": "team-data", "AIDA9": "team-id"}, owner_tag_keys=("owner", "team"))
    )
    assert classifier.owner("bob", "AIDA1", {"owner": "x"}) == ("team-data", "scope-file")
    assert classifier.owner("carol", "AIDA9", {}) == ("team-id", "scope-file")
    assert classifier.owner("dave", "AIDA2", {"team": "t", "owner": "o"}) == ("o", "tag:owner")
    assert classifier.owner("erin", "AIDA3", {"team": "t", "owner": ""}) == ("t", "tag:team")
    assert classifier.owner("frank", "AIDA4", {"Owner": "x"}) == (None, None)


def test_classification_in_the_transform_sets_kind_owner_and_reason():
    details = gaad(
        users=[
            user("alice", "AIDAALICE", Tags=[{"Key": "Owner", "Value": "it"}]),
            user(
                "ci-runner",
                "AIDACI",
                Tags=[{"Key": "owner", "Value": "platform"}, {"Key": "env", "Value": "p"}],
            ),
        ]
    )
    text = report(
        report_row("alice", password_enabled="true", mfa_active="true"),
        report_row("ci-runner"),
    )
    collected = transform_account(raw_account(details, text), tenant(), DAY)
    validated(collected)
    rows = by(collected.principals, "name")
    picked = ("kind", "is_nhi", "nhi_reason", "owner", "owner_source", "tags")
    assert {n: {k: r[k] for k in picked} for n, r in rows.items()} == {
        "alice": {
            "kind": "human_user",
            "is_nhi": False,
            "nhi_reason": "console password enabled (MFA active)",
            "owner": "it",
            "owner_source": "tag:Owner",
            "tags": {"Owner": "it"},
        },
        "ci-runner": {
            "kind": "service_user",
            "is_nhi": True,
            "nhi_reason": "user name matches service pattern '^(svc|sa|bot|ci|cd|app|sys|srv)[-_.]'",
            "owner": "platform",
            "owner_source": "tag:owner",
            "tags": {"env": "p", "owner": "platform"},
        },
    }
