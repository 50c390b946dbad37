"""Parse the IAM credential report CSV into typed rows, keeping its real-world quirks visible.

The report (GetCredentialReport, https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html)
is one CSV row per user plus a ``<root_account>`` row. Values seen in real reports and kept here:
``N/A`` / ``not_supported`` / ``no_information`` (all become None; ``marker()`` still tells them apart), ``true`` and
``TRUE``, dates far in the future (2099, hand-edited), ``N/A`` regions beside a known service, and one user
listed twice with different content. moto's report has no root row.

Pure: no I/O, no clock. The extract side calls ``covered_users()`` to decide which users need the per-user
fallback calls; transform reads ``rows``. This module holds the parsed report and the two ways of reading it;
the columns are typed by report_cells.py (Arrow, whole columns) or report_lines.py (line by line, naming a bad
cell), split out for module size.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

import pyarrow as pa
import pyarrow.compute as pc

from ...schema.validate import columnar_rows
from ...threads import workers
from .report_cells import ARROW_TYPES, arrow_readable, duplicated, read_strings, typed_column
from .report_lines import COLUMNS, _add_line, _kinds, _lines, _tables

ROOT_USER = "<root_account>"

_DOCUMENTED = frozenset(COLUMNS)


class CredentialReportError(ValueError):
    """The text is not a credential report at all (no CSV header with ``user`` and ``arn``)."""


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
    line-by-line conversion (report_lines.py), which names the bad cell. Any other report is read line by line.
    """
    return _finish(*_begin(text, None))


def start_parse(text: str) -> Callable[[], CredentialReport]:
    """``parse_credential_report(text)`` begun now: Arrow reads and types the CSV on a thread (its reader and
    kernels release the GIL) while the caller goes on; the function returned finishes the parse and returns,
    or raises, what ``parse_credential_report`` would. With no idle core, the CSV is read when finishing, as a
    loop would."""
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
) -> tuple[str, list[str], Callable[[], CredentialReport | None] | None]:
    """(text, header names, the columnar reading: None when the text needs the line reader)."""
    text = text.lstrip("\ufeff")
    end = text.find("\n")  # the header alone, without copying the rest of the text
    header = (text if end < 0 else text[:end]).rstrip("\r")
    names = [h.strip().lower() for h in header.split(",")]
    if not ("\r" not in header and "user" in names and "arn" in names and arrow_readable(text, names)):
        return text, names, None
    if pool is None:
        return text, names, partial(_read_columnar, text, names)
    return text, names, pool.submit(_read_columnar, text, names).result


def _read_columnar(text: str, names: list[str]) -> CredentialReport | None:
    """The report read and typed with Arrow, or None when a row has the wrong number of cells (the
    line-by-line reader names it)."""
    try:
        return _parse_columnar(text, names, read_strings(text, names))
    except pa.ArrowInvalid:
        return None


def _finish(
    text: str, names: list[str], columnar: Callable[[], CredentialReport | None] | None
) -> CredentialReport:
    report = columnar() if columnar is not None else None
    if report is not None:
        return report
    report, names, _ = _parse_lines(_lines(text))
    report.typed, report.raw = _tables(names, report._rows, report._cells)
    return report


def _parse_lines(lines: Iterator[list[str]]) -> tuple[CredentialReport, list[str], dict[str, int]]:
    """The line-by-line reader: a report with dict rows, the header names, the line each ARN was first on."""
    header = next(lines, None)
    names = [h.strip().lower() for h in header] if header else []
    if "user" not in names or "arn" not in names:
        raise CredentialReportError("credential report: not a CSV with a 'user' and 'arn' header")
    report = _new_report(names)
    report._rows, report._cells, first_line = {}, {}, {}
    kinds = _kinds(names)
    lineno = 1
    try:
        for lineno, cells in enumerate(lines, start=2):
            _add_line(report, names, kinds, lineno, cells, first_line)
    except csv.Error as e:  # e.g. a quote left open: what follows cannot be split into cells
        raise CredentialReportError(
            f"credential report line {lineno + 1} cannot be read as CSV: {e}"
        ) from None
    return report, names, first_line


def _new_report(names: list[str]) -> CredentialReport:
    return CredentialReport(
        unknown_columns=[n for n in names if n not in _DOCUMENTED],
        missing_columns=[c for c in COLUMNS if c not in names],
        index={n: i for i, n in enumerate(names)},
    )


def _parse_columnar(text: str, names: list[str], strings: pa.Table) -> CredentialReport:
    columns = [c.combine_chunks() for c in strings.columns]
    report = _new_report(names)
    kinds = _kinds(names)
    user, arn = columns[report.index["user"]], columns[report.index["arn"]]
    typed, odd = [], pc.or_(duplicated(user), duplicated(arn))
    for kind, cells in zip(kinds, columns, strict=True):
        values, bad = typed_column(kind, cells)
        typed.append(values)
        odd = odd if bad is None else pc.or_(odd, bad)
    odd = pc.or_(odd, pc.or_(pc.equal(user, ""), pc.equal(arn, "")))
    clean = pc.invert(odd)
    schema = pa.schema([(n, ARROW_TYPES[k]) for n, k in zip(names, kinds, strict=True)])
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
