"""Read one GCP tenant (project, organisation or folder) through the injected clients: I/O only.

Errors the APIs answer for one part of a tenant (403 on a project, a service account deleted while its keys
are listed, Policy Analyzer not enabled) are recorded in that part's EntityResult and collection goes on;
no rows are invented for what could not be read. Calls per project: 1 project + 1 policy + ceil(SAs/100)
account pages + 1 keys list per account + 1 per distinct role not yet cached + 2 activity queries (+ pages)
+ 1 per service account of another project named in the policy.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from .apis import GcpApis
from .calls import ApiError, Caller
from .members import is_service_agent, parse_member
from .raw import RawTenant, tenant_resource

log = logging.getLogger(__name__)

POLICY_BODY = {"options": {"requestedPolicyVersion": 3}}
SA_PAGE_SIZE = 100
ACTIVITY_PAGE_SIZE = 1000
ACTIVITY_TYPES = {
    "sa_last_authentication": "serviceAccountLastAuthentication",
    "key_last_authentication": "serviceAccountKeyLastAuthentication",
}


class RoleCache:
    """Predefined role definitions, shared across the tenants of one process (they are Google's, not a
    tenant's). Custom roles are never cached: they belong to one project or organisation."""

    def __init__(self) -> None:
        self._roles: dict[str, dict] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> dict | None:
        with self._lock:
            return self._roles.get(name)

    def put(self, name: str, role: dict) -> None:
        if name.startswith("roles/"):
            with self._lock:
                self._roles[name] = role


def extract_tenant(
    apis: GcpApis, caller: Caller, tenant_id: str, *, role_cache: RoleCache | None = None
) -> RawTenant:
    """Everything Muster reads about one tenant; never raises ApiError (it is recorded instead)."""
    level, resource = tenant_resource(tenant_id)
    raw = RawTenant(tenant_id=tenant_id, level=level, resource=resource, caller_identity=apis.caller_identity)
    x = _Extract(apis, caller, raw, role_cache or RoleCache())
    if not x.node():
        return raw
    if level == "project":
        x.policy(resource, raw.entity("iam_policy"))
        x.service_accounts()
        x.keys()
        x.activities()
    else:
        x.folders()
        entity = raw.entity("iam_policy")
        for name in [resource] + [f["name"] for f in raw.folders]:
            x.policy(name, entity)
    x.roles()
    x.member_accounts()
    return raw


class _Extract:
    def __init__(self, apis: GcpApis, caller: Caller, raw: RawTenant, roles: RoleCache) -> None:
        self.apis, self.caller, self.raw, self.cache = apis, caller, raw, roles

    def where(self, entity: str) -> str:
        return f"tenant gcp:{self.raw.tenant_id}: {entity}"

    def node(self) -> bool:
        """Read the tenant's own Resource Manager object: it must exist and be visible."""
        raw = self.raw
        entity = raw.entity(raw.level)
        crm = self.apis.crm
        get = {"project": crm.projects, "organization": crm.organizations, "folder": crm.folders}[raw.level]
        try:
            raw.node = self.caller.execute(get().get(name=raw.resource), entity)
        except ApiError as e:
            entity.fail(f"{self.where(raw.level)}: {raw.resource}: {e}")
            log.error("%s: %s: %s", self.where(raw.level), raw.resource, e)
            return False
        entity.items = 1
        state = raw.node.get("state") or raw.node.get("lifecycleState")
        if state not in (None, "ACTIVE"):
            entity.fail(f"{self.where(raw.level)}: {raw.resource} is {state}, not ACTIVE", "partial")
        return True

    def policy(self, resource: str, entity) -> None:
        collection = {"projects": "projects", "folders": "folders", "organizations": "organizations"}
        api = getattr(self.apis.crm, collection[resource.split("/", 1)[0]])()
        try:
            policy = self.caller.execute(api.getIamPolicy(resource=resource, body=POLICY_BODY), entity)
        except ApiError as e:
            entity.fail(f"{self.where('iam_policy')}: {resource}: {e}")
            return
        entity.items += len(policy.get("bindings") or [])
        self.raw.policies[resource] = policy

    def folders(self) -> None:
        """Every folder below an organisation or folder tenant (breadth first, paged)."""
        entity = self.raw.entity("folders")
        queue = [self.raw.resource]
        while queue:
            parent = queue.pop(0)
            try:
                found = list(
                    self.caller.pages(
                        lambda t, p=parent: self.apis.crm.folders().list(parent=p, pageToken=t),
                        "folders",
                        entity,
                    )
                )
            except ApiError as e:
                entity.fail(f"{self.where('folders')}: children of {parent}: {e}")
                continue
            self.raw.folders += found
            queue += [f["name"] for f in found if isinstance(f, dict) and f.get("name")]

    def service_accounts(self) -> None:
        entity = self.raw.entity("service_accounts")
        project = self.raw.resource

        def page(token: str | None) -> object:
            return (
                self.apis.iam.projects()
                .serviceAccounts()
                .list(name=project, pageSize=SA_PAGE_SIZE, pageToken=token)
            )

        try:
            self.raw.service_accounts = list(self.caller.pages(page, "accounts", entity))
        except ApiError as e:
            self.raw.service_accounts = []
            entity.fail(f"{self.where('service_accounts')}: {e}")

    def keys(self) -> None:
        """Both key types of every account (one call each: keys.list has no paging)."""
        entity = self.raw.entity("service_account_keys")
        if self.raw.entity("service_accounts").status == "failed":
            entity.fail(f"{self.where('service_account_keys')}: not listed: service accounts unreadable")
            return
        keys = self.apis.iam.projects().serviceAccounts().keys()
        for sa in self.raw.service_accounts:
            name = sa.get("name") if isinstance(sa, dict) else None
            if not name:
                continue
            try:
                found = self.caller.execute(keys.list(name=name), entity).get("keys") or []
            except ApiError as e:
                if e.not_found:  # deleted between the listing and now: nothing left to list
                    log.info("%s: %s gone while listing keys", self.where("service_account_keys"), name)
                    continue
                entity.fail(
                    f"{self.where('service_account_keys')}: {sa.get('email') or name}: {e}", "partial"
                )
                continue
            entity.items += len(found)
            self.raw.keys[sa.get("email") or name] = found

    def activities(self) -> None:
        """Last authentication of accounts and keys from Policy Analyzer, where the API is enabled."""
        disabled = None
        api = self.apis.policyanalyzer.projects().locations().activityTypes().activities()
        for entity_name, activity_type in ACTIVITY_TYPES.items():
            entity = self.raw.entity(entity_name)
            if disabled:
                entity.fail(disabled, "not_collected")
                continue
            parent = f"{self.raw.resource}/locations/global/activityTypes/{activity_type}"
            try:
                found = list(
                    self.caller.pages(
                        lambda t, p=parent, a=api: a.query(
                            parent=p, pageSize=ACTIVITY_PAGE_SIZE, pageToken=t
                        ),
                        "activities",
                        entity,
                    )
                )
            except ApiError as e:
                why = "Policy Analyzer API not enabled" if e.service_disabled else "activity not readable"
                disabled = f"{self.where(entity_name)}: {why}, last authentication unknown: {e}"
                entity.fail(disabled, "not_collected")
                continue
            setattr(self.raw, "sa_activities" if entity_name.startswith("sa_") else "key_activities", found)

    def roles(self) -> None:
        """The definition of every role named in a binding (predefined ones cached across tenants)."""
        entity = self.raw.entity("roles")
        for name in sorted(_roles_named(self.raw.policies.values())):
            cached = self.cache.get(name)
            if cached is not None:
                self.raw.roles[name] = cached
                continue
            try:
                role = self.caller.execute(self._role_request(name), entity)
            except (ApiError, ValueError) as e:
                self.raw.roles[name] = None
                entity.fail(f"{self.where('roles')}: {name}: {e}", "partial")
                continue
            entity.items += 1
            self.raw.roles[name] = role
            self.cache.put(name, role)

    def _role_request(self, name: str) -> object:
        iam = self.apis.iam
        if name.startswith("roles/"):
            return iam.roles().get(name=name)
        if name.startswith("projects/"):
            return iam.projects().roles().get(name=name)
        if name.startswith("organizations/"):
            return iam.organizations().roles().get(name=name)
        raise ValueError("not a predefined, project or organisation role name")

    def member_accounts(self) -> None:
        """uniqueId and state of service accounts of other projects named in this tenant's bindings."""
        own = {sa.get("email") for sa in self.raw.service_accounts if isinstance(sa, dict)}
        wanted = sorted(
            m.value
            for m in (parse_member(x) for x in _members(self.raw.policies.values()))
            if m
            and m.type == "serviceAccount"
            and not m.deleted
            and m.value not in own
            and not is_service_agent(m.value)
        )
        if not wanted:
            return
        entity = self.raw.entity("member_service_accounts")
        accounts = self.apis.iam.projects().serviceAccounts()
        for email in wanted:
            try:
                self.raw.member_accounts[email] = self.caller.execute(
                    accounts.get(name=f"projects/-/serviceAccounts/{email}"), entity
                )
                entity.items += 1
            except ApiError as e:
                self.raw.member_accounts[email] = None
                status = "complete" if e.not_found else "partial"
                if status != "complete":
                    entity.fail(f"{self.where('member_service_accounts')}: {email}: {e}", status)


def _bindings(policies: Iterable[dict]) -> Iterable[dict]:
    for policy in policies:
        for b in policy.get("bindings") or []:
            if isinstance(b, dict):
                yield b


def _roles_named(policies: Iterable[dict]) -> set[str]:
    return {b["role"] for b in _bindings(policies) if isinstance(b.get("role"), str)}


def _members(policies: Iterable[dict]) -> set[str]:
    return {m for b in _bindings(policies) for m in b.get("members") or [] if isinstance(m, str)}
