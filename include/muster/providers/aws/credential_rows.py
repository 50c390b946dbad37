"""Credential rows for one AWS principal, from the credential report or from the per-user fallback calls.

Identifiers and dates only: no secret, no password, no certificate or SSH key body is ever copied. Access keys
from the report carry no key id, so ``credential_id`` is ``<UserId>/access_key/<created>`` where created is
``access_key_N_last_rotated`` (fixed for a key's life); ListAccessKeys data uses the same scheme (plus the
AccessKeyId as ``external_id``) so that a key keeps its id whichever source saw it. Two credentials of one kind
created in the same second (seen with seeded test accounts) get ``#2`` appended to the second id.

Every function returns ``Use``: whether any credential is active and the latest use with its source field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...schema import CREDENTIALS
from ...schema.validate import columnar_rows
from .report_cells import UTC_TS

if TYPE_CHECKING:
    from .credential_report import CredentialReport
    from .transform import Run

REPORT = "credential_report"
_STATUS = {"Active": "active", "Inactive": "inactive", "Expired": "expired"}
_NOT_REPORTED = "not reported by AWS"
_KEY_SLOTS = tuple(
    (n, *(f"access_key_{n}_{s}" for s in ("active", "last_rotated", "last_used_date", "last_used_region")))
    + (f"access_key_{n}_last_used_service",)
    for n in (1, 2)
)
_CERT_SLOTS = tuple((n, f"cert_{n}_active", f"cert_{n}_last_rotated") for n in (1, 2))


class Use(NamedTuple):
    """What a principal's credentials say about it: any active (None: unknown) and latest use."""

    active: bool | None
    last_used_at: dt.datetime | None = None
    last_used_source: str | None = None


UNKNOWN = Use(None)
NONE = Use(False)


def latest(*uses: Use) -> tuple[dt.datetime | None, str | None]:
    """The most recent (last_used_at, last_used_source) among several."""
    when, source = None, None
    for use in uses:
        if use.last_used_at is not None and (when is None or use.last_used_at > when):
            when, source = use.last_used_at, use.last_used_source
    return when, source


def merge_active(*uses: Use) -> bool | None:
    """True if any is active; False only if all are known and inactive; else None."""
    result = False
    for use in uses:
        if use.active:
            return True
        if use.active is None:
            result = None
    return result


def stamp(created: dt.datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` of an aware UTC datetime.

    %-formatting of the fields: twice as fast as isoformat (which formats the UTC offset) and several times
    faster than strftime; the same text for every year 1-9999.
    """
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (  # noqa: UP031 - measurably faster than an f-string here
        created.year,
        created.month,
        created.day,
        created.hour,
        created.minute,
        created.second,
    )


def _cid(pid: str, kind: str, created: dt.datetime | None, slot: int, previous: str | None) -> str:
    cid = f"{pid}/{kind}/{stamp(created)}" if created else f"{pid}/{kind}/slot{slot}"
    return f"{cid}#{slot}" if cid == previous else cid


def _row(
    run: Run,
    cid: str,
    pid: str,
    kind: str,
    status: str,
    external_id: str | None = None,
    created_at: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    last_used_at: dt.datetime | None = None,
    last_used_source: str | None = None,
    last_used_service: str | None = None,
    last_used_region: str | None = None,
) -> str:
    """Append one credentials row; returns its credential_id."""
    run.out.credentials.append(
        {
            **run.base,
            "credential_id": cid,
            "principal_id": pid,
            "kind": kind,
            "external_id": external_id,
            "status": status,
            "managed_by": "user",
            "created_at": created_at,
            "expires_at": expires_at,
            "last_used_at": last_used_at,
            "last_used_source": last_used_source,
            "last_used_service": last_used_service,
            "last_used_region": last_used_region,
        }
    )
    return cid


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

    def marker(self, name: str, where: pa.Array | None = None) -> pa.Array:
        """Why the report gives no date, from the cell's original text (see ``_marker``).

        With ``where``, only those rows are worked out (the others are null): the marker is wanted only
        where the date is missing.
        """
        raw = self._take("raw", name)
        if raw is None:
            return _repeat(_marker(None), _STR, self.size)
        if where is not None:
            if not pc.any(where).as_py():
                return pa.nulls(self.size, _STR)
            return pc.replace_with_mask(pa.nulls(self.size, _STR), where, _markers(raw.filter(where)))
        return _markers(raw)

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


def _markers(raw: pa.Array) -> pa.Array:
    never, empty = pc.equal(raw, "N/A"), pc.fill_null(pc.equal(raw, ""), True)
    other = pc.binary_join_element_wise(f"{REPORT}:", raw, "")
    return pc.if_else(empty, _marker(None), pc.if_else(never, _marker("N/A"), other))


def _stamp(created: pa.Array) -> pa.Array:
    """``stamp`` for a column: ``YYYY-MM-DDTHH:MM:SSZ``.

    Whole seconds as Arrow's cast makes them (toward zero), printed by numpy's ISO formatter, which is
    several times faster than Arrow's timestamp-to-string cast and prints the same digits (years 1-9999).
    """
    seconds = created.cast(pa.timestamp("s", "UTC"), safe=False)
    valid = seconds.is_valid()
    given = seconds.filter(valid).cast(pa.int64()).to_numpy()
    text = pa.array(np.datetime_as_string(given.astype("datetime64[s]")), _STR)
    stamped = pc.binary_join_element_wise(text, "Z", "")
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
        used_source = pc.if_else(undated, batch.marker(c_used, undated), f"{REPORT}:{c_used}")
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
    source = pc.if_else(undated, batch.marker("password_last_used", undated), f"{REPORT}:password_last_used")
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


def listed_keys(run: Run, pid: str, user: str, items: list[dict]) -> Use:
    """Access keys from ListAccessKeys, each with GetAccessKeyLastUsed's result under "LastUsed"."""
    active, cid, when, when_source = False, None, None, None
    for n, item in enumerate(items, start=1):
        status = _status(run, "access_keys", f"user {user} access key {n}", item.get("Status"))
        if status is None:
            continue
        what = f"user {user} access key {item.get('AccessKeyId')}"
        created = run.time(item.get("CreateDate"), "access_keys", what, "CreateDate")
        last = item.get("LastUsed")
        used, source, service, region = None, None, None, None
        if isinstance(last, dict):
            used = run.time(last.get("LastUsedDate"), "access_keys", what, "LastUsed.LastUsedDate")
            source = "iam:GetAccessKeyLastUsed" if used else "iam:GetAccessKeyLastUsed:N/A (never used)"
            service, region = _known(last.get("ServiceName")), _known(last.get("Region"))
        cid = _row(
            run,
            _cid(pid, "access_key", created, n, cid),
            pid,
            "access_key",
            status,
            external_id=item.get("AccessKeyId") or None,
            created_at=created,
            last_used_at=used,
            last_used_source=source,
            last_used_service=service,
            last_used_region=region,
        )
        active = active or status == "active"
        if used and (when is None or used > when):
            when, when_source = used, source
    return Use(active, when, when_source)


def listed_certs(run: Run, pid: str, user: str, items: list[dict]) -> Use:
    """Signing certificates from ListSigningCertificates (the body is public but not copied)."""
    active, cid = False, None
    for n, item in enumerate(items, start=1):
        what = f"user {user} signing certificate {item.get('CertificateId')}"
        status = _status(run, "signing_certificates", what, item.get("Status"))
        if status is None:
            continue
        created = run.time(item.get("UploadDate"), "signing_certificates", what, "UploadDate")
        cid = _cid(pid, "signing_certificate", created, n, cid)
        _row(
            run,
            cid,
            pid,
            "signing_certificate",
            status,
            external_id=item.get("CertificateId") or None,
            created_at=created,
            last_used_source=_NOT_REPORTED,
        )
        active = active or status == "active"
    return Use(active)


def login_profile(run: Run, pid: str, user: str, profile: dict | None) -> Use:
    """The console password from GetLoginProfile (None: the user has no password)."""
    if profile is None:
        return NONE
    created = run.time(
        profile.get("CreateDate"), "login_profiles", f"user {user} login profile", "CreateDate"
    )
    source = "not observed: user not in the credential report"
    _row(run, f"{pid}/password", pid, "password", "active", created_at=created, last_used_source=source)
    return Use(True)


def ssh_keys(run: Run, pid: str, user: str, items: list[dict]) -> Use:
    """SSH public keys (ListSSHPublicKeys); the key body is not copied."""
    active = False
    for item in items:
        key_id = item.get("SSHPublicKeyId")
        what = f"user {user} SSH key {key_id}"
        status = _status(run, "ssh_public_keys", what, item.get("Status"))
        if status is None or not key_id:
            continue
        created = run.time(item.get("UploadDate"), "ssh_public_keys", what, "UploadDate")
        _row(
            run,
            key_id,
            pid,
            "ssh_key",
            status,
            external_id=key_id,
            created_at=created,
            last_used_source=_NOT_REPORTED,
        )
        active = active or status == "active"
    return Use(active)


def service_specific(run: Run, pid: str, user: str, items: list[dict]) -> Use:
    """Service-specific credentials (ListServiceSpecificCredentials); never the ServicePassword."""
    entity, active = "service_specific_credentials", False
    for item in items:
        cred_id = item.get("ServiceSpecificCredentialId")
        what = f"user {user} service-specific credential {cred_id}"
        status = _status(run, entity, what, item.get("Status"))
        if status is None or not cred_id:
            continue
        _row(
            run,
            cred_id,
            pid,
            "service_specific",
            status,
            external_id=cred_id,
            created_at=run.time(item.get("CreateDate"), entity, what, "CreateDate"),
            expires_at=run.time(item.get("ExpirationDate"), entity, what, "ExpirationDate"),
            last_used_source=_NOT_REPORTED,
        )
        active = active or status == "active"
    return Use(active)


def _status(run: Run, entity: str, what: str, value: object) -> str | None:
    status = _STATUS.get(value) if isinstance(value, str) else None
    if status is None:
        run.fail(entity, f"{what} field Status is not Active/Inactive/Expired; credential skipped")
    return status


def _known(value: object) -> str | None:
    return None if value in (None, "", "N/A") else value
