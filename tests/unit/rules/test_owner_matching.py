"""Owners are matched to the people of every provider's tenants: an AWS service user owned by an Entra
user who was disabled has a departed owner; a namesake in another domain hides nothing; an owner matching
several people in different states is unknown; re-deriving a past day reads the other providers only up
to that day and gives the same bytes."""

from __future__ import annotations

import datetime as dt
import json

from muster.rules import derive_findings
from muster.schema import COLLECTION, to_table
from muster.snapshot import DerivedStore, SnapshotRef, SnapshotStore
from rules_build import AS_OF, DAY, TENANT, collection, credential, human, principal, tables

YESTERDAY = DAY - dt.timedelta(days=1)
ENTRA = "7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6"
GOOGLE = "acme-payments-prd"


def _seal(store, provider, tenant, day, principals=(), credentials=(), complete=True):
    def at(rows):
        return [{**r, "provider": provider, "tenant_id": tenant, "snapshot_date": day} for r in rows]

    t = tables(at(principals), at(credentials))
    status = None if complete else {"authorization_details": "partial"}
    t["collection"] = to_table(COLLECTION, at(collection(status)))
    when = AS_OF - dt.timedelta(days=(DAY - day).days)
    store.write_snapshot(SnapshotRef(provider, tenant, day), t, run_id="test", collected_at=when)


def _aws_service_user(store, owner, day=DAY):
    _seal(store, "aws", TENANT, day, [principal("S1", "svc-billing", owner=owner)], [credential("C1", "S1")])


def _departed(store, day=DAY) -> list[dict]:
    ref = SnapshotRef("aws", TENANT, day)
    derive_findings(store, ref, None)
    rows = DerivedStore(store).read("findings", ref, "findings").to_pylist()
    return [r for r in rows if r["rule_id"] == "nhi_owner_departed"]


def _entra_user_disabled_today(store, name="dana.kim@acme.example", today_complete=True):
    _seal(store, "azure", ENTRA, YESTERDAY, [human("E1", name)])
    _seal(store, "azure", ENTRA, DAY, [human("E1", name.title(), enabled=False)], complete=today_complete)


def test_an_aws_service_user_whose_owner_was_disabled_in_entra_has_a_departed_owner(tmp_path):
    store = SnapshotStore(str(tmp_path / "store"))
    _entra_user_disabled_today(store)
    _aws_service_user(store, "Dana.Kim@acme.example")
    [f] = _departed(store)
    assert (f["result"], f["entity_id"]) == ("fail", "S1")
    assert f"disabled in azure/{ENTRA} on {DAY}" in f["sentence"] and f"since {DAY}" in f["sentence"]


def test_a_namesake_in_another_domain_does_not_hide_the_departure(tmp_path):
    store = SnapshotStore(str(tmp_path / "store"))
    _entra_user_disabled_today(store, "j.smith@acme.example")
    for day in (YESTERDAY, DAY):  # an active j.smith in Google, of another domain
        _seal(
            store,
            "gcp",
            GOOGLE,
            day,
            [human("user:j.smith@contractor.example", "j.smith@contractor.example")],
        )
    _aws_service_user(store, "j.smith@acme.example")
    [f] = _departed(store)
    assert (f["result"], f["entity_id"]) == ("fail", "S1")
    assert "contractor" not in f["sentence"]


def test_an_owner_without_domain_matching_people_in_different_states_is_unknown(tmp_path):
    store = SnapshotStore(str(tmp_path / "store"))
    _entra_user_disabled_today(store, "j.smith@acme.example")
    for day in (YESTERDAY, DAY):
        _seal(
            store,
            "gcp",
            GOOGLE,
            day,
            [human("user:j.smith@contractor.example", "j.smith@contractor.example")],
        )
    _aws_service_user(store, "j.smith")
    [f] = _departed(store)
    assert (f["result"], f["entity_id"]) == ("unknown", "S1")
    detail = json.loads(f["evidence"])["owner_detail"]
    assert detail.startswith("j.smith matches several people in different states, so who is meant is unknown")
    assert "j.smith@acme.example (departed:" in detail and "j.smith@contractor.example (active:" in detail


def test_an_owner_without_domain_matching_one_person_only_follows_them(tmp_path):
    store = SnapshotStore(str(tmp_path / "store"))
    _entra_user_disabled_today(store)
    _aws_service_user(store, "dana.kim")
    [f] = _departed(store)
    assert (f["result"], f["entity_id"]) == ("fail", "S1")
    assert json.loads(f["evidence"])["owner_detail"].startswith(
        "as dana.kim@acme.example: disabled in azure/"
    )


def test_a_person_missing_from_a_partial_collection_in_another_provider_is_not_departed(tmp_path):
    store = SnapshotStore(str(tmp_path / "store"))
    _seal(store, "azure", ENTRA, YESTERDAY, [human("E1", "dana.kim@acme.example")])
    _seal(store, "azure", ENTRA, DAY, [], complete=False)  # dana.kim not in today's partial collection
    _aws_service_user(store, "dana.kim@acme.example")
    [f] = _departed(store)
    assert (f["result"], f["entity_id"]) == ("unknown", "S1")
    assert f"not in the incomplete collection of azure/{ENTRA}" in f["sentence"]


def test_tenant_ids_of_two_providers_do_not_collide(tmp_path):
    """An AWS account and a GCP project with one id are two tenants: dana.kim, removed from the project
    today, is still enabled on the account's latest day (yesterday), so she has not left."""
    store = SnapshotStore(str(tmp_path / "store"))
    same = "210987654321"
    _seal(store, "aws", same, YESTERDAY, [human("H1", "dana.kim@acme.example")])
    _seal(store, "gcp", same, YESTERDAY, [human("user:dana.kim@acme.example", "dana.kim@acme.example")])
    _seal(store, "gcp", same, DAY, [])
    _aws_service_user(store, "dana.kim@acme.example")
    assert _departed(store) == []


def test_rederiving_a_past_day_reads_other_providers_only_up_to_it_and_gives_the_same_bytes(tmp_path):
    store = SnapshotStore(str(tmp_path / "store"))
    _entra_user_disabled_today(store)
    _aws_service_user(store, "dana.kim@acme.example", YESTERDAY)
    ref = SnapshotRef("aws", TENANT, YESTERDAY)
    first = derive_findings(store, ref, None)
    assert first["inputs"][f"people azure/{ENTRA}/{YESTERDAY}"]  # the Entra tenant is named as a source
    assert not any(str(DAY) in k for k in first["inputs"])
    again = derive_findings(store, ref, None)  # Entra's later day (DAY) exists and is never read for it
    assert again["inputs"] == first["inputs"]
    assert again["tables"]["findings"]["sha256"] == first["tables"]["findings"]["sha256"]
    rows = DerivedStore(store).read("findings", ref, "findings").to_pylist()
    assert not [r for r in rows if r["rule_id"] == "nhi_owner_departed"]  # she was enabled yesterday
