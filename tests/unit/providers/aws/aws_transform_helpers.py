"""Shared helpers for the AWS transform tests: fixture loading, tenants, raw accounts, validation."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from muster.collected import Collected, EntityResult
from muster.config import Tenant
from muster.providers.aws.raw import RawAccount
from muster.providers.aws.transform import ENTITY_FEEDS

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "aws"
ACCOUNT = "123456789012"
DAY = dt.date(2026, 11, 26)
RUN_ID = "test-run"
COLLECTED_AT = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)
BASE = {"provider": "aws", "tenant_id": ACCOUNT, "snapshot_date": DAY}
HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,"
    "access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def _placebo_value(value: object) -> object:
    """placebo stores datetimes as {"__class__": "datetime", ...} (naive UTC); give aware ones back."""
    if isinstance(value, dict):
        if value.get("__class__") == "datetime":
            parts = {k: v for k, v in value.items() if k != "__class__"}
            return dt.datetime(tzinfo=dt.UTC, **parts)
        return {k: _placebo_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_placebo_value(v) for v in value]
    return value


def placebo(session: str, call: str) -> dict:
    """The ``data`` of one recorded custodian call, e.g. placebo("test_iam_user_console_old", "iam.ListUsers_1")."""
    data = json.loads((FIXTURES / "custodian" / session / f"{call}.json").read_text())["data"]
    return _placebo_value(data)


def cloudmapper_gaad() -> dict:
    return json.loads((FIXTURES / "cloudmapper" / "iam-get-account-authorization-details.json").read_text())


def cloudmapper_report() -> str:
    return (FIXTURES / "cloudmapper" / "iam-get-credential-report.csv").read_text()


def cartography_roles() -> list[dict]:
    """The roles of cartography's IAM test data (ListRoles items), in file order: an IAM Identity Center
    role, a SAML-only role, a role trusting accounts and SAML, workload roles. A role whose ARN an earlier
    file already has is left out (the files are separate hand-made accounts; one account has one role per
    ARN)."""
    folder = FIXTURES / "cartography"
    roles = json.loads((folder / "roles.json").read_text())["ROLES"]["Roles"]
    roles += json.loads((folder / "iam_init.json").read_text())["LIST_ROLES"]["Roles"]
    more = json.loads((folder / "user_policies.json").read_text())["GET_ROLE_LIST_DATA"]["Roles"]
    return roles + [r for r in more if r["Arn"] not in {x["Arn"] for x in roles}]


def gaad_role(item: dict) -> dict:
    """A ListRoles item as GAAD's RoleDetailList has it: the same fields, and the lists GAAD adds."""
    extra = {"InstanceProfileList": [], "RolePolicyList": [], "AttachedManagedPolicies": [], "Tags": []}
    return {**extra, **item}


def tenant(account: str = ACCOUNT, **kwargs) -> Tenant:
    return Tenant(provider="aws", id=account, **kwargs)


def user(name: str, user_id: str | None = None, account: str = ACCOUNT, **fields) -> dict:
    """A GAAD UserDetailList entry with the fields real exports always carry."""
    item = {
        "UserName": name,
        "UserId": user_id or f"AIDA{name.upper().replace('-', '')[:16]:0<16}",
        "Arn": f"arn:aws:iam::{account}:user/{name}",
        "Path": "/",
        "CreateDate": "2020-01-01T00:00:00+00:00",
        "GroupList": [],
        "AttachedManagedPolicies": [],
        "Tags": [],
    }
    item.update(fields)
    return item


def gaad(users=(), roles=(), groups=(), policies=()) -> dict:
    return {
        "UserDetailList": list(users),
        "RoleDetailList": list(roles),
        "GroupDetailList": list(groups),
        "Policies": list(policies),
    }


def report_row(name: str, account: str = ACCOUNT, **cells: str) -> str:
    """One credential-report line: a user with nothing (override cells by column name)."""
    values = dict.fromkeys(HEADER.split(","), "N/A")
    values.update(
        user=name,
        arn=f"arn:aws:iam::{account}:user/{name}"
        if name != "<root_account>"
        else f"arn:aws:iam::{account}:root",
        user_creation_time="2020-01-01T00:00:00+00:00",
        password_enabled="false",
        mfa_active="false",
        access_key_1_active="false",
        access_key_2_active="false",
        cert_1_active="false",
        cert_2_active="false",
    )
    values.update(cells)
    return ",".join(values.values())


def report(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def entities(*names: str) -> list[EntityResult]:
    """Complete entities as the extract side would record them."""
    return [EntityResult(n, ENTITY_FEEDS[n]) for n in names]


def raw_account(
    details: dict, report_text: str | None = None, account: str = ACCOUNT, **kwargs
) -> RawAccount:
    names = ["authorization_details", "credential_report", *kwargs.pop("extra_entities", ())]
    return RawAccount(
        account_id=account,
        authorization_details=details,
        credential_report=report_text,
        entities=entities(*names),
        **kwargs,
    )


def validated(collected: Collected) -> dict:
    """Every Collected a test produces must pass strict schema validation."""
    return collected.tables(RUN_ID, COLLECTED_AT)


def by(rows: list[dict], key: str) -> dict:
    out = {r[key]: r for r in rows}
    assert len(out) == len(rows), f"duplicate {key}"
    return out


def entity(collected: Collected, name: str) -> EntityResult:
    found = [e for e in collected.entities if e.entity == name]
    assert len(found) == 1, f"entity {name}: {found}"
    return found[0]


def strip(row: dict) -> dict:
    """A row without the provenance columns (those are asserted by their own test)."""
    return {k: v for k, v in row.items() if k not in BASE}
