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
