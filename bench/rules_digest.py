"""Byte-identity check for the rules and the ledger: SHA-256 of every findings and ledger table they seal.

Derives, in a scratch root (never in the inputs' own store):
  * the synthetic pair of `bench/synthetic_snapshots.py` (scale 0.01 by default; each distribution named by
    --distribution): day 1, then day 2 resumed from day 1's ledger, then day 2's ledger again from scratch;
  * the demo store (`make demo`'s var/demo, when present): its sealed snapshots copied, then every date
    derived in order with the demo's scope file, as the nightly DAG does.
Prints one line per sealed table (kind, tenant-day, table, SHA-256 of its Parquet bytes) and a digest of
all lines, so two runs (before and after a change) are compared with `diff`. For the demo it also says
how many tables equal those sealed in var/demo by the code that ran `make demo`.

    .venv/bin/python bench/rules_digest.py [--scale 0.01] [--demo var/demo] > /tmp/digest.txt
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from muster.derive import derive_date  # noqa: E402
from muster.diff.derive import derive_changes  # noqa: E402
from muster.ledger import derive_ledger  # noqa: E402
from muster.rules import derive_findings  # noqa: E402
from muster.snapshot import DerivedStore, SnapshotError, SnapshotStore  # noqa: E402
from synthetic_snapshots import make_pair  # noqa: E402

KINDS = ("findings", "ledger")


def table_lines(root: str, label: str = "") -> list[str]:
    """'kind provider/tenant/date table sha256' for every sealed findings and ledger table under `root`."""
    derived = DerivedStore(root)
    lines = []
    for kind in KINDS:
        for ref in derived.list(kind):
            manifest = derived.manifest(kind, ref)
            for name, entry in sorted(manifest["tables"].items()):
                where = f"{ref.provider}/{ref.tenant_id}/{ref.snapshot_date}"
                lines.append(f"{label}{kind} {where} {name} {entry['sha256']} rows={entry['rows']}")
    return lines


def synthetic(work: Path, scale: float, distribution: str | None) -> list[str]:
    root = str(work / f"synth-{distribution or 'default'}")
    kwargs = {"distribution": distribution} if distribution else {}
    day1, day2 = make_pair(root, scale, **kwargs)
    for ref in (day1, day2):
        derive_changes(root, ref)
        derive_findings(root, ref, None)
        derive_ledger(root, ref)
    tag = f"synthetic[{distribution or 'default'}] "
    lines = table_lines(root, tag)
    derive_ledger(root, day2, incremental=False)
    scratch = [line for line in table_lines(root, tag) if line.startswith(f"{tag}ledger")]
    lines += [
        line.replace(tag, f"{tag}from-scratch ", 1) for line in scratch if str(day2.snapshot_date) in line
    ]
    return lines


def demo(work: Path, demo_dir: Path) -> list[str]:
    store_dir = demo_dir / "store"
    root = work / "demo"
    for part in ("snapshots", "discovery"):
        if (store_dir / part).exists():
            shutil.copytree(store_dir / part, root / part)
    dates = sorted({r.snapshot_date for r in SnapshotStore(str(root)).list_snapshots()})
    for date in dates:
        derive_date(str(root), date, demo_dir / "scope.yaml")
    lines = table_lines(str(root), "demo ")
    try:
        sealed = set(table_lines(str(store_dir), "demo "))
    except SnapshotError:
        sealed = set()
    same = sum(1 for line in lines if line in sealed)
    print(f"# demo: {same} of {len(lines)} table(s) equal those sealed under {store_dir}", file=sys.stderr)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.01)
    ap.add_argument("--demo", default="var/demo", help="a `make demo` output directory ('' to skip)")
    ap.add_argument(
        "--distribution", action="append", help="synthetic distribution(s) to derive (default: the default)"
    )
    ap.add_argument("--keep", action="store_true", help="keep the scratch root")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="muster-rules-digest-"))
    try:
        lines = []
        for distribution in args.distribution or [None]:
            lines += synthetic(work, args.scale, distribution)
        if args.demo and (Path(args.demo) / "store" / "snapshots").exists():
            lines += demo(work, Path(args.demo))
        else:
            print(f"# no demo store under {args.demo!r}; skipped", file=sys.stderr)
        for line in lines:
            print(line)
        print(f"digest {hashlib.sha256(chr(10).join(lines).encode()).hexdigest()} over {len(lines)} table(s)")
    finally:
        if args.keep:
            print(f"# scratch root kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
