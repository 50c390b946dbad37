"""Tampering with a bundle: every kind of change makes `verify` fail and name what failed."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from evidence_store import A1, DAYS
from muster import cli
from muster.evidence import BundleParams, build_bundle, verify_bundle
from muster.evidence import integrity as ig

CUT = DAYS[2].isoformat()


@pytest.fixture(scope="module")
def key():
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def pristine(store_root, scope, key, tmp_path_factory):
    out = tmp_path_factory.mktemp("signed") / "bundle"
    build_bundle(
        str(store_root),
        out,
        BundleParams(period_start=DAYS[0], period_end=DAYS[-1]),
        scope=scope,
        signing_key=key,
    )
    return out


@pytest.fixture
def bundle(pristine, tmp_path):
    copy = tmp_path / "bundle"
    shutil.copytree(pristine, copy)
    return copy


def _population(bundle, tenant: str, date: str):
    return bundle / f"populations/provider=aws/tenant={tenant}/date={date}"


def test_untouched_signed_bundle_verifies_with_the_trusted_key(bundle, key):
    result = verify_bundle(bundle, public_key=ig.public_pem(key), require_signature=True)
    assert result.problems == []
    assert result.notes == [f"signature verifies with the trusted key: {ig.fingerprint(ig.public_pem(key))}"]


def test_one_changed_byte_is_named(bundle):
    victim = _population(bundle, A1, CUT) / "credentials.parquet"
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    rel = victim.relative_to(bundle).as_posix()
    assert verify_bundle(bundle).problems == [
        f"hash mismatch: {rel} does not match its SHA-256 in SHA256SUMS",
        f"hash mismatch: {rel} does not match its sealed daily manifest",
    ]


def test_a_deleted_file_is_named(bundle):
    (bundle / "findings.xlsx").unlink()
    assert verify_bundle(bundle).problems == ["missing file: findings.xlsx (listed in SHA256SUMS)"]


def test_an_added_file_is_named(bundle):
    (bundle / "populations" / "extra.csv").write_text("a,b\n")
    assert verify_bundle(bundle).problems == [
        "unexpected file: populations/extra.csv (not listed in SHA256SUMS)"
    ]


def test_a_day_cut_out_of_the_chain_is_named_even_with_consistent_sums(bundle):
    """Remove one day and rewrite manifest.json and SHA256SUMS to match: the sealed links still break."""
    shutil.rmtree(_population(bundle, A1, CUT))
    manifest = json.loads((bundle / "manifest.json").read_text())
    prefix = _population(bundle, A1, CUT).relative_to(bundle).as_posix()
    manifest["files"] = {k: v for k, v in manifest["files"].items() if not k.startswith(prefix)}
    manifest["chain"][f"aws:{A1}"] = [e for e in manifest["chain"][f"aws:{A1}"] if e["date"] != CUT]
    (bundle / "manifest.json").write_bytes(ig.canonical(manifest))
    sums = {**manifest["files"], "manifest.json": ig.sha256_file(bundle / "manifest.json")}
    ig.write_sums(bundle, sums)
    (bundle / ig.SIGNATURE).unlink()
    after = DAYS[3].isoformat()
    assert verify_bundle(bundle).problems == [
        f"chain aws:{A1}: {after} links to {CUT}, but the bundle's previous day is {DAYS[1].isoformat()} "
        f"(day {CUT} cut out of the chain)"
    ]


def test_a_broken_signature_is_named(bundle):
    (bundle / ig.SIGNATURE).write_bytes(b"QUFBQQ==\n")
    assert verify_bundle(bundle).problems == ["signature: SHA256SUMS.sig does not verify over SHA256SUMS"]


def _tamper_and_re_sign(bundle) -> Ed25519PrivateKey:
    """Edit a file, recompute every hash and re-sign with a new key embedded in the bundle."""
    (bundle / "README.md").write_text("nothing to see\n")
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest["files"]["README.md"] = hashlib.sha256(b"nothing to see\n").hexdigest()
    (bundle / "manifest.json").write_bytes(ig.canonical(manifest))
    other = Ed25519PrivateKey.generate()
    (bundle / ig.PUBLIC_KEY).write_bytes(ig.public_pem(other))
    files = {**manifest["files"], ig.PUBLIC_KEY: ig.sha256_file(bundle / ig.PUBLIC_KEY)}
    files["manifest.json"] = ig.sha256_file(bundle / "manifest.json")
    manifest_files = {k: v for k, v in files.items() if k != "manifest.json"}
    manifest["files"] = manifest_files
    (bundle / "manifest.json").write_bytes(ig.canonical(manifest))
    files["manifest.json"] = ig.sha256_file(bundle / "manifest.json")
    ig.sign(bundle, other, ig.write_sums(bundle, files))
    return other


def test_a_re_signed_bundle_fails_against_the_trusted_key(bundle, key):
    """Someone edits a file, recomputes every hash and re-signs with their own key: only the trusted key tells."""
    other = _tamper_and_re_sign(bundle)
    untrusted = verify_bundle(bundle)
    assert untrusted.problems == []  # self-consistent ...
    assert untrusted.notes == [
        f"signature verifies with the bundle's own signing_key.pub ({ig.fingerprint(ig.public_pem(other))}): "
        "this proves integrity only (unchanged since signed with that key), not origin; compare the "
        "fingerprint with the one received out of band, or pass --public-key"
    ]
    trusted = verify_bundle(bundle, public_key=ig.public_pem(key))
    assert trusted.problems == [
        "signature: SHA256SUMS.sig does not verify over SHA256SUMS"
    ]  # ... but not ours


def test_a_re_signed_bundle_fails_when_a_signature_is_required_without_a_trusted_key(bundle, capsys):
    """The embedded key came with the tampered bundle: a required signature cannot be checked with it."""
    _tamper_and_re_sign(bundle)
    assert verify_bundle(bundle, require_signature=True).problems == [
        "signature: a signature is required but no trusted public key was given (--public-key); the "
        "bundle's own signing_key.pub proves integrity only, not who signed it"
    ]
    assert cli.main(["verify", str(bundle), "--require-signature"]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no trusted public key was given (--public-key)" in err


def test_unsigned_bundle_fails_when_a_signature_is_required(bundle, key):
    (bundle / ig.SIGNATURE).unlink()
    assert verify_bundle(bundle, public_key=ig.public_pem(key), require_signature=True).problems == [
        "signature: SHA256SUMS.sig is missing"
    ]


def test_cli_verify_exit_codes(bundle, capsys):
    assert cli.main(["verify", str(bundle)]) == 0
    (bundle / "report.html").write_text("<html></html>")
    assert cli.main(["verify", str(bundle)]) == 1
    assert (
        "FAILED: hash mismatch: report.html does not match its SHA-256 in SHA256SUMS"
        in capsys.readouterr().out
    )


def test_cli_bundle_signs_with_a_key_file(store_root, scope_file, key, tmp_path, capsys):
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "k.pem").write_bytes(pem)
    (tmp_path / "k.pub").write_bytes(ig.public_pem(key))
    out = tmp_path / "b"
    argv = [
        "bundle",
        "--root",
        str(store_root),
        "--from",
        DAYS[0].isoformat(),
        "--to",
        DAYS[-1].isoformat(),
        "--framework",
        "soc1",
        "--type",
        "type1",
        "--out",
        str(out),
        "--scope",
        str(scope_file),
        "--sign-key",
        str(tmp_path / "k.pem"),
    ]
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert f"  report: {out / 'report.html'}" in printed and "signed=True" in printed
    assert cli.main(["verify", str(out), "--public-key", str(tmp_path / "k.pub"), "--require-signature"]) == 0
    assert cli.main(argv) == 2  # never over an existing bundle


def test_signing_key_from_an_airflow_connection(key, monkeypatch):
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_MUSTER_SIGNING", json.dumps({"conn_type": "generic", "password": pem.decode()})
    )
    assert ig.public_pem(ig.key_from_connection("muster_signing")) == ig.public_pem(key)
    monkeypatch.setenv("AIRFLOW_CONN_MUSTER_SIGNING", json.dumps({"conn_type": "generic"}))
    with pytest.raises(ValueError, match="holds no private key"):
        ig.key_from_connection("muster_signing")
