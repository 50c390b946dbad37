"""Canonical JSON of keys and values for the `changes` table, built a column at a time.

`canonical(dict)` is the definition: `json` with sorted keys, no spaces, non-ASCII kept, dates and times in
ISO 8601. Change rows need it for tens of thousands of small objects, so they are assembled from members
(`"name":value` texts) computed column by column with the very functions the encoder uses (its string
escaper, its own `encode` for anything but strings, booleans and null); the bytes are the same, which
the tests check against `canonical`.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .columns import plain_type

UTC_US = pa.timestamp("us", tz="UTC")
#: 0001-01-01 and 9999-12-31 23:59:59.999999 in microseconds since the epoch: datetime's range.
_MIN_US, _MAX_US = -62_135_596_800_000_000, 253_402_300_799_999_999


def _iso(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


#: One encoder for every row: json.dumps with options would build a new one per call.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=_iso, ensure_ascii=False)
#: The encoder's own string escaper (it uses this one when ensure_ascii is off).
_STRING = json.encoder.encode_basestring


def canonical(value: dict) -> str:
    """Canonical JSON: sorted keys, no spaces, dates and times in ISO 8601."""
    return _ENCODER.encode(value)


def _iso_utc(col: pa.ChunkedArray) -> list | None:
    """ISO 8601 strings of a UTC microsecond timestamp column, exactly as `datetime.isoformat` writes them
    (no fraction when it is zero, "+00:00"), computed by numpy; None for other timestamps or values outside
    the years 1-9999 that Python's datetime can hold (those go through Python objects)."""
    if col.type != UTC_US:
        return None
    us = pc.fill_null(col.cast(pa.int64()), 0).to_numpy(zero_copy_only=False)
    if len(us) and (us.min() < _MIN_US or us.max() > _MAX_US):
        return None
    stamps = us.astype("datetime64[us]")
    whole = us % 1_000_000 == 0
    text = np.where(whole, np.datetime_as_string(stamps, unit="s"), np.datetime_as_string(stamps, unit="us"))
    values = [f"{t}+00:00" for t in text.tolist()]
    if col.null_count:
        for i in np.flatnonzero(col.is_null().to_numpy(zero_copy_only=False)).tolist():
            values[i] = None
    return values


def python_values(col: pa.ChunkedArray) -> list:
    """Python values of a column as a transform would hold them: plain strings (not dictionary codes), maps
    as dicts (their entry order means nothing); UTC timestamps already as the ISO strings JSON carries."""
    col = col.cast(plain_type(col.type))
    if pa.types.is_timestamp(col.type):
        iso = _iso_utc(col)
        if iso is not None:
            return iso
    values = col.to_pylist()
    if pa.types.is_map(col.type):
        return [None if v is None else dict(v) for v in values]
    return values


def members(name: str, col: pa.ChunkedArray) -> list[str]:
    """`"name":value` of each row of a column, as the encoder writes that member of an object."""
    prefix = _STRING(name) + ":"
    col = col.cast(plain_type(col.type))
    strings = _iso_utc(col) if pa.types.is_timestamp(col.type) else None
    if strings is None and pa.types.is_string(col.type):
        strings = col.to_pylist()
    if strings is not None:
        return [prefix + ("null" if v is None else _STRING(v)) for v in strings]
    if pa.types.is_boolean(col.type):
        return [prefix + ("null" if v is None else "true" if v else "false") for v in col.to_pylist()]
    return [prefix + _ENCODER.encode(v) for v in python_values(col)]


def objects(columns: list[list[str]], rows: int) -> list[str]:
    """Per row, the object of the given members; `columns` must be in key order (sorted by name)."""
    if not columns:
        return ["{}"] * rows
    return ["{" + ",".join(parts) + "}" for parts in zip(*columns, strict=True)]
