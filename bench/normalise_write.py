"""Normalise + validate + write throughput for AWS principals, on synthetic input.

Target (issue 2): >= 200,000 principal rows per second. Prints the median of several runs, the ratio to a
baseline measured in the same command (pyarrow alone: Table.from_pylist + Parquet write of the same rows,
no normalisation or validation), the median of each stage (transform = ``transform_account``, validate =
``Collected.tables``, write = ``parquet_payloads``: ``parquet_bytes`` of every table, on threads when cores
are idle), and peak RSS.

With ``--tenants N`` (N > 1) it also runs N such accounts at once, each in its own process, as the nightly DAG's
mapped collect tasks do on one machine, and prints the aggregate: principal rows of all tenants per second of
the wall time they took together (``run_org`` with one account per process).

With ``--org N`` it normalises a synthetic organisation of N accounts, each as large as IAM lets an account be
(``--org-users``, default 5,000: the hard quota of users per account; ``--org-roles``, default 1,000: the default
quota of roles), first in one process, then in ``--workers`` processes (default: one per core) that share the
accounts out as the nightly DAG's mapped collect tasks do, and prints principal rows of the whole organisation
per second of wall time, and the ratio of the two. After each round the same processes run the baseline
(pyarrow alone) on the accounts' principal rows, and the ratio to it says how far Muster is from that floor
whatever the shared machine's speed at the moment. An account cannot hold more than 10,000 principals (5,000
users, at most 5,000 roles after a quota increase), so a rate of 200,000 principal rows per second is an
organisation's rate; the single 120,000-principal account above is a stress input no AWS account can be.

    .venv/bin/python bench/normalise_write.py [--users 100000] [--roles 20000] [--runs 3] [--tenants 2]
    .venv/bin/python bench/normalise_write.py --org 40 [--org-users 5000] [--org-roles 1000] [--workers 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import multiprocessing as mp
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
from muster.config import Tenant  # noqa: E402
from muster.providers.aws.transform import transform_account  # noqa: E402
from muster.snapshot import parquet_payloads  # noqa: E402
from synthetic import raw_account  # noqa: E402

DAY = dt.date(2026, 11, 26)
AT = dt.datetime(2026, 11, 26, 3, tzinfo=dt.UTC)
STAGES = ("transform", "validate", "write")


def run_muster(raw, tenant) -> tuple[dict[str, float], dict]:
    """One timed run; returns seconds per stage (transform, validate = Collected.tables, write) and counts.

    Wall time, plus the process's CPU time of the whole run (``cpu``): on a shared machine the CPU time moves
    less with the other users' load (it counts Arrow's worker threads too, so it may exceed the wall time).
    """
    c0, t0 = time.process_time(), time.perf_counter()
    collected = transform_account(raw, tenant, DAY)
    t1 = time.perf_counter()
    tables = collected.tables("bench", AT)
    t2 = time.perf_counter()
    sizes = {name: len(data) for name, data in parquet_payloads(tables).items()}
    t3, c3 = time.perf_counter(), time.process_time()
    stages = {"transform": t1 - t0, "validate": t2 - t1, "write": t3 - t2, "total": t3 - t0, "cpu": c3 - c0}
    return stages, {n: tables[n].num_rows for n in tables} | {"bytes": sum(sizes.values())}


def run_baseline(rows: list[dict]) -> float:
    t = time.perf_counter()
    tbl = pa.Table.from_pylist(rows)
    pq.write_table(tbl, io.BytesIO(), compression="zstd")
    return time.perf_counter() - t


def _org_worker(args: tuple, barrier, results) -> None:
    """One worker process: builds its share of the organisation, warms up on it (imports and one-time loading
    are not normalising), then in each round waits for the others and normalises its accounts one by one, and
    then, after waiting again, runs the pyarrow-only baseline on the same accounts' principal rows."""
    specs, runs = args
    raws = [raw_account(users, roles, account=account) for users, roles, account in specs]
    pairs = [(raw, Tenant(provider="aws", id=raw.account_id)) for raw in raws]
    # In the nightly DAG each account is a task of its own, in a process that holds that account alone; here a
    # process holds many, and the cyclic collector would re-scan all of them on every full collection.
    gc.freeze()
    principals = sum(run_muster(raw, tenant)[1]["principals"] for raw, tenant in pairs)
    # Muster's peak, before the baseline's row dicts exist (a round repeats the warm-up's work exactly).
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    principal_rows = [transform_account(raw, tenant, DAY).principals for raw, tenant in pairs]
    gc.freeze()  # nor should the collector scan the baseline's rows during Muster's rounds
    for rows in principal_rows:
        run_baseline(rows)
    rounds, baseline_rounds = [], []
    for _ in range(runs):
        barrier.wait()
        start = time.perf_counter()
        for raw, tenant in pairs:
            run_muster(raw, tenant)
        rounds.append((start, time.perf_counter()))
        barrier.wait()
        start = time.perf_counter()
        for rows in principal_rows:
            run_baseline(rows)
        baseline_rounds.append((start, time.perf_counter()))
    results.put((rounds, baseline_rounds, principals, rss_mb))


def run_org(accounts: int, users: int, roles: int, workers: int, runs: int) -> tuple[float, float]:
    """Principal rows per second of an organisation of ``accounts`` accounts normalised by ``workers``
    processes (spawned: nothing shared), the accounts dealt out in turn; median over ``runs`` rounds.

    Each round is followed by one of the baseline (pyarrow alone: ``Table.from_pylist`` + Parquet write of each
    account's principal rows, no normalising, no validation, no other table) on the same processes, so the
    ratio of the two says how far Muster is from that floor whatever the shared machine's speed at the moment.
    Returns the two median wall times (Muster, baseline)."""
    specs = [(users, roles, f"{200000000000 + i:012d}") for i in range(accounts)]
    shares = [specs[w::workers] for w in range(workers)]
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(workers), ctx.Queue()
    procs = [ctx.Process(target=_org_worker, args=((share, runs), barrier, results)) for share in shares]
    for p in procs:
        p.start()
    done = [results.get() for _ in procs]
    for p in procs:
        p.join()
    principals = sum(d[2] for d in done)

    def median_wall(which: int) -> tuple[float, list[float]]:
        walls = [max(d[which][r][1] for d in done) - min(d[which][r][0] for d in done) for r in range(runs)]
        return statistics.median(walls), walls

    (wall, walls), (base, _) = median_wall(0), median_wall(1)
    rss = max(d[3] for d in done)
    print(
        f"organisation of {accounts} accounts x ({users} users x 2 keys, {roles} roles) = {principals:,} principals, "
        f"{workers} process(es): median {wall:.2f} s -> {principals / wall:,.0f} principal rows/s "
        f"(rounds: {', '.join(f'{w:.2f}' for w in walls)} s; peak RSS per process {rss:,.0f} MB); "
        f"baseline (pyarrow from_pylist+write of the principal rows alone) median {base:.2f} s -> "
        f"{principals / base:,.0f} rows/s; ratio muster/baseline {wall / base:.2f}x"
    )
    return wall, base


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--roles", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tenants", type=int, default=1, help="also run this many accounts at once (processes)")
    ap.add_argument(
        "--org", type=int, default=0, help="only: an organisation of this many accounts (see above)"
    )
    ap.add_argument(
        "--org-users", type=int, default=5_000, help="users per account of --org (IAM quota: 5,000)"
    )
    ap.add_argument("--org-roles", type=int, default=1_000, help="roles per account of --org (default quota)")
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)), help="processes for --org")
    args = ap.parse_args()
    if args.org:
        print(f"target >= 200,000 principal rows/s; {args.runs} rounds each")
        alone, _ = run_org(args.org, args.org_users, args.org_roles, 1, args.runs)
        shared, _ = run_org(args.org, args.org_users, args.org_roles, args.workers, args.runs)
        print(f"ratio {args.workers} processes / 1 process (wall): {shared / alone:.2f}")
        return
    raw = raw_account(args.users, args.roles)
    tenant = Tenant(provider="aws", id=raw.account_id)

    runs, counts = [], {}
    for _ in range(args.runs):
        stages, counts = run_muster(raw, tenant)
        runs.append(stages)
    muster_times = [r["total"] for r in runs]
    principal_rows = transform_account(raw, tenant, DAY).principals
    base_times = [run_baseline(principal_rows) for _ in range(args.runs)]

    med, base = statistics.median(muster_times), statistics.median(base_times)
    n = counts["principals"]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"input: {args.users} users x 2 keys, {args.roles} roles; runs={args.runs}")
    print(f"rows written: {counts}")
    print(
        f"muster normalise+validate+write (all tables): median {med:.2f} s "
        f"-> {n / med:,.0f} principal rows/s (target >= 200,000)"
    )
    breakdown = ", ".join(f"{s} {statistics.median(r[s] for r in runs):.2f} s" for s in STAGES)
    print(f"breakdown (medians per stage): {breakdown}")
    cpu = statistics.median(r["cpu"] for r in runs)
    print(f"process CPU time of a run: median {cpu:.2f} s -> {n / cpu:,.0f} principal rows per CPU second")
    print(f"baseline pyarrow from_pylist+write (principals only): median {base:.2f} s")
    print(f"ratio muster/baseline: {med / base:.1f}x")
    print(f"peak RSS: {rss_mb:,.0f} MB")
    if args.tenants > 1:
        run_org(args.tenants, args.users, args.roles, args.tenants, args.runs)


if __name__ == "__main__":
    main()
