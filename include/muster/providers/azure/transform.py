"""Azure transform: one Entra tenant's raw Graph/ARM objects -> normalised rows of the snapshot tables.

Pure: no I/O, no clock (``raw.observed_at`` decides expiry), no SDK. A malformed object never raises: it is
skipped or its field becomes None, and the entity that supplied it turns ``partial`` with a message naming
tenant, entity, object and field.

Mapping (provider-neutral kinds, so that no rule downstream needs an Azure branch):

* users -> ``human_user`` (``service_user`` when the scope file or the service-name patterns say so);
* service principals -> ``service_principal`` (Application, Legacy, SocialIdp) or ``managed_identity``;
* applications (app registrations) -> ``application``; their password / key / federated credentials are
  ``client_secret`` / ``certificate`` / ``federated`` rows held by the application object. Grants are held
  by the application's service principal (same appId); the nhi_reason of both names the other;
* directory role assignments, app role assignments (application permissions) and Azure RBAC assignments ->
  grants whose privilege comes from the permissions (privilege.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

from ...collected import Collected, EntityResult
from ...config import Tenant
from . import privilege as pv
from .extract import FEEDS
from .raw import RawTenant
from .risky_permissions import APP_PERMISSIONS, RESOURCES

MAX_NAMES = 20
KINDS = {"ManagedIdentity": "managed_identity"}
DEFAULT_APP_ROLE = "00000000-0000-0000-0000-000000000000"


def parse_time(value: object) -> dt.datetime:
    """An aware UTC datetime from Graph/ARM ISO-8601 text (``Z``, offsets, up to 7 fraction digits)."""
    if not isinstance(value, str):
        raise TypeError("not a string")
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("no timezone")
    return parsed.astimezone(dt.UTC)


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class Run:
    """Output, entity ledger and shared lookups of one tenant's transform."""

    def __init__(self, raw: RawTenant, tenant: Tenant, snapshot_date: dt.date) -> None:
        self.raw, self.tenant = raw, tenant
        self.base = {"provider": "azure", "tenant_id": raw.tenant_id, "snapshot_date": snapshot_date}
        self.out = Collected("azure", raw.tenant_id, snapshot_date, caller_identity=raw.caller)
        self.entities = {e.entity: dataclasses.replace(e) for e in raw.entities}
        self.out.entities = list(self.entities.values())
        self.ids: dict[str, str] = {}
        self.names: dict[str, str] = {}  # object id -> UPN / display name, for owners
        self.grant_keys: set[tuple] = set()
        self.roles: dict[str, dict] = {}  # role_id -> role_definitions row
        self.referenced: set[str] = set()
        self.problems: dict[str, list[str]] = {}

    def fail(self, entity: str, what: str) -> None:
        """Collect a problem; one message per entity is written at the end (bounded, sorted)."""
        self.problems.setdefault(entity, []).append(what)

    def time(self, value: object, entity: str, what: str, field: str) -> dt.datetime | None:
        if value is None or value == "":
            return None
        try:
            return parse_time(value)
        except (ValueError, TypeError):
            self.fail(entity, f"{what} field {field} is not an ISO-8601 date-time")
            return None

    def claim(self, object_id: str, label: str, entity: str) -> bool:
        first = self.ids.setdefault(object_id, label)
        if first != label:
            self.fail(entity, f"{label} has the same id {object_id} as {first}; skipped")
            return False
        return True

    def grant(self, entity: str, row: dict) -> None:
        key = (row["principal_id"], row["role_id"], row["scope"], row["via"])
        if key in self.grant_keys:
            return  # inherited assignments are listed once per subscription
        self.grant_keys.add(key)
        self.referenced.add(row["role_id"])
        self.out.grants.append({**self.base, **row})

    def finish(self) -> Collected:
        for entity, problems in sorted(self.problems.items()):
            e = self.entities.get(entity) or self._add(entity)
            unique = sorted(set(problems))
            shown = "; ".join(unique[:MAX_NAMES])
            more = f"; and {len(unique) - MAX_NAMES} more" if len(unique) > MAX_NAMES else ""
            e.fail(f"tenant {self.raw.tenant_id}: {entity}: {shown}{more}", "partial")
        for rid, row in sorted(self.roles.items()):
            keep = row.pop("_keep")
            if keep or rid in self.referenced:
                self.out.role_definitions.append({**self.base, **row})
        return self.out

    def _add(self, entity: str) -> EntityResult:
        e = EntityResult(entity, FEEDS.get(entity.split("/")[0], "principals"))
        self.entities[entity] = e
        self.out.entities.append(e)
        return e


def transform_tenant(raw: RawTenant, tenant: Tenant, snapshot_date: dt.date) -> Collected:
    """Normalise one tenant's raw Graph and ARM objects into rows and an entity ledger."""
    run = Run(raw, tenant, snapshot_date)
    _users(run)
    apps = _by_app_id(run)
    _service_principals(run, apps)
    _applications(run, apps)
    _directory_roles(run)
    _app_roles(run)
    _arm(run)
    return run.finish()


def _objects(run: Run, items: list | None, entity: str) -> list[dict]:
    out = []
    for i, item in enumerate(items or []):
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
            out.append(item)
        else:
            run.fail(entity, f"item {i} is not an object with an id")
    return out


# -- identities --------------------------------------------------------------------------------------
def _classify_user(run: Run, oid: str, upn: str, user_type: str | None) -> tuple[bool, str]:
    override = run.tenant.identity_overrides.get(upn) or run.tenant.identity_overrides.get(oid)
    if override:
        return override == "nhi", f"scope file identity_overrides: {override}"
    local = upn.split("@", 1)[0]
    for p in run.tenant.classification.service_name_patterns:
        if re.search(p, local, re.I):
            return True, f"user name matches service pattern {p!r}"
    return False, f"Entra user (userType={user_type or 'unknown'})"


def _sign_in(run: Run, user: dict, what: str) -> tuple[dt.datetime | None, str | None]:
    if not run.raw.users_sign_in:
        return None, "unknown: signInActivity not readable (needs Entra ID P1/P2)"
    activity = user.get("signInActivity")
    if not isinstance(activity, dict):
        return None, "signInActivity: no sign-in recorded"
    best, source = None, None
    for field in ("lastSignInDateTime", "lastNonInteractiveSignInDateTime", "lastSuccessfulSignInDateTime"):
        when = run.time(activity.get(field), "users", what, f"signInActivity.{field}")
        if when and (best is None or when > best):
            best, source = when, f"signInActivity.{field}"
    return best, source or "signInActivity: no sign-in recorded"


def _users(run: Run) -> None:
    for user in _objects(run, run.raw.users, "users"):
        oid = user["id"]
        upn = user.get("userPrincipalName") or user.get("displayName") or oid
        what = f"user {upn}"
        if not run.claim(oid, what, "users"):
            continue
        run.names[oid] = upn
        is_nhi, reason = _classify_user(run, oid, upn, user.get("userType"))
        used, source = _sign_in(run, user, what)
        owner = run.tenant.owners.get(upn) or run.tenant.owners.get(oid)
        run.out.principals.append(
            {
                **run.base,
                "principal_id": oid,
                "name": upn,
                "arn_or_resource": f"/users/{oid}",
                "kind": "service_user" if is_nhi else "human_user",
                "is_nhi": is_nhi,
                "nhi_reason": reason,
                "enabled": _bool(user.get("accountEnabled")),
                "console_access": _bool(user.get("accountEnabled")),
                "mfa_enabled": None,
                "path": None,
                "created_at": run.time(user.get("createdDateTime"), "users", what, "createdDateTime"),
                "last_used_at": used,
                "last_used_source": source,
                "owner": owner,
                "owner_source": "scope-file" if owner else None,
                "boundary_role_id": None,
                "tags": {},
            }
        )


def _bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _by_app_id(run: Run) -> dict[str, dict]:
    """appId -> the application object of this tenant (for owners and to link app and principal)."""
    apps = {}
    for app in _objects(run, run.raw.applications, "applications"):
        if app.get("appId"):
            apps[app["appId"]] = app
    for sp in _objects(run, run.raw.service_principals, "service_principals"):
        run.names.setdefault(sp["id"], sp.get("displayName") or sp["id"])
    return apps


def _owner(run: Run, name: str, oid: str, *holders: dict | None) -> tuple[str | None, str | None]:
    override = run.tenant.owners.get(name) or run.tenant.owners.get(oid)
    if override:
        return override, "scope-file"
    for holder, source in zip(holders, ("entra-owners", "entra-owners:application"), strict=False):
        owners = holder.get("owners") if isinstance(holder, dict) else None
        ids = sorted({o["id"] for o in owners or [] if isinstance(o, dict) and o.get("id")})
        if ids:
            return ", ".join(sorted(run.names.get(i, i) for i in ids)), source
    return None, None


def _sp_sign_in(run: Run) -> dict[str, tuple[dt.datetime | None, str]]:
    out = {}
    for item in run.raw.sp_sign_in or []:
        if not isinstance(item, dict) or not item.get("appId"):
            continue
        activity = item.get("lastSignInActivity") or {}
        when = run.time(
            activity.get("lastSignInDateTime"),
            "sp_sign_in_activity",
            f"appId {item['appId']}",
            "lastSignInActivity",
        )
        out[item["appId"]] = (when, "beta:servicePrincipalSignInActivities.lastSignInActivity")
    return out


def _service_principals(run: Run, apps: dict[str, dict]) -> None:
    activity = _sp_sign_in(run) if run.raw.sp_sign_in is not None else None
    for sp in _objects(run, run.raw.service_principals, "service_principals"):
        oid, app_id = sp["id"], sp.get("appId")
        name = sp.get("displayName") or app_id or oid
        what = f"service principal {name}"
        if not run.claim(oid, what, "service_principals"):
            continue
        sp_type = sp.get("servicePrincipalType") or "unknown"
        kind = KINDS.get(sp_type, "service_principal")
        app = apps.get(app_id)
        owner, owner_source = _owner(run, name, oid, sp, app)
        if activity is None:
            used, source = None, "unknown: servicePrincipalSignInActivities (beta) not collected"
        else:
            used, source = activity.get(
                app_id, (None, "servicePrincipalSignInActivities: no sign-in reported")
            )
        reason = f"service principal (servicePrincipalType={sp_type})"
        if app is not None:
            reason += f"; its application registration is {app['id']}"
        run.out.principals.append(
            {
                **run.base,
                "principal_id": oid,
                "name": name,
                "arn_or_resource": _mi_resource(sp) or f"/servicePrincipals/{oid}",
                "kind": kind,
                "is_nhi": True,
                "nhi_reason": reason,
                "enabled": _bool(sp.get("accountEnabled")),
                "console_access": None,
                "mfa_enabled": None,
                "path": None,
                "created_at": None,
                "last_used_at": used,
                "last_used_source": source,
                "owner": owner,
                "owner_source": owner_source,
                "boundary_role_id": None,
                "tags": {str(t): "" for t in sorted(sp.get("tags") or []) if isinstance(t, str)},
            }
        )
        managed = "provider" if kind == "managed_identity" else "user"
        _credentials(run, "service_principals", oid, what, sp, managed)


def _mi_resource(sp: dict) -> str | None:
    """A managed identity's ARM resource id, which Graph lists among its alternativeNames."""
    for alt in sp.get("alternativeNames") or []:
        if isinstance(alt, str) and alt.lower().startswith("/subscriptions/"):
            return alt
    return None


def _applications(run: Run, apps: dict[str, dict]) -> None:
    sps = {sp.get("appId"): sp for sp in _objects(run, run.raw.service_principals, "service_principals")}
    federated = run.raw.federated
    for app in _objects(run, run.raw.applications, "applications"):
        oid, app_id = app["id"], app.get("appId")
        name = app.get("displayName") or app_id or oid
        what = f"application {name}"
        if not run.claim(oid, what, "applications"):
            continue
        sp = sps.get(app_id)
        owner, owner_source = _owner(run, name, oid, app)
        reason = "application registration" + (
            f"; its service principal {sp['id']} holds its grants"
            if sp
            else "; no service principal in this tenant"
        )
        run.out.principals.append(
            {
                **run.base,
                "principal_id": oid,
                "name": name,
                "arn_or_resource": f"/applications/{oid}",
                "kind": "application",
                "is_nhi": True,
                "nhi_reason": reason,
                "enabled": _bool(sp.get("accountEnabled")) if sp else None,
                "console_access": None,
                "mfa_enabled": None,
                "path": None,
                "created_at": run.time(app.get("createdDateTime"), "applications", what, "createdDateTime"),
                "last_used_at": None,
                "last_used_source": "see its service principal's last_used_at",
                "owner": owner,
                "owner_source": owner_source,
                "boundary_role_id": None,
                "tags": {},
            }
        )
        _credentials(run, "applications", oid, what, app, "user")
        if federated is not None:
            _federated(run, oid, what, federated.get(oid) or [])


# -- credentials -------------------------------------------------------------------------------------
def _credentials(run: Run, entity: str, oid: str, what: str, holder: dict, managed_by: str) -> None:
    """passwordCredentials -> client_secret, keyCredentials -> certificate; dates and ids only."""
    for field, kind in (("passwordCredentials", "client_secret"), ("keyCredentials", "certificate")):
        items = holder.get(field) or []
        if not isinstance(items, list):
            run.fail(entity, f"{what} field {field} is not a list")
            continue
        seen: set[str] = set()
        for i, cred in enumerate(items):
            key_id = cred.get("keyId") if isinstance(cred, dict) else None
            if not key_id or key_id in seen:
                run.fail(entity, f"{what} {field}[{i}] has no keyId, or repeats one; skipped")
                continue
            seen.add(key_id)
            start = run.time(cred.get("startDateTime"), entity, f"{what} {field} {key_id}", "startDateTime")
            end = run.time(cred.get("endDateTime"), entity, f"{what} {field} {key_id}", "endDateTime")
            run.out.credentials.append(
                {
                    **run.base,
                    # A key id is unique per list, not per object: one object's secret and certificate
                    # may share it (seen in ScubaGear's mock data), so the kind is part of the id.
                    "credential_id": f"{oid}/{kind}/{key_id}",
                    "principal_id": oid,
                    "kind": kind,
                    "external_id": key_id,
                    "status": _status(run.raw.observed_at, start, end),
                    "managed_by": managed_by,
                    "created_at": start,
                    "expires_at": end,
                    "last_used_at": None,
                    "last_used_source": "unknown: Graph reports no per-credential use in v1.0",
                    "last_used_service": None,
                    "last_used_region": None,
                }
            )


def _status(now: dt.datetime, start: dt.datetime | None, end: dt.datetime | None) -> str:
    if end is not None and end <= now:
        return "expired"
    if start is not None and start > now:
        return "inactive"
    return "active"


def _federated(run: Run, oid: str, what: str, items: list) -> None:
    for i, fic in enumerate(items):
        if not isinstance(fic, dict) or not fic.get("id"):
            run.fail("federated_credentials", f"{what} federatedIdentityCredentials[{i}] has no id")
            continue
        run.out.credentials.append(
            {
                **run.base,
                "credential_id": f"{oid}/federated/{fic['id']}",
                "principal_id": oid,
                "kind": "federated",
                "external_id": f"{fic.get('issuer') or '?'} {fic.get('subject') or '?'}",
                "status": "active",
                "managed_by": "user",
                "created_at": None,
                "expires_at": None,
                "last_used_at": None,
                "last_used_source": "unknown: Graph reports no federated credential use",
                "last_used_service": None,
                "last_used_region": None,
            }
        )


# -- grants ------------------------------------------------------------------------------------------
def _role_row(
    role_id: str, name: str, role_type: str, description, document, keep: bool, created=None, updated=None
) -> dict:
    return {
        "role_id": role_id,
        "role_name": name,
        "role_type": role_type,
        "description": description or None,
        "document": canonical(document),
        "version_id": None,
        "created_at": created,
        "updated_at": updated,
        "_keep": keep,
    }


def _directory_roles(run: Run) -> None:
    verdicts = {}
    for d in _objects(run, run.raw.directory_role_definitions, "directory_role_definitions"):
        role_id = f"/roleManagement/directory/roleDefinitions/{d['id']}"
        name = d.get("displayName") or d["id"]
        verdicts[d["id"]] = (role_id, name, *pv.directory_privilege(d.get("rolePermissions"), name))
        document = {"rolePermissions": d.get("rolePermissions"), "isBuiltIn": d.get("isBuiltIn")}
        run.roles[role_id] = _role_row(
            role_id, name, "directory_role", d.get("description"), document, d.get("isBuiltIn") is False
        )
    for a in _objects(run, run.raw.directory_role_assignments, "directory_role_assignments"):
        principal, def_id = a.get("principalId"), a.get("roleDefinitionId")
        if not principal or not def_id:
            run.fail(
                "directory_role_assignments", f"assignment {a['id']} has no principalId or roleDefinitionId"
            )
            continue
        role_id, name, verdict, reasons = verdicts.get(
            def_id,
            (
                f"/roleManagement/directory/roleDefinitions/{def_id}",
                def_id,
                pv.UNKNOWN,
                [f"role definition {def_id} not listed"],
            ),
        )
        scope = a.get("directoryScopeId") or "/"
        app_scope = a.get("appScopeId")
        run.grant(
            "directory_role_assignments",
            {
                "principal_id": principal,
                "role_id": role_id,
                "role_name": name,
                "scope": f"directory:{scope}" + (f" app:{app_scope}" if app_scope else ""),
                "via": "direct",
                "condition": None,
                "privilege": verdict,
                "privilege_reasons": reasons,
            },
        )


def _app_roles(run: Run) -> None:
    resources = {}
    for res in _objects(run, run.raw.app_role_resources, "app_role_assignments"):
        roles = {r.get("id"): r for r in res.get("appRoles") or [] if isinstance(r, dict)}
        resources[res["id"]] = (res.get("appId"), res.get("displayName"), roles)
    for a in _objects(run, run.raw.app_role_assignments, "app_role_assignments"):
        principal, role, res_id = a.get("principalId"), a.get("appRoleId"), a.get("resourceId")
        if not principal or not role or res_id not in resources:
            run.fail(
                "app_role_assignments",
                f"assignment {a['id']} lacks principalId, appRoleId or a listed resourceId",
            )
            continue
        app_id, res_name, roles = resources[res_id]
        res_name = res_name or RESOURCES.get(app_id) or app_id
        catalogue = APP_PERMISSIONS.get(app_id, {}).get(role)
        value = (roles.get(role) or {}).get("value") or (catalogue[0] if catalogue else None)
        if role == DEFAULT_APP_ROLE:
            value, verdict, reasons = (
                "default access",
                pv.READ,
                [f"default app role on {res_name}: no permissions"],
            )
        else:
            verdict, reasons = pv.app_permission_privilege(
                value, res_name, catalogue[1] if catalogue else None
            )
        scope = f"/servicePrincipals(appId='{app_id}')"
        role_id = f"{scope}/appRoles/{role}"
        run.grant(
            "app_role_assignments",
            {
                "principal_id": principal,
                "role_id": role_id,
                "role_name": f"{res_name}: {value or role}",
                "scope": scope,
                "via": "direct",
                "condition": None,
                "privilege": verdict,
                "privilege_reasons": reasons,
            },
        )
        document = {"resource": res_name, "resourceAppId": app_id, "appRoleId": role, "value": value}
        run.roles.setdefault(
            role_id,
            _role_row(
                role_id,
                f"{res_name}: {value or role}",
                "app_role",
                (roles.get(role) or {}).get("description"),
                document,
                False,
            ),
        )


def _arm_role_id(definition_id: str) -> str:
    """The subscription-independent id of an Azure role definition (its GUID is unique in the tenant)."""
    return f"/providers/Microsoft.Authorization/roleDefinitions/{definition_id.rstrip('/').rsplit('/', 1)[-1].lower()}"


def _arm(run: Run) -> None:
    definitions = {}
    for sid, items in sorted(run.raw.arm_definitions.items()):
        for d in _objects(run, items, f"role_definitions/{sid}"):
            props = d.get("properties") if isinstance(d.get("properties"), dict) else {}
            role_id = _arm_role_id(d["id"])
            if role_id in definitions:
                continue
            name = props.get("roleName") or d.get("name") or role_id
            definitions[role_id] = (name, *pv.arm_privilege(props.get("permissions"), name))
            custom = props.get("type") == "CustomRole"
            document = {
                "permissions": props.get("permissions"),
                "assignableScopes": props.get("assignableScopes"),
            }
            what = f"role definition {name}"
            run.roles[role_id] = _role_row(
                role_id,
                name,
                "custom" if custom else "builtin",
                props.get("description"),
                document,
                custom,
                run.time(props.get("createdOn"), f"role_definitions/{sid}", what, "createdOn"),
                run.time(props.get("updatedOn"), f"role_definitions/{sid}", what, "updatedOn"),
            )
    for sid, items in sorted(run.raw.arm_assignments.items()):
        entity = f"role_assignments/{sid}"
        for a in _objects(run, items, entity):
            props = a.get("properties") if isinstance(a.get("properties"), dict) else {}
            principal, def_id, scope = (
                props.get("principalId"),
                props.get("roleDefinitionId"),
                props.get("scope"),
            )
            if not principal or not def_id or not scope:
                run.fail(entity, f"assignment {a['id']} lacks principalId, roleDefinitionId or scope")
                continue
            role_id = _arm_role_id(def_id)
            name, verdict, reasons = definitions.get(
                role_id, (role_id, pv.UNKNOWN, [f"role definition {role_id} not listed"])
            )
            condition = props.get("condition")
            run.grant(
                entity,
                {
                    "principal_id": principal,
                    "role_id": role_id,
                    "role_name": name,
                    "scope": scope,
                    "via": "direct",
                    "condition": canonical(
                        {"condition": condition, "conditionVersion": props.get("conditionVersion")}
                    )
                    if condition
                    else None,
                    "privilege": verdict,
                    "privilege_reasons": reasons,
                },
            )
