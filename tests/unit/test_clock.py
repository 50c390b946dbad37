"""The clock: real by default; simulated only for a sandbox scope, and always aware UTC."""

import datetime as dt

import pytest
from muster.clock import SIMULATED_NOW_ENV, ClockError, clock_kind, now
from muster.config import Scope


@pytest.fixture(autouse=True)
def _no_simulated_clock(monkeypatch):
    monkeypatch.delenv(SIMULATED_NOW_ENV, raising=False)


def test_real_clock_is_aware_utc_and_current():
    before = dt.datetime.now(dt.UTC)
    value = now(Scope())
    assert value.tzinfo is dt.UTC and before <= value <= dt.datetime.now(dt.UTC)
    assert clock_kind(Scope()) == "real"
    assert clock_kind(Scope(sandbox=True)) == "real"


def test_sandbox_reads_the_simulated_clock_converted_to_utc(monkeypatch):
    monkeypatch.setenv(SIMULATED_NOW_ENV, "2026-11-02T04:00:00+01:00")
    scope = Scope(sandbox=True)
    assert now(scope) == dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
    assert now(scope).tzinfo is dt.UTC
    assert clock_kind(scope) == "simulated"


def test_simulated_clock_is_refused_outside_the_sandbox(monkeypatch):
    monkeypatch.setenv(SIMULATED_NOW_ENV, "2026-11-02T03:00:00Z")
    with pytest.raises(ClockError, match="only `sandbox: true` scopes may run on a simulated clock"):
        now(Scope())
    with pytest.raises(ClockError, match="not a sandbox"):
        clock_kind(Scope())


@pytest.mark.parametrize(
    ("value", "message"),
    [("yesterday", "is not an ISO-8601 date-time"), ("2026-11-02T03:00:00", "has no timezone")],
)
def test_bad_simulated_values_are_named(monkeypatch, value, message):
    monkeypatch.setenv(SIMULATED_NOW_ENV, value)
    with pytest.raises(ClockError, match=message):
        now(Scope(sandbox=True))
