"""Entra workload identities from their Graph listings, a page at a time: service-principal sign-in activity,
service principals, applications with their credentials, and applications' federated credentials.

Split from `identities.py` (users and groups, and the ``STAGES`` table that names every listing), which it
mirrors: each listing is one ``Stage`` (stage.py), and what links an application to its service principal is
settled with Arrow joins once every listing is in (links.py).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import TYPE_CHECKING

from . import shapes
from .credentials import credentials
from .stage import Stage, as_bool, owner_ids

if TYPE_CHECKING:  # pragma: no cover - type names only
    from .transform import Run

KINDS = {"ManagedIdentity": "managed_identity"}
SIGN_IN_SOURCE = "beta:servicePrincipalSignInActivities.lastSignInActivity"
#: The path of a service principal of an application that another organisation publishes (the organisation
#: that owns the application); rules skip Microsoft's own as provider-managed, like AWS service-linked roles.
OWNER_ORG_PATH = "appOwnerOrganizationId/{}"


# -- service principals --------------------------------------------------------------------------------
class SignIns(Stage):
    """Graph beta service-principal sign-in activity: appId -> last sign-in (listed before the principals)."""

    entity = "sp_sign_in_activity"

    def __init__(self, run: Run) -> None:
        super().__init__(run)
        self.activity: dict[str, dt.datetime | None] = {}

    def page(self, items: list) -> None:
        for i, item in enumerate(items, self.listed):
            if isinstance(item, dict):
                what = f"appId {item['appId']}" if shapes.text(item, "appId") else f"item {i}"
                item = shapes.shaped(partial(self.fail, self.entity), what, item, shapes.SIGN_IN)
            if not isinstance(item, dict) or not item.get("appId"):
                self.fail(self.entity, f"item {i} is not an object with an appId")
                continue
            activity = item.get("lastSignInActivity") or {}
            self.activity[item["appId"]] = self.time(
                activity.get("lastSignInDateTime"),
                self.entity,
                f"appId {item['appId']}",
                "lastSignInActivity",
            )
        self.listed += len(items)

    def commit(self) -> None:
        super().commit()
        self.run.activity = self.activity


class ServicePrincipals(Stage):
    entity = "service_principals"
    shape, word, names = shapes.SERVICE_PRINCIPAL, "service principal", ("displayName", "appId")

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
    shape, word, names = shapes.APPLICATION, "application", ("displayName", "appId")

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
        for i, a in enumerate(items, self.listed):
            if not isinstance(a, dict) or not shapes.text(a, "id"):
                self.fail(self.entity, f"item {i} is not an object with an id")
                continue
            a = shapes.shaped(partial(self.fail, self.entity), f"application {a['id']}", a, shapes.FEDERATED)
            fics = a.get("federatedIdentityCredentials") or []
            if fics:
                self.by_app[a["id"]] = fics
            else:
                self.by_app.pop(a["id"], None)
        self.listed += len(items)

    def commit(self) -> None:
        super().commit()
        self.run.federated = self.by_app
