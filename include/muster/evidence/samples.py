"""Reproducible samples: the same seed and the same population always give the same rows.

Each member of a population gets a sample key, SHA-256 of "<seed>:<population>:<member key>", and the
sample is the `size` members with the smallest keys. That is independent of row order and of how the
population was read, and an auditor can redo it with sha256sum alone (docs/AUDITOR.md shows how).
The populations a bundle samples (principals, NHIs, credentials, grants, tenant-days, changes, findings)
are defined here too (`_populations`), beside the drawing they feed; a Type 2 bundle adds the populations of
the period (offboardings, new access, privileged grants added, credentials and identities that existed in
it), defined in `events.py` and sampled by the same draw (per-event ones at least 10% of the population).
"""

from __future__ import annotations

import hashlib
import json
from json.encoder import encode_basestring_ascii as _str
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..schema import SNAPSHOT_TABLES
from . import columnar, events, metrics
from .params import BundleParams

SAMPLE_SCHEMA = pa.schema(
    [
        ("population", pa.string()),
        ("population_size", pa.int64()),
        ("rank", pa.int64()),
        ("sample_key", pa.string()),
        ("member_key", pa.string()),
        ("provider", pa.string()),
        ("tenant_id", pa.string()),
        ("date", pa.string()),
        ("label", pa.string()),
    ]
)


def member_key(values: dict) -> str:
    """Canonical JSON of a member's identifying columns: what the sample key is computed over.

    The same text as json.dumps(values, sort_keys=True, separators=(",", ":")), built directly because it
    is computed once per member of populations of hundreds of thousands.
    """
    return "{" + ",".join(f"{_str(k)}:{_value(values[k])}" for k in sorted(values)) + "}"


def _value(v) -> str:
    if isinstance(v, str):
        return _str(v)
    if v is None or isinstance(v, bool | int | float):
        return json.dumps(v)
    return _str(str(v))


def sample_key(seed: int, population: str, key: str) -> str:
    return hashlib.sha256(f"{seed}:{population}:{key}".encode()).hexdigest()


MEMBER_COLUMNS = ("member_key", "provider", "tenant_id", "date", "label")


def draw(population: str, members: list[dict] | pa.Table, size: int, seed: int) -> list[dict]:
    """The seeded sample of one population. Members are a table of MEMBER_COLUMNS (member keys computed, as
    `members_of` gives them), or a list of dicts {key: dict, provider, tenant_id, date, label}, each optionally
    with its member_key when the caller already computed it (it is then not computed again)."""
    if isinstance(members, pa.Table):
        return _draw_table(population, members, size, seed)
    keyed = []
    for m in members:
        mk = m.get("member_key") or member_key(m["key"])
        keyed.append((sample_key(seed, population, mk), mk, m))
    keyed.sort(key=lambda x: x[0])
    return [
        _sampled(population, len(members), i + 1, sk, mk, m) for i, (sk, mk, m) in enumerate(keyed[:size])
    ]


def _sampled(population: str, size: int, rank: int, sk: str, mk: str, m: dict) -> dict:
    return {
        "population": population,
        "population_size": size,
        "rank": rank,
        "sample_key": sk,
        "member_key": mk,
        "provider": m["provider"],
        "tenant_id": m["tenant_id"],
        "date": m["date"],
        "label": m.get("label"),
    }


def _draw_table(population: str, members: pa.Table, size: int, seed: int) -> list[dict]:
    """`draw` of a members table: only the sampled members become Python objects."""
    prefix = f"{seed}:{population}:"
    sample_keys = pa.array(
        [hashlib.sha256((prefix + k).encode()).hexdigest() for k in members["member_key"].to_pylist()],
        pa.string(),
    )
    # a stable sort, as list.sort: members with the same key keep their order
    order = pc.sort_indices(sample_keys)[:size]
    picked = members.take(order).to_pylist()
    return [
        _sampled(population, members.num_rows, i + 1, sk, m["member_key"], m)
        for i, (sk, m) in enumerate(zip(sample_keys.take(order).to_pylist(), picked, strict=True))
    ]


def members_table(keys: dict[str, pa.Array], provider, tenant_id, date, label) -> pa.Table:
    """Population members as a table of MEMBER_COLUMNS: `keys` (name -> column) identify each member (its
    member_key is their canonical JSON), the other columns place and name it."""
    n = len(provider)
    try:
        member_keys = columnar.member_keys(keys)
    except TypeError:  # a key column that is not text: the row-by-row encoder renders it
        rows = zip(*(keys[k].to_pylist() for k in keys), strict=True)
        member_keys = pa.array([member_key(dict(zip(keys, r, strict=True))) for r in rows], pa.string())
    plain = [
        columnar.plain(c) if c is not None else pa.nulls(n, pa.string())
        for c in (provider, tenant_id, date, label)
    ]
    return pa.table(dict(zip(MEMBER_COLUMNS, [member_keys, *plain], strict=True)))


def members_of(tbl: pa.Table, key_columns: list[str], label: str | None, date: str | None = None) -> pa.Table:
    """Population members from a table: the key columns identify each row, `label` names it for reading."""
    n = tbl.num_rows
    if date is not None:
        dates = pa.repeat(pa.scalar(date), n) if n else pa.array([], pa.string())
    elif "snapshot_date" in tbl.column_names:
        dates = columnar.iso_dates(tbl["snapshot_date"])
    else:
        dates = pa.nulls(n, pa.string())
    keys = {"provider": tbl["provider"], "tenant_id": tbl["tenant_id"], "date": dates}
    keys.update({c: tbl[c] for c in key_columns})
    labels = tbl[label] if label and label in tbl.column_names else None
    return members_table(keys, tbl["provider"], tbl["tenant_id"], dates, labels)


def no_members() -> pa.Table:
    return pa.table({c: pa.array([], pa.string()) for c in MEMBER_COLUMNS})


def completeness(tables: dict[tuple[str, str], metrics.Source | None]) -> str:
    """How complete an as-of population is: 'complete', or which tenants' parts were partial (a known hole)
    and which tenants have no part at all because no day observed the table."""
    if not tables:
        return "no in-scope tenant"
    partial = [
        f"{p}:{t} ({s.ref.snapshot_date})" for (p, t), s in tables.items() if s and s.status == "partial"
    ]
    absent = [f"{p}:{t}" for (p, t), s in tables.items() if s is None]
    parts = []
    if partial:
        parts.append("partial (a known hole) for " + ", ".join(partial))
    if absent:
        parts.append("no observed snapshot in the period, so not in the population, for " + ", ".join(absent))
    return "; ".join(parts) or "complete for every in-scope tenant"


def _populations(
    work: Path, params: BundleParams, asof: dict, cov, derived, distinct, slas: dict
) -> tuple[list, list]:
    """Population definitions and the seeded sample of each; `slas` is each tenant's revocation SLA."""
    defs, drawn = [], []
    view = (
        "the as-of snapshot of every in-scope tenant whose {} were observed that day"
        if params.report_type == "type1"
        else "each in-scope tenant's latest snapshot in the period in which its {} were observed"
    )
    for table, label, extra in (
        ("principals", "name", None),
        ("principals", "name", "is_nhi"),
        ("credentials", "external_id", None),
        ("grants", "role_name", None),
    ):
        spec = SNAPSHOT_TABLES[table]
        key_cols = [k for k in spec.primary_key if k not in ("provider", "tenant_id", "snapshot_date")]
        name = f"{'nhi_' if extra else ''}{table}@as_of"
        parts = []
        tables = {tenant: per.get(table) for tenant, per in sorted(asof.items())}
        for src in tables.values():
            if src is None:
                continue
            cols = sorted({"provider", "tenant_id", label, *key_cols, *([extra] if extra else [])})
            tbl = metrics.read_bundle_table(work, src.ref, table, cols)
            if extra:
                tbl = tbl.filter(tbl[extra])
            parts.append(members_of(tbl, key_cols, label, src.ref.snapshot_date.isoformat()))
        members = _concat(parts)
        what = "non-human identities (is_nhi)" if extra else f"rows of {table}"
        defs.append(
            {
                "name": name,
                "definition": f"All {what} in {view.format(table)} (complete or partial)",
                "completeness": completeness(tables),
                "members": members,
            }
        )
    if params.report_type == "type2":
        days = [
            {
                "key": {
                    "provider": r.provider,
                    "tenant_id": r.tenant_id,
                    "date": r.snapshot_date.isoformat(),
                },
                "provider": r.provider,
                "tenant_id": r.tenant_id,
                "date": r.snapshot_date.isoformat(),
                "label": cov.manifests[r]["status"],
            }
            for r in sorted(cov.manifests)
        ]
        defs.append(
            {"name": "tenant_days", "definition": "Every sealed tenant-day of the period", "members": days}
        )
        if "changes" in derived:
            ch = derived["changes"].filter(pa.compute.not_equal(derived["changes"]["change"], "unknown"))
            defs.append(
                {
                    "name": "changes",
                    "definition": "Every added, removed or modified entity in the period",
                    "members": members_of(ch, ["table_name", "entity_key", "change"], "change"),
                }
            )
        defs += _period_populations(work, params, sorted(asof), cov, derived, slas)
    if distinct is not None:
        rows = distinct
        members = [
            {
                "key": {
                    "provider": r["provider"],
                    "tenant_id": r["tenant_id"],
                    "finding_id": r["finding_id"],
                },
                "provider": r["provider"],
                "tenant_id": r["tenant_id"],
                "date": r["last_seen"].isoformat(),
                "label": r["rule_id"],
            }
            for r in rows
        ]
        defs.append(
            {"name": "findings", "definition": "Every distinct finding in the bundle", "members": members}
        )
    out = []
    for d in defs:
        size = params.sample_size
        if d.get("per_event"):
            size = events.event_sample_size(len(d["members"]), size)
        sample = draw(d["name"], d["members"], size, params.seed)
        drawn += sample
        out.append(
            {
                "name": d["name"],
                "definition": d["definition"] + (f" (every member in {d['file']})" if "file" in d else ""),
                "completeness": d.get("completeness", "as sealed; the days without it are gaps in Coverage"),
                "size": len(d["members"]),
                "sampled": len(sample),
            }
        )
    return out, drawn


def _concat(parts: list[pa.Table]) -> pa.Table:
    """Members tables of several tenants as one (labels of one column may differ in type between tenants'
    files only by being null throughout)."""
    if not parts:
        return no_members()
    return pa.concat_tables(parts, promote_options="permissive")


def _period_populations(work: Path, params: BundleParams, tenants, cov, derived, slas) -> list[dict]:
    """The Type 2 populations of the period, each written in full to its file beside the draw."""
    defs = []
    for pop in events.period_populations(params, tenants, cov.rows, derived, slas):
        members = pop.members()
        events.write(work, pop)
        defs.append(
            {
                "name": pop.name,
                "definition": pop.definition,
                "completeness": pop.completeness,
                "members": members,
                "file": pop.file,
                "per_event": pop.per_event,
            }
        )
    return defs
