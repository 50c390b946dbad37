"""Next links the Azure client must not follow: one that is not text, one an earlier page of the listing gave
(followed, it pages for ever), and one on another scheme, host or port (the request would carry the bearer
token there). The listing's entity records why, as the extract records any malformed answer; the other
populations are still collected.

Each case runs the whole collection (`collect_tenant`, the real `Client`) against the sandbox's Graph + ARM
fake answered in process by a recording session, which sees every URL asked for and every header sent,
whatever the host, so that a request that went elsewhere is seen, not just failed.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from muster.config import Tenant
from muster.providers.azure.collect import collect_tenant
from muster.providers.azure.tokens import static
from muster.sandbox import azure
from muster.sandbox.azure_fake import Api
from muster.sandbox.azure_world import World
from muster.sandbox.scenario import builtin, state_on
from recorded_http import Response, answer, origin_of, prepared, response

ORIGIN = "http://azure.test"  # Graph's and ARM's base URL: both served by one fake, as in the sandbox
TOKEN = "bearer-token-for-azure-test-only"
DAY = dt.date(2026, 11, 2)
TENANT = "7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6"  # the demo scenario's Entra tenant and its subscription
SUB = "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
#: Collecting the demo tenant in pages of two takes 30 requests; past this many a listing loops, and the
#: test fails instead of hanging.
MAX_REQUESTS = 200
USERS = "/v1.0/users"
ROLE_ASSIGNMENTS = f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleAssignments"
Change = Callable[[dict], dict]  # a page as the fake answered it -> the page sent


class _Session:
    """A requests.Session stand-in. Every GET is recorded as requests would send it (URL and headers); those
    on ORIGIN are answered by the fake, the pages of ``path`` passed through ``change``; a request anywhere
    else gets an empty page, as a foreign host could answer."""

    def __init__(self, api: Api, path: str | None = None, change: Change | None = None) -> None:
        self.api, self.path, self.change = api, path, change
        self.sent: list[tuple[str, dict]] = []

    def get(self, url: str, params=None, headers=None, timeout=None) -> Response:
        request = prepared(url, params, headers)
        self.sent.append((request.url, dict(request.headers)))
        if len(self.sent) > MAX_REQUESTS:
            raise AssertionError(f"more than {MAX_REQUESTS} requests: a listing loops")
        if origin_of(request.url) != ORIGIN:
            return response(200, {"value": []})
        status, body, answer_headers = answer(self.api, request)
        if status == 200 and self.change is not None and urlsplit(request.url).path == self.path:
            body = self.change(copy.deepcopy(body))
        return response(status, body, answer_headers)

    def hosts(self) -> set[str]:
        """scheme://netloc of every request sent."""
        return {origin_of(url) for url, _ in self.sent}


@pytest.fixture(scope="module")
def day0():
    return state_on(builtin("demo"), 0)


@pytest.fixture
def world(day0) -> World:
    return azure.world_of(day0.azure.tenants[0])


@pytest.fixture
def collect(world, day0, monkeypatch) -> Callable[..., tuple]:
    """collect(path, change) -> (Collected, session): the demo tenant collected through a `_Session`."""
    monkeypatch.setenv("MUSTER_GRAPH_URL", ORIGIN)
    monkeypatch.setenv("MUSTER_ARM_URL", ORIGIN)

    def run(path: str | None = None, change: Change | None = None) -> tuple:
        session = _Session(Api(world, ORIGIN), path, change)
        out = collect_tenant(
            Tenant(provider="azure", id=TENANT),
            DAY,
            tokens=static(TOKEN),
            session=session,
            now=lambda: day0.observed_at,
            sleep=pytest.fail,  # nothing here is throttled
        )
        return out, session

    return run


def _statuses(out) -> dict[str, str]:
    return {e.entity: e.status for e in out.entities}


def _entity(out, name: str):
    return next(e for e in out.entities if e.entity == name)


def _set(name: str, value: object) -> Change:
    return lambda page: {**page, name: value}


def test_the_recording_session_collects_the_demo_tenant_completely(collect, world):
    world.page_size = 2  # every listing of more than two objects follows next links
    out, session = collect()
    assert set(_statuses(out).values()) == {"complete"}
    assert (_entity(out, "users").pages, _entity(out, "users").items) == (2, 4)
    assert session.hosts() == {ORIGIN}


# -- a next link that is not text: read as "no link" the listing would look complete; called, it crashed ---


@pytest.mark.parametrize("value", [5, 0, True, ["x"], {"a": 1}])
def test_a_graph_next_link_that_is_not_a_string_fails_that_listing_only(collect, value):
    out, _ = collect(USERS, _set("@odata.nextLink", value))
    users = _entity(out, "users")
    assert users.status == "failed"
    assert users.error == f"tenant {TENANT}: users: /users: page 1: field @odata.nextLink is not a string"
    assert {s for e, s in _statuses(out).items() if e != "users"} == {"complete"}


@pytest.mark.parametrize("value", [7, [], {"href": "x"}])
def test_an_arm_next_link_that_is_not_a_string_fails_that_subscriptions_assignments_only(collect, value):
    out, _ = collect(ROLE_ASSIGNMENTS, _set("nextLink", value))
    assignments = _entity(out, f"role_assignments/{SUB}")
    assert assignments.status == "failed"
    assert assignments.error == (
        f"tenant {TENANT}: role_assignments/{SUB}: {ROLE_ASSIGNMENTS}: page 1: field nextLink is not a string"
    )
    assert {s for e, s in _statuses(out).items() if e != f"role_assignments/{SUB}"} == {"complete"}


# -- a next link an earlier page gave: followed, the same pages come back for ever ---------------------------


def _second_page_names_itself(name: str) -> Change:
    """The second page's next link is the one that led to it (the first page's)."""
    first: list[str] = []

    def change(page: dict) -> dict:
        if not first:
            first.append(page[name])
            return page
        return {**page, name: first[0]}

    return change


@pytest.mark.parametrize(
    ("path", "name", "entity"),
    [(USERS, "@odata.nextLink", "users"), (ROLE_ASSIGNMENTS, "nextLink", f"role_assignments/{SUB}")],
    ids=["graph", "arm"],
)
def test_a_next_link_repeating_an_earlier_one_fails_that_listing_instead_of_looping(
    collect, world, path, name, entity
):
    world.page_size = 2
    out, session = collect(path, _second_page_names_itself(name))
    listing = _entity(out, entity)
    assert (listing.status, listing.pages, listing.items) == ("failed", 2, 4)
    assert listing.error == (
        f"tenant {TENANT}: {entity}: {path}: page 2: {name} repeats the link of an earlier page"
    )
    assert sum(urlsplit(url).path == path for url, _ in session.sent) == 2
    assert {s for e, s in _statuses(out).items() if e != entity} == {"complete"}


# -- a next link on another origin: never requested, the bearer token stays with Graph and ARM ---------------


@pytest.mark.parametrize(
    ("link", "shown"),
    [
        ("http://evil.example:1234/v1.0/users?$skiptoken=s3cr3t", "http://evil.example:1234"),
        ("https://azure.test/v1.0/users?$skiptoken=s3cr3t", "https://azure.test:443"),
        ("http://azure.test:8080/v1.0/users?$skiptoken=s3cr3t", "http://azure.test:8080"),
        ("http://azure.test@evil.example/v1.0/users?$skiptoken=s3cr3t", "http://evil.example:80"),
        # urlsplit reads azure.test here; requests sends it to evil.example
        ("http://evil.example\\@azure.test/v1.0/users?$skiptoken=s3cr3t", "http://evil.example:80"),
    ],
    ids=["host", "scheme", "port", "userinfo", "backslash"],
)
def test_a_graph_next_link_to_another_origin_is_refused_and_not_requested(collect, caplog, link, shown):
    caplog.set_level(logging.DEBUG)
    out, session = collect(USERS, _set("@odata.nextLink", link))
    assert session.hosts() == {ORIGIN}  # every request carries the token: none went elsewhere
    users = _entity(out, "users")
    assert users.status == "failed"
    assert users.error == (
        f"tenant {TENANT}: users: /v1.0/users: refused: {shown} is not http://azure.test:80, "
        "the token is not sent there"
    )
    assert "s3cr3t" not in caplog.text and TOKEN not in caplog.text
    assert {s for e, s in _statuses(out).items() if e != "users"} == {"complete"}


def _relative(name: str) -> Change:
    """The page's next link without its scheme and host: ``/v1.0/users?$skiptoken=...``."""

    def change(page: dict) -> dict:
        if not page.get(name):
            return page
        parts = urlsplit(page[name])
        return {**page, name: f"{parts.path}?{parts.query}"}

    return change


@pytest.mark.parametrize(
    ("path", "name", "entity"),
    [(USERS, "@odata.nextLink", "users"), (ROLE_ASSIGNMENTS, "nextLink", f"role_assignments/{SUB}")],
    ids=["graph", "arm"],
)
def test_a_next_link_relative_to_the_origin_replaces_the_path_of_the_page(collect, world, path, name, entity):
    """Resolved as a browser resolves a link (RFC 3986): appended to the Graph base URL ``.../v1.0`` it would
    ask for ``/v1.0/v1.0/users``."""
    world.page_size = 2
    absolute = _entity(collect()[0], entity)
    out, session = collect(path, _relative(name))
    listing = _entity(out, entity)
    assert absolute.pages > 1
    assert (listing.status, listing.pages, listing.items) == ("complete", absolute.pages, absolute.items)
    assert [urlsplit(url).path for url, _ in session.sent if path in url] == [path] * absolute.pages
    assert session.hosts() == {ORIGIN}


def test_a_network_path_next_link_to_another_host_is_refused(collect):
    """``//evil.example/...`` keeps the scheme and replaces the host."""
    out, session = collect(USERS, _set("@odata.nextLink", "//evil.example/v1.0/users?$skiptoken=s3cr3t"))
    assert session.hosts() == {ORIGIN}
    assert _entity(out, "users").error == (
        f"tenant {TENANT}: users: /v1.0/users: refused: http://evil.example:80 is not "
        "http://azure.test:80, the token is not sent there"
    )


def test_a_relative_next_link_naming_another_host_as_a_path_stays_on_the_origin(collect):
    """``@evil.example/...`` is a relative path: appended to the base URL as text it made
    ``http://azure.test@evil.example/...``, whose host is evil.example; resolved, it is a path on the origin."""
    out, session = collect(
        "/subscriptions", _set("nextLink", "@evil.example/subscriptions?$skiptoken=s3cr3t")
    )
    assert session.hosts() == {ORIGIN}
    assert urlsplit(session.sent[-1][0]).path != "/subscriptions"
    assert any(urlsplit(url).path == "/@evil.example/subscriptions" for url, _ in session.sent)
    assert _entity(out, "subscriptions").status in {"partial", "failed"}
    assert _entity(out, "users").status == "complete"
