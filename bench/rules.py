"""Benchmark: the rule catalogue over one synthetic tenant-day (1M principals, 2M credentials, 5M grants at
scale 1.0). Target: rules + ledger for one day <= 30 s; this measures the rules part (evaluate, pure).

    .venv/bin/python bench/rules.py [--scale 1.0] [--root DIR] [--runs 3] [--distribution realistic]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from muster.config import Tenant  # noqa: E402
from muster.rules import evaluate  # noqa: E402
from muster.rules.inputs import REQUIRED_TABLES  # noqa: E402
from muster.snapshot import SnapshotStore  # noqa: E402
from synthetic_snapshots import DISTRIBUTIONS, make_pair  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--root")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--distribution", choices=DISTRIBUTIONS, default="uniform")
    args = ap.parse_args()
    root = args.root or tempfile.mkdtemp(prefix="muster-bench-rules-")
    t0 = time.perf_counter()
    _, ref = make_pair(root, args.scale, distribution=args.distribution)
    print(f"synthetic pair under {root} ready in {time.perf_counter() - t0:.1f} s")
    store = SnapshotStore(root)
    manifest = store.manifest(ref)
    t0 = time.perf_counter()
    tables = {t: store.read_table(ref, t) for t in REQUIRED_TABLES}
    read = time.perf_counter() - t0
    rows = {t: tables[t].num_rows for t in ("principals", "credentials", "grants")}
    tenant = Tenant(provider=ref.provider, id=ref.tenant_id, audit_scope=("soc2",))
    as_of = dt.datetime.fromisoformat(manifest["collected_at"])
    times, findings = [], None
    for _ in range(args.runs):
        t0 = time.perf_counter()
        findings = evaluate(tables, manifest, tenant, as_of)
        times.append(time.perf_counter() - t0)
    by_rule = {}
    for rule_id in findings.column("rule_id").to_pylist():
        by_rule[rule_id] = by_rule.get(rule_id, 0) + 1
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"rows: {rows}; read+verify {read:.1f} s")
    print(
        f"evaluate: median {statistics.median(times):.2f} s over {args.runs} run(s) {[f'{t:.2f}' for t in times]}"
    )
    print(f"findings: {findings.num_rows} {dict(sorted(by_rule.items()))}")
    print(f"peak RSS {rss_gb:.2f} GB")


if __name__ == "__main__":
    main()
