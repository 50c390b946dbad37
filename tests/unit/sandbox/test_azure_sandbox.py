"""The demo scenario's Entra tenant: events change what the fake serves, day by day."""

import pytest
from muster.sandbox import azure
from muster.sandbox.scenario import ScenarioError, builtin, parse_scenario, state_on

TENANT = "7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6"


def world(day: int):
    return azure.world_of(state_on(builtin("demo"), day).azure.tenants[0])


def test_the_owner_of_billing_export_leaves_on_day_8():
    def dana(w):
        return next(u["accountEnabled"] for u in w.users if u["userPrincipalName"].startswith("dana.kim@"))

    assert (dana(world(7)), dana(world(8))) == (True, False)


def test_secret_rotation_and_new_permission_show_up_on_their_days():
    def ci_secrets(w):
        app = next(a for a in w.applications if a["displayName"] == "ci-automation")
        return sorted(c["displayName"] for c in app["passwordCredentials"])

    assert [ci_secrets(world(d)) for d in (6, 7, 12)] == [
        ["ci-2026-05"],
        ["ci-2026-05", "ci-2026-11"],
        ["ci-2026-11"],
    ]
    assert len(world(12).app_role_assignments) == len(world(11).app_role_assignments) + 1


def test_secrets_are_served_as_graph_shows_them_without_a_value():
    app = next(a for a in world(0).applications if a["displayName"] == "legacy-sync")
    [secret] = app["passwordCredentials"]
    assert secret["secretText"] is None and secret["endDateTime"] == "2299-12-31T00:00:00Z"


def test_an_azure_event_for_an_unknown_user_names_day_and_event():
    data = {
        "name": "t",
        "start_date": "2026-11-02",
        "days": 2,
        "azure": {"tenants": [{"id": TENANT, "name": "t", "domain": "t.example"}]},
        "timeline": [
            {
                "day": 1,
                "events": [
                    {"provider": "azure", "action": "disable_user", "tenant": TENANT, "user": "nobody"}
                ],
            }
        ],
    }
    with pytest.raises(
        ScenarioError, match=r"day 1, event 1 \(azure disable_user\): tenant .* has no user 'nobody'"
    ):
        parse_scenario(data)


def test_groups_nest_and_billing_export_joins_sre_oncall_on_day_10():
    def members(w, name):
        names = {o["id"]: o.get("displayName") for o in (*w.users, *w.service_principals, *w.groups)}
        gid = next(g["id"] for g in w.groups if g["displayName"] == name)
        return sorted(names[m] for m in w.group_members[gid])

    assert members(world(0), "platform-admins") == ["sre-oncall"]
    assert [members(world(d), "sre-oncall") for d in (9, 10)] == [
        ["frank.oliveira"],
        ["billing-export", "frank.oliveira"],
    ]


def test_the_fake_lists_direct_and_transitive_members_typed_and_paged():
    from muster.sandbox.azure_fake import Api

    w = world(10)
    admins = next(g["id"] for g in w.groups if g["displayName"] == "platform-admins")
    api = Api(w, "http://fake")
    _, direct, _ = api.handle(f"/v1.0/groups/{admins}/members?$select=id", "Bearer t")
    assert [m["@odata.type"] for m in direct["value"]] == ["#microsoft.graph.group"]
    _, page, _ = api.handle(
        f"/v1.0/groups/{admins}/transitiveMembers?$select=id,displayName&$top=2", "Bearer t"
    )
    assert [(m["@odata.type"], m["displayName"]) for m in page["value"]] == [
        ("#microsoft.graph.group", "sre-oncall"),
        ("#microsoft.graph.user", "frank.oliveira"),
    ]
    _, rest, _ = api.handle(page["@odata.nextLink"].removeprefix("http://fake"), "Bearer t")
    assert [(m["displayName"], "@odata.nextLink" in rest) for m in rest["value"]] == [
        ("billing-export", False)
    ]
    status, body, _ = api.handle("/v1.0/groups/nope/members", "Bearer t")
    assert (status, body["error"]["code"]) == (404, "Request_ResourceNotFound")


def tenant_data(**extra):
    return {
        "name": "t",
        "start_date": "2026-11-02",
        "days": 2,
        "azure": {
            "tenants": [
                {"id": TENANT, "name": "t", "domain": "t.example", "users": [{"name": "ann"}], **extra}
            ]
        },
    }


def test_directory_roles_go_to_role_assignable_groups_which_hold_no_groups():
    with pytest.raises(
        ScenarioError, match="directory role Global Reader needs a role-assignable group, g is not"
    ):
        parse_scenario(
            tenant_data(
                groups=[{"name": "g", "members": ["ann"]}],
                directory_roles=[{"role": "Global Reader", "principal": "g"}],
            )
        )
    with pytest.raises(ScenarioError, match="role-assignable group g cannot contain groups"):
        parse_scenario(
            tenant_data(groups=[{"name": "g", "role_assignable": True, "members": ["h"]}, {"name": "h"}])
        )


def test_a_member_added_twice_names_day_and_event():
    data = tenant_data(groups=[{"name": "g", "members": ["ann"]}])
    data["timeline"] = [
        {
            "day": 1,
            "events": [
                {
                    "provider": "azure",
                    "action": "add_group_member",
                    "tenant": TENANT,
                    "group": "g",
                    "member": "ann",
                }
            ],
        }
    ]
    with pytest.raises(
        ScenarioError, match=r"day 1, event 1 \(azure add_group_member\): ann is already a member"
    ):
        parse_scenario(data)


def test_a_tenant_written_before_the_reports_loads_with_registered_users_and_no_credential_sign_ins():
    data = tenant_data(
        applications=[{"name": "app", "secrets": [{"id": "s1", "expires": "2027-01-01T00:00:00Z"}]}]
    )
    t = state_on(parse_scenario(data), 0).azure.tenants[0]
    w = azure.world_of(t)
    assert [(r["userPrincipalName"], r["isMfaRegistered"]) for r in w.mfa_registration] == [
        ("ann@t.example", True)
    ]
    assert w.app_credential_sign_in == []


def test_the_reports_follow_the_tenants_licence_and_sign_in_report_flags():
    from muster.sandbox.azure_fake import Api

    data = tenant_data(licensed=False, sign_in_report=False)
    w = azure.world_of(state_on(parse_scenario(data), 0).azure.tenants[0])
    api = Api(w, "http://fake")
    for path in (
        "/v1.0/reports/authenticationMethods/userRegistrationDetails",
        "/beta/reports/appCredentialSignInActivities",
    ):
        status, body, _ = api.handle(path, "Bearer t")
        assert (status, body["error"]["code"]) == (
            403,
            "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
        )


def test_users_created_since_the_mfa_reports_refresh_are_not_in_it():
    data = tenant_data()
    data["azure"]["tenants"][0]["users"] = [
        {"name": "ann", "created": "2026-01-01T00:00:00Z"},
        {"name": "bo", "created": "2026-11-02T01:00:00Z", "mfa": False},  # after the refresh
        {"name": "cy", "mfa": None},  # not in the report at all
    ]
    state = state_on(parse_scenario(data), 0)
    w = azure.world_of(state.azure.tenants[0], state.observed_at)
    assert [(r["userPrincipalName"], r["lastUpdatedDateTime"]) for r in w.mfa_registration] == [
        ("ann@t.example", _ts(state.observed_at - azure.MFA_REPORT_AGE))
    ]


def _ts(at):
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_billing_export_signs_in_with_its_secret_on_day_8():
    def secret_use(w):
        app = next(a for a in w.applications if a["displayName"] == "billing-export")
        [key] = [c["keyId"] for c in app["passwordCredentials"]]
        return [
            a["signInActivity"]["lastSignInDateTime"] for a in w.app_credential_sign_in if a["keyId"] == key
        ]

    assert [secret_use(world(d)) for d in (7, 8)] == [["2026-11-01T02:15:00Z"], ["2026-11-10T02:15:00Z"]]


def test_a_user_does_not_sign_in_with_an_application_credential():
    data = tenant_data()
    data["timeline"] = [
        {
            "day": 1,
            "events": [
                {
                    "provider": "azure",
                    "action": "sign_in",
                    "tenant": TENANT,
                    "principal": "ann",
                    "credential": "x",
                }
            ],
        }
    ]
    with pytest.raises(ScenarioError, match=r"day 1, event 1 \(azure sign_in\): user ann does not sign in"):
        parse_scenario(data)


def test_the_fake_serves_eligibility_paged_and_refuses_it_without_p2():
    from muster.sandbox.azure_fake import Api

    sub = "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    w = world(13)
    api = Api(w, "http://fake")
    status, page, _ = api.handle(
        "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances?$select=id,principalId,endDateTime",
        "Bearer t",
    )
    assert status == 200 and [e["endDateTime"] for e in page["value"]] == ["2027-02-13T00:00:00Z"]
    assert set(page["value"][0]) == {"id", "principalId", "endDateTime"}
    arm = f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances"
    status, body, _ = api.handle(f"{arm}?api-version=2020-10-01", "Bearer t")
    [owner] = body["value"]
    assert owner["properties"]["principalType"] == "Group" and owner["properties"]["endDateTime"] == (
        "2027-03-31T00:00:00Z"
    )
    w.pim = False
    for path, message in (
        ("/v1.0/roleManagement/directory/roleEligibilityScheduleInstances", "Microsoft Entra ID P2"),
        (f"{arm}?api-version=2020-10-01", "AAD Premium 2"),
    ):
        status, body, _ = api.handle(path, "Bearer t")
        assert (status, body["error"]["code"]) == (400, "AadPremiumLicenseRequired")
        assert message in body["error"]["message"]


def test_frank_is_made_eligible_for_global_administrator_on_day_13_and_twice_is_refused():
    t12, t13 = (state_on(builtin("demo"), d).azure.tenants[0] for d in (12, 13))
    assert (t12.eligible_directory_roles, [(e.principal, e.role) for e in t13.eligible_directory_roles]) == (
        [],
        [("frank.oliveira", "Global Administrator")],
    )
    assert t13.eligible_directory_roles[0].start is not None  # from the event's time
    event = {
        "provider": "azure",
        "action": "make_eligible",
        "tenant": TENANT,
        "directory_role": {"role": "Global Administrator", "principal": "ann"},
    }
    data = {**tenant_data(), "timeline": [{"day": 1, "events": [event, event]}]}
    with pytest.raises(ScenarioError, match="ann is already eligible for Global Administrator"):
        parse_scenario(data)


def test_the_sandbox_scope_names_the_subscriptions_in_scope_only_when_one_is_not():
    from muster.sandbox.scope import scope_for

    [entra] = [t for t in scope_for(builtin("demo"))["tenants"] if t["provider"] == "azure"]
    assert entra["subscriptions"] == ["5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"]
    subs = [{"id": "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "name": "p"}]
    [entra] = [t for t in scope_for(parse_scenario(tenant_data(subscriptions=subs)))["tenants"]]
    assert "subscriptions" not in entra
