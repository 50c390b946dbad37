"""IAM policy members (``user:``, ``serviceAccount:``, ``group:``, ``domain:``, ``allUsers`` ...) as principals.

Pure. A member string is the only identity a binding gives, so it is the principal_id of every grantee that
is not a service account whose uniqueId is known (``user:alice@example.com``): stable, and the same string in
every project and day. Deleted identities appear as ``deleted:<type>:<email>?uid=<n>``; they keep the id of
the live form (so history joins) and are marked disabled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Member:
    """One parsed member string."""

    raw: str
    type: str  # user, serviceAccount, group, domain, allUsers, allAuthenticatedUsers, principal, principalSet ...
    value: str | None  # email / domain / principal URI; None for allUsers / allAuthenticatedUsers
    deleted: bool = False
    uid: str | None = None

    @property
    def principal_id(self) -> str:
        return self.type if self.value is None else f"{self.type}:{self.value}"


#: member type -> (principals.kind, is_nhi, nhi_reason)
KINDS = {
    "user": ("human_user", False, "Google account (user:) named in an IAM binding"),
    "serviceAccount": ("service_account", True, "GCP service account"),
    "group": ("group", False, "Google group (group:): stands for its members"),
    "domain": ("domain", False, "Workspace / Cloud Identity domain (domain:): every account in it"),
    "allUsers": ("public", False, "allUsers: anyone on the internet, signed in or not"),
    "allAuthenticatedUsers": ("public", False, "allAuthenticatedUsers: any Google account"),
    "principalSet": ("group", True, "workload or workforce identity pool set (principalSet://)"),
    "principal": ("service_principal", True, "federated workload identity (principal://)"),
    "projectOwner": ("group", False, "convenience member: the owners of a project"),
    "projectEditor": ("group", False, "convenience member: the editors of a project"),
    "projectViewer": ("group", False, "convenience member: the viewers of a project"),
}


def parse_member(member: str) -> Member | None:
    """A member string parsed, or None when it has no known form (the caller reports it)."""
    if not isinstance(member, str):
        return None
    if member in ("allUsers", "allAuthenticatedUsers"):
        return Member(member, member, None)
    if member.startswith(("principal://", "principalSet://")):
        kind = "principalSet" if member.startswith("principalSet://") else "principal"
        return Member(member, kind, member)
    deleted = member.startswith("deleted:")
    body = member[len("deleted:") :] if deleted else member
    kind, sep, value = body.partition(":")
    if not sep or not value or kind not in KINDS:
        return None
    uid = None
    if "?uid=" in value:
        value, _, uid = value.partition("?uid=")
    return Member(member, kind, value, deleted, uid or None)


def is_service_agent(email: str) -> bool:
    """Google-managed service agents and default robots live in Google's projects, not the customer's."""
    domain = email.rpartition("@")[2]
    return domain.startswith("gcp-sa-") or not domain.endswith(".iam.gserviceaccount.com")


def project_of(email: str) -> str | None:
    """The project id of a user-managed service account (``name@PROJECT.iam.gserviceaccount.com``)."""
    m = re.fullmatch(r"[^@]+@([a-z][a-z0-9-]+)\.iam\.gserviceaccount\.com", email)
    return m[1] if m and not m[1].startswith("gcp-sa-") else None
