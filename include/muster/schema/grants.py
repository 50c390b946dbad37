"""grants: one row per principal x role x scope x path by which the principal holds it."""

import pyarrow as pa

from ._base import STRINGS, Column, table

PRIVILEGES = ("admin", "escalation", "write", "read", "unknown")

GRANTS = table(
    "grants",
    "One row per principal x role/policy x scope x path (direct, via a group, inline).",
    [
        Column(
            "principal_id", pa.string(), "principal_id of the grantee.", True, dictionary=False, verbatim=True
        ),
        Column(
            "role_id",
            pa.string(),
            "Stable id of the role or policy granted (policy ARN, role name, role definition id); joins "
            "role_definitions.role_id.",
            True,
            verbatim=True,
        ),
        Column("role_name", pa.string(), "Display name of the role or policy.", True, verbatim=True),
        Column(
            "scope", pa.string(), "Where the grant applies (account, project, subscription, resource).", True
        ),
        Column("via", pa.string(), "How the principal holds it: direct, inline, group:<group id>.", True),
        Column(
            "condition",
            pa.string(),
            "Condition attached to the grant itself (GCP/Azure), as JSON.",
            verbatim=True,
        ),
        Column("privilege", pa.string(), "Strongest privilege the role confers.", True, allowed=PRIVILEGES),
        Column(
            "privilege_reasons", STRINGS, "Actions and statements that justify the privilege verdict.", True
        ),
    ],
    ["principal_id", "role_id", "scope", "via"],
)
