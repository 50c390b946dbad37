"""Credential rows for one AWS principal, from the credential report or from the per-user fallback calls.

Identifiers and dates only: no secret, no password, no certificate or SSH key body is ever copied. Access keys
from the report carry no key id, so ``credential_id`` is ``<UserId>/access_key/<created>`` where created is
``access_key_N_last_rotated`` (fixed for a key's life); ListAccessKeys data uses the same scheme (plus the
AccessKeyId as ``external_id``) so that a key keeps its id whichever source saw it. Two credentials of one kind
created in the same second (seen with seeded test accounts) get ``#2`` appended to the second id.

Every function returns ``Use``: whether any credential is active and the latest use with its source field.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .credential_report import CredentialReport
    from .transform import Run

REPORT = "credential_report"
_STATUS = {"Active": "active", "Inactive": "inactive", "Expired": "expired"}
_NOT_REPORTED = "not reported by AWS"
_KEY_SLOTS = tuple(
    (n, *(f"access_key_{n}_{s}" for s in ("active", "last_rotated", "last_used_date", "last_used_region")))
    + (f"access_key_{n}_last_used_service",)
    for n in (1, 2)
)
_CERT_SLOTS = tuple((n, f"cert_{n}_active", f"cert_{n}_last_rotated") for n in (1, 2))


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


def report_keys(run: Run, pid: str, row: dict, report: CredentialReport) -> Use:
    """Access keys 1 and 2 of a credential-report row (a slot with no date and not active holds no key)."""
    active, cid, when, when_source = False, None, None, None
    for n, c_active, c_rotated, c_used, c_region, c_service in _KEY_SLOTS:
        is_active, created = row.get(c_active), row.get(c_rotated)
        if not is_active and created is None:
            continue
        used = row.get(c_used)
        source = f"{REPORT}:{c_used}" if used else _marker(report.marker(row["arn"], c_used))
        cid = _row(
            run,
            _cid(pid, "access_key", created, n, cid),
            pid,
            "access_key",
            "active" if is_active else "inactive",
            created_at=created,
            last_used_at=used,
            last_used_source=source,
            last_used_service=row.get(c_service),
            last_used_region=row.get(c_region),
        )
        active = active or bool(is_active)
        if used and (when is None or used > when):
            when, when_source = used, source
    return Use(active, when, when_source)


def report_certs(run: Run, pid: str, row: dict) -> Use:
    """Signing certificates 1 and 2 of a credential-report row (the report has no use date for them)."""
    if not (row.get("cert_1_active") or row.get("cert_1_last_rotated") or row.get("cert_2_active")) and (
        row.get("cert_2_last_rotated") is None
    ):
        return NONE  # the common case: no certificate at all
    active, cid = False, None
    for n, c_active, c_rotated in _CERT_SLOTS:
        is_active, created = row.get(c_active), row.get(c_rotated)
        if not is_active and created is None:
            continue
        cid = _cid(pid, "signing_certificate", created, n, cid)
        status = "active" if is_active else "inactive"
        _row(run, cid, pid, "signing_certificate", status, created_at=created, last_used_source=_NOT_REPORTED)
        active = active or bool(is_active)
    return Use(active)


def report_password(run: Run, pid: str, row: dict, report: CredentialReport) -> Use:
    """The console password of a credential-report row, when enabled."""
    enabled = row.get("password_enabled")
    if not enabled:
        return NONE if enabled is False else UNKNOWN
    used = row.get("password_last_used")
    source = (
        f"{REPORT}:password_last_used" if used else _marker(report.marker(row["arn"], "password_last_used"))
    )
    _row(
        run,
        f"{pid}/password",
        pid,
        "password",
        "active",
        created_at=row.get("password_last_changed"),
        expires_at=row.get("password_next_rotation"),
        last_used_at=used,
        last_used_source=source,
    )
    return Use(True, used, source)


@lru_cache(maxsize=256)
def _marker(raw_value: str | None) -> str:
    """Why the report gives no date: N/A means never used; no_information predates tracking."""
    if raw_value in (None, ""):
        return f"{REPORT}: no value"
    if raw_value == "N/A":
        return f"{REPORT}:N/A (never used)"
    return f"{REPORT}:{raw_value}"


def listed_keys(run: Run, pid: str, user: str, items: list[dict]) -> Use:
    """Access keys from ListAccessKeys, each with GetAccessKeyLastUsed's result under "LastUsed"."""
    active, cid, when, when_source = False, None, None, None
    for n, item in enumerate(items, start=1):
        status = _status(run, "access_keys", f"user {user} access key {n}", item.get("Status"))
        if status is None:
            continue
        what = f"user {user} access key {item.get('AccessKeyId')}"
        created = run.time(item.get("CreateDate"), "access_keys", what, "CreateDate")
        last = item.get("LastUsed")
        used, source, service, region = None, None, None, None
        if isinstance(last, dict):
            used = run.time(last.get("LastUsedDate"), "access_keys", what, "LastUsed.LastUsedDate")
            source = "iam:GetAccessKeyLastUsed" if used else "iam:GetAccessKeyLastUsed:N/A (never used)"
            service, region = _known(last.get("ServiceName")), _known(last.get("Region"))
        cid = _row(
            run,
            _cid(pid, "access_key", created, n, cid),
            pid,
            "access_key",
            status,
            external_id=item.get("AccessKeyId") or None,
            created_at=created,
            last_used_at=used,
            last_used_source=source,
            last_used_service=service,
            last_used_region=region,
        )
        active = active or status == "active"
        if used and (when is None or used > when):
            when, when_source = used, source
    return Use(active, when, when_source)


def listed_certs(run: Run, pid: str, user: str, items: list[dict]) -> Use:
    """Signing certificates from ListSigningCertificates (the body is public but not copied)."""
    active, cid = False, None
    for n, item in enumerate(items, start=1):
        what = f"user {user} signing certificate {item.get('CertificateId')}"
        status = _status(run, "signing_certificates", what, item.get("Status"))
        if status is None:
            continue
        created = run.time(item.get("UploadDate"), "signing_certificates", what, "UploadDate")
        cid = _cid(pid, "signing_certificate", created, n, cid)
        _row(
            run,
            cid,
            pid,
            "signing_certificate",
            status,
            external_id=item.get("CertificateId") or None,
            created_at=created,
            last_used_source=_NOT_REPORTED,
        )
        active = active or status == "active"
    return Use(active)


def login_profile(run: Run, pid: str, user: str, profile: dict | None) -> Use:
    """The console password from GetLoginProfile (None: the user has no password)."""
    if profile is None:
        return NONE
    created = run.time(
        profile.get("CreateDate"), "login_profiles", f"user {user} login profile", "CreateDate"
    )
    source = "not observed: user not in the credential report"
    _row(run, f"{pid}/password", pid, "password", "active", created_at=created, last_used_source=source)
    return Use(True)


def ssh_keys(run: Run, pid: str, user: str, items: list[dict]) -> Use:
    """SSH public keys (ListSSHPublicKeys); the key body is not copied."""
    active = False
    for item in items:
        key_id = item.get("SSHPublicKeyId")
        what = f"user {user} SSH key {key_id}"
        status = _status(run, "ssh_public_keys", what, item.get("Status"))
        if status is None or not key_id:
            continue
        created = run.time(item.get("UploadDate"), "ssh_public_keys", what, "UploadDate")
        _row(
            run,
            key_id,
            pid,
            "ssh_key",
            status,
            external_id=key_id,
            created_at=created,
            last_used_source=_NOT_REPORTED,
        )
        active = active or status == "active"
    return Use(active)


def service_specific(run: Run, pid: str, user: str, items: list[dict]) -> Use:
    """Service-specific credentials (ListServiceSpecificCredentials); never the ServicePassword."""
    entity, active = "service_specific_credentials", False
    for item in items:
        cred_id = item.get("ServiceSpecificCredentialId")
        what = f"user {user} service-specific credential {cred_id}"
        status = _status(run, entity, what, item.get("Status"))
        if status is None or not cred_id:
            continue
        _row(
            run,
            cred_id,
            pid,
            "service_specific",
            status,
            external_id=cred_id,
            created_at=run.time(item.get("CreateDate"), entity, what, "CreateDate"),
            expires_at=run.time(item.get("ExpirationDate"), entity, what, "ExpirationDate"),
            last_used_source=_NOT_REPORTED,
        )
        active = active or status == "active"
    return Use(active)


def _status(run: Run, entity: str, what: str, value: object) -> str | None:
    status = _STATUS.get(value) if isinstance(value, str) else None
    if status is None:
        run.fail(entity, f"{what} field Status is not Active/Inactive/Expired; credential skipped")
    return status


def _known(value: object) -> str | None:
    return None if value in (None, "", "N/A") else value
