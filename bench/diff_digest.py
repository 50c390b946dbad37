"""SHA-256 of the sealed `changes` bytes the diff produces on fixed inputs: the byte-identity check for diff work.

Inputs (read only; nothing is written under them): every sealed snapshot of a store such as the demo's
(`--store`, repeatable), and a small synthetic pair (`--synth-root`, made by `synthetic_snapshots.make_pair`
at `--scale`) diffed both ways (day 2 against day 1, and day 1 against day 2, which turns added into removed),
also with one credential kind declared not collected on either side. Each changes table is validated,
sorted and serialised exactly as `DerivedStore.write` seals it, and its SHA-256 printed.

    .venv/bin/python bench/diff_digest.py --store var/demo/store --save var/bench/diff-digest.json
    .venv/bin/python bench/diff_digest.py --store var/demo/store --check var/bench/diff-digest.json
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import pyarrow as pa  # noqa: E402
from muster.diff import compute_changes, diff_table  # noqa: E402
from muster.diff.derive import read_side  # noqa: E402
from muster.schema import SNAPSHOT_TABLES, to_table, validate_table  # noqa: E402
from muster.schema.changes import CHANGES, DIFFED_TABLES  # noqa: E402
from muster.schema.validate import sort_table  # noqa: E402
from muster.snapshot import SnapshotStore  # noqa: E402
from muster.snapshot.encoding import parquet_bytes  # noqa: E402
from synthetic_snapshots import make_pair  # noqa: E402


def sealed_sha(tbl) -> str:
    """SHA-256 of the bytes DerivedStore.write would seal for this changes table."""
    return hashlib.sha256(parquet_bytes(sort_table(CHANGES, validate_table(CHANGES, tbl)))).hexdigest()


def store_digests(root: str) -> dict[str, str]:
    store = SnapshotStore(root)
    out = {}
    for ref in store.list_snapshots():
        tbl, _ = compute_changes(store, ref)
        out[f"{root}:{ref.provider}/{ref.tenant_id}/{ref.snapshot_date}"] = sealed_sha(tbl)
    return out


def _as_rows(result):
    """diff_table's result as a changes table, whatever form it returns."""
    return result if hasattr(result, "num_rows") else to_table(CHANGES, result)


def synth_digests(root: str, scale: float, distribution: str) -> dict[str, str]:
    """The pair diffed forwards, backwards, and with access keys not collected on one side."""
    refs = make_pair(root, scale, distribution=distribution)
    store = SnapshotStore(root)
    sides = {}
    for ref in refs:
        manifest = store.manifest(ref)
        sides[ref] = {t: read_side(store, ref, manifest, SNAPSHOT_TABLES[t])[0] for t in DIFFED_TABLES}
    out = {}
    for label, (old, new) in {"forward": refs, "backward": refs[::-1]}.items():
        base = {"provider": new.provider, "tenant_id": new.tenant_id, "snapshot_date": new.snapshot_date}
        for variant in ("plain", "kind-not-collected-before", "kind-not-collected-after"):
            parts = []
            for t in DIFFED_TABLES:
                b, a = sides[old][t], sides[new][t]
                if variant != "plain" and t == "credentials":
                    hole = {"access_key": "synthetic hole"}
                    if variant.endswith("before"):
                        b = dataclasses.replace(b, not_collected=hole)
                    else:
                        a = dataclasses.replace(a, not_collected=hole)
                parts.append(_as_rows(diff_table(SNAPSHOT_TABLES[t], b, a, base)))
            out[f"synth {distribution} {scale}:{label}:{variant}"] = sealed_sha(pa.concat_tables(parts))
    base = {
        "provider": refs[1].provider,
        "tenant_id": refs[1].tenant_id,
        "snapshot_date": refs[1].snapshot_date,
    }
    no_base = [_as_rows(diff_table(SNAPSHOT_TABLES[t], None, sides[refs[1]][t], base)) for t in DIFFED_TABLES]
    out[f"synth {distribution} {scale}:no-baseline"] = sealed_sha(pa.concat_tables(no_base))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", action="append", default=[], help="a store whose sealed snapshots are diffed")
    ap.add_argument("--synth-root", default="var/bench/synth-digest")
    ap.add_argument("--scale", type=float, default=0.02)
    ap.add_argument("--distribution", default="uniform", help="synthetic values: uniform or realistic")
    ap.add_argument("--save", help="write the digests to this JSON file")
    ap.add_argument("--check", help="compare with digests saved earlier; exit 1 on any difference")
    args = ap.parse_args()
    t0 = time.perf_counter()
    digests = {}
    for root in args.store:
        digests.update(store_digests(root))
    digests.update(synth_digests(args.synth_root, args.scale, args.distribution))
    print(f"{len(digests)} changes tables in {time.perf_counter() - t0:.1f} s")
    if args.save:
        Path(args.save).write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n")
        print(f"saved to {args.save}")
    if args.check:
        saved = json.loads(Path(args.check).read_text())
        bad = sorted(k for k in saved.keys() | digests.keys() if saved.get(k) != digests.get(k))
        for k in bad:
            print(f"DIFFERS {k}: saved {saved.get(k)} now {digests.get(k)}")
        print("IDENTICAL" if not bad else f"{len(bad)} of {len(saved)} differ")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
