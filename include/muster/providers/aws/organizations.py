"""Discover the member accounts of an AWS Organization and turn them into tenants to collect.

The raw account list is returned too, because coverage is evidence: an auditor reconciles the accounts that
were collected against the organisation's own list (suspended, excluded and failed accounts included).
"""

from __future__ import annotations

import datetime as dt
import logging

import boto3
from botocore.exceptions import ClientError

from ...config import AwsOrganization, Tenant
from .calls import describe, retry_config
from .session import TenantAccessError, session_for_tenant

log = logging.getLogger(__name__)


def organization_session(org: AwsOrganization, base: boto3.Session | None = None) -> boto3.Session:
    """A session in the management account, built like any tenant's (connection, then role)."""
    return session_for_tenant(_management_tenant(org, None), base)


def discover_accounts(org: AwsOrganization, session: boto3.Session) -> tuple[list[Tenant], list[dict]]:
    """Tenants to collect (ACTIVE, not excluded) and every listed account (Id, Name, Status, JoinedTimestamp).

    Member accounts are collected through ``org.member_role_name``. The management account has no such role
    by default, so it is collected with the organisation's own credentials (connection and role_arn).
    Raises TenantAccessError when the accounts cannot be listed.
    """
    client = session.client("organizations", region_name="us-east-1", config=retry_config())
    try:
        pages = client.get_paginator("list_accounts").paginate()
        accounts = [a for page in pages for a in page.get("Accounts", [])]
    except ClientError as e:
        raise TenantAccessError(
            f"organization of {org.management_account}: cannot list accounts: {describe(e)}"
        ) from None
    accounts.sort(key=lambda a: a["Id"])
    listing = [_summary(a) for a in accounts]
    org_id = next((_org_id(a) for a in accounts if _org_id(a)), None)
    tenants = [
        _tenant(org, a, org_id)
        for a, summary in zip(accounts, listing, strict=True)
        if summary["Status"] == "ACTIVE" and a["Id"] not in org.exclude
    ]
    log.info(
        "organization %s: %d accounts listed, %d to collect",
        org_id or org.management_account,
        len(listing),
        len(tenants),
    )
    return tenants, listing


def _summary(account: dict) -> dict:
    joined = account.get("JoinedTimestamp")
    return {
        "Id": account["Id"],
        "Name": account.get("Name"),
        # "State" replaces the deprecated "Status" in newer API versions; either may be present.
        "Status": account.get("State") or account.get("Status"),
        "JoinedTimestamp": joined.astimezone(dt.UTC).isoformat() if joined else None,
    }


def _org_id(account: dict) -> str | None:
    """The o-... id from an account ARN (arn:aws:organizations::<mgmt>:account/<org id>/<account id>)."""
    parts = account.get("Arn", "").split("/")
    return parts[1] if len(parts) == 3 and parts[1].startswith("o-") else None


def _partition(account: dict) -> str:
    """aws, aws-us-gov or aws-cn, from the account ARN; aws when there is none."""
    parts = account.get("Arn", "").split(":")
    return parts[1] if len(parts) > 2 and parts[1] else "aws"


def _management_tenant(org: AwsOrganization, account: dict | None, org_id: str | None = None) -> Tenant:
    return Tenant(
        provider="aws",
        id=org.management_account,
        name=account.get("Name") if account else None,
        connection_id=org.connection_id,
        role_arn=org.role_arn,
        audit_scope=org.audit_scope,
        soc1_objectives=org.soc1_objectives,
        per_user_credentials=org.per_user_credentials,
        discovered_from=org_id or org.management_account,
    )


def _tenant(org: AwsOrganization, account: dict, org_id: str | None) -> Tenant:
    if account["Id"] == org.management_account:
        return _management_tenant(org, account, org_id)
    return Tenant(
        provider="aws",
        id=account["Id"],
        name=account.get("Name"),
        connection_id=org.connection_id,
        role_arn=f"arn:{_partition(account)}:iam::{account['Id']}:role/{org.member_role_name}",
        audit_scope=org.audit_scope,
        soc1_objectives=org.soc1_objectives,
        per_user_credentials=org.per_user_credentials,
        discovered_from=org_id or org.management_account,
    )
