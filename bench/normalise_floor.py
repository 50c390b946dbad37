"""Where the AWS normalise + validate + write time goes, against the floor of steps any such pipeline must take.

On the synthetic account of ``bench/normalise_write.py`` it times, each alone and single-threaded (medians of
``--runs``), the parts that do not depend on how Muster normalises:

- reading the GAAD users and roles into Arrow (``read_users`` / ``read_roles``: the fields every principal row
  needs, converted in C from the boto3-shaped dicts; this holds the GIL),
- reading the credential report's CSV into Arrow strings (``report_cells.read_strings``),
- validating the finished tables (``finish_table``) and encoding them with the production writer options,

and the whole run (``transform_account`` + ``Collected.tables`` + ``parquet_payloads``), then prints what is left
for normalising proper (classification, privilege analysis, credential rows, the checks that let errors name
the tenant, entity and field). With those floor steps alone, the principal rows per second are already bounded.

    .venv/bin/python bench/normalise_floor.py [--users 100000] [--roles 20000] [--runs 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from muster.config import Tenant  # noqa: E402
from muster.providers.aws.batch_roles import read_roles  # noqa: E402
from muster.providers.aws.batch_users import read_users  # noqa: E402
from muster.providers.aws.report_cells import read_strings  # noqa: E402
from muster.providers.aws.transform import transform_account  # noqa: E402
from muster.schema import ALL_TABLES  # noqa: E402
from muster.schema.validate import finish_table  # noqa: E402
from muster.snapshot import parquet_bytes, parquet_payloads  # noqa: E402
from synthetic import raw_account  # noqa: E402

DAY = dt.date(2026, 11, 26)
AT = dt.datetime(2026, 11, 26, 3, tzinfo=dt.UTC)


def median_time(step: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--roles", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    raw = raw_account(args.users, args.roles)
    tenant = Tenant(provider="aws", id=raw.account_id)
    gaad, text = raw.authorization_details, raw.credential_report
    names = [h.strip().lower() for h in text[: text.find("\n")].split(",")]
    collected = transform_account(raw, tenant, DAY)
    parts = {name: tbls for name, (_, tbls) in collected.__dict__["_columnar"].items()}
    tables = collected.tables("bench", AT)

    def whole() -> None:
        parquet_payloads(transform_account(raw, tenant, DAY).tables("bench", AT))

    floor = {
        "read GAAD users + roles into Arrow": lambda: (
            read_users(gaad["UserDetailList"]),
            read_roles(gaad["RoleDetailList"]),
        ),
        "read the credential report CSV": lambda: read_strings(text, names),
        "validate the finished tables": lambda: [finish_table(ALL_TABLES[n], p) for n, p in parts.items()],
        "encode the tables (one thread)": lambda: [parquet_bytes(t) for t in tables.values()],
    }
    measured = {label: median_time(step, args.runs) for label, step in floor.items()}
    total = median_time(whole, args.runs)
    n = tables["principals"].num_rows
    rows = sum(t.num_rows for t in tables.values())
    print(
        f"input: {args.users} users x 2 keys, {args.roles} roles; {rows:,} rows in all tables; runs={args.runs}"
    )
    for label, seconds in measured.items():
        print(f"  {label:38s} {seconds:6.3f} s")
    least = sum(measured.values())
    print(f"floor steps together (one core): {least:.3f} s -> at most {n / least:,.0f} principal rows/s")
    print(f"whole run (threads where a core is idle): {total:.3f} s -> {n / total:,.0f} principal rows/s")
    print(f"left for normalising proper: {total - least:.3f} s ({(total - least) / total:.0%} of the run)")


if __name__ == "__main__":
    main()
