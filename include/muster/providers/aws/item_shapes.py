"""The types the row path expects of GAAD fields; a field of another type is reported and left out.

The row path reads users, roles, groups and managed policies from JSON-shaped items. A field with the wrong
type (a number where a name belongs, an object in GroupList, a list as a Path) would otherwise surface deep in
the transform as a TypeError that loses the whole account, or reach validation as an unwritable value. Here
every declared field is checked before the row path reads the item: a field that does not fit is dropped,
with a message naming account, entity, the item and the field, and the item goes on with what is left (an
item whose name or id is dropped is then skipped by ``claim_item``, which says so). Fields not declared here
are not read by the transform and are left alone.

Shapes: ``str``; ``TIME`` (a datetime, or text that ``Run.time`` parses and reports); ``DOCUMENT`` (a policy
document: JSON text, URL-encoded or not, or an object; its content is checked when decoded); ``bool``; a dict
(an object with those fields); a one-element list (a list of entries of that shape; an entry that does not
fit is dropped).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .transform_run import Run

TIME = "time"
DOCUMENT = "document"
_ACCEPTS = {str: (str,), TIME: (str, dt.datetime), DOCUMENT: (str, dict), bool: (bool,)}
_NAMES = {str: "a string", TIME: "a date", DOCUMENT: "a policy document", bool: "true or false"}

ATTACHED = {"PolicyName": str, "PolicyArn": str}
INLINE = {"PolicyName": str, "PolicyDocument": DOCUMENT}
TAG = {"Key": str, "Value": str}
_IDENTITY = {"Arn": str, "Path": str, "CreateDate": TIME}
USER = {
    "UserName": str,
    "UserId": str,
    **_IDENTITY,
    "GroupList": [str],
    "AttachedManagedPolicies": [ATTACHED],
    "UserPolicyList": [INLINE],
    "Tags": [TAG],
    "PermissionsBoundary": {"PermissionsBoundaryArn": str},
}
ROLE = {
    "RoleName": str,
    "RoleId": str,
    **_IDENTITY,
    "AssumeRolePolicyDocument": DOCUMENT,
    "AttachedManagedPolicies": [ATTACHED],
    "RolePolicyList": [INLINE],
    "Tags": [TAG],
    "PermissionsBoundary": {"PermissionsBoundaryArn": str},
    "RoleLastUsed": {"LastUsedDate": TIME},
}
GROUP = {
    "GroupName": str,
    "GroupId": str,
    **_IDENTITY,
    "AttachedManagedPolicies": [ATTACHED],
    "GroupPolicyList": [INLINE],
}
POLICY = {
    "PolicyName": str,
    "Arn": str,
    "Description": str,
    "DefaultVersionId": str,
    "CreateDate": TIME,
    "UpdateDate": TIME,
    "PolicyVersionList": [
        {"Document": DOCUMENT, "VersionId": str, "IsDefaultVersion": bool, "CreateDate": TIME}
    ],
}


def shaped(run: Run, entity: str, what: str, item: dict, shape: dict) -> dict:
    """``item`` itself when every declared field fits ``shape``; else a copy without the fields and list
    entries that do not, each reported on ``entity`` as "WHAT field F is not ..." (WHAT names the item)."""
    problems: list[str] = []
    fitted = _fit(item, shape, "", problems)
    for problem in problems:
        run.fail(entity, f"{what} field {problem}: ignored")
    return fitted


def item_label(kind: str, item: dict, name_field: str, list_name: str, index: int) -> str:
    """ "user NAME" when the item's name is text, else "UserDetailList item N" (for messages)."""
    name = item.get(name_field)
    return f"{kind} {name}" if isinstance(name, str) and name else f"{list_name} item {index}"


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
    if isinstance(value, _ACCEPTS[want]):
        return value
    problems.append(f"{path} is not {_NAMES[want]}")
    return _DROP


def _entries(values: list, want: object, path: str, problems: list[str]) -> list:
    out = values
    for i, value in enumerate(values):
        if value is None:  # the readers skip null entries themselves
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
