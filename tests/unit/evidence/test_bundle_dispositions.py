"""The bundle's review evidence: the sealed dispositions of the period beside the findings, counted per tenant
(open, dispositioned, undispositioned), with the version of the dispositions file that applied each day."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json

import pyarrow.parquet as pq
import yaml
from evidence_store import A1, DAYS, build_store
from muster.dispositions import derive_dispositions
from muster.evidence import BundleParams, build_bundle, verify_bundle
from muster.schema import FINDINGS, to_table
from muster.snapshot import DerivedStore, SnapshotRef

K1, K2 = f"credential_unused:{A1}-k1", f"credential_unused:{A1}-k2"


def _finding(day: dt.date, fid: str) -> dict:
    entity = fid.partition(":")[2]
    return {
        "provider": "aws",
        "tenant_id": A1,
        "snapshot_date": day,
        "finding_id": fid,
        "rule_id": "credential_unused",
        "severity": "high",
        "result": "fail",
        "entity_type": "credential",
        "entity_id": entity,
        "principal_id": "p1",
        "principal_name": "svc-1",
        "credential_id": entity,
        "sentence": f"Access key {entity} unused for 200 days.",
        "evidence": "{}",
        "criteria": ["SOC2:CC6.1"],
        "as_of": dt.datetime.combine(day, dt.time(3), tzinfo=dt.UTC),
    }


def _entry(**kw) -> dict:
    return {"tenant": f"aws:{A1}", "justification": "Reviewed.", "approved_by": "ciso", **kw}


def test_bundle_carries_the_dispositions_counts_and_the_file_version(tmp_path, scope):
    root = tmp_path / "store"
    store = build_store(root)
    derived = DerivedStore(store)
    path = tmp_path / "dispositions.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "dispositions": [
                    _entry(
                        finding_id=K1, disposition="accepted_risk", approved_on=DAYS[0], expires_on=DAYS[2]
                    ),
                    _entry(
                        rule_id="credential_unused",
                        entity_glob=f"{A1}-k2*",
                        disposition="false_positive",
                        approved_on=DAYS[3],
                    ),
                    _entry(
                        finding_id=f"credential_unused:{A1}-gone",
                        disposition="false_positive",
                        approved_on=DAYS[0],
                    ),
                ]
            }
        )
    )
    for day in DAYS:
        ref = SnapshotRef("aws", A1, day)
        rows = [_finding(day, K1), _finding(day, K2)]
        at = rows[0]["as_of"].isoformat()
        derived.write(
            "findings",
            ref,
            {"findings": (FINDINGS, to_table(FINDINGS, rows))},
            inputs={},
            params={"as_of": at},
        )
        derive_dispositions(store, ref, str(path))
    out = tmp_path / "bundle"
    build_bundle(str(root), out, BundleParams(period_start=DAYS[0], period_end=DAYS[-1]), scope=scope)
    assert verify_bundle(out).problems == []

    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    with (out / "dispositions.csv").open() as f:
        last = {
            (r["finding_id"], r["status"], r["snapshot_date"], r["dispositions_sha256"])
            for r in csv.DictReader(f)
        }
    assert last == {
        (K1, "expired", DAYS[-1].isoformat(), sha),  # expired after DAYS[2]: undispositioned at the end
        (K2, "active", DAYS[-1].isoformat(), sha),
        (f"credential_unused:{A1}-gone", "stale", DAYS[-1].isoformat(), sha),
    }
    every_day = pq.read_table(out / "finding_dispositions.parquet").to_pylist()
    k2 = {r["snapshot_date"]: r["status"] for r in every_day if r["finding_id"] == K2}
    assert k2 == {d: ("pending" if d < DAYS[3] else "active") for d in DAYS}  # never backdated

    with (out / "findings.csv").open() as f:
        findings = {r["finding_id"]: r for r in csv.DictReader(f) if r["tenant_id"] == A1}
    assert (findings[K1]["disposition"], findings[K1]["disposition_status"]) == ("accepted_risk", "expired")
    assert (findings[K2]["disposition"], findings[K2]["disposition_status"]) == ("false_positive", "active")
    assert findings[K1]["expires_on"] == DAYS[2].isoformat()

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["dispositions"]["files"] == [
        {"sha256": sha, "first": DAYS[0].isoformat(), "last": DAYS[-1].isoformat(), "days": len(DAYS)}
    ]
    (a1,) = [t for t in manifest["dispositions"]["tenants"] if t["tenant"] == f"aws:{A1}"]
    assert {
        k: a1[k] for k in ("open", "dispositioned", "undispositioned", "expired_entries", "stale_entries")
    } == {
        "open": 2,
        "dispositioned": 1,
        "undispositioned": 1,
        "expired_entries": 1,
        "stale_entries": 1,
    }
    assert a1["recorded"] is True
    html = (out / "report.html").read_text()
    assert "Dispositions (review decisions)" in html and sha in html
    section = html.split("<h2>Dispositions (review decisions)</h2>", 1)[1].split("<h2>", 1)[0]
    assert "<script" not in section and "http" not in section and "src=" not in section  # self-contained
    import zipfile

    workbook = zipfile.ZipFile(out / "findings.xlsx").read("xl/workbook.xml").decode()
    assert 'name="Dispositions"' in workbook

    again = tmp_path / "again"
    build_bundle(str(root), again, BundleParams(period_start=DAYS[0], period_end=DAYS[-1]), scope=scope)
    assert (again / "SHA256SUMS").read_bytes() == (out / "SHA256SUMS").read_bytes()


def test_a_bundle_without_sealed_dispositions_says_none_were_recorded(store_root, scope, tmp_path):
    out = tmp_path / "bundle"
    build_bundle(str(store_root), out, BundleParams(period_start=DAYS[0], period_end=DAYS[-1]), scope=scope)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["dispositions"]["files"] == []
    assert all(
        not t["recorded"] and t["undispositioned"] == t["open"] for t in manifest["dispositions"]["tenants"]
    )
    assert "No dispositions were sealed in this period" in (out / "report.html").read_text()
    assert (
        (out / "dispositions.csv")
        .read_text()
        .startswith("provider,tenant_id,snapshot_date,finding_id,status")
    )
