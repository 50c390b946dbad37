"""Credential rows of Entra objects: client secrets, certificates and federated identity credentials.

Dates and ids only: a secret's text (never returned after creation) and its ``hint`` are not read. A client
secret's or certificate's last use comes from the beta credential sign-in report (reports.py), listed before
the credentials' holders: looked up by credential_id as each row is made.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .reports import CREDENTIAL_REPORT_MISSING, CREDENTIAL_SIGN_IN_SOURCE, NO_CREDENTIAL_SIGN_IN

if TYPE_CHECKING:  # pragma: no cover - type names only
    from .stage import Stage
    from .transform import Run


def credentials(stage: Stage, oid: str, what: str, holder: dict, managed_by: str) -> None:
    """passwordCredentials -> client_secret, keyCredentials -> certificate; dates and ids only."""
    entity, now = stage.entity, stage.run.raw.observed_at
    use = stage.run.credential_use
    unused = CREDENTIAL_REPORT_MISSING if use is None else NO_CREDENTIAL_SIGN_IN
    for field, kind in (("passwordCredentials", "client_secret"), ("keyCredentials", "certificate")):
        items = holder.get(field) or []
        if not isinstance(items, list):
            stage.fail(entity, f"{what} field {field} is not a list")
            continue
        seen: set[str] = set()
        for i, cred in enumerate(items):
            key_id = cred.get("keyId") if isinstance(cred, dict) else None
            if key_id is not None and not isinstance(key_id, str):
                stage.fail(entity, f"{what} {field}[{i}] field keyId is not a string; skipped")
                continue
            if not key_id or key_id in seen:
                stage.fail(entity, f"{what} {field}[{i}] has no keyId, or repeats one; skipped")
                continue
            seen.add(key_id)
            start = stage.time(cred.get("startDateTime"), entity, f"{what} {field} {key_id}", "startDateTime")
            end = stage.time(cred.get("endDateTime"), entity, f"{what} {field} {key_id}", "endDateTime")
            used = use.get(f"{oid}/{kind}/{key_id}") if use else None
            stage.creds.append(
                {
                    # credential_id is {oid}/{kind}/{key_id}, joined when the table is built: a key id is
                    # unique per list, not per object (one object's secret and certificate may share it,
                    # as in ScubaGear's mock data), so the kind is part of the id.
                    "principal_id": oid,
                    "kind": kind,
                    "external_id": key_id,
                    "status": _status(now, start, end),
                    "managed_by": managed_by,
                    "created_at": start,
                    "expires_at": end,
                    "last_used_at": used,
                    "last_used_source": unused if used is None else CREDENTIAL_SIGN_IN_SOURCE,
                    "last_used_service": None,
                    "last_used_region": None,
                    "_obj": stage.obj,
                    "_key": None,
                }
            )


def _status(now: dt.datetime, start: dt.datetime | None, end: dt.datetime | None) -> str:
    if end is not None and end <= now:
        return "expired"
    if start is not None and start > now:
        return "inactive"
    return "active"


def federated_rows(run: Run, oid: str, what: str, items: list) -> list[dict]:
    """Rows of one application's federated identity credentials (no secret: issuer and subject)."""
    rows, seen = [], set()
    for i, fic in enumerate(items):
        if not isinstance(fic, dict) or not fic.get("id"):
            run.fail("federated_credentials", f"{what} federatedIdentityCredentials[{i}] has no id")
            continue
        if fic["id"] in seen:  # its credential_id would repeat the first one's
            run.fail(
                "federated_credentials",
                f"{what} federatedIdentityCredentials[{i}] repeats id {fic['id']}; skipped",
            )
            continue
        seen.add(fic["id"])
        rows.append(
            {
                "principal_id": oid,
                "kind": "federated",
                "external_id": f"{fic.get('issuer') or '?'} {fic.get('subject') or '?'}",
                "status": "active",
                "managed_by": "user",
                "created_at": None,
                "expires_at": None,
                "last_used_at": None,
                "last_used_source": "unknown: Graph reports no federated credential use",
                "last_used_service": None,
                "last_used_region": None,
                "_obj": None,
                "_key": str(fic["id"]),  # credential_id: {oid}/federated/{id}
            }
        )
    return rows
