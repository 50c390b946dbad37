"""Credential rows from the AWS credential report, many report rows at once with Arrow kernels.

The report-side half of credential_rows.py (split for module size; the id scheme is described there):
``report_keys``, ``report_certs`` and ``report_password`` take one report row through the same columnar code
that batch_users.py runs over the bulk of an account, so the two sources of a row cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...schema import CREDENTIALS
from ...schema.validate import columnar_rows
from .credential_rows import _NOT_REPORTED, REPORT, Use
from .report_cells import UTC_TS

if TYPE_CHECKING:
    from .credential_report import CredentialReport
    from .transform_run import Run

_KEY_SLOTS = tuple(
    (n, *(f"access_key_{n}_{s}" for s in ("active", "last_rotated", "last_used_date", "last_used_region")))
    + (f"access_key_{n}_last_used_service",)
    for n in (1, 2)
)
_CERT_SLOTS = tuple((n, f"cert_{n}_active", f"cert_{n}_last_rotated") for n in (1, 2))


def report_keys(run: Run, pid: str, row: dict, report: CredentialReport) -> Use:
    """Access keys 1 and 2 of a credential-report row (a slot with no date and not active holds no key)."""
    return _one(run, pid, row, report, key_columns)


def report_certs(run: Run, pid: str, row: dict, report: CredentialReport) -> Use:
    """Signing certificates 1 and 2 of a credential-report row (the report has no use date for them)."""
    return _one(run, pid, row, report, cert_columns)


def report_password(run: Run, pid: str, row: dict, report: CredentialReport) -> Use:
    """The console password of a credential-report row, when enabled (unknown when the report says so)."""
    return _one(run, pid, row, report, password_columns)


def _one(run: Run, pid: str, row: dict, report: CredentialReport, kind: Callable) -> Use:
    """One report row through the columnar code: its credential rows appended, its ``Use`` returned."""
    batch = ReportBatch(run, report, [pid], [report.position(row["arn"])])
    tbl, use = kind(batch)
    run.out.credentials.extend(columnar_rows(tbl))
    active, when, source = use
    return Use(active[0].as_py(), when.cast(UTC_PY)[0].as_py(), source[0].as_py())


# --- Columnar: many report rows at once --------------------------------------------------------------

_STR = pa.string()
#: The same instant, read back into Python as ``datetime.UTC`` (a "UTC" zone reads back as a ZoneInfo).
UTC_PY = pa.timestamp("us", "+00:00")
_ACTIVE, _INACTIVE = pa.scalar("active"), pa.scalar("inactive")


class ReportBatch:
    """Credential-report rows of several principals (``pids[i]`` owns report row ``positions[i]``)."""

    def __init__(
        self, run: Run, report: CredentialReport, pids: list[str] | pa.Array, positions: list[int] | pa.Array
    ) -> None:
        self.at = positions if isinstance(positions, pa.Array) else pa.array(positions, pa.int64())
        self.run, self.report, self.size = run, report, len(positions)
        self.pid = pids if isinstance(pids, pa.Array) else pa.array(pids, _STR)
        self.exact = (
            report.exact.take(self.at) if report.exact is not None else pa.repeat(pa.scalar(False), self.size)
        )
        #: Columns taken so far (only the ones asked for are taken).
        self._taken: dict[tuple[str, str], pa.Array] = {}

    def _take(self, table: str, name: str) -> pa.Array | None:
        """The batch's rows of one report column (typed or raw), or None when the report lacks it."""
        found = self._taken.get((table, name))
        if found is None:
            source = getattr(self.report, table)
            if source is None or name not in source.schema.names:
                return None
            found = self._taken[(table, name)] = source.column(name).take(self.at).combine_chunks()
        return found

    def column(self, name: str, kind: pa.DataType) -> pa.Array:
        """A typed report column (all null when the report lacks it)."""
        found = self._take("typed", name)
        return pa.nulls(self.size, kind) if found is None else found

    def stamp(self, name: str, created: pa.Array) -> pa.Array:
        """``stamp`` of the column's dates (null where none): the report's own text where it is exact."""
        raw = self._take("raw", name)
        if raw is None or not pc.all(self.exact).as_py():
            return _stamp(created)
        text = pc.binary_join_element_wise(pc.utf8_slice_codeunits(raw, 0, 19), "Z", "")
        return pc.if_else(pc.is_valid(created), text, pa.scalar(None, _STR))

    def use_source(self, name: str, undated: pa.Array) -> pa.Array:
        """Where each row's last use comes from: the report column where it gives a date, else why it gives
        none (``_marker`` of the cell's original text). Rows of the batch share a few texts, so the column is
        taken from them (string ``if_else`` kernels cost twice as much)."""
        texts, codes = [f"{REPORT}:{name}"], np.zeros(self.size, np.int32)
        at = np.asarray(undated)
        if at.any():
            raw = self._take("raw", name)
            if raw is None:
                texts.append(_marker(None))
                codes[at] = 1
            else:
                cells = raw.filter(undated)
                encoded = (pc.fill_null(cells, "") if cells.null_count else cells).dictionary_encode()
                texts += [_marker(v) for v in encoded.dictionary.to_pylist()]
                codes[at] = np.asarray(encoded.indices) + 1
        return pa.array(texts, _STR).take(pa.array(codes))

    def table(self, cids: pa.Array, kind: str, status: pa.Array, **columns: pa.Array) -> pa.Table:
        """Credential rows in the declared schema; columns not given are null."""
        n, base = len(cids), self.run.base
        fixed = {
            "provider": _repeat(base["provider"], _STR, n),
            "tenant_id": _repeat(base["tenant_id"], _STR, n),
            "snapshot_date": _repeat(base["snapshot_date"], pa.date32(), n),
            "credential_id": cids,
            "kind": _repeat(kind, _STR, n),
            "status": status,
            "managed_by": _repeat("user", _STR, n),
        }
        arrays = [
            fixed.get(c.name, columns.get(c.name))
            if c.name in fixed or c.name in columns
            else pa.nulls(n, c.type)
            for c in CREDENTIALS.columns
        ]
        return pa.Table.from_arrays(arrays, schema=CREDENTIALS.schema)


def _repeat(value: object, kind: pa.DataType, size: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, kind), size)


def _stamp(created: pa.Array) -> pa.Array:
    """``stamp`` for a column: ``YYYY-MM-DDTHH:MM:SSZ``.

    Whole seconds as Arrow's cast makes them (toward zero), printed by numpy's ISO formatter, which is
    several times faster than Arrow's timestamp-to-string cast and prints the same digits (years 1-9999).
    """
    seconds = created.cast(pa.timestamp("s", "UTC"), safe=False)
    valid = seconds.is_valid()
    given = seconds.filter(valid).cast(pa.int64()).to_numpy()
    stamped = pa.array(np.datetime_as_string(given.astype("datetime64[s]"), timezone="UTC"), _STR)  # "…Z"
    if len(stamped) == len(created):
        return stamped
    at = pc.subtract(pc.cumulative_sum(pc.cast(valid, pa.int64())), 1)
    return stamped.take(pc.if_else(valid, at, pa.scalar(None, pa.int64())))


def _cids(batch: ReportBatch, kind: str, rotated: str, slot: int, previous: pa.Array | None) -> pa.Array:
    """``_cid`` for a column; ``previous`` is the id of the slot before (null where it holds nothing)."""
    created = batch.column(rotated, UTC_TS)
    cid = pc.binary_join_element_wise(batch.pid, f"/{kind}/", batch.stamp(rotated, created), "")
    if created.null_count:
        undated = pc.binary_join_element_wise(batch.pid, f"/{kind}/slot{slot}", "")
        cid = pc.if_else(pc.is_valid(created), cid, undated)
    if previous is None:
        return cid
    clash = pc.fill_null(pc.equal(cid, previous), False)
    if not pc.any(clash).as_py():
        return cid
    return pc.if_else(clash, pc.binary_join_element_wise(cid, f"#{slot}", ""), cid)


def later(when: pa.Array, source: pa.Array, used: pa.Array, used_source: pa.Array) -> tuple:
    """``latest`` for two columns: (when, source), the second taken only where strictly later."""
    take = pc.and_(pc.is_valid(used), pc.or_(pc.is_null(when), pc.fill_null(pc.greater(used, when), False)))
    return pc.if_else(take, used, when), pc.if_else(take, used_source, source)


def key_columns(batch: ReportBatch) -> tuple[pa.Table, tuple]:
    """``report_keys`` for many rows: (credential rows, (active, last_used_at, last_used_source))."""
    parts, previous = [], None
    active = _repeat(False, pa.bool_(), batch.size)
    when, source = pa.nulls(batch.size, UTC_TS), pa.nulls(batch.size, _STR)
    for n, c_active, c_rotated, c_used, c_region, c_service in _KEY_SLOTS:
        is_active = pc.fill_null(batch.column(c_active, pa.bool_()), False)
        created, used = batch.column(c_rotated, UTC_TS), batch.column(c_used, UTC_TS)
        present = pc.or_(is_active, pc.is_valid(created))
        if not pc.any(present).as_py():
            continue  # no key in this slot: no rows, no use, nothing for the next slot's id to clash with
        cid = _cids(batch, "access_key", c_rotated, n, previous)
        undated = pc.is_null(used)
        used_source = batch.use_source(c_used, undated)
        row = batch.table(
            cid,
            "access_key",
            pc.if_else(is_active, _ACTIVE, _INACTIVE),
            principal_id=batch.pid,
            created_at=created,
            last_used_at=used,
            last_used_source=used_source,
            last_used_service=batch.column(c_service, _STR),
            last_used_region=batch.column(c_region, _STR),
        )
        parts.append(_present(row, present))
        previous = pc.if_else(present, cid, pa.scalar(None, _STR))
        active = pc.or_(active, is_active)
        none = pa.scalar(None, UTC_TS)
        when, source = later(when, source, pc.if_else(present, used, none), used_source)
    return _concat(parts), (active, when, source)


def cert_columns(batch: ReportBatch) -> tuple[pa.Table, tuple]:
    """``report_certs`` for many rows: (credential rows, (active, no use date, no source))."""
    parts, previous = [], None
    active = _repeat(False, pa.bool_(), batch.size)
    for n, c_active, c_rotated in _CERT_SLOTS:
        is_active = pc.fill_null(batch.column(c_active, pa.bool_()), False)
        created = batch.column(c_rotated, UTC_TS)
        present = pc.or_(is_active, pc.is_valid(created))
        if not pc.any(present).as_py():
            continue  # no certificate in this slot (the usual case)
        cid = _cids(batch, "signing_certificate", c_rotated, n, previous)
        row = batch.table(
            cid,
            "signing_certificate",
            pc.if_else(is_active, _ACTIVE, _INACTIVE),
            principal_id=batch.pid,
            created_at=created,
            last_used_source=_repeat(_NOT_REPORTED, _STR, batch.size),
        )
        parts.append(_present(row, present))
        previous = pc.if_else(present, cid, pa.scalar(None, _STR))
        active = pc.or_(active, is_active)
    return _concat(parts), (active, pa.nulls(batch.size, UTC_TS), pa.nulls(batch.size, _STR))


def _present(rows: pa.Table, present: pa.Array) -> pa.Table:
    """The rows of the slots that hold a credential (no copy when all do)."""
    return rows if pc.all(present).as_py() else rows.filter(present)


def _concat(parts: list[pa.Table]) -> pa.Table:
    return pa.concat_tables(parts) if parts else CREDENTIALS.schema.empty_table()


def password_columns(batch: ReportBatch) -> tuple[pa.Table, tuple]:
    """``report_password`` for many rows: (credential rows, (enabled or unknown, last use, source))."""
    enabled = batch.column("password_enabled", pa.bool_())
    used = batch.column("password_last_used", UTC_TS)
    undated = pc.is_null(used)
    source = batch.use_source("password_last_used", undated)
    row = batch.table(
        pc.binary_join_element_wise(batch.pid, "/password", ""),
        "password",
        _repeat("active", _STR, batch.size),
        principal_id=batch.pid,
        created_at=batch.column("password_last_changed", UTC_TS),
        expires_at=batch.column("password_next_rotation", UTC_TS),
        last_used_at=used,
        last_used_source=source,
    )
    on = pc.fill_null(enabled, False)
    when = pc.if_else(on, used, pa.scalar(None, UTC_TS))
    return row.filter(on), (enabled, when, pc.if_else(on, source, pa.scalar(None, _STR)))


@lru_cache(maxsize=256)
def _marker(raw_value: str | None) -> str:
    """Why the report gives no date: N/A means never used; no_information predates tracking."""
    if raw_value in (None, ""):
        return f"{REPORT}: no value"
    if raw_value == "N/A":
        return f"{REPORT}:N/A (never used)"
    return f"{REPORT}:{raw_value}"
