"""The requests behind each Entra / Azure collection entity, in words an auditor can re-perform (AUDIT.md:
"examine the parameters, query or script that produced it"). Keyed as `populations.FEEDS`; a test keeps the
two in step. Graph v1.0 unless marked beta; every listing follows @odata.nextLink / nextLink to its end."""

from __future__ import annotations

from .extract import (
    APP_FIELDS,
    CREDENTIAL_REPORT,
    GROUP_FIELDS,
    MFA_REPORT,
    OWNERS,
    ROLE_ASSIGNMENT_FIELDS,
    ROLE_DEF_FIELDS,
    SP_FIELDS,
    USER_FIELDS,
)
from .extract_grants import (
    ARM_VERSION_AUTHORIZATION,
    ARM_VERSION_ELIGIBILITY,
    ARM_VERSION_SUBSCRIPTIONS,
    ASSIGNED_TO_FIELDS,
    DIRECTORY_ELIGIBILITY,
    ELIGIBILITY_FIELDS,
)
from .populations import PAGE

QUERIES: dict[str, str] = {
    "organization": "GET /organization?$select=id,displayName, to check the token belongs to the tenant the "
    "scope file names (collection is refused otherwise)",
    "users": f"GET /users?$select={USER_FIELDS},signInActivity&$top={PAGE} (signInActivity left out when the "
    "tenant is not licensed for it)",
    "service_principals": f"GET /servicePrincipals?$select={SP_FIELDS}&$expand={OWNERS}",
    "applications": f"GET /applications?$select={APP_FIELDS}&$expand={OWNERS}",
    "federated_credentials": "GET /applications?$select=id&$expand=federatedIdentityCredentials",
    "directory_role_definitions": f"GET /roleManagement/directory/roleDefinitions?$select={ROLE_DEF_FIELDS}",
    "directory_role_assignments": "GET /roleManagement/directory/roleAssignments"
    f"?$select={ROLE_ASSIGNMENT_FIELDS}",
    "directory_role_eligibility": f"GET {DIRECTORY_ELIGIBILITY}?$select={ELIGIBILITY_FIELDS} (eligible "
    "assignments of Privileged Identity Management, those in force kept; needs Entra ID P2 and "
    "RoleEligibilitySchedule.Read.Directory)",
    "app_role_assignments": "GET /servicePrincipals?$filter=appId in (...)&$select=id,appId,displayName,"
    f"appRoles for the first-party APIs of the risk catalogue, then GET /servicePrincipals/{{id}}/"
    f"appRoleAssignedTo?$select={ASSIGNED_TO_FIELDS}&$top={PAGE} for each",
    "sp_sign_in_activity": "GET beta /reports/servicePrincipalSignInActivities",
    "user_mfa_registration": f"GET {MFA_REPORT} (isMfaRegistered per user; needs Entra ID P1/P2 and "
    "AuditLog.Read.All)",
    "app_credential_sign_in_activity": f"GET beta {CREDENTIAL_REPORT} (last sign-in per credential key id; "
    "needs Entra ID P1/P2 and AuditLog.Read.All)",
    "subscriptions": f"ARM GET /subscriptions?api-version={ARM_VERSION_SUBSCRIPTIONS} (those of this tenant; "
    "only the scope file's when it names any; the whole listing is the discovery record "
    "discovery/provider=azure/source=<tenant>/date=D/subscriptions.json)",
    "role_assignments": "ARM GET /subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments"
    f"?api-version={ARM_VERSION_AUTHORIZATION} per subscription (inherited assignments included)",
    "role_eligibility": "ARM GET /subscriptions/{sub}/providers/Microsoft.Authorization/"
    f"roleEligibilityScheduleInstances?api-version={ARM_VERSION_ELIGIBILITY} per subscription (eligible "
    "assignments of Privileged Identity Management, inherited ones included; needs Entra ID P2)",
    "role_definitions": "ARM GET /subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions"
    f"?api-version={ARM_VERSION_AUTHORIZATION} per subscription (built-in roles once, then "
    "$filter=type eq 'CustomRole')",
    "groups": f"GET /groups?$select={GROUP_FIELDS}",
    "group_members": f"GET /groups/{{id}}/members?$select=id&$top={PAGE} for each group that holds a grant, "
    "and the groups nested in them",
}
