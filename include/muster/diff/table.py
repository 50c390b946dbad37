"""The diff of one table between two snapshots of a tenant, with completeness taken into account.

Pure: both sides are passed in with their collection status. Where either side did not observe a scope
completely (the table, or one credential kind listed as not collected), one `unknown` row stands for that
scope and nothing in it is reported as added, removed or modified: a failed collection must never read
as "everything was revoked".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from ..schema import TableSpec
from .compare import diff_aligned, everything_added
from .encode import canonical
from .rows import change_rows
from .source import ParquetColumns


@dataclass(frozen=True)
class Side:
    """One side of a table's diff: its rows, date, and how completely the table was observed."""

    date: dt.date
    #: The rows: a `pa.Table`, or a sealed file's `ParquetColumns` (decoded column by column).
    table: pa.Table | ParquetColumns | None = None
    status: str = "complete"
    #: Values of the table's `kind` column that were not collected ("*": the whole table) -> why.
    not_collected: dict[str, str] = field(default_factory=dict)
    #: Why the rows cannot be compared although collected (e.g. an older schema version).
    problem: str | None = None

    def unusable(self, table: str, role: str) -> str | None:
        """Why this side cannot be compared at all, or None."""
        if self.problem:
            return f"{role} {self.date}: {self.problem}"
        if self.status != "complete":
            return f"{table} was {self.status} in the {role} snapshot of {self.date}"
        if "*" in self.not_collected:
            return (
                f"{table} was not collected in the {role} snapshot of {self.date}: {self.not_collected['*']}"
            )
        if self.table is None:
            return f"{table} has no rows to compare in the {role} snapshot of {self.date}"
        return None


def _unknown(spec: TableSpec, base: dict, scope: dict, reason: str, baseline: dt.date | None) -> dict:
    return {
        **base,
        "table_name": spec.name,
        "entity_key": canonical(scope),
        "change": "unknown",
        "principal_id": None,
        "changed_columns": None,
        "before": None,
        "after": None,
        "baseline_date": baseline,
        "reason": reason,
    }


def _without_kinds(tbl: pa.Table | ParquetColumns, kinds: set[str]) -> pa.Table | ParquetColumns:
    if not kinds:
        return tbl
    col = tbl.column("kind")
    if pa.types.is_dictionary(col.type):
        col = col.cast(col.type.value_type)
    return tbl.filter(pc.invert(pc.is_in(col, value_set=pa.array(sorted(kinds), col.type))))


def _kind_reasons(spec: TableSpec, before: Side | None, after: Side) -> dict[str, str]:
    """Kinds that either side did not collect, with the reason (both sides' reasons when both)."""
    out: dict[str, list[str]] = {}
    for role, side in (("baseline", before), ("current", after)):
        for kind, why in (side.not_collected if side else {}).items():
            out.setdefault(kind, []).append(
                f"{spec.name} of kind {kind} not collected in the {role} snapshot of {side.date}: {why}"
            )
    return {k: "; ".join(v) for k, v in sorted(out.items())}


def diff_table(spec: TableSpec, before: Side | None, after: Side, base: dict) -> list[dict]:
    """Rows of `changes` for one table. `before` is the baseline (None: no complete earlier snapshot);
    `base` holds provider, tenant_id and snapshot_date of the newer snapshot."""
    baseline = before.date if before else None
    why = after.unusable(spec.name, "current") or (before.unusable(spec.name, "baseline") if before else None)
    if why:
        return [_unknown(spec, base, {}, why, baseline)]
    kinds = _kind_reasons(spec, before, after)
    if kinds and "kind" not in spec.column_names:
        return [_unknown(spec, base, {}, "; ".join(kinds.values()), baseline)]
    rows = [_unknown(spec, base, {"kind": k}, reason, baseline) for k, reason in kinds.items()]
    new = _without_kinds(after.table, set(kinds))
    if before is None:
        first = f"first complete observation of {spec.name}: no earlier snapshot in which it was complete"
        return rows + change_rows(
            spec, everything_added(spec, new), base=base, baseline_date=None, reason=first
        )
    delta = diff_aligned(spec, _without_kinds(before.table, set(kinds)), new)
    return rows + change_rows(spec, delta, base=base, baseline_date=baseline)
