"""Read one Entra tenant and its subscriptions: I/O only, no normalisation.

Each population is one collection entity (see FEEDS) with its own calls, pages, retries and errors. Calls do
not grow with the number of objects: every population is one paged listing (up to 999 objects a page), owners
and federated credentials come through ``$expand``, and app role assignments are listed per *resource* API,
not per client. The big listings are streamed page by page to a ``Sink`` (the transform) and never held
whole; the small ones are kept in the RawTenant. Steps:

1. Graph ``/organization``: refuse to collect unless the token belongs to the tenant the scope file names.
2. Graph users (``signInActivity`` when licensed, else without it); service-principal sign-in activity
   (Graph **beta**; unavailable means unknown, never "unused"), then service principals and applications
   (credentials' dates and key ids, owners), federated identity credentials, groups. Streamed.
3. Directory role definitions (rolePermissions) and assignments.
4. App role assignments granted on the first-party APIs of the risk catalogue (Microsoft Graph, Exchange
   Online, SharePoint, ...): ``/servicePrincipals/{resource}/appRoleAssignedTo``. Assignments on a
   tenant's own APIs are not listed (they would cost one call per application).
5. ARM: subscriptions (those the scope file names, or every visible one), then per subscription its role
   assignments (including those inherited from management groups and the root) and role definitions.
6. Members of the groups that hold a grant (``/groups/{id}/members``), and of the groups nested in them,
   each group once: one listing per granted or nested group, not per group of the tenant. Direct members
   are kept per group; the transform expands nesting where the grant honours it.

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
from .raw import RawTenant, Sink
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
    "groups": "principals",
    "group_members": "grants",
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
GROUP_FIELDS = "id,displayName,description,mail,securityEnabled,mailEnabled,groupTypes,isAssignableToRole,createdDateTime"
GROUP_TYPE = "#microsoft.graph.group"
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
    sink: Sink

    def start(self, entity: str, feeds_key: str | None = None) -> EntityResult:
        result = EntityResult(entity=entity, feeds=FEEDS[feeds_key or entity])
        self.raw.entities.append(result)
        return result

    def message(self, entity: str, what: str) -> str:
        return f"tenant {self.tenant.id}: {entity}: {what}"


def describe(error: Exception) -> str:
    """One line about an API error: status, code and message, never a payload or a token."""
    return str(error).splitlines()[0][:300] if str(error) else type(error).__name__


def extract_tenant(ctx_clients: dict[str, Client], tenant: Tenant, raw: RawTenant, sink: Sink) -> RawTenant:
    """Collect ``tenant``'s Graph and ARM populations through the ``graph``, ``beta`` and ``arm`` clients;
    the big listings go to ``sink`` page by page."""
    ctx = _Ctx(tenant, ctx_clients["graph"], ctx_clients["beta"], ctx_clients["arm"], raw, sink)
    if not _check_organization(ctx):
        return raw
    first_party, group_ids = _identities(ctx)
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
    _app_role_assignments(ctx, first_party)
    _arm(ctx)
    _group_members(ctx, group_ids)
    for e in raw.entities:
        log.info("tenant %s: %s %s (%d calls, %d items)", tenant.id, e.entity, e.status, e.api_calls, e.items)
    return raw


def _identities(ctx: _Ctx) -> tuple[list[str] | None, set[str] | None]:
    """Stream the identity listings to the sink (sign-in activity before the service principals that use
    it). Returns the first-party resource appIds among the service principals and the group ids (None when
    that listing failed)."""
    _users(ctx)
    result = ctx.start("sp_sign_in_activity")
    path = "/reports/servicePrincipalSignInActivities"
    _guarded(ctx, result, lambda: _stream(ctx, result, ctx.beta, path, None), "not_collected")
    first_party: set[str] = set()
    sps = _streamed(
        ctx,
        "service_principals",
        "/servicePrincipals",
        {"$select": SP_FIELDS, "$expand": OWNERS},
        lambda page: first_party.update(_first_party(page)),
    )
    _streamed(ctx, "applications", "/applications", {"$select": APP_FIELDS, "$expand": OWNERS})
    fics = {"$select": "id", "$expand": "federatedIdentityCredentials"}
    _streamed(ctx, "federated_credentials", "/applications", fics)
    group_ids: set[str] = set()
    groups = _streamed(
        ctx, "groups", "/groups", {"$select": GROUP_FIELDS}, lambda p: group_ids.update(_ids(p))
    )
    return (sorted(first_party) if sps else None), (group_ids if groups else None)


def _ids(page: list) -> set[str]:
    return {o["id"] for o in page if isinstance(o, dict) and isinstance(o.get("id"), str)}


def _first_party(page: list) -> set:
    """appIds of the risk catalogue's first-party APIs among a page of service principals."""
    return {sp.get("appId") for sp in page if isinstance(sp, dict)} & RESOURCES.keys()


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


def _stream(
    ctx: _Ctx, result: EntityResult, client: Client, path: str, params: dict | None, on_page=None
) -> bool:
    """Hand every page of a listing to the sink; the sink hears whether the listing was read to the end."""
    ctx.sink.begin(result.entity)
    complete = False
    try:
        for page in client.pages(path, params, result):
            if on_page is not None:
                on_page(page)
            ctx.sink.page(result.entity, page)
        complete = True
    finally:
        ctx.sink.end(result.entity, complete)
    return complete


def _streamed(ctx: _Ctx, entity: str, path: str, params: dict, on_page=None) -> bool:
    """A streamed Graph listing as one entity; False when it failed (the entity says why)."""
    result = ctx.start(entity)
    call = lambda: _stream(ctx, result, ctx.graph, path, {**params, "$top": PAGE}, on_page)  # noqa: E731
    return _guarded(ctx, result, call) is not None


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
    ctx.raw.users_sign_in = True
    try:
        _stream(ctx, result, ctx.graph, "/users", params)
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
    ctx.raw.users_sign_in = False
    params = {"$select": USER_FIELDS, "$top": PAGE}
    _guarded(ctx, result, lambda: _stream(ctx, result, ctx.graph, "/users", params))


def _app_role_assignments(ctx: _Ctx, present: list[str] | None) -> None:
    """Application permissions granted on the catalogue's first-party APIs present in the tenant
    (``present``: their appIds among the service principals; None when those could not be listed)."""
    result = ctx.start("app_role_assignments")
    if present is None:
        result.fail(ctx.message("app_role_assignments", "service principals not listed: resources unknown"))
        return

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


def _group_members(ctx: _Ctx, group_ids: set[str] | None) -> None:
    """Direct members of every group that holds a grant and of every group nested in one (each listed once).
    A group whose members cannot be listed is recorded as None (its grants reach no member: partial)."""
    result = ctx.start("group_members")
    if group_ids is None:
        result.fail(ctx.message("group_members", "groups not listed: grants held through groups unknown"))
        return
    members: dict[str, list | None] = {}
    queue = sorted(_granted(ctx.raw, group_ids))
    while queue:
        gid = queue.pop(0)
        if gid in members:
            continue
        path = f"/groups/{gid}/members"
        try:
            listed = ctx.graph.list(path, {"$select": "id", "$top": PAGE}, result)
        except (ApiError, MalformedResponse) as e:
            members[gid] = None
            result.fail(ctx.message("group_members", f"group {gid}: {describe(e)}"), "partial")
            log.warning("%s", result.error)
            continue
        members[gid] = listed
        nested = {m["id"] for m in listed if isinstance(m, dict) and m.get("@odata.type") == GROUP_TYPE}
        queue += sorted(i for i in nested - members.keys() if isinstance(i, str))
    if members and all(v is None for v in members.values()):
        result.fail(ctx.message("group_members", "no group's members could be listed"))
    ctx.raw.group_members = members


def _granted(raw: RawTenant, group_ids: set[str]) -> set[str]:
    """Grantees that are groups: listed as groups, or said to be by an assignment's principalType."""
    found: set[str] = set()
    for a in (raw.directory_role_assignments or []) + (raw.app_role_assignments or []):
        if isinstance(a, dict):
            found |= _group_id(a.get("principalId"), a.get("principalType"), group_ids)
    for items in raw.arm_assignments.values():
        for a in items:
            props = a.get("properties") if isinstance(a, dict) else None
            if isinstance(props, dict):
                found |= _group_id(props.get("principalId"), props.get("principalType"), group_ids)
    return found


def _group_id(principal: object, principal_type: object, group_ids: set[str]) -> set[str]:
    if isinstance(principal, str) and principal and (principal in group_ids or principal_type == "Group"):
        return {principal}
    return set()
