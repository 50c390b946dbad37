"""Read one Entra tenant and its subscriptions: I/O only, no normalisation.

Each population is one collection entity (see FEEDS) with its own calls, pages, retries and errors. Calls do
not grow with the number of objects: every population is one paged listing (up to 999 objects a page; the
reports at the service's own page size, as they document no $top), owners and federated credentials come
through ``$expand``, and app role assignments are listed per *resource* API, not per client. The big listings are streamed page by page to a ``Sink`` (the transform) and never held
whole; the small ones are kept in the RawTenant. Steps:

1. Graph ``/organization``: refuse to collect unless the token belongs to the tenant the scope file names.
2. Graph users (``signInActivity`` when licensed, else without it); users' MFA registration (the
   authentication methods registration report, ``isMfaRegistered``); service-principal sign-in activity and
   application credentials' sign-in activity (Graph **beta**); then service principals and applications
   (credentials' dates and key ids, owners), federated identity credentials, groups. Streamed. The three
   reports need Entra ID P1/P2 and AuditLog.Read.All. Each is its own entity: one that cannot be read
   (403 or 404 for want of a licence or permission, or any other error or malformed page) is
   ``not_collected`` with Graph's answer or the failure named, and what it would have said is unknown (null),
   never "unused" or "no MFA". They only complete rows the listings observed, so their loss leaves those
   tables complete, with the missing part named in the manifest, instead of partial: a partial principals
   table would make the rules' verdicts on the whole tenant unknown for want of one column.
3. Directory role definitions (rolePermissions) and assignments, active and eligible: Privileged Identity
   Management's ``roleEligibilityScheduleInstances`` (Entra ID P2; where the tenant is not licensed for it the
   entity is ``not_collected`` with Graph's answer, eligibility unknown, never "no eligible admins").
4. App role assignments granted on the first-party APIs of the risk catalogue (Microsoft Graph, Exchange
   Online, SharePoint, ...): ``/servicePrincipals/{resource}/appRoleAssignedTo``. Assignments on a
   tenant's own APIs are not listed (they would cost one call per application).
5. ARM: subscriptions (those the scope file names, or every visible one; the whole listing is kept for the
   discovery record), then per subscription its role assignments and eligible (PIM) role assignment instances
   (both including those inherited from management groups and the root) and role definitions.
6. Members of the groups that hold a grant (``/groups/{id}/members``), and of the groups nested in them,
   each group once: one listing per granted or nested group, not per group of the tenant. Direct members
   are kept per group; the transform expands nesting where the grant honours it.

An HTTP error or malformed answer on one population becomes that entity's status; connection errors and
anything unexpected propagate so that Airflow retries the task. Steps 1 to 3 are here (but for the eligible
assignments), the eligible assignments and steps 4 to 6 in `extract_grants.py`; the entity catalogue (``FEEDS``) and the helpers that read one population in
`populations.py`.
"""

from __future__ import annotations

import logging

from ...config import Tenant
from .extract_grants import _app_role_assignments, _arm, _directory_eligibility, _group_members
from .http import ApiError, Client, MalformedResponse
from .populations import PAGE, _Ctx, _guarded, _listing, _stream, _streamed, describe
from .raw import RawTenant, Sink
from .reports import CREDENTIAL_ENTITY, MFA_ENTITY
from .risky_permissions import RESOURCES

log = logging.getLogger(__name__)

USER_FIELDS = "id,userPrincipalName,displayName,accountEnabled,userType,createdDateTime"
SP_FIELDS = (
    "id,appId,displayName,servicePrincipalType,accountEnabled,appOwnerOrganizationId,"
    "passwordCredentials,keyCredentials,tags,alternativeNames"
)
APP_FIELDS = "id,appId,displayName,createdDateTime,signInAudience,passwordCredentials,keyCredentials"
OWNERS = "owners($select=id)"
GROUP_FIELDS = "id,displayName,description,mail,securityEnabled,mailEnabled,groupTypes,isAssignableToRole,createdDateTime"
ROLE_DEF_FIELDS = "id,displayName,description,isBuiltIn,isEnabled,templateId,rolePermissions"
ROLE_ASSIGNMENT_FIELDS = "id,principalId,roleDefinitionId,directoryScopeId,appScopeId"
#: Reports listed without query options: their documented ones are $filter and $orderby only.
MFA_REPORT = "/reports/authenticationMethods/userRegistrationDetails"
CREDENTIAL_REPORT = "/reports/appCredentialSignInActivities"
#: A report answering these is unavailable to the tenant or the caller (no licence, no permission, a cloud
#: without the report): not collected, not failed.


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
    _directory_eligibility(ctx)
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
    _report(ctx, MFA_ENTITY, ctx.graph, MFA_REPORT, "users' MFA registration unknown")
    result = ctx.start("sp_sign_in_activity")
    path = "/reports/servicePrincipalSignInActivities"
    _guarded(ctx, result, lambda: _stream(ctx, result, ctx.beta, path, None), "not_collected")
    _report(ctx, CREDENTIAL_ENTITY, ctx.beta, CREDENTIAL_REPORT, "credentials' last use unknown")
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


def _report(ctx: _Ctx, entity: str, client: Client, path: str, consequence: str) -> None:
    """Stream one report as its own entity; see the module docstring for what its errors become."""
    result = ctx.start(entity)
    try:
        _stream(ctx, result, client, path, None)
    except (ApiError, MalformedResponse) as e:
        result.fail(ctx.message(entity, f"{describe(e)}; {consequence}"), "not_collected")
        log.warning("%s", result.error)


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
