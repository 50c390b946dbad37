"""The DAG's library steps (check -> coverage -> build -> verify) and `muster backfill`'s day loop."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from evidence_store import A1, A2, A3, DAYS, G1, GAP, PARTIAL
from muster import cli
from muster.evidence import BundleError, period


def conf(store_root, scope_file, **kw) -> dict:
    return {
        "period_start": DAYS[0].isoformat(),
        "period_end": DAYS[-1].isoformat(),
        "framework": "soc2",
        "report_type": "type2",
        "tenants": [],
        "scope_tags": [],
        "sample_size": 5,
        "seed": 3,
        "root": str(store_root),
        "scope_file": str(scope_file),
        **kw,
    }


def test_check_fixes_the_output_directory_from_params_and_run(store_root, scope_file):
    plan = period.check(conf(store_root, scope_file), "manual__2026-11-26T04:00:00+00:00")
    assert (
        plan["out"]
        == f"{store_root}/evidence/soc2_type2_{DAYS[0]}_{DAYS[-1]}__manual__2026-11-26T04_00_00_00_00"
    )
    assert plan["params"]["seed"] == 3 and plan["params"]["sample_size"] == 5


def test_check_rejects_bad_params_and_a_missing_root(store_root, scope_file, monkeypatch):
    with pytest.raises(BundleError, match="period_end 2026-11-02 is before period_start 2026-11-06"):
        period.check(conf(store_root, scope_file, period_start="2026-11-06", period_end="2026-11-02"), "r")
    monkeypatch.delenv("MUSTER_ROOT", raising=False)
    with pytest.raises(BundleError, match="needs root"):
        period.check(conf(store_root, scope_file, root=None), "r")


def test_coverage_summary_counts_gaps_and_missing_tenants(store_root, scope_file):
    plan = period.check(conf(store_root, scope_file), "r")
    summary = period.coverage_summary(plan)
    assert summary == {
        "tenants": [f"aws:{A1}", f"aws:{A2}", f"aws:{A3}", f"gcp:{G1}"],
        "days": len(DAYS),
        "gaps": 2 + len(DAYS),  # A2's gap day, A1's partial day, A3 on every day
        "missing_tenants": [A2, A3],
    }
    assert (GAP[0], PARTIAL[0]) == (A2, A1)


def test_coverage_summary_logs_a_run_of_gap_days_once(store_root, scope_file, caplog):
    plan = period.check(conf(store_root, scope_file), "r")
    with caplog.at_level("WARNING", logger="muster.evidence.period"):
        period.coverage_summary(plan)
    gaps = [r.getMessage() for r in caplog.records if r.getMessage().startswith("gap:")]
    # A3 is missing on every day: one line for the whole period, not one per day
    assert f"gap: aws:{A3} is missing from {DAYS[0]} to {DAYS[-1]} ({len(DAYS)} days)" in gaps
    assert len(gaps) == 3, gaps


def test_gap_runs_join_consecutive_days_of_one_tenant_and_status():
    d = dt.date(2026, 11, 1)

    def gap(tenant, day, status="failed"):
        return {
            "provider": "aws",
            "tenant_id": tenant,
            "date": (d + dt.timedelta(days=day)).isoformat(),
            "status": status,
        }

    runs = period.gap_runs(
        [gap("b", 0), gap("a", 2), gap("a", 0), gap("a", 1), gap("a", 4), gap("a", 5, "partial")]
    )
    assert runs == [
        ("aws", "a", "failed", d, d + dt.timedelta(days=2), 3),
        ("aws", "a", "failed", d + dt.timedelta(days=4), d + dt.timedelta(days=4), 1),
        ("aws", "a", "partial", d + dt.timedelta(days=5), d + dt.timedelta(days=5), 1),
        ("aws", "b", "failed", d, d, 1),
    ]


def test_build_then_verify(store_root, scope_file, tmp_path):
    plan = {**period.check(conf(store_root, scope_file), "r"), "out": str(tmp_path / "b")}
    built = period.build(plan)
    assert built == {"path": str(tmp_path / "b"), "report": str(tmp_path / "b" / "report.html")}
    assert period.verify(built["path"]) == {
        "path": built["path"],
        "ok": True,
        "notes": ["bundle is not signed"],
    }
    (Path(built["path"]) / "coverage.csv").write_text("x\n")
    with pytest.raises(BundleError, match="coverage.csv does not match"):
        period.verify(built["path"])


def test_backfill_derives_each_sealed_tenant_day_and_names_gap_days(store_root, monkeypatch, capsys):
    calls = []
    summary = {k: {"status": "complete"} for k in ("changes", "findings", "ledger")}

    def fake_derive(root, ref, scope, dispositions=None):
        calls.append((ref.tenant_id, ref.snapshot_date))
        return summary

    monkeypatch.setattr("muster.derive.derive_day", fake_derive)
    before = DAYS[0] - dt.timedelta(days=1)
    assert cli.main(["backfill", "--root", str(store_root), "--from", str(before), "--to", str(DAYS[2])]) == 0
    assert calls == [(t, d) for d in DAYS[:3] for t in (A1, A2, G1) if (t, d) != GAP]
    out = capsys.readouterr().out
    assert f"{before}  gap: no sealed snapshot (nothing derived, nothing invented)" in out
    assert out.rstrip().endswith("8 tenant-day(s) re-derived, 1 gap day(s)")
