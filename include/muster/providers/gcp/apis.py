"""The discovery-based REST clients Muster uses for Google Cloud, and where their credentials come from.

Why google-api-python-client: one library and one transport (REST) for all five APIs needed (IAM v1,
Cloud Resource Manager v3, Policy Analyzer v1, the Cloud Storage JSON API v1 for HMAC keys, and the Cloud
Identity Groups API v1 for the members of groups that hold a grant). Their
discovery documents ship inside the wheel (``static_discovery=True``), so building a client never touches
the network. The GAPIC ``google-cloud-iam`` is gRPC only: a second transport and a gRPC fake for the
sandbox, and it has no Policy Analyzer client.

Endpoints (the sandbox sets them; documented in the README):

* ``MUSTER_GCP_ENDPOINT`` — one base URL for every API (e.g. ``http://127.0.0.1:8790``);
* ``MUSTER_GCP_IAM_ENDPOINT``, ``MUSTER_GCP_CRM_ENDPOINT``, ``MUSTER_GCP_POLICYANALYZER_ENDPOINT``,
  ``MUSTER_GCP_STORAGE_ENDPOINT``, ``MUSTER_GCP_CLOUDIDENTITY_ENDPOINT`` — per API;
* ``MUSTER_GCP_CREDENTIALS=anonymous`` — send no credentials (only for a local fake).

Each endpoint is a root URL, like the discovery document's ``rootUrl`` (``https://storage.googleapis.com/``):
the API's own service path (``storage/v1/``; empty for the other four) is appended, as the client does for
the real endpoint, so one base URL serves every API of a fake.

Credentials otherwise: the tenant's Airflow connection (google_cloud_platform type: ``key_path`` or
``keyfile_dict`` extra) when it names one, else application default credentials; then, when the tenant names
``impersonate_service_account``, short-lived credentials of that account through IAM Credentials.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from dataclasses import dataclass

import google.auth
import google_auth_httplib2
import httplib2
from google.auth.credentials import AnonymousCredentials, Credentials
from googleapiclient.discovery import build
from googleapiclient.discovery_cache import get_static_doc

from ...config import Tenant

log = logging.getLogger(__name__)

SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
ENDPOINT_ENV = "MUSTER_GCP_ENDPOINT"
API_ENDPOINT_ENV = {
    "iam": "MUSTER_GCP_IAM_ENDPOINT",
    "cloudresourcemanager": "MUSTER_GCP_CRM_ENDPOINT",
    "policyanalyzer": "MUSTER_GCP_POLICYANALYZER_ENDPOINT",
    "storage": "MUSTER_GCP_STORAGE_ENDPOINT",
    "cloudidentity": "MUSTER_GCP_CLOUDIDENTITY_ENDPOINT",
}
CREDENTIALS_ENV = "MUSTER_GCP_CREDENTIALS"
TIMEOUT = 60


class GcpAccessError(RuntimeError):
    """Credentials for a tenant cannot be obtained; the message names the tenant."""


@dataclass
class GcpApis:
    """The five service objects plus credentials; share one across tenants and threads."""

    iam: object
    crm: object
    policyanalyzer: object
    storage: object
    cloudidentity: object
    credentials: Credentials
    caller_identity: str | None = None

    def http(self) -> object:
        """A new authorised Http (one per thread: httplib2 is not thread-safe)."""
        return google_auth_httplib2.AuthorizedHttp(self.credentials, http=httplib2.Http(timeout=TIMEOUT))


def endpoint(api: str) -> str | None:
    return os.environ.get(API_ENDPOINT_ENV[api]) or os.environ.get(ENDPOINT_ENV) or None


@functools.lru_cache(maxsize=16)
def _service(api: str, version: str, url: str | None) -> object:
    """A service object built from the discovery document shipped in the wheel (~0.1 s each, so cached).

    It carries no credentials: every request is executed with a per-thread authorised Http (see
    `calls.Caller`), so one service object serves every tenant and thread of the process. ``url`` is a root
    URL: the client takes ``api_endpoint`` as the whole base, so the document's service path is added here.
    """
    options = None
    if url:
        path = json.loads(get_static_doc(api, version) or "{}").get("servicePath", "")
        options = {"api_endpoint": url.rstrip("/") + "/" + path}
    return build(
        api,
        version,
        http=httplib2.Http(timeout=TIMEOUT),
        static_discovery=True,
        client_options=options,
        cache_discovery=False,
    )


def build_apis(credentials: Credentials, caller_identity: str | None = None) -> GcpApis:
    """Service objects for IAM v1, Resource Manager v3, Policy Analyzer v1, Storage v1 and Cloud Identity v1
    (offline discovery)."""
    return GcpApis(
        iam=_service("iam", "v1", endpoint("iam")),
        crm=_service("cloudresourcemanager", "v3", endpoint("cloudresourcemanager")),
        policyanalyzer=_service("policyanalyzer", "v1", endpoint("policyanalyzer")),
        storage=_service("storage", "v1", endpoint("storage")),
        cloudidentity=_service("cloudidentity", "v1", endpoint("cloudidentity")),
        credentials=credentials,
        caller_identity=caller_identity,
    )


def apis_for_tenant(tenant: Tenant) -> GcpApis:
    """Clients with the tenant's credentials (connection / ADC, then impersonation)."""
    credentials, who = _base_credentials(tenant)
    if tenant.impersonate_service_account:
        from google.auth import impersonated_credentials

        credentials = impersonated_credentials.Credentials(
            source_credentials=credentials,
            target_principal=tenant.impersonate_service_account,
            target_scopes=list(SCOPES),
        )
        who = tenant.impersonate_service_account
    return build_apis(credentials, who)


def _base_credentials(tenant: Tenant) -> tuple[Credentials, str | None]:
    if os.environ.get(CREDENTIALS_ENV) == "anonymous":
        return AnonymousCredentials(), "anonymous"
    if tenant.connection_id:
        found = _connection_credentials(tenant)
        if found is not None:
            return found
    try:
        credentials, _ = google.auth.default(scopes=list(SCOPES))
    except google.auth.exceptions.DefaultCredentialsError as e:
        raise GcpAccessError(f"tenant {tenant.label}: no application default credentials: {e}") from None
    return credentials, getattr(credentials, "service_account_email", None)


def _connection_credentials(tenant: Tenant) -> tuple[Credentials, str | None] | None:
    """Credentials of the tenant's Airflow google_cloud_platform connection; None without Airflow."""
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
        raise GcpAccessError(
            f"tenant {tenant.label}: Airflow connection {tenant.connection_id!r} is not defined"
        ) from None
    extra = conn.extra_dejson
    get = lambda k: extra.get(k) or extra.get(f"extra__google_cloud_platform__{k}")  # noqa: E731
    from google.oauth2 import service_account

    if get("keyfile_dict"):
        info = get("keyfile_dict")
        info = json.loads(info) if isinstance(info, str) else info
        creds = service_account.Credentials.from_service_account_info(info, scopes=list(SCOPES))
        return creds, creds.service_account_email
    if get("key_path"):
        creds = service_account.Credentials.from_service_account_file(get("key_path"), scopes=list(SCOPES))
        return creds, creds.service_account_email
    return None  # the connection carries no key: application default credentials
