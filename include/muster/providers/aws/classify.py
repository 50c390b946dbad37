"""Human or non-human (NHI)? And who owns it? Both with the reason recorded, so an auditor can check.

The rules come from the scope file (``Tenant.classification``, ``identity_overrides``, ``owners``,
``owner_tag_keys``). Precedence, first match wins:

1. scope-file override (``identity_overrides``, by name or principal id);
2. override tag (``classification.override_tag_key`` with value ``human`` or ``nhi``);
3. roles: service-linked roles (path ``/aws-service-role/``) are NHIs; IAM Identity Center permission-set
   roles (``AWSReservedSSO_<set>_<id>`` under ``/aws-reserved/sso.amazonaws.com/``) and roles whose trust
   policy admits only SAML federation are human access (people sign in through them), roles admitting a
   web identity (OIDC) provider are NHIs, and every other role is an NHI (``federation``). A human role
   keeps kind ``role``: it is not one person's account, and is not followed as a person;
4. the root user is human;
5. user path in ``service_paths`` (NHI) or ``human_paths`` (human);
6. a service tag value (``service_tag_values``);
7. a service name pattern (``service_name_patterns``, case-insensitive);
8. console password enabled: human (the reason says whether MFA is active);
9. no console password: NHI, programmatic access only.

Built once per tenant: the name patterns are compiled here, not per row.
"""

from __future__ import annotations

import re

from ...config import Tenant
from .federation import federated_by, sso_permission_set, sso_reason

SERVICE_LINKED_PATH = "/aws-service-role/"
_VERDICTS = {"human": False, "nhi": True}
ROLE_REASON = "IAM role: assumed by workloads or federated sessions, not a person's login"


class Classifier:
    """Applies one tenant's classification and ownership rules to principals."""

    def __init__(self, tenant: Tenant) -> None:
        rules = tenant.classification
        self.overrides = tenant.identity_overrides
        self.owners = tenant.owners
        self.owner_tag_keys = tenant.owner_tag_keys
        self.override_tag = rules.override_tag_key
        self.service_paths = rules.service_paths
        self.human_paths = rules.human_paths
        self.path_prefixes = tuple(rules.service_paths) + tuple(rules.human_paths)
        self.service_tags = {k: {v.lower() for v in vals} for k, vals in rules.service_tag_values.items()}
        self.patterns = [re.compile(p, re.IGNORECASE) for p in rules.service_name_patterns]
        # One combined search per name; the individual pattern is looked up only on a match.
        joined = "|".join(f"(?:{p})" for p in rules.service_name_patterns)
        self.any_pattern = re.compile(joined, re.IGNORECASE) if joined else None

    def _override(self, name: str, principal_id: str, tags: dict) -> tuple[bool, str] | None:
        for key in (principal_id, name) if self.overrides else ():
            if key in self.overrides:
                verdict = self.overrides[key]
                return _VERDICTS[verdict], f"scope file identity_overrides[{key!r}] = {verdict}"
        value = tags.get(self.override_tag) if tags else None
        if value is not None and value.strip().lower() in _VERDICTS:
            return _VERDICTS[value.strip().lower()], f"tag {self.override_tag}={value}"
        return None

    def role(
        self, name: str, principal_id: str, path: str | None, tags: dict, trust: object = None
    ) -> tuple[bool, str]:
        """(is_nhi, reason) for an IAM role; ``trust``: its decoded trust policy, None when not readable."""
        decided = self._override(name, principal_id, tags)
        if decided:
            return decided
        if path == SERVICE_LINKED_PATH:
            return True, f"service-linked role (path {SERVICE_LINKED_PATH})"
        permission_set = sso_permission_set(path, name)
        if permission_set is not None:
            return False, sso_reason(permission_set, path)
        return federated_by(trust) or (True, ROLE_REASON)

    def root(self, name: str, principal_id: str) -> tuple[bool, str]:
        """(is_nhi, reason) for the account root user."""
        return self._override(name, principal_id, {}) or (False, "account root user")

    def user(
        self,
        name: str,
        principal_id: str,
        path: str | None,
        tags: dict,
        console: bool | None,
        mfa: bool | None,
    ) -> tuple[bool, str]:
        """(is_nhi, reason) for an IAM user; ``console``/``mfa`` are None when they are not known."""
        decided = (
            self._override(name, principal_id, tags)
            or self._by_path(path)
            or (self._by_tag(tags) if tags else None)
        )
        if decided:
            return decided
        if self.any_pattern is not None and self.any_pattern.search(name):
            pattern = next(p for p in self.patterns if p.search(name))
            return True, f"user name matches service pattern {pattern.pattern!r}"
        if console:
            mfa_note = {True: "MFA active", False: "no MFA", None: "MFA unknown"}[mfa]
            return False, f"console password enabled ({mfa_note})"
        if console is None:
            return True, "console access unknown (no credential report row or login profile): treated as NHI"
        return True, "no console password: programmatic access only"

    def _by_path(self, path: str | None) -> tuple[bool, str] | None:
        if path and path.startswith(self.path_prefixes):
            for prefix in self.service_paths:
                if path.startswith(prefix):
                    return True, f"user path {path} is under service path {prefix}"
            for prefix in self.human_paths:
                if path.startswith(prefix):
                    return False, f"user path {path} is under human path {prefix}"
        return None

    def _by_tag(self, tags: dict) -> tuple[bool, str] | None:
        for key, values in self.service_tags.items():
            value = tags.get(key)
            if value is not None and value.lower() in values:
                return True, f"tag {key}={value} marks a service identity"
        return None

    def owner(self, name: str, principal_id: str, tags: dict) -> tuple[str | None, str | None]:
        """(owner, owner_source): the scope file wins, then the first configured owner tag present."""
        for key in (principal_id, name) if self.owners else ():
            if key in self.owners:
                return self.owners[key], "scope-file"
        for key in self.owner_tag_keys:
            value = tags.get(key)
            if value:
                return value, f"tag:{key}"
        return None, None
