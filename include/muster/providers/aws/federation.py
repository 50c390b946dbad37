"""Roles that people use: IAM Identity Center permission-set roles, and roles whose trust policy admits only
SAML federation. A role assumable through a web identity (OIDC) provider is a workload's: tokens from
``token.actions.githubusercontent.com`` or an EKS cluster's issuer are issued to jobs and pods, not people.

IAM Identity Center creates one role per permission set assigned to the account, under the reserved path
``/aws-reserved/sso.amazonaws.com/`` (optionally followed by a region), named
``AWSReservedSSO_<PermissionSet>_<hex id>``, trusting the ``saml-provider/AWSSSO_<id>_DO_NOT_DELETE`` that it
signs people in through (https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_saml.html).

Only the Allow statements of a trust policy say who can assume the role (a Deny only narrows it). A role is
people's access when every Allow statement names only SAML providers (``Principal.Federated`` ARNs of
``saml-provider/...``) and at least one lets them call ``sts:AssumeRoleWithSAML``; any other principal (an
account, a role, a service, ``*``, ``NotPrincipal``, a web identity provider) leaves it a workload's.
"""

from __future__ import annotations

import re

SSO_PATH = "/aws-reserved/sso.amazonaws.com/"
#: ``AWSReservedSSO_<permission set>_<id>``; permission set names may hold ``_`` themselves. RE2 (the column
#: path) reads it as Python's ``re`` does: no construct here differs between the two.
SSO_NAME = r"^AWSReservedSSO_(.+)_[0-9a-f]+$"
#: The reason of an Identity Center role, around its permission set and path.
SSO_WORDS = (
    "IAM Identity Center role of permission set ",
    " (path ",
    "): assumed by people signing in through SSO",
)
_SAML_PROVIDER = re.compile(r"arn:[^:]+:iam::[^:]*:saml-provider/.+")
_SAML_ACTION = "sts:assumerolewithsaml"


def sso_permission_set(path: str | None, name: str) -> str | None:
    """The permission set an IAM Identity Center role stands for, or None when the role is not one."""
    if not path or not path.startswith(SSO_PATH):
        return None
    found = re.fullmatch(SSO_NAME[1:-1], name)
    return found.group(1) if found else None


def sso_reason(permission_set: str, path: str) -> str:
    before, between, after = SSO_WORDS
    return f"{before}{permission_set}{between}{path}{after}"


def federated_by(document: object) -> tuple[bool, str] | None:
    """(is_nhi, reason) that a decoded trust policy decides, or None when it says nothing about federation.

    Human: every Allow statement admits only SAML providers, and one allows ``sts:AssumeRoleWithSAML``.
    NHI: an Allow statement admits a web identity (OIDC) provider. Anything else (no document, other
    principals only, SAML mixed with accounts or services) is left to the default rule.
    """
    statements = _allow_statements(document)
    saml: set[str] = set()
    web: set[str] = set()
    others = False
    assumes_with_saml = False
    for stmt in statements:
        federated, rest = _principals(stmt)
        here = {p for p in federated if _SAML_PROVIDER.fullmatch(p)}
        saml |= here
        web |= {p for p in federated if p not in here}
        others = others or rest or not federated
        assumes_with_saml = assumes_with_saml or (bool(here) and _allows(stmt, _SAML_ACTION))
    if web:
        names = ", ".join(sorted(_provider_name(p) for p in web))
        return True, (
            f"trust policy admits web identity (OIDC) provider {names} (sts:AssumeRoleWithWebIdentity): "
            "assumed with tokens issued to workloads"
        )
    if saml and not others and assumes_with_saml:
        names = ", ".join(sorted(_provider_name(p) for p in saml))
        return False, (
            f"trust policy admits only SAML provider {names} (sts:AssumeRoleWithSAML): assumed by people "
            "signing in through an identity provider"
        )
    return None


def _allow_statements(document: object) -> list[dict]:
    if not isinstance(document, dict):
        return []
    items = document.get("Statement")
    items = [items] if isinstance(items, dict) else items if isinstance(items, list) else []
    return [s for s in items if isinstance(s, dict) and s.get("Effect") == "Allow"]


def _principals(stmt: dict) -> tuple[list[str], bool]:
    """(Federated principals, whether the statement admits anyone else, or anyone it cannot read)."""
    if "NotPrincipal" in stmt:
        return [], True
    principal = stmt.get("Principal")
    if not isinstance(principal, dict):
        return [], True  # "*", or unreadable: not provably people
    raw = principal.get("Federated", [])
    raw = raw if isinstance(raw, list) else [raw]
    federated = [v for v in raw if isinstance(v, str)]
    return federated, len(federated) != len(raw) or any(key != "Federated" for key in principal)


def _strings(value: object) -> list[str]:
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [v for v in values if isinstance(v, str)]


def _allows(stmt: dict, action: str) -> bool:
    """Whether the statement's Action (or NotAction) covers ``action`` (IAM wildcards, case-insensitive)."""
    if "NotAction" in stmt:
        return not any(_matches(p, action) for p in _strings(stmt["NotAction"]))
    return any(_matches(p, action) for p in _strings(stmt.get("Action")))


def _matches(pattern: str, action: str) -> bool:
    regex = re.escape(pattern.lower()).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, action) is not None


def _provider_name(principal: str) -> str:
    """``saml-provider/Okta`` -> Okta, ``oidc-provider/token.actions.githubusercontent.com`` -> the host; a
    bare web identity provider (``cognito-identity.amazonaws.com``) as it is."""
    for marker in (":saml-provider/", ":oidc-provider/"):
        if marker in principal:
            return principal.split(marker, 1)[1]
    return principal
