"""The diff against a plain-Python model of it (hypothesis): rows matched in dicts, values compared as
Python values, JSON by `canonical`. Each side is an Arrow table cut into chunks, or a Parquet file of
several row groups read column by column (`ParquetColumns`) with its string leaves as dictionaries or not,
so every fast path of the diff meets the model's answer."""

import datetime as dt
import io

import pyarrow as pa
import pyarrow.parquet as pq
from helpers_diff import BASE, DAY1, DAY2, credential, credentials, grant, grants, principal, principals
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from muster.diff import Side, diff_table
from muster.diff.compare import key_columns, value_columns
from muster.diff.encode import canonical
from muster.diff.source import ParquetColumns
from muster.schema import CREDENTIALS, GRANTS, PRINCIPALS

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

ids = st.sampled_from([f"P{i:02d}" for i in range(14)])
name = st.sampled_from(["svc-a", "svc-b", "ünï", 'q"uote', "back\\slash"])
stamp = st.none() | st.sampled_from([T0, T0 + dt.timedelta(microseconds=1), T0 - dt.timedelta(days=9000)])
tags = st.none() | st.dictionaries(st.sampled_from(["a", "b", "team"]), st.none() | name, max_size=3)
principal_values = st.fixed_dictionaries(
    {"name": name, "enabled": st.none() | st.booleans(), "last_used_at": stamp, "tags": tags}
)
credential_values = st.fixed_dictionaries(
    {
        "principal_id": ids,
        "status": st.sampled_from(["active", "inactive"]),
        "last_used_at": stamp,
        "last_used_region": st.none() | st.sampled_from(["us-east-1", "eu-west-1"]),
    }
)
grant_keys = st.tuples(ids, st.sampled_from(["p1", "p2"]), st.sampled_from(["direct", "group:G"]))
grant_values = st.fixed_dictionaries(
    {
        "privilege": st.sampled_from(["read", "write", "admin"]),
        "privilege_reasons": st.lists(name, max_size=3),
    }
)


def _without(values: dict, name: str) -> dict:
    return {k: v for k, v in values.items() if k != name}


TABLES = {
    "principals": (
        PRINCIPALS,
        st.dictionaries(ids, principal_values, max_size=12),
        lambda content, day: principals(*(principal(k, day, **v) for k, v in content.items())),
    ),
    "credentials": (
        CREDENTIALS,
        st.dictionaries(ids, credential_values, max_size=12),
        lambda content, day: credentials(
            *(
                credential(f"{k}/k", v["principal_id"], day, **_without(v, "principal_id"))
                for k, v in content.items()
            )
        ),
    ),
    "grants": (
        GRANTS,
        st.dictionaries(grant_keys, grant_values, max_size=12),
        lambda content, day: grants(*(grant(p, r, day, via=via, **v) for (p, r, via), v in content.items())),
    ),
}


def reference(spec, old: pa.Table, new: pa.Table) -> list[dict]:
    """The diff as a dict join of Python rows; maps compare as dicts (their keys are unique here)."""
    keys, values = key_columns(spec), value_columns(spec)

    maps = {f.name for f in spec.schema if pa.types.is_map(f.type)}

    def rows(tbl):
        out = {}
        for r in tbl.to_pylist():
            r = {c: dict(v) if c in maps and v is not None else v for c, v in r.items()}
            out[canonical({k: r[k] for k in keys})] = r
        return out

    b, a = rows(old), rows(new)
    common = {**BASE, "table_name": spec.name, "baseline_date": DAY1, "reason": None}
    pid = "principal_id" in spec.column_names

    def row(key, change, r, **extra):
        blank = {"changed_columns": None, "before": None, "after": None}
        return {
            **common,
            **blank,
            "entity_key": key,
            "change": change,
            "principal_id": r["principal_id"] if pid else None,
            **extra,
        }

    out = [row(k, "added", a[k], after=canonical({c: a[k][c] for c in values})) for k in a.keys() - b.keys()]
    out += [
        row(k, "removed", b[k], before=canonical({c: b[k][c] for c in values})) for k in b.keys() - a.keys()
    ]
    for k in a.keys() & b.keys():
        cols = [c for c in values if a[k][c] != b[k][c]]
        if cols:
            before, after = ({c: r[c] for c in cols} for r in (b[k], a[k]))
            out.append(
                row(
                    k,
                    "modified",
                    b[k],
                    changed_columns=cols,
                    before=canonical(before),
                    after=canonical(after),
                )
            )
    return sorted(out, key=lambda r: (r["change"], r["entity_key"]))


def as_side(tbl: pa.Table, how: str, rows_per_part: int, order: list[int] | None = None):
    """The table as the diff may get it: chunked in memory, or Parquet read column by column; its rows in
    key order (as sealed) or in `order`."""
    if order is not None:
        tbl = tbl.take(
            pa.array([i % len(tbl) for i in order][: len(tbl)] if tbl.num_rows else [], pa.int64())
        )
    if how == "chunked":
        return pa.Table.from_batches(tbl.to_batches(max_chunksize=max(1, rows_per_part)), tbl.schema)
    buf = io.BytesIO()
    pq.write_table(tbl, buf, row_group_size=max(1, rows_per_part))
    data = buf.getvalue()
    leaves = [c.path for c in pq.read_metadata(io.BytesIO(data)).schema if str(c.logical_type) == "String"]
    return ParquetColumns(data, leaves if how == "parquet-dictionary" else [])


@SETTINGS
@given(
    st.sampled_from(sorted(TABLES)),
    st.data(),
    st.sampled_from(["chunked", "parquet", "parquet-dictionary"]),
    st.sampled_from(["chunked", "parquet", "parquet-dictionary"]),
    st.integers(1, 5),
)
def test_diff_matches_the_python_model(table, data, how_old, how_new, rows_per_part):
    spec, contents, build = TABLES[table]
    old, new = build(data.draw(contents), DAY1), build(data.draw(contents), DAY2)
    shuffle = data.draw(st.none() | st.permutations(range(old.num_rows)))
    got = diff_table(
        spec,
        Side(DAY1, as_side(old, how_old, rows_per_part, shuffle)),
        Side(DAY2, as_side(new, how_new, 3)),
        BASE,
    )
    assert sorted(got, key=lambda r: (r["change"], r["entity_key"])) == reference(spec, old, new)
