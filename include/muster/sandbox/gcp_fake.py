"""A local fake of the Google Cloud REST endpoints Muster reads, for the sandbox, tests and benchmarks.

It speaks the wire formats the real APIs use (verified in API-NOTES §2): camelCase JSON, base64 etags,
``pageToken`` / ``nextPageToken`` paging, ``keyTypes`` filtering applied server side, and error bodies
``{"error": {"code", "message", "status", "details": [{"reason"}]}}`` that the client turns into 403 / 404.
Served paths (what google-api-python-client sends):

    GET  /v3/{projects|folders|organizations}/{id}              Resource Manager get
    GET  /v3/{folders|projects}?parent=...                      list children (paged)
    POST /v3/{projects|folders|organizations}/{id}:getIamPolicy  (requestedPolicyVersion 3 honoured)
    GET  /v1/projects/{p}/serviceAccounts                       (paged, at most 100 per page)
    GET  /v1/projects/{p|-}/serviceAccounts/{email}[/keys]       get account / list keys (no paging)
    GET  /v1/roles/{r}, /v1/{projects|organizations}/{x}/roles/{r}
    GET  /v1/projects/{p}/locations/global/activityTypes/{t}/activities:query   Policy Analyzer (paged)
    GET  /storage/v1/projects/{p}/hmacKeys                      HMAC keys (maxResults / pageToken paged,
                                                                at most 250; DELETED only with showDeletedKeys;
                                                                serviceAccountEmail filter)
    GET  /v1/groups:lookup?groupKey.id=EMAIL                    Cloud Identity: a group's name groups/{id}
    GET  /v1/groups/{id}/memberships:searchTransitiveMemberships  its direct and indirect members (paged,
                                                                at most 1000, 200 by default)

The content is a `World` of ready JSON objects (`gcp_world.py`; the scenario seeding in `gcp.py` builds
one; so do tests and the benchmark). Projects in ``world.denied`` answer 403 to everything; projects in
``world.analyzer_disabled`` answer Policy Analyzer queries with 403 SERVICE_DISABLED; projects in
``world.storage_disabled`` / ``world.storage_denied`` answer the HMAC key listing with Cloud Storage's 403
bodies (accessNotConfigured with SERVICE_DISABLED / forbidden); groups in ``world.groups_denied`` answer the
lookup with 403 (a group outside the customer, or no Groups Reader role), groups the world does not hold
with 404, and every Cloud Identity request answers 403 SERVICE_DISABLED when
``world.cloud_identity_disabled``. Every request is
counted by route and project (``fake.calls``) so tests can assert the calls a collection made.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from .gcp_world import (
    DEFAULT_PAGE,
    MAX_PAGE,
    ApiFault,
    World,
    _denied,
    _missing,
    _service_disabled,
    etag,
    shared_predefined_roles,
)

log = logging.getLogger(__name__)


class GcpFake:
    """The fake on 127.0.0.1 at a free port (or `port`); `world` may be replaced at any time."""

    def __init__(self, world: World | None = None, *, port: int = 0):
        self.world = world or World()
        self.calls: Counter = Counter()
        self.faults: list[tuple[str, int]] = []  # (path regex, HTTP status) answered once each, in order
        self._lock = threading.Lock()
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self.url: str | None = None
        self._roles = shared_predefined_roles()

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> str:
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="gcp-fake", daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        log.info("gcp fake serving on %s", self.url)
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> GcpFake:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def fail_next(self, path_regex: str, status: int, times: int = 1) -> None:
        """Answer the next `times` requests whose path matches with HTTP `status` (429, 503 ...)."""
        with self._lock:
            self.faults += [(path_regex, status)] * times

    def calls_for(self, project: str) -> int:
        return sum(n for (route, p), n in self.calls.items() if p == project)

    # -- dispatch ----------------------------------------------------------------------------------
    def answer(self, method: str, target: str, body: dict) -> tuple[dict, int]:
        """(JSON payload, HTTP status) for a request target (path and query string), as the server sends
        them; also what tests call to serve the clients in process, without a socket."""
        path, query = request_parts(target)
        try:
            return self.handle(method, path, query, body), 200
        except ApiFault as e:
            return e.body(), e.code

    def handle(self, method: str, path: str, query: dict, body: dict) -> dict:
        w = self.world
        for verb, pattern, handler, project_arg in _ROUTES:
            m = re.fullmatch(pattern, path)
            if not m or verb != method:
                continue
            args = [unquote(g) for g in m.groups()]
            project = args[project_arg] if project_arg is not None else None
            if handler is GcpFake.post_policy and args[0] == "projects":
                project = args[1]
            with self._lock:
                self.calls[(handler.__name__, project)] += 1
                fault = next((f for f in self.faults if re.search(f[0], path)), None)
                if fault:
                    self.faults.remove(fault)
            if fault:
                status = "UNAVAILABLE" if fault[1] >= 500 else "RESOURCE_EXHAUSTED"
                raise ApiFault(fault[1], status, "injected fault")
            if project and project in w.denied:
                raise _denied(f"projects/{project}")
            return handler(self, w, query, body, *args)
        raise ApiFault(404, "NOT_FOUND", f"no such method: {method} {path}")

    def page(self, items: list, query: dict, field_name: str, size_param: str = "pageSize") -> dict:
        size = int(query.get(size_param, DEFAULT_PAGE[field_name]) or DEFAULT_PAGE[field_name])
        size = min(size, MAX_PAGE[field_name], self.world.page_cap or 10**9)
        token = query.get("pageToken") or ""
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode() or 0) if token else 0
        except ValueError:
            raise ApiFault(400, "INVALID_ARGUMENT", "Invalid page token") from None
        out: dict = {field_name: items[start : start + size]} if items[start : start + size] else {}
        if start + size < len(items):
            out["nextPageToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
        return out

    # -- Resource Manager --------------------------------------------------------------------------
    def get_project(self, w: World, q: dict, b: dict, project: str) -> dict:
        found = w.projects.get(project) or next(
            (p for p in w.projects.values() if p["name"] == f"projects/{project}"), None
        )
        if found is None:
            raise _denied(f"projects/{project}")  # GCP answers 403 for projects that do not exist, too
        return found

    def get_node(self, w: World, q: dict, b: dict, kind: str, ident: str) -> dict:
        table = w.folders if kind == "folders" else w.organizations
        if f"{kind}/{ident}" not in table:
            raise _denied(f"{kind}/{ident}")
        return table[f"{kind}/{ident}"]

    def get_children(self, w: World, q: dict, b: dict, kind: str) -> dict:
        parent = q.get("parent", "")
        if kind == "folders":
            items = [f for n, f in sorted(w.folders.items()) if f.get("parent") == parent]
        else:
            items = [p for _, p in sorted(w.projects.items()) if p.get("parent") == parent]
        return self.page(items, q, kind)

    def post_policy(self, w: World, q: dict, b: dict, kind: str, ident: str) -> dict:
        if kind == "projects":
            self.get_project(w, q, b, ident)
            if ident in w.denied:
                raise _denied(f"projects/{ident}")
        else:
            self.get_node(w, q, b, kind, ident)
        policy = w.policies.get(f"{kind}/{ident}", {"bindings": []})
        requested = ((b or {}).get("options") or {}).get("requestedPolicyVersion") or 1
        out = {"version": 1, "etag": etag(policy), "bindings": policy.get("bindings") or []}
        if any("condition" in x for x in out["bindings"]):
            if requested < 3:
                raise ApiFault(400, "INVALID_ARGUMENT", "Policy has conditions: request version 3")
            out["version"] = 3
        if policy.get("auditConfigs"):
            out["auditConfigs"] = policy["auditConfigs"]
        return out

    # -- IAM ---------------------------------------------------------------------------------------
    def get_sa_list(self, w: World, q: dict, b: dict, project: str) -> dict:
        if project not in w.projects:
            raise _missing(f"projects/{project}")
        return self.page(w.accounts.get(project, []), q, "accounts")

    def get_sa(self, w: World, q: dict, b: dict, project: str, email: str) -> dict:
        found = w.account(email)
        if found is None or (project != "-" and found[0] != project):
            raise _missing(f"Service account projects/{project}/serviceAccounts/{email}")
        if found[0] in w.denied:
            raise _denied(f"projects/{found[0]}")
        return found[1]

    def get_keys(self, w: World, q: dict, b: dict, project: str, email: str) -> dict:
        sa = self.get_sa(w, q, b, project, email)
        wanted = set(q.get("keyTypes_all") or [])
        keys = [k for k in w.keys.get(sa["email"], []) if not wanted or k.get("keyType") in wanted]
        return {"keys": keys} if keys else {}

    def get_role(self, w: World, q: dict, b: dict, name: str) -> dict:
        role = self._roles.get(f"roles/{name}")
        if role is None:
            raise _missing(f"Role roles/{name}")
        return role

    def get_project_role(self, w: World, q: dict, b: dict, project: str, name: str) -> dict:
        role = w.roles.get(f"projects/{project}/roles/{name}")
        if role is None:
            raise _missing(f"Role projects/{project}/roles/{name}")
        return role

    def get_org_role(self, w: World, q: dict, b: dict, org: str, name: str) -> dict:
        role = w.roles.get(f"organizations/{org}/roles/{name}")
        if role is None:
            raise _missing(f"Role organizations/{org}/roles/{name}")
        return role

    # -- Policy Analyzer ---------------------------------------------------------------------------
    def get_activities(self, w: World, q: dict, b: dict, project: str, activity_type: str) -> dict:
        if project not in w.projects:
            raise _denied(f"projects/{project}")
        if project in w.analyzer_disabled:
            raise _service_disabled("Policy Analyzer API", w.projects[project]["name"].rsplit("/", 1)[-1])
        return self.page(w.activities.get((project, activity_type), []), q, "activities")

    # -- Cloud Storage -----------------------------------------------------------------------------
    def get_hmac_keys(self, w: World, q: dict, b: dict, project: str) -> dict:
        if project not in w.projects:
            raise _denied(f"projects/{project}")
        if project in w.storage_disabled:
            raise _service_disabled(
                "Cloud Storage JSON API",
                w.projects[project]["name"].rsplit("/", 1)[-1],
                errors=[{"domain": "usageLimits", "reason": "accessNotConfigured"}],
            )
        if project in w.storage_denied:
            raise ApiFault(
                403,
                None,
                "anonymous caller does not have storage.hmacKeys.list access to the Google Cloud project. "
                "Permission 'storage.hmacKeys.list' denied on resource (or it may not exist).",
                errors=[{"domain": "global", "reason": "forbidden"}],
            )
        deleted = q.get("showDeletedKeys") == "true"
        email = q.get("serviceAccountEmail")
        items = [
            k
            for k in w.hmac_keys.get(project, [])
            if (deleted or k.get("state") != "DELETED")
            and (not email or k.get("serviceAccountEmail") == email)
        ]
        return {"kind": "storage#hmacKeysMetadata", **self.page(items, q, "items", "maxResults")}

    # -- Cloud Identity ----------------------------------------------------------------------------
    def _cloud_identity(self, w: World) -> None:
        if w.cloud_identity_disabled:
            raise _service_disabled("Cloud Identity API", "0")

    def lookup_group(self, w: World, q: dict, b: dict) -> dict:
        self._cloud_identity(w)
        email = q.get("groupKey.id") or ""
        if not email:
            raise ApiFault(400, "INVALID_ARGUMENT", "Request contains an invalid argument.")
        if email in w.groups_denied:
            raise ApiFault(
                403,
                "PERMISSION_DENIED",
                f"Error(2028): Permission denied for resource {email} (or it may not exist).",
            )
        if email not in w.groups:
            raise _missing(f"Group {email}")
        return {"name": w.groups[email]["name"]}

    def search_memberships(self, w: World, q: dict, b: dict, ident: str) -> dict:
        self._cloud_identity(w)
        email = next((e for e, g in w.groups.items() if g["name"] == f"groups/{ident}"), None)
        if email is None:
            raise _missing(f"Group groups/{ident}")
        if email in w.groups_denied:
            raise _denied(f"groups/{ident}")
        return self.page(w.transitive_members(email), q, "memberships")


_SEG = r"([^/:?]+)"
#: (HTTP method, path regex, handler, index of the project id among the groups or None)
_ROUTES = [
    ("GET", rf"/v3/projects/{_SEG}", GcpFake.get_project, 0),
    ("GET", rf"/v3/(folders|organizations)/{_SEG}", GcpFake.get_node, None),
    ("GET", r"/v3/(folders|projects)", GcpFake.get_children, None),
    ("POST", rf"/v3/(projects|folders|organizations)/{_SEG}:getIamPolicy", GcpFake.post_policy, None),
    ("GET", rf"/v1/projects/{_SEG}/serviceAccounts", GcpFake.get_sa_list, 0),
    ("GET", rf"/v1/projects/{_SEG}/serviceAccounts/{_SEG}/keys", GcpFake.get_keys, 0),
    ("GET", rf"/v1/projects/{_SEG}/serviceAccounts/{_SEG}", GcpFake.get_sa, 0),
    ("GET", rf"/v1/roles/{_SEG}", GcpFake.get_role, None),
    ("GET", rf"/v1/projects/{_SEG}/roles/{_SEG}", GcpFake.get_project_role, 0),
    ("GET", rf"/v1/organizations/{_SEG}/roles/{_SEG}", GcpFake.get_org_role, None),
    (
        "GET",
        rf"/v1/projects/{_SEG}/locations/global/activityTypes/{_SEG}/activities:query",
        GcpFake.get_activities,
        0,
    ),
    ("GET", rf"/storage/v1/projects/{_SEG}/hmacKeys", GcpFake.get_hmac_keys, 0),
    ("GET", r"/v1/groups:lookup", GcpFake.lookup_group, None),
    ("GET", rf"/v1/groups/{_SEG}/memberships:searchTransitiveMemberships", GcpFake.search_memberships, None),
]


def request_parts(target: str) -> tuple[str, dict]:
    """(decoded path, query) of a request target: each parameter's last value, and ``keyTypes_all`` with
    every ``keyTypes`` value (the keys list repeats that parameter)."""
    parts = urlsplit(target)
    raw_query = parse_qs(parts.query)
    query: dict = {k: v[-1] for k, v in raw_query.items()}
    query["keyTypes_all"] = raw_query.get("keyTypes", [])
    return unquote(parts.path), query


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the client reuses one connection per thread
    # Headers and body leave in one segment: with Nagle on and small writes, every request would wait
    # for the client's delayed ACK (~40 ms).
    disable_nagle_algorithm = True
    wbufsize = 1 << 16
    fake: GcpFake

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - BaseHTTPRequestHandler's signature
        log.debug("gcp fake: %s", format % args)

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = {}
        if length:
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                body = {}
        payload, code = self.fake.answer(method, self.path, body)
        data = json.dumps(payload, separators=(",", ":")).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        self._serve("POST")
