"""RawTenant: the seam between Azure extract (I/O) and transform (pure).

Every field holds the service's own JSON objects (Graph / ARM wire format, camelCase) exactly as listed.
``None`` means "not collected" (the entity that should have filled it says why), never "empty".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ...collected import EntityResult


@dataclass
class RawTenant:
    tenant_id: str
    #: When the tenant was observed (the run's clock): decides whether a credential has expired.
    observed_at: dt.datetime
    caller: str | None = None
    users: list[dict] | None = None
    #: Whether ``users`` carry ``signInActivity`` (needs an Entra ID P1/P2 licence).
    users_sign_in: bool = False
    service_principals: list[dict] | None = None
    applications: list[dict] | None = None
    #: application object id -> its federatedIdentityCredentials.
    federated: dict[str, list[dict]] | None = None
    directory_role_definitions: list[dict] | None = None
    directory_role_assignments: list[dict] | None = None
    #: Resource service principals (first-party APIs) with their ``appRoles``.
    app_role_resources: list[dict] | None = None
    app_role_assignments: list[dict] | None = None
    #: Graph beta reports/servicePrincipalSignInActivities, keyed by nothing (a list of objects with appId).
    sp_sign_in: list[dict] | None = None
    subscriptions: list[dict] | None = None
    #: subscription id -> role assignments listed there (inherited ones included, so ids repeat across subs).
    arm_assignments: dict[str, list[dict]] = field(default_factory=dict)
    #: subscription id -> role definitions listed there.
    arm_definitions: dict[str, list[dict]] = field(default_factory=dict)
    entities: list[EntityResult] = field(default_factory=list)
