"""role_definitions: the permissions behind each role or policy seen, so privilege can be checked."""

import pyarrow as pa

from ._base import UTC_TS, Column, table

ROLE_TYPES = (
    "aws_managed",
    "customer_managed",
    "inline",
    "trust_policy",
    "predefined",
    "custom",
    "builtin",
    "directory_role",
    "app_role",
)

ROLE_DEFINITIONS = table(
    "role_definitions",
    "The permission document behind every role or policy referenced by a grant, plus AWS role trust "
    "policies, so an auditor can see why a grant is called admin.",
    [
        Column(
            "role_id",
            pa.string(),
            "Stable id (policy ARN; <principal ARN>/inline/<name>; role name).",
            True,
            dictionary=False,
            verbatim=True,
        ),
        Column("role_name", pa.string(), "Display name.", True, dictionary=False, verbatim=True),
        Column("role_type", pa.string(), "Kind of role or policy.", True, allowed=ROLE_TYPES),
        Column("description", pa.string(), "Provider description, if any.", verbatim=True),
        Column(
            "document",
            pa.string(),
            "The permissions as canonical JSON (sorted keys): AWS policy document of the default version, "
            "GCP includedPermissions, Azure permissions block.",
            True,
        ),
        Column(
            "version_id",
            pa.string(),
            "Version of the document (AWS default version id, etag).",
            verbatim=True,
        ),
        Column("created_at", UTC_TS, "When the role or policy was created."),
        Column("updated_at", UTC_TS, "When the document last changed."),
    ],
    ["role_id"],
)
