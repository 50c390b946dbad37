"""Turn a scenario's Azure tenant into the Graph and ARM objects the fake serves (``World``).

`world_of` builds the whole world: users and managed identities itself, the other Graph objects with
`azure_graph.py`, and the ARM ones (subscriptions, role definitions and role assignments) here. Ids are
uuid5 of the tenant and the scenario name (`azure_graph.oid`), so they do not change from day to day.
Built-in role definitions: Azure RBAC ones are copied from iann0036/iam-dataset (MIT, `az role definition
list`).
"""

from __future__ import annotations

import datetime as dt

from .azure_graph import ELIGIBLE_SINCE, _activity, _application, _directory, _first_party, _groups, _ts, oid
from .azure_model import AzureTenant, User
from .azure_world import World

AUTH = "/providers/Microsoft.Authorization"
#: How long before the observation the fake's MFA registration report was last refreshed (an assumption of the
#: fake: the report is refreshed periodically, not live); users created since are not in it yet.
MFA_REPORT_AGE = dt.timedelta(hours=6)

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


def world_of(t: AzureTenant, as_of: dt.datetime | None = None) -> World:
    """The Graph and ARM objects of one scenario tenant observed at ``as_of`` (which dates the MFA registration
    report; without it, each of the report's records is dated by its user's creation)."""
    w = World(tenant_id=t.id, display_name=t.name, licensed=t.licensed, pim=t.pim)
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
    admins = {a.principal for a in t.directory_roles}
    refreshed = as_of - MFA_REPORT_AGE if as_of else None
    w.mfa_registration = [
        _registration(w.users[i], u, u.name in admins, refreshed or u.created)
        for i, u in enumerate(t.users)
        if u.mfa is not None and not (refreshed and u.created and u.created > refreshed)
    ]
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
        w.sp_sign_in = w.app_credential_sign_in = None
    groups = {g.name: oid(t.id, "group", g.name) for g in t.groups}
    principals = {**users, **sps, **groups}
    _groups(w, t, principals)
    _directory(w, t, principals)
    _arm(w, t, principals)
    return w


def _registration(user: dict, u: User, admin: bool, updated: dt.datetime | None) -> dict:
    """A user's userRegistrationDetails record (v1.0): an authenticator app when registered, nothing else."""
    methods = ["microsoftAuthenticatorPush", "softwareOneTimePasscode"] if u.mfa else []
    return {
        "id": user["id"],
        "userPrincipalName": user["userPrincipalName"],
        "userDisplayName": user["displayName"],
        "userType": "guest" if u.guest else "member",
        "isAdmin": admin,
        "isMfaRegistered": u.mfa,
        "isMfaCapable": u.mfa,
        "isSsprRegistered": False,
        "isSsprEnabled": False,
        "isSsprCapable": False,
        "isPasswordlessCapable": False,
        "isSystemPreferredAuthenticationMethodEnabled": True,
        "systemPreferredAuthenticationMethods": ["push"] if u.mfa else [],
        "userPreferredMethodForSecondaryAuthentication": "push" if u.mfa else "none",
        "methodsRegistered": methods,
        "lastUpdatedDateTime": _ts(updated),
    }


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
    first_sub = t.subscriptions[0].id if t.subscriptions else "00000000-0000-0000-0000-000000000000"

    def arm_item(a, kind: str, collection: str, **properties) -> dict:
        """An ARM Microsoft.Authorization item of `a` (an assignment or an eligibility) as the API lists it."""
        scope = _scope(a.scope)
        name = oid(t.id, kind, f"{a.principal}/{a.role}/{a.scope}")
        prefix = "" if scope == "/" else scope
        return {
            "id": f"{prefix}{AUTH}/{collection}/{name}",
            "name": name,
            "type": f"Microsoft.Authorization/{collection}",
            "properties": {
                "roleDefinitionId": f"/subscriptions/{first_sub}{AUTH}/roleDefinitions/{roles[a.role]}",
                "principalId": principals[a.principal],
                "principalType": _principal_type(t, a.principal),
                "scope": scope,
                "condition": None,
                "conditionVersion": None,
                **properties,
            },
        }

    for a in t.role_assignments:
        w.arm_role_assignments.append(
            arm_item(a, "roleassignment", "roleAssignments", createdOn="2025-03-01T10:00:00.0000000Z")
        )
    for e in t.eligible_role_assignments:
        item = arm_item(
            e,
            "roleeligibility",
            "roleEligibilityScheduleInstances",
            status="Provisioned",
            startDateTime=_ts(e.start) or ELIGIBLE_SINCE,
            endDateTime=_ts(e.end),
            memberType="Direct",
            createdOn=ELIGIBLE_SINCE,
        )
        # the schedule an instance comes from: same scope and name, in roleEligibilitySchedules
        item["properties"]["roleEligibilityScheduleId"] = item["id"].replace(
            "ScheduleInstances/", "Schedules/"
        )
        w.arm_role_eligibility.append(item)
