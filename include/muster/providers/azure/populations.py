"""How one population of an Entra tenant is read as one collection entity, for the Azure extract.

``FEEDS`` names every entity and the snapshot tables it feeds; `_Ctx` carries a tenant's clients, its
RawTenant and the sink, and opens an entity's `EntityResult`; `_guarded` turns an API error or malformed
answer into that entity's status; `_listing` keeps a small listing whole, `_stream` / `_streamed` hand a big
one to the sink page by page. Shared by `extract.py` (identities, directory roles) and `extract_grants.py`
(app role assignments, ARM, group members), so it sits below both.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from ...collected import EntityResult
from ...config import Tenant
from .http import ApiError, Client, MalformedResponse
from .raw import RawTenant, Sink

# The logger of extract.py, where these helpers were written: log lines keep the logger name they had.
log = logging.getLogger("muster.providers.azure.extract")

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
    "directory_role_eligibility": "grants:eligible",
    "app_role_assignments": "grants,role_definitions",
    "user_mfa_registration": "principals:mfa",
    "sp_sign_in_activity": "principals:last_used",
    "app_credential_sign_in_activity": "credentials:last_used",
    "subscriptions": "grants,role_definitions",
    "role_assignments": "grants",
    "role_eligibility": "grants:eligible",
    "role_definitions": "grants,role_definitions",
    "groups": "principals",
    "group_members": "grants",
}
PAGE = "999"


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
