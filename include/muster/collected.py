"""What a provider collector hands to the sealer: normalised rows plus the collection ledger.

Provider-neutral. A collector never raises for problems inside one tenant that it knows how to
describe; it returns an `EntityResult` with status partial / failed / not_collected instead, so that
other tenants go on and the snapshot says plainly what is missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pyarrow as pa

from . import __version__
from .schema import COLLECTION, CREDENTIALS, GRANTS, PRINCIPALS, ROLE_DEFINITIONS, to_table


@dataclass
class EntityResult:
    """One row of the collection table: how one API population was collected."""

    entity: str
    feeds: str  # comma-separated tables, or table:kind, that this entity fills
    status: str = "complete"
    api_calls: int = 0
    pages: int = 0
    retries: int = 0
    throttles: int = 0
    items: int = 0
    error: str | None = None
    source_as_of: dt.datetime | None = None

    def fail(self, message: str, status: str = "failed") -> None:
        """Downgrade the status (never upgrade) and append the message."""
        order = ["complete", "not_collected", "partial", "failed"]
        if status == "not_observable" or order.index(status) > order.index(self.status):
            self.status = status
        self.error = message if not self.error else f"{self.error}; {message}"


@dataclass
class Collected:
    """Normalised rows of one tenant on one day, before sealing."""

    provider: str
    tenant_id: str
    snapshot_date: dt.date
    principals: list[dict] = field(default_factory=list)
    credentials: list[dict] = field(default_factory=list)
    grants: list[dict] = field(default_factory=list)
    role_definitions: list[dict] = field(default_factory=list)
    entities: list[EntityResult] = field(default_factory=list)
    caller_identity: str | None = None
    #: Facts about the collection for the manifest (e.g. discovered accounts, endpoint used).
    notes: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        rank = {"failed": 0, "partial": 1, "not_observable": 2, "not_collected": 3, "complete": 4}
        return min((e.status for e in self.entities), key=rank.get, default="failed")

    def provenance(self) -> dict:
        return {"provider": self.provider, "tenant_id": self.tenant_id, "snapshot_date": self.snapshot_date}

    def collection_rows(self, run_id: str, collected_at: dt.datetime) -> list[dict]:
        base = self.provenance()
        return [
            {
                **base,
                "run_id": run_id,
                "entity": e.entity,
                "status": e.status,
                "feeds": e.feeds,
                "api_calls": e.api_calls,
                "pages": e.pages,
                "retries": e.retries,
                "throttles": e.throttles,
                "items": e.items,
                "error": e.error,
                "caller_identity": self.caller_identity,
                "collector_version": __version__,
                "source_as_of": e.source_as_of,
                "collected_at": collected_at,
            }
            for e in self.entities
        ]

    def tables(self, run_id: str, collected_at: dt.datetime) -> dict[str, pa.Table]:
        """Validated, sorted Arrow tables ready for SnapshotStore.write_snapshot."""
        return {
            "principals": to_table(PRINCIPALS, self.principals),
            "credentials": to_table(CREDENTIALS, self.credentials),
            "grants": to_table(GRANTS, self.grants),
            "role_definitions": to_table(ROLE_DEFINITIONS, self.role_definitions),
            "collection": to_table(COLLECTION, self.collection_rows(run_id, collected_at)),
        }
