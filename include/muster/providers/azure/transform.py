"""Azure transform: one Entra tenant's raw Graph/ARM objects -> normalised rows of the snapshot tables.

Pure: no I/O, no clock (``raw.observed_at`` decides expiry), no SDK. A malformed object never raises: it is
skipped or its field becomes None, and the entity that supplied it turns ``partial`` with a message naming
tenant, entity, object and field.

Mapping (provider-neutral kinds, so that no rule downstream needs an Azure branch):

* users -> ``human_user`` (``service_user`` when the scope file or the service-name patterns say so);
* service principals -> ``service_principal`` (Application, Legacy, SocialIdp) or ``managed_identity``;
* applications (app registrations) -> ``application``; their password / key / federated credentials are
  ``client_secret`` / ``certificate`` / ``federated`` rows held by the application object. Grants are held
  by the application's service principal (same appId); the nhi_reason of both names the other;
* groups -> ``group`` (a grantee that stands for its members, as GCP groups are; not an NHI);
* directory role assignments, app role assignments (application permissions) and Azure RBAC assignments ->
  grants whose privilege comes from the permissions (privilege.py, grants.py); eligible (PIM) directory and
  RBAC assignments in force too, ``via`` ``eligible until <end>`` / ``eligible permanently``
  (eligibility.py). A grant held by a group is recorded for the group (``via`` direct, or eligible ...) and
  for each of its members (``via`` ``group:<group id>``, as AWS group policies are, followed by the group's
  eligibility if any): members of nested groups too for directory roles and Azure RBAC, which honour
  nesting; direct members only for app role assignments, which do not.

The big listings (users, service principals, applications, federated credentials, sign-in activity, and the
MFA registration and credential sign-in reports of reports.py) are streamed: the collector hands each page to
``TenantTransform`` (the ``raw.Sink`` it writes to), which turns it into compact Arrow rows at once
(identities.py, columnar.py). ``finish`` then settles what needed every listing with Arrow joins (links.py:
repeated ids, application <-> service principal, owner names; reports.py: users' MFA registration,
credentials' last sign-in), adds the grants from the small listings held in the RawTenant, and builds the
sorted tables. ``transform_tenant`` does the same for a RawTenant holding whole lists (tests, replays).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc

from ...collected import Collected, EntityResult
from ...config import Tenant
from ...schema import CREDENTIALS, PRINCIPALS
from .columnar import Rows
from .credentials import federated_rows
from .discovery import WHAT, subscriptions_record
from .eligibility import ELIGIBLE
from .grants import grants, members_of
from .identities import STAGES
from .links import drop_losers, settle_principals
from .populations import FEEDS
from .raw import RawTenant
from .reports import MFA_ENTITY, settle_mfa
from .stage import Stage, checked_time

MAX_NAMES = 20
#: Columns with few distinct values, kept dictionary-encoded until the table is built.
DICTIONARY = {
    "principals": ("kind", "nhi_reason", "last_used_source", "owner_source"),
    "credentials": ("kind", "status", "managed_by", "last_used_source"),
}
#: Not in the schema: each row's object number in listing order, and the appId of service principals and
#: applications (links.py).
EXTRA = {
    "principals": {"_app_id": pa.string(), "_obj": pa.int32()},
    "credentials": {"_obj": pa.int32(), "_key": pa.string()},
}
#: credential_id is principal_id/kind/key, the key being the key id (external_id) or a federated
#: credential's id (_key): joined once the rows are sorted, never stored per page (columnar.py).
JOINED = {
    "principals": {},
    "credentials": {"credential_id": ("principal_id", "kind", ("_key", "external_id"))},
}


class Run:
    """State of one tenant's transform: committed rows, what listings leave for the end, grants, problems."""

    def __init__(self, raw: RawTenant, tenant: Tenant, snapshot_date: dt.date) -> None:
        self.raw, self.tenant = raw, tenant
        self.base = {"provider": "azure", "tenant_id": raw.tenant_id, "snapshot_date": snapshot_date}
        self.out = Collected("azure", raw.tenant_id, snapshot_date)
        self.principals, self.credentials = self.new_rows("principals"), self.new_rows("credentials")
        self.problems: dict[str, list[str]] = {}
        #: Objects numbered so far (stage.Stage numbers them in listing order).
        self.objects = 0
        #: (entity, message, object number): reported unless the object lost its id to an earlier one.
        self.object_problems: list[tuple[str, str, int]] = []
        #: Object numbers of objects listed with an id an earlier object holds (set by links.py).
        self.losers: set[int] = set()
        #: object number -> (owner object ids, owner_source) to be named once every listing is in.
        self.owners: dict[int, tuple[tuple[str, ...], str]] = {}
        self.app_owners: dict[int, tuple[str, ...]] = {}
        self.unnamed: set[int] = set()
        #: appId -> last sign-in; None when the beta report was not collected.
        self.activity: dict[str, dt.datetime | None] | None = None
        #: (user ids, isMfaRegistered) of the MFA registration report and its latest lastUpdatedDateTime;
        #: None when the report was not collected (reports.py).
        self.mfa: tuple[pa.Array, pa.Array] | None = None
        self.mfa_as_of: dt.datetime | None = None
        #: credential_id -> last sign-in, of the beta credential sign-in report; None when not collected. Read
        #: as the credential rows are made (credentials.py) and dropped before the tables are built.
        self.credential_use: dict[str, dt.datetime] | None = None
        #: application object id -> its federated credentials; None when they were not collected.
        self.federated: dict | None = None
        self.grant_keys: set[tuple] = set()
        #: raw.group_members as grants.py checked it (every group whose members were listed, or not).
        self.group_members: dict[str, list | None] = {}
        self.roles: dict[str, dict] = {}  # role_id -> role_definitions row
        self.referenced: set[str] = set()

    def new_rows(self, table: str) -> Rows:
        spec = {"principals": PRINCIPALS, "credentials": CREDENTIALS}[table]
        return Rows(spec, self.base, dictionary=DICTIONARY[table], extra=EXTRA[table], joined=JOINED[table])

    def fail(self, entity: str, what: str) -> None:
        """Collect a problem; one message per entity is written at the end (bounded, sorted)."""
        self.problems.setdefault(entity, []).append(what)

    def time(self, value: object, entity: str, what: str, field: str) -> dt.datetime | None:
        return checked_time(value, lambda problem: self.fail(entity, problem), what, field)

    def grant(self, entity: str, row: dict) -> None:
        """A grant, and the same grant for each member when the grantee is a group."""
        key = (row["principal_id"], row["role_id"], row["scope"], row["via"])
        if key in self.grant_keys:
            return  # inherited assignments are listed once per subscription
        self.grant_keys.add(key)
        self.referenced.add(row["role_id"])
        self.out.grants.append({**self.base, **row})
        group, via = row["principal_id"], row["via"]
        if (via == "direct" or via.startswith(ELIGIBLE)) and group in self.group_members:
            nested = not entity.startswith("app_role_assignments")
            held = f"group:{group}" + ("" if via == "direct" else f" {via}")
            for member in members_of(self.group_members, group, nested):
                self.grant(entity, {**row, "principal_id": member, "via": held})


class TenantTransform:
    """Receives the collector's pages (``begin`` / ``page`` / ``end`` per listing, see ``raw.Sink``) and
    builds the tenant's Collected in ``finish``."""

    def __init__(self, raw: RawTenant, tenant: Tenant, snapshot_date: dt.date) -> None:
        self.run = Run(raw, tenant, snapshot_date)
        self.stage: Stage | None = None

    def begin(self, entity: str) -> None:
        """A listing starts (again): whatever an unfinished earlier attempt left is dropped."""
        self.stage = STAGES[entity](self.run)

    def page(self, entity: str, items: list) -> None:
        self.stage.page(items)

    def end(self, entity: str, complete: bool) -> None:
        """The listing is over; only a complete one counts."""
        if complete:
            self.stage.commit()
        self.stage = None

    def finish(self) -> Collected:
        run = self.run
        run.credential_use = None  # every credential row is made: its memory is the tables' now
        out = run.out
        out.caller_identity = run.raw.caller
        out.discovery[WHAT] = subscriptions_record(run.raw)
        entities = {e.entity: dataclasses.replace(e) for e in run.raw.entities}
        if MFA_ENTITY in entities and run.mfa is not None:
            entities[MFA_ENTITY].source_as_of = run.mfa_as_of  # the report's refresh, not the run's clock
        out.entities = list(entities.values())
        grants(run)
        principals = run.principals.table(lambda columns: _settle_principals(run, columns))
        for entity, what, obj in run.object_problems:
            if obj not in run.losers:
                run.fail(entity, what)
        _federated(run, principals)
        out.add_columnar("principals", principals)
        del principals
        out.add_columnar("credentials", run.credentials.table(lambda columns: drop_losers(run, columns)))
        for entity, problems in sorted(run.problems.items()):
            e = entities.get(entity) or _add(out, entities, entity)
            unique = sorted(set(problems))
            shown = "; ".join(unique[:MAX_NAMES])
            more = f"; and {len(unique) - MAX_NAMES} more" if len(unique) > MAX_NAMES else ""
            e.fail(f"tenant {run.raw.tenant_id}: {entity}: {shown}{more}", "partial")
        for rid, row in sorted(run.roles.items()):
            keep = row.pop("_keep")
            if keep or rid in run.referenced:
                out.role_definitions.append({**run.base, **row})
        return out


def _settle_principals(run: Run, columns: dict[str, pa.Array]) -> None:
    settle_principals(run, columns)
    settle_mfa(run, columns)


def _federated(run: Run, principals: pa.Table) -> None:
    """Federated credential rows of the applications that have a row (not of ids another object holds)."""
    if not run.federated:
        return
    oids = [k for k in run.federated if isinstance(k, str)]
    at = pc.index_in(pa.array(oids, pa.string()), value_set=principals.column("principal_id"))
    names = principals.column("name").take(at).to_pylist()
    kinds = principals.column("kind").take(at).to_pylist()
    rows = []
    for oid, name, kind in zip(oids, names, kinds, strict=True):
        if kind == "application":
            rows += federated_rows(run, oid, f"application {name}", run.federated[oid])
    run.credentials.add(rows)


def _add(out: Collected, entities: dict[str, EntityResult], entity: str) -> EntityResult:
    e = EntityResult(entity, FEEDS.get(entity.split("/")[0], "principals"))
    entities[entity] = e
    out.entities.append(e)
    return e


def transform_tenant(raw: RawTenant, tenant: Tenant, snapshot_date: dt.date) -> Collected:
    """Normalise one tenant's raw Graph and ARM objects, each listing given whole in ``raw``."""
    t = TenantTransform(raw, tenant, snapshot_date)
    federated = raw.federated
    listed = {
        "users": raw.users,
        "user_mfa_registration": raw.mfa_registration,
        "sp_sign_in_activity": raw.sp_sign_in,
        "app_credential_sign_in_activity": raw.app_credential_sign_in,
        "service_principals": raw.service_principals,
        "applications": raw.applications,
        "federated_credentials": None
        if federated is None
        else [{"id": k, "federatedIdentityCredentials": v} for k, v in federated.items()],
        "groups": raw.groups,
    }
    for entity in STAGES:
        if listed[entity] is not None:
            t.begin(entity)
            t.page(entity, listed[entity])
            t.end(entity, True)
    return t.finish()
