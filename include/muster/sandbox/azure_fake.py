"""A local Microsoft Graph + Azure Resource Manager fake on loopback, serving one ``World``.

Faithful where the collector depends on it (API-NOTES.md §3):

* Graph pages ``{"@odata.context", "value", "@odata.nextLink"}`` with an **absolute** next link carrying an
  opaque ``$skiptoken``; ARM pages ``{"value", "nextLink"}``; ``$top`` (Graph, max 999, default 100);
* queries are **URL-decoded** (requests sends ``%24select=a%2Cb``, msgraph-sdk sends ``$select=a,b``);
  ``$select`` projects (``id`` always comes back), ``$expand=owners`` / ``federatedIdentityCredentials``,
  ``$filter=appId in (...)`` and ARM's ``$filter=type eq 'CustomRole'`` are applied;
* groups and their ``members`` / ``transitiveMembers`` (directory objects typed by ``@odata.type``; nested
  groups are members like any other object);
* the reports (v1.0 ``reports/authenticationMethods/userRegistrationDetails``, beta
  ``reports/servicePrincipalSignInActivities`` and ``reports/appCredentialSignInActivities``) are paged like
  any listing; ``signInActivity`` and the registration report on an unlicensed tenant, and a report the world
  does not have, answer 403 with Graph's error body;
* ARM role assignments of a subscription include those inherited from its management groups and the root;
  role definitions are those assignable there, with subscription-prefixed ids;
* Privileged Identity Management: Graph ``roleManagement/directory/roleEligibilityScheduleInstances`` (paged
  like any listing) and ARM ``roleEligibilityScheduleInstances`` per subscription (inherited ones included,
  ``memberType`` Inherited); a tenant without Entra ID P2 gets 400 ``AadPremiumLicenseRequired`` from both,
  with each service's own message;
* errors are ``{"error": {"code", "message"}}`` (Graph adds ``innerError``); a missing bearer token is 401;
* ``faults`` inject throttling (429 + Retry-After) or denials (403) by path prefix.

The world is plain data (Graph / ARM wire objects, ``azure_world.py``); ``sandbox/azure.py`` builds it from a
scenario's state (``azure_model.py``), and the benchmarks build large synthetic ones.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from .azure_world import (
    GraphError,
    World,
    _ancestors,
    _directory_object,
    _error_body,
    _fault_error,
    _filter_app_ids,
    _int,
    _members,
    _offset,
    _project,
    _skiptoken,
    _visible,
)

log = logging.getLogger(__name__)

GRAPH_MAX_TOP = 999
#: (version, path) of a Graph report -> the World field holding it.
REPORTS = {
    ("v1.0", "/reports/authenticationMethods/userRegistrationDetails"): "mfa_registration",
    ("beta", "/reports/servicePrincipalSignInActivities"): "sp_sign_in",
    ("beta", "/reports/appCredentialSignInActivities"): "app_credential_sign_in",
}
#: Reports that need Entra ID P1/P2 in v1.0 too (the beta ones are unavailable when their field is None).
LICENSED_REPORTS = frozenset({"mfa_registration"})
GRAPH_DEFAULT_TOP = 100
ARM_PAGE = 1000
AUTH = "/providers/Microsoft.Authorization"
ELIGIBILITY = "/roleManagement/directory/roleEligibilityScheduleInstances"
#: What Graph and ARM answer (400 AadPremiumLicenseRequired) for PIM on a tenant without Entra ID P2.
GRAPH_NO_PIM = "The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license."
ARM_NO_PIM = "The tenant needs an AAD Premium 2 license."


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
        report = REPORTS.get((version, rest))
        if report is not None:
            items = getattr(world, report)
            if items is None or (report in LICENSED_REPORTS and not world.licensed):
                raise _non_premium()
            return self._page(items, path, query, rest[1:], world.page_size)
        if version == "beta":
            raise GraphError(404, "Request_ResourceNotFound", f"Resource '{rest}' does not exist.")
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
            ELIGIBILITY: world.directory_role_eligibility,
        }
        if rest not in sources:
            raise GraphError(400, "Request_BadRequest", f"Invalid request: unsupported path {rest}")
        if rest == "/users" and "signInActivity" in select and not world.licensed:
            raise _non_premium()
        if rest == ELIGIBILITY and not (world.pim and world.licensed):
            raise GraphError(400, "AadPremiumLicenseRequired", GRAPH_NO_PIM)
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
        kinds = "roleAssignments|roleDefinitions|roleEligibilityScheduleInstances"
        m = re.fullmatch(rf"/subscriptions/([^/]+){AUTH}/({kinds})/?", path)
        if not m:
            raise GraphError(404, "InvalidResourceType", f"The resource type could not be found: {path}")
        sub = m.group(1)
        if sub not in {s["subscriptionId"] for s in world.subscriptions}:
            raise GraphError(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")
        scopes = _ancestors(world, sub)
        if m.group(2) == "roleAssignments":
            items = [a for a in world.arm_role_assignments if _visible(a["properties"]["scope"], sub, scopes)]
            return self._arm_page(items, path, query, world.page_size)
        if m.group(2) == "roleEligibilityScheduleInstances":
            if not (world.pim and world.licensed):
                raise GraphError(400, "AadPremiumLicenseRequired", ARM_NO_PIM)
            items = [
                _instance(a, scopes)
                for a in world.arm_role_eligibility
                if _visible(a["properties"]["scope"], sub, scopes)
            ]
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


def _instance(eligibility: dict, inherited_from: set[str]) -> dict:
    """An eligibility instance as listed at a subscription: Inherited when it sits above the subscription."""
    props = eligibility["properties"]
    member = "Inherited" if props["scope"] in inherited_from else "Direct"
    return {**eligibility, "properties": {**props, "memberType": member}}


def _non_premium() -> GraphError:
    """What Graph answers for what needs Entra ID P1/P2 on a tenant without it."""
    return GraphError(
        403,
        "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
        "Neither tenant is B2C or tenant doesn't have premium license",
    )


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
