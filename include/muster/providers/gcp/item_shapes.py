"""The types the GCP transform expects of API fields; a field of another type is reported and left out.

The transform reads service accounts, keys, HMAC keys, role definitions, policy bindings, Policy Analyzer
activities, group memberships, folders and the tenant's own node from JSON-shaped API responses. A field with the wrong type (a number as
an email, a list as a role title, an object as a member) would otherwise surface deep in the transform as a
TypeError that loses the whole tenant, or reach validation as an unwritable value. Here every declared field
is checked where the item enters the transform: a field that does not fit is dropped, with a message naming
tenant, entity, the item and the field, and the item goes on with what is left (an item whose name is
dropped is then skipped by its reader, which says so). Fields not declared here are not read by the
transform and are left alone; a role's ``includedPermissions`` is checked by ``permissions`` instead,
because a permission list with a hole in it cannot be assessed.

Shapes: ``str`` (timestamps are text too: ``_Run.time`` parses them and reports what does not parse);
``bool``; a dict (an object with those fields); a one-element list (a list of entries of that shape; an
entry that does not fit is dropped, a null entry is left for the reader, which reports it); ``ANY``. The
checking itself is ``providers/shapes.py``.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from .. import shapes
from ..shapes import ANY

if TYPE_CHECKING:  # pragma: no cover - type names only
    from .transform import _Run

SERVICE_ACCOUNT = {
    "email": str,
    "uniqueId": str,
    "name": str,
    "projectId": str,
    "description": str,
    "disabled": bool,
}
KEY = {"name": str, "keyType": str, "validAfterTime": str, "validBeforeTime": str, "disabled": bool}
HMAC_KEY = {"accessId": str, "serviceAccountEmail": str, "state": str, "timeCreated": str}
ROLE = {"title": str, "description": str, "etag": str, "stage": str, "deleted": bool}
POLICY = {"bindings": [ANY]}  # each binding is shaped (and reported by its index) where it is read
BINDING = {"role": str, "members": [str]}
ACTIVITY = {
    "fullResourceName": str,
    "observationPeriod": {"endTime": str},
    "activity": {
        "lastAuthenticatedTime": str,
        "serviceAccount": {"serviceAccountId": str},
        "serviceAccountKey": {"fullResourceName": str},
    },
}
FOLDER = {"name": str}
#: A transitive membership (Cloud Identity MemberRelation); ``roles`` (MEMBER / MANAGER / OWNER) is not read.
MEMBER_RELATION = {
    "member": str,
    "relationType": str,
    "preferredMemberKey": [{"id": str, "namespace": str}],
}
NODE = {"name": str, "parent": str, "projectId": str, "displayName": str}


def shaped(run: _Run, entity: str, what: str, item: dict, shape: dict) -> dict:
    """``item`` itself when every declared field fits ``shape``; else a copy without the fields and list
    entries that do not, each reported on ``entity`` as "WHAT field F is not ..." (WHAT names the item)."""
    return shapes.shaped(partial(run.problem, entity), what, item, shape)


def item_label(item: dict, field: str, kind: str, fallback: str) -> str:
    """ "account EMAIL" when the item's ``field`` is text, else ``fallback`` ("account 3") for messages."""
    value = shapes.text(item, field)
    return f"{kind} {value}" if value else fallback


def permissions(role: dict) -> list[str] | None:
    """The role's includedPermissions, or None when they cannot be read: the field is not a list of text.
    (An absent field is an empty list: the API leaves out empty lists.) Dropping only the odd entry would
    assess the role on part of its permissions and could call an admin role read-only."""
    perms = role.get("includedPermissions")
    if perms is None:
        return []
    if not isinstance(perms, list) or not all(isinstance(p, str) and p for p in perms):
        return None
    return perms
