"""The rules' people context of one tenant-day: time and peak RSS, history re-read vs people index.

Copies the first --days days of --tenants tenants of a sealed period store (`bench/synthetic_period.py`;
only each snapshot's manifest and principals, all that the context reads) to a scratch root, then measures
`build_context` for the last day, each run in a fresh process (peak RSS is the child's VmHWM):

  * old:      the code of --old (default: b00549a, the last commit before the people index; `git archive`
              of --repo, via its own PYTHONPATH): every sealed snapshot of the provider up to the day re-read;
  * scratch:  this tree with no stored people index (the first run after deploying: every tenant folded
              from its first day, in memory);
  * nightly:  this tree with every tenant's index stored up to the day before (each tenant: its stored
              index plus one day folded).

Prints medians over --runs and the ratios to `old`; the people summaries are checked equal between
scratch and nightly. The inputs' store is only read.

    nice -n 10 .venv/bin/python bench/people_context.py --source var/bench/period --tenants 20 --days 60 [--old REV]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
#: Run in the child: build the context of the last day and print seconds, peak RSS (MB) and a row count.
CHILD = """
import hashlib, json, sys, time
from muster.rules import build_context
from muster.snapshot import SnapshotStore
store = SnapshotStore(sys.argv[1])
last = max(store.list_snapshots(), key=lambda r: (r.snapshot_date, r.tenant_id))
def hwm():  # this process's peak RSS in MB (VmHWM starts afresh at exec, unlike ru_maxrss)
    line = next(x for x in open("/proc/self/status") if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
base = hwm()
t0 = time.perf_counter()
context, digest = build_context(store, last)
took = time.perf_counter() - t0
peak = hwm()
people = context.get("people")
rows = json.dumps(people.to_pydict(), sort_keys=True, default=str) if "person_key" in people.column_names else ""
print(json.dumps({"seconds": took, "peak_mb": peak, "base_mb": base, "rows": people.num_rows, "digest": digest,
                  "people": hashlib.sha256(rows.encode()).hexdigest()}))
"""


def copy_part(source: Path, root: Path, tenants: int, days: int) -> None:
    """Manifest and principals of the first `days` days of the first `tenants` tenants."""
    top = source / "snapshots" / "provider=aws"
    for tdir in sorted(top.iterdir())[:tenants]:
        for ddir in sorted(tdir.iterdir())[:days]:
            out = root / "snapshots" / "provider=aws" / tdir.name / ddir.name
            out.mkdir(parents=True, exist_ok=True)
            for name in ("principals.parquet", "_MANIFEST.json"):
                shutil.copyfile(ddir / name, out / name)


def head_tree(repo: Path, into: Path, rev: str = "HEAD") -> Path:
    """The committed code of `repo` at `rev` (git archive), unpacked under `into`."""
    tar = into / "head.tar"
    with tar.open("wb") as f:
        subprocess.run(["git", "-C", str(repo), "archive", rev], stdout=f, check=True)
    with tarfile.open(tar) as t:
        t.extractall(into / "head", filter="data")
    return into / "head" / "include"


def measure(include: Path, root: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(include)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(root)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def store_indexes_before_last_day(root: Path) -> int:
    """Derive every tenant's people index day by day, up to the day before the last (as nightly runs did)."""
    sys.path.insert(0, str(HERE / "include"))
    from muster.rules.people_index import derive_people
    from muster.snapshot import SnapshotStore

    store = SnapshotStore(str(root))
    refs = store.list_snapshots()
    last = max(r.snapshot_date for r in refs)
    earlier = sorted(
        (r for r in refs if r.snapshot_date < last), key=lambda r: (r.snapshot_date, r.tenant_id)
    )
    for ref in earlier:
        derive_people(store, ref)
    return len(earlier)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", default="var/bench/period", help="a sealed period store (read only)")
    ap.add_argument("--tenants", type=int, default=20)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--repo", default=str(HERE), help="git repository holding the 'old' code")
    ap.add_argument("--old", default="b00549a", help="revision of the 'old' code (before the people index)")
    ap.add_argument(
        "--whole-source",
        action="store_true",
        help="old and scratch on the whole --source in place (read only: nothing stored, so no nightly)",
    )
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="muster-people-context-"))
    try:
        root = Path(args.source) if args.whole_source else work / "store"
        if not args.whole_source:
            copy_part(Path(args.source), root, args.tenants, args.days)
        old_include = head_tree(Path(args.repo), work, args.old)
        new_include = HERE / "include"
        results = {"old": [measure(old_include, root) for _ in range(args.runs)]}
        results["scratch"] = [measure(new_include, root) for _ in range(args.runs)]
        if args.whole_source:
            print(f"the whole of {args.source}, in place (nothing stored)")
        else:
            stored = store_indexes_before_last_day(root)
            results["nightly"] = [measure(new_include, root) for _ in range(args.runs)]
            print(f"{args.tenants} tenants x {args.days} days of {args.source}; {stored} indexes stored")
            same = {(r["digest"], r["people"]) for r in results["scratch"] + results["nightly"]}
            print(f"scratch and nightly give the same summaries and context digest: {len(same) == 1}")
        old_s = statistics.median(r["seconds"] for r in results["old"])
        old_mb = statistics.median(r["peak_mb"] for r in results["old"])
        for label, runs in results.items():
            s = statistics.median(r["seconds"] for r in runs)
            mb = statistics.median(r["peak_mb"] for r in runs)
            base = statistics.median(r["base_mb"] for r in runs)
            rows = runs[0]["rows"]
            print(
                f"{label:8s} build_context median {s:7.3f} s ({s / old_s:6.3f} x old)  "
                f"peak RSS {mb:7.1f} MB ({mb / old_mb:5.2f} x old; {base:.0f} MB after imports)  "
                f"people rows {rows:,}  runs {[round(r['seconds'], 3) for r in runs]}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
