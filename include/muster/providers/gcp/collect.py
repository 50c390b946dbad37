"""Collect one GCP tenant (project, org-<n> or folder-<n>) for one day: clients, extract, transform.

Never raises for a problem inside the tenant that can be described: missing credentials or a tenant that
cannot be read give a Collected whose tenant entity is failed, so the other tenants of the run go on.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

from ...collected import Collected, EntityResult
from ...config import Tenant
from .apis import GcpAccessError, GcpApis, apis_for_tenant
from .calls import Caller
from .extract import RoleCache, extract_tenant
from .raw import FEEDS, tenant_resource
from .transform import transform_tenant

log = logging.getLogger(__name__)


def collect_tenant(
    tenant: Tenant,
    snapshot_date: dt.date,
    *,
    apis: GcpApis | None = None,
    role_cache: RoleCache | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Collected:
    """The normalised rows and collection ledger of ``tenant`` as observed now, labelled ``snapshot_date``.

    ``apis`` defaults to clients built from the tenant's connection / ADC (and impersonation);
    ``role_cache`` lets several tenants of one process share predefined role definitions.
    """
    if apis is None:
        try:
            apis = apis_for_tenant(tenant)
        except GcpAccessError as e:
            log.error("%s", e)
            return access_failed(tenant, snapshot_date, str(e))
    caller = Caller(apis.http, sleep=sleep)
    raw = extract_tenant(apis, caller, tenant.id, role_cache=role_cache)
    return transform_tenant(raw, tenant, snapshot_date)


def access_failed(tenant: Tenant, snapshot_date: dt.date, message: str) -> Collected:
    """No rows and one failed tenant entity carrying ``message``."""
    level, _ = tenant_resource(tenant.id)
    entity = EntityResult(entity=level, feeds=FEEDS[level])
    entity.fail(message)
    return Collected(provider="gcp", tenant_id=tenant.id, snapshot_date=snapshot_date, entities=[entity])
