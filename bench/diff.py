"""Diff of two large synthetic snapshots: muster's diff against DuckDB's full outer join of the same files.

Target (issue 3): at scale 1.0 (1M principals, 2M credentials, 5M grants, 1 % churn) the diff takes
<= 30 s and <= 4 GB peak RSS on a 2-core machine, and no more than 1.5x DuckDB computing the same
full-outer-join diff (key, added/removed/modified, changed column names) from the same Parquet files.

Each run is a fresh subprocess, so each engine's peak RSS is its own; runs alternate between the engines so
that load from other processes falls on both alike. Prints medians of wall and CPU time, the ratio, and the
peak RSS of each. muster's figure covers reading (with the SHA-256 check), the diff and the changes table
with before/after JSON; `--seal` adds writing the sealed partition.

    .venv/bin/python bench/diff.py [--root var/bench/synth] [--scale 1.0] [--runs 3] [--verify]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from muster.diff.compare import key_columns, value_columns  # noqa: E402
from muster.schema import SNAPSHOT_TABLES  # noqa: E402
from muster.schema.changes import DIFFED_TABLES  # noqa: E402
from muster.snapshot import SnapshotStore  # noqa: E402
from synthetic_snapshots import make_pair  # noqa: E402


def run_muster(root: str, seal: bool) -> int:
    from muster.diff import compute_changes, derive_changes

    store = SnapshotStore(root)
    ref = store.list_snapshots()[-1]
    if seal:
        return sum(e["rows"] for e in derive_changes(store, ref)["tables"].values())
    tbl, _ = compute_changes(store, ref)
    return tbl.num_rows


def duckdb_query(path_before: str, path_after: str, table: str) -> str:
    """The same diff in SQL: full outer join on the key, changed column names for matched rows."""
    spec = SNAPSHOT_TABLES[table]
    keys, values = key_columns(spec), value_columns(spec)
    on = " AND ".join(f"b.{k} = a.{k}" for k in keys)
    differs = [f"b.{c} IS DISTINCT FROM a.{c}" for c in values]
    changed = ", ".join(f"CASE WHEN {d} THEN '{c}' END" for d, c in zip(differs, values, strict=True))
    return f"""
        SELECT {", ".join(f"coalesce(a.{k}, b.{k}) AS {k}" for k in keys)},
               CASE WHEN b.{keys[0]} IS NULL THEN 'added' WHEN a.{keys[0]} IS NULL THEN 'removed'
                    ELSE 'modified' END AS change,
               list_filter([{changed}], lambda x: x IS NOT NULL) AS changed_columns
        FROM read_parquet('{path_before}') b FULL OUTER JOIN read_parquet('{path_after}') a ON {on}
        WHERE b.{keys[0]} IS NULL OR a.{keys[0]} IS NULL OR {" OR ".join(differs)}
        ORDER BY ALL"""


def run_duckdb(root: str) -> int:
    import duckdb

    store = SnapshotStore(root)
    before, after = store.list_snapshots()[-2:]
    con = duckdb.connect()
    rows = 0
    for table in DIFFED_TABLES:
        paths = [f"{store.partition(r)}/{table}.parquet" for r in (before, after)]
        rows += con.sql(duckdb_query(*paths, table)).to_arrow_table().num_rows
    return rows


def same_changes(root: str) -> str:
    """Whether both engines report the same changes: (table, key, change) and, for modified rows, the
    changed columns (DuckDB's list means nothing for added and removed rows). Not timed."""
    import duckdb
    from muster.diff import compute_changes

    store = SnapshotStore(root)
    tbl, _ = compute_changes(store, store.list_snapshots()[-1])
    ours = set()
    for r in tbl.to_pylist():
        key = json.loads(r["entity_key"])
        keys = tuple(key[k] for k in key_columns(SNAPSHOT_TABLES[r["table_name"]]))
        ours.add((r["table_name"], keys, r["change"], tuple(r["changed_columns"] or ())))
    before, after = store.list_snapshots()[-2:]
    con, theirs = duckdb.connect(), set()
    for table in DIFFED_TABLES:
        keys = key_columns(SNAPSHOT_TABLES[table])
        paths = [f"{store.partition(r)}/{table}.parquet" for r in (before, after)]
        for r in con.sql(duckdb_query(*paths, table)).to_arrow_table().to_pylist():
            cols = tuple(r["changed_columns"]) if r["change"] == "modified" else ()
            theirs.add((table, tuple(r[k] for k in keys), r["change"], cols))
    if ours == theirs:
        return f"same changes from both engines: {len(ours):,} rows"
    return f"DIFFERENT: {len(ours - theirs)} rows only in muster, {len(theirs - ours)} only in DuckDB"


def one(engine: str, root: str, seal: bool) -> None:
    """Run one engine once in this process and print its figures as JSON."""
    t0, c0 = time.perf_counter(), time.process_time()
    rows = run_muster(root, seal) if engine == "muster" else run_duckdb(root)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"engine": engine, "wall": wall, "cpu": cpu, "rss": rss, "rows": rows}))


def measure(engine: str, args) -> dict:
    cmd = [sys.executable, __file__, "--one", engine, "--root", args.root] + (["--seal"] if args.seal else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default="var/bench/synth")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seal", action="store_true", help="muster also writes the sealed changes partition")
    ap.add_argument("--verify", action="store_true", help="then check both engines report the same changes")
    ap.add_argument("--one", choices=["muster", "duckdb"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        return one(args.one, args.root, args.seal)
    t0 = time.perf_counter()
    refs = make_pair(args.root, args.scale, args.seed)
    counts = SnapshotStore(args.root).manifest(refs[1])["tables"]
    print(
        f"pair ready in {time.perf_counter() - t0:.1f} s: "
        + ", ".join(f"{t}={counts[t]['rows']:,}" for t in DIFFED_TABLES)
    )
    runs: dict[str, list[dict]] = {"muster": [], "duckdb": []}
    for _ in range(args.runs):
        for engine in runs:
            runs[engine].append(measure(engine, args))
    med = {
        e: {k: statistics.median(r[k] for r in rs) for k in ("wall", "cpu", "rss")} for e, rs in runs.items()
    }
    for engine, m in med.items():
        walls = ", ".join(f"{r['wall']:.2f}" for r in runs[engine])
        print(
            f"{engine:7s} median wall {m['wall']:6.2f} s  cpu {m['cpu']:6.2f} s  peak RSS {m['rss'] / 2**30:5.2f} GiB"
            f"  change rows {runs[engine][0]['rows']:,}  (walls: {walls})"
        )
    ratio = med["muster"]["wall"] / med["duckdb"]["wall"]
    print(f"ratio muster/duckdb (median wall): {ratio:.2f}  (target <= 1.5; muster <= 30 s, <= 4 GiB)")
    ok = ratio <= 1.5 and med["muster"]["wall"] <= 30 and max(r["rss"] for r in runs["muster"]) <= 4 * 2**30
    print("PASS" if ok else "FAIL")
    if args.verify:  # after the runs: a fork of a big parent would count the parent's pages as the child's
        print(same_changes(args.root))


if __name__ == "__main__":
    main()
