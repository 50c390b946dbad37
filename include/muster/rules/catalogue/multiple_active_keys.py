"""More than one active key on one identity: normal for the hours of a rotation, a finding when it lasts."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..base import KEY_KINDS, RuleMeta, hits
from ..common import active_credentials, credential_label
from ..inputs import RuleInput
from ..render import fmt, json_object
from ..vector import flat

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
    g = _per_holder(c.append_column("label", credential_label(c)))
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


def _per_holder(c: pa.Table) -> pa.Table:
    """One row per holder of the rows `c` (sorted by holder, every holder with two keys or more): its id and
    name, and its keys' count, ids and labels as lists in row order. The rows of a holder are one run, so
    the lists are slices of the sorted columns (no hash grouping)."""
    holder = flat(c.column("principal_id"))
    starts = np.empty(0, np.int64)
    if len(holder):
        change = pc.not_equal(holder.slice(1), holder.slice(0, len(holder) - 1)).to_numpy(
            zero_copy_only=False
        )
        starts = np.concatenate([[0], np.flatnonzero(change) + 1])
    offsets = pa.array(np.append(starts, len(holder)), pa.int32())
    first = pa.array(starts, pa.int64())
    return pa.table(
        {
            "principal_id": holder.take(first),
            "credential_id_count": pa.array(np.diff(offsets.to_numpy()), pa.int64()),
            "credential_id_list": pa.ListArray.from_arrays(offsets, flat(c.column("credential_id"))),
            "label_list": pa.ListArray.from_arrays(offsets, flat(c.column("label"))),
            "principal_name_first": flat(c.column("principal_name")).take(first),
        }
    )
