"""The row path for IAM groups and roles, and the two field readers that users share (tags, boundary).

Split out of transform.py (module size). ``_role`` takes any ``RoleDetailList`` item and describes every
problem; batch_roles.py builds the same rows column-wise for the roles that need no message, so the two must
stay in step (test_aws_columnar_equivalence.py compares them).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .item_shapes import GROUP, ROLE, USER, item_label, shaped
from .policies import GAAD

if TYPE_CHECKING:
    from .policies import PolicyBook
    from .transform_run import Run


def tags_of(run: Run, value: object, what: str) -> dict:
    """Tags as a dict with sorted keys ([{Key, Value}] in IAM); malformed entries are reported."""
    if not value:
        return {}
    try:
        return dict(sorted((t["Key"], t.get("Value") or "") for t in value))
    except (TypeError, KeyError, AttributeError):
        run.fail(GAAD, f"{what} field Tags is not a list of {{Key, Value}}")
        return {}


def claim_item(run: Run, kind: str, index: int, item: object) -> tuple | None:
    """(name, id, ARN, "user NAME", path, tags, the item) of a UserDetailList / RoleDetailList item, or None
    when it has no name or id (reported) or its id was already taken (``Run.claim`` reports the duplicate).
    The item returned is ``item_shapes.shaped``: its fields have the types the row path reads."""
    key = kind.capitalize()
    if isinstance(item, dict):
        label = item_label(kind, item, f"{key}Name", f"{key}DetailList", index)
        item = shaped(run, GAAD, label, item, USER if kind == "user" else ROLE)
    if not isinstance(item, dict) or not item.get(f"{key}Name") or not item.get(f"{key}Id"):
        run.fail(GAAD, f"{key}DetailList item {index} has no {key}Name or {key}Id")
        return None
    name, pid = item[f"{key}Name"], item[f"{key}Id"]
    what = f"{kind} {name}"
    if not run.claim(pid, what):
        return None
    path, tags = item.get("Path") or None, tags_of(run, item.get("Tags"), what)
    return name, pid, item.get("Arn"), what, path, tags, item


def _groups(run: Run, book: PolicyBook, items: list) -> dict[str, tuple[str, list]]:
    """Group name -> (via label, policies held through the group)."""
    groups = {}
    for i, group in enumerate(items):
        if isinstance(group, dict):
            label = item_label("group", group, "GroupName", "GroupDetailList", i)
            group = shaped(run, GAAD, label, group, GROUP)
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
    head = claim_item(run, "role", index, role)
    if head is None:
        return
    name, pid, arn, what, path, tags, role = head
    is_nhi, reason = run.classifier.role(name, pid, path, tags, _trust_document(book, role))
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
            "boundary_role_id": boundary_of(role),
            "tags": tags,
        }
    )
    held = book.attached(role.get("AttachedManagedPolicies"), what)
    book.grants(pid, held, "direct")
    book.grants(pid, book.inline(role.get("RolePolicyList"), what, arn or name, "RolePolicyList"), "inline")
    book.trust(role, arn or name, name)


def _trust_document(book: PolicyBook, role: dict) -> dict | None:
    """The role's decoded trust policy for the classifier, None when absent or not valid JSON (``book.trust``
    reports that when it records the policy)."""
    value = role.get("AssumeRolePolicyDocument")
    if value is None:
        return None
    try:
        return book.document(value)[0]
    except ValueError:
        return None


def _role_last_used(run: Run, role: dict, what: str) -> tuple[dt.datetime | None, str | None]:
    last = role.get("RoleLastUsed")
    if not isinstance(last, dict):
        return None, None
    used = run.time(last.get("LastUsedDate"), GAAD, what, "RoleLastUsed.LastUsedDate")
    return (used, "iam:RoleLastUsed") if used else (None, "iam:RoleLastUsed: no use in the tracking period")


def boundary_of(item: dict) -> str | None:
    boundary = item.get("PermissionsBoundary")
    return (boundary.get("PermissionsBoundaryArn") or None) if isinstance(boundary, dict) else None
