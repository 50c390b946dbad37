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
from dataclasses import dataclass, field

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
    """The parsed report. ``rows`` maps user ARN to a row whose values are typed (see module doc)."""

    rows: dict[str, dict] = field(default_factory=dict)
    #: User names listed more than once with different content (identical duplicates are merged).
    ambiguous: set[str] = field(default_factory=set)
    #: Columns beyond the documented 22.
    unknown_columns: list[str] = field(default_factory=list)
    #: Documented columns absent from the header.
    missing_columns: list[str] = field(default_factory=list)
    #: Values that could not be parsed, one message per cell, naming row user and column.
    errors: list[str] = field(default_factory=list)
    #: user ARN -> the row's original cells, in header order (see ``marker``).
    cells: dict[str, list[str]] = field(default_factory=dict)
    #: user name -> ARN, for users whose GAAD ARN differs (e.g. path changed in between).
    arn_by_name: dict[str, str] = field(default_factory=dict)
    #: Column name -> index in ``cells``.
    index: dict[str, int] = field(default_factory=dict)

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
        arn = self.arn_by_name.get(ROOT_USER)
        return self.rows.get(arn) if arn else None

    def row_for(self, name: str, arn: str | None = None) -> dict | None:
        """The row of a user by ARN, else by name (ambiguous users included: check ``ambiguous``)."""
        row = self.rows.get(arn) if arn else None
        if row is None and name in self.arn_by_name:
            row = self.rows.get(self.arn_by_name[name])
        return row


def parse_credential_report(text: str) -> CredentialReport:
    """Parse decoded report CSV text. Raises CredentialReportError only when there is no usable header.

    Fast path: AWS quotes a cell only when it holds a comma or quote (IAM user names may contain commas), so
    a report without any quote character is split on commas directly, several times faster than the csv
    module; any quote sends the whole text through ``csv.reader``.
    """
    text = text.lstrip("\ufeff")
    lines = (
        (line.split(",") for line in text.splitlines()) if '"' not in text else csv.reader(io.StringIO(text))
    )
    header = next(lines, None)
    names = [h.strip().lower() for h in header] if header else []
    if "user" not in names or "arn" not in names:
        raise CredentialReportError("credential report: not a CSV with a 'user' and 'arn' header")
    report = CredentialReport(
        unknown_columns=[n for n in names if n not in _DOCUMENTED],
        missing_columns=[c for c in COLUMNS if c not in names],
        index={n: i for i, n in enumerate(names)},
    )
    kinds = [_BOOL if n in BOOL_COLUMNS else _TIME if n in TIME_COLUMNS else _STR for n in names]
    i_user, i_arn = report.index["user"], report.index["arn"]
    for lineno, cells in enumerate(lines, start=2):
        if not cells or cells == [""]:
            continue
        if len(cells) != len(names):
            user = cells[i_user] if i_user < len(cells) else None
            report.errors.append(f"line {lineno} (user {user}): {len(cells)} cells, header has {len(names)}")
            cells = (cells + [""] * len(names))[: len(names)]
        name, arn = cells[i_user], cells[i_arn]
        if not name or not arn:
            report.errors.append(f"line {lineno}: no user name or ARN")
            continue
        _add_row(report, names, kinds, cells, name, arn, lineno)
    return report


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
    previous = report.rows.get(arn)
    if previous is None:
        report.rows[arn] = row
        report.cells[arn] = cells
        report.arn_by_name[name] = arn
    elif report.cells[arn] != cells:
        report.ambiguous.add(name)
        report.rows[arn] = {k: (v if row[k] == v else None) for k, v in previous.items()}
        report.cells[arn] = [a if a == b else CONFLICT for a, b in zip(report.cells[arn], cells, strict=True)]


#: Marker for a cell on which duplicate rows of one user disagree.
CONFLICT = "<conflicting duplicate rows>"
