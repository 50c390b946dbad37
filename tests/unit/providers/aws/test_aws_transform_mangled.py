"""Mangled exports: CloudMapper's real account with fields of the wrong type, entries listed twice, odd report
cells. Whatever is mangled, the transform must not raise, its tables must validate, the problem is reported
on the authorization_details or credential_report entity, and no principal whose own item was left alone is
lost.

Each case is a seeded series of mutations, so a failure names a seed that reproduces it. These cases were
found this way: a Path that is a number, an object in GroupList, a policy ARN that is a number, a role or a
managed policy listed twice, a policy attached twice, a user named "None", a report row without a user name.
"""

from __future__ import annotations

import copy
import random

import pytest
from aws_transform_helpers import (
    ACCOUNT,
    DAY,
    cloudmapper_gaad,
    cloudmapper_report,
    entity,
    raw_account,
    tenant,
    validated,
)
from mangle import mangle, paths
from muster.providers.aws.transform import transform_account

REPORT_CELLS = ["", "N/A", "TRUE", "maybe", "2099-13-01T00:00:00+00:00", "2020-02-30T00:00:00+00:00", "x,y"]
LISTS = {"UserDetailList": "UserId", "RoleDetailList": "RoleId"}


def _mutate(details: dict, rnd: random.Random) -> set[tuple]:
    """Mangle ``details`` in place; returns the (list, index) of every top-level item touched."""
    touched = set()
    places = [p for p in paths(details) if len(p) >= 2]
    for _ in range(rnd.randint(1, 4)):
        path = rnd.choice(places)
        if not mangle(details, path, rnd):
            continue
        touched.add(path[:2])
    return touched


def _mutate_report(text: str, rnd: random.Random) -> str:
    lines = text.splitlines()
    for _ in range(rnd.randint(1, 3)):
        i = rnd.randrange(1, len(lines))
        cells = lines[i].split(",")
        j = rnd.randrange(len(cells))
        if rnd.random() < 0.7:
            cells[j] = rnd.choice(REPORT_CELLS)
        else:
            del cells[j]
        lines[i] = ",".join(cells)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(120))
def test_a_mangled_export_is_reported_and_loses_nothing_else(seed):
    rnd = random.Random(seed)
    details = cloudmapper_gaad()
    pristine = copy.deepcopy(details)
    touched = _mutate(details, rnd)
    report = _mutate_report(cloudmapper_report(), rnd) if rnd.random() < 0.5 else cloudmapper_report()

    collected = transform_account(raw_account(details, report), tenant(), DAY)
    validated(collected)  # strict validation of every table: no value of the wrong type, no duplicate key

    gaad = entity(collected, "authorization_details")
    if gaad.status != "complete":
        assert gaad.error.startswith(f"account {ACCOUNT}: authorization_details: ")
    kept = {p["principal_id"] for p in collected.principals}
    for field, id_field in LISTS.items():
        items = details.get(field)
        if not isinstance(items, list):
            continue  # the whole list is unusable: reported as failed
        for i, item in enumerate(pristine[field]):
            if (field, i) not in touched and i < len(items) and items[i] == item:
                assert item[id_field] in kept, f"seed {seed}: {field} item {i} untouched but lost"


def test_a_principal_named_none_is_kept_as_named():
    details = cloudmapper_gaad()
    details["UserDetailList"][0]["UserName"] = "None"
    collected = transform_account(raw_account(details, cloudmapper_report()), tenant(), DAY)
    tables = validated(collected)
    assert "None" in tables["principals"].column("name").to_pylist()


def test_a_role_listed_twice_is_kept_once_and_reported():
    details = cloudmapper_gaad()
    role = details["RoleDetailList"][0]
    details["RoleDetailList"].append(copy.deepcopy(role))
    collected = transform_account(raw_account(details, cloudmapper_report()), tenant(), DAY)
    validated(collected)
    assert [p["principal_id"] for p in collected.principals].count(role["RoleId"]) == 1
    assert (
        f"role {role['RoleName']} (id {role['RoleId']}) is listed twice"
        in entity(collected, "authorization_details").error
    )


def test_a_field_of_the_wrong_type_is_named_and_ignored():
    details = cloudmapper_gaad()
    user = details["UserDetailList"][0]
    user["Path"], user["GroupList"] = 7, [{"not": "a name"}, *user.get("GroupList", [])]
    collected = transform_account(raw_account(details, cloudmapper_report()), tenant(), DAY)
    validated(collected)
    error = entity(collected, "authorization_details").error
    assert f"user {user['UserName']} field Path is not a string: ignored" in error
    assert f"user {user['UserName']} field GroupList[0] is not a string: ignored" in error
    row = next(p for p in collected.principals if p["principal_id"] == user["UserId"])
    assert row["path"] is None
