"""An active credential whose identity is disabled: disabling the identity was meant to end its access,
and a credential that still works may not honour that."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ..base import RuleMeta, credential_hits
from ..common import credential_evidence, credential_fields, observed_at
from ..inputs import RuleInput
from ..render import cases

META = RuleMeta(
    id="active_credential_disabled_identity",
    title="Active credential on a disabled identity",
    severity="high",
    entity_type="credential",
    rationale="Disabling an identity is how access is removed at offboarding; a credential left active is "
    "evidence that removal was incomplete, and providers differ in whether it still authenticates.",
    remediation="Deactivate (then delete) every credential of the disabled identity, and make credential "
    "revocation part of the disable procedure.",
    blind_spots=(
        "Where the provider does not say whether the identity is enabled (null), an active credential on it "
        "is `unknown`.",
        "AWS IAM users have no disabled flag: Muster calls a user enabled when it has a password or an active "
        "credential, so this rule fires for AWS only through other kinds of identity.",
    ),
    reads=("credentials", "principals"),
    credential_kinds=(
        "access_key",
        "ssh_key",
        "signing_certificate",
        "service_specific",
        "sa_key",
        "client_secret",
        "certificate",
        "federated",
        "password",
    ),
)


def evaluate(inp: RuleInput) -> pa.Table:
    c = inp.holders
    enabled = c.column("principal_enabled")
    held = pc.and_kleene(pc.equal(c.column("status"), "active"), pc.is_valid(c.column("principal_name")))
    # active, on a known identity that is not enabled (false or not reported): one filter, then the case
    c = c.filter(pc.and_kleene(held, pc.invert(pc.fill_null(enabled, False))))
    enabled = c.column("principal_enabled")
    case = pc.if_else(
        pc.is_null(enabled), "unknown", pc.if_else(enabled, pa.scalar(None, pa.string()), "fail")
    )
    c = c.append_column("case", case).filter(pc.is_valid(case))
    f = dict(
        **credential_fields(c),
        tenant=inp.tenant_id,
        at=observed_at(inp),
    )
    sentence = cases(
        c.column("case"),
        {
            "fail": "{cred} of {who} in {tenant} is active although {who} is disabled (as observed {at}).",
            "unknown": (
                "{cred} of {who} in {tenant} is active and the provider does not report whether {who} "
                "is enabled (as observed {at})."
            ),
        },
        **f,
    )
    evidence = credential_evidence(
        c,
        principal_id=c.column("principal_id"),
        principal_enabled=c.column("principal_enabled"),
    )
    return credential_hits(c.column("case"), c, sentence, evidence)
