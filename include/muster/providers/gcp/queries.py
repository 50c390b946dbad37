"""The requests behind each GCP collection entity, in words an auditor can re-perform (AUDIT.md: "examine
the parameters, query or script that produced it"). Keyed as `raw.FEEDS`; a test keeps the two in step."""

from __future__ import annotations

from .extract import ACTIVITY_PAGE_SIZE, ACTIVITY_TYPES, HMAC_PAGE_SIZE, POLICY_BODY, SA_PAGE_SIZE
from .groups import MEMBERSHIP_PAGE_SIZE

_POLICY = f"options.requestedPolicyVersion={POLICY_BODY['options']['requestedPolicyVersion']}"
_ACTIVITY = (
    "policyanalyzer {parent}/locations/global/activityTypes/{activity}/activities:query, "
    f"pageSize={ACTIVITY_PAGE_SIZE}, every page followed by pageToken"
)

QUERIES: dict[str, str] = {
    "project": "cloudresourcemanager v3 projects.get (the tenant; must be ACTIVE)",
    "organization": "cloudresourcemanager v3 organizations.get (the tenant; must be ACTIVE)",
    "folder": "cloudresourcemanager v3 folders.get (the tenant; must be ACTIVE)",
    "folders": "cloudresourcemanager v3 folders.list (parent) for an organisation or folder tenant, every "
    "page followed by pageToken",
    "iam_policy": f"cloudresourcemanager v3 projects|organizations|folders.getIamPolicy, {_POLICY} "
    "(conditional bindings included)",
    "service_accounts": f"iam v1 projects.serviceAccounts.list, pageSize={SA_PAGE_SIZE}, every page followed "
    "by pageToken",
    "service_account_keys": "iam v1 projects.serviceAccounts.keys.list (name) per service account, user- and "
    "Google-managed keys",
    "hmac_keys": f"storage v1 projects.hmacKeys.list (projectId), maxResults={HMAC_PAGE_SIZE}, deleted keys "
    "not shown, every page followed by pageToken",
    "roles": "iam v1 roles.get / projects.roles.get / organizations.roles.get for every role named in a "
    "binding (includedPermissions)",
    "member_service_accounts": "iam v1 projects.serviceAccounts.get (projects/-/serviceAccounts/EMAIL) for "
    "service accounts of other projects named in a binding",
    "sa_last_authentication": _ACTIVITY.format(
        parent="{tenant}", activity=ACTIVITY_TYPES["sa_last_authentication"]
    ),
    "key_last_authentication": _ACTIVITY.format(
        parent="{tenant}", activity=ACTIVITY_TYPES["key_last_authentication"]
    ),
    "group_members": "cloudidentity v1 groups.lookup (groupKey.id = the group's email), then "
    "groups.memberships.searchTransitiveMemberships (parent = the groups/{id} it returned), "
    f"pageSize={MEMBERSHIP_PAGE_SIZE}, every page followed by pageToken, for each live group named in a "
    "binding of the tenant's policies",
}
