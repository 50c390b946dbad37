"""Collect one Entra tenant (and its subscriptions' RBAC) for one day: tokens, extract (I/O), transform.

The tenant's ``cloud`` in the scope file (``clouds.py``) decides where Graph and ARM are asked and for which
scopes tokens are requested; the Collected's notes say which cloud it was. For the sandbox fake and tests
only, two env vars point the requests elsewhere, while the scopes stay those of the tenant's cloud:

* ``MUSTER_GRAPH_URL`` replaces the Graph base URL (``/v1.0`` and ``/beta`` are appended);
* ``MUSTER_ARM_URL`` replaces the ARM base URL;
* ``MUSTER_AZURE_STATIC_TOKEN``: send this bearer token instead of asking azure-identity.

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
from .clouds import CLOUDS, Cloud
from .extract import extract_tenant
from .http import Client
from .populations import FEEDS
from .raw import RawTenant
from .tokens import TokenError, Tokens, caller_of, tokens_for
from .transform import TenantTransform

log = logging.getLogger(__name__)

GRAPH_URL_ENV = "MUSTER_GRAPH_URL"
ARM_URL_ENV = "MUSTER_ARM_URL"


def clients(
    tokens: Tokens, cloud: Cloud, *, session: requests.Session | None = None, sleep=time.sleep
) -> dict[str, Client]:
    """Graph v1.0, Graph beta and ARM clients of ``cloud`` sharing one HTTP session (connection reuse)."""
    graph = os.environ.get(GRAPH_URL_ENV, cloud.graph_url).rstrip("/")
    arm = os.environ.get(ARM_URL_ENV, cloud.arm_url).rstrip("/")
    session = session or requests.Session()
    g, a = tokens.for_scope(cloud.graph_scope), tokens.for_scope(cloud.arm_scope)
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
    cloud = CLOUDS[tenant.cloud]
    raw = RawTenant(tenant_id=tenant.id, observed_at=now())
    try:
        tokens = tokens or tokens_for(tenant)
        raw.caller = caller_of(tokens.token(cloud.graph_scope), tokens.source)
    except TokenError as e:
        log.error("%s", e)
        out = access_failed(tenant, snapshot_date, str(e))
    else:
        transform = TenantTransform(raw, tenant, snapshot_date)
        extract_tenant(clients(tokens, cloud, session=session, sleep=sleep), tenant, raw, transform)
        out = transform.finish()
    out.notes["cloud"] = cloud.name  # in the manifest: the same tenant id means nothing without its cloud
    return out


def access_failed(tenant: Tenant, snapshot_date: dt.date, message: str) -> Collected:
    """No rows and one failed ``organization`` entity carrying ``message``."""
    entity = EntityResult(entity="organization", feeds=FEEDS["organization"])
    entity.fail(message)
    return Collected(provider="azure", tenant_id=tenant.id, snapshot_date=snapshot_date, entities=[entity])
