"""Cloud Storage HMAC keys -> credentials rows (part of the GCP transform; pure like it).

An HMAC key is an access ID plus a secret bound to a service account, used to sign requests to Cloud
Storage's S3-interoperable XML API: Google's counterpart of an AWS access key, so its kind is ``access_key``
(the schema's kind for a long-lived programmatic key pair; a new kind would change the released schema).
The listing returns metadata only, never the secret; the access ID is a public identifier, as AWS's
AccessKeyId is, and goes to ``external_id``. ``credential_id`` is the key's resource path
(``projects/<project>/hmacKeys/<accessId>``). ACTIVE reads as active and INACTIVE as inactive; DELETED keys
authenticate nothing and are not asked for (one that comes anyway is left out). HMAC keys never expire.
Cloud Storage reports no last use of an HMAC key, so ``last_used_at`` is null with a source saying so.

The holder is the service account of ``serviceAccountEmail``: its uniqueId when the account is one this
tenant read (its own, or another project's named in a binding), else the member string
``serviceAccount:<email>``, with a principals row of its own, as an unresolved binding member has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .grants import _member_row
from .item_shapes import HMAC_KEY, shaped
from .members import parse_member, project_of

if TYPE_CHECKING:  # pragma: no cover - type names only
    from .transform import _Run

ENTITY = "hmac_keys"
NO_LAST_USE = "unknown: Cloud Storage reports no last use of HMAC keys"
STATUSES = {"ACTIVE": "active", "INACTIVE": "inactive"}


def hmac_credentials(run: _Run) -> None:
    """The credentials rows of the tenant's HMAC keys; a key that cannot be read is reported on hmac_keys."""
    seen: set[str] = set()
    project = run.raw.resource.split("/", 1)[1]
    for i, key in enumerate(run.raw.hmac_keys):
        if not isinstance(key, dict):
            run.problem(ENTITY, f"HMAC key {i} is not an object: not read")
            continue
        access_id = key.get("accessId")
        what = f"HMAC key {access_id}" if isinstance(access_id, str) and access_id else f"HMAC key {i}"
        key = shaped(run, ENTITY, what, key, HMAC_KEY)
        if not key.get("accessId"):
            run.problem(ENTITY, f"{what} has no accessId: not read")
            continue
        if key["accessId"] in seen:
            run.problem(ENTITY, f"{what} is listed twice; the second listing skipped")
            continue
        seen.add(key["accessId"])
        state = key.get("state")
        if state == "DELETED":
            continue
        email = key.get("serviceAccountEmail")
        if not email:  # a credential must name its holder
            run.problem(ENTITY, f"{what} has no serviceAccountEmail: not read")
            continue
        status = STATUSES.get(state)
        if status is None:  # a key that cannot be shown inactive is treated as usable
            run.problem(ENTITY, f"{what} field state {state!r} is not ACTIVE or INACTIVE: read as active")
            status = "active"
        run.out.credentials.append(
            {
                **run.base(),
                "credential_id": f"projects/{project}/hmacKeys/{key['accessId']}",
                "principal_id": _holder(run, email),
                "kind": "access_key",
                "external_id": key["accessId"],
                "status": status,
                "managed_by": "user",
                "created_at": run.time(key.get("timeCreated"), ENTITY, f"{what} timeCreated"),
                "expires_at": None,
                "last_used_at": None,
                "last_used_source": NO_LAST_USE,
                "last_used_service": None,
                "last_used_region": None,
            }
        )


def _holder(run: _Run, email: str) -> str:
    """principal_id of the key's account, adding a principals row for an account the tenant did not read."""
    if email in run.by_email:
        return run.by_email[email]
    member = parse_member(f"serviceAccount:{email}")
    pid = member.principal_id
    if pid not in run.principals:
        row = _member_row(run, member, pid)
        project = project_of(email)
        row["nhi_reason"] = f"GCP service account of project {project or 'unknown'}, holding an HMAC key"
        run.principals[pid] = row
    return pid
