"""Offline import of AWS CLI exports: the same snapshot as live collection, without reaching AWS.

For organisations whose Airflow cannot reach AWS, and for an auditor re-performing a population. Inputs:

* ``aws iam get-account-authorization-details > gaad.json`` (the CLI pages and merges; dates are strings);
* optionally ``aws iam get-credential-report > report.json`` (``Content`` base64, ``GeneratedTime``) or its
  decoded CSV.

The exports are turned into a ``RawAccount`` and handed to the same ``transform_account`` as live collection.
What only the API could tell (per-user fallbacks, SSH keys, service-specific credentials) is recorded as not
collected, never as empty.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from pathlib import Path

from ...collected import Collected, EntityResult
from ...config import Tenant
from .raw import RawAccount
from .report_lines import parse_time
from .transform import ENTITY_FEEDS, transform_account

NO_API = "offline import: no API available"
NOT_SUPPLIED = "not supplied to the import"
GAAD_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
#: Entities that only the live API can fill. Access keys are not among them: the credential report
#: covers them; users it does not cover make the (otherwise complete) access_keys entity partial in
#: the transform, so a complete import still vouches for every access key.
API_ONLY = ("ssh_public_keys", "service_specific_credentials")


class ExportError(ValueError):
    """An export file cannot be used; the message names the file and the field."""


def _read(path: str | Path, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ExportError(f"{what} {path}: not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ExportError(f"{what} {path}: cannot be read: {type(e).__name__}") from None


def _json(text: str, path: str | Path, what: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ExportError(f"{what} {path}: not valid JSON ({e.msg} at line {e.lineno})") from None
    if not isinstance(data, dict):
        raise ExportError(f"{what} {path}: expected a JSON object at top level, got {type(data).__name__}")
    return data


def load_authorization_details(path: str | Path) -> dict:
    """The JSON of ``aws iam get-account-authorization-details``; raises ExportError naming file and field."""
    data = _json(_read(path, "authorization details"), path, "authorization details")
    present = [f for f in GAAD_LISTS if f in data]
    if not present:
        raise ExportError(
            f"authorization details {path}: none of the fields {', '.join(GAAD_LISTS)}: "
            "not a get-account-authorization-details export"
        )
    for field in present:
        if not isinstance(data[field], list):
            raise ExportError(f"authorization details {path}: field {field} is not a list")
    return data


def load_credential_report(path: str | Path) -> tuple[str, dt.datetime | None]:
    """(CSV text, GeneratedTime): from the decoded CSV, or from the JSON of ``aws iam get-credential-report``."""
    text = _read(path, "credential report")
    if not text.lstrip().startswith("{"):
        return text, None
    data = _json(text, path, "credential report")
    content = data.get("Content")
    if not isinstance(content, str) or not content:
        raise ExportError(f"credential report {path}: field Content is missing or not a string")
    try:
        generated = parse_time(data.get("GeneratedTime"))
    except (ValueError, TypeError):
        raise ExportError(f"credential report {path}: field GeneratedTime is not an ISO-8601 date") from None
    return _content(content, path), generated


def _content(content: str, path: str | Path) -> str:
    """The CLI gives Content base64-encoded; some tools store the CSV itself (it is never valid base64)."""
    try:
        return base64.b64decode(content, validate=True).decode("utf-8-sig")
    except (binascii.Error, ValueError):
        if "arn" in content.partition("\n")[0].lower():
            return content
        raise ExportError(f"credential report {path}: field Content is neither base64 nor CSV") from None


def import_exports(
    authorization_details: dict,
    credential_report: str | None,
    tenant: Tenant,
    snapshot_date: dt.date,
    report_generated: dt.datetime | None = None,
) -> Collected:
    """Normalise exported IAM data of ``tenant``'s account exactly as live collection would."""
    _check_account(authorization_details, tenant.id)
    raw = RawAccount(
        account_id=tenant.id,
        authorization_details=authorization_details,
        credential_report=credential_report,
        credential_report_generated=report_generated,
        entities=_entities(tenant.id, authorization_details, credential_report, report_generated),
    )
    return transform_account(raw, tenant, snapshot_date)


def _entities(
    account: str, gaad: dict, report: str | None, generated: dt.datetime | None
) -> list[EntityResult]:
    """The collection ledger an import can vouch for; the API-only entities are not collected."""
    details = EntityResult(
        "authorization_details",
        ENTITY_FEEDS["authorization_details"],
        items=sum(len(gaad[f]) for f in GAAD_LISTS if isinstance(gaad.get(f), list)),
    )
    if gaad.get("IsTruncated"):
        details.fail(
            f"account {account}: authorization_details: the export is truncated (IsTruncated is true): later pages are missing; "
            "export again without --max-items / --no-paginate",
            "partial",
        )
    entities = [details, _report_entity(account, report, generated)]
    if report is not None:
        entities.append(EntityResult("access_keys", ENTITY_FEEDS["access_keys"]))
    for name in API_ONLY:
        error = f"account {account}: {name}: {NO_API}"
        entities.append(EntityResult(name, ENTITY_FEEDS[name], status="not_collected", error=error))
    return entities


def _report_entity(account: str, report: str | None, generated: dt.datetime | None) -> EntityResult:
    entity = EntityResult("credential_report", ENTITY_FEEDS["credential_report"], source_as_of=generated)
    if report is None:
        entity.status, entity.error = "not_collected", f"account {account}: credential_report: {NOT_SUPPLIED}"
    else:
        entity.items = sum(1 for line in report.splitlines()[1:] if line.strip())
    return entity


def _check_account(gaad: dict, account_id: str) -> None:
    """Refuse an export whose ARNs name another account (the offline twin of the live caller check)."""
    for field in GAAD_LISTS:
        items = gaad.get(field)
        for item in items if isinstance(items, list) else ():  # the transform reports a field not a list
            arn = item.get("Arn") if isinstance(item, dict) else None
            parts = arn.split(":", 5) if isinstance(arn, str) else []
            if len(parts) == 6 and parts[4].isdigit() and parts[4] != account_id:
                raise ExportError(
                    f"authorization details: {field} entry {arn} belongs to account {parts[4]}, "
                    f"not to tenant {account_id}"
                )
