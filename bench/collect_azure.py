"""Azure benchmarks against the local Graph + ARM fake (served from its own process).

1. List 100,000 service principals with credentials and normalise them (transform + validated Arrow
   tables). Target (issue 5): <= 10 s, <= 300 MB peak RSS.
2. Collect and seal an Entra tenant of 200k users, 50k service principals and 20k applications.
   Target: <= 60 s.

The baseline, measured in the same command, is the bare HTTP listing floor: the same pages (same $select and
$expand) fetched with requests and json-decoded, nothing else. Each measurement runs in a fresh worker process
(the fake serves from a process of its own), and its peak RSS is read from /proc/self/status VmHWM: the high
-water mark of the worker's own memory. (``ru_maxrss`` would not do: Linux carries the parent's peak over
fork + exec into the child's.) Prints medians of --runs.

    .venv/bin/python bench/collect_azure.py [--sps 100000] [--users 200000 --tenant-sps 50000 --apps 20000] [--runs 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import loopback  # noqa: I001 - bench/ helper, on sys.path as the script's folder

HERE = Path(__file__).parent
TENANT = "7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6"
NOW = dt.datetime(2026, 11, 2, 3, tzinfo=dt.UTC)


def start_fake(**sizes: int) -> tuple[subprocess.Popen, str]:
    args = [f"--{k}={v}" for k, v in sizes.items()]
    return loopback.start("azure_fake_server.py", *args)


def _rss_mb() -> float:
    """Peak resident memory of this process (not of its parent), in MB."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):  # not Linux: the best available figure
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def floor_query() -> dict:
    """The query of the collector's service-principal listing (read in the parent: the floor worker must
    not import muster, whose imports alone are ~120 MB)."""
    from muster.providers.azure.extract import OWNERS, SP_FIELDS
    from muster.providers.azure.populations import PAGE

    return {"$top": PAGE, "$select": SP_FIELDS, "$expand": OWNERS}


def worker_floor(url: str) -> dict:
    import requests

    session, n, t0 = requests.Session(), 0, time.perf_counter()
    next_url, params = f"{url}/v1.0/servicePrincipals", json.loads(os.environ["FLOOR_QUERY"])
    while next_url:
        body = json.loads(session.get(next_url, params=params, headers={"Authorization": "Bearer x"}).content)
        n += len(body["value"])
        next_url, params = body.get("@odata.nextLink"), None
    return {"seconds": time.perf_counter() - t0, "items": n, "rss_mb": _rss_mb()}


def worker_sps(url: str) -> dict:
    """The collector as the nightly task runs it (listing streamed through the transform), then the
    validated Arrow tables; the fake serves nothing but the service principals."""
    from muster.config import Tenant
    from muster.providers.azure.collect import collect_tenant
    from muster.providers.azure.tokens import static

    t0 = time.perf_counter()
    c = collect_tenant(
        Tenant(provider="azure", id=TENANT), NOW.date(), tokens=static("bench"), now=lambda: NOW
    )
    tables = c.tables("bench", NOW)
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "items": next(e.items for e in c.entities if e.entity == "service_principals"),
        "rows": tables["principals"].num_rows + tables["credentials"].num_rows,
        "status": c.status,
        "rss_mb": _rss_mb(),
    }


def worker_tenant(url: str) -> dict:
    from muster.config import Tenant
    from muster.providers.azure.collect import collect_tenant
    from muster.providers.azure.tokens import static
    from muster.snapshot import SnapshotStore, seal_collected

    with tempfile.TemporaryDirectory() as root:
        t0 = time.perf_counter()
        c = collect_tenant(
            Tenant(provider="azure", id=TENANT), NOW.date(), tokens=static("bench"), now=lambda: NOW
        )
        manifest = seal_collected(SnapshotStore(root), c, run_id="bench", collected_at=NOW)
        seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "status": manifest["status"],
        "rows": {t: e["rows"] for t, e in manifest["tables"].items()},
        "api_calls": sum(e.api_calls for e in c.entities),
        "rss_mb": _rss_mb(),
    }


def run_worker(kind: str, url: str) -> dict:
    env = {
        **os.environ,
        "MUSTER_GRAPH_URL": url,
        "MUSTER_ARM_URL": url,
        "MUSTER_AZURE_STATIC_TOKEN": "bench",
        "FLOOR_QUERY": json.dumps(floor_query()),
    }
    done = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--url", url],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(kind: str, url: str, runs: int) -> tuple[dict, list[dict]]:
    results = [run_worker(kind, url) for _ in range(runs)]
    return {
        "seconds": statistics.median(r["seconds"] for r in results),
        "rss_mb": max(r["rss_mb"] for r in results),
    }, results


def _figures(results: list[dict]) -> str:
    return ", ".join(f"{r['seconds']:.2f} s / {r['rss_mb']:.0f} MB" for r in results)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--worker", choices=["floor", "sps", "tenant"])
    p.add_argument("--url")
    p.add_argument("--sps", type=int, default=100_000)
    p.add_argument("--users", type=int, default=200_000)
    p.add_argument("--tenant-sps", type=int, default=50_000)
    p.add_argument("--apps", type=int, default=20_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--only", choices=["sps", "tenant"], help="run one of the two benchmarks")
    args = p.parse_args()
    if args.worker:
        print(
            json.dumps(
                {"floor": worker_floor, "sps": worker_sps, "tenant": worker_tenant}[args.worker](args.url)
            )
        )
        return 0
    if args.only != "tenant":
        bench_sps(args)
    if args.only != "sps":
        bench_tenant(args)
    return 0


def bench_sps(args: argparse.Namespace) -> None:
    proc, url = start_fake(sps=args.sps)
    try:
        floor, floor_detail = measure("floor", url, args.runs)
        sps, detail = measure("sps", url, args.runs)
    finally:
        proc.terminate()
        proc.wait()
    print(
        f"1. list + normalise {args.sps:,} service principals with credentials ({detail[0]['rows']:,} rows, "
        f"status {detail[0]['status']}):"
    )
    print(
        f"   muster  median {sps['seconds']:.2f} s, peak RSS {sps['rss_mb']:.0f} MB   (target <= 10 s, <= 300 MB)"
    )
    print(
        f"   floor   median {floor['seconds']:.2f} s, peak RSS {floor['rss_mb']:.0f} MB   (requests + json only)"
    )
    print(f"   runs    muster {_figures(detail)}; floor {_figures(floor_detail)}")
    print(f"   ratio   {sps['seconds'] / floor['seconds']:.2f}x the bare listing")


def bench_tenant(args: argparse.Namespace) -> None:
    proc, url = start_fake(users=args.users, sps=args.tenant_sps, apps=args.apps)
    try:
        tenant, detail = measure("tenant", url, max(1, args.runs - 1))
    finally:
        proc.terminate()
        proc.wait()
    d = detail[0]
    print(
        f"2. collect + seal {args.users:,} users, {args.tenant_sps:,} SPs, {args.apps:,} apps: status {d['status']}, rows {d['rows']}, {d['api_calls']} API calls"
    )
    print(
        f"   muster  median {tenant['seconds']:.2f} s, peak RSS {tenant['rss_mb']:.0f} MB   (target <= 60 s)"
    )
    print(f"   runs    {_figures(detail)}")


if __name__ == "__main__":
    sys.exit(main())
