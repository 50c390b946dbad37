"""A synthetic audit period, sealed: N tenants x D days x P principals, plus findings and discovery records.

Built columnar: each tenant's tables are made once with Arrow arrays and validated against the schema; each
day replaces the date column and moves last-use times, then the day is written with the store's writer
options and sealed with a manifest in the store's format, chained to the tenant's previous day. Sealing is
done here rather than through SnapshotStore.write_snapshot because that looks up the previous snapshot by
listing the tree (quadratic over 7,300 snapshots); the bytes and manifests are the same shape.

An AWS Organization's discovery record lists every tenant plus one that is never collected, so coverage has
something to reconcile. A finished period is marked with _PERIOD.json and reused.

    .venv/bin/python bench/synthetic_period.py --root var/bench/period --tenants 20 --days 365 --principals 5000
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from muster.schema import (
    COLLECTION,
    CREDENTIALS,
    FINDINGS,
    GRANTS,
    PRINCIPALS,
    ROLE_DEFINITIONS,
    validate_table,
)
from muster.snapshot.encoding import parquet_bytes, table_statuses, versions

START = dt.date(2025, 11, 1)
MARKER = "_PERIOD.json"
US_PER_DAY = 86_400_000_000


def tenant_id(i: int) -> str:
    return f"{100000000000 + i:012d}"


def _const(value, n: int, type_) -> pa.Array:
    return pa.array([value] * n, type=type_) if n < 8 else pa.repeat(pa.scalar(value, type_), n)


def _ids(prefix: str, n: int) -> pa.Array:
    return pa.array([f"{prefix}{i:07d}" for i in range(n)])


def base_tables(tenant: str, n: int) -> dict[str, pa.Table]:
    """A tenant's day-zero tables (date column filled per day later)."""
    t0 = int(dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp() * 1_000_000)
    idx = np.arange(n)
    prov = {
        "provider": _const("aws", n, pa.string()),
        "tenant_id": _const(tenant, n, pa.string()),
        "snapshot_date": _const(START, n, pa.date32()),
    }
    nhi = idx % 3 != 0
    principals = {
        **prov,
        "principal_id": _ids(f"AIDA{tenant[-6:]}", n),
        "name": _ids("user-", n),
        "kind": pa.array(np.where(nhi, "service_user", "human_user")),
        "is_nhi": pa.array(nhi),
        "nhi_reason": _const("synthetic", n, pa.string()),
        "enabled": pa.array(idx % 50 != 0),
        "created_at": pa.array(t0 + idx * 3_600_000_000, pa.timestamp("us", tz="UTC")),
        "last_used_at": pa.array(t0 + (idx % 700) * US_PER_DAY, pa.timestamp("us", tz="UTC")),
    }
    m = 2 * n
    cidx = np.arange(m)
    cprov = {k: pa.repeat(v[0], m) for k, v in prov.items()}
    credentials = {
        **cprov,
        "credential_id": _ids(f"{tenant}/key/", m),
        "principal_id": pa.array(
            np.repeat(np.asarray(principals["principal_id"].to_pylist(), dtype=object), 2)
        ),
        "kind": _const("access_key", m, pa.string()),
        "external_id": _ids("AKIA", m),
        "status": pa.array(np.where(cidx % 4 == 0, "inactive", "active")),
        "managed_by": _const("user", m, pa.string()),
        "created_at": pa.array(t0 + (cidx % 900) * US_PER_DAY, pa.timestamp("us", tz="UTC")),
        "last_used_at": pa.array(t0 + (cidx % 700) * US_PER_DAY, pa.timestamp("us", tz="UTC")),
    }
    grants = {
        **prov,
        "principal_id": principals["principal_id"],
        "role_id": pa.array([f"policy-{i % 50}" for i in range(n)]),
        "role_name": pa.array([f"policy-{i % 50}" for i in range(n)]),
        "scope": _const("*", n, pa.string()),
        "via": _const("direct", n, pa.string()),
        "privilege": pa.array(np.where(idx % 97 == 0, "admin", "read")),
        "privilege_reasons": pa.array([["synthetic"]] * n, pa.list_(pa.field("element", pa.string()))),
    }
    roles = {
        **{k: pa.repeat(v[0], 50) for k, v in prov.items()},
        "role_id": pa.array([f"policy-{i}" for i in range(50)]),
        "role_name": pa.array([f"policy-{i}" for i in range(50)]),
        "role_type": _const("customer_managed", 50, pa.string()),
        "document": _const('{"Statement":[]}', 50, pa.string()),
    }
    return {
        "principals": _table(PRINCIPALS, principals),
        "credentials": _table(CREDENTIALS, credentials),
        "grants": _table(GRANTS, grants),
        "role_definitions": _table(ROLE_DEFINITIONS, roles),
    }


def _table(spec, cols: dict) -> pa.Table:
    n = len(next(iter(cols.values())))
    arrays = [cols[c.name] if c.name in cols else pa.nulls(n, c.type) for c in spec.columns]
    return validate_table(
        spec,
        pa.Table.from_arrays(
            [a.cast(f.type) for a, f in zip(arrays, spec.schema, strict=True)], schema=spec.schema
        ),
    )


def day_tables(base: dict[str, pa.Table], tenant: str, day: dt.date, at: dt.datetime) -> dict[str, pa.Table]:
    shift = pa.scalar((day - START).days * US_PER_DAY, pa.duration("us"))
    out = {}
    for name, tbl in base.items():
        tbl = tbl.set_column(2, tbl.schema.field(2), pa.repeat(pa.scalar(day, pa.date32()), tbl.num_rows))
        if "last_used_at" in tbl.column_names:
            i = tbl.column_names.index("last_used_at")
            tbl = tbl.set_column(i, tbl.schema.field(i), pc.add(tbl["last_used_at"], shift))
        out[name] = tbl
    rows = [
        {
            "provider": "aws",
            "tenant_id": tenant,
            "snapshot_date": day,
            "run_id": f"bench-{day}",
            "entity": e,
            "status": "complete",
            "feeds": feeds,
            "api_calls": 3,
            "pages": 3,
            "retries": 0,
            "throttles": 0,
            "items": base["principals"].num_rows,
            "error": None,
            "caller_identity": "arn:aws:sts::x:role/muster",
            "collector_version": "0.1.0",
            "source_as_of": at,
            "collected_at": at,
        }
        for e, feeds in (
            ("authorization_details", "principals,grants,role_definitions"),
            ("credential_report", "principals,credentials"),
        )
    ]
    out["collection"] = pa.Table.from_pylist(rows, schema=COLLECTION.schema)
    return out


def findings_table(tenant: str, day: dt.date, at: dt.datetime, n: int) -> pa.Table:
    rows = [
        {
            "provider": "aws",
            "tenant_id": tenant,
            "snapshot_date": day,
            "finding_id": f"rule-{i % 5}:{tenant}/key/{i:07d}",
            "rule_id": f"rule-{i % 5}",
            "severity": ("high", "medium", "low")[i % 3],
            "result": "fail",
            "entity_type": "credential",
            "entity_id": f"{tenant}/key/{i:07d}",
            "principal_id": None,
            "principal_name": f"user-{i // 2:07d}",
            "credential_id": f"{tenant}/key/{i:07d}",
            "sentence": f"Access key {i} of user-{i // 2:07d} in {tenant} was not used for 120 days.",
            "evidence": "{}",
            "criteria": ["SOC2:CC6.1"],
            "as_of": at,
        }
        for i in range(n)
    ]
    return pa.Table.from_pylist(rows, schema=FINDINGS.schema)


def _seal(part: Path, payloads: dict[str, bytes], manifest: dict) -> bytes:
    part.mkdir(parents=True, exist_ok=True)
    for name, data in payloads.items():
        (part / f"{name}.parquet").write_bytes(data)
    raw = json.dumps(manifest, indent=2, sort_keys=True, default=str).encode()
    (part / "_MANIFEST.json").write_bytes(raw)
    return raw


def _entries(payloads: dict[str, bytes], tables: dict[str, pa.Table]) -> dict:
    return {
        n: {
            "file": f"{n}.parquet",
            "sha256": hashlib.sha256(d).hexdigest(),
            "rows": tables[n].num_rows,
            "bytes": len(d),
        }
        for n, d in payloads.items()
    }


def make_tenant(root: str, i: int, days: int, principals: int, findings: int) -> int:
    tenant, prev = tenant_id(i), None
    base = base_tables(tenant, principals)
    vers = versions()
    for d in range(days):
        day = START + dt.timedelta(days=d)
        at = dt.datetime.combine(day, dt.time(3), tzinfo=dt.UTC)
        tables = day_tables(base, tenant, day, at)
        payloads = {n: parquet_bytes(t) for n, t in tables.items()}
        entries = _entries(payloads, tables)
        for n, st in table_statuses(tables["collection"]).items():
            entries[n].update(st)
        manifest = {
            "muster_manifest": 1,
            "provider": "aws",
            "tenant_id": tenant,
            "snapshot_date": day.isoformat(),
            "run_id": f"bench-{day}",
            "collected_at": at.isoformat(),
            "clock": "simulated",
            "status": "complete",
            "tables": entries,
            "previous_manifest": prev,
            "resealed": None,
            "versions": vers,
        }
        raw = _seal(Path(root) / f"snapshots/provider=aws/tenant={tenant}/date={day}", payloads, manifest)
        prev = {"snapshot_date": day.isoformat(), "sha256": hashlib.sha256(raw).hexdigest()}
        ftbl = findings_table(tenant, day, at, findings)
        fp = {"findings": parquet_bytes(ftbl)}
        fentries = _entries(fp, {"findings": ftbl})
        fentries["findings"]["schema_version"] = "1"
        _seal(
            Path(root) / f"findings/provider=aws/tenant={tenant}/date={day}",
            fp,
            {
                "muster_manifest": 1,
                "kind": "findings",
                "provider": "aws",
                "tenant_id": tenant,
                "date": day.isoformat(),
                "status": "complete",
                "inputs": {f"snapshot {day}": prev["sha256"]},
                "params": {},
                "tables": fentries,
                "replaced_manifest_sha256": None,
                "versions": vers,
            },
        )
    return i


def make_period(
    root: str, tenants: int, days: int, principals: int, findings: int = 50, workers: int = 2
) -> dict:
    """Generate (or reuse) the period; returns its description."""
    desc = {
        "tenants": tenants,
        "days": days,
        "principals": principals,
        "findings": findings,
        "start": START.isoformat(),
        "end": (START + dt.timedelta(days=days - 1)).isoformat(),
    }
    marker = Path(root) / MARKER
    if marker.exists() and json.loads(marker.read_text()) == desc:
        return desc
    if Path(root).exists() and any(Path(root).iterdir()):
        raise SystemExit(f"{root} holds something else; remove it or choose another --root")
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(
            pool.map(
                make_tenant,
                [root] * tenants,
                range(tenants),
                [days] * tenants,
                [principals] * tenants,
                [findings] * tenants,
            )
        )
    accounts = [{"Id": tenant_id(i), "Name": f"t{i}", "Status": "ACTIVE"} for i in range(tenants + 1)]
    for d in range(days):
        day = START + dt.timedelta(days=d)
        p = Path(root) / f"discovery/provider=aws/source={tenant_id(0)}/date={day}/accounts.json"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(
            json.dumps(
                {
                    "management_account": tenant_id(0),
                    "status": "complete",
                    "accounts": accounts,
                    "collected": [a["Id"] for a in accounts[:-1]],
                    "excluded": [],
                }
            )
        )
    marker.write_text(json.dumps(desc))
    return desc


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", default="var/bench/period")
    p.add_argument("--tenants", type=int, default=20)
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--principals", type=int, default=5000)
    args = p.parse_args()
    t = time.monotonic()
    desc = make_period(args.root, args.tenants, args.days, args.principals)
    print(f"period {desc} ready under {args.root} in {time.monotonic() - t:.1f} s")


if __name__ == "__main__":
    main()
