"""A credential that still works but has not been used for `unused_days` (or was never used and is older
than `never_used_grace_days`): access nobody needs any more, left for someone else to find."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ..base import SECRET_KINDS, RuleMeta, credential_hits
from ..blind_spots import use_state
from ..common import active_credentials, credential_evidence, credential_fields
from ..idle import idle_sentence, in_window, reported, with_idle_days
from ..inputs import RuleInput
from ..render import pick_case
from ..vector import hours_between

KINDS = (*SECRET_KINDS, "password")

META = RuleMeta(
    id="credential_unused",
    title="Credential unused",
    severity="medium",
    entity_type="credential",
    rationale="An active credential that nobody uses is access that is no longer needed: it can only be "
    "misused, and a leak of it would go unnoticed in usage patterns.",
    remediation="Confirm with the owner that the credential is not needed, deactivate it, and delete it after "
    "a waiting period; if it is needed, record why it is idle.",
    blind_spots=(
        "Last use is what the provider reports: use in the hours before its report (AWS: ~4 h) may not show "
        "yet, so a credential created that recently and shown as never used is `unknown`.",
        "Providers that keep last use for a trailing window (AWS: 400 days) can only say 'not used in the "
        "window': beyond it, 'never used' reads as unused for the window's length.",
        "Kinds whose use the provider does not report (AWS signing certificates, SSH keys, service-specific "
        "credentials) give `unknown` once old enough to be stale.",
    ),
    reads=("credentials", "principals"),
    credential_kinds=KINDS,
    thresholds=("unused_days", "never_used_grace_days"),
)


def evaluate(inp: RuleInput) -> pa.Table:
    c = with_idle_days(inp, active_credentials(inp, KINDS))
    c = c.append_column("case", _case(inp, c, hours_between(c.column("ref"), c.column("created_at"))))
    c, result = reported(inp, c)
    return credential_hits(result, c, _sentence(inp, c), _evidence(inp, c))


def _case(inp: RuleInput, c: pa.Table, age_hours: pa.Array) -> pa.Array:
    """Which situation each credential is in (null: nothing to report)."""
    t, lag = inp.thresholds, inp.last_use.lag_hours
    state = use_state(c.column("last_used_at"), c.column("last_used_source"))
    age, idle = c.column("age"), c.column("idle")
    window = in_window(inp, age)
    never = pc.and_kleene(pc.equal(state, "never"), window)
    never_old = pc.and_kleene(never, pc.greater_equal(age, t.never_used_grace_days))
    # "never used" beyond the window, or "no use in the window": unused for at least min(age, window) days.
    quiet = pc.or_kleene(
        pc.equal(state, "window"), pc.and_kleene(pc.equal(state, "never"), pc.invert(window))
    )
    old_enough = pc.or_kleene(
        pc.is_null(age), pc.greater_equal(age, min(t.unused_days, t.never_used_grace_days))
    )
    conditions = {
        "used": pc.and_kleene(pc.equal(state, "used"), pc.greater_equal(idle, t.unused_days)),
        "never": pc.and_kleene(never_old, pc.greater_equal(age_hours, lag)),
        "recent": pc.and_kleene(never_old, pc.less(age_hours, lag)),
        "quiet": pc.and_kleene(quiet, pc.greater_equal(c.column("quiet_days"), t.unused_days)),
        "short": pc.and_kleene(quiet, pc.less(c.column("quiet_days"), t.unused_days)),
        "blind": pc.and_kleene(pc.equal(state, "unknown"), old_enough),
    }
    return pick_case(len(c), conditions)


def _sentence(inp: RuleInput, c: pa.Table) -> pa.Array:
    return idle_sentence(
        inp,
        c,
        "{cred} of {who} in {tenant}",
        inp.thresholds.unused_days,
        unknown="unused",
        lag="the provider's reporting lag before its as-of",
        **credential_fields(c),
    )


def _evidence(inp: RuleInput, c: pa.Table) -> pa.Array:
    t = inp.thresholds
    return credential_evidence(
        c,
        created_at=c.column("created_at"),
        last_used_at=c.column("last_used_at"),
        last_used_source=c.column("last_used_source"),
        measured_at=c.column("ref"),
        days_unused=c.column("idle"),
        age_days=c.column("age"),
        unused_days=t.unused_days,
        never_used_grace_days=t.never_used_grace_days,
        lag_hours=inp.last_use.lag_hours,
        window_days=inp.last_use.window_days,
    )
