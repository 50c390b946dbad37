"""Collect one Entra tenant (and its subscriptions' RBAC) for one day: tokens, extract (I/O), transform.

Endpoints default to the public cloud and can be pointed elsewhere (a sovereign cloud, or the sandbox fake):

* ``MUSTER_GRAPH_URL`` (default https://graph.microsoft.com): ``/v1.0`` and ``/beta`` are appended;
* ``MUSTER_ARM_URL`` (default https://management.azure.com);
* ``MUSTER_AZURE_STATIC_TOKEN``: send this bearer token instead of asking azure-identity (sandbox/tests).

Never raises for a problem inside the tenant that can be described: no token, or a token for another tenant,
gives a Collected whose ``organization`` entity is failed, so the other tenants of the run go on.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable

import requests

from ... import clock
from ...collected import Collected, EntityResult
from ...config import Tenant
from .extract import extract_tenant
from .http import Client
from .populations import FEEDS
from .raw import RawTenant
from .tokens import ARM_SCOPE, GRAPH_SCOPE, TokenError, Tokens, caller_of, tokens_for
from .transform import TenantTransform

log = logging.getLogger(__name__)

GRAPH_URL_ENV = "MUSTER_GRAPH_URL"
ARM_URL_ENV = "MUSTER_ARM_URL"
GRAPH_URL = "https://graph.microsoft.com"
ARM_URL = "https://management.azure.com"


def clients(
    tokens: Tokens, *, session: requests.Session | None = None, sleep=time.sleep
) -> dict[str, Client]:
    """Graph v1.0, Graph beta and ARM clients sharing one HTTP session (connection reuse)."""
    graph = os.environ.get(GRAPH_URL_ENV, GRAPH_URL).rstrip("/")
    arm = os.environ.get(ARM_URL_ENV, ARM_URL).rstrip("/")
    session = session or requests.Session()
    g, a = tokens.for_scope(GRAPH_SCOPE), tokens.for_scope(ARM_SCOPE)
    return {
        "graph": Client(f"{graph}/v1.0", g, session=session, sleep=sleep),
        "beta": Client(f"{graph}/beta", g, session=session, sleep=sleep),
        "arm": Client(arm, a, session=session, sleep=sleep),
    }


def observed_now() -> dt.datetime:
    """The run's clock. Both callers (the nightly task and the CLI) have already refused a simulated
    clock outside a sandbox scope before a collector runs, so a simulated time here is a sandbox's."""
    return clock.now_for(sandbox=True)


def collect_tenant(
    tenant: Tenant,
    snapshot_date: dt.date,
    *,
    tokens: Tokens | None = None,
    session: requests.Session | None = None,
    now: Callable[[], dt.datetime] = observed_now,
    sleep=time.sleep,
) -> Collected:
    """The normalised rows and collection ledger of ``tenant`` as observed now, labelled ``snapshot_date``."""
    raw = RawTenant(tenant_id=tenant.id, observed_at=now())
    try:
        tokens = tokens or tokens_for(tenant)
        raw.caller = caller_of(tokens.token(GRAPH_SCOPE), tokens.source)
    except TokenError as e:
        log.error("%s", e)
        return access_failed(tenant, snapshot_date, str(e))
    transform = TenantTransform(raw, tenant, snapshot_date)
    extract_tenant(clients(tokens, session=session, sleep=sleep), tenant, raw, transform)
    return transform.finish()


def access_failed(tenant: Tenant, snapshot_date: dt.date, message: str) -> Collected:
    """No rows and one failed ``organization`` entity carrying ``message``."""
    entity = EntityResult(entity="organization", feeds=FEEDS["organization"])
    entity.fail(message)
    return Collected(provider="azure", tenant_id=tenant.id, snapshot_date=snapshot_date, entities=[entity])
