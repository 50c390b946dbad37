"""The Azure extract's populations that feed grants beyond the directory roles: eligible (PIM) directory
role assignments, application permissions on the risk catalogue's first-party APIs, ARM subscriptions with
their role assignments, eligible role assignments and definitions, and the members of the groups that hold a
grant (steps 3 to 6 of `extract.py`, which calls them in order).

I/O only, through the clients in `populations._Ctx`; an API error on one population becomes its entity's
status, as everywhere in the extract. Eligible assignments (Privileged Identity Management) need Entra ID P2:
where Graph or ARM answer that the tenant is not licensed for it, the entity is ``not_collected`` with that
answer named (eligibility unknown, never "nobody is eligible"); any other error fails it as usual.
"""

from __future__ import annotations

import logging

from ...collected import EntityResult
from .http import ApiError, MalformedResponse
from .populations import PAGE, _Ctx, _guarded, describe
from .raw import RawTenant

# The logger of extract.py, where these populations were written: log lines keep the logger name they had.
log = logging.getLogger("muster.providers.azure.extract")

ARM_VERSION_SUBSCRIPTIONS = "2022-12-01"
ARM_VERSION_AUTHORIZATION = "2022-04-01"
#: roleEligibilityScheduleInstances: the eligibilities in force (one instance per schedule's current period).
ARM_VERSION_ELIGIBILITY = "2020-10-01"
DIRECTORY_ELIGIBILITY = "/roleManagement/directory/roleEligibilityScheduleInstances"
ELIGIBILITY_FIELDS = (
    "id,principalId,roleDefinitionId,directoryScopeId,appScopeId,startDateTime,endDateTime,memberType"
)
#: Error codes with which Graph and ARM refuse PIM to a tenant without Entra ID P2 (ARM: 400
#: AadPremiumLicenseRequired, "The tenant needs an AAD Premium 2 license."); Graph's P1 refusal too.
ELIGIBLE = {"api-version": ARM_VERSION_ELIGIBILITY}
UNLICENSED = frozenset({"AadPremiumLicenseRequired", "Authentication_RequestFromNonPremiumTenantOrB2CTenant"})
GROUP_TYPE = "#microsoft.graph.group"
ASSIGNED_TO_FIELDS = "id,appRoleId,principalId,principalType,principalDisplayName,resourceId,createdDateTime"
#: Graph's "in" filter takes at most 15 values.
MAX_IN = 15


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


def _directory_eligibility(ctx: _Ctx) -> None:
    """Eligible directory role assignments (PIM), as their current schedule instances."""
    params = {"$select": ELIGIBILITY_FIELDS}
    ctx.raw.directory_role_eligibility = _eligibility(
        ctx, "directory_role_eligibility", None, lambda r: ctx.graph.list(DIRECTORY_ELIGIBILITY, params, r)
    )


def _eligibility(ctx: _Ctx, entity: str, feeds_key: str | None, call) -> list | None:
    """One eligibility listing as its own entity: not_collected when the tenant is not licensed for PIM."""
    result = ctx.start(entity, feeds_key)
    try:
        return call(result)
    except ApiError as e:
        if e.status in (400, 403) and (e.code in UNLICENSED or "license" in e.message.lower()):
            why = (
                "not licensed for Privileged Identity Management (Entra ID P2): eligible assignments unknown"
            )
            result.fail(ctx.message(entity, f"{describe(e)}; {why}"), "not_collected")
        else:
            result.fail(ctx.message(entity, describe(e)))
    except MalformedResponse as e:
        result.fail(ctx.message(entity, describe(e)))
    log.warning("%s", result.error)
    return None


def _arm(ctx: _Ctx) -> None:
    result = ctx.start("subscriptions")
    params = {"api-version": ARM_VERSION_SUBSCRIPTIONS}
    listed = _guarded(ctx, result, lambda: ctx.arm.list("/subscriptions", params, result))
    if listed is None:
        return
    ctx.raw.subscriptions_listed = [s for s in listed if isinstance(s, dict)]
    subs = _in_scope(ctx, result, ctx.raw.subscriptions_listed)
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
        path = f"{base}/roleEligibilityScheduleInstances"
        listed_eligible = _eligibility(
            ctx, f"role_eligibility/{sid}", "role_eligibility", lambda r, p=path: ctx.arm.list(p, ELIGIBLE, r)
        )
        if listed_eligible is not None:
            ctx.raw.arm_eligibility[sid] = listed_eligible
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
    directory = raw.directory_role_assignments or []
    for a in directory + (raw.directory_role_eligibility or []) + (raw.app_role_assignments or []):
        if isinstance(a, dict):
            found |= _group_id(a.get("principalId"), a.get("principalType"), group_ids)
    for items in [*raw.arm_assignments.values(), *raw.arm_eligibility.values()]:
        for a in items:
            props = a.get("properties") if isinstance(a, dict) else None
            if isinstance(props, dict):
                found |= _group_id(props.get("principalId"), props.get("principalType"), group_ids)
    return found


def _group_id(principal: object, principal_type: object, group_ids: set[str]) -> set[str]:
    if isinstance(principal, str) and principal and (principal in group_ids or principal_type == "Group"):
        return {principal}
    return set()
