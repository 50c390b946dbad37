"""Collect 500 GCP projects x 20 service accounts x 2 keys (+ 1 HMAC key) from the fake and seal them.

Target (issue 4): <= 60 s wall on a 2-core machine with bounded concurrency (--workers threads). The
baseline, measured in the same command, is the bare HTTP floor: the same requests (project, policy, account
pages, one keys list per account, one HMAC key listing, two activity queries) made with plain httplib2
keep-alive connections at the same concurrency, with no client library, normalisation, validation or
sealing. Prints medians of --runs, API calls per project and peak RSS. ``--group-members N`` binds a group
of N users in every project (a lookup and a membership search more per project; not part of the target).

    .venv/bin/python bench/collect_gcp.py [--projects 500] [--accounts 20] [--keys 2] [--hmac-keys 1]
        [--group-members 0] [--workers 8] [--runs 1]
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
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httplib2
import loopback  # noqa: I001 - bench/ helper, on sys.path as the script's folder

DAY = dt.date(2026, 11, 10)


def start_fake(
    projects: int, accounts: int, keys: int, hmac_keys: int, group_members: int
) -> tuple[subprocess.Popen, str]:
    sizes = ["--projects", str(projects), "--accounts", str(accounts), "--keys", str(keys)]
    sizes += ["--hmac-keys", str(hmac_keys), "--group-members", str(group_members)]
    return loopback.start("gcp_fake_server.py", *sizes)


def floor(url: str, projects: list[str], workers: int, groups: bool) -> tuple[float, int]:
    """The same REST requests with bare keep-alive httplib2: the wire-and-server floor."""
    local = threading.local()
    calls = [0]

    def get(path: str, method: str = "GET", body: str | None = None) -> dict:
        http = getattr(local, "http", None) or setattr(local, "http", httplib2.Http()) or local.http
        _, content = http.request(url + path, method, body=body, headers={"content-type": "application/json"})
        calls[0] += 1
        return json.loads(content)

    def one(pid: str) -> None:
        get(f"/v3/projects/{pid}")
        get(
            f"/v3/projects/{pid}:getIamPolicy", "POST", json.dumps({"options": {"requestedPolicyVersion": 3}})
        )
        token, accounts = "", []
        while True:
            page = get(
                f"/v1/projects/{pid}/serviceAccounts?pageSize=100" + (f"&pageToken={token}" if token else "")
            )
            accounts += page.get("accounts", [])
            token = page.get("nextPageToken")
            if not token:
                break
        for sa in accounts:
            get(f"/v1/{sa['name']}/keys")
        token = ""
        while True:
            page = get(
                f"/storage/v1/projects/{pid}/hmacKeys?maxResults=250"
                + (f"&pageToken={token}" if token else "")
            )
            token = page.get("nextPageToken")
            if not token:
                break
        for t in ("serviceAccountLastAuthentication", "serviceAccountKeyLastAuthentication"):
            get(f"/v1/projects/{pid}/locations/global/activityTypes/{t}/activities:query?pageSize=1000")
        if groups:
            name = get(f"/v1/groups:lookup?groupKey.id=team-{pid.split('-')[1]}%40bench.example")["name"]
            get(f"/v1/{name}/memberships:searchTransitiveMemberships?pageSize=1000")

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, projects))
    return time.perf_counter() - started, calls[0]


def muster(url: str, projects: list[str], workers: int, root: str) -> tuple[float, int, dict]:
    """collect_tenant + seal for every project, `workers` at a time, sharing clients and role cache."""
    os.environ["MUSTER_GCP_ENDPOINT"] = url
    os.environ["MUSTER_GCP_CREDENTIALS"] = "anonymous"
    from muster.config import Tenant
    from muster.providers.gcp.apis import apis_for_tenant
    from muster.providers.gcp.collect import collect_tenant
    from muster.providers.gcp.extract import RoleCache
    from muster.snapshot import SnapshotStore, seal_collected

    store = SnapshotStore(root)
    cache = RoleCache()
    apis = apis_for_tenant(Tenant(provider="gcp", id=projects[0]))
    at = dt.datetime.combine(DAY, dt.time(3), tzinfo=dt.UTC)

    def one(pid: str) -> tuple[int, str, int]:
        c = collect_tenant(Tenant(provider="gcp", id=pid), DAY, apis=apis, role_cache=cache)
        seal_collected(store, c, run_id="bench", collected_at=at, force=True)
        return sum(e.api_calls for e in c.entities), c.status, len(c.credentials)

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(one, projects))
    wall = time.perf_counter() - started
    statuses = {}
    for _, status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    return wall, sum(r[0] for r in results), {"statuses": statuses, "keys": sum(r[2] for r in results)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--projects", type=int, default=500)
    p.add_argument("--accounts", type=int, default=20)
    p.add_argument("--keys", type=int, default=2)
    p.add_argument("--hmac-keys", type=int, default=1, help="Cloud Storage HMAC keys per project")
    p.add_argument("--group-members", type=int, default=0, help="users of a group bound in every project")
    p.add_argument("--workers", type=int, default=8)
    p.add_argument("--runs", type=int, default=1)
    args = p.parse_args()
    proc, url = start_fake(args.projects, args.accounts, args.keys, args.hmac_keys, args.group_members)
    projects = [f"bench-{i:05d}" for i in range(args.projects)]
    try:
        floors, walls = [], []
        for _ in range(args.runs):
            f, floor_calls = floor(url, projects, args.workers, args.group_members > 0)
            floors.append(f)
            with tempfile.TemporaryDirectory() as root:
                w, calls, facts = muster(url, projects, args.workers, root)
            walls.append(w)
    finally:
        proc.terminate()
        proc.wait()
    fm, wm = statistics.median(floors), statistics.median(walls)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.projects} projects x {args.accounts} service accounts x {args.keys} keys, {args.hmac_keys} HMAC "
        f"key(s) per project, {args.group_members} group member(s) per project, {args.workers} workers, "
        f"{args.runs} run(s)"
    )
    print(
        f"  bare HTTP floor      median {fm:6.1f} s  ({floor_calls} requests, {floor_calls / args.projects:.1f} per project)"
    )
    print(
        f"  muster collect+seal  median {wm:6.1f} s  ({calls} API calls, {calls / args.projects:.1f} per project)"
    )
    print(f"  ratio muster / floor {wm / fm:.2f}   target <= 60 s: {'met' if wm <= 60 else 'MISSED'}")
    print(
        f"  statuses {facts['statuses']}, keys sealed {facts['keys']}, peak RSS {rss:.0f} MB (collector process)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
