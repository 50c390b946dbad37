"""An active access key on the root principal (AWS: the account root user): a key to everything,
which no policy can restrict."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ..base import RuleMeta, credential_hits
from ..common import active_credentials, credential_evidence, credential_label, observed_at
from ..inputs import RuleInput
from ..render import fmt
from ..vector import day

META = RuleMeta(
    id="root_access_key",
    title="Root access key present",
    severity="critical",
    entity_type="credential",
    rationale="The root principal cannot be limited by IAM policies or permission boundaries; a programmatic "
    "key for it turns any leak into a full compromise of the tenant.",
    remediation="Delete the root access key (after moving whatever uses it to a role), and keep root for "
    "the few tasks that require it, with MFA.",
    blind_spots=(
        "Seen only where the provider reports a root principal with its keys (AWS: the credential report's "
        "<root_account> row); a snapshot without that row cannot show it.",
    ),
    reads=("credentials", "principals"),
    credential_kinds=("access_key",),
)


def evaluate(inp: RuleInput) -> pa.Table:
    c = active_credentials(inp, ("access_key",), where=lambda h: pc.equal(h.column("principal_kind"), "root"))
    n = len(c)
    sentence = fmt(
        "The root user of {tenant} has an active {cred}, created {created} (as observed {at}).",
        n,
        tenant=inp.tenant_id,
        cred=pc.utf8_lower(credential_label(c)),
        created=day(c.column("created_at")),
        at=observed_at(inp),
    )
    evidence = credential_evidence(
        c,
        created_at=c.column("created_at"),
        last_used_at=c.column("last_used_at"),
        principal_kind=c.column("principal_kind"),
    )
    return credential_hits("fail", c, sentence, evidence)
