"""The columnar member keys and CSV of the period populations are the text the row-by-row code writes,
byte for byte, for every kind of value a population holds (and the awkward ones: quotes, commas, line
breaks, non-ASCII, control characters, nulls, timestamps with and without a fraction or out of range)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from muster.evidence import columnar, tabular
from muster.evidence.samples import draw, member_key, members_of

UTC = dt.UTC
STRINGS = [
    "plain",
    'say "hi"',
    "a,b",
    "two\nlines",
    "cr\rhere",
    "café",
    "tab\there",
    "back\\slash",
    "",
    None,
    "\x7f",
    "日本",
]
N = len(STRINGS)


def _table() -> pa.Table:
    return pa.table(
        {
            "s": pa.array(STRINGS, pa.string()),
            "d": pa.array([dt.date(2026, 1, 1) + dt.timedelta(days=i) if i % 4 else None for i in range(N)]),
            "b": pa.array([None if i % 5 == 0 else bool(i % 2) for i in range(N)]),
            "i": pa.array([None if i == 3 else i * 7 - 20 for i in range(N)], pa.int64()),
            "t": pa.array(
                [
                    None if i == 2 else dt.datetime(2026, 3, 1, 12, 30, i, 1000 * i * (i % 2), tzinfo=UTC)
                    for i in range(N)
                ],
                pa.timestamp("us", tz="UTC"),
            ),
            "dict": pa.array([f"k{i % 3}" for i in range(N)]).dictionary_encode(),
        }
    )


def test_member_keys_are_samples_member_key_of_each_row():
    tbl = _table()
    values = {"provider": tbl["s"], "zeta": tbl["dict"], "date": columnar.iso_dates(tbl["d"])}
    got = columnar.member_keys(values).to_pylist()
    rows = [
        dict(zip(values, r, strict=True)) for r in zip(*(v.to_pylist() for v in values.values()), strict=True)
    ]
    assert got == [member_key(r) for r in rows]


def test_csv_is_what_tabular_write_csv_writes(tmp_path):
    tbl = _table()
    header = ["member,key", *tbl.column_names]
    keys = pa.array([f"k{i}" for i in range(N)])
    columnar.write_csv(tmp_path / "fast.csv", header, [keys, *tbl.columns])
    rows = [[f"k{i}", *(r[c] for c in tbl.column_names)] for i, r in enumerate(tbl.to_pylist())]
    tabular.write_csv(tmp_path / "rows.csv", header, rows)
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "rows.csv").read_bytes()


def test_csv_of_out_of_range_times_and_other_types_takes_the_row_path(tmp_path):
    far = [dt.datetime(1, 1, 1, tzinfo=UTC), dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), None]
    cols = [
        pa.array(far, pa.timestamp("us", tz="UTC")),
        pa.array([1.5, None, 2.0]),
        pa.array([["a", "b,c"], None, []], pa.list_(pa.string())),
    ]
    columnar.write_csv(tmp_path / "fast.csv", ["t", "f", "l"], cols)
    tabular.write_csv(
        tmp_path / "rows.csv", ["t", "f", "l"], zip(*(c.to_pylist() for c in cols), strict=True)
    )
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "rows.csv").read_bytes()


def test_an_empty_population_is_its_header(tmp_path):
    columnar.write_csv(tmp_path / "fast.csv", ["member_key", "a"], [pa.array([], pa.string())] * 2)
    tabular.write_csv(tmp_path / "rows.csv", ["member_key", "a"], [])
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "rows.csv").read_bytes()


def test_a_members_table_draws_the_sample_the_rows_draw():
    tbl = _table().append_column("provider", pa.array(["aws", "gcp"] * (N // 2)))
    tbl = tbl.append_column("tenant_id", pa.array(["t1", "t2", "t3"] * (N // 3)))
    tbl = tbl.append_column("snapshot_date", pa.array([dt.date(2026, 5, 1 + i % 3) for i in range(N)]))
    tbl = pa.concat_tables([tbl, tbl.slice(0, 4)])  # equal members keep their order, as list.sort does
    rows = [
        {
            "key": {
                "provider": r["provider"],
                "tenant_id": r["tenant_id"],
                "date": r["snapshot_date"].isoformat(),
                "s": r["s"],
            },
            "provider": r["provider"],
            "tenant_id": r["tenant_id"],
            "date": r["snapshot_date"].isoformat(),
            "label": r["dict"],
        }
        for r in tbl.to_pylist()
    ]
    members = members_of(tbl, ["s"], "dict")
    for size in (0, 5, len(rows) + 3):
        assert draw("p@x", members, size, 7) == draw("p@x", rows, size, 7)


def test_a_key_column_that_is_not_text_is_keyed_as_the_rows_are():
    tbl = (
        _table()
        .append_column("provider", pa.array(["aws"] * N))
        .append_column("tenant_id", pa.array(["t"] * N))
    )
    keys = members_of(tbl, ["i", "b"], None, "2026-01-01")["member_key"].to_pylist()
    want = [
        member_key({"provider": "aws", "tenant_id": "t", "date": "2026-01-01", "i": r["i"], "b": r["b"]})
        for r in tbl.to_pylist()
    ]
    assert keys == want
