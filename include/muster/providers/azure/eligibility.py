"""How an eligible (Privileged Identity Management) role assignment is held, for grants.py.

An eligible assignment is standing access: its holder can activate the role on demand, without anyone else
acting. A least-privilege review that saw only the active assignments would miss the admins of a tenant that
uses PIM, so each eligibility in force is a grant of the role's own privilege (an eligible Global
Administrator is admin), written as the active assignments are, with ``via`` saying how it is held:
``eligible until <end>`` (UTC, ISO 8601) or ``eligible permanently``; a group's members hold it as
``group:<group id> eligible ...``. The end date is in ``via``, part of the grant's key, so an extended
eligibility is a changed grant.

Only instances in force when the tenant was observed are grants: one not started yet or already ended is left
out (the listings return current and upcoming instances). A date that is not a date is reported (and read as
no bound).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - type names only
    from .transform import Run

ELIGIBLE = "eligible"


def eligible_via(end: dt.datetime | None) -> str:
    """The ``via`` of an eligible assignment ending at ``end`` (None: no end)."""
    if end is None:
        return f"{ELIGIBLE} permanently"
    return f"{ELIGIBLE} until {end.astimezone(dt.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"


def held(run: Run, instance: dict, entity: str, what: str) -> str | None:
    """The ``via`` of an eligibility instance (Graph object, or ARM ``properties``), None when it is not in
    force at the observation."""
    start = run.time(instance.get("startDateTime"), entity, what, "startDateTime")
    end = run.time(instance.get("endDateTime"), entity, what, "endDateTime")
    now = run.raw.observed_at
    if (start is not None and start > now) or (end is not None and end <= now):
        return None
    return eligible_via(end)
