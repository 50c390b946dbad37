"""derive_findings seals the day's findings from sealed inputs only; re-deriving gives the same bytes; the
owner who left is followed across tenants and days; the CLI prints them."""

import datetime as dt
import json
from pathlib import Path

import pytest
from muster.cli import main
from muster.config import ScopeError, parse_scope
from muster.derive import DeriveError, derive_date
from muster.rules import derive_findings
from muster.schema import COLLECTION, to_table
from muster.snapshot import DerivedStore, SnapshotRef, SnapshotStore
from rules_build import AS_OF, DAY, TENANT, collection, credential, human, principal, tables

OTHER = "210987654321"
SCOPE = parse_scope(
    {
        "soc1_objectives": {"CO-7": "Access to billing data is restricted"},
        "tenants": [
            {"provider": "aws", "id": TENANT, "audit_scope": ["soc1", "soc2"], "soc1_objectives": ["CO-7"]},
            {"provider": "aws", "id": OTHER, "audit_scope": ["soc2"]},
        ],
    }
)


def _retarget(rows, tenant, day):
    return [{**r, "tenant_id": tenant, "snapshot_date": day} for r in rows]


def _seal(store, tenant, day, principals=(), credentials=()):
    t = tables(_retarget(principals, tenant, day), _retarget(credentials, tenant, day))
    t["collection"] = to_table(COLLECTION, _retarget(collection(), tenant, day))
    at = AS_OF - dt.timedelta(days=(DAY - day).days)
    store.write_snapshot(SnapshotRef("aws", tenant, day), t, run_id="test", collected_at=at)


def _store(tmp_path):
    store = SnapshotStore(str(tmp_path / "store"))
    yesterday = DAY - dt.timedelta(days=1)
    # dana.kim works in OTHER yesterday and is gone from its complete snapshot today
    _seal(store, OTHER, yesterday, [human("H1", "dana.kim")])
    _seal(store, OTHER, DAY, [human("H2", "bob")])
    _seal(store, TENANT, DAY, [principal("S1", "svc-billing", owner="dana.kim")], [credential("C1", "S1")])
    return store


def test_derive_findings_seals_a_partition_naming_its_inputs_and_params(tmp_path):
    store = _store(tmp_path)
    ref = SnapshotRef("aws", TENANT, DAY)
    manifest = derive_findings(store, ref, SCOPE)
    assert manifest["kind"] == "findings" and manifest["status"] == "complete"
    # every people source read is named with its chain digest: both tenants, up to the day
    assert set(manifest["inputs"]) == {
        f"snapshot {DAY}",
        "people context",
        f"people aws/{OTHER}/{DAY}",
        f"people aws/{TENANT}/{DAY}",
    }
    assert manifest["params"]["thresholds"]["unused_days"] == 90
    assert manifest["params"]["rules_version"] == "1" and len(manifest["params"]["catalogue_sha256"]) == 64
    findings = DerivedStore(store).read("findings", ref, "findings").to_pylist()
    departed = [r for r in findings if r["rule_id"] == "nhi_owner_departed"]
    assert [(r["result"], r["entity_id"]) for r in departed] == [("fail", "S1")]
    assert (
        f"since {DAY}" in departed[0]["sentence"] and f"removed from aws/{OTHER}" in departed[0]["sentence"]
    )
    assert departed[0]["criteria"] == ["SOC1:CO-7", "SOC2:CC6.2", "SOC2:CC6.3"]


def test_rederiving_gives_byte_identical_findings(tmp_path):
    store = _store(tmp_path)
    ref = SnapshotRef("aws", TENANT, DAY)
    first = derive_findings(store, ref, SCOPE)
    second = derive_findings(store, ref, SCOPE)
    assert first["tables"]["findings"]["sha256"] == second["tables"]["findings"]["sha256"]
    assert second["replaced_manifest_sha256"] is not None


def test_cli_findings_derives_and_prints(tmp_path, capsys):
    store = _store(tmp_path)
    code = main(
        ["findings", "--root", store.root, "--date", DAY.isoformat(), "--tenant", TENANT, "--result", "fail"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "nhi_owner_departed" in out and "svc-billing" in out and "unknown" not in out.split("\n", 1)[1]
    assert main(["findings", "--root", store.root, "--date", "2030-01-01"]) == 2


def _scope_file(tmp_path):
    import yaml

    data = {
        "soc1_objectives": {"CO-7": "Access to billing data is restricted"},
        "tenants": [
            {
                "provider": "aws",
                "id": TENANT,
                "audit_scope": ["soc1", "soc2"],
                "soc1_objectives": ["CO-7"],
                "thresholds": {"unused_days": 30, "revocation_sla_days": 5},
            },
            {"provider": "aws", "id": OTHER, "audit_scope": ["soc2"]},
        ],
    }
    path = tmp_path / "scope.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_rederiving_without_a_scope_keeps_the_recorded_settings(tmp_path, capsys):
    """`muster derive` without --scope after a derivation with it: same criteria, thresholds and SLA."""
    store = _store(tmp_path)
    ref = SnapshotRef("aws", TENANT, DAY)
    derived = DerivedStore(store)
    argv = ["derive", "--root", store.root, "--date", DAY.isoformat(), "--tenant", TENANT]
    assert main([*argv, "--scope", str(_scope_file(tmp_path))]) == 0
    first = {k: derived.manifest(k, ref) for k in ("findings", "ledger")}
    assert main(argv) == 0
    again = {k: derived.manifest(k, ref) for k in ("findings", "ledger")}
    assert again["findings"]["params"] == first["findings"]["params"]
    assert again["findings"]["params"]["thresholds"]["unused_days"] == 30
    assert again["findings"]["tables"] == first["findings"]["tables"]  # byte-identical findings
    assert again["ledger"]["params"]["revocation_sla_days"] == 5
    departed = [
        r["criteria"]
        for r in derived.read("findings", ref, "findings").to_pylist()
        if r["rule_id"] == "nhi_owner_departed"
    ]
    assert departed == [["SOC1:CO-7", "SOC2:CC6.2", "SOC2:CC6.3"]]


def test_a_day_never_derived_gets_the_defaults_without_a_scope(tmp_path):
    store = _store(tmp_path)
    ref = SnapshotRef("aws", TENANT, DAY)
    params = derive_findings(store, ref, None)["params"]
    assert (params["audit_scope"], params["thresholds"]["unused_days"]) == ([], 90)


def test_rederiving_findings_that_recorded_no_settings_is_refused_without_a_scope(tmp_path, capsys):
    from muster.config import ScopeError
    from muster.schema import FINDINGS

    store = _store(tmp_path)
    ref = SnapshotRef("aws", TENANT, DAY)
    DerivedStore(store).write("findings", ref, {"findings": (FINDINGS, to_table(FINDINGS, []))}, inputs={})
    with pytest.raises(
        ScopeError, match=rf"findings of aws:{TENANT} on {DAY} are sealed but record no thresholds"
    ):
        derive_findings(store, ref, None)
    assert main(["derive", "--root", store.root, "--date", DAY.isoformat(), "--tenant", TENANT]) == 2
    assert "re-derive them with the scope file (--scope)" in capsys.readouterr().err


# -- discovered tenants: the organisation that listed them -----------------------------------------
SOC2_ORG, SOC1_ORG = "111111111111", "222222222222"
TWO_ORGS = parse_scope(
    {
        "organizations": [
            {"management_account": SOC2_ORG, "audit_scope": ["soc2"]},
            {"management_account": SOC1_ORG, "audit_scope": ["soc1", "soc2"]},
        ]
    }
)


def _listed(store, source, *tenants, day=DAY):
    """The discovery record plan() leaves: `source`'s organisation put `tenants` on the plan of `day`."""
    path = Path(store.root) / f"discovery/provider=aws/source={source}/date={day}/accounts.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    accounts = [{"Id": t, "Status": "ACTIVE"} for t in tenants]
    record = {"management_account": source, "status": "complete", "accounts": accounts}
    path.write_text(json.dumps(record | {"collected": sorted(tenants), "excluded": []}))


def test_a_discovered_tenant_takes_the_settings_of_the_organisation_that_listed_it(tmp_path):
    store = _store(tmp_path)
    _listed(store, SOC2_ORG, OTHER)
    _listed(store, SOC1_ORG, TENANT)

    mine = derive_findings(store, SnapshotRef("aws", TENANT, DAY), TWO_ORGS)
    other = derive_findings(store, SnapshotRef("aws", OTHER, DAY), TWO_ORGS)

    assert mine["params"]["audit_scope"] == ["soc1", "soc2"]
    assert other["params"]["audit_scope"] == ["soc2"]


def test_a_tenant_listed_by_organisations_that_differ_is_an_error_naming_them(tmp_path):
    store = _store(tmp_path)
    _listed(store, SOC2_ORG, TENANT)
    _listed(store, SOC1_ORG, TENANT)

    with pytest.raises(ScopeError) as e:
        derive_findings(store, SnapshotRef("aws", TENANT, DAY), TWO_ORGS)

    message = str(e.value)
    assert f"tenant aws:{TENANT} is not in the scope file" in message
    assert (
        f"the organisations that listed it (aws:{SOC2_ORG}, aws:{SOC1_ORG}) differ in audit_scope" in message
    )


def test_without_a_discovery_record_organisations_that_differ_are_an_error(tmp_path):
    store = _store(tmp_path)
    _listed(store, SOC1_ORG, TENANT, day=DAY - dt.timedelta(days=1))  # another day's record says nothing

    with pytest.raises(ScopeError, match=rf"tenant aws:{TENANT} .* no discovery record .* audit_scope"):
        derive_findings(store, SnapshotRef("aws", TENANT, DAY), TWO_ORGS)


def test_one_tenant_in_error_does_not_keep_the_others_of_the_date_from_being_derived(tmp_path, capsys):
    store = _store(tmp_path)
    _listed(store, SOC2_ORG, OTHER, TENANT)
    _listed(store, SOC1_ORG, TENANT)
    scope = tmp_path / "scope.yaml"
    scope.write_text(json.dumps(TWO_ORGS.model_dump(mode="json")))

    with pytest.raises(
        DeriveError, match=rf"1 of 2 tenant\(s\) of {DAY} not derived: tenant aws:{TENANT}"
    ) as e:
        derive_date(store.root, DAY, str(scope))

    assert [d["tenant_id"] for d in e.value.derived] == [OTHER]
    assert DerivedStore(store).list("findings") == [SnapshotRef("aws", OTHER, DAY)]
    assert main(["derive", "--root", store.root, "--date", DAY.isoformat(), "--scope", str(scope)]) == 2
    out, err = capsys.readouterr()
    assert f"aws:{OTHER}" in out and f"aws:{TENANT}" not in out
    assert f"tenant aws:{TENANT} is not in the scope file" in err
