"""finding_dispositions: the review decisions that applied to a tenant-day's findings, from the dispositions file.

A disposition is an annotation, never evidence about the cloud: the findings partition is left as it was
sealed (same rows, same status, same bytes) and its dispositions are sealed beside it as their own derived
kind (`dispositions`), so an edited dispositions file can never rewrite what was observed. One row per
finding an entry of the file applies to on the day, and one row per entry for the tenant that applies to
no finding that day (`stale`). Whether an entry was in force is decided against the findings' as_of date:
approved later (`pending`) or past its expiry (`expired`) leaves the finding undispositioned.
"""

import pyarrow as pa

from ._base import UTC_TS, Column, table
from .findings import RESULTS

DISPOSITIONS = ("accepted_risk", "false_positive", "compensating_control", "remediation_planned")
#: active: approved on or before the day and not expired; the rest leave the finding undispositioned.
DISPOSITION_STATUSES = ("active", "expired", "pending", "stale")

FINDING_DISPOSITIONS = table(
    "finding_dispositions",
    "One row per finding of the tenant-day that an entry of the dispositions file applies to (exact entries "
    "before wildcard ones, then file order), and one row per entry of the tenant that applies to no finding "
    "that day (stale). The finding itself is unchanged in findings: this is the review decision beside it.",
    [
        Column(
            "finding_id",
            pa.string(),
            "The finding the entry applies to (findings.finding_id); for a stale entry, its selector, which "
            "names no finding of the day.",
            True,
            dictionary=False,
            verbatim=True,
        ),
        Column(
            "selector",
            pa.string(),
            "What the entry matches: rule_id:entity_id, or rule_id:<entity glob> where * stands for any text.",
            True,
            dictionary=False,
            verbatim=True,
        ),
        Column("entry", pa.int32(), "The entry's number in the dispositions file (1 = first).", True),
        Column(
            "status",
            pa.string(),
            "active: in force on the day; expired: past expires_on; pending: approved after the day; stale: "
            "applies to no finding of the day. Only active dispositions a finding.",
            True,
            allowed=DISPOSITION_STATUSES,
        ),
        Column(
            "result", pa.string(), "The finding's result that day; null for a stale entry.", allowed=RESULTS
        ),
        Column("disposition", pa.string(), "The decision recorded.", True, allowed=DISPOSITIONS),
        Column("justification", pa.string(), "Why, in the approver's words.", True, dictionary=False),
        Column("approved_by", pa.string(), "Who approved the decision.", True, verbatim=True),
        Column("approved_on", pa.date32(), "When it was approved.", True),
        Column("expires_on", pa.date32(), "Last day it applies; null when it does not expire."),
        Column("ticket", pa.string(), "Reference to the change or risk ticket, when given.", verbatim=True),
        Column(
            "dispositions_sha256",
            pa.string(),
            "SHA-256 of the dispositions file the row was read from (the version that applied).",
            True,
        ),
        Column("as_of", UTC_TS, "The findings' as_of: the time the entries were evaluated against.", True),
    ],
    ["finding_id"],
)
