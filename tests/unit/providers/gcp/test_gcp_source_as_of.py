"""Policy Analyzer's observation period is the source's own as-of of the last-authentication populations: the
collection table records the latest end any activity reports, as it records the AWS credential report's time."""

from __future__ import annotations

from gcp_fixtures import raw_tenant, run, utc

PROJECT = "project-abc"
ACCOUNT = "112233445566778899"


def _activity(last: str, end: object) -> dict:
    return {
        "fullResourceName": f"//iam.googleapis.com/projects/{PROJECT}/serviceAccounts/{ACCOUNT}",
        "activityType": "serviceAccountLastAuthentication",
        "observationPeriod": {"startTime": "2026-10-29T07:00:00Z", "endTime": end},
        "activity": {"lastAuthenticatedTime": last, "serviceAccount": {"serviceAccountId": ACCOUNT}},
    }


def _collection(sa_activities: list, key_activities: list | None = None) -> dict:
    raw = raw_tenant(PROJECT, sa_activities=sa_activities, key_activities=key_activities or [])
    return {e.entity: e for e in run(raw).entities}


def test_the_latest_observation_end_is_the_source_as_of_of_its_population():
    entities = _collection(
        [
            _activity("2026-10-28T07:00:00Z", "2026-10-29T07:00:00Z"),
            _activity("2026-10-30T07:00:00Z", "2026-10-31T07:00:00.123456789Z"),
        ]
    )
    sa = entities["sa_last_authentication"]
    assert (sa.status, sa.source_as_of) == ("complete", utc(2026, 10, 31, 7, 0, 0, 123456))
    assert entities["key_last_authentication"].source_as_of is None  # no activity, no period reported


def test_an_activity_without_an_observation_period_leaves_the_as_of_to_the_others():
    no_period = _activity("2026-10-28T07:00:00Z", None)
    del no_period["observationPeriod"]
    sa = _collection([no_period, _activity("2026-10-30T07:00:00Z", "2026-10-30T08:00:00Z")])[
        "sa_last_authentication"
    ]
    assert (sa.status, sa.source_as_of) == ("complete", utc(2026, 10, 30, 8))


def test_a_mangled_observation_end_is_reported_and_does_not_set_the_as_of():
    sa = _collection([_activity("2026-10-30T07:00:00Z", "yesterday"), _activity("2026-10-29T07:00:00Z", 17)])[
        "sa_last_authentication"
    ]
    assert sa.status == "partial"
    assert sa.source_as_of is None
    assert sa.error == (
        f"tenant gcp:{PROJECT}: sa_last_authentication: observation period of {ACCOUNT}: "
        "not an RFC 3339 timestamp: 'yesterday'; "
        f"tenant gcp:{PROJECT}: sa_last_authentication: activity 1 field observationPeriod.endTime is not a string: ignored"
    )
