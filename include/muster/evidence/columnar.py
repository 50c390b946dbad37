"""Columnar text for populations of hundreds of thousands of rows: member keys and CSV, built with Arrow kernels.

Both produce exactly the text their row-by-row counterparts write (`samples.member_key`,
`tabular.write_csv`): the member key is canonical JSON with ASCII escapes, and a CSV cell is what
`tabular.cell` gives, quoted as `csv.writer` quotes (only a cell holding a comma, a quote or a line break,
its quotes doubled). Values Arrow cannot render the same way (a string needing a JSON escape, a timestamp
outside the years 1000-9999, a type without a rendering here) go through the row-by-row code, so the text
never depends on which path made it.
"""

from __future__ import annotations

import csv
import io
from json.encoder import encode_basestring_ascii as _json_str

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import tabular

#: Characters JSON's ASCII string encoder writes as-is: printable ASCII but the quote and the backslash.
_NEEDS_ESCAPE = r'[^\x20-\x7e]|["\\]'
_UTC_US = pa.timestamp("us", tz="UTC")
#: 1000-01-01 and 9999-12-31 23:59:59.999999 in microseconds: years strftime and isoformat both write as 4 digits.
_MIN_US, _MAX_US = -30_610_224_000_000_000, 253_402_300_799_999_999


def plain(col: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One array of plain values (chunks combined, dictionaries decoded)."""
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    return col.dictionary_decode() if pa.types.is_dictionary(col.type) else col


def _patch(text: pa.Array, rows: np.ndarray, values: list) -> pa.Array:
    """`text` with the given rows replaced (the rows a kernel cannot render)."""
    if not rows.size:
        return text
    out = text.to_pylist()
    for i, v in zip(rows.tolist(), values, strict=True):
        out[i] = v
    return pa.array(out, pa.string())


def json_values(col: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Each value as `samples._value` writes it into a member key: strings JSON-quoted with ASCII escapes,
    null as null. Only string columns (member keys are strings, or dates already as ISO strings)."""
    col = plain(col)
    if not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
        raise TypeError(f"member key values must be strings, not {col.type}")
    quoted = pc.fill_null(pc.binary_join_element_wise('"', col, '"', ""), "null")
    odd = np.flatnonzero(pc.fill_null(pc.match_substring_regex(col, _NEEDS_ESCAPE), False).to_numpy(False))
    return _patch(quoted, odd, [_json_str(v) for v in col.take(pa.array(odd, pa.int64())).to_pylist()])


def member_keys(values: dict[str, pa.Array | pa.ChunkedArray]) -> pa.Array:
    """Per row, the canonical JSON object of `values` (name -> column): `samples.member_key` of each row."""
    parts: list = []
    for i, name in enumerate(sorted(values)):
        parts += [("{" if i == 0 else ",") + _json_str(name) + ":", json_values(values[name])]
    n = len(next(iter(values.values())))
    if not parts:
        return pa.array(["{}"] * n, pa.string())
    return pc.binary_join_element_wise(*parts, "}", "")


def iso_dates(col: pa.Array | pa.ChunkedArray) -> pa.Array:
    """date32 values as ISO strings (null stays null)."""
    return pc.cast(plain(col), pa.string())


def _cells(col: pa.Array) -> pa.Array:
    """`tabular.cell` of each value, unquoted."""
    typ = col.type
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        text = col.cast(pa.string())
    elif pa.types.is_date32(typ) or pa.types.is_integer(typ):
        text = pc.cast(col, pa.string())
    elif pa.types.is_boolean(typ):
        text = pc.if_else(col, "true", "false")
    elif typ == _UTC_US:
        us = pc.cast(col, pa.int64())
        low, high = pc.min_max(us).values()
        if low.is_valid and (low.as_py() < _MIN_US or high.as_py() > _MAX_US):
            return _python_cells(col)
        text = pc.replace_substring_regex(pc.strftime(col, "%Y-%m-%dT%H:%M:%S"), r"\.000000$", "")
        text = pc.binary_join_element_wise(text, "+00:00", "")
    elif pa.types.is_null(typ):
        text = pa.nulls(len(col), pa.string())
    else:
        return _python_cells(col)
    return pc.fill_null(text, "")


def _python_cells(col: pa.Array) -> pa.Array:
    return pa.array([tabular.cell(v) for v in col.to_pylist()], pa.string())


def _csv_writer(lineterminator: str = "\n"):
    buf = io.StringIO()
    return buf, csv.writer(buf, lineterminator=lineterminator)


def _quoted_by_csv() -> str:
    """The characters that make `csv.writer` (as `tabular.write_csv` uses it) quote a cell, asked of the
    module itself: which ones it is differs between Python versions (a carriage return, for one)."""
    buf, w = _csv_writer()
    found = []
    for c in ',"\r\n\t;':
        buf.seek(0)
        buf.truncate()
        w.writerow(["a", f"x{c}y"])
        if buf.getvalue().startswith('a,"'):
            found.append(c)
    return "[" + "".join(f"\\x{ord(c):02x}" for c in found) + "]"


_QUOTED = _quoted_by_csv()


def csv_column(col: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Each value as `tabular.write_csv` writes the cell: quoted when `csv.writer` would quote it (a comma,
    a quote or a line feed in it), its quotes doubled."""
    text = _cells(plain(col))
    quote = pc.match_substring_regex(text, _QUOTED)
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.if_else(quote, quoted, text)


def write_csv(path, header: list[str], columns: list[pa.Array | pa.ChunkedArray]) -> None:
    """The header and the columns' rows, as `tabular.write_csv` writes them (UTF-8, "\\n" after each line)."""
    buf, w = _csv_writer()
    w.writerow(header)
    head = buf.getvalue()[:-1]
    if not columns or not len(columns[0]):
        path.write_bytes((head + "\n").encode())
        return
    lines = pc.binary_join_element_wise(*[csv_column(c) for c in columns], ",")
    path.write_bytes((head + "\n" + "\n".join(lines.to_pylist()) + "\n").encode())
