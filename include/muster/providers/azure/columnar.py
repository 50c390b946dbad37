"""Rows of one snapshot table, added a page at a time as compact Arrow columns and sorted once at the end.

Why: a tenant of 100k service principals gives ~400k rows; held as Python dicts (with the Graph objects they
came from) that was about 1 GB. Here each page's rows become Arrow arrays as soon as they are made, so the
page's JSON and row dicts can be dropped. Until ``table()``:

* columns that hold one value for the whole tenant (provider, tenant_id, snapshot_date) are not stored;
* columns with few distinct values (kinds, statuses, fixed sentences) stay dictionary-encoded;
* ``extra`` columns (not in the schema) ride along for what is settled once the whole tenant is in
  (links.py);
* a ``joined`` column, a key made of other columns (``credential_id`` = principal_id/kind/key id), is not
  stored at all: rows are sorted by its parts and it is joined then. Sorting by the parts gives the order of
  the joined strings unless one part is a prefix of another followed by a character below "/"; the joined
  column is checked and, in that case, the rows are sorted again by it.

``table()`` sorts and decodes column by column, releasing each column's pages before the next one is
built, so the peak is about the finished table. The result has exactly the declared schema, one chunk per
column and rows in key order, which ``Collected.add_columnar`` and the validation after it keep as they are:
the same bytes as the rows validated through ``to_table``.

Memory: pages are small arrays from Arrow's default pool (mimalloc), handed back with ``release_unused``
as they are freed. The finished columns are a few large buffers from the system allocator, which maps them
from the OS and unmaps them when freed; from mimalloc (whose arenas use transparent huge pages) they kept
~20 MB more resident at 100k service principals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from ...schema import to_table
from ...schema._base import TableSpec

PAGE_POOL = pa.default_memory_pool()
TABLE_POOL = pa.system_memory_pool()
#: Errors pyarrow raises for a value that does not fit its column.
CONVERSION_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError)
#: A part of a joined column: a column, or (a, b): a where not null, else b.
Part = str | tuple[str, str]


class Rows:
    """One table's rows as Arrow chunks per column (see the module docstring)."""

    def __init__(
        self,
        spec: TableSpec,
        constants: Mapping[str, object],
        *,
        dictionary: Sequence[str] = (),
        extra: Mapping[str, pa.DataType] | None = None,
        joined: Mapping[str, tuple[Part, ...]] | None = None,
    ) -> None:
        self.spec = spec
        self.constants = dict(constants)
        self.dictionary = frozenset(dictionary)
        self.joined = dict(joined or {})
        self.types = {
            c.name: c.type for c in spec.columns if c.name not in self.constants and c.name not in self.joined
        }
        self.types.update(extra or {})
        self.chunks: dict[str, list[pa.Array]] = {name: [] for name in self.types}
        self.rows = 0

    def __len__(self) -> int:
        return self.rows

    def add(self, rows: Sequence[Mapping]) -> None:
        """A page of row dicts holding every stored column (not the constant or joined ones)."""
        if not rows:
            return
        try:
            arrays = {
                name: pa.array([r[name] for r in rows], type=self._page_type(name), memory_pool=PAGE_POOL)
                for name in self.types
            }
        except CONVERSION_ERRORS:
            # Let the row validator name the offending row and column.
            to_table(self.spec, [{**self.constants, **self._joined_values(r), **r} for r in rows])
            raise
        for name, array in arrays.items():
            self.chunks[name].append(array)
        self.rows += len(rows)
        del arrays
        PAGE_POOL.release_unused()

    def extend(self, other: Rows) -> None:
        """Append another accumulator's rows (same table and constants), taking over its chunks."""
        for name, chunks in other.chunks.items():
            self.chunks[name].extend(chunks)
        self.rows += other.rows
        other.chunks = {name: [] for name in other.types}
        other.rows = 0

    def table(self, fix: Callable[[dict[str, pa.Array]], None] | None = None) -> pa.Table:
        """The rows sorted by primary key with the declared schema; empties the accumulator.

        ``fix`` may change the sorted, decoded columns (extra ones included) before the table is built."""
        keys = [k for k in self.spec.primary_key if k not in self.constants]
        columns = self._sorted(keys)
        for name, value in self.constants.items():
            columns[name] = pa.repeat(pa.scalar(value, self.spec.column(name).type), self.rows, TABLE_POOL)
        if any(k in self.joined for k in keys) and not _ascending([columns[k] for k in keys]):
            order = pc.sort_indices(pa.table({k: columns[k] for k in keys}), [(k, "ascending") for k in keys])
            columns = {
                name: pc.take(column, order, memory_pool=TABLE_POOL) for name, column in columns.items()
            }
        if fix is not None:
            fix(columns)
        self.chunks, self.rows = {name: [] for name in self.types}, 0
        return pa.Table.from_arrays([columns[n] for n in self.spec.column_names], schema=self.spec.schema)

    def _sorted(self, keys: list[str]) -> dict[str, pa.Array]:
        """Every stored and joined column in key order (a joined key: by its parts). The parts come first,
        so that the join happens while the other columns are still compact; then the biggest first."""
        parts = [p for k in keys for p in self.joined.get(k, (k,))]
        order = pc.sort_indices(
            pa.table({f"k{i}": self._sort_column(p) for i, p in enumerate(parts)}),
            sort_keys=[(f"k{i}", "ascending") for i in range(len(parts))],
        )
        pending = {n for ps in self.joined.values() for p in ps for n in _names(p)}
        columns: dict[str, pa.Array] = {}
        for name in sorted(self.chunks, key=lambda n: (n not in pending, -_nbytes(self.chunks[n]))):
            column = self._combined(name)
            del self.chunks[name]  # one copy of the column at a time: its pages go before the take
            PAGE_POOL.release_unused()
            column = pc.take(column, order, memory_pool=TABLE_POOL)
            if name in self.dictionary:
                column = pc.cast(column, self.types[name], memory_pool=TABLE_POOL)
            columns[name] = column
            del column
            PAGE_POOL.release_unused()
            pending.discard(name)
            if not pending and self.joined.keys() - columns.keys():
                for joined, ps in self.joined.items():
                    values = [_part(columns, p) for p in ps]
                    columns[joined] = pc.binary_join_element_wise(*values, "/", memory_pool=TABLE_POOL)
                    del values
        return columns

    def _sort_column(self, part: Part) -> pa.ChunkedArray:
        if not isinstance(part, str):
            return pc.coalesce(*(self._sort_column(p) for p in part))
        column = self._chunked(part)
        return pc.cast(column, self.types[part]) if part in self.dictionary else column

    def _joined_values(self, row: Mapping) -> dict:
        def value(part: Part) -> object:
            return (
                row[part]
                if isinstance(part, str)
                else next((row[p] for p in part if row[p] is not None), None)
            )

        return {name: "/".join(str(value(p)) for p in parts) for name, parts in self.joined.items()}

    def _page_type(self, name: str) -> pa.DataType:
        t = self.types[name]
        return pa.dictionary(pa.int32(), t) if name in self.dictionary else t

    def _chunked(self, name: str) -> pa.ChunkedArray:
        """All pages of one column (dictionary columns with one unified dictionary)."""
        column = pa.chunked_array(self.chunks[name], type=self._page_type(name))
        return column.unify_dictionaries(TABLE_POOL) if name in self.dictionary else column

    def _combined(self, name: str) -> pa.Array:
        column = self._chunked(name)
        return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks(TABLE_POOL)


def _names(part: Part) -> tuple[str, ...]:
    return (part,) if isinstance(part, str) else part


def _part(columns: dict[str, pa.Array], part: Part) -> pa.Array:
    if isinstance(part, str):
        return columns[part]
    return pc.coalesce(*(columns[p] for p in part), memory_pool=TABLE_POOL)


def _nbytes(chunks: list[pa.Array]) -> int:
    return sum(c.nbytes for c in chunks)


def _ascending(keys: list[pa.Array]) -> bool:
    """Rows in ascending order of the key columns (lexicographic over them)."""
    n = len(keys[0])
    if n < 2:
        return True
    tied, wrong = None, None
    for column in keys:
        a, b = column.slice(0, n - 1), column.slice(1)
        down = pc.less(b, a) if tied is None else pc.and_(tied, pc.less(b, a))
        wrong = down if wrong is None else pc.or_(wrong, down)
        same = pc.equal(a, b)
        tied = same if tied is None else pc.and_(tied, same)
    return not pc.any(wrong).as_py()
