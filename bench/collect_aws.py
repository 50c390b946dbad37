"""Collect a 2,000-user (2 keys each) / 500-role account from a moto server and seal it.

Target (issue 2): <= 15 s wall on a 2-core machine. The baseline, in the same command, is the bare API
floor: the same GetAccountAuthorizationDetails + credential report calls made with boto3 and nothing
else, so the ratio shows what Muster's normalise/validate/seal adds. Prints medians of --runs.

    .venv/bin/python bench/collect_aws.py [--users 2000] [--roles 500] [--runs 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import tempfile
import time

import boto3
import loopback  # noqa: I001 - bench/ helper, on sys.path as the script's folder
from muster.config import Tenant
from muster.providers.aws.collect import collect_account
from muster.snapshot import SnapshotStore, seal_collected

ACCOUNT = "123456789012"  # moto's default account


def start_server(users: int, roles: int) -> tuple[subprocess.Popen, str]:
    return loopback.start("seeded_moto.py", "--users", str(users), "--roles", str(roles))


def api_floor(session: boto3.Session) -> float:
    t = time.perf_counter()
    iam = session.client("iam")
    for _ in iam.get_paginator("get_account_authorization_details").paginate():
        pass
    iam.generate_credential_report()
    while True:
        try:
            iam.get_credential_report()
            break
        except iam.exceptions.CredentialReportNotReadyException:
            time.sleep(0.1)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=2000)
    ap.add_argument("--roles", type=int, default=500)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    for k, v in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ[k] = v
    t = time.perf_counter()
    proc, url = start_server(args.users, args.roles)
    seeded = time.perf_counter() - t
    os.environ["AWS_ENDPOINT_URL"] = url
    try:
        tenant = Tenant(provider="aws", id=ACCOUNT)
        ours, floor, manifest = [], [], None
        for i in range(args.runs):
            with tempfile.TemporaryDirectory() as root:
                t = time.perf_counter()
                at = dt.datetime.now(dt.UTC)
                collected = collect_account(tenant, at.date())
                manifest = seal_collected(
                    SnapshotStore(root), collected, run_id=f"bench-{i}", collected_at=at
                )
                ours.append(time.perf_counter() - t)
            floor.append(api_floor(boto3.Session()))
    finally:
        proc.terminate()
    med, base = statistics.median(ours), statistics.median(floor)
    calls = sum(e.api_calls for e in collected.entities)
    print(f"account: {args.users} users x 2 keys, {args.roles} roles (server seeded in {seeded:.1f} s)")
    print(
        f"snapshot: status={manifest['status']} "
        + ", ".join(f"{n}={e['rows']}" for n, e in manifest["tables"].items())
    )
    print(f"API calls: {calls}")
    print(f"muster collect+seal: median {med:.2f} s over {args.runs} runs (target <= 15 s)")
    print(f"API floor (GAAD + credential report, boto3 only): median {base:.2f} s")
    print(f"ratio muster/floor: {med / base:.2f}x")
    print(
        f"peak RSS (collector process): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"
    )


if __name__ == "__main__":
    main()
