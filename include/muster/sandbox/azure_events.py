"""The Azure events of a scenario: what can happen to an Entra tenant and its subscriptions on a scenario day.

Each event names its tenant and applies itself to the state (`azure_model.AzureSpec`) at its time of day; the
scenario tells them apart by `azure:<action>` (`AZURE_EVENTS`). Kept apart from the state models, which they
only change, as `aws_events.py` is from `aws_model.py`: `sandbox/azure.py` reads the state and never needs
the events.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from .azure_model import (
    GUID,
    Application,
    AzureSpec,
    EligibleDirectoryRole,
    EligibleRoleAssignment,
    RoleAssignment,
    Secret,
    User,
)
from .model_base import ScenarioStateError, TimedEvent


class _Event(TimedEvent):
    provider: Literal["azure"]
    tenant: str = Field(pattern=GUID)

    def apply(self, azure: AzureSpec, at: dt.datetime) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class CreateUser(_Event):
    action: Literal["create_user"]
    user: User

    def apply(self, azure: AzureSpec, at: dt.datetime) -> None:
        t = azure.tenant(self.tenant)
        if any(u.name == self.user.name for u in t.users):
            raise ScenarioStateError(f"user {self.user.name} already exists")
        t.users.append(self.user.model_copy(update={"created": self.user.created or at}))


class DisableUser(_Event):
    """A leaver: the account is disabled (Entra keeps it, and it keeps owning its applications)."""

    action: Literal["disable_user"]
    user: str

    def apply(self, azure: AzureSpec, at: dt.datetime) -> None:
        user = azure.tenant(self.tenant).user(self.user)
        if not user.enabled:
            raise ScenarioStateError(f"user {self.user} is already disabled")
        user.enabled = False


class AddSecret(_Event):
    action: Literal["add_secret"]
    application: str
    secret: Secret

    def apply(self, azure: AzureSpec, at: dt.datetime) -> None:
        app = azure.tenant(self.tenant).application(self.application)
        if any(s.id == self.secret.id for s in app.secrets):
            raise ScenarioStateError(
                f"application {self.application} already has a secret {self.secret.id!r}"
            )
        app.secrets.append(self.secret.model_copy(update={"created": self.secret.created or at}))


class RemoveSecret(_Event):
    action: Literal["remove_secret"]
    application: str
    secret: str

    def apply(self, azure: AzureSpec, at: dt.datetime) -> None:
        app = azure.tenant(self.tenant).application(self.application)
        app.secrets.remove(app.secret(self.secret))


class GrantPermission(_Event):
    action: Literal["grant_permission"]
    application: str
    permission: str

    def apply(self, azure: AzureSpec, at: dt.datetime) -> None:
        app = azure.tenant(self.tenant).application(self.application)
        if self.permission in app.permissions:
            raise ScenarioStateError(f"application {self.application} already has {self.permission}")
        app.permissions.append(self.permission)


class AssignRole(_Event):
    action: Literal["assign_role"]
    assignment: RoleAssignment

    def apply(self, azure: AzureSpec, at: dt.datetime) -> None:
        t = azure.tenant(self.tenant)
        if self.assignment in t.role_assignments:
            raise ScenarioStateError(f"role assignment {self.assignment} already exists")
        t.role_assignments.append(self.assignment)


class RemoveRole(_Event):
    action: Literal["remove_role"]
    assignment: RoleAssignment

    def apply(self, azure: AzureSpec, at: dt.datetime) -> None:
        t = azure.tenant(self.tenant)
        if self.assignment not in t.role_assignments:
            raise ScenarioStateError(f"no role assignment {self.assignment}")
        t.role_assignments.remove(self.assignment)


class MakeEligible(_Event):
    """A principal made eligible (Privileged Identity Management) for a directory role or an Azure RBAC role."""

    action: Literal["make_eligible"]
    directory_role: EligibleDirectoryRole | None = None
    assignment: EligibleRoleAssignment | None = None

    def apply(self, azure: AzureSpec, at: dt.datetime) -> None:
        t = azure.tenant(self.tenant)
        if (self.directory_role is None) == (self.assignment is None):
            raise ScenarioStateError("make_eligible takes one directory_role or one assignment")
        held = t.eligible_directory_roles if self.assignment is None else t.eligible_role_assignments
        new = (self.directory_role or self.assignment).model_copy()
        if new.start is None:
            new.start = at
        if any(
            e.model_dump(exclude={"start", "end"}) == new.model_dump(exclude={"start", "end"}) for e in held
        ):
            raise ScenarioStateError(f"{new.principal} is already eligible for {new.role}")
        held.append(new)
        t.model_validate(t.model_dump())  # the principal and, for a directory role, its group must fit


class AddGroupMember(_Event):
    action: Literal["add_group_member"]
    group: str
    member: str = Field(description="User, application, managed identity or group name.")

    def apply(self, azure: AzureSpec, at: dt.datetime) -> None:
        t = azure.tenant(self.tenant)
        group = t.group(self.group)
        if self.member in group.members:
            raise ScenarioStateError(f"{self.member} is already a member of group {self.group}")
        names = {x.name for x in (*t.users, *t.applications, *t.managed_identities, *t.groups)}
        if self.member not in names or self.member == self.group:
            raise ScenarioStateError(
                f"tenant {self.tenant} has no user, application or group {self.member!r}"
            )
        if group.role_assignable and self.member in {g.name for g in t.groups}:
            raise ScenarioStateError(f"role-assignable group {self.group} cannot contain groups")
        group.members.append(self.member)


class RemoveGroupMember(_Event):
    action: Literal["remove_group_member"]
    group: str
    member: str

    def apply(self, azure: AzureSpec, at: dt.datetime) -> None:
        group = azure.tenant(self.tenant).group(self.group)
        if self.member not in group.members:
            raise ScenarioStateError(f"{self.member} is not a member of group {self.group}")
        group.members.remove(self.member)


class SignIn(_Event):
    action: Literal["sign_in"]
    principal: str = Field(description="User or application name.")
    credential: str | None = Field(
        None, description="An application's secret or certificate label it signed in with (its last use too)."
    )

    def apply(self, azure: AzureSpec, at: dt.datetime) -> None:
        t = azure.tenant(self.tenant)
        for item in (*t.users, *t.applications):
            if item.name == self.principal:
                if not item.enabled:
                    raise ScenarioStateError(f"{self.principal} is disabled and cannot sign in")
                if self.credential is not None:
                    if not isinstance(item, Application):
                        raise ScenarioStateError(f"user {self.principal} does not sign in with a credential")
                    item.credential(self.credential).last_used = at
                item.last_sign_in = at
                return
        raise ScenarioStateError(f"tenant {self.tenant} has no user or application {self.principal!r}")


#: Every Azure event type; the scenario tells them apart by `azure:<action>`.
AZURE_EVENTS = (
    CreateUser,
    DisableUser,
    AddSecret,
    RemoveSecret,
    GrantPermission,
    AssignRole,
    RemoveRole,
    MakeEligible,
    AddGroupMember,
    RemoveGroupMember,
    SignIn,
)
