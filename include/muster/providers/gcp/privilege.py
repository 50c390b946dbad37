"""Privilege of a GCP role, computed from its permissions (never from its name).

The rules, strongest first; each verdict names the permissions that justify it:

* **admin** — the role can rewrite the IAM policy of a project, folder or organisation
  (``resourcemanager.{projects,folders,organizations}.setIamPolicy``): the holder can grant itself any role
  at the scope it holds this one (roles/owner, roles/iam.securityAdmin, organizationAdmin), or it writes in at
  least ``BROAD_WRITE_SERVICES`` services (a primitive role such as roles/editor: everything but IAM).
* **escalation** — the role lets its holder act as, or mint credentials for, a service account
  (``iam.serviceAccounts.actAs / getAccessToken / signJwt / signBlob / implicitDelegation / getOpenIdToken``,
  ``iam.serviceAccountKeys.create``), change a role's permissions (``iam.roles.create/update``), or set the IAM
  policy of any other resource (``*.setIamPolicy``).
* **write** — any permission whose verb is not a read verb.
* **read** — only get / list / search and similar verbs.
* **unknown** — the role's permissions could not be read (role not found, access denied).
"""

from __future__ import annotations

ADMIN, ESCALATION, WRITE, READ, UNKNOWN = "admin", "escalation", "write", "read", "unknown"

#: setIamPolicy on the resource hierarchy: whoever holds it can grant anything at that scope.
HIERARCHY_SET_POLICY = frozenset(
    {
        "resourcemanager.projects.setIamPolicy",
        "resourcemanager.folders.setIamPolicy",
        "resourcemanager.organizations.setIamPolicy",
    }
)
#: Permissions that let a holder become a service account or change what a role allows.
ESCALATION_PERMISSIONS = frozenset(
    {
        "iam.serviceAccounts.actAs",
        "iam.serviceAccounts.getAccessToken",
        "iam.serviceAccounts.signJwt",
        "iam.serviceAccounts.signBlob",
        "iam.serviceAccounts.implicitDelegation",
        "iam.serviceAccounts.getOpenIdToken",
        "iam.serviceAccountKeys.create",
        "iam.roles.create",
        "iam.roles.update",
    }
)
#: A role that writes in this many services or more is admin-equivalent (roles/editor writes in ~300).
BROAD_WRITE_SERVICES = 50
#: Verbs (last part of service.resource.verb) that only read.
READ_VERBS = (
    "get",
    "list",
    "search",
    "query",
    "lookup",
    "view",
    "read",
    "check",
    "analyze",
    "watch",
    "export",
)
MAX_NAMED = 8


def _names(perms: list[str]) -> str:
    shown = ", ".join(perms[:MAX_NAMED])
    return shown + (f" and {len(perms) - MAX_NAMED} more" if len(perms) > MAX_NAMED else "")


def is_read(permission: str) -> bool:
    verb = permission.rsplit(".", 1)[-1]
    return verb.startswith(READ_VERBS) and not verb.startswith(("getAccessToken", "getOpenIdToken"))


def assess(permissions: list[str] | None, role: str) -> tuple[str, list[str]]:
    """The privilege ``permissions`` confer and the reasons, each naming ``role``."""
    if permissions is None:
        return UNKNOWN, [f"role {role}: permissions unknown (role definition not readable)"]
    perms = sorted(set(permissions))
    hierarchy = [p for p in perms if p in HIERARCHY_SET_POLICY]
    if hierarchy:
        return ADMIN, [f"role {role}: {_names(hierarchy)} (can grant any role at the scope it is held)"]
    writes = [p for p in perms if not is_read(p)]
    services = sorted({p.split(".", 1)[0] for p in writes})
    if len(services) >= BROAD_WRITE_SERVICES:
        return ADMIN, [
            f"role {role}: write permissions in {len(services)} services (>= {BROAD_WRITE_SERVICES})"
        ]
    escalation = [p for p in perms if p in ESCALATION_PERMISSIONS or p.endswith(".setIamPolicy")]
    if escalation:
        return ESCALATION, [f"role {role}: {_names(escalation)}"]
    if writes:
        return WRITE, [f"role {role}: {_names(writes)} (not read-only)"]
    if perms:
        return READ, [f"role {role}: read-only {_names(perms)}"]
    return READ, [f"role {role}: no permissions"]
