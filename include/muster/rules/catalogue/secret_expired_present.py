"""A secret past its expiry that is still registered: dead weight at best, and proof nobody cleans up."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ..base import SECRET_KINDS, RuleMeta, credential_hits
from ..common import credential_label, holder, masked_key
from ..inputs import RuleInput
from ..vector import day, days_between, fmt, json_object

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
    n = len(c)
    sentence = fmt(
        "{cred} of {who} in {tenant} expired {ago} days ago ({on}) and is still registered with status "
        "{status} (as observed {at}).",
        n,
        cred=credential_label(c),
        who=holder(c),
        tenant=inp.tenant_id,
        ago=ago,
        on=day(c.column("expires_at")),
        status=c.column("status"),
        at=inp.as_of.strftime("%Y-%m-%d %H:%M UTC"),
    )
    evidence = json_object(
        n,
        credential_id=c.column("credential_id"),
        key_id=masked_key(c),
        kind=c.column("kind"),
        status=c.column("status"),
        expires_at=c.column("expires_at"),
        days_since_expiry=ago,
        measured_at=inp.as_of.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    return credential_hits("fail", c, sentence, evidence)
