"""The state of one AWS account's transform (``Run``) and the pieces every part of it shares.

Split out of transform.py so that the row path (row_users.py, row_roles.py), the column-wise path
(batch_*.py), policies.py and credential_*.py can all name ``Run`` and the entity ledger without importing the
orchestrator that imports them. ``ENTITY_FEEDS`` is declared in raw.py, the seam with extract.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pyarrow as pa

from ...collected import Collected, EntityResult
from ...config import Tenant
from .classify import Classifier
from .partition import account_partition
from .policies import GAAD
from .raw import ENTITY_FEEDS, RawAccount
from .report_lines import parse_time

REPORT = "credential_report"
#: At most this many names are listed in one error message; the rest are counted.
MAX_NAMES = 20


def listing(names: set[str] | list[str]) -> str:
    """A sorted, bounded, comma-separated list of names for an error message."""
    ordered = sorted(names)
    shown = ", ".join(ordered[:MAX_NAMES])
    return shown + (f" and {len(ordered) - MAX_NAMES} more" if len(ordered) > MAX_NAMES else "")


class Run:
    """The state of one account's transform: output, entity ledger, and the helpers the parts share."""

    def __init__(self, raw: RawAccount, tenant: Tenant, snapshot_date: dt.date) -> None:
        self.raw = raw
        self.account_id = raw.account_id
        #: aws, aws-us-gov, aws-cn, ...: the privilege analysis names the account's own ARNs in it.
        self.partition = account_partition(raw.authorization_details, raw.account_id)
        self.scope = f"account/{raw.account_id}"
        self.base = {"provider": "aws", "tenant_id": raw.account_id, "snapshot_date": snapshot_date}
        self.out = Collected("aws", raw.account_id, snapshot_date, caller_identity=raw.caller_arn)
        self.entities = {e.entity: dataclasses.replace(e) for e in raw.entities}
        self.out.entities = list(self.entities.values())
        self.classifier = Classifier(tenant)
        self.principal_ids: dict[str, str] = {}
        #: Rows built column-wise, handed to ``out`` when the transform is done (row code appends until then).
        self.columnar: dict[str, list[pa.Table]] = {}

    def add_columnar(self, table: str, rows: pa.Table) -> None:
        self.columnar.setdefault(table, []).append(rows)

    def entity(self, name: str) -> EntityResult:
        """The named entity, added (as complete) when the raw account did not list it."""
        if name not in self.entities:
            self.entities[name] = EntityResult(name, ENTITY_FEEDS.get(name, "principals"))
            self.out.entities.append(self.entities[name])
        return self.entities[name]

    def fail(self, entity: str, message: str, status: str = "partial") -> None:
        self.entity(entity).fail(self.message(entity, message), status)

    def message(self, entity: str, what: str) -> str:
        """The error format shared with extract: account, entity, then object and field."""
        return f"account {self.account_id}: {entity}: {what}"

    def note(self, entity: str, message: str) -> None:
        """Record a fact on an entity without changing its status."""
        e = self.entity(entity)
        text = self.message(entity, message)
        e.error = text if not e.error else f"{e.error}; {text}"

    def time(self, value: object, entity: str, what: str, field: str) -> dt.datetime | None:
        """An aware UTC datetime, or None; a malformed value makes the entity partial (value not repeated)."""
        if value is None or value == "":
            return None
        try:
            return parse_time(value)
        except (ValueError, TypeError):
            self.fail(entity, f"{what} field {field} is not an ISO-8601 date")
            return None

    def claim(self, principal_id: str, label: str) -> bool:
        """Reserve a principal id; a second identity with the same id is skipped and recorded."""
        first = self.principal_ids.get(principal_id)
        if first is None:
            self.principal_ids[principal_id] = label
            return True
        if first == label:
            self.fail(GAAD, f"{label} (id {principal_id}) is listed twice; the second listing skipped")
        else:
            self.fail(GAAD, f"{label} has the same id {principal_id} as {first}; {label} skipped")
        return False
