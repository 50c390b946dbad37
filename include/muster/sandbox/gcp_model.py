"""The GCP part of a scenario: an organisation with folders and projects, their service accounts, keys (and
Cloud Storage HMAC keys) and IAM bindings, and the events that change them.

Plain data: `sandbox/gcp.py` turns a state into what the fake (`gcp_fake.py`) serves. Service accounts are
named by account id (the part before ``@``); keys carry a scenario label from which a stable 40-hex key id
is derived. A person who leaves is listed in ``departed_users``: GCP then shows their bindings as
``deleted:user:<email>?uid=<n>``, as it does for deleted accounts, and their group memberships are gone
(deleting a Google account removes it from its groups). ``groups`` are the Cloud Identity groups of the
organisation with their direct members (users, service accounts, nested groups); a scenario without them
still loads, and the fake then answers 404 for a group a binding names.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .aws_model import Label
from .model_base import Model as _Model
from .model_base import ScenarioStateError, TimedEvent, UtcDateTime

ProjectId = Field(pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
Number = Field(pattern=r"^\d{1,20}$")
ParentName = Field(pattern=r"^(organizations|folders)/\d{1,20}$")
AccountName = Field(pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
#: A resource whose IAM policy a binding lives on.
PolicyResource = Field(
    pattern=r"^(organizations/\d{1,20}|folders/\d{1,20}|projects/[a-z][a-z0-9-]{4,28}[a-z0-9])$"
)
MEMBER = (
    r"^(allUsers|allAuthenticatedUsers|(user|group|serviceAccount|domain):[^\s:]+|principal(Set)?://\S+)$"
)


class GcpKey(_Model):
    id: Label = Field(description="Scenario label; the fake derives a stable key id from it.")
    created: UtcDateTime
    expires: UtcDateTime | None = Field(None, description="validBeforeTime; none: 9999-12-31 (no expiry).")
    type: Literal["user", "system"] = "user"
    disabled: bool = False
    last_authenticated: UtcDateTime | None = None


class GcpHmacKey(_Model):
    id: Label = Field(description="Scenario label; the fake derives a stable access ID (GOOG1E...) from it.")
    created: UtcDateTime
    inactive: bool = Field(False, description="state INACTIVE (else ACTIVE).")


class GcpServiceAccount(_Model):
    name: str = AccountName
    display_name: str | None = None
    description: str | None = Field(None, description="Free text; 'owner: <email>' names the owner.")
    disabled: bool = False
    last_authenticated: UtcDateTime | None = None
    keys: list[GcpKey] = Field(default_factory=list)
    hmac_keys: list[GcpHmacKey] = Field(
        default_factory=list, description="Cloud Storage HMAC keys, listed by the account's project."
    )

    def key(self, label: str) -> GcpKey:
        for k in self.keys:
            if k.id == label:
                return k
        raise ScenarioStateError(f"service account {self.name} has no key {label!r}")


class GcpBinding(_Model):
    role: str = Field(pattern=r"^(roles/[\w.]+|(projects|organizations)/[\w-]+/roles/[\w.]+)$")
    members: list[str] = Field(min_length=1)
    condition: dict[str, str] | None = Field(None, description="title, expression (CEL), description.")

    @field_validator("members")
    @classmethod
    def _members(cls, v: list[str]) -> list[str]:
        import re

        bad = [m for m in v if not re.fullmatch(MEMBER, m)]
        if bad:
            raise ValueError(f"not IAM member strings: {bad}")
        return v


class GcpCustomRole(_Model):
    id: str = Field(pattern=r"^[\w.]{3,64}$")
    title: str
    permissions: list[str]
    description: str | None = None


class GcpProject(_Model):
    id: str = ProjectId
    number: str = Number
    name: str | None = None
    parent: str = ParentName
    policy_analyzer: bool = Field(True, description="Policy Analyzer activity API enabled.")
    denied: bool = Field(False, description="The collector has no access: every call answers 403.")
    storage: Literal["enabled", "disabled", "denied"] = Field(
        "enabled",
        description="Cloud Storage JSON API for the HMAC key listing: disabled (403 SERVICE_DISABLED) or "
        "denied (403 forbidden: the collector lacks storage.hmacKeys.list).",
    )
    service_accounts: list[GcpServiceAccount] = Field(default_factory=list)
    bindings: list[GcpBinding] = Field(default_factory=list)
    custom_roles: list[GcpCustomRole] = Field(default_factory=list)

    def account(self, name: str) -> GcpServiceAccount:
        for sa in self.service_accounts:
            if sa.name == name:
                return sa
        raise ScenarioStateError(f"project {self.id} has no service account {name!r}")


class GcpFolder(_Model):
    id: str = Number
    name: str
    parent: str = ParentName
    bindings: list[GcpBinding] = Field(default_factory=list)


class GcpOrg(_Model):
    id: str = Number
    domain: str
    bindings: list[GcpBinding] = Field(default_factory=list)
    custom_roles: list[GcpCustomRole] = Field(default_factory=list)


class GcpGroup(_Model):
    email: str = Field(pattern=r"^[^@\s:]+@[^@\s:]+$")
    members: list[str] = Field(default_factory=list, description="user:, serviceAccount: or group: EMAIL.")
    denied: bool = Field(
        False, description="The collector cannot read it (outside the customer, no Groups Reader): 403."
    )

    @field_validator("members")
    @classmethod
    def _members(cls, v: list[str]) -> list[str]:
        import re

        bad = [m for m in v if not re.fullmatch(r"(user|serviceAccount|group):[^@\s:]+@[^@\s:]+", m)]
        if bad:
            raise ValueError(f"not group members (user:, serviceAccount: or group: EMAIL): {bad}")
        return v


class GcpSpec(_Model):
    organization: GcpOrg
    folders: list[GcpFolder] = Field(default_factory=list)
    projects: list[GcpProject] = Field(default_factory=list)
    departed_users: list[str] = Field(default_factory=list, description="Deleted Google accounts (emails).")
    groups: list[GcpGroup] = Field(default_factory=list, description="Cloud Identity groups and members.")

    @model_validator(mode="after")
    def _tree(self) -> GcpSpec:
        nodes = {f"organizations/{self.organization.id}"} | {f"folders/{f.id}" for f in self.folders}
        for item in [*self.folders, *self.projects]:
            if item.parent not in nodes:
                raise ValueError(
                    f"{item.id}: parent {item.parent} is not the organisation or one of its folders"
                )
        ids = [p.id for p in self.projects]
        if len(ids) != len(set(ids)):
            raise ValueError(f"project ids repeat: {ids}")
        emails = {g.email for g in self.groups}
        nested = sorted({m[6:] for g in self.groups for m in g.members if m.startswith("group:")} - emails)
        if nested or len(emails) != len(self.groups):
            raise ValueError(f"groups repeat, or nested groups are not defined: {nested}")
        return self

    def project(self, project_id: str) -> GcpProject:
        for p in self.projects:
            if p.id == project_id:
                return p
        raise ScenarioStateError(f"no project {project_id!r}")

    def bindings_of(self, resource: str) -> list[GcpBinding]:
        kind, _, ident = resource.partition("/")
        if kind == "organizations" and ident == self.organization.id:
            return self.organization.bindings
        if kind == "folders":
            for f in self.folders:
                if f.id == ident:
                    return f.bindings
        if kind == "projects":
            return self.project(ident).bindings
        raise ScenarioStateError(f"no resource {resource!r}")


# -- events ----------------------------------------------------------------------------------------
class _GcpEvent(TimedEvent):
    provider: Literal["gcp"]

    def apply(self, gcp: GcpSpec, at: dt.datetime) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class _AccountEvent(_GcpEvent):
    project: str = ProjectId
    account: str = AccountName

    def target(self, gcp: GcpSpec) -> GcpServiceAccount:
        return gcp.project(self.project).account(self.account)


class CreateServiceAccount(_GcpEvent):
    action: Literal["create_service_account"]
    project: str = ProjectId
    service_account: GcpServiceAccount

    def apply(self, gcp: GcpSpec, at: dt.datetime) -> None:
        project = gcp.project(self.project)
        if any(sa.name == self.service_account.name for sa in project.service_accounts):
            raise ScenarioStateError(f"service account {self.service_account.name} exists already")
        project.service_accounts.append(self.service_account.model_copy(deep=True))


class DisableServiceAccount(_AccountEvent):
    action: Literal["disable_service_account"]

    def apply(self, gcp: GcpSpec, at: dt.datetime) -> None:
        self.target(gcp).disabled = True


class DeleteServiceAccount(_AccountEvent):
    action: Literal["delete_service_account"]

    def apply(self, gcp: GcpSpec, at: dt.datetime) -> None:
        project = gcp.project(self.project)
        project.service_accounts.remove(self.target(gcp))


class CreateKey(_AccountEvent):
    action: Literal["create_key"]
    key: Label
    expires: UtcDateTime | None = None

    def apply(self, gcp: GcpSpec, at: dt.datetime) -> None:
        sa = self.target(gcp)
        if any(k.id == self.key for k in sa.keys):
            raise ScenarioStateError(f"service account {self.account} has a key {self.key!r} already")
        sa.keys.append(GcpKey(id=self.key, created=at, expires=self.expires))


class DisableKey(_AccountEvent):
    action: Literal["disable_key"]
    key: Label

    def apply(self, gcp: GcpSpec, at: dt.datetime) -> None:
        self.target(gcp).key(self.key).disabled = True


class DeleteKey(_AccountEvent):
    action: Literal["delete_key"]
    key: Label

    def apply(self, gcp: GcpSpec, at: dt.datetime) -> None:
        sa = self.target(gcp)
        sa.keys.remove(sa.key(self.key))


class Authenticate(_AccountEvent):
    action: Literal["authenticate"]
    key: Label | None = Field(None, description="The key used; none: a short-lived token (impersonation).")

    def apply(self, gcp: GcpSpec, at: dt.datetime) -> None:
        sa = self.target(gcp)
        sa.last_authenticated = at
        if self.key:
            sa.key(self.key).last_authenticated = at


class AddBinding(_GcpEvent):
    action: Literal["add_binding"]
    resource: str = PolicyResource
    binding: GcpBinding

    def apply(self, gcp: GcpSpec, at: dt.datetime) -> None:
        gcp.bindings_of(self.resource).append(self.binding.model_copy(deep=True))


class RemoveMember(_GcpEvent):
    action: Literal["remove_member"]
    resource: str = PolicyResource
    role: str
    member: str

    def apply(self, gcp: GcpSpec, at: dt.datetime) -> None:
        bindings = gcp.bindings_of(self.resource)
        hit = [b for b in bindings if b.role == self.role and self.member in b.members]
        if not hit:
            raise ScenarioStateError(f"{self.resource} has no binding of {self.role} to {self.member}")
        for b in hit:
            b.members.remove(self.member)
        bindings[:] = [b for b in bindings if b.members]


class UserLeaves(_GcpEvent):
    action: Literal["user_leaves"]
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")

    def apply(self, gcp: GcpSpec, at: dt.datetime) -> None:
        if self.email in gcp.departed_users:
            raise ScenarioStateError(f"{self.email} has left already")
        gcp.departed_users.append(self.email)


GCP_EVENTS: tuple[type[_GcpEvent], ...] = (
    CreateServiceAccount,
    DisableServiceAccount,
    DeleteServiceAccount,
    CreateKey,
    DisableKey,
    DeleteKey,
    Authenticate,
    AddBinding,
    RemoveMember,
    UserLeaves,
)
