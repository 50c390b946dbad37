"""Read one Entra tenant and its subscriptions into a RawTenant: I/O only, no normalisation.

Each population is one collection entity (see FEEDS) with its own calls, pages, retries and errors. Calls do
not grow with the number of objects: every population is one paged listing (up to 999 objects a page), owners
and federated credentials come through ``$expand``, and app role assignments are listed per *resource* API,
not per client. Steps:

1. Graph ``/organization``: refuse to collect unless the token belongs to the tenant the scope file names.
2. Graph users (``signInActivity`` when licensed, else without it), service principals and applications
   (credentials' dates and key ids, owners), federated identity credentials.
3. Directory role definitions (rolePermissions) and assignments.
4. App role assignments granted on the first-party APIs of the risk catalogue (Microsoft Graph, Exchange
   Online, SharePoint, ...): ``/servicePrincipals/{resource}/appRoleAssignedTo``. Assignments on a
   tenant's own APIs are not listed (they would cost one call per application).
5. Service-principal sign-in activity (Graph **beta**); unavailable means unknown, never "unused".
6. ARM: subscriptions (those the scope file names, or every visible one), then per subscription its role
   assignments (including those inherited from management groups and the root) and role definitions.

An HTTP error or malformed answer on one population becomes that entity's status; connection errors and
anything unexpected propagate so that Airflow retries the task.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from ...collected import EntityResult
from ...config import Tenant
from .http import ApiError, Client, MalformedResponse
from .raw import RawTenant
from .risky_permissions import RESOURCES

log = logging.getLogger(__name__)

ALL_TABLES = "principals,credentials,grants,role_definitions"
#: entity -> the snapshot tables (or table:kind) it feeds. ARM entities are per subscription: "<name>/<sub>".
FEEDS = {
    "organization": ALL_TABLES,
    "users": "principals",
    "service_principals": "principals,credentials",
    "applications": "principals,credentials",
    "federated_credentials": "credentials:federated",
    "directory_role_definitions": "grants,role_definitions",
    "directory_role_assignments": "grants",
    "app_role_assignments": "grants,role_definitions",
    "sp_sign_in_activity": "principals:last_used",
    "subscriptions": "grants,role_definitions",
    "role_assignments": "grants",
    "role_definitions": "grants,role_definitions",
}
ARM_VERSION_SUBSCRIPTIONS = "2022-12-01"
ARM_VERSION_AUTHORIZATION = "2022-04-01"
PAGE = "999"
USER_FIELDS = "id,userPrincipalName,displayName,accountEnabled,userType,createdDateTime"
SP_FIELDS = (
    "id,appId,displayName,servicePrincipalType,accountEnabled,appOwnerOrganizationId,"
    "passwordCredentials,keyCredentials,tags,alternativeNames"
)
APP_FIELDS = "id,appId,displayName,createdDateTime,signInAudience,passwordCredentials,keyCredentials"
OWNERS = "owners($select=id)"
ROLE_DEF_FIELDS = "id,displayName,description,isBuiltIn,isEnabled,templateId,rolePermissions"
ROLE_ASSIGNMENT_FIELDS = "id,principalId,roleDefinitionId,directoryScopeId,appScopeId"
ASSIGNED_TO_FIELDS = "id,appRoleId,principalId,principalType,principalDisplayName,resourceId,createdDateTime"
#: Graph's "in" filter takes at most 15 values.
MAX_IN = 15


@dataclass
class _Ctx:
    tenant: Tenant
    graph: Client
    beta: Client
    arm: Client
    raw: RawTenant

    def start(self, entity: str, feeds_key: str | None = None) -> EntityResult:
        result = EntityResult(entity=entity, feeds=FEEDS[feeds_key or entity])
        self.raw.entities.append(result)
        return result

    def message(self, entity: str, what: str) -> str:
        return f"tenant {self.tenant.id}: {entity}: {what}"


def describe(error: Exception) -> str:
    """One line about an API error: status, code and message, never a payload or a token."""
    return str(error).splitlines()[0][:300] if str(error) else type(error).__name__


def extract_tenant(ctx_clients: dict[str, Client], tenant: Tenant, raw: RawTenant) -> RawTenant:
    """Collect ``tenant``'s Graph and ARM populations through the ``graph``, ``beta`` and ``arm`` clients."""
    ctx = _Ctx(tenant, ctx_clients["graph"], ctx_clients["beta"], ctx_clients["arm"], raw)
    if not _check_organization(ctx):
        return raw
    _users(ctx)
    raw.service_principals = _listing(
        ctx, "service_principals", "/servicePrincipals", {"$select": SP_FIELDS, "$expand": OWNERS}
    )
    raw.applications = _listing(
        ctx, "applications", "/applications", {"$select": APP_FIELDS, "$expand": OWNERS}
    )
    _federated(ctx)
    raw.directory_role_definitions = _listing(
        ctx,
        "directory_role_definitions",
        "/roleManagement/directory/roleDefinitions",
        {"$select": ROLE_DEF_FIELDS},
    )
    raw.directory_role_assignments = _listing(
        ctx,
        "directory_role_assignments",
        "/roleManagement/directory/roleAssignments",
        {"$select": ROLE_ASSIGNMENT_FIELDS},
    )
    _app_role_assignments(ctx)
    _sp_sign_in(ctx)
    _arm(ctx)
    for e in raw.entities:
        log.info("tenant %s: %s %s (%d calls, %d items)", tenant.id, e.entity, e.status, e.api_calls, e.items)
    return raw


def _guarded(ctx: _Ctx, result: EntityResult, call: Callable[[], object], status: str = "failed") -> object:
    """Run one population's calls; an API error or malformed answer becomes the entity's status."""
    try:
        return call()
    except (ApiError, MalformedResponse) as e:
        result.fail(ctx.message(result.entity, describe(e)), status)
        log.warning("%s", result.error)
        return None


def _listing(ctx: _Ctx, entity: str, path: str, params: dict, client: Client | None = None) -> list | None:
    result = ctx.start(entity)
    client = client or ctx.graph
    return _guarded(ctx, result, lambda: client.list(path, {**params, "$top": PAGE}, result))


def _check_organization(ctx: _Ctx) -> bool:
    """False (entity failed) unless Graph says the token's tenant is the one the scope file names."""
    result = ctx.start("organization")
    orgs = _guarded(
        ctx, result, lambda: ctx.graph.list("/organization", {"$select": "id,displayName"}, result)
    )
    if orgs is None:
        return False
    ids = sorted(str(o.get("id")) for o in orgs if isinstance(o, dict))
    if ids != [ctx.tenant.id]:
        result.fail(
            f"refusing to collect: the token's tenant is {', '.join(ids) or 'unknown'}, "
            f"scope file names {ctx.tenant.id}"
        )
        log.error("%s", result.error)
        return False
    return True


def _users(ctx: _Ctx) -> None:
    """Users with signInActivity; without it when the tenant is not licensed for it (Graph answers 403)."""
    result = ctx.start("users")
    params = {"$select": f"{USER_FIELDS},signInActivity", "$top": PAGE}
    try:
        ctx.raw.users = ctx.graph.list("/users", params, result)
        ctx.raw.users_sign_in = True
        return
    except ApiError as e:
        if e.status != 403:
            result.fail(ctx.message("users", describe(e)))
            return
        note = ctx.message(
            "users", f"signInActivity not readable ({describe(e)}); users' last sign-in unknown"
        )
        result.error = note
        log.warning("%s", note)
    except MalformedResponse as e:
        result.fail(ctx.message("users", describe(e)))
        return
    result.pages = result.items = 0
    ctx.raw.users = _guarded(
        ctx, result, lambda: ctx.graph.list("/users", {"$select": USER_FIELDS, "$top": PAGE}, result)
    )


def _federated(ctx: _Ctx) -> None:
    result = ctx.start("federated_credentials")
    params = {"$select": "id", "$expand": "federatedIdentityCredentials", "$top": PAGE}
    apps = _guarded(ctx, result, lambda: ctx.graph.list("/applications", params, result))
    if apps is not None:
        ctx.raw.federated = {
            a["id"]: a.get("federatedIdentityCredentials") or []
            for a in apps
            if isinstance(a, dict) and "id" in a
        }


def _app_role_assignments(ctx: _Ctx) -> None:
    """Application permissions granted on the catalogue's first-party APIs present in the tenant."""
    result = ctx.start("app_role_assignments")
    if ctx.raw.service_principals is None:
        result.fail(ctx.message("app_role_assignments", "service principals not listed: resources unknown"))
        return
    present = sorted(
        {sp.get("appId") for sp in ctx.raw.service_principals if isinstance(sp, dict)} & RESOURCES.keys()
    )

    def collect() -> tuple[list, list]:
        resources: list = []
        for i in range(0, len(present), MAX_IN):
            ids = ",".join(f"'{a}'" for a in present[i : i + MAX_IN])
            params = {"$filter": f"appId in ({ids})", "$select": "id,appId,displayName,appRoles"}
            resources += ctx.graph.list("/servicePrincipals", params, result)
        assignments: list = []
        for res in resources:
            path = f"/servicePrincipals/{res['id']}/appRoleAssignedTo"
            assignments += ctx.graph.list(path, {"$select": ASSIGNED_TO_FIELDS, "$top": PAGE}, result)
        return resources, assignments

    got = _guarded(ctx, result, collect)
    if got is not None:
        ctx.raw.app_role_resources, ctx.raw.app_role_assignments = got


def _sp_sign_in(ctx: _Ctx) -> None:
    """Beta endpoint: an error means the activity is unknown (not collected), not that nothing signed in."""
    result = ctx.start("sp_sign_in_activity")
    path = "/reports/servicePrincipalSignInActivities"
    ctx.raw.sp_sign_in = _guarded(ctx, result, lambda: ctx.beta.list(path, None, result), "not_collected")


def _arm(ctx: _Ctx) -> None:
    result = ctx.start("subscriptions")
    params = {"api-version": ARM_VERSION_SUBSCRIPTIONS}
    listed = _guarded(ctx, result, lambda: ctx.arm.list("/subscriptions", params, result))
    if listed is None:
        return
    subs = _in_scope(ctx, result, [s for s in listed if isinstance(s, dict)])
    ctx.raw.subscriptions = subs
    builtins_read = False
    auth = {"api-version": ARM_VERSION_AUTHORIZATION}
    for sub in subs:
        sid = sub["subscriptionId"]
        base = f"/subscriptions/{sid}/providers/Microsoft.Authorization"
        a = ctx.start(f"role_assignments/{sid}", "role_assignments")
        assignments = _guarded(ctx, a, lambda b=base, r=a: ctx.arm.list(f"{b}/roleAssignments", auth, r))
        if assignments is not None:
            ctx.raw.arm_assignments[sid] = assignments
        d = ctx.start(f"role_definitions/{sid}", "role_definitions")
        # Built-in roles are the same in every subscription: list them once, then only custom roles.
        defs_params = auth if not builtins_read else {**auth, "$filter": "type eq 'CustomRole'"}
        definitions = _guarded(
            ctx, d, lambda b=base, r=d, p=defs_params: ctx.arm.list(f"{b}/roleDefinitions", p, r)
        )
        if definitions is not None:
            ctx.raw.arm_definitions[sid] = definitions
            builtins_read = True


def _in_scope(ctx: _Ctx, result: EntityResult, listed: list[dict]) -> list[dict]:
    """The subscriptions to collect: of this tenant, and named in the scope file when it names any."""
    own = [s for s in listed if s.get("subscriptionId") and s.get("tenantId", ctx.tenant.id) == ctx.tenant.id]
    foreign = sorted(s.get("subscriptionId", "?") for s in listed if s not in own)
    if foreign:
        result.error = ctx.message("subscriptions", f"skipped, homed in another tenant: {', '.join(foreign)}")
    if not ctx.tenant.subscriptions:
        return sorted(own, key=lambda s: s["subscriptionId"])
    wanted = set(ctx.tenant.subscriptions)
    missing = sorted(wanted - {s["subscriptionId"] for s in own})
    if missing:
        result.fail(
            ctx.message("subscriptions", f"named in the scope file but not visible: {', '.join(missing)}"),
            "partial",
        )
    return sorted((s for s in own if s["subscriptionId"] in wanted), key=lambda s: s["subscriptionId"])
