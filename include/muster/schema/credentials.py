"""credentials: one row per machine or login credential. Never any secret material."""

import pyarrow as pa

from ._base import UTC_TS, Column, table

KINDS = (
    "access_key",
    "ssh_key",
    "signing_certificate",
    "service_specific",
    "sa_key",
    "client_secret",
    "certificate",
    "federated",
    "password",
)
STATUSES = ("active", "inactive", "expired", "disabled")

CREDENTIALS = table(
    "credentials",
    "One row per credential that lets a principal authenticate. Holds identifiers and dates only: "
    "never secret material, never a secret's hint.",
    [
        Column(
            "credential_id",
            pa.string(),
            "Stable id of the credential within the tenant. AWS access keys from the credential report carry "
            "no key id, so they are identified by owner id, kind and creation second, which never changes for "
            "a key's life.",
            True,
            sources={"aws": "<UserId>/<kind>/<created ISO>", "gcp": "key resource name", "azure": "keyId"},
            dictionary=False,
            verbatim=True,
        ),
        Column(
            "principal_id",
            pa.string(),
            "principal_id of the identity holding the credential.",
            True,
            dictionary=False,
            verbatim=True,
        ),
        Column("kind", pa.string(), "What sort of credential this is.", True, allowed=KINDS),
        Column(
            "external_id",
            pa.string(),
            "The provider's own public identifier when observed (e.g. AccessKeyId).",
            dictionary=False,
            verbatim=True,
        ),
        Column("status", pa.string(), "Whether the credential can be used now.", True, allowed=STATUSES),
        Column("managed_by", pa.string(), "Who creates and rotates it.", True, allowed=("user", "provider")),
        Column(
            "created_at", UTC_TS, "When the credential was created (AWS: last_rotated).", dictionary=False
        ),
        Column("expires_at", UTC_TS, "When the credential stops working; null when it never expires."),
        Column(
            "last_used_at",
            UTC_TS,
            "Most recent use the provider reports; null when never used or unknown.",
            dictionary=False,
        ),
        Column(
            "last_used_source",
            pa.string(),
            "Which provider field last_used_at came from, or why it is unknown.",
        ),
        Column(
            "last_used_service", pa.string(), "Service of the most recent use, when reported.", verbatim=True
        ),
        Column(
            "last_used_region", pa.string(), "Region of the most recent use, when reported.", verbatim=True
        ),
    ],
    ["credential_id"],
)
