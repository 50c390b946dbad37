"""A person holding a long-lived access key: people should sign in with short-lived, MFA-backed sessions."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ..base import KEY_KINDS, RuleMeta, credential_hits
from ..common import active_credentials, credential_evidence, credential_label, holder, observed_at
from ..inputs import RuleInput
from ..render import fmt

META = RuleMeta(
    id="human_long_lived_key",
    title="Human user holding a long-lived access key",
    severity="medium",
    entity_type="credential",
    rationale="A person's long-lived key bypasses single sign-on and MFA, ends up in dotfiles and scripts, "
    "and outlives the person's employment unless someone remembers it at offboarding.",
    remediation="Move the person to federated, short-lived credentials (SSO / identity center, gcloud auth, "
    "az login) and delete the key.",
    blind_spots=(
        "Whether an identity is a person comes from Muster's classification (paths, tags, console access, "
        "overrides), recorded in principals.nhi_reason; a misclassified service user shows up here.",
        "The root user is covered by its own rule.",
    ),
    reads=("credentials", "principals"),
    credential_kinds=KEY_KINDS,
)


def _person(c: pa.Table) -> pa.Array:
    """Holders that are one person: not an NHI, not the root user, not a grantee group."""
    person = pc.and_kleene(
        pc.invert(c.column("principal_is_nhi")), pc.not_equal(c.column("principal_kind"), "root")
    )
    return pc.and_kleene(
        person, pc.invert(pc.is_in(c.column("principal_kind"), pa.array(["group", "domain", "public"])))
    )


def evaluate(inp: RuleInput) -> pa.Table:
    c = active_credentials(inp, KEY_KINDS, where=_person)
    n = len(c)
    sentence = fmt(
        "{who}, a person, holds an active {cred} in {tenant} (as observed {at}).",
        n,
        who=holder(c),
        cred=pc.utf8_lower(credential_label(c)),
        tenant=inp.tenant_id,
        at=observed_at(inp),
    )
    evidence = credential_evidence(
        c,
        created_at=c.column("created_at"),
        principal_kind=c.column("principal_kind"),
        principal_is_nhi=c.column("principal_is_nhi"),
    )
    return credential_hits("fail", c, sentence, evidence)
