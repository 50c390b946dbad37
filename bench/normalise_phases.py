"""CPU time per phase of normalising one quota-sized AWS account, to compare two trees of the code.

Prints the median process CPU time per account of ``transform_account``, ``Collected.tables`` (validation) and
``parquet_payloads`` (encoding), in one process, on one thread (the nightly's mapped tasks fill the cores, so
the sealing step runs without threads there too). On a shared machine a difference of a few per cent shows
only when two trees are run alternately, several rounds, e.g. against the tree of an earlier commit:

    git archive REV | tar -x -C /tmp/base
    for i in 1 2 3 4 5; do
        PYTHONPATH=/tmp/base/include .venv/bin/python bench/normalise_phases.py
        .venv/bin/python bench/normalise_phases.py
    done

``PYTHONPATH`` takes precedence over the editable install, so the first line runs the earlier tree.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import muster.threads  # noqa: E402
from muster.config import Tenant  # noqa: E402
from muster.providers.aws.transform import transform_account  # noqa: E402
from muster.snapshot import parquet_payloads  # noqa: E402
from synthetic import raw_account  # noqa: E402

DAY = dt.date(2026, 11, 26)
AT = dt.datetime(2026, 11, 26, 3, tzinfo=dt.UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--roles", type=int, default=1000)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    muster.threads.workers = lambda jobs: 1  # one thread, as when every core runs a task
    raws = [raw_account(args.users, args.roles, account=f"{100000000000 + i}") for i in range(args.accounts)]
    pairs = [(raw, Tenant(provider="aws", id=raw.account_id)) for raw in raws]
    for raw, tenant in pairs:  # warm-up: imports, caches and one-time loading are not normalising
        parquet_payloads(transform_account(raw, tenant, DAY).tables("bench", AT))
    gc.freeze()
    phases: dict[str, list[float]] = {"transform": [], "validate": [], "encode": [], "total": []}
    for _ in range(args.runs):
        for raw, tenant in pairs:
            t0 = time.process_time()
            collected = transform_account(raw, tenant, DAY)
            t1 = time.process_time()
            tables = collected.tables("bench", AT)
            t2 = time.process_time()
            parquet_payloads(tables)
            t3 = time.process_time()
            for name, value in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t3 - t0), strict=True):
                phases[name].append(value)
    where = Path(muster.__file__).parent.parent
    figures = " ".join(f"{name} {statistics.median(v) * 1000:.1f}" for name, v in phases.items())
    print(f"{where}: ms of CPU per account ({args.users} users x 2 keys, {args.roles} roles): {figures}")


if __name__ == "__main__":
    main()
