"""Turn the GCP part of a scenario state into the `World` the GCP fake serves (pure, deterministic).

Ids the APIs would assign (service account uniqueId, key ids, deleted users' uid) are derived from the
scenario's names with SHA-256, so they are the same on every day and every run.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

from .gcp_model import GcpBinding, GcpCustomRole, GcpServiceAccount, GcpSpec
from .gcp_world import World, etag

NO_EXPIRY = "9999-12-31T23:59:59Z"
SA_ACTIVITY = "serviceAccountLastAuthentication"
KEY_ACTIVITY = "serviceAccountKeyLastAuthentication"


def _digits(text: str, n: int = 21) -> str:
    return "1" + str(int(hashlib.sha256(text.encode()).hexdigest(), 16))[: n - 1]


def key_id(project: str, account: str, label: str) -> str:
    return hashlib.sha256(f"{project}/{account}/{label}".encode()).hexdigest()[:40]


def access_id(project: str, account: str, label: str) -> str:
    """An HMAC key's access ID as Google issues them for service accounts: GOOG1E and 55 of [A-Z2-7]."""
    digest = hashlib.sha512(f"{project}/{account}/hmac/{label}".encode()).digest()
    return "GOOG1E" + base64.b32encode(digest).decode()[:55]


def email_of(project: str, account: str) -> str:
    return f"{account}@{project}.iam.gserviceaccount.com"


def _ts(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def world_of(spec: GcpSpec) -> World:
    """What the fake serves for one day's state."""
    w = World()
    org = spec.organization
    w.organizations[f"organizations/{org.id}"] = {
        "name": f"organizations/{org.id}",
        "displayName": org.domain,
        "directoryCustomerId": "C0" + _digits(org.domain, 7),
        "state": "ACTIVE",
        "etag": etag(org.id),
    }
    departed = set(spec.departed_users)
    w.policies[f"organizations/{org.id}"] = _policy(org.bindings, departed)
    _roles(w, f"organizations/{org.id}", org.custom_roles)
    for f in spec.folders:
        w.folders[f"folders/{f.id}"] = {
            "name": f"folders/{f.id}",
            "parent": f.parent,
            "displayName": f.name,
            "state": "ACTIVE",
            "etag": etag(f.id),
        }
        w.policies[f"folders/{f.id}"] = _policy(f.bindings, departed)
    for p in spec.projects:
        w.projects[p.id] = {
            "name": f"projects/{p.number}",
            "projectId": p.id,
            "parent": p.parent,
            "state": "ACTIVE",
            "displayName": p.name or p.id,
            "etag": etag(p.id),
        }
        w.policies[f"projects/{p.id}"] = _policy(p.bindings, departed)
        _roles(w, f"projects/{p.id}", p.custom_roles)
        if p.denied:
            w.denied.add(p.id)
        if not p.policy_analyzer:
            w.analyzer_disabled.add(p.id)
        if p.storage == "disabled":
            w.storage_disabled.add(p.id)
        elif p.storage == "denied":
            w.storage_denied.add(p.id)
        w.accounts[p.id] = []
        for sa in p.service_accounts:
            _account(w, p.id, p.number, sa)
    for g in spec.groups:
        # A deleted account is no longer a member of anything.
        w.add_group(g.email, [m for m in g.members if not (m.startswith("user:") and m[5:] in departed)])
        if g.denied:
            w.groups_denied.add(g.email)
    return w


def _policy(bindings: list[GcpBinding], departed: set[str]) -> dict:
    out = []
    for b in bindings:
        members = [
            f"deleted:{m}?uid={_digits(m)}" if m.startswith("user:") and m[5:] in departed else m
            for m in b.members
        ]
        entry = {"role": b.role, "members": sorted(members)}
        if b.condition:
            entry["condition"] = dict(b.condition)
        out.append(entry)
    return {"bindings": out}


def _roles(w: World, parent: str, roles: list[GcpCustomRole]) -> None:
    for r in roles:
        name = f"{parent}/roles/{r.id}"
        w.roles[name] = {
            "name": name,
            "title": r.title,
            "description": r.description or "",
            "includedPermissions": sorted(r.permissions),
            "stage": "GA",
            "etag": etag(name),
        }


def _account(w: World, project: str, number: str, sa: GcpServiceAccount) -> None:
    email = email_of(project, sa.name)
    unique = _digits(email)
    entry = {
        "name": f"projects/{project}/serviceAccounts/{email}",
        "projectId": project,
        "uniqueId": unique,
        "email": email,
        "displayName": sa.display_name or sa.name,
        "etag": etag(email),
        "oauth2ClientId": unique,
    }
    if sa.description:
        entry["description"] = sa.description
    if sa.disabled:
        entry["disabled"] = True
    w.accounts[project].append(entry)
    keys = []
    for k in sa.keys:
        kid = key_id(project, sa.name, k.id)
        keys.append(
            {
                "name": f"projects/{project}/serviceAccounts/{email}/keys/{kid}",
                "validAfterTime": _ts(k.created),
                "validBeforeTime": _ts(k.expires) if k.expires else NO_EXPIRY,
                "keyAlgorithm": "KEY_ALG_RSA_2048",
                "keyOrigin": "GOOGLE_PROVIDED",
                "keyType": "SYSTEM_MANAGED" if k.type == "system" else "USER_MANAGED",
                **({"disabled": True} if k.disabled else {}),
            }
        )
        if k.last_authenticated:
            w.activities.setdefault((project, KEY_ACTIVITY), []).append(
                _activity(project, number, f"{email}/keys/{kid}", unique, k.last_authenticated, key=True)
            )
    w.keys[email] = keys
    for h in sa.hmac_keys:
        aid = access_id(project, sa.name, h.id)
        w.hmac_keys.setdefault(project, []).append(
            {
                "kind": "storage#hmacKeyMetadata",
                "id": f"{project}/{aid}",
                "selfLink": f"https://www.googleapis.com/storage/v1/projects/{project}/hmacKeys/{aid}",
                "accessId": aid,
                "projectId": project,
                "serviceAccountEmail": email,
                "state": "INACTIVE" if h.inactive else "ACTIVE",
                "timeCreated": _ts(h.created),
                "updated": _ts(h.created),
                "etag": etag(aid),
            }
        )
    if sa.last_authenticated:
        w.activities.setdefault((project, SA_ACTIVITY), []).append(
            _activity(project, number, unique, unique, sa.last_authenticated, key=False)
        )


def _activity(project: str, number: str, path: str, unique: str, at: dt.datetime, *, key: bool) -> dict:
    """One Policy Analyzer activity as the API returns it."""
    full = f"//iam.googleapis.com/projects/{project}/serviceAccounts/{path}"
    inner = {"fullResourceName": full, "projectNumber": number, "serviceAccountId": unique}
    start = at.replace(hour=7, minute=0, second=0, microsecond=0)
    return {
        "fullResourceName": full,
        "activityType": KEY_ACTIVITY if key else SA_ACTIVITY,
        "observationPeriod": {"startTime": _ts(start - dt.timedelta(days=1)), "endTime": _ts(start)},
        "activity": {
            "lastAuthenticatedTime": _ts(at.replace(minute=0, second=0)),
            ("serviceAccountKey" if key else "serviceAccount"): inner,
        },
    }
