"""How long something has gone unused, read from the provider's last-use report, and the sentences that say
so: shared by `credential_unused` and `nhi_dormant`, which read last use the same way and word it alike
(only what is unknown differs: whether a credential is unused, whether an identity is dormant)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from .inputs import RuleInput
from .render import cases, choose
from .vector import days_between

#: case -> result. used/never/quiet fail; recent (never used, inside the reporting lag), blind (use not
#: reported) and short (no use in a window shorter than the threshold) are unknown.
RESULTS = {
    "used": "fail",
    "never": "fail",
    "quiet": "fail",
    "recent": "unknown",
    "blind": "unknown",
    "short": "unknown",
}


def with_idle_days(inp: RuleInput, tbl: pa.Table) -> pa.Table:
    """`tbl` (with last_used_at, last_used_source, created_at) and, measured from the as-of of the source that
    reported its use: `ref` (that time), `idle` (days since last use), `age` (days since created) and
    `quiet_days` (the days the provider's last-use window covers of its age)."""
    ref = inp.ref_time(tbl.column("last_used_source"))
    tbl = tbl.append_column("ref", ref)
    tbl = tbl.append_column("idle", days_between(ref, tbl.column("last_used_at")))
    tbl = tbl.append_column("age", days_between(ref, tbl.column("created_at")))
    window = inp.last_use.window_days
    age = tbl.column("age")
    return tbl.append_column("quiet_days", age if window is None else pc.min_element_wise(age, window))


def in_window(inp: RuleInput, age: pa.ChunkedArray) -> pa.Array:
    """Whether each age lies inside the provider's last-use window (true throughout without one)."""
    window = inp.last_use.window_days
    return pc.less(age, window) if window is not None else pa.array([True] * len(age), type=pa.bool_())


def reported(inp: RuleInput, tbl: pa.Table) -> tuple[pa.Table, pa.Array]:
    """The rows with a case (`tbl`'s `case` column), with the source's as-of in words (`note`, computed for
    these rows only), and each row's result."""
    tbl = tbl.filter(pc.is_valid(tbl.column("case")))
    tbl = tbl.append_column("note", inp.source_note(tbl.column("last_used_source")))
    return tbl, choose(tbl.column("case"), {k: pa.scalar(v) for k, v in RESULTS.items()})


def idle_sentence(
    inp: RuleInput, tbl: pa.Table, head: str, limit: int, *, unknown: str, lag: str, **fields
) -> pa.Array:
    """Per row, the sentence of its case: `head` names the thing (with the `fields` it reads), `unknown` is
    what cannot be told when use is not reported ('unused', 'dormant'), `lag` how the reporting lag is put."""
    return cases(
        tbl.column("case"),
        {
            "used": head + " was last used {idle} days ago ({note}).",
            "never": head + " has never been used and is {age} days old ({note}).",
            "quiet": head + " shows no use in the {days} days the provider reports ({note}).",
            "recent": (
                head + f" shows no use but was created within {lag} ({{note}}): whether it was used is "
                "unknown."
            ),
            "short": (
                head + " shows no use in the {days} days the provider reports, fewer than the {limit}-day "
                f"threshold ({{note}}): whether it is {unknown} that long is unknown."
            ),
            "blind": (
                head + " is {age} days old and the provider does not report its use ({source}): whether "
                f"it is {unknown} is unknown."
            ),
        },
        tenant=inp.tenant_id,
        note=tbl.column("note"),
        idle=tbl.column("idle"),
        age=tbl.column("age"),
        days=tbl.column("quiet_days"),
        limit=limit,
        source=tbl.column("last_used_source"),
        **fields,
    )
