"""A non-human identity unused for `dormant_days`: a workload that is gone, whose access is not."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ..base import RuleMeta, hits
from ..blind_spots import use_state
from ..common import nhis, not_disabled, principal_label
from ..idle import idle_sentence, in_window, reported, with_idle_days
from ..inputs import RuleInput
from ..render import json_object, pick_case
from ..vector import hours_between

META = RuleMeta(
    id="nhi_dormant",
    title="Dormant non-human identity",
    severity="medium",
    entity_type="principal",
    rationale="A service identity nobody has used for months belongs to a workload that is gone; its "
    "access and credentials remain for anyone who finds them.",
    remediation="Confirm with the owner, disable the identity and its credentials, and delete it after a "
    "waiting period.",
    blind_spots=(
        "An identity's last use is the latest the provider reports for it or its credentials (AWS: the "
        "credential report for users, RoleLastUsed for roles, both lagging up to ~4 h and covering a "
        "trailing 400 days).",
        "An identity whose use is not reported at all is `unknown` once older than the threshold.",
        "An identity with no reported use of its own counts as never used when every credential it has is "
        "reported as never used.",
    ),
    reads=("principals", "credentials"),
    thresholds=("dormant_days",),
)


def evaluate(inp: RuleInput) -> pa.Table:
    p = with_idle_days(inp, nhis(inp, where=not_disabled))
    never = pc.and_kleene(
        _credentials_never_used(inp, p.column("principal_id")), pc.is_null(p.column("last_used_at"))
    )
    state = pc.if_else(never, "never", use_state(p.column("last_used_at"), p.column("last_used_source")))
    p = p.append_column("state", state)
    p = p.append_column("case", _case(inp, p, hours_between(p.column("ref"), p.column("created_at"))))
    p, result = reported(inp, p)
    return hits(
        result,
        "principal",
        p.column("principal_id"),
        _sentence(inp, p),
        _evidence(inp, p),
        principal_id=p.column("principal_id"),
        principal_name=p.column("name"),
    )


def _credentials_never_used(inp: RuleInput, principal_ids: pa.Array) -> pa.Array:
    """Principals with no use of their own whose credentials are all reported as never used."""
    c = inp.holders
    never = pc.equal(use_state(c.column("last_used_at"), c.column("last_used_source")), "never")
    c = pa.table({"principal_id": c.column("principal_id"), "never": pc.cast(never, pa.int64())})
    g = c.group_by("principal_id", use_threads=False).aggregate([("never", "min"), ("never", "count")])
    idx = pc.index_in(principal_ids, value_set=g.column("principal_id"))
    all_never = pc.equal(g.column("never_min").combine_chunks().take(idx), 1)
    return pc.fill_null(all_never, False)


def _case(inp: RuleInput, p: pa.Table, age_hours: pa.Array) -> pa.Array:
    limit, lag = inp.thresholds.dormant_days, inp.last_use.lag_hours
    state, age = p.column("state"), p.column("age")
    window = in_window(inp, age)
    never = pc.and_kleene(pc.and_kleene(pc.equal(state, "never"), window), pc.greater_equal(age, limit))
    quiet = pc.or_kleene(
        pc.equal(state, "window"), pc.and_kleene(pc.equal(state, "never"), pc.invert(window))
    )
    conditions = {
        "used": pc.and_kleene(pc.equal(state, "used"), pc.greater_equal(p.column("idle"), limit)),
        "never": pc.and_kleene(never, pc.greater_equal(age_hours, lag)),
        "recent": pc.and_kleene(never, pc.less(age_hours, lag)),
        "quiet": pc.and_kleene(quiet, pc.greater_equal(p.column("quiet_days"), limit)),
        "short": pc.and_kleene(
            pc.and_kleene(quiet, pc.less(p.column("quiet_days"), limit)), pc.greater_equal(age, limit)
        ),
        "blind": pc.and_kleene(
            pc.equal(state, "unknown"), pc.or_kleene(pc.is_null(age), pc.greater_equal(age, limit))
        ),
    }
    return pick_case(len(p), conditions)


def _sentence(inp: RuleInput, p: pa.Table) -> pa.Array:
    return idle_sentence(
        inp,
        p,
        "{who} in {tenant}",
        inp.thresholds.dormant_days,
        unknown="dormant",
        lag="the provider's reporting lag",
        who=principal_label(p),
    )


def _evidence(inp: RuleInput, p: pa.Table) -> pa.Array:
    return json_object(
        len(p),
        principal_id=p.column("principal_id"),
        kind=p.column("kind"),
        enabled=p.column("enabled"),
        created_at=p.column("created_at"),
        last_used_at=p.column("last_used_at"),
        last_used_source=p.column("last_used_source"),
        use_reading=p.column("state"),
        measured_at=p.column("ref"),
        days_unused=p.column("idle"),
        age_days=p.column("age"),
        dormant_days=inp.thresholds.dormant_days,
        window_days=inp.last_use.window_days,
        lag_hours=inp.last_use.lag_hours,
    )
