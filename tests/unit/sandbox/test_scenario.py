"""Scenario files: parsing with errors that name day, event and field; the state of day N."""

import datetime as dt

import pytest
from muster.sandbox.scenario import ScenarioError, builtin, parse_scenario, state_on

MGMT, PAY, ANA = "123456789012", "210987654321", "345678901234"


def keys(state) -> set[tuple]:
    return {
        (a.id, u.name, k.id, k.status) for a in state.aws.accounts for u in a.users for k in u.access_keys
    }


def consoles(state) -> set[tuple]:
    return {(a.id, u.name) for a in state.aws.accounts for u in a.users if u.console}


def test_the_packaged_demo_scenario_is_valid_and_spans_two_weeks():
    demo = builtin("demo")
    assert (demo.name, demo.start_date, demo.days) == ("acme-demo", dt.date(2026, 11, 2), 14)
    assert demo.aws.organization.management_account == MGMT
    assert [a.id for a in demo.aws.members()] == [PAY, ANA]
    assert demo.observed_at(13) == dt.datetime(2026, 11, 15, 3, 0, tzinfo=dt.UTC)


def test_day_zero_is_the_baseline():
    state = state_on(builtin("demo"), 0)
    assert (state.day, state.date) == (0, dt.date(2026, 11, 2))
    assert keys(state) == {
        (MGMT, "alice.ng", "alice-laptop", "active"),
        (MGMT, "bob.ruiz", "bob-cli", "active"),
        (MGMT, "ci-deployer", "deploy-2025", "active"),
        (PAY, "dana.kim", "dana-cli", "active"),
        (PAY, "svc-billing-export", "billing-1", "active"),
        (PAY, "svc-legacy-report", "legacy-1", "active"),
        (ANA, "svc-metrics", "metrics-1", "active"),
    }
    assert consoles(state) == {(MGMT, "alice.ng"), (MGMT, "bob.ruiz"), (PAY, "dana.kim"), (ANA, "grace.liu")}


def test_day_ten_has_joiners_leavers_a_finished_rotation_and_a_new_admin_role():
    state = state_on(builtin("demo"), 10)
    assert keys(state) == {
        (MGMT, "alice.ng", "alice-laptop", "active"),
        (MGMT, "bob.ruiz", "bob-cli", "inactive"),
        (MGMT, "ci-deployer", "deploy-2026", "active"),  # deploy-2025 deactivated on day 6, deleted on day 10
        (PAY, "dana.kim", "dana-cli", "inactive"),
        (PAY, "svc-billing-export", "billing-1", "active"),  # its owner left on day 8; the key lives on
        (PAY, "svc-legacy-report", "legacy-1", "active"),
        (ANA, "svc-metrics", "metrics-1", "active"),
        (ANA, "svc-etl", "etl-1", "active"),
    }
    assert consoles(state) == {
        (MGMT, "alice.ng"),
        (MGMT, "frank.oliveira"),
        (ANA, "grace.liu"),
        (ANA, "erin.cho"),
    }
    pay = state.aws.account(PAY)
    assert pay.role("data-pipeline").policies == ["billing-export", "AdministratorAccess"]
    assert pay.user("svc-billing-export").tags == {"owner": "dana.kim", "type": "service"}
    legacy = pay.user("svc-legacy-report").key("legacy-1")
    assert (legacy.created, legacy.last_used) == (dt.datetime(2025, 1, 20, 16, 5, tzinfo=dt.UTC), None)


def test_events_are_dated_on_their_day_before_the_snapshot():
    state = state_on(builtin("demo"), 5)
    deployer = state.aws.account(MGMT).user("ci-deployer")
    new = deployer.key("deploy-2026")
    assert new.created == dt.datetime(2026, 11, 6, 1, 0, tzinfo=dt.UTC)  # day 4, default 01:00
    assert (new.last_used.at, new.last_used.service) == (
        dt.datetime(2026, 11, 7, 1, 0, tzinfo=dt.UTC),
        "cloudformation",
    )
    erin = state.aws.account(ANA).user("erin.cho")
    assert erin.password_last_used == dt.datetime(2026, 11, 5, 2, 0, tzinfo=dt.UTC)
    assert state.observed_at == dt.datetime(2026, 11, 7, 3, 0, tzinfo=dt.UTC)


def test_state_outside_the_scenario_is_refused():
    with pytest.raises(ScenarioError, match=r"day 14 is outside 0..13"):
        state_on(builtin("demo"), 14)


# -- bad scenarios ---------------------------------------------------------------------------------
def minimal(**changes) -> dict:
    data = {
        "version": 1,
        "name": "tiny",
        "start_date": "2026-11-02",
        "days": 3,
        "aws": {
            "accounts": [
                {
                    "id": MGMT,
                    "name": "one",
                    "users": [
                        {
                            "name": "svc-a",
                            "created": "2025-01-01T00:00:00Z",
                            "access_keys": [{"id": "k1", "created": "2025-01-01T00:00:00Z"}],
                        }
                    ],
                }
            ]
        },
        "timeline": [],
    }
    data.update(changes)
    return data


def event(**fields) -> dict:
    return {"provider": "aws", "account": MGMT, **fields}


def test_a_minimal_scenario_parses():
    state = state_on(parse_scenario(minimal(), "tiny.yaml"), 2)
    assert keys(state) == {(MGMT, "svc-a", "k1", "active")}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"timeline": [{"day": 1, "events": [event(action="rotate_everything", user="svc-a")]}]},
            "scenario tiny.yaml: day 1, event 1: unknown event type 'aws:rotate_everything' (provider:action)",
        ),
        (
            {"timeline": [{"day": 1, "events": [event(action="deactivate_access_key", user="svc-a")]}]},
            "scenario tiny.yaml: day 1, event 1 (aws deactivate_access_key): key: Field required",
        ),
        (
            {
                "timeline": [
                    {
                        "day": 1,
                        "events": [
                            event(action="create_access_key", user="svc-a", key={"id": "k1"}, at="04:00")
                        ],
                    }
                ]
            },
            "scenario tiny.yaml: day 1, event 1 (aws create_access_key): at: Value error, must be a UTC time "
            "before 03:00",
        ),
        ({"timeline": [{"day": 5, "events": []}]}, "timeline day 5 is beyond the scenario's 3 days (0..2)"),
        ({"days": 0}, "scenario tiny.yaml: days: Input should be greater than or equal to 1"),
        (
            {"aws": {"accounts": [{"id": "12345", "name": "short"}]}},
            "scenario tiny.yaml: aws.accounts.0.id: String should match pattern",
        ),
        (
            {"aws": {"accounts": [{"id": MGMT, "name": "x", "users": [{"name": "bob"}]}]}},
            "account 123456789012: baseline user bob needs `created`",
        ),
        ({"colour": "blue"}, "scenario tiny.yaml: colour: Extra inputs are not permitted"),
    ],
)
def test_malformed_scenarios_name_the_entry_event_and_field(changes, message):
    with pytest.raises(ScenarioError) as err:
        parse_scenario(minimal(**changes), "tiny.yaml")
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("events", "message"),
    [
        (
            [event(action="delete_login_profile", user="ghost")],
            "scenario tiny: day 1, event 1 (aws delete_login_profile): account 123456789012 has no user 'ghost'",
        ),
        (
            [event(action="delete_login_profile", user="svc-a")],
            "scenario tiny: day 1, event 1 (aws delete_login_profile): user svc-a has no login profile",
        ),
        (
            [
                event(action="create_access_key", user="svc-a", key={"id": "k2"}),
                event(action="create_access_key", user="svc-a", key={"id": "k3"}),
            ],
            "scenario tiny: day 1, event 2 (aws create_access_key): user svc-a already has 2 access keys",
        ),
        (
            [
                event(action="deactivate_access_key", user="svc-a", key="k1"),
                event(action="use_access_key", user="svc-a", key="k1"),
            ],
            "scenario tiny: day 1, event 2 (aws use_access_key): access key svc-a/k1 is inactive and cannot be used",
        ),
        (
            [event(action="attach_policy", target="role", name="ghost-role", policy="AdministratorAccess")],
            "scenario tiny: day 1, event 1 (aws attach_policy): account 123456789012 has no role 'ghost-role'",
        ),
        (
            [{**event(action="delete_user", user="svc-a"), "account": "999999999999"}],
            "scenario tiny: day 1, event 1 (aws delete_user): no account 999999999999 in the scenario",
        ),
    ],
)
def test_events_that_do_not_fit_the_state_fail_at_load_time(events, message):
    with pytest.raises(ScenarioError) as err:
        parse_scenario(minimal(timeline=[{"day": 1, "events": events}]), "tiny.yaml")
    assert str(err.value) == message or str(err.value).startswith(message)
