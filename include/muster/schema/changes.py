"""changes: what differs between a tenant's sealed snapshot and its latest complete earlier one, per table."""

import pyarrow as pa

from ._base import STRINGS, Column, table

CHANGES_KINDS = ("added", "removed", "modified", "unknown")
DIFFED_TABLES = ("principals", "credentials", "grants", "role_definitions")

CHANGES = table(
    "changes",
    "One row per entity that was added, removed or modified since the baseline (the latest sealed earlier "
    "snapshot of the same tenant in which the table was complete), and one `unknown` row per table or "
    "credential kind that either side did not observe completely: for that scope nothing is reported as "
    "removed. snapshot_date is the date of the newer snapshot.",
    [
        Column("table_name", pa.string(), "Snapshot table the change is in.", True, allowed=DIFFED_TABLES),
        Column(
            "entity_key",
            pa.string(),
            "The row's primary key without the provenance columns, as canonical JSON (sorted keys), e.g. "
            '{"principal_id":"AIDA..."}. For an unknown row, the part of the table it covers: {} for the '
            'whole table, {"kind":"access_key"} for one credential kind.',
            True,
            verbatim=True,
        ),
        Column(
            "change",
            pa.string(),
            "added / removed / modified, or unknown where a side is partial, failed or not collected.",
            True,
            allowed=CHANGES_KINDS,
        ),
        Column(
            "principal_id",
            pa.string(),
            "The identity the row belongs to, where the table has one.",
            verbatim=True,
        ),
        Column(
            "changed_columns",
            STRINGS,
            "For modified rows: the columns whose values differ, in declaration order. Null otherwise.",
        ),
        Column(
            "before",
            pa.string(),
            "Canonical JSON of the baseline values: the changed columns for modified, every column outside the "
            "primary key for removed; null for added and unknown.",
        ),
        Column(
            "after",
            pa.string(),
            "Canonical JSON of the new values: the changed columns for modified, every column outside the "
            "primary key for added; null for removed and unknown.",
        ),
        Column(
            "baseline_date",
            pa.date32(),
            "Date of the snapshot compared against, for this table; null when there is none.",
        ),
        Column(
            "reason",
            pa.string(),
            "Why a row is unknown (which side, status, kind), or that an added row is a first complete "
            "observation because no earlier snapshot was complete; null otherwise.",
        ),
    ],
    ["table_name", "entity_key"],
)
