"""A sealed table's columns decoded one at a time, when the diff asks for them.

Two whole tables of millions of rows cost gigabytes once decoded, and on a shared machine memory is time:
every new page is zeroed (and, in a VM, backed) on first touch. The diff needs two columns at a time (the
pair it compares) plus small slices of the rows that changed, so a side is kept as its verified Parquet
bytes and each column decoded when needed. Offers what the diff uses of `pa.Table`: `num_rows`,
`column(name)`, `filter(mask)`, `schema`; a `pa.Table` can stand in for it anywhere (tests do). `pieces`
yields a column a row group at a time (`pieces(side, name)` for either kind of side).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


class ParquetColumns:
    """Columns of one Parquet file held in memory, optionally restricted to the rows of a mask."""

    def __init__(self, data: bytes, dictionary: list[str], mask: np.ndarray | None = None):
        self._data, self._dictionary, self._mask = data, dictionary, mask
        self._file = pq.ParquetFile(pa.BufferReader(data), read_dictionary=dictionary, pre_buffer=False)

    @property
    def num_rows(self) -> int:
        return self._file.metadata.num_rows if self._mask is None else int(np.count_nonzero(self._mask))

    @property
    def schema(self) -> pa.Schema:
        """The columns' Arrow types as `column` returns them (string leaves may be dictionaries)."""
        return self._file.schema_arrow

    def column(self, name: str) -> pa.ChunkedArray:
        """Decode one column, string leaves named in `dictionary` as Arrow dictionaries."""
        col = self._decode(name)
        return col if self._mask is None else col.filter(pa.array(self._mask))

    def _decode(self, name: str) -> pa.ChunkedArray:
        """Row group by row group, so that no copy joins them; single-threaded, as tables are diffed in
        parallel already. Lists and maps whose dictionary changes inside a row group need Arrow's batched
        reader (the file reader cannot return them in chunks)."""
        f = self._file
        try:
            if f.num_row_groups <= 1:
                return f.read(columns=[name], use_threads=False).column(0)
            parts = [
                f.read_row_group(i, columns=[name], use_threads=False).column(0)
                for i in range(f.num_row_groups)
            ]
            return pa.chunked_array([c for part in parts for c in part.chunks], parts[0].type)
        except pa.ArrowNotImplementedError:
            opts = {"read_dictionary": self._dictionary, "pre_buffer": False, "use_threads": False}
            return pq.read_table(pa.BufferReader(self._data), columns=[name], **opts).column(0)

    def pieces(self, name: str) -> Iterator[pa.Array]:
        """A flat column a row group at a time (rows outside the mask dropped), for a pass that keeps only
        a little of each: the whole column is never decoded at once."""
        f, start = self._file, 0
        for i in range(f.num_row_groups):
            part = f.read_row_group(i, columns=[name], use_threads=False).column(0)
            if self._mask is not None:
                part, start = part.filter(pa.array(self._mask[start : start + len(part)])), start + len(part)
            yield from part.chunks

    def filter(self, mask) -> ParquetColumns:
        """The rows where `mask` (over the current rows) is true."""
        mask = np.asarray(mask.to_numpy(zero_copy_only=False) if hasattr(mask, "to_numpy") else mask, bool)
        if self._mask is not None:
            full = np.zeros(len(self._mask), dtype=bool)
            full[np.flatnonzero(self._mask)] = mask
            mask = full
        return ParquetColumns(self._data, self._dictionary, mask)


def pieces(side, name: str) -> Iterator[pa.Array]:
    """A flat column of a side a part at a time: row groups of a Parquet file, chunks of a table."""
    return side.pieces(name) if isinstance(side, ParquetColumns) else iter(side.column(name).chunks)
