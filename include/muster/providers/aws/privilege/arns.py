"""The ARNs the analysis builds itself (the account root, "another user or role"), in the account's partition.

An account lives in exactly one partition (``aws``, ``aws-us-gov``, ``aws-cn``, ``aws-iso``, ...) and every ARN
of its identities carries it (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html). Trust
policies name the account as ``arn:<partition>:iam::<account>:root`` and identity policies scope resources to
``arn:<partition>:iam::<account>:role/*``, so an ARN built in the wrong partition matches neither: a role chain
or an escalation would be missed. The caller says which partition (``transform`` reads it off the account's own
ARNs); ``aws``, the commercial partition, is the default.
"""

from __future__ import annotations

PARTITION = "aws"


def iam_arn(partition: str, account_id: str, resource: str) -> str:
    """``arn:<partition>:iam::<account_id>:<resource>``, e.g. resource ``root`` or ``user/name``."""
    return f"arn:{partition}:iam::{account_id}:{resource}"
