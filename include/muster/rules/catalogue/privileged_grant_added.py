"""A grant conferring admin-equivalent or escalation-capable permissions that appeared since the baseline
snapshot (the latest complete earlier one), or an existing grant that became that strong."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.compute as pc

from ..base import HIT_SCHEMA, RuleMeta, hits
from ..inputs import RuleInput
from ..render import fmt, json_object
from ..vector import attach

PRIVILEGED = ("admin", "escalation")
WORDS = {"admin": "admin-equivalent", "escalation": "privilege-escalation-capable"}
GRANT_KEY = ("principal_id", "role_id", "scope", "via")
RANK = {"read": 0, "write": 1, "unknown": 1, "escalation": 2, "admin": 3}

META = RuleMeta(
    id="privileged_grant_added",
    title="Privileged grant added since the last snapshot",
    severity="high",
    entity_type="grant",
    rationale="Every new admin or escalation path is a change to access that least privilege requires to be "
    "authorised; surfacing it the day after it appears lets it be matched to a change ticket.",
    remediation="Match the grant to an approved change; if there is none, remove it and find out who made it.",
    blind_spots=(
        "Compares with the latest complete earlier snapshot (the changes table); where the diff says "
        "`unknown` for grants, or no changes were derived, the rule is `unknown` for the tenant.",
        "Grants first observed without any complete earlier snapshot are not reported as added.",
        "A grant added and removed between two snapshots is not seen.",
    ),
    reads=("grants", "principals"),
)


def evaluate(inp: RuleInput) -> pa.Table:
    if inp.changes is None:
        return _tenant_unknown(inp, "the changes since the previous snapshot were not derived")
    ch = inp.changes.filter(pc.equal(inp.changes.column("table_name"), "grants"))
    unknown = ch.filter(pc.equal(ch.column("change"), "unknown"))
    out = []
    if len(unknown):
        reasons = sorted({r or "a side is incomplete" for r in unknown.column("reason").to_pylist()})
        out.append(
            _tenant_unknown(
                inp, "grants could not be compared with a complete baseline: " + "; ".join(reasons)
            )
        )
    added = ch.filter(
        pc.and_kleene(
            pc.is_valid(ch.column("baseline_date")),
            pc.is_in(ch.column("change"), pa.array(["added", "modified"])),
        )
    )
    out.append(_added(inp, added))
    return pa.concat_tables(out)


def _added(inp: RuleInput, ch: pa.Table) -> pa.Table:
    """Added grants, and modified ones whose privilege rose into PRIVILEGED, joined to today's grant rows."""
    rows = []
    for r in ch.select(["entity_key", "change", "changed_columns", "before", "baseline_date"]).to_pylist():
        before = None
        if r["change"] == "modified":
            if "privilege" not in (r["changed_columns"] or []):
                continue
            before = json.loads(r["before"] or "{}").get("privilege")
        key = json.loads(r["entity_key"])
        rows.append(
            {
                **{k: key.get(k) for k in GRANT_KEY},
                "entity_key": r["entity_key"],
                "change": r["change"],
                "before_privilege": before,
                "baseline_date": r["baseline_date"],
            }
        )
    if not rows:
        return HIT_SCHEMA.empty_table()
    keys = pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                *(pa.field(k, pa.string()) for k in GRANT_KEY),
                ("entity_key", pa.string()),
                ("change", pa.string()),
                ("before_privilege", pa.string()),
                ("baseline_date", pa.date32()),
            ]
        ),
    )
    g = attach(keys, inp.grants, GRANT_KEY, ["role_name", "privilege", "privilege_reasons"])
    g = g.filter(pc.is_valid(g.column("privilege")))
    rose = pc.greater(_rank(g.column("privilege")), pc.fill_null(_rank(g.column("before_privilege")), -1))
    g = g.filter(pc.and_kleene(pc.is_in(g.column("privilege"), pa.array(PRIVILEGED)), rose))
    g = attach(g, inp.principals, ["principal_id"], ["name"]).sort_by("entity_key")
    n = len(g)
    words = pa.array(list(WORDS.values())).take(pc.index_in(g.column("privilege"), pa.array(list(WORDS))))
    how = pc.if_else(
        pc.equal(g.column("change"), "added"),
        "was granted",
        fmt("had its grant raised from {b} to", n, b=g.column("before_privilege")),
    )
    sentence = fmt(
        "{who} in {tenant} {how} {role} ({via}, {scope}) since {baseline}, which is {words}: {reason} (as observed "
        "{at}).",
        n,
        who=pc.coalesce(g.column("name"), g.column("principal_id")),
        tenant=inp.tenant_id,
        how=how,
        role=g.column("role_name"),
        via=g.column("via"),
        scope=g.column("scope"),
        baseline=pc.cast(g.column("baseline_date"), pa.string()),
        words=words,
        reason=pc.binary_join(g.column("privilege_reasons"), "; "),
        at=inp.as_of.strftime("%Y-%m-%d %H:%M UTC"),
    )
    evidence = json_object(
        n,
        principal_id=g.column("principal_id"),
        role_id=g.column("role_id"),
        scope=g.column("scope"),
        via=g.column("via"),
        change=g.column("change"),
        privilege=g.column("privilege"),
        privilege_before=g.column("before_privilege"),
        privilege_reasons=g.column("privilege_reasons"),
        baseline_date=pc.cast(g.column("baseline_date"), pa.string()),
    )
    return hits(
        "fail",
        "grant",
        g.column("entity_key"),
        sentence,
        evidence,
        principal_id=g.column("principal_id"),
        principal_name=g.column("name"),
    )


def _rank(col: pa.ChunkedArray) -> pa.Array:
    return pa.array(list(RANK.values()), pa.int64()).take(pc.index_in(col, value_set=pa.array(list(RANK))))


def _tenant_unknown(inp: RuleInput, why: str) -> pa.Table:
    sentence = fmt(
        "New privileged grants in {tenant} on {date} cannot be ruled out: {why}.",
        1,
        tenant=inp.tenant_id,
        date=inp.snapshot_date.isoformat(),
        why=pa.array([why]),
    )
    evidence = json_object(1, scope="changes:grants", why=pa.array([why]))
    return hits("unknown", "tenant", pa.array(["changes:grants"]), sentence, evidence)
