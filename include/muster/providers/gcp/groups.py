"""Grants held through Google groups: which groups to list, and the grant rows of their members.

A binding to ``group:EMAIL`` gives the role to every member of the group, members of nested groups included
(IAM honours nesting). Extract lists the transitive members of each group a binding names (Cloud Identity
``searchTransitiveMemberships``, see `extract.py`); here, pure like the rest of the transform, each grant held
by such a group is repeated for each of its members with ``via`` ``group:<group email>`` (the group's id in
Cloud Identity, ``groupKey.id``), as Azure and AWS record grants held through a group: the group keeps its
own row (``via`` direct), and a grant under a condition keeps it (``via`` ``group:<email>;condition:<hash>``,
so that two conditions stay two rows). Nested groups are not grantees of their own: their members arrive as
INDIRECT memberships of the granted group, and ``via`` names the group the binding names.

Members become principals as binding members do (`members`): ``user:EMAIL`` (kind human_user, enabled
unknown: Cloud Identity does not say whether the account is suspended), a service account by its uniqueId
when it is one of this tenant's (or was read as another project's member), else ``serviceAccount:EMAIL``.
A member that is named in a binding as well keeps the principals row of the binding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from .item_shapes import MEMBER_RELATION, shaped
from .members import parse_member

if TYPE_CHECKING:  # pragma: no cover - type names only
    from .transform import _Run

#: A group's resource name as groups.lookup returns it and the search takes it as parent.
GROUP_NAME = re.compile(r"groups/[^/]+")
MEMBERSHIP_PAGE_SIZE = 1000  # the API's cap (default 200)
ENTITY = "group_members"


def granted_groups(policies: Iterable[object]) -> list[str]:
    """The emails of the live groups any binding of ``policies`` names, sorted (deleted groups have no
    members to list; bindings of the wrong shape are the transform's to report)."""
    found: set[str] = set()
    for policy in policies:
        bindings = policy.get("bindings") if isinstance(policy, dict) else None
        for b in bindings if isinstance(bindings, list) else []:
            members = b.get("members") if isinstance(b, dict) else None
            for raw in members if isinstance(members, list) else []:
                m = parse_member(raw)
                if m is not None and m.type == "group" and not m.deleted:
                    found.add(m.value)
    return sorted(found)


def group_grants(
    run: _Run, rows: dict[tuple, dict], held: list[tuple], principal: Callable[[str, str], str | None]
) -> None:
    """Add to ``rows`` (grant key -> row) one row per member of the group behind each key of ``held``
    (keys of grants held by live groups, in a fixed order); ``principal(member, group)`` gives a member's
    principal_id and adds its principals row on first sight."""
    members = {}
    for key in held:
        pid, role, resource, via = key
        group = pid[len("group:") :]
        if group not in members:
            members[group] = _members(run, group)
        member_via = f"group:{group}" if via == "direct" else f"group:{group};{via}"
        for member in members[group]:
            mpid = principal(member, group)
            if mpid is not None:
                row = {**rows[key], "principal_id": mpid, "via": member_via}
                rows.setdefault((mpid, role, resource, member_via), row)


def _members(run: _Run, group: str) -> list[str]:
    """The member strings (``user:`` / ``serviceAccount:``) of ``group``'s transitive members, sorted; none
    when they were not listed (extract recorded why) or cannot be read."""
    listed = run.raw.group_members.get(group)
    if listed is None:
        return []
    if not isinstance(listed, list):
        run.problem(ENTITY, f"group {group} field memberships is not a list: members unknown")
        return []
    found = set()
    for i, relation in enumerate(listed):
        member = _member(run, group, i, relation)
        if member:
            found.add(member)
    return sorted(found)


def _member(run: _Run, group: str, index: int, relation: object) -> str | None:
    what = f"group {group} membership {index}"
    if not isinstance(relation, dict):
        run.problem(ENTITY, f"{what} is not an object: ignored")
        return None
    relation = shaped(run, ENTITY, what, relation, MEMBER_RELATION)
    name = relation.get("member")
    if not name:
        run.problem(ENTITY, f"{what} field member is missing: ignored")
        return None
    if name.startswith("groups/"):  # a nested group: its own members are listed too (INDIRECT)
        return None
    keys = relation.get("preferredMemberKey") or []
    key = keys[0] if keys and isinstance(keys[0], dict) else {}
    email = key.get("id")
    if email and key.get("namespace"):  # an identity source's id, not a Google account IAM knows
        run.problem(ENTITY, f"{what} ({email}) is an external identity of {key['namespace']}: ignored")
        return None
    if not email or "@" not in email:
        run.problem(ENTITY, f"{what} ({name}) field preferredMemberKey has no email id: ignored")
        return None
    return f"{'serviceAccount' if email.endswith('.gserviceaccount.com') else 'user'}:{email}"
