"""Credential rows for one AWS principal, from the credential report or from the per-user fallback calls.

Identifiers and dates only: no secret, no password, no certificate or SSH key body is ever copied. Access keys
from the report carry no key id, so ``credential_id`` is ``<UserId>/access_key/<created>`` where created is
``access_key_N_last_rotated`` (fixed for a key's life); ListAccessKeys data uses the same scheme (plus the
AccessKeyId as ``external_id``) so that a key keeps its id whichever source saw it. Two credentials of one kind
created in the same second (seen with seeded test accounts) get ``#2`` appended to the second id.

This module holds what both sources share (``Use`` and how it merges, the id scheme, one credentials row);
credential_columns.py reads the report, credential_fallbacks.py the per-user calls (split for module size).
Their functions return ``Use``: whether any credential is active and the latest use with its source field.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .transform_run import Run

REPORT = "credential_report"
_NOT_REPORTED = "not reported by AWS"


class Use(NamedTuple):
    """What a principal's credentials say about it: any active (None: unknown) and latest use."""

    active: bool | None
    last_used_at: dt.datetime | None = None
    last_used_source: str | None = None


UNKNOWN = Use(None)
NONE = Use(False)


def latest(*uses: Use) -> tuple[dt.datetime | None, str | None]:
    """The most recent (last_used_at, last_used_source) among several."""
    when, source = None, None
    for use in uses:
        if use.last_used_at is not None and (when is None or use.last_used_at > when):
            when, source = use.last_used_at, use.last_used_source
    return when, source


def merge_active(*uses: Use) -> bool | None:
    """True if any is active; False only if all are known and inactive; else None."""
    result = False
    for use in uses:
        if use.active:
            return True
        if use.active is None:
            result = None
    return result


def stamp(created: dt.datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` of an aware UTC datetime.

    %-formatting of the fields: twice as fast as isoformat (which formats the UTC offset) and several times
    faster than strftime; the same text for every year 1-9999.
    """
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (  # noqa: UP031 - measurably faster than an f-string here
        created.year,
        created.month,
        created.day,
        created.hour,
        created.minute,
        created.second,
    )


def _cid(pid: str, kind: str, created: dt.datetime | None, slot: int, previous: str | None) -> str:
    cid = f"{pid}/{kind}/{stamp(created)}" if created else f"{pid}/{kind}/slot{slot}"
    return f"{cid}#{slot}" if cid == previous else cid


def _row(
    run: Run,
    cid: str,
    pid: str,
    kind: str,
    status: str,
    external_id: str | None = None,
    created_at: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    last_used_at: dt.datetime | None = None,
    last_used_source: str | None = None,
    last_used_service: str | None = None,
    last_used_region: str | None = None,
) -> str:
    """Append one credentials row; returns its credential_id."""
    run.out.credentials.append(
        {
            **run.base,
            "credential_id": cid,
            "principal_id": pid,
            "kind": kind,
            "external_id": external_id,
            "status": status,
            "managed_by": "user",
            "created_at": created_at,
            "expires_at": expires_at,
            "last_used_at": last_used_at,
            "last_used_source": last_used_source,
            "last_used_service": last_used_service,
            "last_used_region": last_used_region,
        }
    )
    return cid
