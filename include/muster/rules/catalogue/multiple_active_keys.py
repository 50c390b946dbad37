"""More than one active key on one identity: normal for the hours of a rotation, a finding when it lasts."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ..base import KEY_KINDS, RuleMeta, hits
from ..common import active_credentials, credential_label
from ..inputs import RuleInput
from ..vector import flat, fmt, json_object

META = RuleMeta(
    id="multiple_active_keys",
    title="Several active keys on one identity",
    severity="low",
    entity_type="principal",
    rationale="Two live keys for one identity usually mean a rotation that was never finished or a key "
    "shared out for a second purpose; either way one of them is unaccounted for.",
    remediation="Find which key is in use (last-used data), move every consumer to it, then deactivate and "
    "delete the other.",
    blind_spots=(
        "A rotation in progress legitimately shows two keys for a short while; the finding then resolves "
        "within a day or two.",
    ),
    reads=("credentials", "principals"),
    credential_kinds=KEY_KINDS,
)


def evaluate(inp: RuleInput) -> pa.Table:
    c = active_credentials(inp, KEY_KINDS)
    # most identities hold one key: keep those with more before sorting and labelling
    counts = (
        c.select(["principal_id"]).group_by("principal_id", use_threads=False).aggregate([([], "count_all")])
    )
    several = counts.filter(pc.greater(counts.column("count_all"), 1)).column("principal_id")
    c = c.filter(pc.is_in(c.column("principal_id"), value_set=flat(several)))
    c = c.sort_by([("principal_id", "ascending"), ("credential_id", "ascending")])
    c = c.append_column("label", credential_label(c))
    grouped = c.group_by("principal_id", use_threads=False).aggregate(
        [
            ("credential_id", "count"),
            ("credential_id", "list"),
            ("label", "list"),
            ("principal_name", "first"),
        ]
    )
    g = grouped.filter(pc.greater(grouped.column("credential_id_count"), 1))
    n = len(g)
    who = pc.coalesce(g.column("principal_name_first"), g.column("principal_id"))
    keys = pc.binary_join(g.column("label_list"), ", ")
    sentence = fmt(
        "{who} in {tenant} has {count} active keys at once: {keys} (as observed {at}).",
        n,
        who=who,
        tenant=inp.tenant_id,
        count=g.column("credential_id_count"),
        keys=keys,
        at=inp.as_of.strftime("%Y-%m-%d %H:%M UTC"),
    )
    evidence = json_object(
        n,
        principal_id=g.column("principal_id"),
        credential_ids=g.column("credential_id_list"),
        keys=g.column("label_list"),
        active_keys=g.column("credential_id_count"),
    )
    return hits(
        "fail",
        "principal",
        flat(g.column("principal_id")),
        sentence,
        evidence,
        principal_id=g.column("principal_id"),
        principal_name=g.column("principal_name_first"),
    )
