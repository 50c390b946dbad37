"""Benchmark: rules + ledger for one day of a large tenant (issue 3 target: <= 30 s at scale 1.0).

Seals (or reuses) the synthetic pair of `bench/synthetic_snapshots.py` (scale 1.0: 1,000,000 principals,
2,000,000 credentials, 5,000,000 grants, 1 % churn), derives day 1 once (changes, findings, ledger) so
that day 2's ledger can resume from it as it does night after night, then times, for day 2, the rules
(`derive_findings`) and the ledger (`derive_ledger`, incremental) separately and together, several runs
each. Prints medians and the process's peak RSS. The ledger from scratch over both days is timed too.

    .venv/bin/python bench/rules_ledger.py --root var/bench/synth --scale 1.0 --runs 3
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from muster.diff.derive import derive_changes  # noqa: E402
from muster.ledger import derive_ledger  # noqa: E402
from muster.rules import derive_findings  # noqa: E402
from synthetic_snapshots import make_pair  # noqa: E402

TARGET_S = 30.0


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default="var/bench/synth")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    t0 = time.perf_counter()
    day1, day2 = make_pair(args.root, args.scale)
    print(f"synthetic pair at scale {args.scale} ready in {time.perf_counter() - t0:.1f} s under {args.root}")
    for ref in (day1, day2):
        derive_changes(args.root, ref)
    derive_findings(args.root, day1, None)
    derive_ledger(args.root, day1)
    rules, ledger, scratch = [], [], []
    for _ in range(args.runs):
        rules.append(timed(lambda: derive_findings(args.root, day2, None)))
        ledger.append(timed(lambda: derive_ledger(args.root, day2)))
        scratch.append(timed(lambda: derive_ledger(args.root, day2, incremental=False)))
    med_rules, med_ledger = statistics.median(rules), statistics.median(ledger)
    total = med_rules + med_ledger
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"rules (derive_findings, day 2): median {med_rules:.2f} s over {args.runs} run(s)")
    print(f"ledger (derive_ledger, day 2, resumed from day 1): median {med_ledger:.2f} s")
    print(f"ledger from scratch (both days folded): median {statistics.median(scratch):.2f} s")
    verdict = "OK" if total <= TARGET_S else "OVER"
    print(f"rules + ledger: {total:.2f} s (target <= {TARGET_S:.0f} s at scale 1.0) {verdict}")
    print(f"peak RSS: {rss_gb:.2f} GB")


if __name__ == "__main__":
    main()
