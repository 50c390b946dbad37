"""Forced re-seals: where a replaced snapshot is kept, and the record that documents it.

A forced re-seal of a day keeps the sealed files it replaces inside the day's partition, under
`_replaced-<n>/` (n counts the day's re-seals from 1), with the replaced manifest byte for byte as
`_replaced-<n>/_MANIFEST.replaced.json`. The leading `_` hides the folder from Hive-style readers (pyarrow
datasets, Spark, Athena), and no file in it is named `_MANIFEST.json`, so the store never lists it as a
snapshot. The new manifest's `resealed` record names the replaced manifest's SHA-256 and where it is kept;
the kept manifest's own record names the re-seal before it, so every version of the day stays verifiable.

A later day's chain link may then name a replaced manifest: it is accepted only through such a record
whose kept manifest still hashes to the SHA-256 the record names. An edit without a record breaks the chain.

Pure: the callers read the bytes (from a store or from a bundle) and pass a reader in.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from .encoding import _sha256

KEPT_PREFIX = "_replaced-"
KEPT_MANIFEST = "_MANIFEST.replaced.json"

#: Reads a file of a partition by its path relative to the partition; None when there is no such file.
Reader = Callable[[str], bytes | None]


def record(old_manifest: bytes, reason: str | None) -> dict:
    """The `resealed` record of a new manifest that replaces the sealed `old_manifest` (its exact bytes)."""
    old = json.loads(old_manifest)
    n = int((old.get("resealed") or {}).get("n") or 0) + 1
    folder = f"{KEPT_PREFIX}{n}"
    return {
        "n": n,
        "sha256": _sha256(old_manifest),
        "kept_in": folder,
        "kept_as": f"{folder}/{KEPT_MANIFEST}",
        "replaced_run_id": old.get("run_id"),
        "replaced_collected_at": old.get("collected_at"),
        "reason": reason or "forced re-seal",
    }


@dataclass(frozen=True)
class Replaced:
    """One re-seal behind a manifest: its record and the kept manifest's bytes (None when missing)."""

    record: dict
    raw: bytes | None

    @property
    def intact(self) -> bool:
        """The kept manifest is there and is the one the record names."""
        return self.raw is not None and _sha256(self.raw) == self.record.get("sha256")

    @property
    def folder(self) -> str | None:
        """Where its files are kept; None for a re-seal by an older Muster, which kept the manifest only."""
        return self.record.get("kept_in")


def _safe(rel: object) -> bool:
    """A path inside the partition: a record must not send a reader elsewhere."""
    return isinstance(rel, str) and bool(rel) and not rel.startswith("/") and ".." not in rel.split("/")


def history(manifest: dict, read: Reader) -> list[Replaced]:
    """Every re-seal recorded behind `manifest`, newest first. The walk stops at a kept manifest that is
    missing or altered (that one is still returned, not intact), so nothing unverified is followed."""
    out: list[Replaced] = []
    rec = manifest.get("resealed")
    while isinstance(rec, dict) and len(out) < 1000:  # a bound, not a limit any real day reaches
        raw = read(rec["kept_as"]) if _safe(rec.get("kept_as")) else None
        item = Replaced(rec, raw)
        out.append(item)
        if not item.intact:
            break
        try:
            rec = json.loads(raw).get("resealed")
        except (ValueError, AttributeError):
            break
    return out


def replaced_sha256s(manifest: dict, read: Reader) -> set[str]:
    """SHA-256 of every earlier manifest of the same day that `manifest` documents replacing and that is kept
    intact: a later day sealed before a re-seal links to one of these."""
    return {item.record["sha256"] for item in history(manifest, read) if item.intact}


def problems(manifest: dict, read: Reader) -> list[str]:
    """What is wrong with the kept copies behind `manifest`: a kept manifest missing or altered, a kept file
    missing or not matching the replaced manifest's SHA-256. Empty when every re-seal is intact."""
    out = []
    for item in history(manifest, read):
        rec = item.record
        where = f"re-seal {rec.get('n', '?')} ({rec.get('reason')})"
        if item.raw is None:
            out.append(f"{where}: replaced manifest {rec.get('kept_as')} is missing")
            continue
        if not item.intact:
            out.append(f"{where}: {rec['kept_as']} does not match the SHA-256 its re-seal record names")
            continue
        if item.folder is None:
            continue  # an older re-seal kept only the manifest: nothing more to check, nothing to flag
        for entry in json.loads(item.raw).get("tables", {}).values():
            rel = f"{item.folder}/{entry['file']}"
            data = read(rel) if _safe(rel) else None
            if data is None:
                out.append(f"{where}: kept file {rel} is missing")
            elif _sha256(data) != entry["sha256"]:
                out.append(f"{where}: kept file {rel} does not match the replaced manifest's SHA-256")
    return out
