"""Integrity of a bundle: per-file SHA-256, SHA256SUMS (as `sha256sum -c` reads it) and an Ed25519 signature.

Order of writing: content files -> signing_key.pub -> manifest.json (lists every content file's hash) ->
SHA256SUMS (every file, manifest.json included) -> SHA256SUMS.sig (the signature over SHA256SUMS, base64).
So the signature covers everything, and `sha256sum -c SHA256SUMS` checks everything but itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

SUMS = "SHA256SUMS"
SIGNATURE = "SHA256SUMS.sig"
PUBLIC_KEY = "signing_key.pub"
MANIFEST = "manifest.json"
#: Files that SHA256SUMS cannot list (itself and what is computed from it).
UNLISTED = (SUMS, SIGNATURE)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def bundle_files(out: Path) -> list[str]:
    """Every regular file under `out`, as sorted POSIX paths relative to it."""
    found = []
    for dirpath, _, names in os.walk(out):
        for n in names:
            found.append((Path(dirpath) / n).relative_to(out).as_posix())
    return sorted(found)


def canonical(data) -> bytes:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False, default=str).encode() + b"\n"


def write_sums(out: Path, hashes: dict[str, str]) -> bytes:
    """SHA256SUMS in GNU coreutils' text format: '<hex>  <path>' per line, sorted by path."""
    text = "".join(f"{hashes[p]}  {p}\n" for p in sorted(hashes)).encode()
    (out / SUMS).write_bytes(text)
    return text


def parse_sums(text: str) -> dict[str, str]:
    out = {}
    for n, line in enumerate(text.splitlines(), start=1):
        digest, sep, path = line.partition("  ")
        if not sep or len(digest) != 64:
            raise ValueError(f"{SUMS} line {n} is not '<sha256>  <path>'")
        out[path.removeprefix("*")] = digest
    return out


# -- signing ---------------------------------------------------------------------------------------
def load_private_key(pem: bytes):
    """An Ed25519 private key from PEM (PKCS#8, optionally OpenSSH) bytes."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    text = pem.strip()
    if text.startswith(b"-----BEGIN OPENSSH"):
        key = serialization.load_ssh_private_key(text, password=None)
    else:
        key = serialization.load_pem_private_key(text, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the signing key is not an Ed25519 private key")
    return key


def key_from_file(path: str | Path):
    return load_private_key(Path(path).read_bytes())


def key_from_connection(conn_id: str):
    """The key from an Airflow connection: its password, or extra {"private_key": PEM}. Airflow only."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    pem = conn.password or conn.extra_dejson.get("private_key")
    if not pem:
        raise ValueError(f"connection {conn_id} holds no private key (password or extra.private_key)")
    return load_private_key(pem.encode())


def public_pem(key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def fingerprint(public_key_pem: bytes) -> str:
    """SHA-256 of the public key's PEM bytes: what to compare with the fingerprint sent out of band."""
    return "SHA256:" + hashlib.sha256(public_key_pem.strip() + b"\n").hexdigest()


def sign(out: Path, key, sums: bytes) -> None:
    (out / SIGNATURE).write_bytes(base64.b64encode(key.sign(sums)) + b"\n")


def check_signature(sums: bytes, signature_b64: bytes, public_key_pem: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_public_key(public_key_pem)
    try:
        key.verify(base64.b64decode(signature_b64.strip(), validate=True), sums)
    except (InvalidSignature, ValueError):
        return False
    return True
