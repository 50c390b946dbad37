"""Benchmark: rules + ledger for one day of a large tenant (issue 3 target: <= 30 s at scale 1.0).

Seals (or reuses) the synthetic pair of `bench/synthetic_snapshots.py` (scale 1.0: 1,000,000 principals,
2,000,000 credentials, 5,000,000 grants, 1 % churn), derives day 1 once (changes, findings, ledger) so that
day 2 is what `derive_day` does every night: diff (not timed here), then the rules (`derive_findings`) and
the ledger folding the new day into the sealed ledger history (`derive_ledger`, resumed from day 1's
ledger; the run checks that it did resume). Times both, several runs each, and prints medians and the
peak RSS of each step alone (the kernel's high-water mark, reset before the step; the process-wide peak,
which includes generating the data and the diff, is printed too). `--scratch` also times the ledger
folded from scratch over both days (a backfill, not the nightly case).

    .venv/bin/python bench/rules_ledger.py --root var/bench/synth --scale 1.0 --runs 3 [--distribution D]
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
from synthetic_snapshots import DISTRIBUTIONS, make_pair  # noqa: E402

TARGET_S = 30.0


def _reset_peak() -> None:
    """Reset the kernel's peak-RSS mark of this process (Linux; elsewhere the peak stays process-wide)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_gb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def measured(fn) -> tuple[float, float, object]:
    """Seconds, peak RSS (GB) and result of one call."""
    _reset_peak()
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, _peak_gb(), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default="var/bench/synth")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument(
        "--distribution", choices=DISTRIBUTIONS, default=None, help="synthetic data (see its doc)"
    )
    ap.add_argument("--scratch", action="store_true", help="also time the ledger folded from scratch")
    args = ap.parse_args()
    t0 = time.perf_counter()
    kwargs = {"distribution": args.distribution} if args.distribution else {}
    day1, day2 = make_pair(args.root, args.scale, **kwargs)
    print(f"synthetic pair at scale {args.scale} ready in {time.perf_counter() - t0:.1f} s under {args.root}")
    t0 = time.perf_counter()
    for ref in (day1, day2):
        derive_changes(args.root, ref)
    derive_findings(args.root, day1, None)
    derive_ledger(args.root, day1)
    print(f"day 1 derived and day 2 diffed in {time.perf_counter() - t0:.1f} s (not timed below)")
    rules, ledger, scratch = [], [], []
    findings = sealed = None
    for _ in range(args.runs):
        rules.append(measured(lambda: derive_findings(args.root, day2, None)))
        ledger.append(measured(lambda: derive_ledger(args.root, day2)))
        if args.scratch:
            scratch.append(measured(lambda: derive_ledger(args.root, day2, incremental=False)))
    findings, sealed = rules[-1][2], ledger[-1][2]
    resumed = sealed["params"]["resumed_from"]
    if resumed != day1.snapshot_date.isoformat():
        raise SystemExit(
            f"day 2's ledger did not resume from day 1 (resumed_from={resumed}): not the nightly case"
        )
    med_rules, med_ledger = (statistics.median(t for t, _, _ in runs) for runs in (rules, ledger))
    total = med_rules + med_ledger
    print(f"findings on day 2: {findings['tables']['findings']['rows']:,} rows")
    print(f"ledger on day 2: { {k: v['rows'] for k, v in sealed['tables'].items()} }, resumed from {resumed}")
    for label, runs in (("rules (derive_findings, day 2)", rules), ("ledger (derive_ledger, day 2)", ledger)):
        times = [f"{t:.2f}" for t, _, _ in runs]
        peak = max(p for _, p, _ in runs)
        print(
            f"{label}: median {statistics.median(t for t, _, _ in runs):.2f} s {times}; peak RSS {peak:.2f} GB"
        )
    if scratch:
        print(
            f"ledger from scratch (both days folded): median {statistics.median(t for t, _, _ in scratch):.2f} s"
        )
    verdict = ("OK" if total <= TARGET_S else "OVER") if args.scale == 1.0 else "(not at scale 1.0)"
    print(f"rules + ledger: {total:.2f} s (target <= {TARGET_S:.0f} s at scale 1.0) {verdict}")
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"process peak RSS (incl. generating and diffing): {rss_gb:.2f} GB")


if __name__ == "__main__":
    main()
