"""Credential rows from the per-user fallback calls (ListAccessKeys, ListSigningCertificates, GetLoginProfile,
ListSSHPublicKeys, ListServiceSpecificCredentials), made when the credential report does not settle a user.

Split out of credential_rows.py (module size); ids follow the scheme described there, so that a key keeps its
id whichever source saw it. Identifiers and dates only: no key, password or certificate body is copied.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .credential_rows import _NOT_REPORTED, NONE, Use, _cid, _row

if TYPE_CHECKING:
    from .transform_run import Run

_STATUS = {"Active": "active", "Inactive": "inactive", "Expired": "expired"}


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
