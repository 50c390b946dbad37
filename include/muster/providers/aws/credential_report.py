"""Parse the IAM credential report CSV into typed rows, keeping its real-world quirks visible.

The report (GetCredentialReport, https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html)
is one CSV row per user plus a ``<root_account>`` row. Values seen in real reports and kept here:
``N/A`` / ``not_supported`` / ``no_information`` (all become None; ``marker()`` still tells them apart), ``true`` and
``TRUE``, dates far in the future (2099, hand-edited), ``N/A`` regions beside a known service, and one user
listed twice with different content. moto's report has no root row.

Pure: no I/O, no clock. The extract side calls ``covered_users()`` to decide which users need the per-user
fallback calls; transform reads ``rows``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ...schema.validate import columnar_rows
from ...threads import workers

ROOT_USER = "<root_account>"

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
_DOCUMENTED = frozenset(COLUMNS)
BOOL_COLUMNS = frozenset(c for c in COLUMNS if c.endswith("_active") or c == "password_enabled")
TIME_COLUMNS = frozenset(
    c
    for c in COLUMNS
    if c.endswith(
        ("_time", "_last_used", "_last_changed", "_next_rotation", "_last_rotated", "_last_used_date")
    )
)
#: Markers the report uses for "no value"; all normalise to None.
NULL_MARKERS = frozenset({"", "N/A", "not_supported", "no_information"})
_BOOLS = {"true": True, "false": False}
_UTC = dt.UTC


class CredentialReportError(ValueError):
    """The text is not a credential report at all (no CSV header with ``user`` and ``arn``)."""


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


@dataclass
class CredentialReport:
    """The parsed report, held as columns; the per-ARN row dicts are built on first use.

    ``typed`` has one row per distinct user ARN (first-seen order) and one column per header name, typed as
    described in the module doc; ``raw`` holds the same rows' original cells as text (see ``marker``).
    """

    #: User names listed more than once with different content (identical duplicates are merged).
    ambiguous: set[str] = field(default_factory=set)
    #: Columns beyond the documented 22.
    unknown_columns: list[str] = field(default_factory=list)
    #: Documented columns absent from the header.
    missing_columns: list[str] = field(default_factory=list)
    #: Values that could not be parsed, one message per cell, naming row user and column.
    errors: list[str] = field(default_factory=list)
    #: Column name -> index in ``cells``.
    index: dict[str, int] = field(default_factory=dict)
    typed: pa.Table | None = None
    raw: pa.Table | None = None
    #: Per row of ``typed``: read by the columnar reader, so each date cell in ``raw`` is exactly
    #: ``YYYY-MM-DDTHH:MM:SS`` (+ ``+00:00`` or ``Z``) and its value that UTC time (or a null marker).
    #: None when no row is.
    exact: pa.Array | None = None
    _arn_by_name: dict[str, str] | None = field(default=None, repr=False)
    _rows: dict[str, dict] | None = field(default=None, repr=False)
    _cells: dict[str, list[str]] | None = field(default=None, repr=False)
    _at: dict[str, int] | None = field(default=None, repr=False)

    @property
    def arn_by_name(self) -> dict[str, str]:
        """user name -> ARN (of the name's last distinct ARN); built from ``typed`` on first use."""
        if self._arn_by_name is None:
            names = self.typed.column("user").to_pylist() if self.typed else []
            self._arn_by_name = dict(zip(names, self.arns, strict=True))
        return self._arn_by_name

    @property
    def rows(self) -> dict[str, dict]:
        """User ARN -> typed row (built from ``typed`` on first use)."""
        if self._rows is None:
            self._rows = dict(zip(self.arns, columnar_rows(self.typed), strict=True)) if self.typed else {}
        return self._rows

    @property
    def cells(self) -> dict[str, list[str]]:
        """User ARN -> the row's original cells, in header order (built from ``raw`` on first use)."""
        if self._cells is None:
            columns = [c.to_pylist() for c in self.raw.columns] if self.raw else []
            self._cells = dict(zip(self.arns, map(list, zip(*columns, strict=True)), strict=True))
        return self._cells

    def position(self, arn: str) -> int | None:
        """Index of an ARN's row in ``typed`` and ``raw``."""
        if self._at is None:
            self._at = {a: i for i, a in enumerate(self.arns)}
        return self._at.get(arn)

    def row(self, arn: str) -> dict | None:
        """One ARN's typed row, without building every row."""
        if self._rows is not None or not self.typed:
            return self.rows.get(arn)
        i = self.position(arn)
        return None if i is None else columnar_rows(self.typed.slice(i, 1))[0]

    @property
    def arns(self) -> list[str]:
        """User ARNs in first-seen order."""
        return self.typed.column("arn").to_pylist() if self.typed else []

    def marker(self, arn: str, column: str) -> str | None:
        """The original text of one cell, e.g. to tell ``N/A`` (never used) from ``no_information``."""
        cells, i = self.cells.get(arn), self.index.get(column)
        return cells[i] if cells is not None and i is not None and i < len(cells) else None

    def covered_users(self) -> set[str]:
        """User names (not root) with exactly one unambiguous row: no per-user calls needed for them."""
        return {name for name in self.arn_by_name if name != ROOT_USER and name not in self.ambiguous}

    @property
    def root(self) -> dict | None:
        """The ``<root_account>`` row, or None (moto, or a report filtered by hand)."""
        if self._arn_by_name is None and self.typed:  # one lookup, without building the whole mapping
            at = pc.indices_nonzero(pc.fill_null(pc.equal(self.typed.column("user"), ROOT_USER), False))
            arn = self.typed.column("arn")[at[-1].as_py()].as_py() if len(at) else None
        else:
            arn = self.arn_by_name.get(ROOT_USER)
        return self.row(arn) if arn else None

    def row_for(self, name: str, arn: str | None = None) -> dict | None:
        """The row of a user by ARN, else by name (ambiguous users included: check ``ambiguous``)."""
        row = self.row(arn) if arn else None
        if row is None and name in self.arn_by_name:
            row = self.row(self.arn_by_name[name])
        return row


def parse_credential_report(text: str) -> CredentialReport:
    """Parse decoded report CSV text. Raises CredentialReportError only when there is no usable header.

    Fast path: a report without quotes, odd line breaks or irregular rows is read by Arrow's CSV reader
    and typed with Arrow kernels; rows that need a closer look (a duplicated user or ARN, a value that is
    not a plain boolean or ``YYYY-MM-DDTHH:MM:SS[+00:00|Z]`` date, no user or ARN) go through the
    line-by-line conversion below, which names the bad cell. Any other report is read line by line.
    """
    return _finish(*_begin(text, None))


def start_parse(text: str) -> Callable[[], CredentialReport]:
    """``parse_credential_report(text)`` begun now: Arrow's CSV reader runs on a thread (it releases the
    GIL) while the caller goes on; the function returned finishes the parse and returns, or raises, what
    ``parse_credential_report`` would. With no idle core, the CSV is read when finishing, as a loop would."""
    if workers(2) < 2:
        begun = _begin(text, None)
        return lambda: _finish(*begun)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="muster-report")
    try:
        begun = _begin(text, pool)
    finally:
        pool.shutdown(wait=False)  # the thread ends with its one read
    return lambda: _finish(*begun)


def _begin(
    text: str, pool: ThreadPoolExecutor | None
) -> tuple[str, list[str], Callable[[], pa.Table] | None]:
    """(text, header names, the CSV read as Arrow strings: None when the text needs the line reader)."""
    text = text.lstrip("\ufeff")
    end = text.find("\n")  # the header alone, without copying the rest of the text
    header = (text if end < 0 else text[:end]).rstrip("\r")
    names = [h.strip().lower() for h in header.split(",")]
    if not ("\r" not in header and "user" in names and "arn" in names and _arrow_readable(text, names)):
        return text, names, None
    if pool is None:
        return text, names, partial(_read_strings, text, names)
    return text, names, pool.submit(_read_strings, text, names).result


def _finish(text: str, names: list[str], strings: Callable[[], pa.Table] | None) -> CredentialReport:
    if strings is not None:
        try:
            return _parse_columnar(text, names, strings())
        except pa.ArrowInvalid:
            pass  # a row with the wrong number of cells: the line-by-line reader names it
    report, names, _ = _parse_lines(_lines(text))
    report.typed, report.raw = _tables(names, report._rows, report._cells)
    return report


def _lines(text: str) -> Iterator[list[str]]:
    """Cells per line: split on commas when nothing is quoted, else the csv module."""
    if '"' not in text:
        return (line.split(",") for line in text.splitlines())
    return csv.reader(io.StringIO(text))


def _parse_lines(lines: Iterator[list[str]]) -> tuple[CredentialReport, list[str], dict[str, int]]:
    """The line-by-line reader: a report with dict rows, the header names, the line each ARN was first on."""
    header = next(lines, None)
    names = [h.strip().lower() for h in header] if header else []
    if "user" not in names or "arn" not in names:
        raise CredentialReportError("credential report: not a CSV with a 'user' and 'arn' header")
    report = _new_report(names)
    report._rows, report._cells, first_line = {}, {}, {}
    kinds = _kinds(names)
    for lineno, cells in enumerate(lines, start=2):
        _add_line(report, names, kinds, lineno, cells, first_line)
    return report, names, first_line


def _new_report(names: list[str]) -> CredentialReport:
    return CredentialReport(
        unknown_columns=[n for n in names if n not in _DOCUMENTED],
        missing_columns=[c for c in COLUMNS if c not in names],
        index={n: i for i, n in enumerate(names)},
    )


def _kinds(names: list[str]) -> list[str]:
    return [_BOOL if n in BOOL_COLUMNS else _TIME if n in TIME_COLUMNS else _STR for n in names]


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


# Column kinds. Each cell is converted by one conditional expression; anything unusual (a bool in odd
# case, a malformed date) raises and the row goes through the slow path that names the bad cell.
_STR, _BOOL, _TIME = "str", "bool", "time"
_EXACT_BOOLS = {"true": True, "false": False, "TRUE": True, "FALSE": False}


def _time_fast(cell: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(cell)
    return parsed if parsed.tzinfo is _UTC else parse_time(parsed)


def _convert(kind: str, cell: str) -> object:
    """One cell, the slow way. Raises ValueError (never repeating the value)."""
    if cell in NULL_MARKERS:
        return None
    if kind is _STR:
        return cell
    if kind is _BOOL:
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
            expected = "true/false" if kind is _BOOL else "an ISO-8601 date"
            report.errors.append(f"line {lineno} (user {name}) column {col}: not {expected}")
            values.append(None)
    return values


def _add_row(
    report: CredentialReport, names: list, kinds: list, cells: list, name: str, arn: str, lineno: int
) -> None:
    nulls, bools = NULL_MARKERS, _EXACT_BOOLS
    try:
        values = [
            None if c in nulls else c if k is _STR else bools[c] if k is _BOOL else _time_fast(c)
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


# --- The columnar reader -------------------------------------------------------------------------------

UTC_TS = pa.timestamp("us", tz="UTC")
_ARROW_TYPES = {_STR: pa.string(), _BOOL: pa.bool_(), _TIME: UTC_TS}
_NULLS = pa.array(sorted(NULL_MARKERS))
_TRUE, _FALSE = pa.array(["true", "TRUE"]), pa.array(["false", "FALSE"])
#: The one date shape read by Arrow, ``YYYY-MM-DDTHH:MM:SS`` plus one of these; any other (offsets,
#: fractions, single-digit fields) takes the line-by-line conversion.
_UTC_SUFFIXES = pa.array(["", "+00:00", "Z"])
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
#: That shape as a whole cell (RE2: ``\d`` is an ASCII digit).
_TIME_SHAPE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\+00:00|Z)?$"
#: The same shape character by character ("d": an ASCII digit), and the suffix that goes with each width.
_TIME_HEAD = b"dddd-dd-ddTdd:dd:dd"
_HEAD = np.frombuffer(_TIME_HEAD, np.uint8)
_DIGIT = _HEAD == ord("d")
_FIXED_SUFFIXES = {
    len(_TIME_HEAD) + len(s): np.frombuffer(s.encode(), np.uint8) for s in _UTC_SUFFIXES.to_pylist()
}
#: Characters ``str.splitlines`` treats as line breaks but a CSV reader does not.
_ODD_BREAKS = "\x0b\x0c\x1c\x1d\x1e"


def _arrow_readable(text: str, names: list[str]) -> bool:
    """Whether Arrow's reader splits this text exactly as the line-by-line reader would."""
    return (
        '"' not in text
        and len(set(names)) == len(names)
        and text.isascii()
        and not any(c in text for c in _ODD_BREAKS)
    )


def _read_strings(text: str, names: list[str]) -> pa.Table:
    """Every cell as text, columns named as the header; raises ArrowInvalid on a row of the wrong width."""
    return pacsv.read_csv(
        pa.py_buffer(text.encode()),
        read_options=pacsv.ReadOptions(skip_rows=1, column_names=names),
        parse_options=pacsv.ParseOptions(quote_char=False),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            null_values=[],
            check_utf8=False,  # the text is ASCII (``_arrow_readable``): valid UTF-8 throughout
        ),
    )


def _typed_column(kind: str, cells: pa.Array) -> tuple[pa.Array, pa.Array | None]:
    """(typed values, mask of cells the fast conversion cannot vouch for, or None when there are none)."""
    null = pc.is_in(cells, value_set=_NULLS)
    if kind is _STR:
        if not null.true_count:  # e.g. user and arn: no marker, nothing to replace
            return cells, None
        return pc.if_else(null, pa.scalar(None, pa.string()), cells), None
    if kind is _BOOL:
        true = pc.is_in(cells, value_set=_TRUE)
        bad = pc.invert(pc.or_(pc.or_(true, pc.is_in(cells, value_set=_FALSE)), null))
        return pc.if_else(null, pa.scalar(None, pa.bool_()), true), bad
    strict = _strict_times(cells, null)
    if strict is not None:
        return strict, None
    text = pc.utf8_slice_codeunits(cells, 0, 19)
    parsed = pc.strptime(text, format=_TIME_FORMAT, unit="us", error_is_null=True)
    # strptime rolls 30 February over to 1 March: a value must print back as it was read.
    printed = parsed.cast(pa.timestamp("s")).cast(pa.string())  # "YYYY-MM-DD HH:MM:SS"
    same = pc.equal(printed, pc.replace_substring(text, "T", " ", max_replacements=1))
    suffix = pc.is_in(pc.utf8_slice_codeunits(cells, 19, 32), value_set=_UTC_SUFFIXES)
    plain = pc.and_(suffix, pc.fill_null(same, False))
    bad = pc.invert(pc.or_(plain, null))
    values = pc.if_else(pc.or_(null, bad), pa.scalar(None, parsed.type), parsed)
    return values.cast(UTC_TS), bad


def _strict_times(cells: pa.Array, null: pa.Array) -> pa.Array | None:
    """The usual column, fast: every cell a null marker or exactly the one date shape, every date valid.

    Arrow's ISO-8601 cast rejects what ``strptime`` would roll over (30 February, second 60), so when it
    accepts the whole column every value is what the checks in ``_typed_column`` would have let through;
    otherwise (None) the column takes those checks.
    """
    dated = pc.invert(null)
    given = cells.filter(dated)
    if not len(given):
        return pa.nulls(len(cells), UTC_TS)
    width = _fixed_shape(given)
    try:
        if width is None:  # cells of several widths: RE2 checks the shape
            if not pc.all(pc.match_substring_regex(given, _TIME_SHAPE)).as_py():
                return None
            parsed = pc.cast(pc.utf8_slice_codeunits(given, 0, 19), pa.timestamp("us")).cast(UTC_TS)
        elif width == len(_TIME_HEAD):
            parsed = pc.cast(given, pa.timestamp("us")).cast(UTC_TS)
        else:  # a "+00:00" or "Z" suffix, read by the same parser as the zone
            parsed = pc.cast(given, UTC_TS)
    except pa.ArrowInvalid:
        return None
    return (
        parsed
        if len(given) == len(cells)
        else pc.replace_with_mask(pa.nulls(len(cells), UTC_TS), dated, parsed)
    )


def _fixed_shape(cells: pa.Array) -> int | None:
    """The width of the cells when every one is exactly ``_TIME_HEAD`` plus one and the same suffix of
    ``_UTC_SUFFIXES`` (the usual column), else None.

    Cells of one width lie end to end in the text buffer, so numpy checks every character of the column at
    once: several times faster than a regular expression per cell.
    """
    n = len(cells)
    if cells.null_count:
        return None
    offsets = np.frombuffer(cells.buffers()[1], np.int32, n + 1, cells.offset * 4)
    width = int(offsets[1] - offsets[0])
    suffix = _FIXED_SUFFIXES.get(width)
    if suffix is None or offsets[-1] - offsets[0] != width * n or np.any(np.diff(offsets) != width):
        return None
    text = np.frombuffer(cells.buffers()[2], np.uint8, width * n, int(offsets[0])).reshape(n, width)
    head = text[:, : len(_TIME_HEAD)]
    digits = head[:, _DIGIT]
    fits = (
        ((digits >= ord("0")) & (digits <= ord("9"))).all()
        and (head[:, ~_DIGIT] == _HEAD[~_DIGIT]).all()
        and (text[:, len(_TIME_HEAD) :] == suffix).all()
    )
    return width if fits else None


def _duplicated(values: pa.Array) -> pa.Array:
    """Mask of values that occur more than once."""
    if len(pc.unique(values)) == len(values):  # the usual case: one hash pass instead of three
        return pa.repeat(pa.scalar(False), len(values))
    counts = pc.value_counts(values)
    repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    return pc.is_in(values, value_set=repeated)


def _parse_columnar(text: str, names: list[str], strings: pa.Table) -> CredentialReport:
    columns = [c.combine_chunks() for c in strings.columns]
    report = _new_report(names)
    kinds = _kinds(names)
    user, arn = columns[report.index["user"]], columns[report.index["arn"]]
    typed, odd = [], pc.or_(_duplicated(user), _duplicated(arn))
    for kind, cells in zip(kinds, columns, strict=True):
        values, bad = _typed_column(kind, cells)
        typed.append(values)
        odd = odd if bad is None else pc.or_(odd, bad)
    odd = pc.or_(odd, pc.or_(pc.equal(user, ""), pc.equal(arn, "")))
    clean = pc.invert(odd)
    schema = pa.schema([(n, _ARROW_TYPES[k]) for n, k in zip(names, kinds, strict=True)])
    report.typed = pa.Table.from_arrays(typed, schema=schema)
    report.raw = strings
    report.exact = pa.repeat(pa.scalar(True), len(strings))
    if pc.any(odd).as_py():
        report.typed, report.raw = report.typed.filter(clean), strings.filter(clean)
        _add_odd_rows(report, text, names, strings.filter(odd), pc.indices_nonzero(odd), clean)
    return report


def _add_odd_rows(
    report: CredentialReport, text: str, names: list, odd: pa.Table, at: pa.Array, clean: pa.Array
) -> None:
    """Run the rows the fast conversion set aside through the line-by-line one, keeping report order."""
    numbers = [n for n, line in enumerate(text.splitlines()[1:], start=2) if line]
    odd_cells = map(list, zip(*(c.to_pylist() for c in odd.columns), strict=True))
    kinds, first_line = _kinds(names), {}
    report._rows, report._cells = {}, {}
    for lineno, cells in zip([numbers[i] for i in at.to_pylist()], odd_cells, strict=True):
        _add_line(report, names, kinds, lineno, cells, first_line)
    typed, raw = _tables(names, report._rows, report._cells)
    report._rows = report._cells = None
    clean_lines = pa.array(numbers, pa.int64()).filter(clean)
    order = pc.sort_indices(pa.concat_arrays([clean_lines, pa.array(list(first_line.values()), pa.int64())]))
    report.typed = pa.concat_tables([report.typed, typed]).take(order)
    report.raw = pa.concat_tables([report.raw, raw]).take(order)
    exact = pa.repeat(pa.scalar(True), len(clean_lines)), pa.repeat(pa.scalar(False), len(typed))
    report.exact = pa.concat_arrays(exact).take(order)


def _tables(names: list[str], rows: dict[str, dict], cells: dict[str, list]) -> tuple[pa.Table, pa.Table]:
    """(typed, raw) tables from the line-by-line reader's row dicts and cells."""
    kinds = dict(zip(names, _kinds(names), strict=True))
    unique = list(dict.fromkeys(names))
    schema = pa.schema([(n, _ARROW_TYPES[kinds[n]]) for n in unique])
    typed = pa.Table.from_pylist(list(rows.values()), schema=schema)
    columns = list(zip(*cells.values(), strict=True)) if cells else [[] for _ in names]
    raw = pa.Table.from_arrays([pa.array(c, pa.string()) for c in columns], names=names)
    return typed, raw
