"""Bearer tokens for Graph and ARM, resolved at the edge; azure-identity is used for nothing else.

Order:

1. ``MUSTER_AZURE_STATIC_TOKEN`` (env): send this token as is, ask azure-identity nothing. **For the sandbox
   and tests only** (the local Graph/ARM fake accepts any bearer token); never set it for real tenants.
2. The tenant's Airflow connection (``connection_id``; an ``azure`` connection: login = client id,
   password = client secret, extra ``tenantId``), through azure-identity's ``ClientSecretCredential``.
3. azure-identity's ``DefaultAzureCredential`` (environment, workload identity, managed identity, CLI).

The tenant's ``cloud`` (``clouds.py``) decides the Entra authority both credentials sign in at and the
scopes asked for (``<graph>/.default``, ``<arm>/.default``): a national cloud refuses public-cloud tokens.
Inside ``DefaultAzureCredential`` the workload identity and the Azure CLI follow their own cloud setting
(``AZURE_AUTHORITY_HOST``, ``az cloud set``), which must then match the tenant's cloud.

Tokens are cached until five minutes before they expire and are never logged. ``caller_of`` reads the
token's own claims (without verifying them: the service does that) to record who collected.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import time
from collections.abc import Callable

from ...config import Tenant
from .clouds import CLOUDS

log = logging.getLogger(__name__)

STATIC_TOKEN_ENV = "MUSTER_AZURE_STATIC_TOKEN"
#: Renew a cached token this many seconds before it expires.
EARLY_S = 300


class TokenError(RuntimeError):
    """No token could be obtained for a tenant; the message names the tenant and the source tried."""


class Tokens:
    """``.for_scope(scope)`` gives a callable returning a valid bearer token for that scope."""

    def __init__(self, fetch: Callable[[str], tuple[str, float]], source: str) -> None:
        self._fetch = fetch
        self.source = source
        self._cache: dict[str, tuple[str, float]] = {}

    def token(self, scope: str) -> str:
        cached = self._cache.get(scope)
        if cached is None or cached[1] - EARLY_S < time.time():
            cached = self._fetch(scope)
            self._cache[scope] = cached
        return cached[0]

    def for_scope(self, scope: str) -> Callable[[], str]:
        return lambda: self.token(scope)


def static(token: str) -> Tokens:
    return Tokens(lambda scope: (token, float("inf")), f"static token (env {STATIC_TOKEN_ENV})")


def from_credential(credential: object, source: str) -> Tokens:
    """Tokens from any azure-identity TokenCredential (``get_token(scope) -> AccessToken``)."""

    def fetch(scope: str) -> tuple[str, float]:
        from azure.core.exceptions import ClientAuthenticationError

        try:
            access = credential.get_token(scope)
        except ClientAuthenticationError as e:
            first = (e.message or str(e)).splitlines()[0][:300]
            raise TokenError(f"{source}: no token for {scope}: {first}") from None
        return access.token, float(access.expires_on)

    return Tokens(fetch, source)


def tokens_for(tenant: Tenant) -> Tokens:
    """The token source for ``tenant``: static (sandbox), its Airflow connection, or the default chain."""
    token = os.environ.get(STATIC_TOKEN_ENV)
    if token:
        log.warning(
            "tenant %s: using the static token from %s (sandbox/tests only)", tenant.label, STATIC_TOKEN_ENV
        )
        return static(token)
    authority = CLOUDS[tenant.cloud].authority
    if tenant.connection_id:
        credential = _airflow_credential(tenant, authority)
        if credential is not None:
            return from_credential(credential, f"Airflow connection {tenant.connection_id}")
    from azure.identity import DefaultAzureCredential

    return from_credential(DefaultAzureCredential(authority=authority), "DefaultAzureCredential")


def _airflow_credential(tenant: Tenant, authority: str) -> object | None:
    """A ClientSecretCredential from the tenant's Airflow connection; None when Airflow is not installed."""
    try:
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException
    except ImportError:
        log.warning(
            "tenant %s names connection %s but Airflow is not installed", tenant.label, tenant.connection_id
        )
        return None
    try:
        conn = BaseHook.get_connection(tenant.connection_id)
    except AirflowNotFoundException:
        raise TokenError(
            f"tenant {tenant.label}: Airflow connection {tenant.connection_id!r} is not defined"
        ) from None
    extra = conn.extra_dejson or {}
    tenant_id = extra.get("tenantId") or extra.get("tenant_id") or tenant.id
    if not conn.login or not conn.password:
        raise TokenError(
            f"tenant {tenant.label}: Airflow connection {tenant.connection_id!r} needs login (client id) "
            "and password (client secret)"
        )
    from azure.identity import ClientSecretCredential

    log.info("tenant %s: token from Airflow connection %s", tenant.label, tenant.connection_id)
    return ClientSecretCredential(
        tenant_id=tenant_id, client_id=conn.login, client_secret=conn.password, authority=authority
    )


def caller_of(token: str, fallback: str) -> str:
    """Who a JWT says the caller is (app id or UPN, and object id); ``fallback`` for an opaque token."""
    parts = token.split(".")
    if len(parts) != 3:
        return fallback
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError):
        return fallback
    if not isinstance(claims, dict):
        return fallback
    who = claims.get("upn") or claims.get("appid") or claims.get("azp")
    oid = claims.get("oid")
    if not who and not oid:
        return fallback
    return f"{who or '?'} (object id {oid or '?'})"
