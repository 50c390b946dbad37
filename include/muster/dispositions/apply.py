"""Which entry of the dispositions file applies to which finding of a tenant-day, and whether it is in force.

Pure: the day's findings, the validated file and `as_of` (the findings' as_of) go in; the
`finding_dispositions` table comes out. A finding takes the exact entry naming it, else the first wildcard
entry (in file order) matching it. An entry is in force from approved_on through expires_on, judged on
as_of's UTC date: a decision approved after the day is `pending` (never backdated onto earlier evidence), one
past its expiry `expired`; either way the finding counts as undispositioned. An entry of the tenant matching
no finding of the day is `stale`.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc

from ..schema import to_table
from ..schema.dispositions import FINDING_DISPOSITIONS
from .file import Entry, Loaded


def status_on(entry: Entry, day: dt.date) -> str:
    """active, pending (approved after `day`) or expired (past expires_on) on `day`."""
    if day < entry.approved_on:
        return "pending"
    if entry.expires_on is not None and day > entry.expires_on:
        return "expired"
    return "active"


def entries_for(loaded: Loaded, provider: str, tenant_id: str) -> list[tuple[int, Entry]]:
    """The tenant's entries with their numbers in the file (1 = first)."""
    tenant = f"{provider}:{tenant_id}"
    return [(n, e) for n, e in enumerate(loaded.entries, start=1) if e.tenant == tenant]


def matches(findings: pa.Table, entries: list[tuple[int, Entry]]) -> dict[str, tuple[int, Entry]]:
    """finding_id -> the (number, entry) that applies to it: exact entries first, then globs in file order.
    Only rows starting with a glob's literal prefix are tested against it, so a large day is not walked
    once per entry."""
    ids = findings.column("finding_id")
    present = set(
        pc.filter(
            ids, pc.is_in(ids, pa.array([e.selector for _, e in entries if e.exact], pa.string()))
        ).to_pylist()
    )
    applied = {e.selector: (n, e) for n, e in entries if e.exact and e.selector in present}
    for n, e in entries:
        if e.exact:
            continue
        prefix = e.selector.split("*", 1)[0]
        candidates = pc.filter(ids, pc.starts_with(ids, prefix)).to_pylist()
        pattern = e.matcher()
        for fid in candidates:
            if fid not in applied and pattern.fullmatch(fid):
                applied[fid] = (n, e)
    return applied


def matched_entries(findings: pa.Table, entries: list[tuple[int, Entry]]) -> set[int]:
    """Numbers of the entries that match at least one finding (whether or not another entry took it)."""
    ids = findings.column("finding_id")
    out = set()
    for n, e in entries:
        prefix = e.selector.split("*", 1)[0] if not e.exact else e.selector
        candidates = pc.filter(ids, pc.starts_with(ids, prefix)).to_pylist()
        if any(e.matcher().fullmatch(fid) for fid in candidates):
            out.add(n)
    return out


def dispositions_table(
    findings: pa.Table,
    loaded: Loaded,
    *,
    provider: str,
    tenant_id: str,
    snapshot_date: dt.date,
    as_of: dt.datetime,
) -> pa.Table:
    """The finding_dispositions rows of one tenant-day (see muster.schema.dispositions)."""
    entries = entries_for(loaded, provider, tenant_id)
    day = as_of.astimezone(dt.UTC).date()
    results = dict(
        zip(findings.column("finding_id").to_pylist(), findings.column("result").to_pylist(), strict=True)
    )
    base = {
        "provider": provider,
        "tenant_id": tenant_id,
        "snapshot_date": snapshot_date,
        "dispositions_sha256": loaded.sha256,
        "as_of": as_of,
    }
    rows = [
        {**base, **_decision(n, e), "finding_id": fid, "status": status_on(e, day), "result": results[fid]}
        for fid, (n, e) in matches(findings, entries).items()
    ]
    used = matched_entries(findings, entries)
    rows += [
        {**base, **_decision(n, e), "finding_id": e.selector, "status": "stale", "result": None}
        for n, e in entries
        if n not in used
    ]
    return to_table(FINDING_DISPOSITIONS, rows)


def _decision(n: int, e: Entry) -> dict:
    return {
        "selector": e.selector,
        "entry": n,
        "disposition": e.disposition,
        "justification": e.justification,
        "approved_by": e.approved_by,
        "approved_on": e.approved_on,
        "expires_on": e.expires_on,
        "ticket": e.ticket,
    }


def counts(findings: pa.Table, dispositions: pa.Table | None) -> dict[str, int]:
    """Open (failing) findings of a day, how many an active disposition covers and how many it does not
    (expired, pending or none), and the entries expired, pending and stale that day."""
    fail = pc.equal(findings.column("result"), "fail")
    open_ids = set(pc.filter(findings.column("finding_id"), fail).to_pylist())
    rows = dispositions.to_pylist() if dispositions is not None else []
    active = {r["finding_id"] for r in rows if r["status"] == "active"}
    by_status = {
        s: len({r["entry"] for r in rows if r["status"] == s}) for s in ("expired", "pending", "stale")
    }
    covered = len(open_ids & active)
    return {
        "open": len(open_ids),
        "dispositioned": covered,
        "undispositioned": len(open_ids) - covered,
        **{f"{s}_entries": n for s, n in by_status.items()},
    }
