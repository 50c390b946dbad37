"""`RawTenant`: what extract read for one GCP tenant, as the APIs returned it (camelCase JSON dicts).

The seam between extract (I/O) and transform (pure): tests build a RawTenant from recorded responses and
never touch an API. A tenant is a project (``my-project``), an organisation (``org-<number>``) or a folder
(``folder-<number>``); organisation and folder tenants carry the IAM policies of their node and of every
folder below it, project tenants their own policy, service accounts, keys, Cloud Storage HMAC keys and
authentication activity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...collected import EntityResult

#: entity -> the tables (or table:kind / table:column) it feeds; see snapshot.encoding.table_statuses.
FEEDS = {
    "project": "principals,credentials,grants,role_definitions",
    "organization": "principals,grants,role_definitions",
    "folder": "principals,grants,role_definitions",
    "folders": "principals,grants",
    "iam_policy": "principals,grants",
    "service_accounts": "principals,credentials",
    "service_account_keys": "credentials:sa_key",
    "hmac_keys": "credentials:access_key",
    "roles": "role_definitions,grants",
    "member_service_accounts": "principals:service_account",
    "sa_last_authentication": "principals:last_used_at",
    "key_last_authentication": "credentials:last_used_at",
    # Members reached through a group have no other source: a group not listed leaves principals incomplete.
    "group_members": "principals,grants",
}


def tenant_resource(tenant_id: str) -> tuple[str, str]:
    """(level, resource name) of a tenant id: project id, org-<n> or folder-<n>."""
    m = re.fullmatch(r"(org|folder)-(\d+)", tenant_id)
    if m:
        return ("organization", f"organizations/{m[2]}") if m[1] == "org" else ("folder", f"folders/{m[2]}")
    return "project", f"projects/{tenant_id}"


@dataclass
class RawTenant:
    tenant_id: str
    level: str  # project | organization | folder
    resource: str  # projects/<id> | organizations/<n> | folders/<n>
    node: dict | None = None  # the Resource Manager object of the tenant itself
    folders: list[dict] = field(default_factory=list)  # folders below an organisation / folder tenant
    policies: dict[str, dict] = field(default_factory=dict)  # resource name -> IAM policy (version 3)
    service_accounts: list[dict] = field(default_factory=list)
    keys: dict[str, list[dict]] = field(default_factory=dict)  # service account email -> keys
    hmac_keys: list[dict] = field(default_factory=list)  # HmacKeyMetadata of the project (no DELETED ones)
    roles: dict[str, dict | None] = field(default_factory=dict)  # role name -> definition, None: unreadable
    member_accounts: dict[str, dict | None] = field(default_factory=dict)  # other projects' SAs by email
    sa_activities: list[dict] | None = None  # None: Policy Analyzer not available
    key_activities: list[dict] | None = None
    #: group email -> its transitive memberships (Cloud Identity MemberRelation objects) for every group a
    #: binding names; None: that group's members could not be listed (its grants then reach no member).
    group_members: dict[str, list | None] = field(default_factory=dict)
    entities: list[EntityResult] = field(default_factory=list)
    caller_identity: str | None = None

    def entity(self, name: str) -> EntityResult:
        """The EntityResult of ``name``, created on first use in a fixed order of appearance."""
        for e in self.entities:
            if e.entity == name:
                return e
        e = EntityResult(entity=name, feeds=FEEDS[name])
        self.entities.append(e)
        return e
