"""The one place Muster reads the time of day.

Pure code never asks for the time; the nightly task layer and the CLI call `now(scope)` and pass the
result down. A simulated clock (env `MUSTER_SIMULATED_NOW`, ISO-8601) lets the sandbox replay a
scenario day by day; it is refused for any scope that is not marked `sandbox: true`, so real evidence
can never be labelled with an invented date. `clock_kind(scope)` goes into every manifest.
"""

from __future__ import annotations

import datetime as dt
import os

from .config import Scope

SIMULATED_NOW_ENV = "MUSTER_SIMULATED_NOW"


class ClockError(RuntimeError):
    """The clock cannot be read as configured (a simulated clock outside the sandbox, a bad value)."""


def _simulated() -> dt.datetime | None:
    text = os.environ.get(SIMULATED_NOW_ENV)
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ClockError(f"{SIMULATED_NOW_ENV}={text!r} is not an ISO-8601 date-time") from None
    if value.tzinfo is None:
        raise ClockError(f"{SIMULATED_NOW_ENV}={text!r} has no timezone; write e.g. 2026-11-02T03:00:00Z")
    return value.astimezone(dt.UTC)


def clock_kind_for(sandbox: bool) -> str:
    """ "simulated" when a simulated time is set (allowed only in a sandbox), else "real"."""
    if _simulated() is None:
        return "real"
    if not sandbox:
        raise ClockError(
            f"{SIMULATED_NOW_ENV} is set but the scope is not a sandbox: only `sandbox: true` scopes may run "
            "on a simulated clock; unset it to collect real evidence"
        )
    return "simulated"


def now_for(sandbox: bool) -> dt.datetime:
    """The current time (aware, UTC): simulated in a sandbox when asked for, real otherwise."""
    if clock_kind_for(sandbox) == "simulated":
        return _simulated()
    return dt.datetime.now(dt.UTC)


def now(scope: Scope) -> dt.datetime:
    """The current time for collecting `scope` (aware, UTC)."""
    return now_for(scope.sandbox)


def clock_kind(scope: Scope) -> str:
    """ "real" or "simulated": which clock `now(scope)` reads; recorded in every manifest."""
    return clock_kind_for(scope.sandbox)
