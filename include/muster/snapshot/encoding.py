"""The content of a sealed partition, apart from where it is stored: deterministic Parquet bytes (the fixed
writer options and the encoders every sealed file goes through) and what a manifest records besides its
files (per-table completeness, the overall status, the versions that wrote it, the SHA-256 that chains it).

Kept out of the store because more than snapshots use them: derived partitions, evidence bundles and the
bench digests need the same bytes and the same manifest fields, whatever wrote them.
"""

from __future__ import annotations

import hashlib
import io
import platform
from functools import cache, partial

import pyarrow as pa
import pyarrow.parquet as pq

from .. import __version__
from ..schema import ALL_TABLES, INVENTORY_TABLES, SCHEMA_VERSION
from ..threads import in_order

MANIFEST = "_MANIFEST.json"
MANIFEST_FORMAT = 1
#: Fixed writer options: together with sorted rows they make the bytes a function of the content. A declared
#: table's file dictionary-encodes only the columns its declaration asks for (``Column.dictionary``) and writes
#: statistics for every leaf but text (``TableSpec.statistics_paths``).
WRITE_OPTIONS = dict(
    compression="zstd",
    # Level 2, not zstd's default 3: on the tables of a 6,000-principal account 7 % faster to encode and 1.5 %
    # smaller (3 searches harder than such small pages repay); on a 120,000-principal one 4 % faster, 1 % larger.
    compression_level=2,
    use_dictionary=True,
    write_statistics=True,
    version="2.6",
    data_page_version="1.0",
    row_group_size=1_000_000,
)
#: Worst first: a table is as complete as its least complete entity.
_STATUS_RANK = {"failed": 0, "partial": 1, "not_observable": 2, "complete": 3}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parquet_bytes(tbl: pa.Table, options: dict | None = None) -> bytes:
    """The table's Parquet bytes, the same however its columns are chunked.

    The writer splits pages where its batches end, and a chunk boundary inside a row group ends a batch,
    so a chunked table is written one row group at a time, each gathered into one chunk first: the bytes
    are those of the table in one chunk, without ever holding all of it twice."""
    options = options or write_options(tbl.schema)
    buf = io.BytesIO()
    if not tbl.num_rows or all(c.num_chunks <= 1 for c in tbl.columns):
        pq.write_table(tbl, buf, **options)
        return buf.getvalue()
    size = options["row_group_size"]
    writer_options = {k: v for k, v in options.items() if k != "row_group_size"}
    with pq.ParquetWriter(buf, tbl.schema, **writer_options) as writer:
        for offset in range(0, tbl.num_rows, size):
            writer.write_table(tbl.slice(offset, size).combine_chunks(), row_group_size=size)
    return buf.getvalue()


def write_options(schema: pa.Schema) -> dict:
    """``WRITE_OPTIONS`` for a table: a declared table (named in its schema's metadata) dictionary-encodes
    only its columns declared so; any other table every column."""
    declared = _declared_options((schema.metadata or {}).get(b"muster.table", b"").decode())
    if declared is None or declared[0] != schema:
        return WRITE_OPTIONS
    return declared[1]


@cache
def _declared_options(name: str) -> tuple[pa.Schema, dict] | None:
    """(declared schema, writer options) of a declared table, worked out once per process."""
    spec = ALL_TABLES.get(name)
    if spec is None:
        return None
    options = {"use_dictionary": spec.dictionary_paths(), "write_statistics": spec.statistics_paths()}
    return spec.schema, {**WRITE_OPTIONS, **options}


def parquet_payloads(tables: dict[str, pa.Table], options: dict | None = None) -> dict[str, bytes]:
    """``parquet_bytes`` of several tables, encoded at once on threads when cores are idle (the writer
    releases the GIL; see ``muster.threads``).

    Each file's bytes are those ``parquet_bytes`` gives alone; the result keeps the order of ``tables``."""
    jobs = {name: partial(parquet_bytes, tbl, options) for name, tbl in tables.items()}
    return in_order(jobs, cost={name: tbl.num_rows for name, tbl in tables.items()})


def table_statuses(collection: pa.Table) -> dict[str, dict]:
    """Per inventory table: how completely the entities feeding it were collected, and the parts not collected.

    complete when every feeding entity is; failed when every one failed (nothing usable); partial otherwise
    (some population is missing: e.g. one subscription's role assignments failed while the directory's were
    read). An entity whose `feeds` names `table:kind` and that was deliberately not collected leaves the table
    complete for everything else; downstream code must treat rows of that kind as unknown.
    """
    feeding: dict[str, list[str]] = {t: [] for t in INVENTORY_TABLES}
    not_collected: dict[str, list[str]] = {t: [] for t in INVENTORY_TABLES}
    for row in collection.to_pylist():
        for feed in row["feeds"].split(","):
            table, _, kind = feed.strip().partition(":")
            if table not in feeding:
                continue
            if row["status"] == "not_collected":
                not_collected[table].append(f"{kind or '*'} ({row['entity']}: {row['error']})")
                feeding[table].append("partial" if not kind else "complete")
            else:
                feeding[table].append(row["status"])
    out = {}
    for table, statuses in feeding.items():
        # Every collector has an entity that feeds all four tables (the caller check), so an empty list
        # only happens in hand-made fixtures.
        if statuses and all(s == "failed" for s in statuses):
            status = "failed"
        elif "not_observable" in statuses:
            status = "not_observable"
        elif any(s in ("failed", "partial") for s in statuses):
            status = "partial"
        else:
            status = "complete"
        out[table] = {"status": status, "not_collected": sorted(not_collected[table])}
    return out


def overall_status(statuses: dict[str, dict]) -> str:
    return min((s["status"] for s in statuses.values()), key=_STATUS_RANK.get)


def versions() -> dict:
    import boto3

    return {
        "muster": __version__,
        "schema": SCHEMA_VERSION,
        "pyarrow": pa.__version__,
        "boto3": boto3.__version__,
        "python": platform.python_version(),
    }
