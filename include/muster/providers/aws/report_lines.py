"""The credential report read line by line: its documented columns, each cell typed in Python, rows merged per ARN.

Split out of credential_report.py (module size). This is the reader that names a bad cell: credential_report
sends through it a report Arrow cannot split exactly (quotes, odd line breaks) and the rows its columnar reader
sets aside. ``parse_time`` lives here because the cell conversion needs it; the GAAD readers and the importer
read IAM timestamps with it too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pyarrow as pa

from .report_cells import ARROW_TYPES, BOOL, NULL_MARKERS, STR, TIME

if TYPE_CHECKING:
    from .credential_report import CredentialReport

#: The documented 22 columns, in report order.
COLUMNS: tuple[str, ...] = (
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    *(
        f"access_key_{n}_{suffix}"
        for n in (1, 2)
        for suffix in ("active", "last_rotated", "last_used_date", "last_used_region", "last_used_service")
    ),
    *(f"cert_{n}_{suffix}" for n in (1, 2) for suffix in ("active", "last_rotated")),
)
BOOL_COLUMNS = frozenset(c for c in COLUMNS if c.endswith("_active") or c == "password_enabled")
TIME_COLUMNS = frozenset(
    c
    for c in COLUMNS
    if c.endswith(
        ("_time", "_last_used", "_last_changed", "_next_rotation", "_last_rotated", "_last_used_date")
    )
)
_BOOLS = {"true": True, "false": False}
_UTC = dt.UTC


def parse_time(value: object) -> dt.datetime | None:
    """An aware UTC datetime from a datetime or an ISO-8601 string; None stays None.

    IAM timestamps are UTC by definition, so a naive value (moto's backend, an export without offset) is
    read as UTC rather than as local time. Raises ValueError for anything else.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is _UTC:
            return value
        return value.replace(tzinfo=_UTC) if value.tzinfo is None else value.astimezone(_UTC)
    if isinstance(value, str):
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is _UTC:
            return parsed
        return parsed.replace(tzinfo=_UTC) if parsed.tzinfo is None else parsed.astimezone(_UTC)
    raise ValueError(f"expected a datetime or ISO-8601 string, got {type(value).__name__}")


def _lines(text: str) -> Iterator[list[str]]:
    """Cells per line: split on commas when nothing is quoted, else the csv module."""
    if '"' not in text:
        return (line.split(",") for line in text.splitlines())
    return csv.reader(io.StringIO(text, newline=""))  # newline="": the csv module sees a stray "\r" itself


def _kinds(names: list[str]) -> list[str]:
    return [BOOL if n in BOOL_COLUMNS else TIME if n in TIME_COLUMNS else STR for n in names]


def _add_line(
    report: CredentialReport, names: list, kinds: list, lineno: int, cells: list, first_line: dict
) -> None:
    if not cells or cells == [""]:
        return
    i_user, i_arn = report.index["user"], report.index["arn"]
    if len(cells) != len(names):
        user = cells[i_user] if i_user < len(cells) else None
        report.errors.append(f"line {lineno} (user {user}): {len(cells)} cells, header has {len(names)}")
        cells = (cells + [""] * len(names))[: len(names)]
    name, arn = cells[i_user], cells[i_arn]
    if not name or not arn:
        report.errors.append(f"line {lineno}: no user name or ARN")
        return
    first_line.setdefault(arn, lineno)
    _add_row(report, names, kinds, cells, name, arn, lineno)


# Each cell is converted by one conditional expression; anything unusual (a bool in odd
# case, a malformed date) raises and the row goes through the slow path that names the bad cell.
_EXACT_BOOLS = {"true": True, "false": False, "TRUE": True, "FALSE": False}


def _time_fast(cell: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(cell)
    return parsed if parsed.tzinfo is _UTC else parse_time(parsed)


def _convert(kind: str, cell: str) -> object:
    """One cell, the slow way. Raises ValueError (never repeating the value)."""
    if cell in NULL_MARKERS:
        return None
    if kind is STR:
        return cell
    if kind is BOOL:
        result = _BOOLS.get(cell.strip().lower())
        if result is None:
            raise ValueError("expected true/false")
        return result
    return parse_time(cell)


def _slow_values(
    report: CredentialReport, names: list, kinds: list, cells: list, name: str, lineno: int
) -> list:
    values = []
    for col, kind, cell in zip(names, kinds, cells, strict=True):
        try:
            values.append(_convert(kind, cell))
        except ValueError:
            # The value itself is not repeated: a misplaced secret must not reach an error message.
            expected = "true/false" if kind is BOOL else "an ISO-8601 date"
            report.errors.append(f"line {lineno} (user {name}) column {col}: not {expected}")
            values.append(None)
    return values


def _add_row(
    report: CredentialReport, names: list, kinds: list, cells: list, name: str, arn: str, lineno: int
) -> None:
    nulls, bools = NULL_MARKERS, _EXACT_BOOLS
    try:
        values = [
            None if c in nulls else c if k is STR else bools[c] if k is BOOL else _time_fast(c)
            for k, c in zip(kinds, cells, strict=True)
        ]
    except (KeyError, ValueError):
        values = _slow_values(report, names, kinds, cells, name, lineno)
    row = dict(zip(names, values, strict=True))
    rows, all_cells = report._rows, report._cells
    previous = rows.get(arn)
    if previous is None:
        rows[arn] = row
        all_cells[arn] = cells
        report.arn_by_name[name] = arn
    elif all_cells[arn] != cells:
        report.ambiguous.add(name)
        rows[arn] = {k: (v if row[k] == v else None) for k, v in previous.items()}
        all_cells[arn] = [a if a == b else CONFLICT for a, b in zip(all_cells[arn], cells, strict=True)]


#: Marker for a cell on which duplicate rows of one user disagree.
CONFLICT = "<conflicting duplicate rows>"


def _tables(names: list[str], rows: dict[str, dict], cells: dict[str, list]) -> tuple[pa.Table, pa.Table]:
    """(typed, raw) tables from the line-by-line reader's row dicts and cells."""
    kinds = dict(zip(names, _kinds(names), strict=True))
    unique = list(dict.fromkeys(names))
    schema = pa.schema([(n, ARROW_TYPES[kinds[n]]) for n in unique])
    typed = pa.Table.from_pylist(list(rows.values()), schema=schema)
    columns = list(zip(*cells.values(), strict=True)) if cells else [[] for _ in names]
    raw = pa.Table.from_arrays([pa.array(c, pa.string()) for c in columns], names=names)
    return typed, raw
