"""An active secret older than `rotation_days`: the longer a secret lives, the more places it has leaked to."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ..base import SECRET_KINDS, RuleMeta, credential_hits
from ..common import active_credentials, credential_evidence, credential_fields, measured_at, observed_at
from ..inputs import RuleInput
from ..render import cases
from ..vector import day, days_between

META = RuleMeta(
    id="credential_unrotated",
    title="Credential not rotated",
    severity="medium",
    entity_type="credential",
    rationale="A long-lived secret accumulates copies (laptops, CI variables, old images); rotating it on a "
    "schedule bounds how long a leaked copy stays useful.",
    remediation="Create a new credential, move the workload to it, deactivate the old one, and delete it once "
    "nothing fails; better, replace the key with short-lived credentials (roles, workload identity).",
    blind_spots=(
        "Age is measured from the creation time the provider reports (AWS: last_rotated, the key's creation); "
        "a credential whose creation time is not reported is `unknown`.",
        "Console passwords are not covered: forced password rotation is not recommended practice.",
    ),
    reads=("credentials",),
    credential_kinds=SECRET_KINDS,
    thresholds=("rotation_days",),
)


def _reported(inp: RuleInput, created_at: pa.ChunkedArray, limit: int) -> pa.Array:
    age = days_between(inp.as_of_ts, created_at)
    return pc.or_kleene(pc.fill_null(pc.greater(age, limit), False), pc.is_null(age))


def evaluate(inp: RuleInput) -> pa.Table:
    limit = inp.thresholds.rotation_days
    # old, or of unknown age: the rows reported, in one filter
    c = active_credentials(inp, SECRET_KINDS, where=lambda h: _reported(inp, h.column("created_at"), limit))
    age = days_between(inp.as_of_ts, c.column("created_at"))
    old = pc.fill_null(pc.greater(age, limit), False)
    case = pc.if_else(old, "fail", pc.if_else(pc.is_null(age), "unknown", pa.scalar(None, pa.string())))
    c = c.append_column("age", age).append_column("case", case)  # every row has a case (see _reported)
    f = dict(
        **credential_fields(c),
        tenant=inp.tenant_id,
        age=c.column("age"),
        limit=limit,
        created=day(c.column("created_at")),
        at=observed_at(inp),
    )
    sentence = cases(
        c.column("case"),
        {
            "fail": (
                "{cred} of {who} in {tenant} was created {age} days ago and has not been "
                "rotated since; the limit is {limit} days (as observed {at})."
            ),
            "unknown": (
                "{cred} of {who} in {tenant} has no reported creation time, so whether it is older "
                "than {limit} days is unknown (as observed {at})."
            ),
        },
        **f,
    )
    evidence = credential_evidence(
        c,
        created_at=c.column("created_at"),
        age_days=c.column("age"),
        measured_at=measured_at(inp),
        rotation_days=limit,
    )
    return credential_hits(c.column("case"), c, sentence, evidence)
