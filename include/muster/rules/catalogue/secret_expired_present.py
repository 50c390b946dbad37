"""A secret past its expiry that is still registered: dead weight at best, and proof nobody cleans up."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ..base import SECRET_KINDS, RuleMeta, credential_hits
from ..common import credential_evidence, credential_sentence, measured_at
from ..inputs import RuleInput
from ..vector import day, days_between

META = RuleMeta(
    id="secret_expired_present",
    title="Expired secret still present",
    severity="low",
    entity_type="credential",
    rationale="Expired secrets left registered clutter the credential inventory, hide the live ones, and "
    "show that the lifecycle has no clean-up step; some providers let an owner extend them back to life.",
    remediation="Delete the expired secret; if a workload still needs access, issue a new one.",
    blind_spots=("Only secrets whose expiry the provider reports can be seen to have expired.",),
    reads=("credentials",),
    credential_kinds=SECRET_KINDS,
)


def evaluate(inp: RuleInput) -> pa.Table:
    c = inp.holders
    mine = pc.and_kleene(
        pc.is_in(c.column("kind"), pa.array(SECRET_KINDS)), pc.equal(c.column("managed_by"), "user")
    )
    past = pc.fill_null(pc.less_equal(c.column("expires_at"), inp.as_of_ts), False)
    c = c.filter(pc.and_kleene(mine, pc.or_kleene(past, pc.equal(c.column("status"), "expired"))))
    ago = days_between(inp.as_of_ts, c.column("expires_at"))
    sentence = credential_sentence(
        inp,
        c,
        " expired {ago} days ago ({on}) and is still registered with status {status}",
        ago=ago,
        on=day(c.column("expires_at")),
        status=c.column("status"),
    )
    evidence = credential_evidence(
        c, expires_at=c.column("expires_at"), days_since_expiry=ago, measured_at=measured_at(inp)
    )
    return credential_hits("fail", c, sentence, evidence)
