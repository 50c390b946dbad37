"""Entra identities from their Graph listings, a page at a time: users and groups here; service principals,
applications, their credentials, federated credentials and service-principal sign-in activity in
`applications.py`; users' MFA registration and application credentials' sign-in activity in `reports.py`.
``STAGES`` names every listing's stage, in the order the collector lists them.

Each listing is one ``Stage`` (stage.py): a page's objects become rows at once and nothing about one
object waits for another. What depends on other objects is settled with Arrow joins once every listing is in
(links.py): which of several objects with one id holds it (the first listed), the service principal of an
application and the application of a service principal, and owner names.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from . import shapes
from .applications import Applications, Federated, ServicePrincipals, SignIns
from .reports import CREDENTIAL_ENTITY, MFA_ENTITY, CredentialSignIns, MfaRegistrations
from .stage import Stage, as_bool

if TYPE_CHECKING:  # pragma: no cover - type names only
    from .transform import Run

#: As for GCP groups: a group does not sign in, its members do.
NOT_TRACKED = "unknown: last use is not reported for this kind of identity"


# -- users ---------------------------------------------------------------------------------------------
class Users(Stage):
    entity = "users"
    shape, word, names = shapes.USER, "user", ("userPrincipalName", "displayName")

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


# -- groups --------------------------------------------------------------------------------------------
class Groups(Stage):
    """Entra groups, as GCP groups are: grantees that stand for their members (kind ``group``, not an NHI).
    Grants held by a group also reach its members (grants.py)."""

    entity = "groups"
    shape, word, names = shapes.GROUP, "group", ("displayName", "mail")

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
    MFA_ENTITY: MfaRegistrations,
    "sp_sign_in_activity": SignIns,
    CREDENTIAL_ENTITY: CredentialSignIns,
    "service_principals": ServicePrincipals,
    "applications": Applications,
    "federated_credentials": Federated,
    "groups": Groups,
}
