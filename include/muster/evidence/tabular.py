"""CSV and XLSX outputs. CSV cells: null is empty, lists and maps are canonical JSON, times are ISO-8601.

findings.xlsx is written with XlsxWriter (write-only, no dependencies, streams rows in constant memory,
and fixes its zip timestamps, so with the creation time pinned to the bundle's generated_at the file is
byte-reproducible; openpyxl stamps the save time into every file).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa


def cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.UTC).isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list | tuple):
        if v and isinstance(v[0], tuple):  # an Arrow map read as a list of pairs
            return json.dumps(dict(v), sort_keys=True, default=str)
        return json.dumps(list(v), default=str)
    if isinstance(v, dict):
        return json.dumps(v, sort_keys=True, default=str)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def write_csv(path: Path, header: list[str], rows: Iterable[Iterable]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([cell(v) for v in r])
    path.write_text(buf.getvalue(), encoding="utf-8")


def table_to_csv(path: Path, tbl: pa.Table) -> None:
    cols = tbl.column_names
    write_csv(path, cols, ([r[c] for c in cols] for r in tbl.to_pylist()))


FINDING_COLUMNS = [
    "provider",
    "tenant_id",
    "finding_id",
    "rule_id",
    "severity",
    "result",
    "entity_type",
    "entity_id",
    "principal_name",
    "credential_id",
    "first_seen",
    "last_seen",
    "days_observed",
    "sentence",
    "disposition",
    "disposition_status",
    "approved_by",
    "approved_on",
    "expires_on",
    "ticket",
    "criteria",
    "as_of",
    "evidence",
]


def distinct_findings(findings: pa.Table) -> list[dict]:
    """One row per finding over the bundle's days: first and last day seen, days observed, and the content of
    its latest row. Grouped with Arrow; only the distinct rows become Python objects."""
    import pyarrow.compute as pc

    keys = ["provider", "tenant_id", "finding_id"]
    ordered = findings.sort_by([(k, "ascending") for k in [*keys, "snapshot_date"]])
    ordered = ordered.append_column("_row", pa.array(range(ordered.num_rows), pa.int64()))
    spans = (
        ordered.select([*keys, "snapshot_date", "_row"])
        .group_by(keys, use_threads=False)
        .aggregate(
            [("snapshot_date", "min"), ("snapshot_date", "max"), ("snapshot_date", "count"), ("_row", "max")]
        )
    )
    spans = spans.sort_by([(k, "ascending") for k in keys])
    latest = ordered.take(spans["_row_max"]).drop_columns(["_row"])
    latest = latest.append_column("first_seen", spans["snapshot_date_min"])
    latest = latest.append_column("last_seen", spans["snapshot_date_max"])
    latest = latest.append_column("days_observed", pc.cast(spans["snapshot_date_count"], pa.int64()))
    return latest.to_pylist()


def _sheet_name(rule_id: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", rule_id)[:28] or "rule"
    name, i = base, 1
    while name.lower() in used or name.lower() in ("summary", "dispositions"):
        i += 1
        name = f"{base[:25]}~{i}"
    used.add(name.lower())
    return name


def write_findings_xlsx(
    path: Path, rows: list[dict], summary: list[dict], created: dt.datetime, dispositions=()
) -> None:
    """Summary sheet, Dispositions sheet (the rows of dispositions.csv), then one sheet per rule."""
    import xlsxwriter

    from .dispositions import CSV_COLUMNS

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_urls": False})
    wb.set_properties(
        {"title": "Muster findings", "author": "muster", "created": created.replace(tzinfo=None)}
    )
    bold = wb.add_format({"bold": True, "bg_color": "#F3F3F3"})
    head = [
        "rule_id",
        "severity",
        "distinct findings",
        "fail rows",
        "unknown rows",
        "first",
        "last",
        "criteria",
    ]
    ws = wb.add_worksheet("Summary")
    ws.write_row(0, 0, head, bold)
    for i, s in enumerate(summary, start=1):
        ws.write_row(
            i,
            0,
            [
                s["rule_id"],
                s["severity"],
                s["distinct"],
                s["fail"],
                s["unknown"],
                cell(s["first"]),
                cell(s["last"]),
                ", ".join(s.get("criteria", [])),
            ],
        )
    ws.set_column(0, 0, 34)
    ws.set_column(7, 7, 40)
    ds = wb.add_worksheet("Dispositions")
    ds.write_row(0, 0, CSV_COLUMNS, bold)
    for i, r in enumerate(dispositions, start=1):
        ds.write_row(i, 0, [cell(r.get(c)) for c in CSV_COLUMNS])
    ds.freeze_panes(1, 0)
    used: set[str] = {"dispositions"}
    for rule in sorted({r["rule_id"] for r in rows}):
        sheet = wb.add_worksheet(_sheet_name(rule, used))
        sheet.write_row(0, 0, FINDING_COLUMNS, bold)
        n = 0
        for r in rows:
            if r["rule_id"] == rule:
                n += 1
                sheet.write_row(n, 0, [cell(r.get(c)) for c in FINDING_COLUMNS])
        sheet.set_column(13, 13, 80)
        sheet.freeze_panes(1, 0)
    wb.close()
