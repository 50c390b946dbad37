"""The Graph half of a scenario tenant's ``World``: ids, users' groups, applications with their credentials
and service principals, Microsoft Graph's own service principal, and Entra directory roles.

Ids are uuid5 of the tenant and the scenario name (`oid`), so they do not change from day to day; the ARM
half (`sandbox/azure.py`) refers to principals by these ids too. Secrets appear as Graph shows them: key id,
dates, a three-character ``hint`` and ``secretText: null`` (Muster must store the first two and never the
hint); those that signed in (``last_used``) have an entry in the beta credential sign-in report. Directory roles carry a subset of the resource actions Microsoft Learn lists for each built-in Entra
role (hand-written, enough for the privilege verdicts).
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid

from ..providers.azure.risky_permissions import APP_PERMISSIONS, RESOURCES
from .azure_model import Application, AzureTenant
from .azure_world import World

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
#: The start of an eligibility the scenario gives none (real instances always carry one).
ELIGIBLE_SINCE = "2025-03-01T10:00:00Z"
NS = uuid.UUID("6f1c7f5e-3b8a-4e0e-9a51-0d7e5c2f4a10")

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


def _credential_activity(tenant: str, app: str, ids: tuple[str, str, str], s, kind: str) -> dict:
    """The beta appCredentialSignInActivities entry of one application credential that signed in: its id is
    base64 of "keyId|origin", as Graph's are."""
    app_oid, app_id, sp = ids
    key_id = oid(tenant, f"{kind}/{app}", s.id)
    return {
        "id": base64.b64encode(f"{key_id}|application".encode()).decode(),
        "keyId": key_id,
        "keyType": "clientSecret" if kind == "secret" else "certificate",
        "keyUsage": "verify",
        "appId": app_id,
        "appObjectId": app_oid,
        "servicePrincipalObjectId": sp,
        "resourceId": oid(tenant, "sp", "microsoft-graph"),
        "credentialOrigin": "application",
        "createdDateTime": _ts(s.created),
        "expirationDateTime": _ts(s.expires),
        "signInActivity": {
            "lastSignInDateTime": _ts(s.last_used),
            "lastSignInRequestId": oid(tenant, f"request/{app}", f"{s.id}/{_ts(s.last_used)}"),
        },
    }


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
    for creds, kind in ((app.secrets, "secret"), (app.certificates, "cert")):
        w.app_credential_sign_in += [
            _credential_activity(tenant, app.name, (app_oid, app_id, sp), s, kind)
            for s in creds
            if s.last_used
        ]
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
    for e in t.eligible_directory_roles:
        name = oid(t.id, "dirroleeligible", f"{e.role}/{e.principal}")
        w.directory_role_eligibility.append(
            {
                "id": name,
                "principalId": principals[e.principal],
                "roleDefinitionId": DIRECTORY_ROLES[e.role][0],
                "directoryScopeId": "/",
                "appScopeId": None,
                "startDateTime": _ts(e.start) or ELIGIBLE_SINCE,
                "endDateTime": _ts(e.end),
                "memberType": "Direct",
                "roleEligibilityScheduleId": name,
            }
        )
