"""The people index in the store, and the people context the rules read from it.

Each derive of a tenant-day seals that tenant's people index for the day as the derived kind `people`:
the index of the tenant's latest earlier stored index folded forward over the sealed days after it
(normally one). Its manifest names the snapshot manifest SHA-256 of every day folded and the manifest
SHA-256 of the index it started from, and carries the chain digest over every snapshot folded since the
tenant's first day, so the chain covers the whole history.

The context of a tenant-day takes, for each tenant of every provider (owners are matched to the people
of any provider: an AWS service user's owner is often an Entra or Google account), its latest stored index
up to the day that still matches its snapshot (the recorded snapshot SHA-256 equals the current one, same
fold version), folds forward the sealed days after it in memory, and hands the rules one summary row per
tenant and person: the cost is one small index per tenant plus the days not indexed yet, not every earlier snapshot.
A stored index never vouches for the snapshots before its own day: a snapshot re-sealed in the past is
followed by re-deriving the days from it onwards (`muster backfill`), as the changes and ledger are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass

import pyarrow as pa

from ..schema import PEOPLE_INDEX
from ..snapshot import DerivedStore, SnapshotError, SnapshotRef, SnapshotStore
from .people_fold import (
    FOLD_VERSION,
    INDEX_COLUMNS,
    OBSERVED_SCHEMA,
    chain,
    day_people,
    empty_index,
    fold,
    summaries,
)

log = logging.getLogger(__name__)

KIND = "people"
#: The principal columns the fold reads: who is a person, their name and whether they are enabled.
_READ = ["name", "enabled", "is_nhi", "kind"]


@dataclass(frozen=True)
class Folded:
    """A tenant's people index as of `day` (its latest sealed day folded)."""

    index: pa.Table
    day: dt.date
    complete: bool
    chain: str
    #: What was read: each folded day's snapshot manifest SHA-256, the stored index started from.
    inputs: dict[str, str]


def _where(ref: SnapshotRef) -> str:
    return f"{ref.provider}/{ref.tenant_id}/{ref.snapshot_date}"


def _sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _stored(store: SnapshotStore, derived: DerivedStore, ref: SnapshotRef) -> Folded | None:
    """The stored index of `ref`, or None when it no longer matches its snapshot or cannot be read (being
    re-derived by another task, another fold version)."""
    try:
        raw = derived.manifest_bytes(KIND, ref)
        manifest = json.loads(raw)
        day = ref.snapshot_date.isoformat()
        if manifest["params"].get("fold_version") != FOLD_VERSION:
            return None
        if manifest["inputs"].get(f"snapshot {day}") != _sha(store.manifest_bytes(ref)):
            log.info("people index %s is stale: its snapshot was re-sealed", _where(ref))
            return None
        index = derived.read(KIND, ref, PEOPLE_INDEX.name, columns=list(INDEX_COLUMNS))
    except (SnapshotError, OSError, KeyError) as exc:
        log.info("people index %s not usable: %s", _where(ref), exc)
        return None
    params = manifest["params"]
    return Folded(
        index,
        ref.snapshot_date,
        params["principals_complete"],
        params["chain_sha256"],
        {f"people {day}": _sha(raw)},
    )


def fold_tenant(
    store: SnapshotStore, days: list[SnapshotRef], stored: list[SnapshotRef], derived: DerivedStore
) -> Folded:
    """The index of the last of `days` (one tenant's sealed days, sorted): from the latest usable of the
    `stored` indexes among them, folded forward over the days after it."""
    start, have = None, {r.snapshot_date for r in stored}
    for ref in reversed(days):
        if ref.snapshot_date in have and (start := _stored(store, derived, ref)) is not None:
            break
    index = start.index if start else empty_index()
    chained, complete = (start.chain, start.complete) if start else ("", False)
    inputs = dict(start.inputs) if start else {}
    for ref in days:
        if start is not None and ref.snapshot_date <= start.day:
            continue
        raw = store.manifest_bytes(ref)
        complete = json.loads(raw)["tables"].get("principals", {}).get("status") == "complete"
        index = fold(index, day_people(store.read_table(ref, "principals", columns=_READ)), ref.snapshot_date)
        chained = chain(chained, ref.snapshot_date, _sha(raw))
        inputs[f"snapshot {ref.snapshot_date.isoformat()}"] = _sha(raw)
    return Folded(index, days[-1].snapshot_date, complete, chained, inputs)


def derive_people(root: str | SnapshotStore, ref: SnapshotRef) -> dict:
    """Fold and seal the people index of the sealed tenant-day `ref`; returns its manifest.

    Starts from the tenant's latest usable index before the day (never the day's own: re-deriving a day
    recomputes it), so each day's index is the previous one plus that day."""
    store = root if isinstance(root, SnapshotStore) else SnapshotStore(root)
    derived = DerivedStore(store)
    days = [
        r for r in store.list_snapshots(ref.provider, ref.tenant_id) if r.snapshot_date <= ref.snapshot_date
    ]
    if not days or days[-1] != ref:
        raise SnapshotError(f"no sealed snapshot for {ref.provider}/{ref.tenant_id}/{ref.snapshot_date}")
    earlier = [
        r for r in derived.list(KIND, ref.provider, ref.tenant_id) if r.snapshot_date < ref.snapshot_date
    ]
    folded = fold_tenant(store, days, earlier, derived)
    tbl = folded.index
    n = tbl.num_rows
    for i, (name, value, type_) in enumerate(
        (
            ("provider", ref.provider, pa.string()),
            ("tenant_id", ref.tenant_id, pa.string()),
            ("snapshot_date", ref.snapshot_date, pa.date32()),
        )
    ):
        tbl = tbl.add_column(i, name, pa.array([value] * n, type_))
    params = {
        "principals_complete": folded.complete,
        "chain_sha256": folded.chain,
        "fold_version": FOLD_VERSION,
    }
    return derived.write(
        KIND, ref, {PEOPLE_INDEX.name: (PEOPLE_INDEX, tbl)}, inputs=folded.inputs, params=params
    )


def people_context(
    store: SnapshotStore, ref: SnapshotRef, sealed: list[SnapshotRef]
) -> tuple[dict, dict[tuple[str, str], Folded]]:
    """The people summaries and per-tenant latest observation, up to `ref`'s day, of every tenant in
    `sealed` (the sealed snapshots of every provider, listed once by the caller: owners are matched to the
    people of any provider), and each tenant's fold, keyed (provider, tenant_id). Snapshots after `ref`'s day
    are never read, so re-deriving a past day reads what that day could."""
    derived = DerivedStore(store)
    days: dict[tuple[str, str], list[SnapshotRef]] = defaultdict(list)
    for r in sealed:
        if r.snapshot_date <= ref.snapshot_date:
            days[(r.provider, r.tenant_id)].append(r)
    stored: dict[tuple[str, str], list[SnapshotRef]] = defaultdict(list)
    for provider in sorted({p for p, _ in days}):
        for r in derived.list(KIND, provider):
            stored[(r.provider, r.tenant_id)].append(r)
    folded = {k: fold_tenant(store, days[k], stored[k], derived) for k in sorted(days)}
    observed = pa.Table.from_pylist(
        [
            {"provider": p, "tenant_id": t, "snapshot_date": f.day, "complete": f.complete}
            for (p, t), f in folded.items()
        ],
        schema=OBSERVED_SCHEMA,
    )
    people = summaries({k: f.index for k, f in folded.items()})
    return {"people": people, "observed": observed}, folded
