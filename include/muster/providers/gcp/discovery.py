"""Expand a GCP organisation or folder into the projects below it, through Resource Manager v3.

Breadth first over folders (``folders.list``), then ``projects.list`` under the node and every folder, all
paged. Only ACTIVE projects are collected; the full listing (with states) is returned for the record under
``<root>/discovery/provider=gcp/...`` so that coverage can be reconciled later.
"""

from __future__ import annotations

import logging

from ...collected import EntityResult
from ...config import GcpOrganization, Tenant
from .apis import GcpAccessError, GcpApis, apis_for_tenant
from .calls import ApiError, Caller

log = logging.getLogger(__name__)


class GcpDiscoveryError(RuntimeError):
    """The organisation or folder could not be listed; the message names it."""


def discover_projects(org: GcpOrganization, apis: GcpApis | None = None) -> tuple[list[Tenant], list[dict]]:
    """(tenants to collect, every project listed with its parent and state)."""
    parent = _tenant(org, org.source_id, None)
    if apis is None:
        try:
            apis = apis_for_tenant(parent)
        except GcpAccessError as e:
            raise GcpDiscoveryError(f"gcp {org.parent}: {e}") from None
    caller = Caller(apis.http)
    entity = EntityResult(entity="discovery", feeds="")
    try:
        listing = list_projects(apis, caller, org.parent, entity)
    except ApiError as e:
        raise GcpDiscoveryError(f"gcp {org.parent}: projects cannot be listed: {e}") from None
    tenants = [
        _tenant(org, p["projectId"], p.get("displayName"))
        for p in listing
        if p.get("state", "ACTIVE") == "ACTIVE" and p["projectId"] not in org.exclude
    ]
    if org.collect_parent:
        tenants.insert(0, parent)
    log.info(
        "gcp %s: %d project(s) listed, %d to collect (%d calls)",
        org.parent,
        len(listing),
        len(tenants),
        entity.api_calls,
    )
    return tenants, listing


def _tenant(org: GcpOrganization, tenant_id: str, name: str | None) -> Tenant:
    return Tenant(
        provider="gcp",
        id=tenant_id,
        name=name or None,
        connection_id=org.connection_id,
        impersonate_service_account=org.impersonate_service_account,
        audit_scope=org.audit_scope,
        soc1_objectives=org.soc1_objectives,
        owners=org.owners,
        discovered_from=org.parent,
    )


def list_projects(apis: GcpApis, caller: Caller, parent: str, entity: EntityResult) -> list[dict]:
    """Every project below ``parent`` (organizations/N or folders/N), sorted by project id."""
    crm = apis.crm
    nodes, queue = [parent], [parent]
    while queue:
        node = queue.pop(0)
        children = [
            f["name"]
            for f in caller.pages(
                lambda t, n=node: crm.folders().list(parent=n, pageToken=t), "folders", entity
            )
            if isinstance(f, dict) and f.get("name") and f.get("state", "ACTIVE") == "ACTIVE"
        ]
        nodes += children
        queue += children
    projects = []
    for node in nodes:
        for p in caller.pages(
            lambda t, n=node: crm.projects().list(parent=n, pageToken=t), "projects", entity
        ):
            if isinstance(p, dict) and p.get("projectId"):
                projects.append(
                    {k: p.get(k) for k in ("projectId", "name", "parent", "state", "displayName") if p.get(k)}
                )
    return sorted(projects, key=lambda p: p["projectId"])
