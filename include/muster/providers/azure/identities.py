"""Entra identities from their Graph listings, a page at a time: users, service principals, applications,
their credentials, federated credentials, service-principal sign-in activity and groups.

Each listing is one ``Stage`` (stage.py): a page's objects become rows at once and nothing about one
object waits for another. What depends on other objects is settled with Arrow joins once every listing is in
(links.py): which of several objects with one id holds it (the first listed), the service principal of an
application and the application of a service principal, and owner names.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from .credentials import credentials
from .stage import Stage, as_bool, owner_ids

if TYPE_CHECKING:  # pragma: no cover - type names only
    from .transform import Run

KINDS = {"ManagedIdentity": "managed_identity"}
#: As for GCP groups: a group does not sign in, its members do.
NOT_TRACKED = "unknown: last use is not reported for this kind of identity"
SIGN_IN_SOURCE = "beta:servicePrincipalSignInActivities.lastSignInActivity"
#: The path of a service principal of an application that another organisation publishes (the organisation
#: that owns the application); rules skip Microsoft's own as provider-managed, like AWS service-linked roles.
OWNER_ORG_PATH = "appOwnerOrganizationId/{}"


# -- users ---------------------------------------------------------------------------------------------
class Users(Stage):
    entity = "users"

    def __init__(self, run: Run) -> None:
        super().__init__(run)
        self.sign_in = run.raw.users_sign_in

    def page(self, items: list) -> None:
        for user in self.objects(items):
            oid = user["id"]
            upn = user.get("userPrincipalName") or user.get("displayName") or oid
            what = f"user {upn}"
            is_nhi, reason = self._classify(oid, upn, user.get("userType"))
            used, source = self._sign_in(user, what)
            owner = self.run.tenant.owners.get(upn) or self.run.tenant.owners.get(oid)
            self.rows.append(
                {
                    "principal_id": oid,
                    "name": upn,
                    "arn_or_resource": f"/users/{oid}",
                    "kind": "service_user" if is_nhi else "human_user",
                    "is_nhi": is_nhi,
                    "nhi_reason": reason,
                    "enabled": as_bool(user.get("accountEnabled")),
                    "console_access": as_bool(user.get("accountEnabled")),
                    "mfa_enabled": None,
                    "path": None,
                    "created_at": self.time(user.get("createdDateTime"), "users", what, "createdDateTime"),
                    "last_used_at": used,
                    "last_used_source": source,
                    "owner": owner,
                    "owner_source": "scope-file" if owner else None,
                    "boundary_role_id": None,
                    "tags": {},
                    "_app_id": None,
                    "_obj": self.obj,
                }
            )
        self.flush()

    def _classify(self, oid: str, upn: str, user_type: str | None) -> tuple[bool, str]:
        tenant = self.run.tenant
        override = tenant.identity_overrides.get(upn) or tenant.identity_overrides.get(oid)
        if override:
            return override == "nhi", f"scope file identity_overrides: {override}"
        local = upn.split("@", 1)[0]
        for p in tenant.classification.service_name_patterns:
            if re.search(p, local, re.I):
                return True, f"user name matches service pattern {p!r}"
        return False, f"Entra user (userType={user_type or 'unknown'})"

    def _sign_in(self, user: dict, what: str) -> tuple[dt.datetime | None, str | None]:
        if not self.sign_in:
            return None, "unknown: signInActivity not readable (needs Entra ID P1/P2)"
        activity = user.get("signInActivity")
        if not isinstance(activity, dict):
            return None, "signInActivity: no sign-in recorded"
        best, source = None, None
        for field in (
            "lastSignInDateTime",
            "lastNonInteractiveSignInDateTime",
            "lastSuccessfulSignInDateTime",
        ):
            when = self.time(activity.get(field), "users", what, f"signInActivity.{field}")
            if when and (best is None or when > best):
                best, source = when, f"signInActivity.{field}"
        return best, source or "signInActivity: no sign-in recorded"


# -- service principals --------------------------------------------------------------------------------
class SignIns(Stage):
    """Graph beta service-principal sign-in activity: appId -> last sign-in (listed before the principals)."""

    entity = "sp_sign_in_activity"

    def __init__(self, run: Run) -> None:
        super().__init__(run)
        self.activity: dict[str, dt.datetime | None] = {}

    def page(self, items: list) -> None:
        for item in items:
            if not isinstance(item, dict) or not item.get("appId"):
                continue
            activity = item.get("lastSignInActivity") or {}
            self.activity[item["appId"]] = self.time(
                activity.get("lastSignInDateTime"),
                self.entity,
                f"appId {item['appId']}",
                "lastSignInActivity",
            )

    def commit(self) -> None:
        super().commit()
        self.run.activity = self.activity


class ServicePrincipals(Stage):
    entity = "service_principals"

    def page(self, items: list) -> None:
        activity = self.run.activity
        for sp in self.objects(items):
            oid, app_id = sp["id"], sp.get("appId")
            name = sp.get("displayName") or app_id or oid
            what = f"service principal {name}"
            if not sp.get("displayName"):
                self.unnamed.add(self.obj)
            sp_type = sp.get("servicePrincipalType") or "unknown"
            kind = KINDS.get(sp_type, "service_principal")
            owner, owner_source = self.owner(oid, name, sp)
            if activity is None:
                used, source = None, "unknown: servicePrincipalSignInActivities (beta) not collected"
            elif app_id in activity:
                used, source = activity[app_id], SIGN_IN_SOURCE
            else:
                used, source = None, "servicePrincipalSignInActivities: no sign-in reported"
            self.rows.append(
                {
                    "principal_id": oid,
                    "name": name,
                    "arn_or_resource": _mi_resource(sp) or f"/servicePrincipals/{oid}",
                    "kind": kind,
                    "is_nhi": True,
                    # "; its application registration is ..." is added at the end (links.py).
                    "nhi_reason": f"service principal (servicePrincipalType={sp_type})",
                    "enabled": as_bool(sp.get("accountEnabled")),
                    "console_access": None,
                    "mfa_enabled": None,
                    "path": _owner_org_path(sp, sp_type),
                    "created_at": None,
                    "last_used_at": used,
                    "last_used_source": source,
                    "owner": owner,
                    "owner_source": owner_source,
                    "boundary_role_id": None,
                    "tags": {str(t): "" for t in sorted(sp.get("tags") or []) if isinstance(t, str)},
                    "_app_id": _app_id(app_id),
                    "_obj": self.obj,
                }
            )
            managed = "provider" if kind == "managed_identity" else "user"
            credentials(self, oid, what, sp, managed)
        self.flush()


def _owner_org_path(sp: dict, sp_type: str) -> str | None:
    """Where an application service principal comes from: the organisation that owns its application (a
    managed identity's appOwnerOrganizationId is Microsoft's too, but it is ours to own, so it gets none)."""
    org = sp.get("appOwnerOrganizationId")
    if sp_type != "Application" or not isinstance(org, str) or not org:
        return None
    return OWNER_ORG_PATH.format(org.lower())


def _app_id(value: object) -> str | None:
    """The appId that links applications and service principals (Graph sends a GUID string; anything else
    links nothing)."""
    return value if isinstance(value, str) else None


def _mi_resource(sp: dict) -> str | None:
    """A managed identity's ARM resource id, which Graph lists among its alternativeNames."""
    for alt in sp.get("alternativeNames") or []:
        if isinstance(alt, str) and alt.lower().startswith("/subscriptions/"):
            return alt
    return None


# -- applications --------------------------------------------------------------------------------------
class Applications(Stage):
    entity = "applications"

    def page(self, items: list) -> None:
        for app in self.objects(items):
            oid, app_id = app["id"], app.get("appId")
            name = app.get("displayName") or app_id or oid
            what = f"application {name}"
            ids = owner_ids(app)
            if ids:
                self.app_owners[self.obj] = ids
            owner, owner_source = self.owner(oid, name, app)
            self.rows.append(
                {
                    "principal_id": oid,
                    "name": name,
                    "arn_or_resource": f"/applications/{oid}",
                    "kind": "application",
                    "is_nhi": True,
                    # "; its service principal ... holds its grants" and enabled: at the end (links.py).
                    "nhi_reason": "application registration",
                    "enabled": None,
                    "console_access": None,
                    "mfa_enabled": None,
                    "path": None,
                    "created_at": self.time(app.get("createdDateTime"), self.entity, what, "createdDateTime"),
                    "last_used_at": None,
                    "last_used_source": "see its service principal's last_used_at",
                    "owner": owner,
                    "owner_source": owner_source,
                    "boundary_role_id": None,
                    "tags": {},
                    "_app_id": _app_id(app_id),
                    "_obj": self.obj,
                }
            )
            credentials(self, oid, what, app, "user")
        self.flush()


class Federated(Stage):
    """federatedIdentityCredentials of every application (a second listing of /applications)."""

    entity = "federated_credentials"

    def __init__(self, run: Run) -> None:
        super().__init__(run)
        #: application object id -> its federated credentials, when it has any (the last listing wins).
        self.by_app: dict[object, list] = {}

    def page(self, items: list) -> None:
        for a in items:
            if isinstance(a, dict) and "id" in a:
                fics = a.get("federatedIdentityCredentials") or []
                if fics:
                    self.by_app[a["id"]] = fics
                else:
                    self.by_app.pop(a["id"], None)

    def commit(self) -> None:
        super().commit()
        self.run.federated = self.by_app


# -- groups --------------------------------------------------------------------------------------------
class Groups(Stage):
    """Entra groups, as GCP groups are: grantees that stand for their members (kind ``group``, not an NHI).
    Grants held by a group also reach its members (grants.py)."""

    entity = "groups"

    def page(self, items: list) -> None:
        for group in self.objects(items):
            oid = group["id"]
            name = group.get("displayName") or group.get("mail") or oid
            owner, owner_source = self.owner(oid, name, {})
            self.rows.append(
                {
                    "principal_id": oid,
                    "name": name,
                    "arn_or_resource": f"/groups/{oid}",
                    "kind": "group",
                    "is_nhi": False,
                    "nhi_reason": _group_reason(group),
                    "enabled": None,
                    "console_access": None,
                    "mfa_enabled": None,
                    "path": None,
                    "created_at": self.time(
                        group.get("createdDateTime"), self.entity, f"group {name}", "createdDateTime"
                    ),
                    "last_used_at": None,
                    "last_used_source": NOT_TRACKED,
                    "owner": owner,
                    "owner_source": owner_source,
                    "boundary_role_id": None,
                    "tags": {},
                    "_app_id": None,
                    "_obj": self.obj,
                }
            )
        self.flush()


def _group_reason(group: dict) -> str:
    types = group.get("groupTypes") if isinstance(group.get("groupTypes"), list) else []
    if "Unified" in types:
        sort = "Microsoft 365 group"
    else:
        sort = "security group" if group.get("securityEnabled") else "distribution group"
    if group.get("isAssignableToRole") is True:
        sort += ", role-assignable"
    if "DynamicMembership" in types:
        sort += ", dynamic membership"
    return f"Entra {sort}: stands for its members"


#: The streamed listings, by entity, in the order the collector lists them.
STAGES: dict[str, type[Stage]] = {
    "users": Users,
    "sp_sign_in_activity": SignIns,
    "service_principals": ServicePrincipals,
    "applications": Applications,
    "federated_credentials": Federated,
    "groups": Groups,
}
