"""The AWS part of a scenario: accounts with their IAM contents, and the events that change them.

Plain data, no moto: `sandbox/aws.py` turns a state into an emulated account. Names follow IAM
(users, roles, groups, managed policies by name). A policy name resolves to the account's own
customer-managed policy of that name, else to the AWS-managed policy (arn:aws:iam::aws:policy/<name>).
Access keys and SSH keys carry a scenario label; the emulator derives a stable AccessKeyId from it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, model_validator

from .model_base import Model as _Model
from .model_base import ScenarioStateError, TimedEvent, UtcDateTime
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


# -- events --------------------------------------------------------------------------------------------


class _Event(TimedEvent):
    provider: Literal["aws"]
    account: AccountId

    def apply(self, aws: AwsSpec, at: dt.datetime) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class CreateUser(_Event):
    action: Literal["create_user"]
    user: User

    def apply(self, aws: AwsSpec, at: dt.datetime) -> None:
        acct = aws.account(self.account)
        if any(u.name == self.user.name for u in acct.users):
            raise ScenarioStateError(f"user {self.user.name} already exists in {self.account}")
        missing = set(self.user.groups) - {g.name for g in acct.groups}
        if missing:
            raise ScenarioStateError(f"user {self.user.name}: unknown group(s) {sorted(missing)}")
        user = self.user.model_copy(deep=True)
        user.created = user.created or at
        for k in user.access_keys:
            k.created = k.created or at
        acct.users.append(user)


class DeleteUser(_Event):
    action: Literal["delete_user"]
    user: IamName

    def apply(self, aws: AwsSpec, at: dt.datetime) -> None:
        acct = aws.account(self.account)
        acct.users.remove(acct.user(self.user))


class CreateLoginProfile(_Event):
    action: Literal["create_login_profile"]
    user: IamName

    def apply(self, aws: AwsSpec, at: dt.datetime) -> None:
        user = aws.account(self.account).user(self.user)
        if user.console:
            raise ScenarioStateError(f"user {self.user} already has a login profile")
        user.console = True


class DeleteLoginProfile(_Event):
    action: Literal["delete_login_profile"]
    user: IamName

    def apply(self, aws: AwsSpec, at: dt.datetime) -> None:
        user = aws.account(self.account).user(self.user)
        if not user.console:
            raise ScenarioStateError(f"user {self.user} has no login profile")
        user.console = False


class ConsoleLogin(_Event):
    action: Literal["console_login"]
    user: IamName

    def apply(self, aws: AwsSpec, at: dt.datetime) -> None:
        user = aws.account(self.account).user(self.user)
        if not user.console:
            raise ScenarioStateError(f"user {self.user} has no login profile to sign in with")
        user.password_last_used = at


class CreateAccessKey(_Event):
    action: Literal["create_access_key"]
    user: IamName
    key: AccessKey

    def apply(self, aws: AwsSpec, at: dt.datetime) -> None:
        user = aws.account(self.account).user(self.user)
        if any(k.id == self.key.id for k in user.access_keys):
            raise ScenarioStateError(f"user {self.user} already has an access key {self.key.id!r}")
        if len(user.access_keys) >= 2:
            raise ScenarioStateError(f"user {self.user} already has 2 access keys (the IAM limit)")
        key = self.key.model_copy(deep=True)
        key.created = key.created or at
        user.access_keys.append(key)


class UseAccessKey(_Event):
    action: Literal["use_access_key"]
    user: IamName
    key: Label
    service: str = "s3"
    region: str = "us-east-1"

    def apply(self, aws: AwsSpec, at: dt.datetime) -> None:
        key = aws.account(self.account).user(self.user).key(self.key)
        if key.status != "active":
            raise ScenarioStateError(f"access key {self.user}/{self.key} is inactive and cannot be used")
        key.last_used = KeyUse(at=at, service=self.service, region=self.region)


class DeactivateAccessKey(_Event):
    action: Literal["deactivate_access_key"]
    user: IamName
    key: Label

    def apply(self, aws: AwsSpec, at: dt.datetime) -> None:
        key = aws.account(self.account).user(self.user).key(self.key)
        if key.status == "inactive":
            raise ScenarioStateError(f"access key {self.user}/{self.key} is already inactive")
        key.status = "inactive"


class DeleteAccessKey(_Event):
    action: Literal["delete_access_key"]
    user: IamName
    key: Label

    def apply(self, aws: AwsSpec, at: dt.datetime) -> None:
        user = aws.account(self.account).user(self.user)
        user.access_keys.remove(user.key(self.key))


class AttachPolicy(_Event):
    action: Literal["attach_policy"]
    target: Literal["user", "role", "group"]
    name: IamName
    policy: IamName

    def apply(self, aws: AwsSpec, at: dt.datetime) -> None:
        holder = getattr(aws.account(self.account), self.target)(self.name)
        if self.policy in holder.policies:
            raise ScenarioStateError(f"{self.target} {self.name} already has policy {self.policy}")
        holder.policies.append(self.policy)


class DetachPolicy(_Event):
    action: Literal["detach_policy"]
    target: Literal["user", "role", "group"]
    name: IamName
    policy: IamName

    def apply(self, aws: AwsSpec, at: dt.datetime) -> None:
        holder = getattr(aws.account(self.account), self.target)(self.name)
        if self.policy not in holder.policies:
            raise ScenarioStateError(f"{self.target} {self.name} has no policy {self.policy}")
        holder.policies.remove(self.policy)


class CreateRole(_Event):
    action: Literal["create_role"]
    role: Role

    def apply(self, aws: AwsSpec, at: dt.datetime) -> None:
        acct = aws.account(self.account)
        if any(r.name == self.role.name for r in acct.roles):
            raise ScenarioStateError(f"role {self.role.name} already exists in {self.account}")
        role = self.role.model_copy(deep=True)
        role.created = role.created or at
        acct.roles.append(role)


class DeleteRole(_Event):
    action: Literal["delete_role"]
    role: IamName

    def apply(self, aws: AwsSpec, at: dt.datetime) -> None:
        acct = aws.account(self.account)
        acct.roles.remove(acct.role(self.role))


class UseRole(_Event):
    action: Literal["use_role"]
    role: IamName
    region: str = "us-east-1"

    def apply(self, aws: AwsSpec, at: dt.datetime) -> None:
        aws.account(self.account).role(self.role).last_used = RoleUse(at=at, region=self.region)


class TagUser(_Event):
    action: Literal["tag_user"]
    user: IamName
    tags: dict[str, str | None] = Field(description="A null value removes the tag.")

    def apply(self, aws: AwsSpec, at: dt.datetime) -> None:
        user = aws.account(self.account).user(self.user)
        for k, v in self.tags.items():
            if v is None:
                user.tags.pop(k, None)
            else:
                user.tags[k] = v


class AddUserToGroup(_Event):
    action: Literal["add_user_to_group"]
    user: IamName
    group: IamName

    def apply(self, aws: AwsSpec, at: dt.datetime) -> None:
        acct = aws.account(self.account)
        user, group = acct.user(self.user), acct.group(self.group)
        if group.name in user.groups:
            raise ScenarioStateError(f"user {self.user} is already in group {self.group}")
        user.groups.append(group.name)


class RemoveUserFromGroup(_Event):
    action: Literal["remove_user_from_group"]
    user: IamName
    group: IamName

    def apply(self, aws: AwsSpec, at: dt.datetime) -> None:
        user = aws.account(self.account).user(self.user)
        if self.group not in user.groups:
            raise ScenarioStateError(f"user {self.user} is not in group {self.group}")
        user.groups.remove(self.group)


#: Every AWS event type; the scenario tells them apart by `aws:<action>`.
AWS_EVENTS = (
    CreateUser,
    DeleteUser,
    CreateLoginProfile,
    DeleteLoginProfile,
    ConsoleLogin,
    CreateAccessKey,
    UseAccessKey,
    DeactivateAccessKey,
    DeleteAccessKey,
    AttachPolicy,
    DetachPolicy,
    CreateRole,
    DeleteRole,
    UseRole,
    TagUser,
    AddUserToGroup,
    RemoveUserFromGroup,
)
