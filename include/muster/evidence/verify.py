"""`muster verify BUNDLE`: every file, hash, chain link and signature, or a list of what failed.

Checks, in order: SHA256SUMS lists exactly the files present (nothing missing, nothing added); every
file matches its hash; manifest.json agrees with SHA256SUMS; every copied snapshot file matches its
sealed daily manifest; the daily manifests chain day to day with no day cut out (a link to a manifest that
a later forced re-seal replaced counts only when the re-seal is recorded and its kept copy is in the bundle,
intact); the signature (when present, or when a trusted public key is given) verifies over SHA256SUMS. A
required signature needs the trusted key: a signature checked with the bundle's own embedded key proves
integrity only, not origin.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..snapshot import reseal
from . import integrity as ig


@dataclass
class VerifyResult:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_bundle(
    path: str | Path, *, public_key: bytes | None = None, require_signature: bool = False
) -> VerifyResult:
    """Check a bundle directory. `public_key` (PEM) is the key the auditor trusts, received out of band."""
    out, res = Path(path), VerifyResult()
    if not (out / ig.SUMS).is_file():
        res.problems.append(f"{ig.SUMS} is missing: nothing can be verified")
        return res
    sums_bytes = (out / ig.SUMS).read_bytes()
    try:
        sums = ig.parse_sums(sums_bytes.decode())
    except (ValueError, UnicodeDecodeError) as e:
        res.problems.append(str(e))
        return res
    _files(out, sums, res)
    manifest = _manifest(out, sums, res)
    if manifest is not None:
        _populations(out, manifest, res)
        _chain(out, manifest, res)
    _signature(out, sums_bytes, public_key, require_signature, res)
    return res


def _files(out: Path, sums: dict[str, str], res: VerifyResult) -> None:
    present = set(ig.bundle_files(out)) - set(ig.UNLISTED)
    for rel in sorted(set(sums) - present):
        res.problems.append(f"missing file: {rel} (listed in {ig.SUMS})")
    for rel in sorted(present - set(sums)):
        res.problems.append(f"unexpected file: {rel} (not listed in {ig.SUMS})")
    for rel in sorted(set(sums) & present):
        if ig.sha256_file(out / rel) != sums[rel]:
            res.problems.append(f"hash mismatch: {rel} does not match its SHA-256 in {ig.SUMS}")


def _manifest(out: Path, sums: dict[str, str], res: VerifyResult) -> dict | None:
    try:
        manifest = json.loads((out / ig.MANIFEST).read_bytes())
    except FileNotFoundError:
        res.problems.append(f"{ig.MANIFEST} is missing")
        return None
    except (json.JSONDecodeError, UnicodeDecodeError):
        res.problems.append(f"{ig.MANIFEST} is not valid JSON")
        return None
    listed = {k: v for k, v in sums.items() if k != ig.MANIFEST}
    recorded = manifest.get("files", {})
    for rel in sorted(set(listed) | set(recorded)):
        if listed.get(rel) != recorded.get(rel):
            res.problems.append(f"{ig.MANIFEST} and {ig.SUMS} disagree about {rel}")
    return manifest


def _populations(out: Path, manifest: dict, res: VerifyResult) -> None:
    """Each copied snapshot file must match the SHA-256 its sealed daily manifest names."""
    for entries in manifest.get("chain", {}).values():
        for e in entries:
            daily = out / e["manifest"]
            if not daily.is_file():
                continue  # reported as a missing file already
            try:
                m = json.loads(daily.read_bytes())
            except json.JSONDecodeError:
                res.problems.append(f"{e['manifest']} is not valid JSON")
                continue
            for t in m.get("tables", {}).values():
                f = daily.parent / t["file"]
                if f.is_file() and ig.sha256_file(f) != t["sha256"]:
                    rel = f.relative_to(out).as_posix()
                    res.problems.append(f"hash mismatch: {rel} does not match its sealed daily manifest")
            dir_rel = Path(e["manifest"]).parent.as_posix()
            res.problems += [f"{dir_rel}: {p}" for p in reseal.problems(m, _reader(daily.parent))]


def _reader(part: Path):
    """Files of a copied partition by their path relative to it (None when absent), for `snapshot.reseal`."""
    return lambda rel: (part / rel).read_bytes() if (part / rel).is_file() else None


def _chain(out: Path, manifest: dict, res: VerifyResult) -> None:
    params = manifest["params"]
    first = params["period_end"] if params["report_type"] == "type1" else params["period_start"]
    start = dt.date.fromisoformat(first)  # the first day whose snapshot the bundle must hold
    listed_dirs = set()
    for tenant, entries in sorted(manifest.get("chain", {}).items()):
        prev = None
        for e in entries:
            listed_dirs.add(str(Path(e["manifest"]).parent))
            daily = out / e["manifest"]
            if not daily.is_file():
                res.problems.append(f"chain {tenant}: daily manifest of {e['date']} is missing")
                prev = e
                continue
            raw = daily.read_bytes()
            if hashlib.sha256(raw).hexdigest() != e["sha256"]:
                res.problems.append(f"chain {tenant}: daily manifest of {e['date']} differs from the chain")
            m = json.loads(raw)
            _link(tenant, e, prev, m.get("previous_manifest") or {}, start, res)
            # a later day may link to a manifest of this day that a documented re-seal replaced
            prev = {**e, "replaced": reseal.replaced_sha256s(m, _reader(daily.parent))}
    present = {p.parent.relative_to(out).as_posix() for p in out.glob("populations/*/*/*/_MANIFEST.json")}
    for rel in sorted(present - listed_dirs):
        res.problems.append(f"chain: {rel} is in the bundle but not in the manifest's chain")


def _link(tenant: str, e: dict, prev: dict | None, link: dict, start: dt.date, res: VerifyResult) -> None:
    date, linked = e["date"], link.get("snapshot_date")
    if prev is not None:
        if linked != prev["date"]:
            res.problems.append(
                f"chain {tenant}: {date} links to {linked}, but the bundle's previous day is {prev['date']}"
                + (f" (day {linked} cut out of the chain)" if linked and linked > prev["date"] else "")
            )
        elif link.get("sha256") in prev.get("replaced", ()):
            res.notes.append(
                f"chain {tenant}: {date} links to a manifest of {linked} that a recorded re-seal replaced; "
                "the replaced snapshot is in the bundle and matches it"
            )
        elif link.get("sha256") != prev["sha256"]:
            res.problems.append(f"chain {tenant}: {date} links to a different manifest of {linked}")
    elif linked and dt.date.fromisoformat(linked) >= start:
        res.problems.append(
            f"chain {tenant}: {date} links to {linked}, inside the period but not in the bundle "
            f"(day {linked} cut out of the chain)"
        )


def _signature(out: Path, sums: bytes, trusted: bytes | None, required: bool, res: VerifyResult) -> None:
    sig = out / ig.SIGNATURE
    if required and trusted is None:
        # The embedded key travels with the bundle: whoever edits the bundle can replace key and signature
        # together, so only a key received out of band can show who signed it.
        res.problems.append(NO_TRUSTED_KEY)
        return
    if not sig.is_file():
        if required or trusted is not None:
            res.problems.append(f"signature: {ig.SIGNATURE} is missing")
        else:
            res.notes.append("bundle is not signed")
        return
    embedded = (out / ig.PUBLIC_KEY).read_bytes() if (out / ig.PUBLIC_KEY).is_file() else None
    key = trusted or embedded
    if key is None:
        res.problems.append(f"signature: no public key (pass --public-key or keep {ig.PUBLIC_KEY})")
        return
    if not ig.check_signature(sums, sig.read_bytes(), key):
        res.problems.append(f"signature: {ig.SIGNATURE} does not verify over {ig.SUMS}")
        return
    if trusted:
        res.notes.append(f"signature verifies with the trusted key: {ig.fingerprint(key)}")
        return
    res.notes.append(
        f"signature verifies with the bundle's own {ig.PUBLIC_KEY} ({ig.fingerprint(key)}): this proves "
        "integrity only (unchanged since signed with that key), not origin; compare the fingerprint with the "
        "one received out of band, or pass --public-key"
    )


NO_TRUSTED_KEY = (
    f"signature: a signature is required but no trusted public key was given (--public-key); the bundle's own "
    f"{ig.PUBLIC_KEY} proves integrity only, not who signed it"
)
