"""SHA-256 of every table the AWS transform produces, to prove an optimisation leaves the output unchanged.

Runs ``transform_account`` + ``Collected.tables`` + ``parquet_bytes`` on the synthetic account (plain and with a
tenant that uses every classification and ownership rule), on the quirky and varied synthetic accounts, and on the
reference-data fixtures under ``tests/fixtures/aws`` (CloudMapper export, Cloud Custodian recordings), and
prints one digest per (input, table). Record the output before a change and diff it after:

    .venv/bin/python bench/normalise_digest.py [--users 5000] [--roles 1000] [--content] > before.txt

``--content`` digests the rows instead of the file (the Arrow IPC stream of the table in one chunk): it stays the
same when only the Parquet writer's options change.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import sys
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "unit" / "providers" / "aws"))
from muster.config import Tenant  # noqa: E402
from muster.providers.aws.transform import transform_account  # noqa: E402
from muster.snapshot import parquet_bytes  # noqa: E402
from synthetic import quirky_account, raw_account, varied_account  # noqa: E402
from test_aws_columnar_equivalence import ACCOUNTS  # noqa: E402

DAY = dt.date(2026, 11, 26)
AT = dt.datetime(2026, 11, 26, 3, tzinfo=dt.UTC)


def rules_tenant(account: str) -> Tenant:
    """A tenant whose scope file exercises overrides, owners, paths, tags and name patterns."""
    return Tenant(
        provider="aws",
        id=account,
        owners={"svc-000004": "alice", "AIDA00000000000000005": "bob", "u-000004": "carol"},
        identity_overrides={"person-000006": "nhi", "AIDA00000000000000007": "human", "u-000005": "nhi"},
        owner_tag_keys=("Owner", "owner"),
        classification={"service_name_patterns": [r"^person-0000[1-2]", r"-00001\d$"]},
    )


def ipc_bytes(tbl: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, tbl.schema) as writer:
        writer.write_table(tbl.combine_chunks())
    return sink.getvalue().to_pybytes()


def digests(name: str, raw, tenant: Tenant, content: bool = False) -> list[str]:
    tables = transform_account(raw, tenant, DAY).tables("digest", AT)
    encode = ipc_bytes if content else parquet_bytes
    return [
        f"{name:48s} {table:17s} {tbl.num_rows:7d} {hashlib.sha256(encode(tbl)).hexdigest()}"
        for table, tbl in tables.items()
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=5000)
    ap.add_argument("--roles", type=int, default=1000)
    ap.add_argument("--content", action="store_true", help="digest the rows, not the Parquet file")
    args = ap.parse_args()
    synthetic = raw_account(args.users, args.roles)
    inputs = [
        (f"synthetic {args.users}/{args.roles}", synthetic, Tenant(provider="aws", id=synthetic.account_id)),
        (f"synthetic {args.users}/{args.roles} rules", synthetic, rules_tenant(synthetic.account_id)),
        ("quirky 2000/200", quirky_account(2000, 200), Tenant(provider="aws", id=synthetic.account_id)),
        ("varied 3000/400", varied_account(3000, 400), Tenant(provider="aws", id=synthetic.account_id)),
        ("varied 3000/400 rules", varied_account(3000, 400), rules_tenant(synthetic.account_id)),
        (
            "varied 400/80 seed 3",
            varied_account(400, 80, seed=3),
            Tenant(provider="aws", id=synthetic.account_id),
        ),
    ]
    for name in sorted(ACCOUNTS):
        raw = ACCOUNTS[name]()
        inputs.append((name, raw, Tenant(provider="aws", id=raw.account_id)))
    for name, raw, tenant in inputs:
        for line in digests(name, raw, tenant, args.content):
            print(line)


if __name__ == "__main__":
    main()
