"""Turn a scenario's Azure tenant into the Graph and ARM objects the fake serves (``World``).

Ids are uuid5 of the tenant and the scenario name, so they do not change from day to day. Secrets appear as
Graph shows them: key id, dates, a three-character ``hint`` and ``secretText: null`` (Muster must store the
first two and never the hint). Built-in role definitions: Azure RBAC ones are copied from iann0036/iam-dataset
(MIT, `az role definition list`); directory roles carry a subset of the resource actions Microsoft Learn lists
for each built-in Entra role (hand-written, enough for the privilege verdicts).
"""

from __future__ import annotations

import datetime as dt
import uuid

from ..providers.azure.risky_permissions import APP_PERMISSIONS, RESOURCES
from .azure_fake import World
from .azure_model import Application, AzureTenant

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
NS = uuid.UUID("6f1c7f5e-3b8a-4e0e-9a51-0d7e5c2f4a10")
AUTH = "/providers/Microsoft.Authorization"

#: Azure built-in roles (iann0036/iam-dataset azure/built-in-roles-raw.json, MIT), trimmed to the fields used.
ARM_BUILTINS = {
    "Owner": ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", ["*"], []),
    "Contributor": (
        "b24988ac-6180-42a0-ab88-20f7382dd24c",
        ["*"],
        [
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write",
            "Microsoft.Blueprint/blueprintAssignments/delete",
            "Microsoft.Compute/galleries/share/action",
            "Microsoft.Purview/consents/write",
            "Microsoft.Purview/consents/delete",
            "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
            "Microsoft.Subscription/cancel/action",
            "Microsoft.Subscription/enable/action",
        ],
    ),
    "Reader": ("acdd72a7-3385-48ef-bd42-f606fba81ae7", ["*/read"], []),
    "User Access Administrator": (
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
        [],
    ),
}

#: Built-in Entra roles: template id and a subset of their allowedResourceActions (Microsoft Learn).
DIRECTORY_ROLES = {
    "Global Administrator": (
        "62e90394-69f5-4237-9190-012177145e10",
        [
            "microsoft.directory/applications/allProperties/allTasks",
            "microsoft.directory/roleAssignments/allProperties/allTasks",
            "microsoft.directory/servicePrincipals/allProperties/allTasks",
            "microsoft.directory/users/allProperties/allTasks",
        ],
    ),
    "Privileged Role Administrator": (
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        [
            "microsoft.directory/roleAssignments/allProperties/allTasks",
            "microsoft.directory/roleDefinitions/allProperties/allTasks",
            "microsoft.directory/servicePrincipals/appRoleAssignedTo/update",
        ],
    ),
    "Application Administrator": (
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        [
            "microsoft.directory/applications/create",
            "microsoft.directory/applications/credentials/update",
            "microsoft.directory/applications/owners/update",
            "microsoft.directory/servicePrincipals/credentials/update",
            "microsoft.directory/applications/allProperties/read",
        ],
    ),
    "Global Reader": (
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
        [
            "microsoft.directory/applications/allProperties/read",
            "microsoft.directory/roleAssignments/allProperties/read",
            "microsoft.directory/users/allProperties/read",
        ],
    ),
}


def oid(tenant: str, kind: str, name: str) -> str:
    return str(uuid.uuid5(NS, f"{tenant}/{kind}/{name}"))


def _ts(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def world_of(t: AzureTenant) -> World:
    """The Graph and ARM objects of one scenario tenant."""
    w = World(tenant_id=t.id, display_name=t.name, licensed=t.licensed)
    users = {u.name: oid(t.id, "user", u.name) for u in t.users}
    sps: dict[str, str] = {}
    for u in t.users:
        w.users.append(
            {
                "id": users[u.name],
                "userPrincipalName": f"{u.name}@{t.domain}"
                if not u.guest
                else f"{u.name}_ext#EXT#@{t.domain}",
                "displayName": u.name,
                "accountEnabled": u.enabled,
                "userType": "Guest" if u.guest else "Member",
                "createdDateTime": _ts(u.created),
                "signInActivity": {
                    "lastSignInDateTime": _ts(u.last_sign_in),
                    "lastNonInteractiveSignInDateTime": None,
                },
            }
        )
    _first_party(w, t.id)
    for app in t.applications:
        sps[app.name] = _application(w, t.id, app, users)
    for mi in t.managed_identities:
        sp = oid(t.id, "sp", mi.name)
        sps[mi.name] = sp
        w.service_principals.append(
            {
                "id": sp,
                "appId": oid(t.id, "appid", mi.name),
                "displayName": mi.name,
                "servicePrincipalType": "ManagedIdentity",
                "accountEnabled": True,
                "appOwnerOrganizationId": None,
                "alternativeNames": [
                    "isExplicit=True",
                    f"/subscriptions/{mi.subscription}/resourcegroups/identities/providers/"
                    f"Microsoft.ManagedIdentity/userAssignedIdentities/{mi.name}",
                ],
                "passwordCredentials": [],
                "keyCredentials": [],
                "tags": [],
            }
        )
        if mi.last_sign_in:
            w.sp_sign_in.append(_activity(oid(t.id, "appid", mi.name), mi.last_sign_in))
    if not t.sign_in_report:
        w.sp_sign_in = None
    groups = {g.name: oid(t.id, "group", g.name) for g in t.groups}
    principals = {**users, **sps, **groups}
    _groups(w, t, principals)
    _directory(w, t, principals)
    _arm(w, t, principals)
    return w


def _groups(w: World, t: AzureTenant, principals: dict[str, str]) -> None:
    """Security groups as Graph lists them, with their direct members."""
    for g in t.groups:
        gid = principals[g.name]
        w.groups.append(
            {
                "id": gid,
                "displayName": g.name,
                "description": g.description or None,
                "mail": None,
                "mailEnabled": False,
                "mailNickname": g.name,
                "securityEnabled": True,
                "groupTypes": [],
                "isAssignableToRole": g.role_assignable,
                "createdDateTime": _ts(g.created),
                "visibility": "Private",
            }
        )
        w.group_members[gid] = [principals[m] for m in g.members]


def _first_party(w: World, tenant: str) -> None:
    """Microsoft Graph's service principal, with the application permissions it offers."""
    roles = [
        {
            "id": rid,
            "value": name,
            "allowedMemberTypes": ["Application"],
            "isEnabled": True,
            "displayName": name,
        }
        for rid, (name, _) in sorted(APP_PERMISSIONS[GRAPH_APP_ID].items())
    ]
    w.service_principals.append(
        {
            "id": oid(tenant, "sp", "microsoft-graph"),
            "appId": GRAPH_APP_ID,
            "displayName": RESOURCES[GRAPH_APP_ID],
            "servicePrincipalType": "Application",
            "accountEnabled": True,
            "appOwnerOrganizationId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
            "passwordCredentials": [],
            "keyCredentials": [],
            "tags": [],
            "appRoles": roles,
        }
    )


def _credential(tenant: str, app: str, s, kind: str) -> dict:
    cred = {
        "keyId": oid(tenant, f"{kind}/{app}", s.id),
        "displayName": s.id,
        "startDateTime": _ts(s.created),
        "endDateTime": _ts(s.expires),
        "customKeyIdentifier": None,
    }
    if kind == "secret":
        return {**cred, "hint": s.id[:3], "secretText": None}
    return {**cred, "type": "AsymmetricX509Cert", "usage": "Verify", "key": None}


def _application(w: World, tenant: str, app: Application, users: dict[str, str]) -> str:
    app_oid, app_id, sp = (
        oid(tenant, "app", app.name),
        oid(tenant, "appid", app.name),
        oid(tenant, "sp", app.name),
    )
    w.applications.append(
        {
            "id": app_oid,
            "appId": app_id,
            "displayName": app.name,
            "createdDateTime": _ts(app.created),
            "signInAudience": "AzureADMyOrg",
            "passwordCredentials": [_credential(tenant, app.name, s, "secret") for s in app.secrets],
            "keyCredentials": [_credential(tenant, app.name, c, "cert") for c in app.certificates],
        }
    )
    w.owners[app_oid] = [users[o] for o in app.owners]
    w.federated[app_oid] = [
        {
            "id": oid(tenant, f"fic/{app.name}", f.name),
            "name": f.name,
            "issuer": f.issuer,
            "subject": f.subject,
            "audiences": ["api://AzureADTokenExchange"],
        }
        for f in app.federated
    ]
    w.service_principals.append(
        {
            "id": sp,
            "appId": app_id,
            "displayName": app.name,
            "servicePrincipalType": "Application",
            "accountEnabled": app.enabled,
            "appOwnerOrganizationId": tenant,
            "passwordCredentials": [],
            "keyCredentials": [],
            "tags": ["WindowsAzureActiveDirectoryIntegratedApp"],
        }
    )
    graph_sp = oid(tenant, "sp", "microsoft-graph")
    by_name = {name: rid for rid, (name, _) in APP_PERMISSIONS[GRAPH_APP_ID].items()}
    for perm in app.permissions:
        w.app_role_assignments.append(
            {
                "id": oid(tenant, f"approle/{app.name}", perm),
                "appRoleId": by_name[perm],
                "principalId": sp,
                "principalType": "ServicePrincipal",
                "principalDisplayName": app.name,
                "resourceId": graph_sp,
                "createdDateTime": _ts(app.created),
            }
        )
    if app.last_sign_in:
        w.sp_sign_in.append(_activity(app_id, app.last_sign_in))
    return sp


def _activity(app_id: str, at: dt.datetime) -> dict:
    return {"id": app_id, "appId": app_id, "lastSignInActivity": {"lastSignInDateTime": _ts(at)}}


def _directory(w: World, t: AzureTenant, principals: dict[str, str]) -> None:
    for name, (rid, actions) in DIRECTORY_ROLES.items():
        w.directory_role_definitions.append(
            {
                "id": rid,
                "templateId": rid,
                "displayName": name,
                "description": f"Built-in role {name}.",
                "isBuiltIn": True,
                "isEnabled": True,
                "rolePermissions": [{"allowedResourceActions": actions, "condition": None}],
            }
        )
    for a in t.directory_roles:
        rid = DIRECTORY_ROLES[a.role][0]
        w.directory_role_assignments.append(
            {
                "id": oid(t.id, "dirrole", f"{a.role}/{a.principal}"),
                "principalId": principals[a.principal],
                "roleDefinitionId": rid,
                "directoryScopeId": "/",
                "appScopeId": None,
            }
        )


def _principal_type(t: AzureTenant, name: str) -> str:
    if name in {u.name for u in t.users}:
        return "User"
    return "Group" if name in {g.name for g in t.groups} else "ServicePrincipal"


def _scope(scope: str) -> str:
    if scope == "/":
        return "/"
    if scope.startswith("mg:"):
        return f"/providers/Microsoft.Management/managementGroups/{scope[3:]}"
    return f"/subscriptions/{scope}"


def _arm(w: World, t: AzureTenant, principals: dict[str, str]) -> None:
    w.management_groups = {m.id: m.parent for m in t.management_groups}
    for s in t.subscriptions:
        w.subscriptions.append(
            {
                "id": f"/subscriptions/{s.id}",
                "subscriptionId": s.id,
                "tenantId": t.id,
                "displayName": s.name,
                "state": "Enabled",
            }
        )
        if s.management_group:
            w.subscription_parent[s.id] = s.management_group
    roles = {}
    for name, (guid, actions, not_actions) in ARM_BUILTINS.items():
        roles[name] = guid
        w.arm_role_definitions.append(
            {
                "name": guid,
                "properties": {
                    "roleName": name,
                    "type": "BuiltInRole",
                    "description": f"Built-in role {name}.",
                    "assignableScopes": ["/"],
                    "permissions": [
                        {
                            "actions": actions,
                            "notActions": not_actions,
                            "dataActions": [],
                            "notDataActions": [],
                        }
                    ],
                },
            }
        )
    for r in t.custom_roles:
        guid = oid(t.id, "customrole", r.name)
        roles[r.name] = guid
        w.arm_role_definitions.append(
            {
                "name": guid,
                "properties": {
                    "roleName": r.name,
                    "type": "CustomRole",
                    "description": r.description,
                    "assignableScopes": [_scope(s) for s in r.scopes],
                    "permissions": [
                        {
                            "actions": r.actions,
                            "notActions": r.not_actions,
                            "dataActions": r.data_actions,
                            "notDataActions": [],
                        }
                    ],
                    "createdOn": "2025-03-01T10:00:00.0000000Z",
                    "updatedOn": "2025-03-01T10:00:00.0000000Z",
                },
            }
        )
    for a in t.role_assignments:
        scope = _scope(a.scope)
        name = oid(t.id, "roleassignment", f"{a.principal}/{a.role}/{a.scope}")
        prefix = "" if scope == "/" else scope
        first_sub = t.subscriptions[0].id if t.subscriptions else "00000000-0000-0000-0000-000000000000"
        w.arm_role_assignments.append(
            {
                "id": f"{prefix}{AUTH}/roleAssignments/{name}",
                "name": name,
                "type": "Microsoft.Authorization/roleAssignments",
                "properties": {
                    "roleDefinitionId": f"/subscriptions/{first_sub}{AUTH}/roleDefinitions/{roles[a.role]}",
                    "principalId": principals[a.principal],
                    "principalType": _principal_type(t, a.principal),
                    "scope": scope,
                    "condition": None,
                    "conditionVersion": None,
                    "createdOn": "2025-03-01T10:00:00.0000000Z",
                },
            }
        )
