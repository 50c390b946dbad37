"""NHI rules: owner, dormancy, privilege, new privileged grants, external trust, public access."""

import datetime as dt
import json

import pyarrow as pa
from muster.schema import to_table
from muster.schema.changes import CHANGES
from people_reference import OBSERVED_SCHEMA, PEOPLE_SCHEMA, history_context
from rules_build import BASE, DAY, TENANT, ago, grant, human, of, principal, role, row, run, tables, trust


def test_nhi_without_owner_fires_for_unowned_enabled_nhis_only():
    t = tables(
        [
            principal("P1", "svc-orphan", owner=None, owner_source=None),
            principal("P2", "svc-owned"),
            principal("P3", "svc-off", owner=None, owner_source=None, enabled=False),
            role("R1", "AWSServiceRoleForSupport", owner=None, owner_source=None, path="/aws-service-role/"),
            human("H1", "bob"),
        ]
    )
    f = run(t)
    assert of(f, "nhi_without_owner") == {("fail", "P1")}
    assert row(f, "nhi_without_owner", "P1")["sentence"].startswith(
        "Service user svc-orphan in 123456789012 has no owner"
    )


def test_nhi_dormant_by_last_use_by_never_used_credentials_and_by_role_window():
    from rules_build import credential

    never = "credential_report:N/A (never used)"
    t = tables(
        [
            principal("P1", "svc-idle", last_used_at=ago(120)),
            principal("P2", "svc-busy", last_used_at=ago(3)),
            principal("P3", "svc-never", last_used_at=None, last_used_source=None, created_at=ago(200)),
            role(
                "R1",
                "old-role",
                last_used_at=None,
                last_used_source="iam:RoleLastUsed: no use in the tracking period",
                created_at=ago(500),
            ),
            role(
                "R2",
                "new-role",
                last_used_at=None,
                last_used_source="iam:RoleLastUsed: no use in the tracking period",
                created_at=ago(20),
            ),
            role("R3", "blind-role", last_used_at=None, last_used_source=None, created_at=ago(100)),
        ],
        [credential("C3", "P3", last_used_at=None, last_used_source=never, created_at=ago(200))],
    )
    f = run(t)
    assert of(f, "nhi_dormant") == {("fail", "P1"), ("fail", "P3"), ("fail", "R1"), ("unknown", "R3")}
    assert (
        "was last used 120 days ago (credential report generated 2026-11-26 03:10 UTC)"
        in row(f, "nhi_dormant", "P1")["sentence"]
    )
    assert "has never been used and is 200 days old" in row(f, "nhi_dormant", "P3")["sentence"]


def test_nhi_privileged_names_the_grant_and_reason_and_unknown_privilege_is_unknown():
    t = tables(
        [
            role("R1", "data-pipeline"),
            principal("P1", "svc-read"),
            principal("P2", "svc-odd"),
            human("H1", "alice"),
        ],
        grants=[
            grant("R1", "arn:aws:iam::aws:policy/AdministratorAccess", "admin"),
            grant("R1", "arn:aws:iam::aws:policy/PassIt", "escalation"),
            grant("P1", "arn:aws:iam::aws:policy/ReadOnly", "read"),
            grant("P2", "arn:aws:iam::123456789012:policy/broken", "unknown"),
            grant("H1", "arn:aws:iam::aws:policy/AdministratorAccess", "admin"),
        ],
    )
    f = run(t)
    assert of(f, "nhi_privileged") == {("fail", "R1"), ("unknown", "P2")}
    assert row(f, "nhi_privileged", "R1")["sentence"] == (
        "Role data-pipeline in 123456789012 holds admin-equivalent permissions through AdministratorAccess "
        "(direct, account/123456789012): policy arn:aws:iam::aws:policy/AdministratorAccess statement 0: verdict "
        "admin (as observed 2026-11-26 03:30 UTC)."
    )


def _changes(rows):
    base = {
        **BASE,
        "principal_id": None,
        "changed_columns": None,
        "before": None,
        "after": None,
        "baseline_date": DAY - dt.timedelta(days=1),
        "reason": None,
    }
    return to_table(CHANGES, [{**base, **r} for r in rows])


def _key(pid, role_id):
    return json.dumps(
        {"principal_id": pid, "role_id": role_id, "scope": f"account/{TENANT}", "via": "direct"},
        sort_keys=True,
        separators=(",", ":"),
    )


def test_privileged_grant_added_from_changes():
    admin, read = "arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/ReadOnly"
    t = tables(
        [
            role("R1", "data-pipeline"),
            principal("P1", "svc-a"),
            principal("P2", "svc-b"),
            principal("P3", "svc-c"),
        ],
        grants=[
            grant("R1", admin, "admin"),
            grant("P1", read, "read"),
            grant("P2", admin, "admin"),
            grant("P3", "arn:x/policy/grow", "escalation"),
        ],
    )
    changes = _changes(
        [
            {
                "table_name": "grants",
                "entity_key": _key("R1", admin),
                "change": "added",
                "principal_id": "R1",
            },
            {"table_name": "grants", "entity_key": _key("P1", read), "change": "added", "principal_id": "P1"},
            {
                "table_name": "grants",
                "entity_key": _key("P2", admin),
                "change": "added",
                "principal_id": "P2",
                "baseline_date": None,
                "reason": "first complete observation",
            },
            {
                "table_name": "grants",
                "entity_key": _key("P3", "arn:x/policy/grow"),
                "change": "modified",
                "principal_id": "P3",
                "changed_columns": ["privilege"],
                "before": '{"privilege":"write"}',
                "after": '{"privilege":"escalation"}',
            },
        ]
    )
    f = run(t, changes=changes)
    assert of(f, "privileged_grant_added") == {
        ("fail", _key("R1", admin)),
        ("fail", _key("P3", "arn:x/policy/grow")),
    }
    assert (
        "data-pipeline in 123456789012 was granted AdministratorAccess (direct, account/123456789012) since "
        "2026-11-25, which is admin-equivalent"
        in row(f, "privileged_grant_added", _key("R1", admin))["sentence"]
    )


def test_an_identity_center_admin_role_is_peoples_access_its_new_admin_grant_is_still_reported():
    """A permission-set role is human access: not an NHI without owner, nor a privileged NHI; a privileged
    grant added to it is a change to people's standing access and is still reported."""
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    name = "AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b"
    sso = role(
        "R1",
        name,
        is_nhi=False,
        nhi_reason="IAM Identity Center role of permission set AdministratorAccess",
        owner=None,
        owner_source=None,
        path="/aws-reserved/sso.amazonaws.com/",
    )
    t = tables([sso], grants=[grant("R1", admin, "admin")])
    changes = _changes([{"table_name": "grants", "entity_key": _key("R1", admin), "change": "added"}])
    f = run(t, changes=changes)
    assert {r["rule_id"] for r in f.to_pylist() if r["principal_id"] == "R1"} == {"privileged_grant_added"}
    assert row(f, "privileged_grant_added", _key("R1", admin))["sentence"].startswith(
        f"{name} in 123456789012 was granted AdministratorAccess"
    )


def test_privileged_grant_added_is_unknown_without_changes_or_with_unknown_grants():
    t = tables([role("R1", "r")], grants=[grant("R1", "arn:a", "admin")])
    assert of(run(t), "privileged_grant_added") == {("unknown", "changes:grants")}
    changes = _changes(
        [{"table_name": "grants", "entity_key": "{}", "change": "unknown", "reason": "baseline partial"}]
    )
    f = run(t, changes=changes)
    assert of(f, "privileged_grant_added") == {("unknown", "changes:grants")}
    assert "baseline partial" in row(f, "privileged_grant_added", "changes:grants")["sentence"]


def test_external_trust_without_condition():
    def doc(principal, **extra):
        return {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal, **extra}],
        }

    t = tables(
        [
            role("R1", "auditor"),
            role("R2", "guarded"),
            role("R3", "internal"),
            role("R4", "glue"),
            role("R5", "open"),
        ],
        role_definitions=[
            trust("auditor", doc({"AWS": "arn:aws:iam::999988887777:root"})),
            trust(
                "guarded", doc({"AWS": "999988887777"}, Condition={"StringEquals": {"sts:ExternalId": "x"}})
            ),
            trust("internal", doc({"AWS": f"arn:aws:iam::{TENANT}:root"})),
            trust("glue", doc({"Service": "glue.amazonaws.com"})),
            trust("open", doc("*")),
        ],
    )
    f = run(t)
    assert of(f, "external_trust_without_condition") == {("fail", "R1"), ("fail", "R5")}
    assert row(f, "external_trust_without_condition", "R1")["sentence"] == (
        "Role auditor in 123456789012 can be assumed by account 999988887777 without any condition "
        "(as observed 2026-11-26 03:30 UTC)."
    )
    # a tenant Muster collects is not external
    f = run(t, context={"tenants": ["999988887777"]})
    assert of(f, "external_trust_without_condition") == {("fail", "R5")}


def test_owner_disabled_today_fires_and_owner_active_does_not():
    from rules_build import credential

    t = tables(
        [
            principal("S1", "svc-billing", owner="dana.kim"),
            principal("S2", "svc-ok", owner="alice"),
            human("H1", "dana.kim", enabled=False),
            human("H2", "Alice@acme.example"),
        ],
        [credential("C1", "S1")],
    )
    f = run(t)
    assert of(f, "nhi_owner_departed") == {("fail", "S1")}
    assert row(f, "nhi_owner_departed", "S1")["sentence"].startswith(
        "Service user svc-billing in 123456789012 is still enabled (1 active credential(s)) although its owner "
        "dana.kim (from tag:owner) has left or been disabled"
    )


def _people(rows):
    return pa.Table.from_pylist(rows, schema=PEOPLE_SCHEMA)


def _observed(rows):
    return pa.Table.from_pylist(rows, schema=OBSERVED_SCHEMA)


def test_owner_removed_elsewhere_in_a_complete_snapshot_has_left_and_partial_is_unknown():
    other, d1, d2 = "aws/210987654321", DAY - dt.timedelta(days=2), DAY
    t = tables([principal("S1", "svc-billing", owner="dana.kim")])
    people = _people(
        [{"tenant_id": other, "snapshot_date": d1, "principal_id": "H", "name": "dana.kim", "enabled": True}]
    )
    for complete, expected in ((True, "fail"), (False, "unknown")):
        observed = _observed(
            [
                {"tenant_id": other, "snapshot_date": d1, "complete": True},
                {"tenant_id": other, "snapshot_date": d2, "complete": complete},
            ]
        )
        f = run(t, context=history_context(people, observed, d2))
        assert of(f, "nhi_owner_departed") == {(expected, "S1")}
    assert (
        f"since {d2}"
        in row(
            run(
                t,
                context=history_context(
                    people,
                    _observed(
                        [
                            {"tenant_id": other, "snapshot_date": d1, "complete": True},
                            {"tenant_id": other, "snapshot_date": d2, "complete": True},
                        ]
                    ),
                    d2,
                ),
            ),
            "nhi_owner_departed",
            "S1",
        )["sentence"]
    )


def test_owner_never_seen_is_unknown_and_says_where_it_was_looked_for():
    f = run(tables([principal("S1", "svc", owner="platform-team"), human("H1", "alice")]))
    assert of(f, "nhi_owner_departed") == {("unknown", "S1")}
    found = row(f, "nhi_owner_departed", "S1")
    assert found["sentence"] == (
        "Service user svc in 123456789012 is owned by platform-team (from tag:owner), who was not found among "
        "the people Muster observed in the tenants it collects, of every provider (aws/123456789012); whether "
        "the owner has left is unknown (as observed 2026-11-26 03:30 UTC)."
    )
    evidence = json.loads(found["evidence"])
    assert (evidence["owner_state"], evidence["owner_detail"]) == (
        "not_found",
        "not found among the people of the tenants aws/123456789012",
    )


def test_owner_not_found_names_the_first_tenants_its_people_were_looked_for_in():
    others = [f"aws/2{i:011d}" for i in range(5)] + ["azure/0f1e2d3c-0000-4000-8000-000000000000"]
    observed = _observed([{"tenant_id": t, "snapshot_date": DAY, "complete": True} for t in others])
    people = _people(
        [{"tenant_id": others[0], "snapshot_date": DAY, "principal_id": "H", "name": "bob", "enabled": True}]
    )
    t = tables([principal("S1", "svc", owner="dana.kim"), principal("S2", "svc-2", owner="bob")])
    f = run(t, context=history_context(people, observed, DAY))
    assert of(f, "nhi_owner_departed") == {("unknown", "S1")}
    assert (
        "in the tenants it collects, of every provider (aws/200000000000, aws/200000000001, aws/200000000002, "
        "aws/200000000003, aws/200000000004 and 1 more)" in row(f, "nhi_owner_departed", "S1")["sentence"]
    )


def test_a_role_people_assume_is_not_a_person_an_owner_can_be_matched_to():
    sso = role("R1", "AWSReservedSSO_Admin_0123abcd", is_nhi=False, nhi_reason="IAM Identity Center role")
    t = tables([principal("S1", "svc", owner="AWSReservedSSO_Admin_0123abcd"), sso])
    assert json.loads(row(run(t), "nhi_owner_departed", "S1")["evidence"])["owner_state"] == "not_found"


def test_public_access_grant_fires_for_grants_to_the_public_only():
    everyone = principal(
        "allUsers",
        "allUsers",
        kind="public",
        is_nhi=False,
        nhi_reason="allUsers: anyone on the internet, signed in or not",
        owner=None,
        owner_source=None,
    )
    viewer = "roles/storage.objectViewer"
    t = tables(
        [everyone, principal("P1", "svc-a")],
        grants=[
            grant("allUsers", viewer, "read", role_name="Storage Object Viewer"),
            grant("P1", viewer, "read"),
        ],
    )
    f = run(t)
    key = json.dumps(
        {"principal_id": "allUsers", "role_id": viewer, "scope": f"account/{TENANT}", "via": "direct"},
        sort_keys=True,
        separators=(",", ":"),
    )
    assert of(f, "public_access_grant") == {("fail", key)}
    assert row(f, "public_access_grant", key)["sentence"] == (
        f"Storage Object Viewer (roles/storage.objectViewer) on account/{TENANT} is granted to allUsers: anyone "
        f"on the internet, signed in or not. Its privilege is read: policy {viewer} statement 0: verdict read "
        "(as observed 2026-11-26 03:30 UTC)."
    )
    assert (
        of(run(tables([principal("P1", "svc-a")], grants=[grant("P1", viewer)])), "public_access_grant")
        == set()
    )


def test_an_eligible_admin_assignment_appearing_is_a_privileged_grant_added():
    """An Entra PIM eligibility is held ``eligible until <end>``: a grant of its own (the key holds ``via``),
    reported when it appears beside an unchanged active assignment of another role."""
    ga = "/roleManagement/directory/roleDefinitions/62e90394-69f5-4237-9190-012177145e10"
    reader = "/roleManagement/directory/roleDefinitions/f2ef992c-3afb-46b9-b7cf-a126ee74c451"
    via = "eligible until 2027-02-13T00:00:00Z"
    t = tables(
        [human("H1", "frank.oliveira@acme.example")],
        grants=[
            grant("H1", reader, "read", scope="directory:/", role_name="Global Reader"),
            grant("H1", ga, "admin", scope="directory:/", via=via, role_name="Global Administrator"),
        ],
    )
    key = json.dumps(
        {"principal_id": "H1", "role_id": ga, "scope": "directory:/", "via": via},
        sort_keys=True,
        separators=(",", ":"),
    )
    f = run(t, changes=_changes([{"table_name": "grants", "entity_key": key, "change": "added"}]))
    assert of(f, "privileged_grant_added") == {("fail", key)}
    assert (
        "frank.oliveira@acme.example in 123456789012 was granted Global Administrator (eligible until "
        "2027-02-13T00:00:00Z, directory:/) since"
    ) in row(f, "privileged_grant_added", key)["sentence"]
