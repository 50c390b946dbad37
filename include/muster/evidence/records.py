"""Read the JSON records collection leaves beside the snapshots: discovery listings and run records.

Discovery records (`discovery/provider=P/source=S/date=D/<what>.json`) are the authoritative enumeration of
tenants (Organizations accounts, GCP projects, Azure subscriptions) taken at collection time; coverage is
reconciled against them. Their shapes are read by key, not by provider, so a new provider's listing is
picked up as long as it names each tenant's id and state. A record that names an ``entity`` lists parts of
one tenant (its source) rather than tenants: an Entra tenant's subscriptions, each collected as the
collection entity ``entity`` with ``{id}`` replaced by the subscription's id.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass

import pyarrow.fs as pafs

from ..snapshot import SnapshotStore

log = logging.getLogger(__name__)

#: Keys a listing entry may carry its tenant id / lifecycle state under (AWS, GCP, Azure spellings).
ID_KEYS = ("Id", "projectId", "subscriptionId", "id")
STATE_KEYS = ("Status", "state", "State")
ACTIVE_STATES = {"ACTIVE", "Enabled", "ENABLED"}


@dataclass(frozen=True)
class Listing:
    """One discovery record: which tenants a source (organisation, folder) listed on one day."""

    provider: str
    source: str
    date: dt.date
    status: str
    error: str | None
    listed: dict[str, str]  # tenant id -> state
    collected: tuple[str, ...]
    excluded: tuple[str, ...]
    path: str
    #: For a listing of a tenant's parts: the collection entity of one part ("role_assignments/{id}").
    entity: str | None = None


def _partitions(store: SnapshotStore, top: str) -> list[tuple[dict, pafs.FileInfo]]:
    base = f"{store.base}/{top}"
    if store.fs.get_file_info(base).type != pafs.FileType.Directory:
        return []
    out = []
    for info in store.fs.get_file_info(pafs.FileSelector(base, recursive=True)):
        if info.type != pafs.FileType.File or not info.base_name.endswith(".json"):
            continue
        rel = info.path[len(base) + 1 :]
        parts = dict(p.split("=", 1) for p in rel.split("/")[:-1] if "=" in p)
        out.append((parts, info))
    return sorted(out, key=lambda x: x[1].path)


def _load(store: SnapshotStore, path: str) -> dict | None:
    try:
        return json.loads(store._read(path))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        log.warning("ignoring unreadable record %s: %s", path, e)
        return None


def listings(store: SnapshotStore, start: dt.date, end: dt.date) -> list[Listing]:
    """Every discovery record dated within [start, end], sorted by provider, source, date."""
    out = []
    for parts, info in _partitions(store, "discovery"):
        try:
            date = dt.date.fromisoformat(parts["date"])
            provider, source = parts["provider"], parts["source"]
        except (KeyError, ValueError):
            continue
        if not start <= date <= end:
            continue
        data = _load(store, info.path)
        if data is None:
            continue
        entries = next((v for k, v in data.items() if isinstance(v, list) and k not in _META), None) or []
        listed = {}
        for e in entries:
            tid = next((str(e[k]) for k in ID_KEYS if e.get(k)), None)
            if tid is not None:
                listed[tid] = str(next((e[k] for k in STATE_KEYS if e.get(k)), "ACTIVE"))
        out.append(
            Listing(
                provider,
                source,
                date,
                data.get("status", "complete"),
                data.get("error"),
                listed,
                tuple(data.get("collected") or ()),
                tuple(data.get("excluded") or ()),
                info.path[len(store.base) + 1 :],
                data.get("entity") if isinstance(data.get("entity"), str) else None,
            )
        )
    return sorted(out, key=lambda x: (x.provider, x.source, x.date))


_META = ("collected", "excluded", "homed_elsewhere")


def run_records(store: SnapshotStore, start: dt.date, end: dt.date) -> dict[dt.date, list[dict]]:
    """The nightly run records by logical date: what each run planned, sealed, or why it observed nothing."""
    out: dict[dt.date, list[dict]] = {}
    for parts, info in _partitions(store, "runs"):
        try:
            date = dt.date.fromisoformat(parts["date"])
        except (KeyError, ValueError):
            continue
        if start <= date <= end:
            data = _load(store, info.path)
            if data is not None:
                out.setdefault(date, []).append(data)
    return out
