"""The AWS events of a scenario: what can happen to an account's IAM contents on a scenario day.

Each event names its account and applies itself to the state (`aws_model.AwsSpec`) at its time of day; the
scenario tells them apart by `aws:<action>` (`AWS_EVENTS`). Kept apart from the state models, which they
only change: `sandbox/aws.py` reads the state and never needs the events.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from .aws_model import AccessKey, AccountId, AwsSpec, IamName, KeyUse, Label, Role, RoleUse, User
from .model_base import ScenarioStateError, TimedEvent


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
