"""SHA-256 of every table the Azure collector produces on fixed inputs, to check that a change keeps the bytes.

Cases (each printed as one line per table: case, table, rows, SHA-256 of the Parquet bytes the store writes):

* ``synthetic``: a seeded tenant of a few thousand objects (bench/azure_fake_server.py's shapes) with quirks
  added (duplicate ids, missing names and app ids, service-principal owners, bad dates), served by the fake
  with small pages so that every population spans several pages;
* ``demo-dN``: the sandbox demo scenario's Entra tenant on day N, served by the fake;
* ``demo-faults``: the demo tenant with ARM denied, no licence, no beta reports and applications throttled;
* ``fixture-*``: the transform alone on the reference fixtures of tests/fixtures/azure.

    .venv/bin/python bench/azure_digest.py > /tmp/azure-digest.txt
    .venv/bin/python bench/azure_digest.py --save /tmp/azure-tables   # also writes case/table.parquet
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

import azure_fake_server  # noqa: I001 - bench/ helper, on sys.path as the script's folder
from muster.collected import EntityResult
from muster.config import Tenant
from muster.providers.azure.collect import collect_tenant
from muster.providers.azure.populations import FEEDS
from muster.providers.azure.raw import RawTenant
from muster.providers.azure.tokens import static
from muster.providers.azure.transform import transform_tenant
from muster.sandbox import azure
from muster.sandbox.azure_fake import AzureFake
from muster.sandbox.azure_world import Fault, World
from muster.sandbox.scenario import builtin, state_on
from muster.snapshot.encoding import parquet_bytes

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "azure"
RUN = "digest"
AT = dt.datetime(2026, 11, 2, 3, 30, tzinfo=dt.UTC)


SAVE: Path | None = None


def digest(case: str, collected) -> list[str]:
    lines = []
    for name, tbl in sorted(collected.tables(RUN, AT).items()):
        data = parquet_bytes(tbl)
        lines.append(f"{case:<22} {name:<17} {tbl.num_rows:>6} {hashlib.sha256(data).hexdigest()}")
        if SAVE is not None:
            (SAVE / case).mkdir(parents=True, exist_ok=True)
            (SAVE / case / f"{name}.parquet").write_bytes(data)
    return lines


def quirky(w: World) -> World:
    """Objects that take the transform's unusual paths."""
    sp0, app0, user0 = w.service_principals[0], w.applications[0], w.users[0]
    w.service_principals += [
        {**sp0, "displayName": "duplicate id"},  # same id: skipped, entity partial
        {"id": "sp-noname", "appId": "app-noname", "servicePrincipalType": "Legacy", "accountEnabled": False},
        {
            "id": "sp-noapp",
            "displayName": "no app id",
            "passwordCredentials": [{"keyId": "k1"}, {"keyId": "k1"}],
        },
        {"id": user0["id"], "displayName": "same id as a user"},
        {"id": "sp-baddate", "displayName": "bad", "keyCredentials": [{"keyId": "k", "endDateTime": "soon"}]},
    ]
    w.applications += [
        {"id": "app-noappid", "displayName": "no app id"},
        {"id": "app-noname", "appId": "app-noname", "passwordCredentials": "not a list"},
        {**app0, "id": "app-dup-appid"},
    ]
    w.owners["sp-noname"] = [sp0["id"], "not-listed"]
    w.owners[w.service_principals[1]["id"]] = [user0["id"]]
    w.owners["app-noname"] = ["sp-noname"]
    w.federated[app0["id"]] = [
        {"id": "f1", "issuer": "https://issuer", "subject": "repo:x"},
        {"name": "no id"},
    ]
    w.sp_sign_in = [
        {"appId": sp0["appId"], "lastSignInActivity": {"lastSignInDateTime": "2026-10-31T00:00:00Z"}},
        {"appId": "app-noname", "lastSignInActivity": {"lastSignInDateTime": "yesterday"}},
    ]
    return w


def collect(world: World, now: dt.datetime, **tenant) -> object:
    with AzureFake(world) as fake:
        import os

        os.environ.update(MUSTER_GRAPH_URL=fake.url, MUSTER_ARM_URL=fake.url)
        return collect_tenant(
            Tenant(provider="azure", id=world.tenant_id, **tenant),
            now.date(),
            tokens=static("digest"),
            now=lambda: now,
            sleep=lambda s: None,
        )


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def raw(**fields) -> RawTenant:
    base = dict(
        users=[],
        service_principals=[],
        applications=[],
        federated={},
        directory_role_definitions=[],
        directory_role_assignments=[],
        app_role_resources=[],
        app_role_assignments=[],
        sp_sign_in=[],
        users_sign_in=True,
    )
    entities = [EntityResult(e, FEEDS[e]) for e in FEEDS if e not in ("role_assignments", "role_definitions")]
    return RawTenant(
        tenant_id="02b2b7cc-fb03-4324-bf6b-eb207b39c479",
        observed_at=AT,
        caller="digest",
        entities=entities,
        **{**base, **fields},
    )


def fixture_cases() -> dict[str, RawTenant]:
    rbac, roles = fixture("cartography_rbac.json"), fixture("cartography_directory_roles.json")
    app_roles = fixture("scubagear_appRoleAssignedTo.json")
    apps = fixture("scubagear_applications.json")["value"]
    sub = rbac["subscription"]["subscriptionId"]
    return {
        "fixture-scubagear": raw(
            service_principals=fixture("scubagear_servicePrincipals.json")["value"],
            applications=apps,
            federated={apps[0]["id"]: fixture("scubagear_federatedIdentityCredentials.json")["value"]},
            app_role_resources=app_roles["resources"]["value"],
            app_role_assignments=app_roles["appRoleAssignedTo"]["value"],
        ),
        "fixture-cartography": raw(
            users=rbac["users"]["value"] + fixture("cartography_users.json")["value"],
            service_principals=rbac["servicePrincipals"]["value"],
            directory_role_definitions=roles["roleDefinitions"]["value"],
            directory_role_assignments=roles["roleAssignments"]["value"],
            subscriptions=[rbac["subscription"]],
            arm_definitions={sub: rbac["roleDefinitions"]["value"]},
            arm_assignments={sub: rbac["roleAssignments"]["value"]},
            users_sign_in=False,
        ),
    }


def main() -> int:
    global SAVE
    p = argparse.ArgumentParser()
    p.add_argument("--save", type=Path, help="also write each case's tables as Parquet under this folder")
    SAVE = p.parse_args().save
    lines: list[str] = []
    w = quirky(azure_fake_server.synthetic(3000, 2000, 1000))
    w.page_size = 333
    lines += digest("synthetic", collect(w, AT))
    scenario = builtin("demo")
    for day in (0, 8, 12):
        state = state_on(scenario, day)
        world = azure.world_of(state.azure.tenants[0], state.observed_at)
        world.page_size = 2
        lines += digest(f"demo-d{day}", collect(world, state.observed_at))
    state = state_on(scenario, 0)
    world = azure.world_of(state.azure.tenants[0], state.observed_at)
    sub = state.azure.tenants[0].subscriptions[0].id
    world.licensed, world.sp_sign_in, world.app_credential_sign_in = False, None, None
    world.faults = [Fault(f"/subscriptions/{sub}/providers", 403), Fault("/v1.0/applications", 429)]
    lines += digest("demo-faults", collect(world, state.observed_at))
    for case, r in fixture_cases().items():
        lines += digest(case, transform_tenant(r, Tenant(provider="azure", id=r.tenant_id), AT.date()))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
