"""IAM policy bindings -> grants, role_definitions, and the principals rows of the members they name.

Part of the GCP transform (`transform.py` builds the run and calls `_role_definitions`, then `_grants`);
pure like it. Kept apart because bindings are their own population: one grant row per member x role x
resource x condition (``via`` is ``direct`` or ``condition:<12 hex of the condition's SHA-256>``), the
privilege verdict of every role a binding names (`privilege`), and a principals row for each member not
already known as one of the tenant's service accounts (`members` parses the member strings). A grant held
by a group is repeated for each of the group's members (``via`` ``group:<email>``, see `groups`).
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from . import privilege
from .groups import group_grants
from .item_shapes import BINDING, POLICY, ROLE, permissions, shaped
from .members import KINDS, Member, is_service_agent, parse_member, project_of

if TYPE_CHECKING:  # pragma: no cover - type names only
    from .transform import _Run

NOT_TRACKED = "unknown: last use is not reported for this kind of identity"


def _condition(binding: dict) -> tuple[str, str | None]:
    cond = binding.get("condition")
    if not cond:
        return "direct", None
    text = json.dumps(cond, sort_keys=True, separators=(",", ":"))
    return f"condition:{hashlib.sha256(text.encode()).hexdigest()[:12]}", text


def _role_definitions(run: _Run) -> dict[str, tuple[str, list[str], str]]:
    """role name -> (privilege, reasons, title); one role_definitions row per readable role."""
    verdicts = {}
    for name, role in sorted(run.raw.roles.items()):
        if isinstance(role, dict):
            role = shaped(run, "roles", f"role {name}", role, ROLE)
            perms = permissions(role)
            if perms is None:  # read as an unreadable role: no verdict from part of its permissions
                run.problem("roles", f"role {name} field includedPermissions is not a list of names: ignored")
                role = None
        if not isinstance(role, dict):
            verdicts[name] = (*privilege.assess(None, name), name)
            continue
        verdicts[name] = (*privilege.assess(perms, name), role.get("title") or name)
        document = {"includedPermissions": sorted(perms)}
        for k in ("stage", "deleted"):
            if role.get(k) is not None:
                document[k] = role[k]
        run.out.role_definitions.append(
            {
                **run.base(),
                "role_id": name,
                "role_name": role.get("title") or name,
                "role_type": "predefined" if name.startswith("roles/") else "custom",
                "description": role.get("description") or None,
                "document": json.dumps(document, sort_keys=True, separators=(",", ":")),
                "version_id": role.get("etag") or None,
                "created_at": None,
                "updated_at": None,
            }
        )
    return verdicts


def _grants(run: _Run, verdicts: dict) -> None:
    seen: dict[tuple, dict] = {}
    held: dict[tuple, None] = {}  # keys of the grants held by live groups (whose members hold them too)
    for resource, policy in sorted(run.raw.policies.items()):
        if not isinstance(policy, dict):  # its bindings are unknown, not none
            run.problem("iam_policy", f"{resource}: the policy is not an object: not read")
            continue
        policy = shaped(run, "iam_policy", resource, policy, POLICY)
        for i, b in enumerate(policy.get("bindings") or []):
            if isinstance(b, dict):
                b = shaped(run, "iam_policy", f"{resource} binding {i}", b, BINDING)
            role = b.get("role") if isinstance(b, dict) else None
            if not isinstance(role, str) or not role:
                run.problem("iam_policy", f"{resource} binding {i} has no role")
                continue
            via, condition = _condition(b)
            level, reasons, title = verdicts.get(role, (*privilege.assess(None, role), role))
            for raw_member in b.get("members") or []:
                pid = _member_principal(run, raw_member, resource, role)
                if pid is None:
                    continue
                key = (pid, role, resource, via)
                if isinstance(raw_member, str) and raw_member.startswith("group:"):  # not deleted:group:
                    held[key] = None
                seen.setdefault(
                    key,
                    {
                        **run.base(),
                        "principal_id": pid,
                        "role_id": role,
                        "role_name": title,
                        "scope": resource,
                        "via": via,
                        "condition": condition,
                        "privilege": level,
                        "privilege_reasons": list(reasons),
                    },
                )
    # After every binding: a member named in a binding as well keeps the principals row of the binding.
    group_grants(run, seen, list(held), lambda member, group: _member_principal(run, member, group=group))
    run.out.grants = [seen[k] for k in sorted(seen)]


def _member_principal(
    run: _Run, raw_member: object, resource: str = "", role: str = "", group: str | None = None
) -> str | None:
    """The principal_id of a binding member (or of a member of ``group``), adding its principals row on
    first sight."""
    m = parse_member(raw_member)
    if m is None:
        run.problem("iam_policy", f"{resource} {role}: member {raw_member!r} has no known form")
        return None
    if m.type == "serviceAccount" and not m.deleted and m.value in run.by_email:
        return run.by_email[m.value]
    pid = m.uid if (m.deleted and m.type == "serviceAccount" and m.uid) else m.principal_id
    if pid not in run.principals or (m.deleted is False and run.principals[pid]["enabled"] is False):
        run.principals[pid] = _member_row(run, m, pid, group)
    return pid


def _member_row(run: _Run, m: Member, pid: str, group: str | None = None) -> dict:
    kind, is_nhi, reason = KINDS[m.type]
    how = f"a member of group {group}" if group else "named in a binding"
    if m.type == "serviceAccount":
        reason = (
            "Google-managed service agent"
            if is_service_agent(m.value)
            else f"GCP service account of project {project_of(m.value) or 'unknown'}, {how}"
        )
    elif group:
        reason = f"Google account (user:), {how}"
    if m.deleted:
        reason += "; deleted (member shown as deleted:)"
    project = project_of(m.value) if m.type == "serviceAccount" else None
    last_source = (
        "unknown: collected with the account's own project" if m.type == "serviceAccount" else NOT_TRACKED
    )
    owner, owner_source = run.owner((m.value, pid), None)
    return {
        **run.base(),
        "principal_id": pid,
        "name": m.value or m.type,
        "arn_or_resource": m.raw if m.type in ("principal", "principalSet") else None,
        "kind": kind,
        "is_nhi": is_nhi,
        "nhi_reason": reason,
        "enabled": False if m.deleted else None,
        "console_access": None,
        "mfa_enabled": None,
        "path": f"projects/{project}" if project else None,
        "created_at": None,
        "last_used_at": None,
        "last_used_source": last_source,
        "owner": owner,
        "owner_source": owner_source,
        "boundary_role_id": None,
        "tags": None,
    }
