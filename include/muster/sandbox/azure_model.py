"""The Azure part of a scenario: Entra tenants with users, applications, managed identities, groups, role
assignments and subscriptions (the events that change them are in `sandbox/azure_events.py`).

Plain data, no HTTP: `sandbox/azure.py` turns a state into the Graph/ARM objects the fake serves. Identities
are named (user name, application name, managed identity name); object ids, app ids and key ids are derived
from the names (uuid5), so they are stable from day to day. Secrets carry a label, never a value.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from .model_base import Model as _Model
from .model_base import ScenarioStateError, UtcDateTime
from .model_base import find_named as _find

GUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
NAME = r"^[a-z0-9][a-z0-9.-]{0,63}$"


class User(_Model):
    name: str = Field(pattern=NAME, description="Local part of the user principal name.")
    enabled: bool = True
    guest: bool = False
    created: UtcDateTime | None = None
    last_sign_in: UtcDateTime | None = None
    mfa: bool | None = Field(
        True,
        description="Registered for multifactor authentication (isMfaRegistered in the registration report); "
        "null: the user is missing from the report.",
    )


class Secret(_Model):
    """A client secret or certificate of an application."""

    id: str = Field(pattern=NAME, description="Scenario label; the key id is derived from it.")
    created: UtcDateTime | None = None
    expires: UtcDateTime = Field(description="End date; 2299-12-31 is what 'never expires' looks like.")
    last_used: UtcDateTime | None = Field(
        None,
        description="Last sign-in with it (the beta credential sign-in report); none: not in the report.",
    )


class Federated(_Model):
    name: str = Field(pattern=NAME)
    issuer: str
    subject: str


class Application(_Model):
    name: str = Field(pattern=NAME)
    created: UtcDateTime | None = None
    owners: list[str] = Field(default_factory=list, description="User names.")
    secrets: list[Secret] = Field(default_factory=list)
    certificates: list[Secret] = Field(default_factory=list)
    federated: list[Federated] = Field(default_factory=list)
    permissions: list[str] = Field(
        default_factory=list,
        description="Microsoft Graph application permissions, e.g. Application.ReadWrite.All.",
    )
    enabled: bool = Field(True, description="Whether its service principal may sign in.")
    last_sign_in: UtcDateTime | None = None

    def secret(self, label: str) -> Secret:
        for s in self.secrets:
            if s.id == label:
                return s
        raise ScenarioStateError(f"application {self.name} has no secret {label!r}")

    def credential(self, label: str) -> Secret:
        """A secret or certificate by its label."""
        for s in (*self.secrets, *self.certificates):
            if s.id == label:
                return s
        raise ScenarioStateError(f"application {self.name} has no secret or certificate {label!r}")


class ManagedIdentity(_Model):
    name: str = Field(pattern=NAME)
    subscription: str = Field(pattern=GUID)
    last_sign_in: UtcDateTime | None = None


class Group(_Model):
    """An Entra security group. Directory roles can be assigned only to a role-assignable group, which in
    turn cannot contain groups (Entra's rules)."""

    name: str = Field(pattern=NAME)
    description: str = ""
    role_assignable: bool = False
    created: UtcDateTime | None = None
    members: list[str] = Field(
        default_factory=list, description="User, application, managed identity or group names."
    )


class ManagementGroup(_Model):
    id: str = Field(pattern=NAME)
    parent: str | None = None


class Subscription(_Model):
    id: str = Field(pattern=GUID)
    name: str
    management_group: str | None = None
    in_scope: bool = Field(
        True,
        description="Named in the sandbox scope file. When one subscription is not, the scope file names the "
        "others, and the collector lists this one without reading its RBAC.",
    )


class CustomRole(_Model):
    name: str
    description: str = ""
    actions: list[str]
    not_actions: list[str] = Field(default_factory=list)
    data_actions: list[str] = Field(default_factory=list)
    scopes: list[str] = Field(description="Assignable scopes: subscription ids or mg:<management group>.")


class DirectoryRole(_Model):
    role: str = Field(description="Built-in directory role display name, e.g. Global Administrator.")
    principal: str = Field(description="User, application, managed identity or role-assignable group name.")


class RoleAssignment(_Model):
    principal: str = Field(description="User, application, managed identity or group name.")
    role: str = Field(description="Built-in or custom role name.")
    scope: str = Field(description="Subscription id, mg:<management group>, or / (the tenant root).")


class _Eligible(_Model):
    start: UtcDateTime | None = Field(None, description="Start of the eligibility; none: already in force.")
    end: UtcDateTime | None = Field(None, description="End of the eligibility; none: permanently eligible.")


class EligibleDirectoryRole(DirectoryRole, _Eligible):
    """An eligible (PIM) directory role assignment: the principal may activate the role on demand."""


class EligibleRoleAssignment(RoleAssignment, _Eligible):
    """An eligible (PIM) Azure RBAC role assignment."""


class AzureTenant(_Model):
    id: str = Field(pattern=GUID)
    name: str
    domain: str
    licensed: bool = Field(
        True,
        description="Entra ID P1/P2: users' signInActivity and the MFA registration report are readable.",
    )
    sign_in_report: bool = Field(
        True, description="The beta sign-in reports (service principals, application credentials) answer."
    )
    pim: bool = Field(
        True,
        description="Entra ID P2 (Privileged Identity Management): the eligibility listings answer; without it "
        "(or without licensed) Graph and ARM refuse them with 400 AadPremiumLicenseRequired.",
    )
    users: list[User] = Field(default_factory=list)
    applications: list[Application] = Field(default_factory=list)
    managed_identities: list[ManagedIdentity] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list)
    directory_roles: list[DirectoryRole] = Field(default_factory=list)
    eligible_directory_roles: list[EligibleDirectoryRole] = Field(default_factory=list)
    management_groups: list[ManagementGroup] = Field(default_factory=list)
    subscriptions: list[Subscription] = Field(default_factory=list)
    custom_roles: list[CustomRole] = Field(default_factory=list)
    role_assignments: list[RoleAssignment] = Field(default_factory=list)
    eligible_role_assignments: list[EligibleRoleAssignment] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> AzureTenant:
        names = [x.name for x in (*self.users, *self.applications, *self.managed_identities, *self.groups)]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"tenant {self.id}: names used twice: {dupes}")
        held = (*self.directory_roles, *self.eligible_directory_roles, *self.role_assignments)
        for ref in [r.principal for r in (*held, *self.eligible_role_assignments)]:
            if ref not in names:
                raise ValueError(f"tenant {self.id}: unknown principal {ref!r}")
        users = {u.name for u in self.users}
        for a in self.applications:
            if set(a.owners) - users:
                raise ValueError(f"tenant {self.id}: application {a.name} has unknown owner(s)")
        self._groups_consistent(set(names))
        return self

    def _groups_consistent(self, names: set[str]) -> None:
        groups = {g.name: g for g in self.groups}
        for g in self.groups:
            unknown = sorted(set(g.members) - names)
            if unknown or g.name in g.members:
                raise ValueError(
                    f"tenant {self.id}: group {g.name} has unknown member(s) {unknown or [g.name]}"
                )
            if g.role_assignable and set(g.members) & groups.keys():
                raise ValueError(f"tenant {self.id}: role-assignable group {g.name} cannot contain groups")
        for r in (*self.directory_roles, *self.eligible_directory_roles):
            if r.principal in groups and not groups[r.principal].role_assignable:
                raise ValueError(
                    f"tenant {self.id}: directory role {r.role} needs a role-assignable group, "
                    f"{r.principal} is not"
                )

    def user(self, name: str) -> User:
        return _find(self.users, name, f"tenant {self.id} has no user {name!r}")

    def application(self, name: str) -> Application:
        return _find(self.applications, name, f"tenant {self.id} has no application {name!r}")

    def group(self, name: str) -> Group:
        return _find(self.groups, name, f"tenant {self.id} has no group {name!r}")


class AzureSpec(_Model):
    #: One tenant: the local fake answers every bearer token alike, so it cannot serve two directories.
    tenants: list[AzureTenant] = Field(min_length=1, max_length=1)

    def tenant(self, tenant_id: str) -> AzureTenant:
        for t in self.tenants:
            if t.id == tenant_id:
                return t
        raise ScenarioStateError(f"no azure tenant {tenant_id} in the scenario")
