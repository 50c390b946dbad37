"""What the Azure fake (`azure_fake.py`) serves, and the pure pieces of its answers.

The ``World`` (one tenant's Graph and ARM wire objects) and the ``Fault``s injected into it; Graph / ARM
errors and their bodies; paging tokens, ``$select`` projection and ``$filter=appId in (...)``; typing
directory objects, expanding group membership and the scopes a subscription inherits from. Kept apart from
the request routing and the HTTP server (`azure_fake.py`) so that `sandbox/azure.py`, which builds a world,
does not import the server, and so that these functions of plain data can be read on their own.
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass, field


@dataclass
class Fault:
    """Answer ``status`` to requests whose path starts with ``prefix``: every ``every``-th one, at most
    ``times`` times (None: always)."""

    prefix: str
    status: int
    every: int = 1
    times: int | None = None
    retry_after: str | None = None
    code: str | None = None
    seen: int = 0
    fired: int = 0

    def fires(self, path: str) -> bool:
        if not path.startswith(self.prefix):
            return False
        self.seen += 1
        if self.seen % self.every or (self.times is not None and self.fired >= self.times):
            return False
        self.fired += 1
        return True


@dataclass
class World:
    """One Entra tenant and its subscriptions, as Graph and ARM would return them."""

    tenant_id: str
    display_name: str = "Sandbox tenant"
    users: list[dict] = field(default_factory=list)
    service_principals: list[dict] = field(default_factory=list)
    applications: list[dict] = field(default_factory=list)
    #: object id -> owner object ids (applications and service principals).
    owners: dict[str, list[str]] = field(default_factory=dict)
    #: application object id -> federatedIdentityCredentials.
    federated: dict[str, list[dict]] = field(default_factory=dict)
    groups: list[dict] = field(default_factory=list)
    #: group id -> the object ids of its direct members (users, service principals, groups).
    group_members: dict[str, list[str]] = field(default_factory=dict)
    directory_role_definitions: list[dict] = field(default_factory=list)
    directory_role_assignments: list[dict] = field(default_factory=list)
    #: Graph roleEligibilityScheduleInstances (PIM).
    directory_role_eligibility: list[dict] = field(default_factory=list)
    #: Whether PIM's eligibility listings answer (Entra ID P2); else Graph and ARM refuse them (400).
    pim: bool = True
    app_role_assignments: list[dict] = field(default_factory=list)
    #: Beta servicePrincipalSignInActivities; None: the report is unavailable (403).
    sp_sign_in: list[dict] | None = field(default_factory=list)
    #: Beta appCredentialSignInActivities; None: the report is unavailable (403).
    app_credential_sign_in: list[dict] | None = field(default_factory=list)
    #: v1.0 reports/authenticationMethods/userRegistrationDetails; None, or an unlicensed tenant: 403.
    mfa_registration: list[dict] | None = field(default_factory=list)
    #: Whether users' signInActivity and the MFA registration report may be read (Entra ID P1/P2).
    licensed: bool = True
    subscriptions: list[dict] = field(default_factory=list)
    #: management group id -> parent id (None for the tenant root group).
    management_groups: dict[str, str | None] = field(default_factory=dict)
    #: subscription id -> its management group id.
    subscription_parent: dict[str, str] = field(default_factory=dict)
    #: ARM role assignment objects (``properties.scope`` decides where they are visible).
    arm_role_assignments: list[dict] = field(default_factory=list)
    #: ARM roleEligibilityScheduleInstances (``properties.scope`` decides where they are visible).
    arm_role_eligibility: list[dict] = field(default_factory=list)
    #: ARM role definitions: ``name`` (GUID) and ``properties`` (roleName, type, permissions, assignableScopes).
    arm_role_definitions: list[dict] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    #: Largest page served whatever $top asks (the real services may return fewer items than asked).
    page_size: int | None = None
    #: Cache: (numbers of users, service principals, groups) and object id -> (@odata.type, object), which
    #: types members and owners; rebuilt when one of the numbers changes.
    directory: tuple[tuple[int, int, int], dict[str, tuple[str, dict]]] | None = field(
        default=None, repr=False
    )


class GraphError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def _skiptoken(offset: int) -> str:
    return base64.urlsafe_b64encode(f"muster-fake:{offset}".encode()).decode().rstrip("=")


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        return int(text.split(":", 1)[1])
    except (ValueError, IndexError, UnicodeDecodeError):
        raise GraphError(400, "Request_BadRequest", "The $skiptoken is invalid.") from None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        raise GraphError(400, "Request_BadRequest", f"'{value}' is not a number.") from None


def _project(obj: dict, select: list[str]) -> dict:
    if not select:
        return dict(obj)
    return {k: obj[k] for k in ("@odata.type", "id", *select) if k in obj}


def _filter_app_ids(items: list[dict], expr: str | None) -> list[dict]:
    if not expr:
        return items
    m = re.fullmatch(r"\s*appId\s+in\s+\((.*)\)\s*", expr)
    if not m:
        raise GraphError(400, "Request_UnsupportedQuery", f"Unsupported filter: {expr}")
    wanted = {v.strip().strip("'") for v in m.group(1).split(",")}
    return [i for i in items if i.get("appId") in wanted]


def _directory_object(world: World, oid: str, full: bool = False) -> dict:
    """``{"@odata.type", "id"}`` of a user, service principal or group (the object's fields with ``full``)."""
    sizes = (len(world.users), len(world.service_principals), len(world.groups))
    if world.directory is None or world.directory[0] != sizes:
        objects: dict[str, tuple[str, dict]] = {}
        for kind, items in (
            ("#microsoft.graph.group", world.groups),
            ("#microsoft.graph.servicePrincipal", world.service_principals),
            ("#microsoft.graph.user", world.users),
        ):
            objects.update((o["id"], (kind, o)) for o in items)
        world.directory = (sizes, objects)
    kind, obj = world.directory[1].get(oid, ("#microsoft.graph.servicePrincipal", {}))
    return {"@odata.type": kind, **(obj if full else {}), "id": oid}


def _members(world: World, group: str, transitive: bool) -> list[str]:
    """Direct members of a group, or (transitive) every object reachable through nested groups, once each."""
    out: list[str] = []
    seen, queue = {group}, [group]
    while queue:
        for m in world.group_members.get(queue.pop(0), []):
            if m in seen:
                continue
            seen.add(m)
            out.append(m)
            if transitive and _directory_object(world, m)["@odata.type"] == "#microsoft.graph.group":
                queue.append(m)
    return out


def _ancestors(world: World, sub: str) -> set[str]:
    """Scopes above a subscription: its management groups up to the root, and "/"."""
    out = {"/"}
    mg = world.subscription_parent.get(sub)
    while mg:
        out.add(f"/providers/Microsoft.Management/managementGroups/{mg}")
        mg = world.management_groups.get(mg)
    return out


def _visible(scope: str, sub: str, ancestors: set[str]) -> bool:
    own = f"/subscriptions/{sub}"
    return scope in ancestors or scope == own or scope.lower().startswith(own.lower() + "/")


def _fault_error(fault: Fault, path: str, arm: bool) -> GraphError:
    headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
    if fault.status == 429:
        return GraphError(
            429, fault.code or "TooManyRequests", "Too many requests; retry after the interval.", headers
        )
    if fault.status == 403:
        code = fault.code or ("AuthorizationFailed" if arm else "Authorization_RequestDenied")
        message = (
            f"The client does not have authorization to perform action 'Microsoft.Authorization/read' over scope "
            f"'{path.split('/providers/')[0]}' or the scope is invalid."
            if arm
            else "Insufficient privileges to complete the operation."
        )
        return GraphError(403, code, message, headers)
    return GraphError(
        fault.status, fault.code or "ServiceUnavailable", "The service is temporarily unavailable.", headers
    )


def _error_body(e: GraphError, arm: bool) -> dict:
    error = {"code": e.code, "message": e.message}
    if not arm:
        error["innerError"] = {
            "date": "2026-01-01T00:00:00",
            "request-id": str(uuid.uuid4()),
            "client-request-id": str(uuid.uuid4()),
        }
    return {"error": error}
