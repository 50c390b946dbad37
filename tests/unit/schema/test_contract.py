"""Schema contract: every field described, metadata survives Parquet, golden copies pin each version."""

import hashlib
import io
import json

import pyarrow.parquet as pq
import pytest
from muster.schema import ALL_TABLES, SCHEMA_VERSION, to_table
from muster.schema.golden import GOLDEN, contract_text, version_dir

TABLES = sorted(ALL_TABLES)


@pytest.mark.parametrize("name", TABLES)
def test_every_field_has_a_description(name):
    schema = ALL_TABLES[name].schema
    undescribed = [f.name for f in schema if not (f.metadata or {}).get(b"description", b"").strip()]
    assert undescribed == []


@pytest.mark.parametrize("name", TABLES)
def test_schema_metadata_names_version_and_primary_key(name):
    meta = ALL_TABLES[name].schema.metadata
    assert meta[b"muster.schema_version"] == SCHEMA_VERSION.encode()
    key = json.loads(meta[b"muster.primary_key"])
    assert key[:3] == ["provider", "tenant_id", "snapshot_date"]
    assert all(not ALL_TABLES[name].schema.field(k).nullable for k in key)


@pytest.mark.parametrize("name", TABLES)
def test_parquet_round_trip_keeps_schema_and_metadata(name):
    spec = ALL_TABLES[name]
    tbl = to_table(spec, [])
    buf = io.BytesIO()
    pq.write_table(tbl, buf)
    back = pq.read_table(io.BytesIO(buf.getvalue()))
    # Parquet renames a map's entries struct after the column; types still compare equal.
    assert back.schema.metadata == spec.schema.metadata
    assert [(f.name, f.type, f.nullable, f.metadata) for f in back.schema] == [
        (f.name, f.type, f.nullable, f.metadata) for f in spec.schema
    ]


@pytest.mark.parametrize("name", TABLES)
def test_contract_matches_golden_copy_of_current_version(name):
    golden = version_dir() / f"{name}.json"
    assert golden.exists(), f"no golden copy for schema v{SCHEMA_VERSION}: run python -m muster.schema.golden"
    assert contract_text(name) == golden.read_text(), (
        f"table {name} changed but schema_version is still {SCHEMA_VERSION}: bump SCHEMA_VERSION and "
        "run python -m muster.schema.golden"
    )


def test_released_golden_copies_are_unchanged():
    # a table added to a released version (people_index, v1) adds its file and line without a version bump:
    # no released contract changed, so readers of v1 are unaffected; changing one still needs the bump
    pinned = {}
    for line in (GOLDEN / "SHA256SUMS").read_text().splitlines():
        digest, path = line.split("  ", 1)
        pinned[path] = digest
    on_disk = {
        str(p.relative_to(GOLDEN)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in GOLDEN.glob("v*/*.json")
    }
    assert on_disk == pinned


def test_data_dictionary_is_current():
    from muster.schema.docs import TARGET, render

    assert TARGET.read_text() == render(), "docs/SCHEMA.md is stale: run python -m muster.schema.docs"
