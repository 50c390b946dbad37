"""The bundle over a small store: contents by type and framework, gaps, reconciliation, determinism."""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess

import pyarrow.parquet as pq
import pytest
from evidence_store import A1, A2, A3, DAYS, G1, GAP, PARTIAL
from muster.evidence import BundleError, BundleParams, build_bundle, verify_bundle
from muster.evidence.params import parse_params
from muster.providers.queries import query_rows


def params(**kw) -> BundleParams:
    return BundleParams(period_start=DAYS[0], period_end=DAYS[-1], **kw)


@pytest.fixture(scope="module")
def soc2(store_root, scope, tmp_path_factory):
    out = tmp_path_factory.mktemp("soc2") / "bundle"
    build_bundle(str(store_root), out, params(), scope=scope)
    return out


def _csv(path) -> list[dict]:
    with path.open() as f:
        return list(csv.DictReader(f))


def _population_days(out) -> set[tuple[str, str]]:
    return {
        (p.parent.parent.name.removeprefix("tenant="), p.parent.name.removeprefix("date="))
        for p in out.glob("populations/*/*/*/_MANIFEST.json")
    }


def test_bundle_verifies_and_sha256sum_accepts_it(soc2):
    assert verify_bundle(soc2).problems == []
    done = subprocess.run(
        ["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=soc2, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    expected = {
        "README.md",
        "SHA256SUMS",
        "coverage.csv",
        "coverage.parquet",
        "dispositions.csv",
        "findings.csv",
        "findings.parquet",
        "findings.xlsx",
        "manifest.json",
        "population_sources.csv",
        "queries.csv",
        "reconciliation.csv",
        "report.html",
        "samples.csv",
    }
    assert {p.name for p in soc2.iterdir() if p.is_file()} == expected


def test_type2_holds_every_sealed_day_and_nothing_for_the_gap(soc2):
    want = {(t, d.isoformat()) for t in (A1, A2, G1) for d in DAYS} - {(GAP[0], GAP[1].isoformat())}
    assert _population_days(soc2) == want
    findings = pq.read_table(soc2 / "findings.parquet")
    assert sorted(set(findings["snapshot_date"].to_pylist())) == DAYS


def test_type1_holds_only_the_as_of_population(store_root, scope, tmp_path):
    out = tmp_path / "t1"
    build_bundle(str(store_root), out, params(report_type="type1"), scope=scope)
    assert _population_days(out) == {(t, DAYS[-1].isoformat()) for t in (A1, A2, G1)}
    assert set(pq.read_table(out / "findings.parquet")["snapshot_date"].to_pylist()) == {DAYS[-1]}
    cov = _csv(out / "coverage.csv")
    assert {r["date"] for r in cov} == {DAYS[-1].isoformat()}
    populations = {r["population"] for r in _csv(out / "samples.csv")}
    assert "tenant_days" not in populations and "principals@as_of" in populations
    assert verify_bundle(out).problems == []


def test_soc2_scope_is_the_soc2_tenants_and_cc6_criteria(soc2):
    m = json.loads((soc2 / "manifest.json").read_text())
    assert [t["label"] for t in m["scope"]["tenants"]] == [f"aws:{A1}", f"aws:{A2}", f"aws:{A3}", f"gcp:{G1}"]
    assert set(m["scope"]["criteria"]) == {"CC6.1", "CC6.2", "CC6.3"}


def test_soc1_scope_is_the_soc1_tenant_and_its_objectives(store_root, scope, tmp_path):
    out = tmp_path / "soc1"
    build_bundle(str(store_root), out, params(framework="soc1"), scope=scope)
    m = json.loads((out / "manifest.json").read_text())
    assert [(t["label"], t["objectives"]) for t in m["scope"]["tenants"]] == [(f"aws:{A1}", ["CO-1"])]
    assert m["scope"]["criteria"] == {"CO-1": "Only authorised users reach the billing ledger."}
    assert {t for t, _ in _population_days(out)} == {A1}
    assert "CO-1" in (out / "report.html").read_text() and "CC6.2" not in (out / "README.md").read_text()


def test_soc1_without_a_scope_file_is_refused(store_root, tmp_path):
    with pytest.raises(BundleError, match="SOC 1 bundle needs the scope file"):
        build_bundle(str(store_root), tmp_path / "x", params(framework="soc1"))


def test_gap_day_and_partial_day_are_reported_not_filled(soc2):
    cov = {(r["tenant_id"], r["date"], r["table"]): r for r in _csv(soc2 / "coverage.csv")}
    gap = cov[(GAP[0], GAP[1].isoformat(), "principals")]
    assert gap["status"] == "missing" and gap["reason"].startswith("no sealed snapshot")
    partial = cov[(PARTIAL[0], PARTIAL[1].isoformat(), "credentials")]
    assert (partial["status"], partial["reason"]) == (
        "partial",
        f"inventory partial: tenant {A1}: page 2 failed",
    )
    m = json.loads((soc2 / "manifest.json").read_text())
    gaps = {(g["tenant_id"], g["date"]): g["status"] for g in m["gaps"]}
    assert gaps[(GAP[0], GAP[1].isoformat())] == "missing"
    assert gaps[(PARTIAL[0], PARTIAL[1].isoformat())] == "partial"
    assert {d.isoformat() for t, d in [(A3, d) for d in DAYS]} <= {d for t, d in gaps if t == A3}
    html = (soc2 / "report.html").read_text()
    assert f"aws:{A2}</td><td>{GAP[1].isoformat()}</td><td>missing" in html


def test_queries_name_the_requests_behind_every_entity_of_the_bundles_providers(soc2):
    """The entities themselves are kept in step with each collector by tests/unit/providers/test_queries.py."""
    rows = _csv(soc2 / "queries.csv")
    assert rows == query_rows(["aws", "gcp"])  # the bundle's tenants: no Azure one
    report = next(r for r in rows if (r["provider"], r["entity"]) == ("aws", "credential_report"))
    assert (
        report["requests"].startswith("iam:GenerateCredentialReport")
        and "GeneratedTime" in report["requests"]
    )


def test_reconciliation_names_the_listed_tenant_never_collected(soc2):
    rows = _csv(soc2 / "reconciliation.csv")
    missing = {(r["tenant_id"], r["date"]) for r in rows if r["outcome"].startswith("MISSING")}
    assert missing == {(A3, d.isoformat()) for d in DAYS} | {(A2, GAP[1].isoformat())}


def test_same_inputs_give_the_same_bundle_bytes(store_root, scope, soc2, tmp_path):
    again = tmp_path / "again"
    build_bundle(str(store_root), again, params(), scope=scope)
    assert (again / "SHA256SUMS").read_bytes() == (soc2 / "SHA256SUMS").read_bytes()


def test_generated_at_comes_from_the_inputs(soc2):
    m = json.loads((soc2 / "manifest.json").read_text())
    assert m["generated_at"] == "2026-11-06T03:00:00+00:00"


def test_findings_views_one_row_per_finding(soc2):
    rows = _csv(soc2 / "findings.csv")
    assert [(r["finding_id"], r["first_seen"], r["last_seen"], r["days_observed"]) for r in rows] == [
        (f"stale:{A1}-k1", DAYS[0].isoformat(), DAYS[-1].isoformat(), "5")
    ]
    from zipfile import ZipFile

    names = ZipFile(soc2 / "findings.xlsx").namelist()
    assert "xl/worksheets/sheet1.xml" in names and "xl/worksheets/sheet2.xml" in names
    workbook = ZipFile(soc2 / "findings.xlsx").read("xl/workbook.xml").decode()
    assert 'name="Summary"' in workbook and 'name="credential_unused"' in workbook


def test_an_existing_bundle_is_never_overwritten(store_root, scope, soc2):
    with pytest.raises(BundleError, match="not empty"):
        build_bundle(str(store_root), soc2, params(), scope=scope)


def test_a_tampered_store_stops_the_bundle(store_root, scope, tmp_path):
    import shutil

    copy = tmp_path / "store"
    shutil.copytree(store_root, copy)
    victim = next(copy.glob(f"snapshots/provider=aws/tenant={A2}/date=2026-11-03/grants.parquet"))
    data = bytearray(victim.read_bytes())
    data[100] ^= 1
    victim.write_bytes(bytes(data))
    with pytest.raises(BundleError, match="grants.parquet does not match its manifest"):
        build_bundle(str(copy), tmp_path / "b", params(), scope=scope)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"period_start": "2026-11-06", "period_end": "2026-11-02"}, "before period_start"),
        ({"period_start": "2026-11-02", "period_end": "2026-11-06", "framework": "soc3"}, "framework"),
        ({"period_start": "2026-11-02", "period_end": "2026-11-06", "sample_size": 0}, "sample_size"),
        (
            {"period_start": "2026-11-02", "period_end": "2026-11-06", "generated_at": "2026-11-07T00:00"},
            "timezone",
        ),
    ],
)
def test_bad_parameters_name_the_parameter(kw, message):
    with pytest.raises(BundleError, match=message):
        parse_params(kw)


def test_explicit_tenant_list_replaces_tags(store_root, scope, tmp_path):
    out = tmp_path / "one"
    build_bundle(str(store_root), out, params(tenants=(f"gcp:{G1}",)), scope=scope)
    assert {t for t, _ in _population_days(out)} == {G1}
    assert not (out / "findings.parquet").exists()  # findings exist only for another tenant


def test_type1_sample_reproducible_and_seed_sensitive(store_root, scope, tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out, seed in ((a, 7), (b, 7), (c, 8)):
        build_bundle(str(store_root), out, params(report_type="type1", seed=seed, sample_size=3), scope=scope)
    assert (a / "samples.csv").read_bytes() == (b / "samples.csv").read_bytes()
    assert (a / "samples.csv").read_bytes() != (c / "samples.csv").read_bytes()
    import hashlib

    for r in _csv(a / "samples.csv"):
        expect = hashlib.sha256(f"7:{r['population']}:{r['member_key']}".encode()).hexdigest()
        assert r["sample_key"] == expect
    sizes = {r["population"]: int(r["population_size"]) for r in _csv(a / "samples.csv")}
    assert sizes["principals@as_of"] == 3 * 7  # three tenants x (3 + 4) principals on the last day
    assert dt.date.fromisoformat(_csv(a / "samples.csv")[0]["date"]) == DAYS[-1]


def test_report_is_self_contained(soc2):
    import re

    html = (soc2 / "report.html").read_text()
    assert "<script" not in html
    assert re.findall(r"(?:src|href)=", html) == []
    assert set(re.findall(r"https?://[^\"]+", html)) == {"http://www.w3.org/2000/svg"}  # the SVG namespace
    assert "default-src 'none'" in html


def _cli_bundle(store_root, out, *extra) -> list[str]:
    return [
        "bundle",
        "--root",
        str(store_root),
        "--from",
        DAYS[0].isoformat(),
        "--to",
        DAYS[-1].isoformat(),
        "--type",
        "type1",
        "--out",
        str(out),
        *extra,
    ]


def test_cli_scope_tags_select_soc1_tenants_under_a_soc2_framework(store_root, scope_file, tmp_path):
    from muster import cli

    out = tmp_path / "tagged"
    assert cli.main(_cli_bundle(store_root, out, "--scope", str(scope_file), "--scope-tags", "soc1")) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["params"]["framework"] == "soc2" and m["params"]["scope_tags"] == ["soc1"]
    assert [t["label"] for t in m["scope"]["tenants"]] == [f"aws:{A1}"]
    assert set(m["scope"]["criteria"]) == {"CC6.1", "CC6.2", "CC6.3"}
    both = tmp_path / "both"
    assert (
        cli.main(_cli_bundle(store_root, both, "--scope", str(scope_file), "--scope-tags", "soc1,soc2")) == 0
    )
    assert json.loads((both / "manifest.json").read_text())["params"]["scope_tags"] == ["soc1", "soc2"]


def test_cli_scope_tags_are_validated_like_the_dag_param(store_root, scope_file, tmp_path, capsys):
    from muster import cli

    with pytest.raises(SystemExit) as exit_:
        cli.main(_cli_bundle(store_root, tmp_path / "x", "--scope", str(scope_file), "--scope-tags", "soc3"))
    assert (
        exit_.value.code == 2
        and "not a scope tag: 'soc3' (one or more of soc1, soc2)" in capsys.readouterr().err
    )
    assert cli.main(_cli_bundle(store_root, tmp_path / "y", "--scope-tags", "soc1")) == cli.EXIT_BAD_INPUT
    assert "--scope-tags needs --scope" in capsys.readouterr().err
    assert not (tmp_path / "y").exists()
