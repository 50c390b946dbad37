"""Reading sealed ledgers back: the latest (or one date's) ledger of each tenant, for the CLI and the demo."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from ..schema.ledger import LEDGER_TABLES
from ..snapshot import DerivedStore, SnapshotError, SnapshotRef

#: Short names the CLI accepts for the ledger's tables.
TABLES = {
    "findings": "finding_history",
    "credentials": "credential_lifecycle",
    "principals": "principal_lifecycle",
    "revocations": "revocation_latency",
}


def ledger_refs(
    root: str, date: dt.date | None = None, provider: str | None = None, tenant_id: str | None = None
) -> list[SnapshotRef]:
    """Per tenant, its sealed ledger on `date`, or its latest one when no date is given."""
    latest: dict[tuple[str, str], SnapshotRef] = {}
    for ref in DerivedStore(root).list("ledger", provider, tenant_id):
        if date is None or ref.snapshot_date == date:
            latest[(ref.provider, ref.tenant_id)] = ref  # list() is sorted: the last one wins
    return [latest[k] for k in sorted(latest)]


def read_ledger(
    root: str,
    table: str,
    date: dt.date | None = None,
    provider: str | None = None,
    tenant_id: str | None = None,
) -> pa.Table:
    """One ledger table (its full or short name) across tenants, each at `date` or at its latest date."""
    name = TABLES.get(table, table)
    spec = {s.name: s for s in LEDGER_TABLES}.get(name)
    if spec is None:
        raise ValueError(f"unknown ledger table {table!r}; one of {', '.join(TABLES)}")
    derived = DerivedStore(root)
    parts = [derived.read("ledger", r, name) for r in ledger_refs(root, date, provider, tenant_id)]
    return pa.concat_tables(parts) if parts else spec.schema.empty_table()


def _changes(derived: DerivedStore, ref: SnapshotRef) -> list[dict]:
    try:
        return derived.read("changes", ref, "changes").to_pylist()
    except SnapshotError:
        return []


def _what(row: dict, names: dict[str, str]) -> str:
    """A changed entity in a few words: whose, and which role or credential kind."""
    import json

    values = json.loads(row["after"] or row["before"] or "{}")
    who = names.get(row["principal_id"], row["principal_id"]) or values.get("name") or row["entity_key"]
    detail = values.get("role_name") or values.get("kind") or ""
    if row["change"] == "modified":
        detail = f"{detail} ({', '.join(row['changed_columns'] or [])})".strip()
    return f"{who} {detail}".strip()


def change_lines(root: str, ref: SnapshotRef, names: dict[str, str]) -> list[str]:
    """Every added / removed / modified row of the tenant's sealed changes up to `ref`'s date."""
    derived = DerivedStore(root)
    lines = []
    for day in derived.list("changes", ref.provider, ref.tenant_id):
        if day.snapshot_date > ref.snapshot_date:
            continue
        for row in _changes(derived, day):
            if row["change"] in ("added", "removed", "modified") and not row.get("reason"):
                lines.append(
                    f"{day.snapshot_date}  {row['table_name']:<12} {row['change']:<9} {_what(row, names)}"
                )
    return lines


def summary_lines(root: str) -> list[str]:
    """Per tenant: the changes over the period, the findings on its latest ledger date and the revocation
    latency records; what `make demo` prints after the snapshot table."""
    derived = DerivedStore(root)
    lines = ["", "Changes, findings and revocations per tenant (sealed changes, findings and ledger)"]
    for ref in ledger_refs(root):
        people = derived.read("ledger", ref, "principal_lifecycle").to_pylist()
        names = {p["principal_id"]: p["name"] for p in people}
        history = derived.read("ledger", ref, "finding_history").to_pylist()
        states = {s: sum(1 for f in history if f["state"] == s) for s in ("open", "unknown", "resolved")}
        lines += ["", f"{ref.provider}:{ref.tenant_id}", "  changes:"]
        lines += [f"    {line}" for line in change_lines(root, ref, names)] or ["    none"]
        lines.append(
            f"  findings on {ref.snapshot_date} (open {states['open']}, unknown {states['unknown']}, "
            f"resolved {states['resolved']}):"
        )
        shown = [f for f in history if f["state"] == "open" or (f["state"] == "resolved")]
        for f in sorted(shown, key=lambda f: (f["state"], f["rule_id"], f["entity_id"])):
            since = f"since {f['opened_on']}" if f["state"] == "open" else f"resolved {f['resolved_on']}"
            lines.append(
                f"    {f['state']:<8} {f['severity']:<8} {f['rule_id']:<36} {since}: {f['sentence']}"
            )
        for r in derived.read("ledger", ref, "revocation_latency").to_pylist():
            lines.append(f"  revocation: {r['sentence']}")
    return lines
