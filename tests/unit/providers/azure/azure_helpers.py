"""Shared helpers for Azure transform tests: fixtures from tests/fixtures/azure, a RawTenant builder."""

import datetime as dt
import json
from pathlib import Path

from muster.collected import EntityResult
from muster.config import Tenant
from muster.providers.azure.populations import FEEDS
from muster.providers.azure.raw import RawTenant

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "azure"
TENANT = "02b2b7cc-fb03-4324-bf6b-eb207b39c479"
DAY = dt.date(2026, 11, 2)
NOW = dt.datetime(2026, 11, 2, 3, tzinfo=dt.UTC)


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def raw(**fields) -> RawTenant:
    """A RawTenant with every Graph entity collected (empty unless given) and the given fields."""
    base = dict(
        users=[],
        service_principals=[],
        applications=[],
        federated={},
        directory_role_definitions=[],
        directory_role_assignments=[],
        app_role_resources=[],
        app_role_assignments=[],
        sp_sign_in=[],
        mfa_registration=[],
        app_credential_sign_in=[],
        groups=[],
        group_members={},
        users_sign_in=True,
    )
    base.update(fields)
    entities = [
        EntityResult(e, FEEDS[e])
        for e in FEEDS
        if e not in ("role_assignments", "role_eligibility", "role_definitions")
    ]
    return RawTenant(tenant_id=TENANT, observed_at=NOW, caller="tester", entities=entities, **base)


def tenant(**fields) -> Tenant:
    return Tenant(provider="azure", id=TENANT, **fields)


def statuses(collected) -> dict[str, str]:
    return {e.entity: e.status for e in collected.entities}
