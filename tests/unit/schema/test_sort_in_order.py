"""sort_table leaves a table already in key order as it is, and sorts any other exactly as before."""

from __future__ import annotations

import pyarrow as pa
from muster.schema import FINDINGS
from muster.schema.validate import sort_table


def _findings(ids: list[str]) -> pa.Table:
    n = len(ids)
    base = {
        "provider": ["aws"] * n,
        "tenant_id": ["1"] * n,
        "snapshot_date": pa.array([0] * n, pa.date32()),
        "finding_id": ids,
        "rule_id": ["r"] * n,
        "severity": ["low"] * n,
        "result": ["fail"] * n,
        "entity_type": ["principal"] * n,
        "entity_id": [i.split(":")[-1] for i in ids],
        "principal_id": [None] * n,
        "principal_name": [None] * n,
        "credential_id": [None] * n,
        "sentence": [f"sentence {i}" for i in ids],
        "evidence": ["{}"] * n,
        "criteria": [[]] * n,
        "as_of": pa.array([0] * n, pa.timestamp("us", tz="UTC")),
    }
    return pa.Table.from_pydict(base, schema=FINDINGS.schema)


def test_a_table_in_key_order_in_one_chunk_is_returned_as_it_is():
    tbl = _findings(["r:a", "r:b", "r:c"])
    assert sort_table(FINDINGS, tbl) is tbl


def test_a_table_out_of_order_is_sorted_and_one_in_order_in_several_chunks_is_left_as_it_is():
    shuffled = _findings(["r:b", "r:a", "r:c"])
    ordered = _findings(["r:a", "r:b", "r:c"])
    assert sort_table(FINDINGS, shuffled).equals(ordered)
    chunked = pa.concat_tables([ordered.slice(0, 1), ordered.slice(1)])
    assert sort_table(FINDINGS, chunked) is chunked
    reversed_chunks = pa.concat_tables([ordered.slice(1), ordered.slice(0, 1)])
    assert sort_table(FINDINGS, reversed_chunks).equals(ordered)


def test_ties_count_as_in_order_and_a_later_key_decides_among_them():
    from muster.schema import GRANTS

    rows = [
        {"principal_id": p, "role_id": r, "scope": "s", "via": "direct"}
        for p, r in [("P1", "a"), ("P1", "b"), ("P2", "a")]
    ]
    n = len(rows)
    common = {
        "provider": ["aws"] * n,
        "tenant_id": ["1"] * n,
        "snapshot_date": pa.array([0] * n, pa.date32()),
        "role_name": ["x"] * n,
        "condition": [None] * n,
        "privilege": ["read"] * n,
        "privilege_reasons": [["x"]] * n,
    }
    cols = {k: [r[k] for r in rows] for k in rows[0]} | common
    tbl = pa.Table.from_pydict(cols, schema=GRANTS.schema)
    assert sort_table(GRANTS, tbl) is tbl
    swapped = tbl.take([1, 0, 2])
    assert sort_table(GRANTS, swapped).equals(tbl)
