"""RawTenant -> normalised rows (pure: no SDK, no clock; ``snapshot_date`` is passed in).

Mapping into the provider-neutral schema:

* principals — the tenant's service accounts (principal_id = uniqueId) and every member any binding names:
  other projects' service accounts (uniqueId when it could be read), users, groups, domains, allUsers /
  allAuthenticatedUsers (kind ``public``), federated identities. Members are identified by their member
  string (``user:alice@example.com``); see `members`.
* credentials — service account keys (kind ``sa_key``; ``managed_by`` user for USER_MANAGED, provider for
  SYSTEM_MANAGED; a validBeforeTime in year 9999 means no expiry: ``expires_at`` null) and Cloud Storage HMAC
  keys (kind ``access_key``, see `hmac_keys`; last use never reported).
* grants — one row per member x role x resource x condition. ``via`` is ``direct`` for an unconditional
  binding, ``condition:<12 hex of the condition's SHA-256>`` for a conditional one (GCP lets the same role be
  bound to the same member under several conditions); the condition itself is kept as JSON. A grant held by
  a group is also recorded for each of its transitive members, ``via`` ``group:<group email>`` (`groups`);
  members become principals like binding members (users ``human_user`` with enabled unknown).
* role_definitions — includedPermissions of every role a binding names; privilege from `privilege`.
  Grants, role_definitions and the principals of binding members are built in `grants`.
* last_used_at — Policy Analyzer's last authentication where it was readable; otherwise null with
  last_used_source saying why. Even when readable it does not see API keys bound to a service account or
  domain-wide delegation, and says nothing before its own observation period.
"""

from __future__ import annotations

import datetime as dt
import re

from ...collected import Collected
from ...config import Tenant
from .grants import _grants, _role_definitions
from .hmac_keys import hmac_credentials
from .item_shapes import ACTIVITY, FOLDER, KEY, NODE, SERVICE_ACCOUNT, item_label, shaped
from .members import project_of
from .raw import RawTenant

PA_SA = "policy_analyzer:serviceAccountLastAuthentication"
PA_KEY = "policy_analyzer:serviceAccountKeyLastAuthentication"
BLIND = "blind to API keys bound to the account and to domain-wide delegation"
NOT_SEEN = "policy_analyzer: no authentication in its observation period ({})"
UNAVAILABLE = "unknown: Policy Analyzer activity not available for this project (see collection)"
NO_EXPIRY_YEAR = 9999


def parse_time(value: object) -> dt.datetime | None:
    """An RFC 3339 timestamp (``Z``, nanoseconds allowed) as an aware UTC datetime; None when absent."""
    if not isinstance(value, str) or not value:
        return None
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", value)
    if not m:
        raise ValueError(f"not an RFC 3339 timestamp: {value!r}")
    frac = (m[2] or "")[:6].ljust(6, "0")
    tz = "+00:00" if m[3] == "Z" else m[3]
    return dt.datetime.fromisoformat(f"{m[1]}.{frac}{tz}").astimezone(dt.UTC)


class _Run:
    def __init__(self, raw: RawTenant, tenant: Tenant, snapshot_date: dt.date) -> None:
        self.raw, self.tenant, self.date = raw, tenant, snapshot_date
        self.as_of = dt.datetime.combine(snapshot_date, dt.time(0), tzinfo=dt.UTC)
        self.out = Collected(
            provider="gcp",
            tenant_id=raw.tenant_id,
            snapshot_date=snapshot_date,
            entities=raw.entities,
            caller_identity=raw.caller_identity,
        )
        self.principals: dict[str, dict] = {}
        self.by_email: dict[str, str] = {}  # service account email -> principal_id

    def base(self) -> dict:
        return self.out.provenance()

    def problem(self, entity: str, what: str, status: str = "partial") -> None:
        self.raw.entity(entity).fail(f"tenant gcp:{self.raw.tenant_id}: {entity}: {what}", status)

    def time(self, value: object, entity: str, what: str) -> dt.datetime | None:
        if value == "":  # the API leaves out a time it does not have: "" is a mangled one, not "no expiry"
            self.problem(entity, f"{what}: not an RFC 3339 timestamp: ''")
            return None
        try:
            return parse_time(value)
        except (ValueError, OverflowError) as e:  # OverflowError: year 9999 moved past 9999 by its offset
            self.problem(entity, f"{what}: {e}")
            return None

    def owner(self, names: tuple[str | None, ...], description: str | None) -> tuple[str | None, str | None]:
        for n in names:
            if n and n in self.tenant.owners:
                return self.tenant.owners[n], "scope-file"
        for key in self.tenant.owner_tag_keys:
            m = re.search(rf"(?:^|[\s;,(]){re.escape(key)}\s*[:=]\s*([\w.@+-]+)", description or "")
            if m:
                return m[1], f"description:{key}"
        return None, None


def transform_tenant(raw: RawTenant, tenant: Tenant, snapshot_date: dt.date) -> Collected:
    """The normalised rows of one tenant; problems found in the data are recorded in its entities."""
    run = _Run(raw, tenant, snapshot_date)
    sa_used, key_used = _activities(run)
    for i, sa in enumerate(raw.service_accounts):
        _service_account(run, i, sa, sa_used, f"account {i}")
    for email, sa in sorted(raw.member_accounts.items()):
        if sa is not None and email not in run.by_email:
            _service_account(run, None, sa, None, f"account {email}")
    credential_ids: set[str] = set()
    for email, keys in sorted(raw.keys.items()):
        if not isinstance(keys, list):  # the keys of this account are unknown, not none
            run.problem("service_account_keys", f"{email}: keys is not a list: not read")
            continue
        for i, key in enumerate(keys):
            _key(run, email, i, key, key_used, credential_ids)
    verdicts = _role_definitions(run)
    _grants(run, verdicts)
    hmac_credentials(run)  # after the grants: a holder named in a binding keeps that member's row
    out = run.out
    out.principals = [run.principals[k] for k in sorted(run.principals)]
    out.notes = _notes(run)
    return out


def _notes(run: _Run) -> dict:
    raw = run.raw
    node = raw.node or {}
    if not isinstance(node, dict):
        run.problem(raw.level, f"{raw.resource} is not an object: not read")
        node = {}
    node = shaped(run, raw.level, raw.resource, node, NODE)
    notes = {"resource": raw.resource, "level": raw.level}
    for key in ("name", "parent", "projectId", "displayName"):
        if node.get(key):
            notes[f"node_{key}"] = node[key]
    if raw.level != "project":
        notes["folders"] = sorted(_folder_names(run))
    else:
        notes["last_used_blind_spots"] = BLIND
    return notes


def _folder_names(run: _Run) -> list[str]:
    names = []
    for i, folder in enumerate(run.raw.folders):
        if isinstance(folder, dict):
            folder = shaped(run, "folders", f"folder {i}", folder, FOLDER)
        if not isinstance(folder, dict) or not folder.get("name"):
            run.problem("folders", f"folder {i} has no name")
            continue
        names.append(folder["name"])
    return names


def _activities(run: _Run) -> tuple[dict | None, dict | None]:
    """uniqueId -> last authentication, key id -> last authentication (None: not available)."""
    raw = run.raw

    def index(items: list[dict] | None, entity: str, inner: str, key_of) -> dict | None:
        if items is None:
            return None
        out: dict[str, dt.datetime] = {}
        observed_to: dt.datetime | None = None
        for i, a in enumerate(items):
            if isinstance(a, dict):
                a = shaped(run, entity, f"activity {i}", a, ACTIVITY)
            body = a.get("activity") if isinstance(a, dict) else None
            if not isinstance(body, dict):
                run.problem(entity, "an activity without an activity object")
                continue
            ident = key_of(body.get(inner) or {}, a.get("fullResourceName") or "")
            at = run.time(body.get("lastAuthenticatedTime"), entity, f"activity of {ident}")
            if ident and at and (ident not in out or at > out[ident]):
                out[ident] = at
            period = a.get("observationPeriod") or {}
            end = run.time(period.get("endTime"), entity, f"observation period of {ident}")
            if end and (observed_to is None or end > observed_to):
                observed_to = end
        # Policy Analyzer's data trails real use by up to two days: the latest observation period's end is
        # the source's own as-of (use after it is not in the data), recorded like the AWS report's time.
        run.raw.entity(entity).source_as_of = observed_to
        return out

    sa = index(
        raw.sa_activities,
        "sa_last_authentication",
        "serviceAccount",
        lambda b, full: b.get("serviceAccountId") or full.rsplit("/", 1)[-1],
    )
    key = index(
        raw.key_activities,
        "key_last_authentication",
        "serviceAccountKey",
        lambda b, full: (b.get("fullResourceName") or full).rsplit("/", 1)[-1],
    )
    return sa, key


def _service_account(run: _Run, index: int | None, sa: object, used: dict | None, label: str) -> None:
    """The principals row of one service account (``index`` None: another project's, named in a binding);
    ``label`` names it in messages until its email is known."""
    entity = "service_accounts" if index is not None else "member_service_accounts"
    if isinstance(sa, dict):
        sa = shaped(run, entity, item_label(sa, "email", "account", label), sa, SERVICE_ACCOUNT)
    if not isinstance(sa, dict) or not sa.get("email"):
        run.problem(entity, f"{label} has no email")
        return
    email = sa["email"]
    pid = sa.get("uniqueId") or f"serviceAccount:{email}"
    if pid in run.principals:  # listed twice, or two accounts with one uniqueId: the first one stands
        first = run.principals[pid]["name"]
        again = "is listed twice" if first == email else f"has the same id {pid} as account {first}"
        run.problem(entity, f"account {email} {again}; the second listing skipped")
        return
    own = index is not None
    last, source = _last_used(run, used, pid, own)
    owner, owner_source = run.owner((email, pid), sa.get("description"))
    project = sa.get("projectId") or project_of(email)
    run.by_email[email] = pid
    run.principals[pid] = {
        **run.base(),
        "principal_id": pid,
        "name": email,
        "arn_or_resource": f"//iam.googleapis.com/{sa['name']}" if sa.get("name") else None,
        "kind": "service_account",
        "is_nhi": True,
        "nhi_reason": "GCP service account"
        + ("" if own else f" of project {project or 'unknown'}, named in a binding"),
        "enabled": not bool(sa.get("disabled")),
        "console_access": False,
        "mfa_enabled": None,
        "path": f"projects/{project}" if project else None,
        "created_at": None,
        "last_used_at": last,
        "last_used_source": source,
        "owner": owner,
        "owner_source": owner_source,
        "boundary_role_id": None,
        "tags": None,
    }


def _last_used(run: _Run, used: dict | None, ident: str, own: bool) -> tuple[dt.datetime | None, str]:
    if not own:
        return None, "unknown: collected with the account's own project"
    if used is None:
        return None, UNAVAILABLE
    if ident in used:
        return used[ident], PA_SA
    return None, NOT_SEEN.format(BLIND)


def _key(run: _Run, email: str, index: int, key: object, used: dict | None, seen: set[str]) -> None:
    """The credentials row of one key of ``email``; ``seen`` holds the key names already emitted."""
    if isinstance(key, dict):
        name = key.get("name")
        what = f"{email} key {name.rsplit('/', 1)[-1] if isinstance(name, str) and name else index}"
        key = shaped(run, "service_account_keys", what, key, KEY)
    if not isinstance(key, dict) or not key.get("name"):
        run.problem("service_account_keys", f"{email}: a key without a name")
        return
    name = key["name"]
    key_id = name.rsplit("/", 1)[-1]
    what = f"{email} key {key_id}"
    if name in seen:
        run.problem("service_account_keys", f"{what} ({name}) is listed twice; the second listing skipped")
        return
    seen.add(name)
    expires = run.time(key.get("validBeforeTime"), "service_account_keys", f"{what} validBeforeTime")
    if expires is not None and expires.year >= NO_EXPIRY_YEAR:
        expires = None
    key_type = key.get("keyType")
    if key_type not in ("USER_MANAGED", "SYSTEM_MANAGED"):
        # Older responses omit keyType; a key that cannot be shown Google-managed is treated as the user's.
        run.raw.entity("service_account_keys").error = _note(
            run.raw.entity("service_account_keys").error, f"{what}: keyType {key_type!r} read as USER_MANAGED"
        )
    status = "active"
    if key.get("disabled"):
        status = "disabled"
    elif expires is not None and expires <= run.as_of:
        status = "expired"
    if used is None:
        last, source = None, UNAVAILABLE
    elif key_id in used:
        last, source = used[key_id], PA_KEY
    else:
        last, source = None, NOT_SEEN.format(BLIND)
    run.out.credentials.append(
        {
            **run.base(),
            "credential_id": name,
            "principal_id": run.by_email.get(email, f"serviceAccount:{email}"),
            "kind": "sa_key",
            "external_id": key_id,
            "status": status,
            "managed_by": "provider" if key_type == "SYSTEM_MANAGED" else "user",
            "created_at": run.time(
                key.get("validAfterTime"), "service_account_keys", f"{what} validAfterTime"
            ),
            "expires_at": expires,
            "last_used_at": last,
            "last_used_source": source,
            "last_used_service": None,
            "last_used_region": None,
        }
    )


def _note(old: str | None, new: str) -> str:
    return new if not old else f"{old}; {new}"
