"""A bundle over a period in which a day was re-sealed with force: built, verified, tamper still caught."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from evidence_store import A1, DAYS, build_store, tables
from muster import cli
from muster.evidence import BundleParams, build_bundle, verify_bundle
from muster.evidence import integrity as ig
from muster.evidence.params import BundleError
from muster.snapshot import MANIFEST, SnapshotRef

DAY = DAYS[1]  # re-sealed after DAYS[2] was sealed, so DAYS[2] links to the replaced manifest
POP = f"populations/provider=aws/tenant={A1}/date={DAY.isoformat()}"


@pytest.fixture
def resealed_root(tmp_path):
    root = tmp_path / "store"
    store = build_store(root)
    part = root / f"snapshots/provider=aws/tenant={A1}/date={DAY.isoformat()}"
    first = (part / MANIFEST).read_bytes()
    fixed = tables("aws", A1, DAY)
    fixed["principals"] = fixed["principals"].slice(1)  # the re-run saw one principal fewer
    store.write_snapshot(
        SnapshotRef("aws", A1, DAY),
        fixed,
        run_id="rerun",
        collected_at=dt.datetime.combine(DAY, dt.time(9), tzinfo=dt.UTC),
        force=True,
        reason="collector bug fixed",
    )
    return root, first


@pytest.fixture
def bundle(resealed_root, scope, tmp_path):
    root, _ = resealed_root
    out = tmp_path / "bundle"
    build_bundle(str(root), out, BundleParams(period_start=DAYS[0], period_end=DAYS[-1]), scope=scope)
    return out


def test_the_bundle_over_a_re_sealed_day_verifies_and_carries_the_replaced_snapshot(
    resealed_root, bundle, capsys
):
    _, first = resealed_root
    result = verify_bundle(bundle)
    assert result.problems == []
    assert (
        f"chain aws:{A1}: {DAYS[2].isoformat()} links to a manifest of {DAY.isoformat()} that a recorded "
        "re-seal replaced; the replaced snapshot is in the bundle and matches it"
    ) in result.notes
    kept = bundle / POP / "_replaced-1"
    assert (kept / "_MANIFEST.replaced.json").read_bytes() == first
    sums = ig.parse_sums((bundle / ig.SUMS).read_text())
    for entry in json.loads(first)["tables"].values():
        assert sums[f"{POP}/_replaced-1/{entry['file']}"] == entry["sha256"]
    assert cli.main(["verify", str(bundle)]) == 0
    assert cli.main(["check", "--root", str(resealed_root[0])]) == 0
    capsys.readouterr()


def _rewrite_sums(bundle, drop: str = "") -> None:
    """A forger who keeps manifest.json and SHA256SUMS consistent with what the bundle now holds."""
    manifest = json.loads((bundle / "manifest.json").read_text())
    files = {}
    for rel in manifest["files"]:
        if drop and rel.startswith(drop):
            continue
        files[rel] = hashlib.sha256((bundle / rel).read_bytes()).hexdigest()
    manifest["files"] = files
    (bundle / "manifest.json").write_bytes(ig.canonical(manifest))
    ig.write_sums(bundle, {**files, "manifest.json": ig.sha256_file(bundle / "manifest.json")})


def test_a_changed_replaced_file_is_named_even_with_consistent_sums(bundle):
    victim = bundle / POP / "_replaced-1/credentials.parquet"
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    _rewrite_sums(bundle)
    assert verify_bundle(bundle).problems == [
        f"{POP}: re-seal 1 (collector bug fixed): kept file _replaced-1/credentials.parquet does not match the "
        "replaced manifest's SHA-256"
    ]


def test_without_the_replaced_manifest_the_next_days_link_fails(bundle):
    (bundle / POP / "_replaced-1/_MANIFEST.replaced.json").unlink()
    _rewrite_sums(bundle, drop=f"{POP}/_replaced-1/_MANIFEST")
    assert verify_bundle(bundle).problems == [
        f"{POP}: re-seal 1 (collector bug fixed): replaced manifest _replaced-1/_MANIFEST.replaced.json is "
        "missing",
        f"chain aws:{A1}: {DAYS[2].isoformat()} links to a different manifest of {DAY.isoformat()}",
    ]


def test_a_store_whose_replaced_copy_was_changed_gives_no_bundle(resealed_root, scope, tmp_path):
    root, _ = resealed_root
    victim = root / f"snapshots/provider=aws/tenant={A1}/date={DAY.isoformat()}/_replaced-1/grants.parquet"
    victim.write_bytes(victim.read_bytes() + b"x")
    with pytest.raises(BundleError, match="kept file _replaced-1/grants.parquet does not match"):
        build_bundle(
            str(root), tmp_path / "b", BundleParams(period_start=DAYS[0], period_end=DAYS[-1]), scope=scope
        )
