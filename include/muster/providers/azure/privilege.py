"""Privilege verdicts for Azure roles and Entra permissions, from the permissions themselves (never names).

Three kinds of grant, one scale (admin > escalation > write > read; unknown when uninterpretable):

* **Azure RBAC role definitions** (``permissions: [{actions, notActions, dataActions, notDataActions}]``).
  An action is granted when some ``actions`` pattern matches it and no ``notActions`` pattern does
  (case-insensitive, ``*`` wildcards: https://learn.microsoft.com/azure/role-based-access-control/role-definitions).
  *admin*: ``*`` is granted and so is ``Microsoft.Authorization/roleAssignments/write`` (Owner, a custom
  ``*`` role). *escalation*: one of ESCALATION_ACTIONS is granted without ``*`` (User Access Administrator,
  RBAC administrators). *write*: any granted action or data action that is not a read (Contributor: ``*``
  minus the authorization writes). *read*: only ``.../read`` actions.
* **Entra directory roles** (``rolePermissions: [{allowedResourceActions}]``, e.g.
  ``microsoft.directory/applications/credentials/update``). *admin*: can manage directory role assignments
  (grant itself any role, Global Administrator included). *escalation*: can add credentials or owners to
  applications / service principals, grant app roles or consent, or reset passwords, and so act as another
  identity. *write* / *read* by the verb.
* **Application permissions** (app roles such as ``RoleManagement.ReadWrite.Directory``): the permission
  names what it allows. *admin*: RoleManagement.ReadWrite.Directory. *escalation*: permissions that let the
  app grant itself more (AppRoleAssignment.ReadWrite.All), add credentials to any app
  (Application.ReadWrite.All) or take over users' authentication methods. Otherwise *write* for ReadWrite /
  Write / Manage / Send / full-access verbs, *read* for Read. The ScubaGear risk level is added as a reason.

Conditions (ABAC on role assignments) are recorded on the grant but do not lower the verdict: verdicts err
towards more privilege, the safe direction for an audit finding.
"""

from __future__ import annotations

import re
from functools import lru_cache

ADMIN, ESCALATION, WRITE, READ, UNKNOWN = "admin", "escalation", "write", "read", "unknown"
RANK = {UNKNOWN: -1, READ: 0, WRITE: 1, ESCALATION: 2, ADMIN: 3}
MAX_NAMED = 8

ROLE_ASSIGNMENT_WRITE = "Microsoft.Authorization/roleAssignments/write"
#: ARM actions that let the holder grant itself (or act as something with) more privilege.
ESCALATION_ACTIONS = (
    ROLE_ASSIGNMENT_WRITE,
    "Microsoft.Authorization/roleDefinitions/write",
    "Microsoft.Authorization/elevateAccess/action",
)

#: Directory actions (resource, property, verb) that make a role admin-equivalent.
DIRECTORY_ADMIN = ("microsoft.directory/roleAssignments/allProperties/update",)
#: Directory actions that let the holder act as another identity or grant itself permissions.
DIRECTORY_ESCALATION = (
    "microsoft.directory/applications/credentials/update",
    "microsoft.directory/servicePrincipals/credentials/update",
    "microsoft.directory/applications/owners/update",
    "microsoft.directory/servicePrincipals/owners/update",
    "microsoft.directory/servicePrincipals/appRoleAssignedTo/update",
    "microsoft.directory/oAuth2PermissionGrants/allProperties/update",
    "microsoft.directory/users/password/update",
    "microsoft.directory/users/authenticationMethods/update",
)

#: Application permissions by verdict; matched case-insensitively on the permission value.
APP_ADMIN = ("RoleManagement.ReadWrite.Directory",)
APP_ESCALATION = (
    "AppRoleAssignment.ReadWrite.All",
    "Application.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "UserAuthenticationMethod.ReadWrite.All",
    "DelegatedPermissionGrant.ReadWrite.All",
    "ServicePrincipalEndpoint.ReadWrite.All",
)
_APP_WRITE = re.compile(r"(readwrite|\.write|\.manage|\.send|\.create|\.delete|full_access|\.update)", re.I)
_APP_READ = re.compile(r"\.read(\.|$)|\.read[a-z]*\.", re.I)


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_NAMED])
    return shown + (f" and {len(items) - MAX_NAMED} more" if len(items) > MAX_NAMED else "")


@lru_cache(maxsize=8192)
def _pattern(action: str) -> re.Pattern:
    return re.compile(re.escape(action.lower()).replace(r"\*", ".*"))


def _granted(action: str, allow: list[str], deny: list[str]) -> bool:
    a = action.lower()
    return any(_pattern(p).fullmatch(a) for p in allow) and not any(_pattern(p).fullmatch(a) for p in deny)


def _strings(value: object) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def _is_read(action: str) -> bool:
    return action.lower().endswith("/read")


def arm_privilege(permissions: object, role: str) -> tuple[str, list[str]]:
    """Verdict and reasons for an Azure RBAC role definition's ``permissions`` list; never raises."""
    if not isinstance(permissions, list) or not permissions:
        return UNKNOWN, [f"role {role}: no permissions block"]
    best, reasons = READ, []
    for i, block in enumerate(permissions):
        where = f"role {role} permissions[{i}]"
        if not isinstance(block, dict):
            return UNKNOWN, [f"{where} is not an object"]
        lists = [_strings(block.get(k)) for k in ("actions", "notActions", "dataActions", "notDataActions")]
        if any(v is None for v in lists):
            return UNKNOWN, [f"{where}: actions / notActions / dataActions are not lists of strings"]
        verdict, reason = _arm_block(*lists, where)
        if RANK[verdict] > RANK[best]:
            best, reasons = verdict, []
        if verdict == best:
            reasons.append(reason)
    return best, reasons


def _arm_block(actions, not_actions, data_actions, not_data, where: str) -> tuple[str, str]:
    star = "*" in actions
    if star and _granted(ROLE_ASSIGNMENT_WRITE, actions, not_actions):
        return ADMIN, f"{where}: actions * with no notActions excluding {ROLE_ASSIGNMENT_WRITE}"
    escalation = [a for a in ESCALATION_ACTIONS if _granted(a, actions, not_actions)]
    if escalation:
        return ESCALATION, f"{where}: grants {_names(escalation)}"
    writes = [a for a in actions if not _is_read(a)] + [d for d in data_actions if not _is_read(d)]
    if writes:
        excluded = f" (notActions {_names(not_actions)})" if not_actions else ""
        return WRITE, f"{where}: grants {_names(writes)}{excluded}"
    if actions or data_actions:
        return READ, f"{where}: read-only {_names(actions + data_actions)}"
    return READ, f"{where}: no actions"


def _split(action: str) -> tuple[str, str, str, str]:
    """microsoft.directory/applications.myOrganization/credentials/update -> (ns, resource, prop, verb)."""
    parts = action.split("/")
    ns, resource = parts[0].lower(), (parts[1].split(".")[0].lower() if len(parts) > 1 else "")
    verb = parts[-1].lower() if len(parts) > 2 else ""
    prop = "/".join(parts[2:-1]).lower() if len(parts) > 3 else ""
    return ns, resource, prop, verb


def _implies(granted: str, target: str) -> bool:
    """Whether a directory action grants ``target`` (allProperties / allTasks cover more specific ones)."""
    if "*" in granted:
        return bool(_pattern(granted).fullmatch(target.lower()))
    g, t = _split(granted), _split(target)
    if g[:2] != t[:2]:
        return False
    if g[3] == "alltasks" and g[2] in ("", "allproperties"):
        return True
    prop_ok = g[2] == t[2] or g[2] == "allproperties"
    verb_ok = g[3] == t[3] or (g[3] == "alltasks")
    return prop_ok and verb_ok


def directory_privilege(role_permissions: object, role: str) -> tuple[str, list[str]]:
    """Verdict and reasons for an Entra role definition's ``rolePermissions``; never raises."""
    if not isinstance(role_permissions, list) or not role_permissions:
        return UNKNOWN, [f"directory role {role}: no rolePermissions"]
    actions: list[str] = []
    for block in role_permissions:
        found = _strings(block.get("allowedResourceActions")) if isinstance(block, dict) else None
        if found is None:
            return UNKNOWN, [f"directory role {role}: allowedResourceActions is not a list of strings"]
        actions += found
    for level, targets in ((ADMIN, DIRECTORY_ADMIN), (ESCALATION, DIRECTORY_ESCALATION)):
        hits = sorted(
            {
                f"{a} (covers {t})" if a.lower() != t.lower() else a
                for t in targets
                for a in actions
                if _implies(a, t)
            }
        )
        if hits:
            return level, [f"directory role {role}: {_names(hits)}"]
    writes = [a for a in actions if not _is_read(a)]
    if writes:
        return WRITE, [f"directory role {role}: {_names(writes)}"]
    if actions:
        return READ, [f"directory role {role}: read-only {_names(actions)}"]
    return READ, [f"directory role {role}: no allowedResourceActions"]


def app_permission_privilege(value: str | None, resource: str, risk: str | None) -> tuple[str, list[str]]:
    """Verdict and reasons for one application permission (app role ``value``) on ``resource``."""
    if not value:
        return UNKNOWN, [f"app role on {resource}: permission name unknown"]
    lower = value.lower()
    where = f"application permission {value} on {resource}"
    risk_note = [f"{where}: risk {risk} in the ScubaGear catalogue"] if risk else []
    if lower in {p.lower() for p in APP_ADMIN}:
        return ADMIN, [f"{where}: can assign any directory role, Global Administrator included", *risk_note]
    if lower in {p.lower() for p in APP_ESCALATION}:
        return ESCALATION, [f"{where}: can grant itself permissions or act as other identities", *risk_note]
    if _APP_WRITE.search(value):
        return WRITE, [f"{where}: allows changes", *risk_note]
    if _APP_READ.search(value) or lower.endswith(".read"):
        return READ, [f"{where}: read access", *risk_note]
    return UNKNOWN, [f"{where}: not recognised as read or write", *risk_note]
