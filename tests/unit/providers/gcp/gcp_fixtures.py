"""Load the recorded GCP responses under tests/fixtures/gcp and build RawTenants from them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from muster.collected import Collected
from muster.config import Tenant
from muster.providers.gcp.raw import RawTenant, tenant_resource
from muster.providers.gcp.transform import transform_tenant

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "gcp"
DAY = dt.date(2026, 11, 2)


def body(relpath: str) -> dict:
    """The API response recorded by cloud-custodian (the ``body`` of one flight file)."""
    return json.loads((FIXTURES / "custodian" / relpath).read_text())["body"]


def data(name: str) -> dict:
    folder = "forseti" if name.startswith("mock_") else "cartography"
    return json.loads((FIXTURES / folder / name).read_text())


def raw_tenant(tenant_id: str, **parts) -> RawTenant:
    """A RawTenant whose tenant entity (project / organization / folder) was read fine."""
    level, resource = tenant_resource(tenant_id)
    raw = RawTenant(tenant_id=tenant_id, level=level, resource=resource, node={"name": resource}, **parts)
    raw.entity(level).items = 1
    return raw


def run(raw: RawTenant, **tenant) -> Collected:
    out = transform_tenant(raw, Tenant(provider="gcp", id=raw.tenant_id, **tenant), DAY)
    out.tables("test-run", dt.datetime(2026, 11, 2, 3, tzinfo=dt.UTC))  # the rows pass strict validation
    return out


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)
