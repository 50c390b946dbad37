"""The plan step of a nightly run: which tenants to collect tonight, from the scope file and from
organisation discovery, or none when the run's logical date can no longer be observed.

    <root>/discovery/provider=aws/source=<management account>/date=D/accounts.json
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from .. import clock
from ..config import AwsOrganization, Scope, Tenant, load_scope
from ..snapshot import SnapshotStore
from .runs import _write_json, write_run_record

# The package's logger, not the module's: log lines name `muster.nightly` whichever step wrote them.
log = logging.getLogger(__package__)

#: AwsOrganization -> (tenants to collect, every account listed).
Discoverer = Callable[[AwsOrganization], tuple[list[Tenant], list[dict]]]


def plan(
    scope_path: str,
    root: str,
    logical_date: dt.datetime,
    run_id: str,
    *,
    now: dt.datetime | None = None,
    discover: Discoverer | None = None,
) -> list[dict]:
    """One spec per tenant to collect tonight, or [] when the logical date can no longer be observed.

    `now` defaults to the scope's clock; `discover` to AWS Organizations discovery.
    """
    scope = load_scope(scope_path)
    now = now or clock.now(scope)
    store = SnapshotStore(root)
    lag = now - logical_date
    if lag > dt.timedelta(hours=scope.observe_tolerance_hours):
        reason = (
            f"logical date {logical_date.isoformat()} is {lag} before the clock ({now.isoformat()}), beyond the "
            f"{scope.observe_tolerance_hours} h tolerance: the past cannot be observed, nothing collected"
        )
        log.warning("run %s: not observable: %s", run_id, reason)
        write_run_record(
            store,
            logical_date,
            run_id,
            {"status": "not_observable", "reason": reason, "observed_at": now.isoformat(), "tenants": []},
        )
        return []
    tenants = _tenants(scope, store, now.date(), discover or _discover)
    specs = [_spec(t, now.date(), scope) for t in tenants]
    write_run_record(
        store,
        logical_date,
        run_id,
        {
            "status": "planned",
            "observed_at": now.isoformat(),
            "tenants": [f"{s['provider']}:{s['tenant_id']}" for s in specs],
        },
    )
    log.info("run %s: %d tenant(s) to collect for %s", run_id, len(specs), now.date())
    return specs


def _spec(tenant: Tenant, snapshot_date: dt.date, scope: Scope) -> dict:
    return {
        "provider": tenant.provider,
        "tenant_id": tenant.id,
        "snapshot_date": snapshot_date.isoformat(),
        "sandbox": scope.sandbox,
        "tenant": tenant.model_dump(mode="json"),
    }


def _tenants(scope: Scope, store: SnapshotStore, date: dt.date, discover: Discoverer) -> list[Tenant]:
    """The scope's tenants plus those discovered; a tenant named in the scope file wins over discovery."""
    from ..providers.aws.session import TenantAccessError
    from ..providers.gcp.discovery import GcpDiscoveryError

    tenants = {(t.provider, t.id): t for t in scope.tenants}
    for org in scope.organizations:
        aws = org.provider == "aws"
        source, what = (org.management_account, "accounts") if aws else (org.source_id, "projects")
        ident = {"management_account": source} if aws else {"parent": org.parent}
        rel = f"discovery/provider={org.provider}/source={source}/date={date.isoformat()}/{what}.json"
        try:
            found, listing = discover(org)
        except (TenantAccessError, GcpDiscoveryError) as e:
            # The organisation's members cannot be listed: say so where coverage is reconciled, and go on
            # with the tenants that are known; the failed discovery is part of the evidence.
            log.error("%s", e)
            _write_json(
                store,
                rel,
                {**ident, "status": "failed", "error": str(e), what: None},
            )
            continue
        _write_json(
            store,
            rel,
            {
                **ident,
                "status": "complete",
                what: listing,
                "collected": sorted(t.id for t in found),
                "excluded": sorted(org.exclude),
            },
        )
        for t in found:
            tenants.setdefault((t.provider, t.id), t)
    return [tenants[k] for k in sorted(tenants)]


def _discover(org) -> tuple[list[Tenant], list[dict]]:
    """Members of an AWS Organization or projects below a GCP organisation / folder."""
    if org.provider == "gcp":
        from ..providers.gcp.discovery import discover_projects

        return discover_projects(org)
    return _discover_aws(org)


def _discover_aws(org: AwsOrganization) -> tuple[list[Tenant], list[dict]]:
    from ..providers.aws.organizations import discover_accounts, organization_session

    return discover_accounts(org, organization_session(org))
