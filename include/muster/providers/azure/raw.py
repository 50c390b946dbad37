"""The seam between Azure extract (I/O) and transform (pure): a RawTenant and a page Sink.

Every field holds the service's own JSON objects (Graph / ARM wire format, camelCase) exactly as listed.
``None`` means "not collected" (the entity that should have filled it says why), never "empty".

The big listings (users, MFA registration, sign-in activity, credential sign-in activity, service principals,
applications, federated credentials, groups) are not held here by the collector: it streams their pages to a ``Sink`` (the transform), so that a
tenant of 100k objects is never in memory as JSON all at once. Their fields here serve ``transform_tenant`` (tests,
replays of saved listings).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from ...collected import EntityResult


@dataclass
class RawTenant:
    tenant_id: str
    #: When the tenant was observed (the run's clock): decides whether a credential has expired.
    observed_at: dt.datetime
    caller: str | None = None
    users: list[dict] | None = None
    #: Whether ``users`` carry ``signInActivity`` (needs an Entra ID P1/P2 licence); while streaming, whether
    #: the users listing under way asked for it.
    users_sign_in: bool = False
    service_principals: list[dict] | None = None
    applications: list[dict] | None = None
    #: application object id -> its federatedIdentityCredentials.
    federated: dict[str, list[dict]] | None = None
    directory_role_definitions: list[dict] | None = None
    directory_role_assignments: list[dict] | None = None
    #: Graph roleEligibilityScheduleInstances: eligible (PIM) directory role assignments in force.
    directory_role_eligibility: list[dict] | None = None
    #: Resource service principals (first-party APIs) with their ``appRoles``.
    app_role_resources: list[dict] | None = None
    app_role_assignments: list[dict] | None = None
    groups: list[dict] | None = None
    #: group id -> its direct members (``{"@odata.type", "id"}``) for the groups that hold a grant and those
    #: nested in them; a None value: that group's members could not be listed.
    group_members: dict[str, list[dict] | None] | None = None
    #: Graph beta reports/servicePrincipalSignInActivities, keyed by nothing (a list of objects with appId).
    sp_sign_in: list[dict] | None = None
    #: Graph reports/authenticationMethods/userRegistrationDetails (objects with the user's id).
    mfa_registration: list[dict] | None = None
    #: Graph beta reports/appCredentialSignInActivities (objects with keyId, credentialOrigin, ...).
    app_credential_sign_in: list[dict] | None = None
    #: Every subscription ARM listed (of this tenant or not): the discovery record (discovery.py).
    subscriptions_listed: list[dict] | None = None
    #: The listed subscriptions to collect (this tenant's, and the scope file's when it names any).
    subscriptions: list[dict] | None = None
    #: subscription id -> role assignments listed there (inherited ones included, so ids repeat across subs).
    arm_assignments: dict[str, list[dict]] = field(default_factory=dict)
    #: subscription id -> eligible (PIM) role assignment instances listed there (inherited ones included).
    arm_eligibility: dict[str, list[dict]] = field(default_factory=dict)
    #: subscription id -> role definitions listed there.
    arm_definitions: dict[str, list[dict]] = field(default_factory=dict)
    entities: list[EntityResult] = field(default_factory=list)


class Sink(Protocol):
    """Where the collector streams a listing: ``begin``, then ``page`` per page, then ``end`` (complete or
    not). A listing may begin again after an incomplete end (e.g. users without signInActivity)."""

    def begin(self, entity: str) -> None: ...

    def page(self, entity: str, items: list) -> None: ...

    def end(self, entity: str, complete: bool) -> None: ...
