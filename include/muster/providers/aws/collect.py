"""Collect one AWS account for one day: credentials, then extract (I/O), then transform (pure).

Never raises for a problem inside the tenant that can be described: a role that cannot be assumed or a
missing connection gives a Collected whose ``caller_identity`` entity is failed, so the other tenants of the
run go on and the snapshot says plainly that nothing was observed. Anything else propagates (Airflow
retries the task).
"""

from __future__ import annotations

import datetime as dt
import logging
import time

import boto3

from ...collected import Collected, EntityResult
from ...config import Tenant
from .extract import FEEDS, extract_account
from .session import TenantAccessError, session_for_tenant
from .transform import transform_account

log = logging.getLogger(__name__)


def collect_account(
    tenant: Tenant, snapshot_date: dt.date, *, session: boto3.Session | None = None, sleep=time.sleep
) -> Collected:
    """The normalised rows and collection ledger of ``tenant`` as observed now, labelled ``snapshot_date``.

    ``session`` is the base session (default: the tenant's Airflow connection or boto3's default chain);
    the tenant's role, if any, is assumed from it.
    """
    try:
        tenant_session = session_for_tenant(tenant, session)
    except TenantAccessError as e:
        log.error("%s", e)
        return access_failed(tenant, snapshot_date, str(e))
    raw = extract_account(tenant_session, tenant, sleep=sleep)
    return transform_account(raw, tenant, snapshot_date)


def access_failed(tenant: Tenant, snapshot_date: dt.date, message: str) -> Collected:
    """A Collected with no rows and one failed caller_identity entity carrying ``message``."""
    entity = EntityResult(entity="caller_identity", feeds=FEEDS["caller_identity"])
    entity.fail(message)
    return Collected(provider="aws", tenant_id=tenant.id, snapshot_date=snapshot_date, entities=[entity])
