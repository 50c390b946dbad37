"""The raw material of one AWS account, exactly as the IAM API (or the AWS CLI export) returned it.

This is the seam between extract.py (I/O) and transform.py (pure). Every value keeps the boto3
response shape: datetimes may be `datetime` objects (live boto3) or ISO-8601 strings (CLI export
JSON), and transform accepts both. Nothing here is normalised yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ...collected import EntityResult

#: Collection entities of an AWS account and the tables (or table:kind) each one feeds: the one table both
#: sides of this seam record entities with (extract.py's calls, transform.py's derived entities).
ENTITY_FEEDS: dict[str, str] = {
    "caller_identity": "principals,credentials,grants,role_definitions",
    "authorization_details": "principals,grants,role_definitions",
    "credential_report": "principals,credentials:access_key,credentials:signing_certificate,credentials:password",
    "access_keys": "credentials:access_key",
    "login_profiles": "principals",
    "mfa_devices": "principals",
    "signing_certificates": "credentials:signing_certificate",
    "ssh_public_keys": "credentials:ssh_key",
    "service_specific_credentials": "credentials:service_specific",
}


@dataclass
class RawAccount:
    account_id: str
    #: GetAccountAuthorizationDetails, all pages merged: UserDetailList, GroupDetailList,
    #: RoleDetailList, Policies (each as boto3 returns them).
    authorization_details: dict = field(default_factory=dict)
    #: The decoded credential report CSV text; None when it could not be had.
    credential_report: str | None = None
    #: The report's own GeneratedTime (UTC): the source's as-of for every value taken from it.
    credential_report_generated: dt.datetime | None = None
    #: For users the report does not cover (created after it was generated, or ambiguous in it):
    #: UserName -> ListAccessKeys AccessKeyMetadata items, each with an added "LastUsed" key holding
    #: GetAccessKeyLastUsed's AccessKeyLastUsed dict.
    access_keys: dict[str, list[dict]] = field(default_factory=dict)
    #: For users the report does not cover: UserName -> GetLoginProfile's LoginProfile, or None (no profile).
    login_profiles: dict[str, dict | None] = field(default_factory=dict)
    #: For users the report does not cover: UserName -> ListMFADevices' MFADevices.
    mfa_devices: dict[str, list[dict]] = field(default_factory=dict)
    #: For users the report does not cover: UserName -> ListSigningCertificates' Certificates.
    signing_certificates: dict[str, list[dict]] = field(default_factory=dict)
    #: UserName -> ListSSHPublicKeys' SSHPublicKeys; None when not collected (see entities).
    ssh_public_keys: dict[str, list[dict]] | None = None
    #: UserName -> ListServiceSpecificCredentials' ServiceSpecificCredentials; None when not collected.
    service_specific_credentials: dict[str, list[dict]] | None = None
    #: One per API population, carrying status, call counts and errors.
    entities: list[EntityResult] = field(default_factory=list)
    #: sts:GetCallerIdentity Arn of the identity that collected.
    caller_arn: str | None = None

    def entity(self, name: str) -> EntityResult | None:
        for e in self.entities:
            if e.entity == name:
                return e
        return None
