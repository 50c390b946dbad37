"""The AWS part of a scenario: accounts with their IAM contents (the events that change them are in
`sandbox/aws_events.py`).

Plain data, no moto: `sandbox/aws.py` turns a state into an emulated account. Names follow IAM
(users, roles, groups, managed policies by name). A policy name resolves to the account's own
customer-managed policy of that name, else to the AWS-managed policy (arn:aws:iam::aws:policy/<name>).
Access keys and SSH keys carry a scenario label; the emulator derives a stable AccessKeyId from it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from .model_base import Model as _Model
from .model_base import ScenarioStateError, UtcDateTime
from .model_base import find_named as _find

IAM_NAME = r"[\w+=,.@-]{1,64}"
LABEL = r"[a-z0-9][a-z0-9-]{0,31}"


IamName = Annotated[str, Field(pattern=f"^{IAM_NAME}$")]
Label = Annotated[str, Field(pattern=f"^{LABEL}$")]
AccountId = Annotated[str, Field(pattern=r"^\d{12}$")]
IamPath = Annotated[str, Field(pattern=r"^/([\w+=,.@-]+/)*$")]


class KeyUse(_Model):
    at: UtcDateTime
    service: str = "s3"
    region: str = "us-east-1"


class AccessKey(_Model):
    id: Label = Field(description="Scenario label; the emulator derives a stable AccessKeyId from it.")
    status: Literal["active", "inactive"] = "active"
    created: UtcDateTime | None = None
    last_used: KeyUse | None = None


class User(_Model):
    name: IamName
    path: IamPath = "/"
    tags: dict[str, str] = Field(default_factory=dict)
    console: bool = Field(False, description="Has a login profile (console password).")
    mfa: bool = False
    created: UtcDateTime | None = None
    password_last_used: UtcDateTime | None = None
    groups: list[IamName] = Field(default_factory=list)
    policies: list[IamName] = Field(default_factory=list, description="Managed policies attached directly.")
    inline_policies: dict[IamName, dict] = Field(default_factory=dict)
    access_keys: list[AccessKey] = Field(default_factory=list)
    ssh_keys: list[Label] = Field(default_factory=list)

    @model_validator(mode="after")
    def _keys(self) -> User:
        labels = [k.id for k in self.access_keys]
        if len(labels) != len(set(labels)):
            raise ValueError(f"user {self.name}: access key labels repeat: {labels}")
        if len(labels) > 2:
            raise ValueError(f"user {self.name}: IAM allows at most 2 access keys, got {len(labels)}")
        if self.password_last_used and not self.console:
            raise ValueError(f"user {self.name}: password_last_used given but console is false")
        return self

    def key(self, label: str) -> AccessKey:
        for k in self.access_keys:
            if k.id == label:
                return k
        raise ScenarioStateError(f"user {self.name} has no access key {label!r}")


class Trust(_Model):
    """Who may assume the role: one AWS service or one account (its root)."""

    service: str | None = None
    account: AccountId | None = None

    @model_validator(mode="after")
    def _one(self) -> Trust:
        if (self.service is None) == (self.account is None):
            raise ValueError("trust needs exactly one of service or account")
        return self

    def document(self) -> dict:
        principal = (
            {"Service": self.service} if self.service else {"AWS": f"arn:aws:iam::{self.account}:root"}
        )
        return {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
        }


class RoleUse(_Model):
    at: UtcDateTime
    region: str = "us-east-1"


class Role(_Model):
    name: IamName
    path: IamPath = "/"
    description: str = ""
    trust: Trust
    policies: list[IamName] = Field(default_factory=list)
    inline_policies: dict[IamName, dict] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    created: UtcDateTime | None = None
    last_used: RoleUse | None = None


class Group(_Model):
    name: IamName
    path: IamPath = "/"
    policies: list[IamName] = Field(default_factory=list)


class Policy(_Model):
    """A customer-managed policy."""

    name: IamName
    path: IamPath = "/"
    description: str = ""
    document: dict
    created: UtcDateTime | None = None


class Account(_Model):
    id: AccountId
    name: str
    email: str | None = None
    joined: UtcDateTime | None = Field(None, description="When the account joined the organisation.")
    users: list[User] = Field(default_factory=list)
    roles: list[Role] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list)
    policies: list[Policy] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Account:
        for kind in ("users", "roles", "groups", "policies"):
            names = [x.name for x in getattr(self, kind)]
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"account {self.id}: {kind} listed twice: {dupes}")
        groups = {g.name for g in self.groups}
        for u in self.users:
            missing = set(u.groups) - groups
            if missing:
                raise ValueError(f"account {self.id}: user {u.name} is in unknown group(s) {sorted(missing)}")
        return self

    def user(self, name: str) -> User:
        return _find(self.users, name, f"account {self.id} has no user {name!r}")

    def role(self, name: str) -> Role:
        return _find(self.roles, name, f"account {self.id} has no role {name!r}")

    def group(self, name: str) -> Group:
        return _find(self.groups, name, f"account {self.id} has no group {name!r}")


class Organization(_Model):
    management_account: AccountId
    member_role_name: IamName = "OrganizationAccountAccessRole"
    member_role_policies: list[IamName] = Field(
        default_factory=lambda: ["AdministratorAccess"],
        description="Policies on the member role, as Organizations attaches them when it creates an account.",
    )


class AwsSpec(_Model):
    organization: Organization | None = None
    accounts: list[Account] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> AwsSpec:
        ids = [a.id for a in self.accounts]
        if len(ids) != len(set(ids)):
            raise ValueError(f"accounts listed twice: {sorted({i for i in ids if ids.count(i) > 1})}")
        if self.organization and self.organization.management_account not in ids:
            raise ValueError(f"management account {self.organization.management_account} is not in accounts")
        for a in self.accounts:
            _require_baseline_dates(a)
        return self

    def account(self, account_id: str) -> Account:
        for a in self.accounts:
            if a.id == account_id:
                return a
        raise ScenarioStateError(f"no account {account_id} in the scenario")

    def members(self) -> list[Account]:
        mgmt = self.organization.management_account if self.organization else None
        return [a for a in self.accounts if a.id != mgmt] if mgmt else []


def _require_baseline_dates(a: Account) -> None:
    """Baseline entities must say when they were created: realistic ages are the point of the sandbox."""
    for u in a.users:
        if u.created is None:
            raise ValueError(f"account {a.id}: baseline user {u.name} needs `created`")
        for k in u.access_keys:
            if k.created is None:
                raise ValueError(f"account {a.id}: baseline key {u.name}/{k.id} needs `created`")
    for r in a.roles:
        if r.created is None:
            raise ValueError(f"account {a.id}: baseline role {r.name} needs `created`")
