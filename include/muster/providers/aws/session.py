"""Credentials for one AWS tenant, resolved at the edge and handed down as a boto3 Session.

Base credentials come from the tenant's Airflow connection when it names one (so ``AIRFLOW_CONN_*``
variables and secrets backends work), otherwise from the given session or boto3's default chain (which also
honours ``AWS_ENDPOINT_URL``). When the tenant names a role, it is assumed with STS and a new Session is built
from the temporary credentials. Credentials are never logged.
"""

from __future__ import annotations

import logging

import boto3
from botocore.exceptions import ClientError, NoCredentialsError, ParamValidationError, PartialCredentialsError

from ...config import Tenant
from .calls import retry_config

log = logging.getLogger(__name__)


class TenantAccessError(RuntimeError):
    """Muster could not obtain credentials for a tenant; the message names the tenant and what failed."""


def session_for_tenant(
    tenant: Tenant, base: boto3.Session | None = None, *, session_name: str = "muster"
) -> boto3.Session:
    """A boto3 Session acting in ``tenant``'s account (after assuming its role, if one is configured)."""
    session = _base_session(tenant, base)
    if not tenant.role_arn:
        return session
    return _assume_role(tenant, session, session_name)


def _base_session(tenant: Tenant, base: boto3.Session | None) -> boto3.Session:
    if tenant.connection_id:
        session = _airflow_session(tenant)
        if session is not None:
            return session
    if base is not None:
        return base
    return boto3.Session(region_name=tenant.region)


def _airflow_session(tenant: Tenant) -> boto3.Session | None:
    """The Session of the tenant's Airflow connection; None when Airflow is not installed (plain CLI)."""
    try:
        # Imported lazily: Airflow is heavy and optional for the library and the CLI.
        from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException
    except ImportError:
        log.warning(
            "tenant %s names connection %s but Airflow is not installed; using the default credential chain",
            tenant.label,
            tenant.connection_id,
        )
        return None
    hook = AwsBaseHook(aws_conn_id=tenant.connection_id, client_type="sts")
    try:
        # The hook silently falls back to an empty connection when the id is unknown: check first.
        hook.get_connection(tenant.connection_id)
    except AirflowNotFoundException:
        raise TenantAccessError(
            f"tenant {tenant.label}: Airflow connection {tenant.connection_id!r} is not defined"
        ) from None
    log.info("tenant %s: base credentials from Airflow connection %s", tenant.label, tenant.connection_id)
    return hook.get_session(region_name=tenant.region)


def _assume_role(tenant: Tenant, base: boto3.Session, session_name: str) -> boto3.Session:
    params = {"RoleArn": tenant.role_arn, "RoleSessionName": session_name}
    if tenant.external_id:
        params["ExternalId"] = tenant.external_id
    sts = base.client("sts", region_name=tenant.region, config=retry_config())
    try:
        creds = sts.assume_role(**params)["Credentials"]
    except ClientError as e:
        err = e.response.get("Error", {})
        raise TenantAccessError(
            f"tenant {tenant.label}: cannot assume role {tenant.role_arn}: "
            f"{err.get('Code', 'error')}: {err.get('Message', '')}".rstrip(": ")
        ) from None
    except (NoCredentialsError, PartialCredentialsError, ParamValidationError) as e:
        # No base credentials to call STS with, or a role ARN / external id STS rejects as malformed.
        # Connection errors are not caught: they are not about this tenant, and Airflow retries the task.
        raise TenantAccessError(f"tenant {tenant.label}: cannot assume role {tenant.role_arn}: {e}") from None
    log.info("tenant %s: assumed role %s as session %s", tenant.label, tenant.role_arn, session_name)
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=tenant.region,
    )
