"""Read one sealed tenant-day as the ledger sees it: its tables and what its manifests vouch for.

Every table is read through the store, which checks its SHA-256 against the sealed manifest; a snapshot
of another schema version is refused with a clear error rather than folded in silently.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

import pyarrow as pa

from ..schema import CREDENTIALS, FINDINGS, PRINCIPALS, SCHEMA_VERSION
from ..snapshot import DerivedStore, SnapshotError, SnapshotRef, SnapshotStore
from .state import CREDENTIAL_INPUT, FINDING_INPUT, PRINCIPAL_INPUT, Observation, input_schema

log = logging.getLogger(__name__)


class LedgerError(SnapshotError):
    """A sealed input cannot be read into the ledger (other schema version, missing table)."""


def label(ref: SnapshotRef) -> str:
    return f"{ref.provider}/{ref.tenant_id}/{ref.snapshot_date.isoformat()}"


def snapshot_key(ref: SnapshotRef) -> str:
    return f"snapshot {label(ref)}"


def findings_key(ref: SnapshotRef) -> str:
    return f"findings {label(ref)}"


def snapshot_digest(store: SnapshotStore, ref: SnapshotRef) -> str:
    return hashlib.sha256(store.manifest_bytes(ref)).hexdigest()


def findings_manifest(derived: DerivedStore, ref: SnapshotRef) -> dict | None:
    """The sealed findings of the day, or None when the rules have not been run for it."""
    try:
        return derived.manifest("findings", ref)
    except SnapshotError:
        return None


def findings_digest(manifest: dict | None) -> str:
    """Content hash of the day's findings table (a re-derivation with the same result keeps it)."""
    if manifest is None or "findings" not in manifest["tables"]:
        return "missing"
    return f"{manifest['status']}:{manifest['tables']['findings']['sha256']}"


def uncollected_kinds(entry: dict) -> tuple[str, ...]:
    """Credential kinds the manifest lists as not collected ("*": the whole table)."""
    return tuple(sorted({item.split(" ", 1)[0] for item in entry.get("not_collected", [])}))


def collected_at(manifest: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(manifest["collected_at"]).astimezone(dt.UTC)


def check_schema(manifest: dict, ref: SnapshotRef) -> None:
    version = manifest.get("versions", {}).get("schema")
    if version != SCHEMA_VERSION:
        raise LedgerError(
            f"snapshot {label(ref)} has schema version {version!r}; the ledger reads version {SCHEMA_VERSION}"
        )


def _complete(manifest: dict, table: str) -> bool:
    return manifest["tables"].get(table, {}).get("status", "complete") == "complete"


def _read(store: SnapshotStore, ref: SnapshotRef, table: str, columns, spec) -> pa.Table:
    """The columns the ledger folds (only those are decoded); a table lacking one is an error."""
    try:
        tbl = store.read_table(ref, table, columns=list(columns))
    except (KeyError, pa.ArrowInvalid):
        tbl = store.read_table(ref, table)  # some column is missing: read all to name it below
    missing = [c for c in columns if c not in tbl.column_names]
    if missing:
        raise LedgerError(f"snapshot {label(ref)}: table {table} lacks column(s) {missing}")
    return tbl.select(list(columns)).cast(input_schema(spec, columns))


def observe(store: SnapshotStore, derived: DerivedStore, ref: SnapshotRef) -> Observation:
    """The whole tenant-day: principals, credentials and findings."""
    manifest = store.manifest(ref)
    check_schema(manifest, ref)
    fm = findings_manifest(derived, ref)
    if fm is None:
        log.warning("ledger: no sealed findings for %s; nothing can be resolved on that day", label(ref))
        findings = input_schema(FINDINGS, FINDING_INPUT).empty_table()
    else:
        findings = derived.read("findings", ref, "findings", columns=list(FINDING_INPUT))
        findings = findings.select(list(FINDING_INPUT)).cast(input_schema(FINDINGS, FINDING_INPUT))
    return Observation(
        date=ref.snapshot_date,
        principals=_read(store, ref, "principals", PRINCIPAL_INPUT, PRINCIPALS),
        credentials=_read(store, ref, "credentials", CREDENTIAL_INPUT, CREDENTIALS),
        findings=findings,
        principals_complete=_complete(manifest, "principals"),
        credentials_complete=_complete(manifest, "credentials"),
        # What the day vouches for is the snapshot's to say; its findings only need to be sealed.
        findings_complete=fm is not None and manifest["status"] == "complete",
        uncollected_kinds=uncollected_kinds(manifest["tables"].get("credentials", {})),
    )


def observe_principals(store: SnapshotStore, ref: SnapshotRef) -> Observation:
    """Only the identities of a tenant-day (for the people of other tenants)."""
    manifest = store.manifest(ref)
    check_schema(manifest, ref)
    return Observation(
        date=ref.snapshot_date,
        principals=_read(store, ref, "principals", PRINCIPAL_INPUT, PRINCIPALS),
        credentials=input_schema(CREDENTIALS, CREDENTIAL_INPUT).empty_table(),
        findings=input_schema(FINDINGS, FINDING_INPUT).empty_table(),
        principals_complete=_complete(manifest, "principals"),
        credentials_complete=False,
        findings_complete=False,
    )
