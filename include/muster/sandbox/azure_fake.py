"""A local Microsoft Graph + Azure Resource Manager fake on loopback, serving one ``World``.

Faithful where the collector depends on it (API-NOTES.md §3):

* Graph pages ``{"@odata.context", "value", "@odata.nextLink"}`` with an **absolute** next link carrying an
  opaque ``$skiptoken``; ARM pages ``{"value", "nextLink"}``; ``$top`` (Graph, max 999, default 100);
* queries are **URL-decoded** (requests sends ``%24select=a%2Cb``, msgraph-sdk sends ``$select=a,b``);
  ``$select`` projects (``id`` always comes back), ``$expand=owners`` / ``federatedIdentityCredentials``,
  ``$filter=appId in (...)`` and ARM's ``$filter=type eq 'CustomRole'`` are applied;
* groups and their ``members`` / ``transitiveMembers`` (directory objects typed by ``@odata.type``; nested
  groups are members like any other object);
* ``signInActivity`` on an unlicensed tenant and the beta sign-in report answer 403 with Graph's error body;
* ARM role assignments of a subscription include those inherited from its management groups and the root;
  role definitions are those assignable there, with subscription-prefixed ids;
* errors are ``{"error": {"code", "message"}}`` (Graph adds ``innerError``); a missing bearer token is 401;
* ``faults`` inject throttling (429 + Retry-After) or denials (403) by path prefix.

The world is plain data (Graph / ARM wire objects); ``sandbox/azure_model.py`` builds it from a scenario,
and the benchmarks build large synthetic ones.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

log = logging.getLogger(__name__)

GRAPH_MAX_TOP = 999
GRAPH_DEFAULT_TOP = 100
ARM_PAGE = 1000
AUTH = "/providers/Microsoft.Authorization"


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
    app_role_assignments: list[dict] = field(default_factory=list)
    #: Beta servicePrincipalSignInActivities; None: the report is unavailable (403).
    sp_sign_in: list[dict] | None = field(default_factory=list)
    #: Whether users' signInActivity may be selected (Entra ID P1/P2).
    licensed: bool = True
    subscriptions: list[dict] = field(default_factory=list)
    #: management group id -> parent id (None for the tenant root group).
    management_groups: dict[str, str | None] = field(default_factory=dict)
    #: subscription id -> its management group id.
    subscription_parent: dict[str, str] = field(default_factory=dict)
    #: ARM role assignment objects (``properties.scope`` decides where they are visible).
    arm_role_assignments: list[dict] = field(default_factory=list)
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


class Api:
    """Routes one request to the world; returns (status, body, headers). Thread-safe for reads."""

    def __init__(self, world: World, base_url: str = ""):
        self.world = world
        self.base_url = base_url
        self.requests: list[str] = []
        self._lock = threading.Lock()

    def set_world(self, world: World) -> None:
        with self._lock:
            self.world = world

    def handle(self, raw_path: str, authorization: str | None) -> tuple[int, dict, dict]:
        parts = urlsplit(raw_path)
        path = parts.path
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with self._lock:
            self.requests.append(path)
            world = self.world
            fault = next((f for f in world.faults if f.fires(path)), None)
        arm = not path.startswith(("/v1.0", "/beta"))
        try:
            if not (authorization or "").startswith("Bearer ") or len(authorization) <= 7:
                raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
            if fault is not None:
                raise _fault_error(fault, path, arm)
            if arm:
                return 200, self._arm(world, path, query), {}
            return 200, self._graph(world, path, query, parts.query), {}
        except GraphError as e:
            return e.status, _error_body(e, arm), e.headers

    # -- Graph ---------------------------------------------------------------------------------------
    def _graph(self, world: World, path: str, query: dict, raw_query: str) -> dict:
        version, _, rest = path[1:].partition("/")
        rest = "/" + rest.rstrip("/")
        if version == "beta":
            if rest != "/reports/servicePrincipalSignInActivities":
                raise GraphError(404, "Request_ResourceNotFound", f"Resource '{rest}' does not exist.")
            if world.sp_sign_in is None:
                raise GraphError(
                    403,
                    "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                    "Neither tenant is B2C or tenant doesn't have premium license",
                )
            return self._page(
                world.sp_sign_in, path, query, "reports/servicePrincipalSignInActivities", world.page_size
            )
        items, context, render = self._collection(world, rest, query)
        return self._page(items, path, query, context, world.page_size, render)

    def _collection(self, world: World, rest: str, query: dict) -> tuple[list[dict], str, Callable]:
        """The items of a Graph collection and how to render one (projection and expansion are applied
        per page, after slicing, so that paging through N objects costs O(N))."""
        select = [s for s in query.get("$select", "").split(",") if s]
        expand = query.get("$expand", "")
        m = re.fullmatch(r"/groups/([^/]+)/(members|transitiveMembers)", rest)
        if m:
            if not any(g["id"] == m.group(1) for g in world.groups):
                raise GraphError(404, "Request_ResourceNotFound", f"Resource '{m.group(1)}' does not exist.")
            ids = _members(world, m.group(1), m.group(2) == "transitiveMembers")
            return ids, "directoryObjects", lambda i: _project(_directory_object(world, i, full=True), select)
        m = re.fullmatch(r"/servicePrincipals/([^/]+)/appRoleAssignedTo", rest)
        if m:
            if not any(sp["id"] == m.group(1) for sp in world.service_principals):
                raise GraphError(404, "Request_ResourceNotFound", f"Resource '{m.group(1)}' does not exist.")
            items = [a for a in world.app_role_assignments if a.get("resourceId") == m.group(1)]
            return items, "appRoleAssignments", lambda a: _project(a, select)
        sources = {
            "/organization": [{"id": world.tenant_id, "displayName": world.display_name}],
            "/users": world.users,
            "/servicePrincipals": world.service_principals,
            "/applications": world.applications,
            "/groups": world.groups,
            "/roleManagement/directory/roleDefinitions": world.directory_role_definitions,
            "/roleManagement/directory/roleAssignments": world.directory_role_assignments,
        }
        if rest not in sources:
            raise GraphError(400, "Request_BadRequest", f"Invalid request: unsupported path {rest}")
        if rest == "/users" and "signInActivity" in select and not world.licensed:
            raise GraphError(
                403,
                "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                "Neither tenant is B2C or tenant doesn't have premium license",
            )
        items = _filter_app_ids(sources[rest], query.get("$filter"))
        return items, rest[1:], lambda i: self._expand(world, _project(i, select), i["id"], expand)

    def _expand(self, world: World, obj: dict, oid: str, expand: str) -> dict:
        if expand.startswith("owners"):
            obj["owners"] = [_directory_object(world, o) for o in world.owners.get(oid, [])]
        elif expand == "federatedIdentityCredentials":
            obj["federatedIdentityCredentials"] = world.federated.get(oid, [])
        elif expand:
            raise GraphError(400, "Request_BadRequest", f"Expanding '{expand}' is not supported.")
        return obj

    def _page(
        self,
        items: list[dict],
        path: str,
        query: dict,
        context: str,
        cap: int | None,
        render: Callable = dict,
    ) -> dict:
        top = _int(query.get("$top"), GRAPH_DEFAULT_TOP)
        if not 1 <= top <= GRAPH_MAX_TOP:
            raise GraphError(400, "Request_BadRequest", f"Invalid page size specified: '{top}'.")
        top = min(top, cap or top)
        start = _offset(query.get("$skiptoken"))
        body = {
            "@odata.context": f"{self.base_url}/v1.0/$metadata#{context}",
            "value": [render(i) for i in items[start : start + top]],
        }
        if start + top < len(items):
            rest = {k: v for k, v in query.items() if k != "$skiptoken"}
            rest["$skiptoken"] = _skiptoken(start + top)
            body["@odata.nextLink"] = f"{self.base_url}{path}?{urlencode(rest, safe='$,()=')}"
        return body

    # -- ARM -----------------------------------------------------------------------------------------
    def _arm(self, world: World, path: str, query: dict) -> dict:
        if "api-version" not in query:
            raise GraphError(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        if path.rstrip("/") == "/subscriptions":
            return self._arm_page(world.subscriptions, path, query, world.page_size)
        m = re.fullmatch(rf"/subscriptions/([^/]+){AUTH}/(roleAssignments|roleDefinitions)/?", path)
        if not m:
            raise GraphError(404, "InvalidResourceType", f"The resource type could not be found: {path}")
        sub = m.group(1)
        if sub not in {s["subscriptionId"] for s in world.subscriptions}:
            raise GraphError(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")
        scopes = _ancestors(world, sub)
        if m.group(2) == "roleAssignments":
            items = [a for a in world.arm_role_assignments if _visible(a["properties"]["scope"], sub, scopes)]
            return self._arm_page(items, path, query, world.page_size)
        items = []
        custom_only = (query.get("$filter") or "").replace(" ", "").lower() == "typeeq'customrole'"
        for d in world.arm_role_definitions:
            props = d["properties"]
            if custom_only and props.get("type") != "CustomRole":
                continue
            if any(
                s == "/" or s in scopes or s == f"/subscriptions/{sub}"
                for s in props.get("assignableScopes", ["/"])
            ):
                items.append(
                    {
                        **d,
                        "id": f"/subscriptions/{sub}{AUTH}/roleDefinitions/{d['name']}",
                        "type": "Microsoft.Authorization/roleDefinitions",
                    }
                )
        return self._arm_page(items, path, query, world.page_size)

    def _arm_page(self, items: list[dict], path: str, query: dict, cap: int | None) -> dict:
        start, size = _int(query.get("$skiptoken"), 0), cap or ARM_PAGE
        body: dict = {"value": items[start : start + size]}
        if start + size < len(items):
            rest = {**query, "$skiptoken": str(start + size)}
            body["nextLink"] = f"{self.base_url}{path}?{urlencode(rest)}"
        return body


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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    api: Api  # set on the subclass made per server

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        status, body, headers = self.api.handle(self.path, self.headers.get("Authorization"))
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; odata.metadata=minimal")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the http.server API
        log.debug("azure fake: %s", format % args)


class AzureFake:
    """The fake on 127.0.0.1 at a free port, served from a daemon thread; ``url`` is Graph's and ARM's base."""

    def __init__(self, world: World):
        self.api = Api(world)
        self._server: ThreadingHTTPServer | None = None
        self.url: str | None = None

    def start(self) -> str:
        handler = type("Handler", (_Handler,), {"api": self.api})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.url = self.api.base_url = f"http://{host}:{port}"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="azure-fake", daemon=True
        ).start()
        log.info("azure fake serving on %s", self.url)
        return self.url

    def serve(self, world: World) -> None:
        self.api.set_world(world)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> AzureFake:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
