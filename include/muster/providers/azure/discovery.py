"""The discovery record of an Entra tenant: the subscriptions ARM listed on the day, for reconciliation.

A subscription is not a Muster tenant (the Entra tenant is): its RBAC is collected inside the tenant's
snapshot, as the collection entity ``role_assignments/<subscription id>``. The record names that entity
(``entity``), so that the evidence bundle can tell, per listed subscription, whether its role assignments
were collected and sealed (evidence/coverage.py). Written beside the AWS and GCP listings when the tenant's
snapshot is sealed:

    <root>/discovery/provider=azure/source=<tenant id>/date=D/subscriptions.json

Pure and deterministic: built from the RawTenant, sorted by subscription id, no clock.
"""

from __future__ import annotations

from .raw import RawTenant

WHAT = "subscriptions"
#: The collection entity that holds one subscription's role assignments (extract_grants._arm).
ENTITY = "role_assignments/{id}"
FIELDS = ("subscriptionId", "displayName", "state", "tenantId")


def subscriptions_record(raw: RawTenant) -> dict:
    """This tenant's subscriptions as ARM listed them, which of them the collector was to read (the scope
    file's, or all), and those ARM listed but homed in another tenant; failed when they were not listed."""
    base = {"tenant_id": raw.tenant_id, "entity": ENTITY}
    if raw.subscriptions_listed is None:
        entity = next((e for e in raw.entities if e.entity == WHAT), None)
        error = (
            entity.error if entity else None
        ) or "subscriptions not listed (the collection stopped before)"
        return {**base, "status": "failed", "error": error, WHAT: None}
    listed = [
        {k: s.get(k) for k in FIELDS if isinstance(s.get(k), str)}
        for s in raw.subscriptions_listed
        if isinstance(s.get("subscriptionId"), str) and s["subscriptionId"]
    ]
    own = [s for s in listed if s.get("tenantId", raw.tenant_id) == raw.tenant_id]
    return {
        **base,
        "status": "complete",
        WHAT: sorted(own, key=lambda s: s["subscriptionId"]),
        "homed_elsewhere": sorted(s["subscriptionId"] for s in listed if s not in own),
        "collected": sorted(s["subscriptionId"] for s in raw.subscriptions or []),
        "excluded": [],
    }
