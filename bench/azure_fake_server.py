"""Serve a synthetic Entra tenant from the Azure fake in its own process; prints "PORT <n>" when ready.

    .venv/bin/python bench/azure_fake_server.py --users 200000 --sps 50000 --apps 20000

Each service principal and application carries two client secrets and one certificate (Graph's shape); the
MFA registration report has every user (one in seven not registered), and the credential sign-in report the
first secret of every service principal and application.
"""

from __future__ import annotations

import argparse
import sys

from loopback import announce_and_serve
from muster.sandbox.azure_fake import AzureFake
from muster.sandbox.azure_world import World

TENANT = "7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6"


def _creds(i: int) -> tuple[list, list]:
    secret = {
        "keyId": f"{i:08x}-0000-4000-8000-000000000001",
        "displayName": "ci",
        "hint": "abc",
        "secretText": None,
        "customKeyIdentifier": None,
        "startDateTime": "2025-01-01T00:00:00Z",
        "endDateTime": "2027-01-01T00:00:00Z",
    }
    second = {
        **secret,
        "keyId": f"{i:08x}-0000-4000-8000-000000000002",
        "endDateTime": "2026-01-01T00:00:00Z",
    }
    cert = {
        "keyId": f"{i:08x}-0000-4000-8000-000000000003",
        "type": "AsymmetricX509Cert",
        "usage": "Verify",
        "displayName": "CN=app",
        "customKeyIdentifier": "QUJDREVGRw==",
        "key": None,
        "startDateTime": "2025-01-01T00:00:00Z",
        "endDateTime": "2028-01-01T00:00:00Z",
    }
    return [secret, second], [cert]


def _registration(i: int, user: dict) -> dict:
    registered = i % 7 != 0
    return {
        "id": user["id"],
        "userPrincipalName": user["userPrincipalName"],
        "userDisplayName": user["displayName"],
        "userType": "member" if user["userType"] == "Member" else "guest",
        "isAdmin": False,
        "isMfaRegistered": registered,
        "isMfaCapable": registered,
        "isSsprRegistered": False,
        "isSsprEnabled": False,
        "isSsprCapable": False,
        "isPasswordlessCapable": False,
        "isSystemPreferredAuthenticationMethodEnabled": True,
        "systemPreferredAuthenticationMethods": ["push"] if registered else [],
        "userPreferredMethodForSecondaryAuthentication": "push" if registered else "none",
        "methodsRegistered": ["microsoftAuthenticatorPush", "softwareOneTimePasscode"] if registered else [],
        "lastUpdatedDateTime": "2026-11-01T21:00:00Z",
    }


def _credential_use(i: int, holder: str, origin: str) -> dict:
    """The beta appCredentialSignInActivities entry of holder ``i``'s first secret."""
    key_id = f"{i:08x}-0000-4000-8000-000000000001"
    return {
        "id": f"{key_id}|{origin}",
        "keyId": key_id,
        "keyType": "clientSecret",
        "keyUsage": "verify",
        "appId": f"{i:08x}-3333-4000-8000-000000000000",
        "appObjectId": f"{i:08x}-4444-4000-8000-000000000000",
        "servicePrincipalObjectId": f"{i:08x}-2222-4000-8000-000000000000",
        "resourceId": "00000000-5555-4000-8000-000000000000",
        "credentialOrigin": origin,
        "createdDateTime": "2025-01-01T00:00:00Z",
        "expirationDateTime": "2027-01-01T00:00:00Z",
        "signInActivity": {"lastSignInDateTime": "2026-10-15T00:00:00Z", "lastSignInRequestId": holder},
    }


def synthetic(users: int, sps: int, apps: int) -> World:
    w = World(tenant_id=TENANT, sp_sign_in=[])
    w.users = [
        {
            "id": f"{i:08x}-1111-4000-8000-000000000000",
            "userPrincipalName": f"user{i}@acme.example",
            "displayName": f"User {i}",
            "accountEnabled": i % 50 != 0,
            "userType": "Member" if i % 20 else "Guest",
            "createdDateTime": "2024-01-01T00:00:00Z",
            "signInActivity": {
                "lastSignInDateTime": "2026-10-01T00:00:00Z",
                "lastNonInteractiveSignInDateTime": None,
            },
        }
        for i in range(users)
    ]
    w.mfa_registration = [_registration(i, u) for i, u in enumerate(w.users)]
    for i in range(sps):
        pw, keys = _creds(i)
        w.service_principals.append(
            {
                "id": f"{i:08x}-2222-4000-8000-000000000000",
                "appId": f"{i:08x}-3333-4000-8000-000000000000",
                "displayName": f"sp-{i}",
                "servicePrincipalType": "ManagedIdentity" if i % 10 == 0 else "Application",
                "accountEnabled": True,
                "appOwnerOrganizationId": TENANT,
                "passwordCredentials": pw,
                "keyCredentials": keys,
                "tags": ["WindowsAzureActiveDirectoryIntegratedApp"],
            }
        )
        w.app_credential_sign_in.append(
            _credential_use(i, w.service_principals[-1]["id"], "servicePrincipal")
        )
    for i in range(apps):
        pw, keys = _creds(i)
        oid = f"{i:08x}-4444-4000-8000-000000000000"
        w.applications.append(
            {
                "id": oid,
                "appId": f"{i:08x}-3333-4000-8000-000000000000",
                "displayName": f"app-{i}",
                "createdDateTime": "2024-01-01T00:00:00Z",
                "signInAudience": "AzureADMyOrg",
                "passwordCredentials": pw,
                "keyCredentials": keys,
            }
        )
        if users:
            w.owners[oid] = [w.users[i % users]["id"]]
        w.app_credential_sign_in.append(_credential_use(i, oid, "application"))
    return w


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--users", type=int, default=0)
    p.add_argument("--sps", type=int, default=0)
    p.add_argument("--apps", type=int, default=0)
    args = p.parse_args()
    fake = AzureFake(synthetic(args.users, args.sps, args.apps))
    url = fake.start()
    return announce_and_serve(url.rsplit(":", 1)[1], fake.stop)


if __name__ == "__main__":
    sys.exit(main())
