"""Revocation latency: from the owner's offboarding (matched across every provider's tenants) to each of
the owned NHI's credentials being revoked; open ones count the days so far. And incremental == scratch."""

import shutil

from ledger_world import A, B, D, World, finding, key, nhi, person
from muster.ledger import derive_ledger
from muster.schema import FINDINGS, to_table
from muster.snapshot import DerivedStore

SVC = nhi("P1", "svc-billing", owner="Dana.Kim@acme.example")


def records(world, ref) -> dict:
    return {
        r["credential_id"]: (
            r["offboarded_on"],
            r["offboarding"],
            r["revoked_on"],
            r["revocation"],
            r["days"],
        )
        + (r["within_sla"], r["state"])
        for r in world.ledger(ref, "revocation_latency")
    }


def scenario(world: World, dana_elsewhere: bool = False) -> None:
    """dana.kim (tenant B) is disabled on D1; her NHI in tenant A has three keys: K1 stays active, K2 is
    deactivated on D2, K0 was deactivated before she left."""
    keys = [key("K0", "P1", "inactive"), key("K1", "P1"), key("K2", "P1")]
    later = [key("K0", "P1", "inactive"), key("K1", "P1"), key("K2", "P1", "inactive")]
    other = [person("H9", "dana.kim")] if dana_elsewhere else []
    world.day(B, D[0], [person("H1", "dana.kim")])
    world.day(B, D[1], [person("H1", "dana.kim", enabled=False)])
    world.day(B, D[3], [person("H1", "dana.kim", enabled=False)])
    world.day(A, D[0], [SVC, *other], keys)
    world.day(A, D[1], [SVC, *other], keys)
    world.day(A, D[2], [SVC, *other], later, [finding("nhi_owner_left", "P1")])
    world.day(A, D[3], [SVC, *other], later, [finding("nhi_owner_left", "P1")])


def derive_all(world):
    for ref in sorted(world.store.list_snapshots(), key=lambda r: (r.snapshot_date, r.tenant_id)):
        derive_ledger(world.root, ref)


def test_latency_per_credential_open_and_revoked(world):
    scenario(world)
    derive_all(world)
    assert records(world, world.store.list_snapshots("aws", A)[-1]) == {
        "K1": (D[1], "disabled", None, None, 2, False, "open"),
        "K2": (D[1], "disabled", D[2], "deactivated", 1, True, "revoked"),
    }
    [row] = [
        r
        for r in world.ledger(world.store.list_snapshots("aws", A)[-1], "revocation_latency")
        if r["days"] == 2
    ]
    assert row["owner_principals"] == [f"aws/{B}/H1"]
    assert row["sentence"] == (
        f"Access key created 2025-01-01 09:00 UTC of svc-billing in {A} is still active 2 days after its owner "
        "Dana.Kim@acme.example was offboarded (disabled, first seen 2026-11-03); the SLA is 1 day, breached."
    )


def test_before_the_offboarding_there_is_nothing_to_revoke(world):
    scenario(world)
    derive_all(world)
    assert records(world, world.store.list_snapshots("aws", A)[0]) == {}


def test_an_owner_still_enabled_in_another_tenant_has_not_left(world):
    scenario(world, dana_elsewhere=True)
    derive_all(world)
    assert records(world, world.store.list_snapshots("aws", A)[-1]) == {}


def test_incremental_and_from_scratch_give_identical_bytes(world, tmp_path):
    scenario(world)
    copy = str(tmp_path / "copy")
    shutil.copytree(world.root, copy)
    derive_all(world)  # each day resumes from the previous day's ledger
    scratch = sorted(world.store.list_snapshots(), key=lambda r: (r.snapshot_date, r.tenant_id))
    for ref in scratch:
        derive_ledger(copy, ref, incremental=False)
    resumed = [DerivedStore(world.root).manifest("ledger", r) for r in scratch]
    fresh = [DerivedStore(copy).manifest("ledger", r) for r in scratch]
    assert [m["params"]["resumed_from"] for m in resumed if m["tenant_id"] == A] == [
        None,
        "2026-11-02",
        "2026-11-03",
        "2026-11-04",
    ]
    assert [m["tables"] for m in resumed] == [m["tables"] for m in fresh]
    assert [m["inputs"] for m in resumed] == [m["inputs"] for m in fresh]


def test_changed_earlier_findings_force_a_fold_from_scratch(world):
    scenario(world)
    derive_all(world)
    refs = world.store.list_snapshots("aws", A)
    # the rules of D2 are re-derived with another result: D3 must not fold on from the stale D2 ledger
    derived = DerivedStore(world.root)
    derived.write("findings", refs[2], {"findings": (FINDINGS, to_table(FINDINGS, []))}, inputs={})
    manifest = derive_ledger(world.root, refs[3])
    assert manifest["params"]["resumed_from"] is None
    [row] = world.ledger(refs[3], "finding_history")
    assert (row["first_seen"], row["days_observed"]) == (D[3], 1)


# -- owners in another provider's directory (people sign in through Entra ID or Google) ----------------
ENTRA, GOOGLE = "7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6", "acme-payments-prd"
OWNED = nhi("P1", "svc-billing", owner="dana.kim@acme.example")


def sso_scenario(world: World, namesake: bool = False) -> None:
    """dana.kim@acme.example is an Entra user, disabled on D1; her service user in AWS tenant A keeps its
    key. With `namesake`, dana.kim@contractor.example stays enabled in Google (GCP)."""
    world.day(ENTRA, D[0], [person("E1", "dana.kim@acme.example")], provider="azure")
    world.day(ENTRA, D[1], [person("E1", "Dana.Kim@acme.example", enabled=False)], provider="azure")
    if namesake:
        for d in D[:3]:
            world.day(
                GOOGLE,
                d,
                [person("user:dana.kim@contractor.example", "dana.kim@contractor.example")],
                provider="gcp",
            )
    for d in D[:3]:
        world.day(A, d, [OWNED], [key("K1", "P1")])


def test_an_aws_key_of_an_owner_disabled_in_entra_is_an_open_revocation(world):
    sso_scenario(world)
    derive_all(world)
    last = world.store.list_snapshots("aws", A)[-1]
    assert records(world, last) == {"K1": (D[1], "disabled", None, None, 1, True, "open")}
    [row] = world.ledger(last, "revocation_latency")
    assert row["owner_principals"] == [f"azure/{ENTRA}/E1"]
    # the Entra tenant's snapshots are named among the ledger's inputs
    assert f"snapshot azure/{ENTRA}/{D[1]}" in world.derived.manifest("ledger", last)["inputs"]


def test_a_namesake_in_another_domain_does_not_hide_the_offboarding(world):
    sso_scenario(world, namesake=True)
    derive_all(world)
    last = world.store.list_snapshots("aws", A)[-1]
    assert records(world, last) == {"K1": (D[1], "disabled", None, None, 1, True, "open")}


def test_an_owner_without_domain_matching_two_people_only_offboards_when_both_left(world):
    owned = nhi("P1", "svc-billing", owner="dana.kim")
    world.day(ENTRA, D[0], [person("E1", "dana.kim@acme.example", enabled=False)], provider="azure")
    world.day(GOOGLE, D[0], [person("G1", "dana.kim@contractor.example")], provider="gcp")
    world.day(A, D[0], [owned], [key("K1", "P1")])
    world.day(ENTRA, D[1], [person("E1", "dana.kim@acme.example", enabled=False)], provider="azure")
    world.day(GOOGLE, D[1], [person("G1", "dana.kim@contractor.example", enabled=False)], provider="gcp")
    world.day(A, D[1], [owned], [key("K1", "P1")])
    derive_all(world)
    first, last = world.store.list_snapshots("aws", A)
    assert records(world, first) == {}  # one of the two is still enabled: nobody can be said to have left
    assert records(world, last) == {"K1": (D[1], "disabled", None, None, 0, True, "open")}
    [row] = world.ledger(last, "revocation_latency")
    assert row["owner_principals"] == [f"azure/{ENTRA}/E1", f"gcp/{GOOGLE}/G1"]


def test_a_past_day_reads_the_other_providers_only_up_to_that_day(world, tmp_path):
    """Re-deriving D1 after later Entra days were sealed reads the same inputs and gives the same bytes."""
    world.day(ENTRA, D[0], [person("E1", "dana.kim@acme.example")], provider="azure")
    world.day(ENTRA, D[1], [person("E1", "dana.kim@acme.example", enabled=False)], provider="azure")
    first = world.day(A, D[1], [OWNED], [key("K1", "P1")])
    before = derive_ledger(world.root, first)
    world.day(ENTRA, D[2], [], provider="azure")  # a later Entra day: never read for D1
    again = derive_ledger(world.root, first)
    assert again["inputs"] == before["inputs"] and again["tables"] == before["tables"]
    assert not any(k.endswith(str(D[2])) for k in again["inputs"])
