"""findings: one row per rule x entity that a day's sealed snapshot shows (or cannot rule out)."""

import pyarrow as pa

from ._base import STRINGS, UTC_TS, Column, table

SEVERITIES = ("critical", "high", "medium", "low", "info")
RESULTS = ("fail", "unknown")
ENTITY_TYPES = ("principal", "credential", "grant", "tenant")

FINDINGS = table(
    "findings",
    "One row per rule x entity: a problem the day's sealed snapshot shows (result fail), or one it cannot "
    "rule out because the provider does not report what the rule needs (result unknown: a documented blind "
    "spot or a partial collection). Each row reads as a sentence an auditor can check without the code.",
    [
        Column(
            "finding_id",
            pa.string(),
            "Stable id of the finding: rule id + entity id; the same problem keeps its id across days.",
            True,
            dictionary=False,
        ),
        Column("rule_id", pa.string(), "Rule that raised it (see docs/RULES.md).", True),
        Column("severity", pa.string(), "Severity from the rule's metadata.", True, allowed=SEVERITIES),
        Column(
            "result",
            pa.string(),
            "fail: the problem is present; unknown: it cannot be ruled out.",
            True,
            allowed=RESULTS,
        ),
        Column("entity_type", pa.string(), "What the finding is about.", True, allowed=ENTITY_TYPES),
        Column(
            "entity_id",
            pa.string(),
            "principal_id, credential_id or grant key of the entity.",
            True,
            dictionary=False,
            verbatim=True,
        ),
        Column(
            "principal_id",
            pa.string(),
            "The identity concerned (holder of the credential or grant).",
            dictionary=False,
            verbatim=True,
        ),
        Column(
            "principal_name",
            pa.string(),
            "Its name on the day, for reading.",
            dictionary=False,
            verbatim=True,
        ),
        Column(
            "credential_id",
            pa.string(),
            "The credential concerned, for credential findings.",
            dictionary=False,
            verbatim=True,
        ),
        Column(
            "sentence",
            pa.string(),
            "The finding in one plain sentence, with the figures that justify it.",
            True,
            dictionary=False,
        ),
        Column(
            "evidence",
            pa.string(),
            "The evidence columns the rule used, as canonical JSON.",
            True,
            dictionary=False,
        ),
        Column("criteria", STRINGS, "Framework criteria it bears on, e.g. SOC2:CC6.1, SOC1:CO-7.", True),
        Column(
            "as_of", UTC_TS, "The time the rule evaluated against (the snapshot's observation time).", True
        ),
    ],
    ["finding_id"],
)
