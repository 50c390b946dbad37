"""The review evidence of a bundle: which dispositions applied to the findings, from the sealed partitions.

Read only from the `finding_dispositions` partitions sealed for the bundle's days (never from a dispositions
file at bundle time: what applied on a day is what was sealed that day). Per tenant, the figures are those of
its latest day in the bundle with sealed findings: the open (failing) findings, how many an active
disposition covers, how many none does (expired, pending or no entry), and the entries expired, pending and
stale that day. A tenant whose latest findings day has no sealed dispositions has none recorded: every open
finding counts as undispositioned.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..dispositions import ANNOTATION, counts
from ..schema.dispositions import FINDING_DISPOSITIONS
from . import tabular

CSV = "dispositions.csv"
TABLE = FINDING_DISPOSITIONS.name
#: dispositions.csv: each tenant's entries on its latest day, as an auditor reads them.
CSV_COLUMNS = [
    "provider",
    "tenant_id",
    "snapshot_date",
    "finding_id",
    "status",
    "result",
    "disposition",
    "justification",
    "approved_by",
    "approved_on",
    "expires_on",
    "ticket",
    "entry",
    "selector",
    "dispositions_sha256",
]


def _latest_day(tbl: pa.Table, provider: str, tenant_id: str):
    mask = pc.and_(pc.equal(tbl["provider"], provider), pc.equal(tbl["tenant_id"], tenant_id))
    part = tbl.filter(mask)
    day = pc.max(part["snapshot_date"]).as_py() if part.num_rows else None
    return part, day


def summary(findings: pa.Table | None, disp: pa.Table | None, inputs: list[dict]) -> dict:
    """Per tenant with findings: its latest findings day and the counts of that day; the rows of that day for
    dispositions.csv; and every dispositions file (SHA-256) that applied, with its first and last day.
    `inputs` are the bundle's derived inputs (gather.gather_derived): which days had dispositions sealed."""
    sealed = [i for i in inputs if i["kind"] == "dispositions"]
    days = {(i["provider"], i["tenant_id"], i["date"]) for i in sealed}
    tenants, rows = [], []
    if findings is not None:
        for key in sorted(
            {(r["provider"], r["tenant_id"]) for r in findings.select(["provider", "tenant_id"]).to_pylist()}
        ):
            part, day = _latest_day(findings, *key)
            day_findings = part.filter(pc.equal(part["snapshot_date"], day))
            day_disp = None
            if disp is not None:
                dpart = disp.filter(
                    pc.and_(pc.equal(disp["provider"], key[0]), pc.equal(disp["tenant_id"], key[1]))
                )
                if dpart.num_rows and day in set(dpart["snapshot_date"].to_pylist()):
                    day_disp = dpart.filter(pc.equal(dpart["snapshot_date"], day))
                    rows += day_disp.sort_by([("finding_id", "ascending")]).to_pylist()
            recorded = (*key, day.isoformat()) in days
            tenants.append(
                {
                    "tenant": f"{key[0]}:{key[1]}",
                    "date": day,
                    "recorded": recorded,
                    **counts(day_findings, day_disp),
                }
            )
    return {"tenants": tenants, "rows": rows, "files": _files(sealed)}


def _files(sealed: list[dict]) -> list[dict]:
    """Each dispositions file version (SHA-256) sealed in the period: its first and last day and tenant-days."""
    spans: dict[str, dict] = {}
    for i in sealed:
        f = spans.setdefault(i["dispositions_sha256"], {"sha256": i["dispositions_sha256"], "days": 0})
        f["first"] = min(f.get("first", i["date"]), i["date"])
        f["last"] = max(f.get("last", i["date"]), i["date"])
        f["days"] += 1
    return sorted(spans.values(), key=lambda f: (f["first"], f["sha256"]))


def annotate_rows(rows: list[dict], disp: pa.Table | None) -> None:
    """Add to each distinct finding (findings.csv / .xlsx) the disposition that applied on its last day seen."""
    by_key = {}
    if disp is not None:
        for r in disp.filter(pc.not_equal(disp["status"], "stale")).to_pylist():
            by_key[(r["provider"], r["tenant_id"], r["snapshot_date"], r["finding_id"])] = r
    for r in rows:
        d = by_key.get((r["provider"], r["tenant_id"], r["snapshot_date"], r["finding_id"]), {})
        r.update({name: d.get(src) for name, src in zip(ANNOTATION, _SOURCE, strict=True)})


_SOURCE = ("disposition", "status", "approved_by", "approved_on", "expires_on", "ticket")


def write_csv(work: Path, rows: list[dict]) -> None:
    tabular.write_csv(work / CSV, CSV_COLUMNS, ([r.get(c) for c in CSV_COLUMNS] for r in rows))
