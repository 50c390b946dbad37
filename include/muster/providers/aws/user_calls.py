"""Per-user IAM calls: the fallbacks for users the credential report does not settle, and the credentials with
no bulk API (SSH public keys, service-specific credentials), collected only when the scope file enables them.

Steps 4 and 5 of extract.py (split out for module size). Each is one collection entity; its calls grow with
the number of users asked about, which is why extract.py asks only about the users the report does not cover.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from botocore.exceptions import ClientError

from .calls import UNPARSEABLE, _Ctx, _list_all, describe, error_code

log = logging.getLogger(__name__)

PER_USER_DISABLED = "disabled in scope: no bulk API, would cost 2 calls per user"


def _per_user(ctx: _Ctx, entity: str, users: list[str] | None, fetch: Callable[[str], object]) -> dict | None:
    """``fetch(user)`` for each user into {user: value}; None when the endpoint cannot answer at all.

    A user deleted while we list (NoSuchEntity) is skipped: it is simply gone. Any other API error stops
    the entity (partial when some users were read) rather than repeating it for every remaining user.
    """
    result = ctx.start(entity)
    if users is None:
        result.fail(ctx.message(entity, "no user list (authorization_details failed)"), "not_collected")
        return None
    out: dict = {}
    with ctx.counter.entity(result):
        for user in users:
            try:
                out[user] = fetch(user)
            except ClientError as e:
                if error_code(e) == "NoSuchEntity":
                    log.debug("account %s: %s: user %s deleted while listing", ctx.tenant.id, entity, user)
                    continue
                result.fail(
                    ctx.message(entity, f"user {user}: {describe(e)}"), "partial" if out else "failed"
                )
                break
            except UNPARSEABLE as e:
                if not out:
                    result.fail(
                        ctx.message(entity, f"the endpoint cannot answer: {describe(e)}"), "not_collected"
                    )
                    return None
                result.fail(ctx.message(entity, f"user {user}: {describe(e)}"), "partial")
                break
    result.items = sum(len(v) if isinstance(v, list) else int(v is not None) for v in out.values())
    return out


def _access_keys(iam, user: str) -> list[dict]:
    keys = []
    for key in _list_all(iam.list_access_keys, "AccessKeyMetadata", UserName=user):
        try:
            last = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
        except ClientError as e:
            if error_code(e) != "NoSuchEntity":
                raise
            continue  # the key was deleted after it was listed
        keys.append({**key, "LastUsed": last.get("AccessKeyLastUsed", {})})
    return keys


def _login_profile(iam, user: str) -> dict | None:
    try:
        return iam.get_login_profile(UserName=user)["LoginProfile"]
    except ClientError as e:
        if error_code(e) == "NoSuchEntity":
            return None  # no console password (or the user is gone): both mean no login profile
        raise


def _lister(call: Callable[..., dict], key: str) -> Callable[[str], list[dict]]:
    return lambda user: _list_all(call, key, UserName=user)


def _fallback(ctx: _Ctx, users: list[str] | None) -> None:
    """What the credential report would have said, per user, for the users it does not cover."""
    iam, raw = ctx.iam, ctx.raw
    if users:
        log.info("account %s: %d user(s) not covered by the credential report", ctx.tenant.id, len(users))
    raw.access_keys = _per_user(ctx, "access_keys", users, lambda u: _access_keys(iam, u)) or {}
    raw.login_profiles = _per_user(ctx, "login_profiles", users, lambda u: _login_profile(iam, u)) or {}
    raw.mfa_devices = _per_user(ctx, "mfa_devices", users, _lister(iam.list_mfa_devices, "MFADevices")) or {}
    certificates = _lister(iam.list_signing_certificates, "Certificates")
    raw.signing_certificates = _per_user(ctx, "signing_certificates", users, certificates) or {}


def _per_user_credentials(ctx: _Ctx, users: list[str] | None) -> None:
    """SSH public keys and service-specific credentials: per user, only when the scope file asks for it."""
    if not ctx.tenant.per_user_credentials:
        for entity in ("ssh_public_keys", "service_specific_credentials"):
            ctx.start(entity).fail(ctx.message(entity, PER_USER_DISABLED), "not_collected")
        return
    iam = ctx.iam
    ctx.raw.ssh_public_keys = _per_user(
        ctx, "ssh_public_keys", users, _lister(iam.list_ssh_public_keys, "SSHPublicKeys")
    )
    ctx.raw.service_specific_credentials = _per_user(
        ctx,
        "service_specific_credentials",
        users,
        lambda u: iam.list_service_specific_credentials(UserName=u).get("ServiceSpecificCredentials", []),
    )
