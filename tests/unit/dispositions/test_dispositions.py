"""The dispositions file: validation naming file, entry and field; which entry applies to which finding and
whether it is in force on the findings' as_of; sealing beside the findings (which stay unchanged); the CLI."""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
from pathlib import Path

import pyarrow as pa
import pytest
import yaml
from muster.cli import main
from muster.derive import derive_day
from muster.dispositions import (
    DispositionsError,
    derive_dispositions,
    dispositions_table,
    load_dispositions,
    parse_dispositions,
)
from muster.dispositions.file import Loaded
from muster.schema import FINDINGS, to_table
from muster.snapshot import DerivedStore, SnapshotRef

sys.path.insert(0, str(Path(__file__).parents[1] / "rules"))
from test_derive import SCOPE, TENANT, _scope_file, _store  # noqa: E402

DAY = dt.date(2026, 11, 26)
AS_OF = dt.datetime(2026, 11, 26, 3, 30, tzinfo=dt.UTC)
T = f"aws:{TENANT}"


def entry(**kw) -> dict:
    base = {
        "tenant": T,
        "finding_id": "credential_unused:AKIA1",
        "disposition": "false_positive",
        "justification": "Key of the break-glass user, kept in the safe.",
        "approved_by": "ciso@example.com",
        "approved_on": "2026-11-01",
    }
    return {k: v for k, v in {**base, **kw}.items() if v is not None}


def loaded(*entries: dict, **top) -> Loaded:
    data = {"dispositions": list(entries), **top}
    return Loaded(
        "d.yaml", hashlib.sha256(yaml.safe_dump(data).encode()).hexdigest(), parse_dispositions(data)
    )


def error(*entries: dict, **top) -> str:
    with pytest.raises(DispositionsError) as e:
        parse_dispositions({"dispositions": list(entries), **top}, "d.yaml")
    return str(e.value)


# -- validation -----------------------------------------------------------------------------------------
def test_accepted_risk_needs_an_expiry_and_the_error_names_file_entry_and_field():
    msg = error(entry(), entry(finding_id="credential_unused:AKIA2", disposition="accepted_risk"))
    assert msg.startswith("dispositions file d.yaml: entry 2 (aws:123456789012 credential_unused:AKIA2)")
    assert "expires_on is required for accepted_risk" in msg


def test_a_misspelt_field_is_named_with_its_entry():
    bad = entry()
    bad["justifcation"] = bad.pop("justification")
    msg = error(bad)
    assert (
        "entry 1 (aws:123456789012 credential_unused:AKIA1).justifcation: Extra inputs are not permitted"
        in msg
    )
    assert "entry 1 (aws:123456789012 credential_unused:AKIA1).justification: Field required" in msg


def test_expiry_beyond_the_configured_horizon_is_refused():
    msg = error(entry(disposition="accepted_risk", expires_on="2027-01-01"), max_expiry_days=30)
    assert "entry 1 (aws:123456789012 credential_unused:AKIA1).expires_on: 2027-01-01 is more than " in msg
    assert "max_expiry_days (30)" in msg
    assert parse_dispositions({"dispositions": [entry(disposition="accepted_risk", expires_on="2026-12-01")]})


@pytest.mark.parametrize(
    ("change", "wanted"),
    [
        (
            {"disposition": "ignored"},
            "entry 1 (aws:123456789012 credential_unused:AKIA1).disposition: Input should be",
        ),
        (
            {"tenant": "aws:12345"},
            "(aws:12345 credential_unused:AKIA1).tenant: aws tenant id '12345' must be a 12-digit account id",
        ),
        ({"finding_id": "no_such_rule:X"}, "unknown rule 'no_such_rule'"),
        (
            {"finding_id": None, "rule_id": "credential_unused", "entity_glob": "*"},
            "must start with literal text",
        ),
        ({"finding_id": None, "rule_id": "credential_unused", "entity_glob": "AKIA"}, "entity_glob has no *"),
        ({"rule_id": "credential_unused"}, "finding_id already names the rule"),
        (
            {"approved_on": "2026-12-02", "expires_on": "2026-12-01"},
            "expires_on 2026-12-01 is before approved_on",
        ),
        ({"approved_by": "  "}, ").approved_by: must not be blank"),
    ],
)
def test_invalid_entries_are_refused(change, wanted):
    assert wanted in error(entry(**change))


def test_the_same_selector_twice_for_one_tenant_is_refused():
    msg = error(entry(), entry(disposition="remediation_planned"))
    assert (
        "entry 2 (aws:123456789012 credential_unused:AKIA1).selector: credential_unused:AKIA1 is also entry 1"
        in msg
    )


def test_load_names_the_file_and_hashes_its_bytes(tmp_path):
    path = tmp_path / "dispositions.yaml"
    path.write_text(yaml.safe_dump({"dispositions": [entry()]}))
    got = load_dispositions(path)
    assert got.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() and len(got.entries) == 1
    path.write_text("dispositions: [")
    with pytest.raises(DispositionsError, match=f"dispositions file {path}: not valid YAML"):
        load_dispositions(path)


# -- which entry applies, and whether it is in force on as_of ----------------------------------------------
def findings(*ids_results) -> pa.Table:
    rows = []
    for fid, result in ids_results:
        rule, _, entity = fid.partition(":")
        rows.append(
            {
                "provider": "aws",
                "tenant_id": TENANT,
                "snapshot_date": DAY,
                "finding_id": fid,
                "rule_id": rule,
                "severity": "high",
                "result": result,
                "entity_type": "credential",
                "entity_id": entity,
                "principal_id": "P1",
                "principal_name": "svc",
                "credential_id": entity,
                "sentence": f"{fid} is a problem.",
                "evidence": "{}",
                "criteria": ["SOC2:CC6.1"],
                "as_of": AS_OF,
            }
        )
    return to_table(FINDINGS, rows)


def statuses(tbl: pa.Table) -> set[tuple]:
    return {(r["finding_id"], r["entry"], r["status"], r["result"]) for r in tbl.to_pylist()}


def test_active_expired_pending_and_stale_are_judged_on_the_as_of_date():
    lf = loaded(
        entry(finding_id="credential_unused:K1", disposition="accepted_risk", expires_on="2026-11-26"),
        entry(finding_id="credential_unused:K2", disposition="accepted_risk", expires_on="2026-11-25"),
        entry(finding_id="credential_unused:K3", approved_on="2026-11-27"),
        entry(finding_id="credential_unused:GONE"),
        entry(tenant="aws:999999999999", finding_id="credential_unused:K1"),
    )
    f = findings(
        ("credential_unused:K1", "fail"), ("credential_unused:K2", "fail"), ("credential_unused:K3", "fail")
    )
    tbl = dispositions_table(f, lf, provider="aws", tenant_id=TENANT, snapshot_date=DAY, as_of=AS_OF)
    assert statuses(tbl) == {
        ("credential_unused:K1", 1, "active", "fail"),  # expires_on is the last day it applies
        ("credential_unused:K2", 2, "expired", "fail"),
        ("credential_unused:K3", 3, "pending", "fail"),  # approved after the day: never backdated
        ("credential_unused:GONE", 4, "stale", None),
    }
    assert {r["dispositions_sha256"] for r in tbl.to_pylist()} == {lf.sha256}


def test_an_exact_entry_wins_over_a_glob_and_a_glob_stays_within_its_rule():
    lf = loaded(
        entry(
            finding_id=None,
            rule_id="credential_unused",
            entity_glob="breakglass-*",
            disposition="compensating_control",
        ),
        entry(finding_id="credential_unused:breakglass-2", disposition="remediation_planned"),
    )
    f = findings(
        ("credential_unused:breakglass-1", "fail"),
        ("credential_unused:breakglass-2", "fail"),
        ("credential_unused:other", "fail"),
        ("credential_unrotated:breakglass-1", "fail"),
    )
    tbl = dispositions_table(f, lf, provider="aws", tenant_id=TENANT, snapshot_date=DAY, as_of=AS_OF)
    got = {r["finding_id"]: (r["entry"], r["disposition"]) for r in tbl.to_pylist()}
    assert got == {
        "credential_unused:breakglass-1": (1, "compensating_control"),
        "credential_unused:breakglass-2": (2, "remediation_planned"),
    }


# -- sealed beside the findings ---------------------------------------------------------------------------
def _file(tmp_path, *entries, name="dispositions.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"dispositions": list(entries)}))
    return path


DEPARTED = "nhi_owner_departed:S1"


def test_derive_seals_dispositions_beside_unchanged_findings_and_rederives_byte_identical(tmp_path):
    store = _store(tmp_path)
    ref = SnapshotRef("aws", TENANT, DAY)
    derived = DerivedStore(store)
    path = _file(
        tmp_path,
        entry(finding_id=DEPARTED, disposition="accepted_risk", expires_on="2026-12-31", ticket="RISK-7"),
    )
    without = derive_day(store.root, ref, SCOPE)
    findings_before = derived.manifest("findings", ref)["tables"]
    first = derive_day(store.root, ref, SCOPE, str(path))
    assert "dispositions" not in without and first["dispositions"]["rows"] == {"finding_dispositions": 1}
    assert derived.manifest("findings", ref)["tables"] == findings_before  # the evidence is not rewritten
    sealed = derived.manifest("dispositions", ref)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert sealed["params"]["dispositions_sha256"] == sha and sealed["inputs"]["dispositions file"] == sha
    row = derived.read("dispositions", ref, "finding_dispositions").to_pylist()[0]
    assert (row["finding_id"], row["status"], row["ticket"]) == (DEPARTED, "active", "RISK-7")
    again = derive_dispositions(store, ref, str(path))
    assert again["tables"] == sealed["tables"] and again["replaced_manifest_sha256"] is not None
    # without a file the sealed dispositions are kept while they annotate the same findings
    derive_day(store.root, ref, SCOPE)
    assert derived.manifest("dispositions", ref)["tables"] == sealed["tables"]


def test_nightly_derive_reads_the_dispositions_file_beside_the_scope_file(tmp_path, monkeypatch):
    from muster import nightly

    monkeypatch.delenv("MUSTER_DISPOSITIONS_FILE", raising=False)
    store = _store(tmp_path)
    scope_path = _scope_file(tmp_path)
    path = _file(scope_path.parent, entry(finding_id=DEPARTED))
    target = {"provider": "aws", "tenant_id": TENANT, "snapshot_date": DAY.isoformat()}
    nightly.derive_tenant(target, store.root, str(scope_path))
    sealed = DerivedStore(store).manifest("dispositions", SnapshotRef("aws", TENANT, DAY))
    assert sealed["params"]["dispositions_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


# -- CLI ------------------------------------------------------------------------------------------------
def test_dispositions_check_exit_codes_and_listing(tmp_path, capsys):
    store = _store(tmp_path)
    assert (
        main(
            [
                "findings",
                "--root",
                store.root,
                "--date",
                DAY.isoformat(),
                "--scope",
                str(_scope_file(tmp_path)),
            ]
        )
        == 0
    )
    capsys.readouterr()
    bad = _file(tmp_path, entry(disposition="accepted_risk"), name="bad.yaml")
    assert main(["dispositions", "check", "--file", str(bad), "--root", store.root]) == 2
    err = capsys.readouterr().err
    assert f"dispositions file {bad}: entry 1 (aws:{TENANT} credential_unused:AKIA1)" in err
    assert "expires_on is required for accepted_risk" in err
    good = _file(tmp_path, entry(finding_id=DEPARTED), entry(finding_id="credential_unused:GONE"))
    args = ["dispositions", "check", "--file", str(good), "--root", store.root, "--date", DAY.isoformat()]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "stale    entry 2 aws:123456789012 credential_unused:GONE" in out
    assert "open findings: 1, dispositioned 1, undispositioned 0" in out
    assert main([*args, "--strict"]) == 1  # the stale entry needs review
    capsys.readouterr()
    only_good = _file(tmp_path, entry(finding_id=DEPARTED), name="only.yaml")
    assert main(["dispositions", "check", "--file", str(only_good), "--root", store.root, "--strict"]) == 0


def test_cli_findings_shows_the_disposition_columns(tmp_path, capsys):
    store = _store(tmp_path)
    path = _file(tmp_path, entry(finding_id=DEPARTED, disposition="accepted_risk", expires_on="2026-11-20"))
    assert (
        main(["findings", "--root", store.root, "--date", DAY.isoformat(), "--dispositions", str(path)]) == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[4:7] == ["disposition", "disposition_status", "expires_on"]
    departed = next(line for line in lines if "nhi_owner_departed" in line)
    assert departed.split()[4:7] == ["accepted_risk", "expired", "2026-11-20"]
