"""Read one GCP tenant (project, organisation or folder) through the injected clients: I/O only.

Errors the APIs answer for one part of a tenant (403 on a project, a service account deleted while its keys
are listed, Policy Analyzer not enabled) are recorded in that part's EntityResult and collection goes on;
no rows are invented for what could not be read. So are answers that cannot be read (not a JSON object, a
listing or a page token of the wrong type, a policy whose bindings are not a list, a name that is not one the
API accepts back): the part they belong to is recorded partial or failed, naming the field, and what was read
around it is kept. The fields of the items themselves (a binding's members, an account's email) are checked
by the transform (`item_shapes`); here they are read only where a request or a count depends on them.

Calls per project: 1 project + 1 policy + ceil(SAs/100) account pages + 1 keys list per account + 1 HMAC
key listing (+ a page per 250 keys) + 1 per distinct role not yet cached + 2 activity queries (+ pages) + 1
per service account of another project named in the policy + 2 per group named in a binding (+ a page per
1,000 transitive members); every tenant, organisation and folder ones too, reads the groups its bindings name.

Groups (`group_members`): a binding to ``group:EMAIL`` gives access to every member of the group, nested
groups' members included, so each group a binding names is resolved with Cloud Identity ``groups.lookup``
and its transitive members listed with ``groups.memberships.searchTransitiveMemberships`` (Google Workspace
Enterprise or Cloud Identity Premium; the caller needs the Groups Reader admin role or the cloud-identity
groups scopes). Never one request per member, never every group of the organisation. A group that cannot be
listed (403: no permission, a group outside the customer, the edition lacks the method; 404: unknown) is
recorded by name and reads as "members unknown", never as "no members".

HMAC keys (Cloud Storage's S3-interoperable access keys of service accounts) are listed per project, like
service account keys, and so only for project tenants. A 403 (the Cloud Storage JSON API disabled, or no
``storage.hmacKeys.list``) records ``hmac_keys`` as not_collected with Google's reason: its credential kind
is then unknown downstream, never "no keys".
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable

from .apis import GcpApis
from .calls import ApiError, Caller, MalformedResponse, listed
from .groups import GROUP_NAME, MEMBERSHIP_PAGE_SIZE, granted_groups
from .members import is_service_agent, parse_member
from .raw import RawTenant, tenant_resource

log = logging.getLogger(__name__)

POLICY_BODY = {"options": {"requestedPolicyVersion": 3}}
SA_PAGE_SIZE = 100
ACTIVITY_PAGE_SIZE = 1000
HMAC_PAGE_SIZE = 250  # the API's own cap
ACTIVITY_TYPES = {
    "sa_last_authentication": "serviceAccountLastAuthentication",
    "key_last_authentication": "serviceAccountKeyLastAuthentication",
}
#: Names read from one answer and sent back in a request, as the client's discovery documents accept them:
#: the client raises TypeError for a name that does not match (and str()s one that is not text).
FOLDER_NAME = re.compile(r"folders/[^/]+")
ACCOUNT_NAME = re.compile(r"projects/[^/]+/serviceAccounts/[^/]+")
ROLE_NAME = re.compile(r"(?:roles/|(?:projects|organizations)/[^/]+/roles/)[^/]+")
ACCOUNT_EMAIL = re.compile(r"[^/]+")


def _fits(pattern: re.Pattern, value: object) -> bool:
    return isinstance(value, str) and pattern.fullmatch(value) is not None


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
        x.hmac_keys()
        x.activities()
    else:
        x.folders()
        entity = raw.entity("iam_policy")
        for name in [resource] + x.folder_names:
            x.policy(name, entity)
    x.roles()
    x.member_accounts()
    x.group_members()
    return raw


class _Extract:
    def __init__(self, apis: GcpApis, caller: Caller, raw: RawTenant, roles: RoleCache) -> None:
        self.apis, self.caller, self.raw, self.cache = apis, caller, raw, roles
        self.folder_names: list[str] = []  # of raw.folders, those whose name can be read back

    def listing(self, make: Callable[[str | None], object], field: str, entity, what: str = "") -> list:
        """Every item of a paged listing. When a page cannot be read, the items of the pages before it are
        kept and the entity is partial (failed when there are none); ``what`` names the listing in the
        message. ApiError propagates."""
        found: list = []
        try:
            for item in self.caller.pages(make, field, entity):
                found.append(item)
        except MalformedResponse as e:
            status = "partial" if found else "failed"
            entity.fail(f"{self.where(entity.entity)}: {what}{e}: the listing stops there", status)
        return found

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
        bindings = listed(policy, "bindings")
        if not isinstance(bindings, list):  # its grants are unknown; read as none, they would read as revoked
            entity.fail(
                f"{self.where('iam_policy')}: {resource}: field bindings is not a list: policy not read"
            )
            return
        entity.items += len(bindings)
        self.raw.policies[resource] = policy

    def folders(self) -> None:
        """Every folder below an organisation or folder tenant (breadth first, paged)."""
        entity = self.raw.entity("folders")
        queue = [self.raw.resource]
        while queue:
            parent = queue.pop(0)
            try:
                found = self.listing(
                    lambda t, p=parent: self.apis.crm.folders().list(parent=p, pageToken=t),
                    "folders",
                    entity,
                    f"children of {parent}: ",
                )
            except ApiError as e:
                entity.fail(f"{self.where('folders')}: children of {parent}: {e}")
                continue
            start = len(self.raw.folders)
            self.raw.folders += found
            for i, folder in enumerate(found, start):
                name = folder.get("name") if isinstance(folder, dict) else None
                if not _fits(FOLDER_NAME, name):  # neither its policy nor its children can be asked for
                    entity.fail(
                        f"{self.where('folders')}: folder {i} (a child of {parent}): field name is not a "
                        "folder name: its policy and subfolders not read",
                        "partial",
                    )
                    continue
                self.folder_names.append(name)
                queue.append(name)

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
            self.raw.service_accounts = self.listing(page, "accounts", entity)
        except ApiError as e:
            self.raw.service_accounts = []
            entity.fail(f"{self.where('service_accounts')}: {e}")

    def keys(self) -> None:
        """Both key types of every account (one call each: keys.list has no paging)."""
        entity = self.raw.entity("service_account_keys")
        if self.raw.entity("service_accounts").status == "failed":
            entity.fail(f"{self.where('service_account_keys')}: not listed: service accounts unreadable")
            return
        if self.raw.entity("service_accounts").status == "partial":
            entity.fail(
                f"{self.where('service_account_keys')}: the keys of accounts missing from an incomplete listing "
                "are unknown",
                "partial",
            )
        keys = self.apis.iam.projects().serviceAccounts().keys()
        for i, sa in enumerate(self.raw.service_accounts):
            name = sa.get("name") if isinstance(sa, dict) else None
            email = sa.get("email") if isinstance(sa, dict) else None
            email = email if isinstance(email, str) and email else None
            if not _fits(ACCOUNT_NAME, name):  # its keys are unknown, not none
                label = f"account {email or i}"
                why = "field name is not a service account name" if isinstance(sa, dict) else "not an object"
                entity.fail(
                    f"{self.where('service_account_keys')}: {label}: {why}: keys not listed", "partial"
                )
                continue
            owner = email or name
            try:
                found = listed(self.caller.execute(keys.list(name=name), entity), "keys")
            except ApiError as e:
                if e.not_found:  # deleted between the listing and now: nothing left to list
                    log.info("%s: %s gone while listing keys", self.where("service_account_keys"), name)
                    continue
                entity.fail(f"{self.where('service_account_keys')}: {owner}: {e}", "partial")
                continue
            if not isinstance(found, list):
                entity.fail(
                    f"{self.where('service_account_keys')}: {owner}: field keys is not a list: keys not read",
                    "partial",
                )
                continue
            entity.items += len(found)
            self.raw.keys[owner] = found

    def hmac_keys(self) -> None:
        """The project's HMAC keys in one paged listing (calls grow with pages, not accounts). DELETED keys
        are not asked for (``showDeletedKeys`` left unset): they authenticate nothing."""
        entity = self.raw.entity("hmac_keys")
        project_id = self.raw.resource.split("/", 1)[1]
        api = self.apis.storage.projects().hmacKeys()
        try:
            self.raw.hmac_keys = self.listing(
                lambda t: api.list(projectId=project_id, maxResults=HMAC_PAGE_SIZE, pageToken=t),
                "items",
                entity,
            )
        except ApiError as e:
            if not e.forbidden:
                entity.fail(f"{self.where('hmac_keys')}: {e}")
                return
            why = "Cloud Storage JSON API not enabled" if e.service_disabled else "HMAC keys not readable"
            entity.fail(f"{self.where('hmac_keys')}: {why}, HMAC keys unknown: {e}", "not_collected")

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
            except MalformedResponse as e:
                # Nothing kept: an account missing from part of the activities would read as "not seen".
                entity.fail(f"{self.where(entity_name)}: {e}: last authentication unknown")
                continue
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
        if not ROLE_NAME.fullmatch(name):  # the client would refuse it with TypeError
            raise ValueError("not a predefined, project or organisation role name")
        if name.startswith("roles/"):
            return iam.roles().get(name=name)
        if name.startswith("projects/"):
            return iam.projects().roles().get(name=name)
        if name.startswith("organizations/"):
            return iam.organizations().roles().get(name=name)
        raise ValueError("not a predefined, project or organisation role name")

    def member_accounts(self) -> None:
        """uniqueId and state of service accounts of other projects named in this tenant's bindings."""
        emails = (sa.get("email") for sa in self.raw.service_accounts if isinstance(sa, dict))
        own = {email for email in emails if isinstance(email, str)}  # a list as an email is not hashable
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
            if not _fits(ACCOUNT_EMAIL, email):  # the client would refuse the account's name
                entity.fail(
                    f"{self.where('member_service_accounts')}: serviceAccount:{email}: not an account email: "
                    "not read",
                    "partial",
                )
                continue
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

    def group_members(self) -> None:
        """The transitive members of every group a binding names: one lookup and one paged search each."""
        groups = granted_groups(self.raw.policies.values())
        if not groups:
            return
        entity = self.raw.entity("group_members")
        problems: list[tuple[str, str]] = []  # (the status were every group to fail so, message)
        disabled = None
        for email in groups:
            self.raw.group_members[email] = None  # until listed in full
            where = f"{self.where('group_members')}: group {email}"
            if disabled:  # the API answers every group alike: not asked again
                problems.append(("not_collected", f"{where}: not asked: {disabled}"))
                continue
            try:
                self.raw.group_members[email] = self._transitive_members(email, entity)
            except MalformedResponse as e:
                # The members of the pages read are real but the others unknown: the group counts as not
                # listed, so that nobody's access through it reads as revoked.
                problems.append(("failed", f"{where}: {e}: members unknown"))
            except ApiError as e:
                problems.append(
                    ("not_collected" if e.code in (403, 404) else "failed", f"{where}: {_why(e)}")
                )
                disabled = "Cloud Identity API not enabled" if e.service_disabled else None
        if not problems:
            return
        listed_any = any(v is not None for v in self.raw.group_members.values())
        every = "failed" if any(status == "failed" for status, _ in problems) else "not_collected"
        for _, message in problems:
            entity.fail(message, "partial" if listed_any else every)
        log.warning("%s", entity.error)

    def _transitive_members(self, email: str, entity) -> list:
        """groups.lookup of ``email``, then every page of its transitive memberships (ApiError propagates)."""
        api = self.apis.cloudidentity.groups()
        name = self.caller.execute(api.lookup(groupKey_id=email), entity).get("name")
        if not _fits(GROUP_NAME, name):  # the client would refuse it as the search's parent
            raise MalformedResponse("groups.lookup: field name is not a group name")
        search = api.memberships().searchTransitiveMemberships
        pages = self.caller.pages(
            lambda t: search(parent=name, pageSize=MEMBERSHIP_PAGE_SIZE, pageToken=t), "memberships", entity
        )
        return list(pages)


def _why(e: ApiError) -> str:
    """What a Cloud Identity error means for the listing, then Google's words."""
    if e.service_disabled:
        why = "Cloud Identity API not enabled"
    elif e.forbidden:
        why = (
            "not readable (the collector lacks the Groups Reader role, the group is outside the customer, "
            "or the edition has no transitive membership search)"
        )
    elif e.not_found:
        why = "no such group"
    else:
        why = "not listed"
    return f"{why}, members unknown: {e}"


def _bindings(policies: Iterable[dict]) -> Iterable[dict]:
    """The bindings that are objects (the transform reports the others, and fields of the wrong type)."""
    for policy in policies:
        bindings = policy.get("bindings") if isinstance(policy, dict) else None
        for b in bindings if isinstance(bindings, list) else []:
            if isinstance(b, dict):
                yield b


def _roles_named(policies: Iterable[dict]) -> set[str]:
    return {b["role"] for b in _bindings(policies) if isinstance(b.get("role"), str)}


def _members(policies: Iterable[dict]) -> set[str]:
    members = (b.get("members") for b in _bindings(policies))
    return {m for ms in members if isinstance(ms, list) for m in ms if isinstance(m, str)}
