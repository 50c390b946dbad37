"""A table's Parquet bytes do not depend on how its columns are chunked."""

from __future__ import annotations

import hashlib

import pyarrow as pa
import pytest
from muster.snapshot.encoding import WRITE_OPTIONS, parquet_bytes

SMALL_GROUPS = {**WRITE_OPTIONS, "row_group_size": 7}


def _table(n: int) -> pa.Table:
    return pa.table(
        {
            "id": [f"id-{i:05d}" for i in range(n)],
            "text": [None if i % 5 == 0 else "x" * (i % 13) + '"quoted"' for i in range(n)],
            "n": pa.array([i % 3 for i in range(n)], pa.int64()),
            "tags": [[f"t{i % 4}"] * (i % 3) for i in range(n)],
        }
    )


def _chunked(tbl: pa.Table, cuts: list[int]) -> pa.Table:
    edges = [0, *cuts, len(tbl)]
    return pa.concat_tables([tbl.slice(a, b - a) for a, b in zip(edges, edges[1:], strict=False)])


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("cuts", [[1], [3, 7, 8], [6, 13, 14, 15, 30], [7, 14]])
@pytest.mark.parametrize("options", [SMALL_GROUPS, WRITE_OPTIONS], ids=["groups-of-7", "production"])
def test_chunked_and_single_chunk_tables_give_the_same_bytes(cuts, options):
    whole = _table(40)
    chunked = _chunked(whole, cuts)
    assert chunked.column("id").num_chunks == len(cuts) + 1
    assert _digest(parquet_bytes(chunked, options)) == _digest(parquet_bytes(whole, options))


def test_a_slice_and_an_empty_table_give_the_bytes_of_their_rows():
    whole = _table(40)
    part = _chunked(whole, [10, 20]).slice(5, 22)
    assert _digest(parquet_bytes(part, SMALL_GROUPS)) == _digest(
        parquet_bytes(part.combine_chunks(), SMALL_GROUPS)
    )
    empty = _chunked(whole, [10, 20]).slice(0, 0)
    assert parquet_bytes(empty) == parquet_bytes(empty.combine_chunks())
