"""principals: one row per identity (human or not) observed in a tenant."""

import pyarrow as pa

from ._base import TAGS, UTC_TS, Column, table

KINDS = (
    "human_user",
    "service_user",
    "service_account",
    "role",
    "managed_identity",
    "service_principal",
    "application",
    "root",
    "group",
    "domain",
    "public",
)

PRINCIPALS = table(
    "principals",
    "One row per identity that can authenticate or be assumed: users, roles, service accounts, "
    "service principals, managed identities, applications and the AWS root user.",
    [
        Column(
            "principal_id",
            pa.string(),
            "Stable provider id of the identity; survives renames.",
            True,
            sources={
                "aws": "UserId / RoleId; the account id for root",
                "gcp": "uniqueId",
                "azure": "object id",
            },
            dictionary=False,
            verbatim=True,
        ),
        Column(
            "name",
            pa.string(),
            "Display or login name at observation time.",
            True,
            sources={
                "aws": "UserName / RoleName",
                "gcp": "email",
                "azure": "displayName or userPrincipalName",
            },
            dictionary=False,
            verbatim=True,
        ),
        Column(
            "arn_or_resource",
            pa.string(),
            "Fully qualified resource name (ARN, resource name, object path).",
            dictionary=False,
            verbatim=True,
        ),
        Column(
            "kind",
            pa.string(),
            "What sort of identity this is. group / domain / public are grantees that stand for many people "
            "(a GCP or Entra group, a Workspace domain, allUsers / allAuthenticatedUsers).",
            True,
            allowed=KINDS,
        ),
        Column("is_nhi", pa.bool_(), "True for a non-human identity (workload, automation, role).", True),
        Column("nhi_reason", pa.string(), "Why the identity was classified human or non-human.", True),
        Column(
            "enabled",
            pa.bool_(),
            "Whether the identity can still authenticate. AWS users: console password or an active "
            "credential present; roles: always true.",
            sources={
                "aws": "derived from credential report",
                "gcp": "not disabled",
                "azure": "accountEnabled",
            },
        ),
        Column(
            "console_access",
            pa.bool_(),
            "Whether the identity can sign in interactively (password / console).",
        ),
        Column(
            "mfa_enabled",
            pa.bool_(),
            "Whether a multi-factor device is registered; null where not applicable.",
        ),
        Column(
            "path",
            pa.string(),
            "Provider path or container of the identity (AWS path, GCP project).",
            verbatim=True,
        ),
        Column("created_at", UTC_TS, "When the identity was created.", dictionary=False),
        Column(
            "last_used_at",
            UTC_TS,
            "Most recent authentication or use that the provider reports.",
            dictionary=False,
        ),
        Column("last_used_source", pa.string(), "Which provider field last_used_at came from."),
        Column("owner", pa.string(), "Accountable person or team, when known.", verbatim=True),
        Column(
            "owner_source", pa.string(), "Where the owner came from: tag:<key>, scope-file, entra-owners."
        ),
        Column(
            "boundary_role_id",
            pa.string(),
            "Permissions boundary attached to the identity (AWS), if any.",
            verbatim=True,
        ),
        Column("tags", TAGS, "Provider tags or labels, as observed."),
    ],
    ["principal_id"],
)
