"""Seal a tenant-day's dispositions beside its findings, and check a dispositions file against the store.

The `dispositions` partition reads only the day's sealed findings and the dispositions file; its manifest
names the findings manifest's SHA-256, the file's path and SHA-256, so the same findings and the same file
re-derive byte-identical rows, and an auditor can see which version of the file applied to which day. The
findings partition is never touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..schema.dispositions import FINDING_DISPOSITIONS
from ..snapshot import DerivedStore, SnapshotError, SnapshotRef, SnapshotStore
from .apply import counts, dispositions_table
from .file import DispositionsError, Loaded, load_dispositions

log = logging.getLogger(__name__)

KIND = "dispositions"
TABLE = FINDING_DISPOSITIONS.name


def _loaded(source: Loaded | str | Path) -> Loaded:
    return source if isinstance(source, Loaded) else load_dispositions(source)


def derive_dispositions(
    root: str | SnapshotStore, ref: SnapshotRef, source: Loaded | str | Path | None
) -> dict | None:
    """Seal the dispositions of `ref`'s sealed findings from the file `source`; returns the manifest.

    Without a file (None) nothing is written. A partition sealed earlier is kept only while it still
    annotates the findings sealed now (same findings table); otherwise it would pin decisions to findings
    it was not derived from, so re-deriving without the file is refused (DispositionsError)."""
    derived = DerivedStore(root)
    findings_raw = derived.manifest_bytes("findings", ref)
    findings_manifest = derived.manifest("findings", ref)
    findings_sha = findings_manifest["tables"]["findings"]["sha256"]
    if source is None:
        _keep_or_refuse(derived, ref, findings_sha)
        return None
    loaded = _loaded(source)
    findings = derived.read("findings", ref, "findings", columns=["finding_id", "result"])
    as_of = dt.datetime.fromisoformat(findings_manifest["params"]["as_of"])
    tbl = dispositions_table(
        findings,
        loaded,
        provider=ref.provider,
        tenant_id=ref.tenant_id,
        snapshot_date=ref.snapshot_date,
        as_of=as_of,
    )
    day = ref.snapshot_date.isoformat()
    sealed = derived.write(
        KIND,
        ref,
        {TABLE: (FINDING_DISPOSITIONS, tbl)},
        inputs={
            f"findings {day}": hashlib.sha256(findings_raw).hexdigest(),
            "dispositions file": loaded.sha256,
        },
        params={
            "dispositions_file": loaded.path,
            "dispositions_sha256": loaded.sha256,
            "findings_sha256": findings_sha,
            "max_expiry_days": loaded.file.max_expiry_days,
            "as_of": as_of.astimezone(dt.UTC).isoformat(),
        },
        status=findings_manifest["status"],
    )
    log.info(
        "dispositions %s/%s/%s: %d row(s) from %s",
        ref.provider,
        ref.tenant_id,
        day,
        tbl.num_rows,
        loaded.path,
    )
    return sealed


def _keep_or_refuse(derived: DerivedStore, ref: SnapshotRef, findings_sha: str) -> None:
    try:
        recorded = derived.manifest(KIND, ref)["params"].get("findings_sha256")
    except SnapshotError:
        return
    if recorded != findings_sha:
        raise DispositionsError(
            f"dispositions of {ref.provider}:{ref.tenant_id} on {ref.snapshot_date} were sealed for findings that "
            "have since been re-derived differently: re-derive with the dispositions file (--dispositions)"
        )
    log.info("dispositions %s: no file given, the sealed ones still annotate these findings", ref)


def sealed_dispositions(derived: DerivedStore, ref: SnapshotRef) -> pa.Table | None:
    """The day's sealed dispositions, or None when none were derived."""
    try:
        return derived.read(KIND, ref, TABLE)
    except SnapshotError:
        return None


def check(root: str, loaded: Loaded, date: dt.date, tenant: str | None = None) -> dict:
    """The file against the sealed findings of `date` (read only; nothing is derived or sealed): entries
    expired or pending on the day, entries matching no finding (stale, including entries for tenants with
    no sealed findings that day), and the open findings no active entry covers."""
    store = SnapshotStore(root)
    derived = DerivedStore(store)
    refs = [r for r in store.list_snapshots(tenant_id=tenant) if r.snapshot_date == date]
    report = {
        "date": date,
        "entries": len(loaded.entries),
        "expired": [],
        "pending": [],
        "stale": [],
        "undispositioned": [],
        "not_derived": [],
    }
    seen_tenants, totals = set(), {"open": 0, "dispositioned": 0, "undispositioned": 0}
    for ref in refs:
        try:
            as_of = dt.datetime.fromisoformat(derived.manifest("findings", ref)["params"]["as_of"])
            findings = derived.read("findings", ref, "findings")
        except SnapshotError:
            report["not_derived"].append(f"{ref.provider}:{ref.tenant_id}")
            continue
        seen_tenants.add(f"{ref.provider}:{ref.tenant_id}")
        tbl = dispositions_table(
            findings, loaded, provider=ref.provider, tenant_id=ref.tenant_id, snapshot_date=date, as_of=as_of
        )
        rows = tbl.to_pylist()
        for status in ("expired", "pending", "stale"):
            report[status] += sorted(
                {
                    (
                        r["entry"],
                        f"{r['provider']}:{r['tenant_id']}",
                        r["selector"],
                        r["expires_on"],
                        r["approved_on"],
                    )
                    for r in rows
                    if r["status"] == status
                }
            )
        for k, v in counts(findings, tbl).items():
            if k in totals:
                totals[k] += v
        active = {r["finding_id"] for r in rows if r["status"] == "active"}
        for f in findings.to_pylist():
            if f["result"] == "fail" and f["finding_id"] not in active:
                report["undispositioned"].append(
                    (f"{f['provider']}:{f['tenant_id']}", f["finding_id"], f["severity"], f["sentence"])
                )
    for n, e in enumerate(loaded.entries, start=1):
        unseen = e.tenant not in seen_tenants and e.tenant not in report["not_derived"]
        if unseen and (tenant is None or e.tenant_id == tenant):
            report["stale"].append((n, e.tenant, e.selector, e.expires_on, e.approved_on))
    report["stale"].sort()
    report["totals"] = totals
    return report


#: The disposition columns `annotate` adds to findings (status is named disposition_status there).
ANNOTATION = ("disposition", "disposition_status", "approved_by", "approved_on", "expires_on", "ticket")


def annotate(root: str, findings: pa.Table, loaded: Loaded | None = None) -> pa.Table:
    """`findings` (of one date, any tenants) with the disposition columns: from `loaded` evaluated at each
    tenant's as_of when a file is given (nothing is sealed), else from the day's sealed dispositions
    (null where none were derived). Rows keep their order; the findings' own columns are unchanged."""
    derived = DerivedStore(root)
    parts = []
    for provider, tenant_id, day, as_of in sorted(
        {
            (r["provider"], r["tenant_id"], r["snapshot_date"], r["as_of"])
            for r in findings.select(["provider", "tenant_id", "snapshot_date", "as_of"]).to_pylist()
        }
    ):
        if loaded is not None:
            mask = pc.and_(
                pc.equal(findings["provider"], provider), pc.equal(findings["tenant_id"], tenant_id)
            )
            part = dispositions_table(
                findings.filter(mask),
                loaded,
                provider=provider,
                tenant_id=tenant_id,
                snapshot_date=day,
                as_of=as_of,
            )
        else:
            part = sealed_dispositions(derived, SnapshotRef(provider, tenant_id, day))
        if part is not None:
            parts.append(part.cast(FINDING_DISPOSITIONS.schema))
    ann = pa.concat_tables(parts) if parts else FINDING_DISPOSITIONS.schema.empty_table()
    ann = ann.filter(pc.not_equal(ann["status"], "stale"))
    by_key = {
        (r["provider"], r["tenant_id"], r["finding_id"]): r
        for r in ann.select(["provider", "tenant_id", "finding_id", *_SOURCE]).to_pylist()
    }
    keys = findings.select(["provider", "tenant_id", "finding_id"]).to_pylist()
    hits = [by_key.get((k["provider"], k["tenant_id"], k["finding_id"]), {}) for k in keys]
    for name, source in zip(ANNOTATION, _SOURCE, strict=True):
        column = pa.array([h.get(source) for h in hits], FINDING_DISPOSITIONS.schema.field(source).type)
        findings = findings.append_column(name, column)
    return findings


_SOURCE = ("disposition", "status", "approved_by", "approved_on", "expires_on", "ticket")
