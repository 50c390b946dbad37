"""The types the GCP transform expects of API fields; a field of another type is reported and left out.

The transform reads service accounts, keys, role definitions, policy bindings, Policy Analyzer activities,
folders and the tenant's own node from JSON-shaped API responses. A field with the wrong type (a number as
an email, a list as a role title, an object as a member) would otherwise surface deep in the transform as a
TypeError that loses the whole tenant, or reach validation as an unwritable value. Here every declared field
is checked where the item enters the transform: a field that does not fit is dropped, with a message naming
tenant, entity, the item and the field, and the item goes on with what is left (an item whose name is
dropped is then skipped by its reader, which says so). Fields not declared here are not read by the
transform and are left alone; a role's ``includedPermissions`` is checked by ``permissions`` instead,
because a permission list with a hole in it cannot be assessed.

Shapes: ``str`` (timestamps are text too: ``_Run.time`` parses them and reports what does not parse);
``bool``; a dict (an object with those fields); a one-element list (a list of entries of that shape; an
entry that does not fit is dropped, a null entry is left for the reader, which reports it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - type names only
    from .transform import _Run

_NAMES = {str: "a string", bool: "true or false"}

SERVICE_ACCOUNT = {
    "email": str,
    "uniqueId": str,
    "name": str,
    "projectId": str,
    "description": str,
    "disabled": bool,
}
KEY = {"name": str, "keyType": str, "validAfterTime": str, "validBeforeTime": str, "disabled": bool}
ROLE = {"title": str, "description": str, "etag": str, "stage": str, "deleted": bool}
POLICY = {"bindings": [object]}  # each binding is shaped (and reported by its index) where it is read
BINDING = {"role": str, "members": [str]}
ACTIVITY = {
    "fullResourceName": str,
    "activity": {
        "lastAuthenticatedTime": str,
        "serviceAccount": {"serviceAccountId": str},
        "serviceAccountKey": {"fullResourceName": str},
    },
}
FOLDER = {"name": str}
NODE = {"name": str, "parent": str, "projectId": str, "displayName": str}


def shaped(run: _Run, entity: str, what: str, item: dict, shape: dict) -> dict:
    """``item`` itself when every declared field fits ``shape``; else a copy without the fields and list
    entries that do not, each reported on ``entity`` as "WHAT field F is not ..." (WHAT names the item)."""
    problems: list[str] = []
    fitted = _fit(item, shape, "", problems)
    for problem in problems:
        run.problem(entity, f"{what} field {problem}: ignored")
    return fitted


def item_label(item: dict, field: str, kind: str, fallback: str) -> str:
    """ "account EMAIL" when the item's ``field`` is text, else ``fallback`` ("account 3") for messages."""
    value = item.get(field)
    return f"{kind} {value}" if isinstance(value, str) and value else fallback


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


def _fit(item: dict, shape: dict, prefix: str, problems: list[str]) -> dict:
    out = item
    for field, want in shape.items():
        value = item.get(field)
        if value is None:
            continue
        fitted = _value(value, want, f"{prefix}{field}", problems)
        if fitted is not value:
            if out is item:
                out = dict(item)
            if fitted is _DROP:
                del out[field]
            else:
                out[field] = fitted
    return out


_DROP = object()


def _value(value: object, want: object, path: str, problems: list[str]) -> object:
    if want is object:
        return value
    if isinstance(want, dict):
        if not isinstance(value, dict):
            problems.append(f"{path} is not an object")
            return _DROP
        return _fit(value, want, f"{path}.", problems)
    if isinstance(want, list):
        if not isinstance(value, list):
            problems.append(f"{path} is not a list")
            return _DROP
        return _entries(value, want[0], path, problems)
    if isinstance(value, want):
        return value
    problems.append(f"{path} is not {_NAMES[want]}")
    return _DROP


def _entries(values: list, want: object, path: str, problems: list[str]) -> list:
    out = values
    for i, value in enumerate(values):
        if value is None:  # the readers report null entries themselves
            if out is not values:
                out.append(value)
            continue
        fitted = _value(value, want, f"{path}[{i}]", problems)
        if fitted is not value:
            if out is values:
                out = list(values[:i])
            if fitted is not _DROP:
                out.append(fitted)
        elif out is not values:
            out.append(value)
    return out
