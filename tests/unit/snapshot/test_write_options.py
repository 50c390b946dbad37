"""Writer options per declared table: only the columns declared with a dictionary are dictionary-encoded."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from muster.schema import ALL_TABLES, PRINCIPALS
from muster.schema._base import parquet_leaf_paths
from muster.snapshot.encoding import WRITE_OPTIONS, parquet_bytes, write_options

_DICTIONARY = {"RLE_DICTIONARY", "PLAIN_DICTIONARY"}


def _file(data: bytes) -> pq.ParquetFile:
    return pq.ParquetFile(io.BytesIO(data))


def _dictionary_encoded(data: bytes) -> dict[str, bool]:
    """Leaf column path -> whether its (first) row group's pages are dictionary-encoded."""
    meta = _file(data).metadata
    group = meta.row_group(0)
    return {
        group.column(i).path_in_schema: bool(_DICTIONARY & set(group.column(i).encodings))
        for i in range(meta.num_columns)
    }


def _rows(spec, n: int = 3) -> pa.Table:
    """``n`` rows of the declared table with a value in every column (nested ones included)."""
    arrays = []
    for field in spec.schema:
        t = field.type
        if pa.types.is_map(t):
            values = [[("k", f"v{i}")] for i in range(n)]
        elif pa.types.is_list(t):
            values = [[f"e{i}"] for i in range(n)]
        elif pa.types.is_string(t):
            allowed = spec.column(field.name).allowed
            values = [allowed[0] if allowed else f"{field.name}-{i}" for i in range(n)]
        elif pa.types.is_boolean(t):
            values = [True] * n
        elif pa.types.is_date(t):
            values = [pa.scalar(20_000 + i, pa.date32()).as_py() for i in range(n)]
        elif pa.types.is_timestamp(t):
            values = [pa.scalar(1_700_000_000_000_000 + i, t).as_py() for i in range(n)]
        else:
            values = list(range(n))
        arrays.append(pa.array(values, t))
    return pa.Table.from_arrays(arrays, schema=spec.schema)


@pytest.mark.parametrize("name", sorted(ALL_TABLES))
def test_leaf_paths_are_the_columns_the_writer_writes(name):
    data = parquet_bytes(ALL_TABLES[name].schema.empty_table())
    schema = _file(data).schema
    written = [schema.column(i).path for i in range(len(schema))]
    assert [p for f in ALL_TABLES[name].schema for p in parquet_leaf_paths(f)] == written


@pytest.mark.parametrize("name", sorted(ALL_TABLES))
def test_a_declared_table_dictionary_encodes_exactly_its_declared_columns(name):
    spec = ALL_TABLES[name]
    encoded = _dictionary_encoded(parquet_bytes(_rows(spec)))
    booleans = {
        f.name for f in spec.schema if pa.types.is_boolean(f.type)
    }  # Parquet has no dictionary for them
    assert {p for p, on in encoded.items() if on} == set(spec.dictionary_paths()) - booleans


def test_ids_names_and_instants_of_principals_are_written_without_a_dictionary():
    encoded = _dictionary_encoded(parquet_bytes(_rows(PRINCIPALS)))
    for column in ("principal_id", "name", "arn_or_resource", "created_at", "last_used_at"):
        assert not encoded[column], column
    for column in ("kind", "nhi_reason", "path", "owner", "tags.key_value.key", "tags.key_value.value"):
        assert encoded[column], column


def test_an_undeclared_or_altered_table_keeps_every_dictionary():
    other = pa.table({"principal_id": ["a", "b"], "n": [1, 2]})
    assert write_options(other.schema) is WRITE_OPTIONS
    assert all(_dictionary_encoded(parquet_bytes(other)).values())
    # named like a declared table but not of its shape (e.g. a projection): the general options
    renamed = other.replace_schema_metadata({"muster.table": "principals"})
    assert write_options(renamed.schema) is WRITE_OPTIONS


@pytest.mark.parametrize("name", sorted(ALL_TABLES))
def test_a_declared_table_writes_statistics_for_every_leaf_but_text(name):
    spec = ALL_TABLES[name]
    meta = _file(parquet_bytes(_rows(spec))).metadata
    group = meta.row_group(0)
    with_statistics = {
        group.column(i).path_in_schema for i in range(meta.num_columns) if group.column(i).is_stats_set
    }
    text = {
        meta.schema.column(i).path
        for i in range(meta.num_columns)
        if meta.schema.column(i).physical_type == "BYTE_ARRAY"
    }
    assert with_statistics == set(spec.statistics_paths())
    assert with_statistics and not with_statistics & text
    assert "snapshot_date" in with_statistics


def test_principals_keep_statistics_on_dates_and_instants_for_readers_that_prune_files():
    meta = _file(parquet_bytes(_rows(PRINCIPALS))).metadata
    group = meta.row_group(0)
    stats = {group.column(i).path_in_schema: group.column(i).statistics for i in range(meta.num_columns)}
    assert stats["created_at"].has_min_max and stats["last_used_at"].has_min_max
    assert stats["principal_id"] is None or not stats["principal_id"].has_min_max
