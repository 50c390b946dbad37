"""The types the transform expects of Graph / ARM fields; a field of another type is reported and left out.

The transform reads JSON-shaped objects. A field with the wrong type (a number as a displayName, a list as
an appId, an object among a principal's owners) would otherwise surface deep in the transform as a
TypeError that loses the whole tenant, or reach validation as an unwritable value. Here every declared field
is checked where an object enters the transform (``Stage.objects`` for the streamed listings,
``grants.objects`` for the small ones): a field that does not fit is dropped, with a message naming the
object and the field (the entity and tenant are added when the problem is written), and the object goes on
with what is left. Fields not declared here are not read, or are read by code that checks them itself
(dates: ``stage.checked_time``; credential lists: ``credentials.credentials``; permissions:
``privilege.py``), and are left alone.

Shapes: ``str``; ``bool``; a dict (an object with those fields); a one-element list (a list of entries of
that shape; an entry that does not fit is dropped). The checking itself is ``providers/shapes.py``.
"""

from __future__ import annotations

from ..shapes import shaped as shaped
from ..shapes import text as text

_OWNERS = [{"id": str}]
USER = {"userPrincipalName": str, "displayName": str, "userType": str, "accountEnabled": bool}
SERVICE_PRINCIPAL = {
    "appId": str,
    "displayName": str,
    "servicePrincipalType": str,
    "appOwnerOrganizationId": str,
    "accountEnabled": bool,
    "owners": _OWNERS,
    "tags": [str],
    "alternativeNames": [str],
}
APPLICATION = {"appId": str, "displayName": str, "owners": _OWNERS}
GROUP = {
    "displayName": str,
    "mail": str,
    "groupTypes": [str],
    "securityEnabled": bool,
    "isAssignableToRole": bool,
}
SIGN_IN = {"appId": str, "lastSignInActivity": {}}
#: userRegistrationDetails (the id and the dates are checked by their readers, reports.py).
MFA_REGISTRATION = {"userPrincipalName": str, "isMfaRegistered": bool}
#: appCredentialSignInActivities (key id, origin, type and holder ids are checked by reports.py).
CREDENTIAL_SIGN_IN = {"signInActivity": {}}
FEDERATED = {"federatedIdentityCredentials": [{"id": str, "issuer": str, "subject": str}]}
MEMBER = {"id": str, "@odata.type": str}
DIRECTORY_ROLE = {"displayName": str, "description": str, "isBuiltIn": bool}
DIRECTORY_ASSIGNMENT = {
    "principalId": str,
    "roleDefinitionId": str,
    "directoryScopeId": str,
    "appScopeId": str,
}
#: roleEligibilityScheduleInstances (the dates are checked by their reader, eligibility.py).
DIRECTORY_ELIGIBILITY = {**DIRECTORY_ASSIGNMENT, "memberType": str}
APP_ROLE_RESOURCE = {
    "appId": str,
    "displayName": str,
    "appRoles": [{"id": str, "value": str, "description": str}],
}
APP_ROLE_ASSIGNMENT = {"principalId": str, "appRoleId": str, "resourceId": str}
ARM_DEFINITION = {
    "name": str,
    "properties": {"roleName": str, "description": str, "type": str},
}
ARM_ASSIGNMENT = {
    "properties": {
        "principalId": str,
        "roleDefinitionId": str,
        "scope": str,
        "condition": str,
        "conditionVersion": str,
    }
}
ARM_ELIGIBILITY = {"properties": {**ARM_ASSIGNMENT["properties"], "memberType": str}}
