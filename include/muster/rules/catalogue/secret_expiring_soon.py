"""An active secret that expires within `expiring_within_days`: renew it on purpose, not during an outage."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ..base import SECRET_KINDS, RuleMeta, credential_hits
from ..common import active_credentials, credential_evidence, credential_sentence, measured_at
from ..inputs import RuleInput
from ..vector import day, days_between

META = RuleMeta(
    id="secret_expiring_soon",
    title="Secret expiring soon",
    severity="info",
    entity_type="credential",
    rationale="A secret that expires unnoticed breaks its workload, and the fix made in a hurry is often a "
    "secret that never expires or broader access.",
    remediation="Issue the replacement now, move the workload to it, and let the old one expire.",
    blind_spots=("Only secrets whose expiry the provider reports are checked.",),
    reads=("credentials",),
    credential_kinds=SECRET_KINDS,
    thresholds=("expiring_within_days",),
)


def evaluate(inp: RuleInput) -> pa.Table:
    within = inp.thresholds.expiring_within_days

    def soon(h: pa.Table) -> pa.Array:
        future = pc.greater(h.column("expires_at"), inp.as_of_ts)
        return pc.and_kleene(
            future, pc.less_equal(days_between(h.column("expires_at"), inp.as_of_ts), within)
        )

    c = active_credentials(inp, SECRET_KINDS, where=soon)
    c = c.append_column("left", days_between(c.column("expires_at"), inp.as_of_ts))
    sentence = credential_sentence(
        inp,
        c,
        " expires in {left} days ({on}), within the {within}-day notice period",
        left=c.column("left"),
        on=day(c.column("expires_at")),
        within=within,
    )
    evidence = credential_evidence(
        c,
        expires_at=c.column("expires_at"),
        days_left=c.column("left"),
        expiring_within_days=within,
        measured_at=measured_at(inp),
    )
    return credential_hits("fail", c, sentence, evidence)
