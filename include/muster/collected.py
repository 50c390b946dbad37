"""What a provider collector hands to the sealer: normalised rows plus the collection ledger.

Provider-neutral. A collector never raises for problems inside one tenant that it knows how to
describe; it returns an `EntityResult` with status partial / failed / not_collected instead, so that
other tenants go on and the snapshot says plainly what is missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import partial

import pyarrow as pa

from . import __version__
from .schema import COLLECTION, CREDENTIALS, GRANTS, PRINCIPALS, ROLE_DEFINITIONS, TableSpec, to_table
from .schema.validate import columnar_rows, finish_table
from .threads import in_order

#: The row tables of a Collected, by attribute name.
ROW_TABLES: dict[str, TableSpec] = {
    "principals": PRINCIPALS,
    "credentials": CREDENTIALS,
    "grants": GRANTS,
    "role_definitions": ROLE_DEFINITIONS,
}


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
    """Normalised rows of one tenant on one day, before sealing.

    ``principals``, ``credentials``, ``grants`` and ``role_definitions`` read and write as lists of row dicts.
    A collector may also hand over rows as Arrow tables (``add_columnar``), which ``tables`` validates
    without a round trip through dicts; reading the attribute turns them into row dicts once (from then on
    the list is the truth, so changes made through it are kept).
    """

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
    #: Parts of the tenant the collector enumerated, by what they are (Azure: "subscriptions" -> the record
    #: of the subscriptions ARM listed); written as discovery records when the snapshot is sealed
    #: (snapshot/seal.py ``write_discovery``), beside the organisations' listings.
    discovery: dict[str, dict] = field(default_factory=dict)

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

    def add_columnar(self, name: str, tbl: pa.Table) -> None:
        """Add rows of table ``name`` as an Arrow table with exactly the declared schema."""
        spec = ROW_TABLES[name]
        if tbl.schema != spec.schema or tbl.schema.metadata != spec.schema.metadata:
            raise ValueError(f"table {name}: columnar rows must have the declared schema")
        rows, parts = _pending(self).get(name, ([], []))
        if name in self.__dict__:  # the list a caller may hold and append to stays part of the table
            rows = self.__dict__.pop(name)
        _pending(self)[name] = (rows, [*parts, tbl])

    def tables(self, run_id: str, collected_at: dt.datetime) -> dict[str, pa.Table]:
        """Validated, sorted Arrow tables ready for SnapshotStore.write_snapshot (on threads when cores are
        idle: the checks are Arrow kernels, which release the GIL; errors are those of a loop)."""
        jobs = {name: partial(self._table, name, spec) for name, spec in ROW_TABLES.items()}
        jobs["collection"] = partial(to_table, COLLECTION, self.collection_rows(run_id, collected_at))
        return in_order(jobs)

    def _table(self, name: str, spec: TableSpec) -> pa.Table:
        pending = _pending(self)
        if name in self.__dict__ or name not in pending:
            pending.pop(name, None)  # assigned since: the new list replaces the columnar rows
            return to_table(spec, getattr(self, name))
        rows, parts = pending[name]
        return finish_table(spec, [to_table(spec, rows), *parts] if rows else parts)


class _RowList:
    """The row-dict view of one table (see ``Collected``).

    A non-data descriptor: while a table has no columnar rows its list lives in the instance dict and is
    read and assigned at plain attribute speed; ``add_columnar`` moves it aside, and the next read brings
    it back with the columnar rows appended as dicts.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: Collected | None, owner: type) -> list[dict]:
        if obj is None:
            return self
        rows, parts = _pending(obj).pop(self.name, ([], []))
        for part in parts:
            rows.extend(columnar_rows(part))
        obj.__dict__[self.name] = rows
        return rows


def _pending(obj: Collected) -> dict[str, tuple[list[dict], list[pa.Table]]]:
    """Table name -> (row dicts, Arrow tables) of the tables that have columnar rows."""
    return obj.__dict__.setdefault("_columnar", {})


# After @dataclass has generated __init__, __eq__ and __repr__ (which set and read these attributes).
for _name in ROW_TABLES:
    setattr(Collected, _name, _RowList(_name))
