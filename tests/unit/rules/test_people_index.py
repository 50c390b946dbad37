"""The people index gives the owner states the raw history gives, folded day by day or at once alike.

Oracle: `people_reference` (the history-based algorithm the index replaced). Histories are random: several
tenants of two providers (one tenant id in both), gaps, incomplete days, two accounts of one person in one
tenant, enabled unknown, people re-enabled, removed, never seen.
"""

from __future__ import annotations

import datetime as dt
import random

import people_reference as ref_people
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from muster.cli import main
from muster.rules import build_context
from muster.rules.inputs import Context
from muster.rules.people import active_identities, identity_states
from muster.rules.people_index import KIND, _stored, derive_people
from muster.schema import COLLECTION, to_table
from muster.snapshot import DerivedStore, SnapshotRef, SnapshotStore
from rules_build import AS_OF, DAY, collection, human, principal, tables

DAY0 = DAY - dt.timedelta(days=10)
#: (provider, tenant id): the same id in two providers is two tenants
TENANTS = (("aws", "111111111111"), ("aws", "222222222222"), ("azure", "111111111111"))
NAMES = ("dana.kim", "Dana.Kim@acme.example", "alice", "ALICE@other.example", "bob", "erin")
#: identities (whole lower-cased names); carol is never seen
KEYS = {"dana.kim", "dana.kim@acme.example", "alice", "alice@other.example", "bob", "erin", "carol"}
PEOPLE = ref_people.PEOPLE_SCHEMA
ACCOUNT = st.tuples(st.sampled_from(NAMES), st.one_of(st.none(), st.booleans()))
TENANT_DAY = st.tuples(st.booleans(), st.lists(ACCOUNT, max_size=5))
HISTORY = st.dictionaries(
    st.sampled_from(TENANTS), st.dictionaries(st.integers(0, 6), TENANT_DAY, max_size=6), max_size=3
)


def _raw(history: dict) -> tuple[pa.Table, pa.Table]:
    people, observed = [], []
    for (provider, tenant_id), days in history.items():
        tenant = f"{provider}/{tenant_id}"
        for d, (complete, accounts) in days.items():
            day = DAY0 + dt.timedelta(days=d)
            observed.append({"tenant_id": tenant, "snapshot_date": day, "complete": complete})
            people += [
                {"tenant_id": tenant, "snapshot_date": day, "principal_id": f"P{i}", "name": n, "enabled": e}
                for i, (n, e) in enumerate(accounts)
            ]
    return pa.Table.from_pylist(people, schema=PEOPLE), pa.Table.from_pylist(
        observed, schema=ref_people.OBSERVED_SCHEMA
    )


def _same_answers(new: Context, old: ref_people.Context, date: dt.date) -> None:
    assert identity_states(new, KEYS, date) == ref_people.person_states(old, KEYS, date)
    keys = pa.array(sorted(KEYS))
    assert sorted(active_identities(new, keys, date).to_pylist()) == sorted(
        ref_people.active_people(old, keys, date).to_pylist()
    )


@settings(max_examples=300, deadline=None)
@given(HISTORY)
def test_index_gives_the_states_the_raw_history_gives_on_every_date(history):
    people, observed = _raw(history)
    old = ref_people.Context(people, observed)
    for d in range(-1, 8):
        date = DAY0 + dt.timedelta(days=d)
        data = ref_people.history_context(people, observed, date)
        _same_answers(Context(data["people"], data["observed"]), old, date)


# -- through the store: sealed snapshots, stored indexes, stale ones ---------------------------------
def _retarget(rows, tenant, day, provider="aws"):
    return [{**r, "provider": provider, "tenant_id": tenant, "snapshot_date": day} for r in rows]


def _seal(store, tenant, day, principals, complete=True, force=False, provider="aws"):
    t = tables(_retarget(principals, tenant, day, provider))
    status = None if complete else {"authorization_details": "partial"}
    t["collection"] = to_table(COLLECTION, _retarget(collection(status), tenant, day, provider))
    at = AS_OF - dt.timedelta(days=(DAY - day).days)
    ref = SnapshotRef(provider, tenant, day)
    store.write_snapshot(ref, t, run_id="test", collected_at=at, force=force)


def _random_day(rng: random.Random) -> list[dict]:
    """A tenant-day's principals: some people (two accounts of one, enabled unknown), never a person's
    NHI, group or root user counted."""
    rows = [
        human(f"H{i}", rng.choice(NAMES), enabled=rng.choice([True, True, False, None]))
        for i in range(rng.randint(0, 5))
    ]
    rows.append(principal("S1", "svc-billing", owner="dana.kim"))
    rows.append(principal("G1", "bob", kind="group", is_nhi=False, owner=None, owner_source=None))
    rows.append(principal("R1", "erin", kind="root", is_nhi=False, owner=None, owner_source=None))
    return rows


def _random_store(tmp_path, seed: int) -> tuple[SnapshotStore, list[SnapshotRef]]:
    rng = random.Random(seed)
    store = SnapshotStore(str(tmp_path / f"store-{seed}"))
    refs = []
    for provider, tenant in TENANTS[: rng.randint(1, 3)]:
        for d in sorted(rng.sample(range(8), rng.randint(1, 6))):
            day = DAY0 + dt.timedelta(days=d)
            _seal(store, tenant, day, _random_day(rng), complete=rng.random() < 0.7, provider=provider)
            refs.append(SnapshotRef(provider, tenant, day))
    return store, sorted(refs, key=lambda r: (r.snapshot_date, r.tenant_id))


def _check_context(store: SnapshotStore, at: SnapshotRef) -> str:
    data, digest = build_context(store, at)
    context = Context(data["people"], data["observed"])
    _same_answers(context, ref_people.raw_context(store, at), at.snapshot_date)
    return digest


def test_context_from_stored_indexes_matches_the_raw_history(tmp_path):
    for seed in range(6):
        store, refs = _random_store(tmp_path, seed)
        rng = random.Random(seed)
        for at in refs:
            digest = _check_context(store, at)  # before this day's index: folded from what is stored
            if rng.random() < 0.6:  # some days never get an index: the next context folds over them
                derive_people(store, at)
                # what was folded is what was stored: the context digest does not depend on which
                assert _check_context(store, at) == digest


def _index_files(store: SnapshotStore) -> dict[SnapshotRef, bytes]:
    derived = DerivedStore(store)
    return {r: store._read(f"{derived.partition(KIND, r)}/people_index.parquet") for r in derived.list(KIND)}


def test_day_by_day_indexes_are_byte_identical_to_folding_the_whole_history_at_once(tmp_path):
    store, refs = _random_store(tmp_path, 7)
    for at in refs:  # the nightly: each day from the day before
        derive_people(store, at)
    incremental = _index_files(store)
    for at in reversed(refs):  # latest first: no earlier index stored, so each folds from the first day
        DerivedStore(store).fs.delete_dir_contents(f"{DerivedStore(store).base}/{KIND}")
        derive_people(store, at)
        assert _index_files(store)[at] == incremental[at]
    assert set(incremental) == set(refs)


def test_an_index_whose_snapshot_was_resealed_is_not_used(tmp_path):
    store = SnapshotStore(str(tmp_path / "store"))
    tenant, d1, d2 = TENANTS[0][1], DAY - dt.timedelta(days=1), DAY
    _seal(store, tenant, d1, [human("H1", "dana.kim")])
    _seal(store, tenant, d2, [human("H1", "dana.kim")])
    for day in (d1, d2):
        derive_people(store, SnapshotRef("aws", tenant, day))
    at = SnapshotRef("aws", tenant, d2)
    before = build_context(store, at)
    # dana.kim was in fact gone on d2: the re-sealed snapshot says so, and the stored index of d2 is stale
    _seal(store, tenant, d2, [human("H2", "bob")], force=True)
    assert _stored(store, DerivedStore(store), at) is None
    data, digest = build_context(store, at)
    assert digest != before[1]
    states = identity_states(Context(data["people"], data["observed"]), {"dana.kim"}, d2)
    assert states["dana.kim"].state == "departed" and states["dana.kim"].since == d2
    _check_context(store, at)
    manifest = derive_people(store, at)  # re-deriving the day replaces the stale index
    assert _stored(store, DerivedStore(store), at) is not None
    assert set(manifest["inputs"]) == {f"people {d1}", f"snapshot {d2}"}


def test_backfill_seals_every_tenant_days_index_and_rederiving_gives_the_same_bytes(tmp_path):
    store, refs = _random_store(tmp_path, 3)
    first, last = refs[0].snapshot_date.isoformat(), refs[-1].snapshot_date.isoformat()
    assert main(["backfill", "--root", store.root, "--from", first, "--to", last]) == 0
    indexes = _index_files(store)
    assert set(indexes) == set(refs)
    assert main(["backfill", "--root", store.root, "--from", first, "--to", last]) == 0
    assert _index_files(store) == indexes
    for at in refs:
        _check_context(store, at)
