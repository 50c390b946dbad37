"""The requests behind each AWS collection entity, in words an auditor can re-perform (AUDIT.md: "examine
the parameters, query or script that produced it"). Keyed as `raw.ENTITY_FEEDS`; a test keeps the two in step."""

from __future__ import annotations

from .extract import GAAD_PAGE_SIZE

QUERIES: dict[str, str] = {
    "caller_identity": "sts:GetCallerIdentity, to check the credentials belong to the account the scope file "
    "names (collection is refused otherwise)",
    "authorization_details": "iam:GetAccountAuthorizationDetails, no Filter (users, groups, roles, local and "
    f"AWS managed policies), MaxItems={GAAD_PAGE_SIZE}, every page followed by Marker",
    "credential_report": "iam:GenerateCredentialReport until State COMPLETE, then iam:GetCredentialReport "
    "(CSV; its GeneratedTime is the source as-of)",
    "access_keys": "iam:ListAccessKeys (UserName) and iam:GetAccessKeyLastUsed (AccessKeyId), only for users "
    "the credential report does not cover",
    "login_profiles": "iam:GetLoginProfile (UserName), only for users the credential report does not cover",
    "mfa_devices": "iam:ListMFADevices (UserName), only for users the credential report does not cover",
    "signing_certificates": "iam:ListSigningCertificates (UserName), only for users the credential report "
    "does not cover",
    "ssh_public_keys": "iam:ListSSHPublicKeys (UserName) per user, when the scope file sets "
    "per_user_credentials",
    "service_specific_credentials": "iam:ListServiceSpecificCredentials (UserName) per user, when the scope "
    "file sets per_user_credentials",
}
