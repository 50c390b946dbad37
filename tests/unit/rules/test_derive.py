"""derive_findings seals the day's findings from sealed inputs only; re-deriving gives the same bytes; the
owner who left is followed across tenants and days; the CLI prints them."""

import datetime as dt

from muster.cli import main
from muster.config import parse_scope
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
