"""Benchmark: the SOC 2 Type 2 evidence bundle of a 365-day period of 20 tenants x 5,000 principals.

Target (issue 6): <= 120 s and <= 4 GB peak RSS on a 2-core machine. The period is generated once by
bench/synthetic_period.py (reused afterwards); each repetition builds a fresh bundle in its own process, so
its peak RSS is its own, then verifies it. Prints per-run figures, medians and the worst peak RSS.

    .venv/bin/python bench/bundle.py [--root var/bench/period] [--repeat 3] [--days 365 --tenants 20 --principals 5000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

TARGET_S, TARGET_RSS_MB = 120.0, 4096.0


def child(root: str, out: str, start: str, end: str) -> None:
    from muster.evidence import BundleParams, build_bundle, verify_bundle

    params = BundleParams(period_start=dt.date.fromisoformat(start), period_end=dt.date.fromisoformat(end))
    t = time.monotonic()
    result = build_bundle(root, out, params)
    build_s = time.monotonic() - t
    rss_build = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.monotonic()
    problems = verify_bundle(out).problems
    verify_s = time.monotonic() - t
    size = sum(p.stat().st_size for p in Path(out).rglob("*") if p.is_file())
    print(
        json.dumps(
            {
                "build_s": build_s,
                "verify_s": verify_s,
                "peak_rss_mb": rss_build,
                "files": result.files,
                "bytes": size,
                "problems": len(problems),
            }
        )
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", default="var/bench/period")
    p.add_argument("--out", default="var/bench/bundles")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--tenants", type=int, default=20)
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--principals", type=int, default=5000)
    p.add_argument("--child", nargs=4, metavar=("ROOT", "OUT", "START", "END"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(*args.child)
        return
    from synthetic_period import make_period

    t = time.monotonic()
    desc = make_period(args.root, args.tenants, args.days, args.principals)
    print(
        f"period: {desc['tenants']} tenants x {desc['days']} days x {desc['principals']} principals "
        f"({desc['start']}..{desc['end']}), ready in {time.monotonic() - t:.1f} s"
    )
    print("  generated: " + ", ".join(f"{k} {v:,}" for k, v in desc.get("generated", {}).items()))
    runs = []
    for i in range(args.repeat):
        out = Path(args.out) / f"run-{i}"
        shutil.rmtree(out, ignore_errors=True)
        done = subprocess.run(
            [sys.executable, __file__, "--child", args.root, str(out), desc["start"], desc["end"]],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(done.stdout.strip().splitlines()[-1])
        runs.append(r)
        print(
            f"  run {i}: build {r['build_s']:.1f} s, verify {r['verify_s']:.1f} s, peak RSS {r['peak_rss_mb']:.0f} MB, "
            f"{r['files']} files, {r['bytes'] / 1e9:.2f} GB, verify problems {r['problems']}"
        )
        shutil.rmtree(out, ignore_errors=True)
    build = statistics.median(r["build_s"] for r in runs)
    verify = statistics.median(r["verify_s"] for r in runs)
    rss = max(r["peak_rss_mb"] for r in runs)
    ok = build <= TARGET_S and rss <= TARGET_RSS_MB
    print(
        f"median build {build:.1f} s (target <= {TARGET_S:.0f} s), median verify {verify:.1f} s, "
        f"peak RSS {rss:.0f} MB (target <= {TARGET_RSS_MB:.0f} MB): {'PASS' if ok else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
