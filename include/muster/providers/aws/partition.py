"""The partition of an account (``aws``, ``aws-us-gov``, ``aws-cn``, ``aws-iso``, ...), read off its own ARNs.

The privilege analysis builds ARNs of the account itself (its root in trust policies, "another user or role"
matched against a policy's Resource; see ``privilege.arns``), so it needs the partition, which GAAD does not
state. Every ARN of the account's own identities carries it, so the first few items of each GAAD list are
enough: users, roles, groups, then customer managed policies, each checked to be of this account (AWS managed
policies are in account ``aws``; an export may hold ARNs of other accounts). Only a bounded number of items is
looked at, whatever the size of the account: the transform must not pay per user for this.
"""

from __future__ import annotations

import itertools
import re

from .privilege import PARTITION

#: Items looked at per GAAD list; the first ARN of this account decides.
_LOOK = 8
_LISTS = ("UserDetailList", "RoleDetailList", "GroupDetailList", "Policies")
#: Partition names as AWS spells them: aws, then lower-case words joined by hyphens (aws-us-gov, aws-iso-b).
_ARN = re.compile(r"arn:(aws(?:-[a-z]+)*):iam::(\d{12}):")


def account_partition(details: object, account_id: str) -> str:
    """The partition of the first ARN of ``account_id`` among the first items of each list; ``aws`` if none."""
    if not isinstance(details, dict):
        return PARTITION
    for field in _LISTS:
        items = details.get(field)
        if not isinstance(items, list):
            continue
        for item in itertools.islice(items, _LOOK):
            arn = item.get("Arn") if isinstance(item, dict) else None
            m = _ARN.match(arn) if isinstance(arn, str) else None
            if m is not None and m.group(2) == account_id:
                return m.group(1)
    return PARTITION
