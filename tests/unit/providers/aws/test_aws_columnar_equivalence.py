"""The column-wise AWS path gives exactly the tables of the row path it replaces for the bulk of users.

The reference is the row path itself (``_Users.add_row``, ``_role``), which still handles every user and role
the columnar path does not take: forcing every item through it (``transform.COLUMNAR = False``) must give
identical Arrow tables (schema metadata included) and identical collection messages, on every AWS fixture,
on a synthetic account full of quirks and on synthetic accounts whose principals hold policies in many ways
(``varied_account``: every privilege verdict, trust policies naming users, bad documents, duplicate ids),
under the default rules and a scope file that uses every rule. The credential report's columnar reader is
compared with its line-by-line reader the same way.
"""

import datetime as dt
import sys
from pathlib import Path

import pytest
from aws_transform_helpers import (
    FIXTURES,
    cloudmapper_gaad,
    cloudmapper_report,
    placebo,
    raw_account,
    tenant,
)
from muster.providers.aws import credential_report as cr
from muster.providers.aws import transform

sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "bench"))
from synthetic import quirky_account, varied_account  # noqa: E402

DAY = dt.date(2026, 11, 26)
AT = dt.datetime(2026, 11, 26, 3, tzinfo=dt.UTC)
REPORTS = sorted(
    p.parent.name + "/" + p.stem for p in (FIXTURES / "custodian").glob("*/iam.GetCredentialReport_*.json")
)


def _custodian(session_call: str):
    """A raw account from one recorded session: its users (ListUsers, or the report's own) and report."""
    session, call = session_call.split("/")
    text = placebo(session, call)["Content"]
    parsed = cr.parse_credential_report(text)
    account = next(a.split(":")[4] for a in parsed.arns if a.split(":")[4])
    users = [
        {"UserName": n, "UserId": f"AIDATEST{i:013d}", "Arn": parsed.arn_by_name[n], "Path": "/"}
        for i, n in enumerate(sorted(parsed.arn_by_name))
        if n != cr.ROOT_USER
    ]
    if (FIXTURES / "custodian" / session / "iam.ListUsers_1.json").exists():
        listed = placebo(session, "iam.ListUsers_1")["Users"]
        users = [u for u in users if u["UserName"] not in {x["UserName"] for x in listed}] + listed
    details = {"UserDetailList": users, "RoleDetailList": [], "GroupDetailList": [], "Policies": []}
    return raw_account(details, text, account=account)


ACCOUNTS = {
    "cloudmapper": lambda: raw_account(cloudmapper_gaad(), cloudmapper_report()),
    **{f"custodian/{r}": (lambda r=r: _custodian(r)) for r in REPORTS},
    "quirky": lambda: quirky_account(400, 40),
    **{f"varied/{seed}": (lambda seed=seed: varied_account(300, 60, seed=seed)) for seed in (1, 2, 3)},
}
#: A scope file that uses every classification and ownership rule.
RULES = {
    "identity_overrides": {"u-000005": "nhi", "svc-000012": "human"},
    "owners": {"u-000004": "carol"},
    "owner_tag_keys": ("Owner", "owner"),
    "classification": {"service_name_patterns": [r"^app-", r"-0000[1-3]\d$"]},
}


def _both(raw, **scope):
    """(columnar result, row-only result) of one raw account."""
    columnar = transform.transform_account(raw, tenant(raw.account_id, **scope), DAY)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(transform, "COLUMNAR", False)
        rows = transform.transform_account(raw, tenant(raw.account_id, **scope), DAY)
    return columnar, rows


@pytest.mark.parametrize("scope", [{}, RULES], ids=["default", "rules"])
@pytest.mark.parametrize("name", sorted(ACCOUNTS))
def test_columnar_and_row_paths_give_identical_tables(name, scope):
    columnar, rows = _both(ACCOUNTS[name](), **scope)
    got, want = columnar.tables("run", AT), rows.tables("run", AT)
    assert list(got) == list(want)
    for table in want:
        assert got[table].schema.metadata == want[table].schema.metadata
        assert got[table].equals(want[table], check_metadata=True), table
    assert columnar.entities == rows.entities


def test_the_quirky_account_really_takes_both_paths():
    raw = quirky_account(400, 40)
    rows = []
    original = transform._Users.add_row
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            transform._Users, "add_row", lambda self, i, user: rows.append(i) or original(self, i, user)
        )
        collected = transform.transform_account(raw, tenant(raw.account_id), DAY)
    users = raw.authorization_details["UserDetailList"]
    assert 0 < len(rows) < len(users)
    statuses = {e.entity: e.status for e in collected.entities}
    assert statuses["credential_report"] == statuses["authorization_details"] == "partial"


def test_the_varied_account_takes_both_paths_for_users_and_roles():
    raw = varied_account(300, 60, seed=1)
    taken = {"user": [], "role": []}
    add_row, role = transform._Users.add_row, transform._role
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            transform._Users, "add_row", lambda self, i, u: taken["user"].append(i) or add_row(self, i, u)
        )
        mp.setattr(
            transform, "_role", lambda run, book, i, r: taken["role"].append(i) or role(run, book, i, r)
        )
        collected = transform.transform_account(raw, tenant(raw.account_id), DAY)
    details = raw.authorization_details
    assert 0 < len(taken["user"]) < len(details["UserDetailList"]) / 2
    assert 0 < len(taken["role"]) < len(details["RoleDetailList"]) / 2
    grants = {g["privilege"] for g in collected.grants}
    assert grants == {"admin", "escalation", "write", "read", "unknown"}


def test_columnar_rows_read_back_as_the_row_path_wrote_them():
    columnar, rows = _both(quirky_account(60, 5))
    key = lambda r: r["credential_id"]  # noqa: E731
    assert sorted(columnar.credentials, key=key) == sorted(rows.credentials, key=key)
    assert all(r["created_at"] is None or r["created_at"].tzinfo is dt.UTC for r in columnar.credentials)


def _line_by_line(text: str) -> cr.CredentialReport:
    report, names, _ = cr._parse_lines(cr._lines(text.lstrip("\ufeff")))
    report.typed, report.raw = cr._tables(names, report._rows, report._cells)
    return report


def _report_texts() -> dict[str, str]:
    texts = {r: placebo(*r.split("/"))["Content"] for r in REPORTS}
    texts["cloudmapper"] = cloudmapper_report()
    texts["quirky"] = quirky_account(300, 1).credential_report
    return texts


@pytest.mark.parametrize("name", sorted(_report_texts()))
def test_columnar_report_reader_matches_the_line_by_line_reader(name):
    text = _report_texts()[name]
    got, want = cr.parse_credential_report(text), _line_by_line(text)
    assert got.typed.equals(want.typed, check_metadata=True)
    assert got.raw.equals(want.raw)
    assert (got.rows, got.cells, got.arn_by_name) == (want.rows, want.cells, want.arn_by_name)
    assert (got.errors, got.ambiguous) == (want.errors, want.ambiguous)
    assert (got.unknown_columns, got.missing_columns, got.index) == (
        want.unknown_columns,
        want.missing_columns,
        want.index,
    )
