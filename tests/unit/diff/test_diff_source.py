"""ParquetColumns: a sealed file's columns decoded one at a time give the same values as reading the file."""

import io

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from muster.diff.source import ParquetColumns

TABLE = pa.table(
    {
        "id": pa.array([f"P{i:03d}" for i in range(50)]),
        "kind": pa.array(["role", "user"] * 25),
        "reasons": pa.array([[f"r{i % 4}"] * (i % 3) for i in range(50)], pa.list_(pa.string())),
        "tags": pa.array([[("team", f"t{i % 2}")] for i in range(50)], pa.map_(pa.string(), pa.string())),
    }
)
LEAVES = ["kind", "reasons.list.element", "tags.key_value.key", "tags.key_value.value"]


def _bytes(row_group_size: int) -> bytes:
    buf = io.BytesIO()
    pq.write_table(TABLE, buf, row_group_size=row_group_size)
    return buf.getvalue()


def test_columns_read_one_at_a_time_hold_the_file_values_with_string_leaves_as_dictionaries():
    cols = ParquetColumns(_bytes(7), LEAVES)
    assert cols.num_rows == 50
    assert cols.column("kind").type == pa.dictionary(pa.int32(), pa.string())
    assert cols.column("reasons").type.value_type == pa.dictionary(pa.int32(), pa.string())
    assert cols.schema.field("kind").type == pa.dictionary(pa.int32(), pa.string())
    for name in TABLE.column_names:
        assert cols.column(name).to_pylist() == TABLE.column(name).to_pylist()


def test_filters_compose_over_the_rows_left():
    cols = ParquetColumns(_bytes(10), [])
    first = np.arange(50) % 2 == 0  # 25 rows
    second = np.arange(25) < 5
    narrowed = cols.filter(first).filter(pa.chunked_array([pa.array(second)]))
    assert narrowed.num_rows == 5
    assert narrowed.column("id").to_pylist() == ["P000", "P002", "P004", "P006", "P008"]


class _NestedChunksRefused:
    """A file reader that cannot return a column of a row group in one piece, as Arrow's refuses for
    nested columns whose dictionary changes inside a row group."""

    num_row_groups = 2

    def read_row_group(self, *args, **kwargs):
        raise pa.ArrowNotImplementedError("Nested data conversions not implemented for chunked array outputs")


def test_a_column_the_file_reader_refuses_is_read_in_batches():
    cols = ParquetColumns(_bytes(20), LEAVES)
    cols._file = _NestedChunksRefused()
    assert cols.column("reasons").to_pylist() == TABLE.column("reasons").to_pylist()
