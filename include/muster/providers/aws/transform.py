"""AWS transform: one account's raw IAM material -> normalised rows of the five snapshot tables.

Pure: no I/O, no clock, no SDK import. Problems that can be described (a policy that is not JSON, a bad date,
a user the credential report does not cover) never raise; they downgrade the entity that supplied the data to
``partial`` or ``failed`` with a message naming account, object and field, and the value becomes None.

Sources, in order of preference per user: the per-user fallback calls in ``RawAccount`` when the extract made
them (fresher, and they carry key ids), else the credential report row, else unknown (never "none").

Two paths give the same rows. The row path (``_Users.add_row``, ``_role``) takes any item and describes every
problem. The column-wise path (``batch_users``, ``batch_roles``, ``grant_columns``) takes the bulk of an
account, every user and role the row path would take without a message, and builds their rows with Arrow
kernels, judging privilege once per distinct way of holding policies; the others go the row way, in order,
so messages and their order are those of the row path alone (tests compare the two on real and synthetic
accounts).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pyarrow as pa
import pyarrow.compute as pc

from ...collected import Collected, EntityResult
from ...config import Tenant
from . import credential_rows as cr
from .batch_roles import RoleBatch, read_roles
from .batch_users import UserBatch, read_users
from .classify import Classifier
from .credential_report import CredentialReport, CredentialReportError, parse_time, start_parse
from .gaad_columns import Items
from .policies import GAAD, PolicyBook
from .raw import RawAccount

#: Collection entities of an AWS account and the tables (or table:kind) each one feeds.
ENTITY_FEEDS: dict[str, str] = {
    "caller_identity": "principals,credentials,grants,role_definitions",
    "authorization_details": "principals,grants,role_definitions",
    "credential_report": "principals,credentials:access_key,credentials:signing_certificate,credentials:password",
    "access_keys": "credentials:access_key",
    "login_profiles": "principals",
    "mfa_devices": "principals",
    "signing_certificates": "credentials:signing_certificate",
    "ssh_public_keys": "credentials:ssh_key",
    "service_specific_credentials": "credentials:service_specific",
}
REPORT = "credential_report"
#: At most this many names are listed in one error message; the rest are counted.
MAX_NAMES = 20
#: Build the users and roles that need no message column-wise (``batch_users``, ``batch_roles``); tests turn
#: it off to prove that the row path, which takes every item, gives the same tables and messages.
COLUMNAR = True


def listing(names: set[str] | list[str]) -> str:
    """A sorted, bounded, comma-separated list of names for an error message."""
    ordered = sorted(names)
    shown = ", ".join(ordered[:MAX_NAMES])
    return shown + (f" and {len(ordered) - MAX_NAMES} more" if len(ordered) > MAX_NAMES else "")


class Run:
    """The state of one account's transform: output, entity ledger, and the helpers the parts share."""

    def __init__(self, raw: RawAccount, tenant: Tenant, snapshot_date: dt.date) -> None:
        self.raw = raw
        self.account_id = raw.account_id
        self.scope = f"account/{raw.account_id}"
        self.base = {"provider": "aws", "tenant_id": raw.account_id, "snapshot_date": snapshot_date}
        self.out = Collected("aws", raw.account_id, snapshot_date, caller_identity=raw.caller_arn)
        self.entities = {e.entity: dataclasses.replace(e) for e in raw.entities}
        self.out.entities = list(self.entities.values())
        self.classifier = Classifier(tenant)
        self.principal_ids: dict[str, str] = {}
        #: Rows built column-wise, handed to ``out`` when the transform is done (row code appends until then).
        self.columnar: dict[str, list[pa.Table]] = {}

    def add_columnar(self, table: str, rows: pa.Table) -> None:
        self.columnar.setdefault(table, []).append(rows)

    def entity(self, name: str) -> EntityResult:
        """The named entity, added (as complete) when the raw account did not list it."""
        if name not in self.entities:
            self.entities[name] = EntityResult(name, ENTITY_FEEDS.get(name, "principals"))
            self.out.entities.append(self.entities[name])
        return self.entities[name]

    def fail(self, entity: str, message: str, status: str = "partial") -> None:
        self.entity(entity).fail(self.message(entity, message), status)

    def message(self, entity: str, what: str) -> str:
        """The error format shared with extract: account, entity, then object and field."""
        return f"account {self.account_id}: {entity}: {what}"

    def note(self, entity: str, message: str) -> None:
        """Record a fact on an entity without changing its status."""
        e = self.entity(entity)
        text = self.message(entity, message)
        e.error = text if not e.error else f"{e.error}; {text}"

    def time(self, value: object, entity: str, what: str, field: str) -> dt.datetime | None:
        """An aware UTC datetime, or None; a malformed value makes the entity partial (value not repeated)."""
        if value is None or value == "":
            return None
        try:
            return parse_time(value)
        except (ValueError, TypeError):
            self.fail(entity, f"{what} field {field} is not an ISO-8601 date")
            return None

    def claim(self, principal_id: str, label: str) -> bool:
        """Reserve a principal id; a second identity with the same id is skipped and recorded."""
        first = self.principal_ids.setdefault(principal_id, label)
        if first != label:
            self.fail(GAAD, f"{label} has the same id {principal_id} as {first}; {label} skipped")
            return False
        return True


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building rows, then restore it.

    The transform allocates millions of small, acyclic dicts; CPython's generational collector would keep
    re-scanning them, which costs about a third of the transform's time on a large account. Reference
    counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def transform_account(raw: RawAccount, tenant: Tenant, snapshot_date: dt.date) -> Collected:
    """Normalise one account's raw IAM material into rows and an entity ledger for ``snapshot_date``."""
    with _cyclic_gc_paused():
        return _transform(raw, tenant, snapshot_date)


def _transform(raw: RawAccount, tenant: Tenant, snapshot_date: dt.date) -> Collected:
    run = Run(raw, tenant, snapshot_date)
    parse = start_parse(raw.credential_report) if raw.credential_report is not None else None
    gaad = raw.authorization_details if isinstance(raw.authorization_details, dict) else {}
    # While Arrow reads the report's CSV on a thread, the GAAD items are read column-wise here (Python
    # objects: this holds the GIL). Reading says nothing; the messages come in their usual order below.
    read = _read_batches(gaad, with_users=parse is not None)
    report = _parse_report(run, parse)
    if gaad is not raw.authorization_details:
        run.fail(GAAD, "authorization details are not an object", "failed")
    book = PolicyBook(run)
    for i, policy in enumerate(_list(run, gaad, "Policies")):
        book.add_managed(i, policy)
    groups = _groups(run, book, _list(run, gaad, "GroupDetailList"))
    users = _Users(run, book, groups, report)
    user_items = _list(run, gaad, "UserDetailList")
    user_batch, role_batch = _batches(users, user_items, _items(gaad, "RoleDetailList"), read)
    for i in user_batch.rest() if user_batch else range(len(user_items)):
        users.add_row(i, user_items[i])
    if user_batch:
        user_batch.build()
    users.finish()
    role_items = _list(run, gaad, "RoleDetailList")  # its messages come after the users'
    for i in role_batch.rest() if role_batch else range(len(role_items)):
        _role(run, book, i, role_items[i])
    if role_batch:
        role_batch.build()
    book.finish()
    for name, parts in run.columnar.items():
        for tbl in parts:
            run.out.add_columnar(name, tbl)
    return run.out


def _items(gaad: dict, field: str) -> list:
    """A GAAD list, or nothing (silently: ``_list`` describes the problem when its turn comes)."""
    value = gaad.get(field)
    return value if isinstance(value, list) else []


def _read_batches(gaad: dict, with_users: bool) -> tuple[Items | None, Items | None] | None:
    """``UserDetailList`` (only when a report may settle their credentials) and ``RoleDetailList`` read
    column-wise, for ``_batches``."""
    if not COLUMNAR:
        return None
    users = read_users(_items(gaad, "UserDetailList")) if with_users else None
    return users, read_roles(_items(gaad, "RoleDetailList"))


def _batches(
    users: _Users, user_items: list, role_items: list, read: tuple[Items | None, Items | None] | None
) -> tuple[UserBatch | None, RoleBatch | None]:
    """The users and roles that go column-wise; an id that two principals claim sends both the row way."""
    if not COLUMNAR or read is None:
        return None, None
    user_batch = UserBatch(users, user_items, read[0])
    role_batch = RoleBatch(users.run, users.book, role_items, read[1])
    ids = pa.concat_arrays([user_batch.ids(), role_batch.ids()])
    counts = pc.value_counts(ids)
    duplicated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    user_batch.check(duplicated)
    role_batch.check(duplicated)
    return user_batch, role_batch


def _parse_report(run: Run, parse: Callable[[], CredentialReport] | None) -> CredentialReport | None:
    if parse is None:
        return None
    try:
        report = parse()
    except CredentialReportError as e:
        run.fail(REPORT, f"credential report is unusable: {e}", "failed")
        return None
    marker = f":iam::{run.account_id}:"
    arns = report.typed.column("arn") if report.typed else pa.array([], pa.string())
    foreign = sorted(arns.filter(pc.invert(pc.match_substring(arns, marker))).to_pylist())
    if foreign:
        run.fail(
            REPORT, f"credential report lists ARNs of another account (e.g. {foreign[0]}): not used", "failed"
        )
        return None
    if report.missing_columns:
        run.fail(REPORT, f"credential report lacks column(s) {', '.join(report.missing_columns)}", "failed")
    if report.unknown_columns:
        run.fail(REPORT, f"credential report has undocumented column(s) {', '.join(report.unknown_columns)}")
    for message in report.errors[:MAX_NAMES]:
        run.fail(REPORT, f"credential report {message}")
    if len(report.errors) > MAX_NAMES:
        run.fail(REPORT, f"credential report: {len(report.errors) - MAX_NAMES} more malformed value(s)")
    return report


def _list(run: Run, gaad: dict, field: str) -> list:
    value = gaad.get(field)
    if value is None:
        if gaad:
            run.fail(GAAD, f"authorization details field {field} is missing")
        return []
    if not isinstance(value, list):
        run.fail(GAAD, f"authorization details field {field} is not a list", "failed")
        return []
    return value


def tags_of(run: Run, value: object, what: str) -> dict:
    """Tags as a dict with sorted keys ([{Key, Value}] in IAM); malformed entries are reported."""
    if not value:
        return {}
    try:
        return dict(sorted((t["Key"], t.get("Value") or "") for t in value))
    except (TypeError, KeyError, AttributeError):
        run.fail(GAAD, f"{what} field Tags is not a list of {{Key, Value}}")
        return {}


def _groups(run: Run, book: PolicyBook, items: list) -> dict[str, tuple[str, list]]:
    """Group name -> (via label, policies held through the group)."""
    groups = {}
    for i, group in enumerate(items):
        if not isinstance(group, dict) or not group.get("GroupName") or not group.get("GroupId"):
            run.fail(GAAD, f"GroupDetailList item {i} has no GroupName or GroupId")
            continue
        name, arn = group["GroupName"], group.get("Arn") or f"group/{group['GroupName']}"
        what = f"group {name}"
        held = book.attached(group.get("AttachedManagedPolicies"), what)
        held += book.inline(group.get("GroupPolicyList"), what, arn, "GroupPolicyList")
        groups[name] = (f"group:{group['GroupId']}", held)
    return groups


def _role(run: Run, book: PolicyBook, index: int, role: object) -> None:
    if not isinstance(role, dict) or not role.get("RoleName") or not role.get("RoleId"):
        run.fail(GAAD, f"RoleDetailList item {index} has no RoleName or RoleId")
        return
    name, pid, arn = role["RoleName"], role["RoleId"], role.get("Arn")
    what = f"role {name}"
    if not run.claim(pid, what):
        return
    path, tags = role.get("Path") or None, tags_of(run, role.get("Tags"), what)
    is_nhi, reason = run.classifier.role(name, pid, path, tags)
    owner, owner_source = run.classifier.owner(name, pid, tags)
    used, source = _role_last_used(run, role, what)
    run.out.principals.append(
        {
            **run.base,
            "principal_id": pid,
            "name": name,
            "arn_or_resource": arn or None,
            "kind": "role",
            "is_nhi": is_nhi,
            "nhi_reason": reason,
            "enabled": True,
            "console_access": None,
            "mfa_enabled": None,
            "path": path,
            "created_at": run.time(role.get("CreateDate"), GAAD, what, "CreateDate"),
            "last_used_at": used,
            "last_used_source": source,
            "owner": owner,
            "owner_source": owner_source,
            "boundary_role_id": _boundary(role),
            "tags": tags,
        }
    )
    held = book.attached(role.get("AttachedManagedPolicies"), what)
    book.grants(pid, held, "direct")
    book.grants(pid, book.inline(role.get("RolePolicyList"), what, arn or name, "RolePolicyList"), "inline")
    book.trust(role, arn or name, name)


def _role_last_used(run: Run, role: dict, what: str) -> tuple[dt.datetime | None, str | None]:
    last = role.get("RoleLastUsed")
    if not isinstance(last, dict):
        return None, None
    used = run.time(last.get("LastUsedDate"), GAAD, what, "RoleLastUsed.LastUsedDate")
    return (used, "iam:RoleLastUsed") if used else (None, "iam:RoleLastUsed: no use in the tracking period")


def _boundary(item: dict) -> str | None:
    boundary = item.get("PermissionsBoundary")
    return (boundary.get("PermissionsBoundaryArn") or None) if isinstance(boundary, dict) else None


class _Users:
    """IAM users and root: principals, credentials and grants, with the report or the fallbacks."""

    def __init__(self, run: Run, book: PolicyBook, groups: dict, report: CredentialReport | None) -> None:
        self.run, self.book, self.groups, self.report = run, book, groups, report
        self.raw = run.raw
        self.matched: set[str] = set()
        self.unknown_keys: set[str] = set()
        self.ambiguous_unresolved: set[str] = set()
        self.missing_groups: set[str] = set()
        #: ARNs of the users built column-wise (``batch_users``), matched to report rows.
        self.matched_batch: pa.Array = pa.array([], pa.string())

    def add_row(self, index: int, user: object) -> None:
        """One user the row way (any source, any quirk)."""
        run = self.run
        if not isinstance(user, dict) or not user.get("UserName") or not user.get("UserId"):
            run.fail(GAAD, f"UserDetailList item {index} has no UserName or UserId")
            return
        name, pid, arn = user["UserName"], user["UserId"], user.get("Arn")
        what = f"user {name}"
        if not run.claim(pid, what):
            return
        path, tags = user.get("Path") or None, tags_of(run, user.get("Tags"), what)
        console, mfa, use = self._credentials(name, pid, arn)
        is_nhi, reason = run.classifier.user(name, pid, path, tags, console, mfa)
        owner, owner_source = run.classifier.owner(name, pid, tags)
        run.out.principals.append(
            {
                **run.base,
                "principal_id": pid,
                "name": name,
                "arn_or_resource": arn or None,
                "kind": "service_user" if is_nhi else "human_user",
                "is_nhi": is_nhi,
                "nhi_reason": reason,
                "enabled": use.active,
                "console_access": console,
                "mfa_enabled": mfa,
                "path": path,
                "created_at": run.time(user.get("CreateDate"), GAAD, what, "CreateDate"),
                "last_used_at": use.last_used_at,
                "last_used_source": use.last_used_source,
                "owner": owner,
                "owner_source": owner_source,
                "boundary_role_id": _boundary(user),
                "tags": tags,
            }
        )
        self._grants(user, pid, arn or name, what)

    def _grants(self, user: dict, pid: str, arn: str, what: str) -> None:
        book = self.book
        book.grants(pid, book.attached(user.get("AttachedManagedPolicies"), what), "direct")
        book.grants(pid, book.inline(user.get("UserPolicyList"), what, arn, "UserPolicyList"), "inline")
        for group in dict.fromkeys(user.get("GroupList") or ()):
            found = self.groups.get(group)
            if found is None:
                self.missing_groups.add(f"{group} (of {what})")
                continue
            book.grants(pid, found[1], found[0])

    def _credentials(self, name: str, pid: str, arn: str | None) -> tuple[bool | None, bool | None, cr.Use]:
        """(console_access, mfa_enabled, Use over every credential) for one user.

        ``Use.active`` is the principal's ``enabled``: a console password or any active access key or signing
        certificate (the credential report's scope), or an active SSH key / service-specific credential when
        those were collected.
        """
        run, raw = self.run, self.raw
        row = self.report.row_for(name, arn) if self.report else None
        if row is not None:
            self.matched.add(row["arn"])
        ambiguous = row is not None and name in self.report.ambiguous
        covered = row is not None and not ambiguous
        uses = []
        if name in raw.access_keys:
            uses.append(cr.listed_keys(run, pid, name, raw.access_keys[name]))
        elif covered:
            uses.append(cr.report_keys(run, pid, row, self.report))
        else:
            (self.ambiguous_unresolved if ambiguous else self.unknown_keys).add(name)
            uses.append(cr.UNKNOWN)
        if name in raw.signing_certificates:
            uses.append(cr.listed_certs(run, pid, name, raw.signing_certificates[name]))
        else:
            uses.append(cr.report_certs(run, pid, row, self.report) if covered else cr.UNKNOWN)
        if name in raw.login_profiles:
            password = cr.login_profile(run, pid, name, raw.login_profiles[name])
        elif covered:
            password = cr.report_password(run, pid, row, self.report)
        else:
            password = cr.Use(row.get("password_enabled") if row else None)
        if raw.ssh_public_keys is not None or raw.service_specific_credentials is not None:
            uses += self._optional(pid, name)
        mfa = bool(raw.mfa_devices[name]) if name in raw.mfa_devices else (row or {}).get("mfa_active")
        active = cr.merge_active(password, *uses)
        when, source = cr.latest(password, *uses)
        return password.active, mfa, cr.Use(active, when, source)

    def _optional(self, pid: str, name: str) -> list[cr.Use]:
        """SSH keys and service-specific credentials, when collected (they do not decide ``enabled``)."""
        uses = []
        if self.raw.ssh_public_keys is not None:
            uses.append(cr.ssh_keys(self.run, pid, name, self.raw.ssh_public_keys.get(name) or []))
        if self.raw.service_specific_credentials is not None:
            items = self.raw.service_specific_credentials.get(name) or []
            uses.append(cr.service_specific(self.run, pid, name, items))
        return [u for u in uses if u.active]

    def finish(self) -> None:
        """Root, then one message per kind of gap (not one per user)."""
        run = self.run
        self._root()
        if self.unknown_keys:
            run.fail(
                "access_keys",
                f"user(s) with no credential report row and no ListAccessKeys data, credentials unknown: "
                f"{listing(self.unknown_keys)}",
            )
        if self.ambiguous_unresolved:
            run.fail(
                REPORT,
                f"user(s) listed more than once with different content and no ListAccessKeys data, "
                f"credentials unknown: {listing(self.ambiguous_unresolved)}",
            )
        if self.missing_groups:
            run.fail(
                GAAD,
                f"group(s) named in GroupList but not in GroupDetailList: {listing(self.missing_groups)}",
            )
        if self.report:
            arns = self.report.typed.column("arn")
            matched = pa.concat_arrays([pa.array(list(self.matched), pa.string()), self.matched_batch])
            unmatched = pc.invert(pc.is_in(arns, value_set=matched))
            extra = set(self.report.typed.column("user").filter(unmatched).to_pylist())
            extra.discard("<root_account>")
            if extra:
                run.note(
                    REPORT,
                    f"user(s) in the credential report but not in authorization details "
                    f"(deleted in between?), skipped: {listing(extra)}",
                )

    def _root(self) -> None:
        row = self.report.root if self.report else None
        if row is None:
            return
        run, pid = self.run, self.run.account_id
        keys = cr.report_keys(run, pid, row, self.report)
        certs = cr.report_certs(run, pid, row, self.report)
        password_used = row.get("password_last_used")
        password = cr.Use(None, password_used, f"{REPORT}:password_last_used" if password_used else None)
        is_nhi, reason = run.classifier.root("<root_account>", pid)
        owner, owner_source = run.classifier.owner("<root_account>", pid, {})
        when, source = cr.latest(password, keys)
        run.out.principals.append(
            {
                **run.base,
                "principal_id": pid,
                "name": "<root_account>",
                "arn_or_resource": row["arn"],
                "kind": "root",
                "is_nhi": is_nhi,
                "nhi_reason": reason,
                "enabled": True if (keys.active or certs.active) else None,
                "console_access": None,
                "mfa_enabled": row.get("mfa_active"),
                "path": None,
                "created_at": row.get("user_creation_time"),
                "last_used_at": when,
                "last_used_source": source,
                "owner": owner,
                "owner_source": owner_source,
                "boundary_role_id": None,
                "tags": {},
            }
        )
