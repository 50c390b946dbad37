"""The types the row path expects of GAAD fields; a field of another type is reported and left out.

The row path reads users, roles, groups and managed policies from JSON-shaped items. A field with the wrong
type (a number where a name belongs, an object in GroupList, a list as a Path) would otherwise surface deep in
the transform as a TypeError that loses the whole account, or reach validation as an unwritable value. Here
every declared field is checked before the row path reads the item: a field that does not fit is dropped,
with a message naming account, entity, the item and the field, and the item goes on with what is left (an
item whose name or id is dropped is then skipped by ``claim_item``, which says so). Fields not declared here
are not read by the transform and are left alone.

Shapes as in ``providers/shapes.py``, plus ``TIME`` (a datetime, or text that ``Run.time`` parses and
reports) and ``DOCUMENT`` (a policy document: JSON text, URL-encoded or not, or an object; its content is
checked when decoded).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import TYPE_CHECKING

from .. import shapes
from ..shapes import OneOf

if TYPE_CHECKING:
    from .transform_run import Run

TIME = OneOf("a date", (str, dt.datetime))
DOCUMENT = OneOf("a policy document", (str, dict))

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
    return shapes.shaped(partial(run.fail, entity), what, item, shape)


def item_label(kind: str, item: dict, name_field: str, list_name: str, index: int) -> str:
    """ "user NAME" when the item's name is text, else "UserDetailList item N" (for messages)."""
    name = shapes.text(item, name_field)
    return f"{kind} {name}" if name else f"{list_name} item {index}"
