"""Two Graph reports that complete rows of other listings: users' MFA registration and the last sign-in of
each application credential. Each is one streamed listing (a ``Stage``, stage.py), read page by page.

* ``user_mfa_registration``: v1.0 ``reports/authenticationMethods/userRegistrationDetails`` (needs Entra ID
  P1/P2 and AuditLog.Read.All). A user's ``mfa_enabled`` is its ``isMfaRegistered``; a user missing from the
  report, a value that is not a boolean, or a report that was not read leaves it null (unknown, never false).
  The report is refreshed periodically, not live: its latest ``lastUpdatedDateTime`` is the entity's
  ``source_as_of``. It has a record per user, so it is kept as two Arrow columns (ids, flags), not a dict per
  user, and joined into the sorted principals columns once every listing is in.
* ``app_credential_sign_in_activity``: beta ``reports/appCredentialSignInActivities``, one entry per key id
  and origin. An entry names its credential as the credentials table does (credential_id is
  ``{holder}/{kind}/{key id}``): the holder is ``appObjectId`` for a credential of an application
  (``credentialOrigin`` application) and ``servicePrincipalObjectId`` for one of a service principal; the kind
  comes from ``keyType``. Listed before the service principals and applications, it is looked up as their
  credential rows are made (credentials.py) and dropped before the tables are built: a join at the end would
  add a second last_used_source column (its strings decoded) on top of the finished credentials table, the
  collection's peak (at 100k service principals, 60 MB against 10 MB for the lookup). A credential with no
  entry, or with an entry without a date, has no reported sign-in; that is not "never used" (the report
  covers recent activity, for how long is not documented), so the rules read it as unknown.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from . import shapes
from .links import USER_KINDS
from .stage import Stage

if TYPE_CHECKING:  # pragma: no cover - type names only
    from .transform import Run

MFA_ENTITY = "user_mfa_registration"
CREDENTIAL_ENTITY = "app_credential_sign_in_activity"
#: credentials.last_used_source of a credential with a sign-in in the report.
CREDENTIAL_SIGN_IN_SOURCE = "beta:appCredentialSignInActivities.signInActivity.lastSignInDateTime"
#: ... of a credential without one, and of every credential when the report was not read (both unknown).
NO_CREDENTIAL_SIGN_IN = "appCredentialSignInActivities: no sign-in reported"
CREDENTIAL_REPORT_MISSING = "unknown: appCredentialSignInActivities (beta) not collected"
#: keyType -> credentials.kind; credentialOrigin -> the field naming the credential's holder.
KEY_KINDS = {"clientSecret": "client_secret", "certificate": "certificate"}
HOLDERS = {"application": "appObjectId", "servicePrincipal": "servicePrincipalObjectId"}
#: The report's own word for "a value added after this client was written": not ours to read, not an error.
FUTURE = "unknownFutureValue"


class MfaRegistrations(Stage):
    """userRegistrationDetails: user id -> isMfaRegistered, and the latest lastUpdatedDateTime."""

    entity = MFA_ENTITY

    def __init__(self, run: Run) -> None:
        super().__init__(run)
        self.ids: list[pa.Array] = []
        self.registered: list[pa.Array] = []
        self.as_of: dt.datetime | None = None

    def page(self, items: list) -> None:
        ids, registered = [], []
        for i, item in enumerate(items, self.listed):
            if not isinstance(item, dict) or not shapes.text(item, "id"):
                self.fail(self.entity, f"item {i} is not an object with an id")
                continue
            what = f"user {shapes.text(item, 'userPrincipalName') or item['id']}"
            item = shapes.shaped(partial(self.fail, self.entity), what, item, shapes.MFA_REGISTRATION)
            ids.append(item["id"])
            registered.append(item.get("isMfaRegistered"))
            updated = self.time(item.get("lastUpdatedDateTime"), self.entity, what, "lastUpdatedDateTime")
            if updated is not None and (self.as_of is None or updated > self.as_of):
                self.as_of = updated
        self.listed += len(items)
        if ids:
            self.ids.append(pa.array(ids, pa.string()))
            self.registered.append(pa.array(registered, pa.bool_()))

    def commit(self) -> None:
        super().commit()
        self.run.mfa = (_concat(self.ids, pa.string()), _concat(self.registered, pa.bool_()))
        self.run.mfa_as_of = self.as_of


class CredentialSignIns(Stage):
    """appCredentialSignInActivities: credential_id -> last sign-in (the latest, should one repeat)."""

    entity = CREDENTIAL_ENTITY

    def __init__(self, run: Run) -> None:
        super().__init__(run)
        self.used: dict[str, dt.datetime] = {}

    def page(self, items: list) -> None:
        for i, item in enumerate(items, self.listed):
            if not isinstance(item, dict):
                self.fail(self.entity, f"item {i} is not an object")
                continue
            what = f"keyId {item['keyId']}" if shapes.text(item, "keyId") else f"item {i}"
            item = shapes.shaped(partial(self.fail, self.entity), what, item, shapes.CREDENTIAL_SIGN_IN)
            credential_id = self._credential_id(item, what)
            if credential_id is None:
                continue
            activity = item.get("signInActivity") or {}
            when = self.time(
                activity.get("lastSignInDateTime"), self.entity, what, "signInActivity.lastSignInDateTime"
            )
            if when is not None and (credential_id not in self.used or when > self.used[credential_id]):
                self.used[credential_id] = when
        self.listed += len(items)

    def _credential_id(self, item: dict, what: str) -> str | None:
        """``{holder}/{kind}/{keyId}`` of the entry's credential; None when a part is missing or of the wrong
        type (reported), or when the report says the origin or type is one this client does not know yet."""
        key_id, origin, key_type = item.get("keyId"), item.get("credentialOrigin"), item.get("keyType")
        if not isinstance(key_id, str) or not key_id:
            self.fail(self.entity, f"{what} field keyId is not a string")
            return None
        if FUTURE in (origin, key_type):
            return None
        if not isinstance(origin, str) or origin not in HOLDERS:
            self.fail(
                self.entity,
                f"{what} field credentialOrigin is {origin!r}, not application or servicePrincipal",
            )
            return None
        if not isinstance(key_type, str) or key_type not in KEY_KINDS:
            self.fail(self.entity, f"{what} field keyType is {key_type!r}, not clientSecret or certificate")
            return None
        holder = item.get(HOLDERS[origin])
        if not isinstance(holder, str) or not holder:
            self.fail(self.entity, f"{what} field {HOLDERS[origin]} is not a string")
            return None
        return f"{holder}/{KEY_KINDS[key_type]}/{key_id}"

    def commit(self) -> None:
        super().commit()
        self.run.credential_use = self.used


def _concat(chunks: list[pa.Array], type_: pa.DataType) -> pa.Array:
    return pa.concat_arrays(chunks) if chunks else pa.array([], type_)


def settle_mfa(run: Run, c: dict[str, pa.Array]) -> None:
    """Users' mfa_enabled in the sorted principals columns ``c``: isMfaRegistered where the report has the
    user, null otherwise (the others' stays null)."""
    if run.mfa is None or not len(c["principal_id"]):
        return
    ids, registered = run.mfa
    found = registered.take(pc.index_in(c["principal_id"], value_set=ids))
    users = pc.is_in(c["kind"], value_set=pa.array(USER_KINDS, pa.string()))
    c["mfa_enabled"] = pc.if_else(users, found, c["mfa_enabled"])
