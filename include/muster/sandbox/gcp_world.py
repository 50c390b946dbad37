"""What the GCP fake (`gcp_fake.py`) serves, and the pure pieces of its answers.

The ``World`` (API-shaped JSON objects of an organisation's projects, folders, policies, service accounts,
keys, Cloud Storage HMAC keys, custom roles, Policy Analyzer activities and Cloud Identity groups), the predefined roles served by ``roles.get``, etags,
page-size limits and the Google error (``ApiFault``) with its 403 / 404 forms. Kept apart from the request
routing and the HTTP server (`gcp_fake.py`), as `azure_world.py` is from `azure_fake.py`, so that
`sandbox/gcp.py`, which builds a world, does not import the server.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import threading
from dataclasses import dataclass, field
from importlib import resources

MAX_PAGE = {
    "accounts": 100,
    "folders": 100,
    "projects": 100,
    "activities": 1000,
    "items": 250,
    "memberships": 1000,
}
DEFAULT_PAGE = {
    "accounts": 20,
    "folders": 50,
    "projects": 50,
    "activities": 1000,
    "items": 250,
    "memberships": 200,
}


def predefined_roles() -> dict[str, dict]:
    """Real GCP predefined roles with permissions (iam-dataset, MIT), by name."""
    ref = resources.files("muster.sandbox") / "gcp_data" / "gcp_predefined_roles.json.gz"
    return {r["name"]: r for r in json.loads(gzip.decompress(ref.read_bytes()))}


_ROLES: dict[str, dict] | None = None
_ROLES_LOCK = threading.Lock()


def shared_predefined_roles() -> dict[str, dict]:
    """`predefined_roles()` loaded once per process (0.3 s, 2,461 roles)."""
    global _ROLES
    with _ROLES_LOCK:
        if _ROLES is None:
            _ROLES = predefined_roles()
        return _ROLES


def etag(obj: object) -> str:
    """A base64 etag (the field is protobuf bytes: it must decode)."""
    import hashlib

    digest = hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).digest()[:8]
    return base64.b64encode(digest).decode()


@dataclass
class World:
    """What the fake serves. All values are API-shaped JSON dicts."""

    organizations: dict[str, dict] = field(default_factory=dict)  # organizations/N -> organization
    folders: dict[str, dict] = field(default_factory=dict)  # folders/N -> folder (with parent)
    projects: dict[str, dict] = field(default_factory=dict)  # project id -> project
    policies: dict[str, dict] = field(default_factory=dict)  # projects/<id> | folders/N | organizations/N
    accounts: dict[str, list[dict]] = field(default_factory=dict)  # project id -> service accounts
    keys: dict[str, list[dict]] = field(default_factory=dict)  # account email -> keys (both types)
    roles: dict[str, dict] = field(default_factory=dict)  # custom roles by name (predefined: built in)
    activities: dict[tuple[str, str], list[dict]] = field(default_factory=dict)  # (project, type) -> items
    #: project id -> HmacKeyMetadata (DELETED ones too: the listing leaves them out unless asked)
    hmac_keys: dict[str, list[dict]] = field(default_factory=dict)
    denied: set[str] = field(default_factory=set)  # project ids answering 403
    analyzer_disabled: set[str] = field(default_factory=set)
    storage_disabled: set[str] = field(default_factory=set)  # Cloud Storage JSON API not enabled
    storage_denied: set[str] = field(default_factory=set)  # the collector lacks storage.hmacKeys.list
    #: group email -> {"name": "groups/<id>", "members": [member strings: user:, serviceAccount:, group:]}
    #: (direct members; the fake answers the transitive ones)
    groups: dict[str, dict] = field(default_factory=dict)
    groups_denied: set[str] = field(default_factory=set)  # group emails whose lookup answers 403
    cloud_identity_disabled: bool = False  # every Cloud Identity request answers 403 SERVICE_DISABLED
    page_cap: int | None = None  # force small pages (tests of paging)

    def add_project(self, index: int, project_id: str, parent: str, accounts: int) -> None:
        """An ACTIVE project ``projects/<500 + index>`` under ``parent`` with ``accounts`` service accounts
        ``sa-<j>@<project>``, each with one user-managed and one system-managed key (fixtures of tests)."""
        self.projects[project_id] = {
            "name": f"projects/{500 + index}",
            "projectId": project_id,
            "parent": parent,
            "state": "ACTIVE",
        }
        self.accounts[project_id] = []
        for j in range(accounts):
            email = f"sa-{j}@{project_id}.iam.gserviceaccount.com"
            name = f"projects/{project_id}/serviceAccounts/{email}"
            self.accounts[project_id].append(
                {"name": name, "projectId": project_id, "uniqueId": f"{index}{j:04d}", "email": email}
            )
            self.keys[email] = [
                {
                    "name": f"{name}/keys/{kind[0]}{index}{j}",
                    "validAfterTime": "2026-01-01T00:00:00Z",
                    "validBeforeTime": "9999-12-31T23:59:59Z",
                    "keyType": kind,
                }
                for kind in ("USER_MANAGED", "SYSTEM_MANAGED")
            ]

    def add_group(self, email: str, members: list[str]) -> None:
        """A group ``groups/<id>`` (an id derived from the email) with these direct members."""
        ident = "0" + hashlib.sha256(email.encode()).hexdigest()[:14]
        self.groups[email] = {"name": f"groups/{ident}", "members": list(members)}

    def transitive_members(self, email: str) -> list[dict]:
        """The MemberRelation objects of ``email``'s direct and indirect members, as searchTransitiveMemberships
        answers them (nested groups included, with their own members), sorted by member key."""
        relation: dict[str, set[str]] = {}
        direct = set(self.groups[email]["members"])
        seen, queue = {email}, [(m, True) for m in sorted(direct)]
        while queue:
            member, is_direct = queue.pop(0)
            relation.setdefault(member, set()).add("DIRECT" if is_direct else "INDIRECT")
            kind, _, value = member.partition(":")
            if kind == "group" and value not in seen and value in self.groups:
                seen.add(value)
                queue += [(m, False) for m in sorted(self.groups[value]["members"])]
        out = []
        for member in sorted(relation):
            kind, _, value = member.partition(":")
            types = relation[member]
            out.append(
                {
                    "member": self.groups[value]["name"]
                    if kind == "group" and value in self.groups
                    else f"users/{_user_id(value)}",
                    "preferredMemberKey": [{"id": value}],
                    "relationType": "DIRECT_AND_INDIRECT" if len(types) == 2 else types.pop(),
                    "roles": [{"role": "MEMBER"}],
                }
            )
        return out

    def account(self, email: str) -> tuple[str, dict] | None:
        for project, items in self.accounts.items():
            for sa in items:
                if sa["email"] == email or sa.get("uniqueId") == email:
                    return project, sa
        return None


def _user_id(email: str) -> str:
    """A numeric id like the ones Cloud Identity gives accounts (stable: derived from the email)."""
    return "1" + str(int(hashlib.sha256(email.encode()).hexdigest(), 16))[:20]


class ApiFault(Exception):
    """A Google error. ``errors`` adds the older ``errors: [{domain, reason, message}]`` list that the Cloud
    Storage JSON API answers with (its errors carry no ``status`` unless one is given)."""

    def __init__(
        self,
        code: int,
        status: str | None,
        message: str,
        reason: str | None = None,
        errors: list[dict] | None = None,
    ):
        super().__init__(message)
        self.code, self.status, self.message, self.reason = code, status, message, reason
        self.errors = errors

    def body(self) -> dict:
        error: dict = {"code": self.code, "message": self.message}
        if self.status:
            error["status"] = self.status
        if self.errors:
            error["errors"] = [{"message": self.message, **e} for e in self.errors]
        if self.reason:
            error["details"] = [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": self.reason,
                    "domain": "googleapis.com",
                }
            ]
        return {"error": error}


def _denied(what: str) -> ApiFault:
    return ApiFault(
        403, "PERMISSION_DENIED", f"The caller does not have permission on {what}", "IAM_PERMISSION_DENIED"
    )


def _service_disabled(api: str, number: str, **extra) -> ApiFault:
    """Google's answer when `api` is not enabled in the project numbered `number`."""
    return ApiFault(
        403,
        "PERMISSION_DENIED",
        f"{api} has not been used in project {number} before or it is disabled.",
        "SERVICE_DISABLED",
        **extra,
    )


def _missing(what: str) -> ApiFault:
    return ApiFault(404, "NOT_FOUND", f"{what} not found.")
