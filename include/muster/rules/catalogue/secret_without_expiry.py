"""An active secret that never expires, of a kind whose expiry can be set (app secrets, certificates, service
account keys): nothing ends its life if everyone forgets it."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc

from ..base import RuleMeta, credential_hits
from ..common import active_credentials, credential_evidence, credential_sentence
from ..inputs import RuleInput
from ..vector import ts_scalar

#: Kinds whose expiry the owner chooses. AWS access keys cannot expire: rotation covers them.
KINDS = ("sa_key", "client_secret", "certificate")
#: Providers write "never" as a far-future date (GCP: 9999-12-31T23:59:59Z; Entra's "never" option:
#: 2299-12-31). Any expiry from 2200 on is read as none: no secret is meant to outlive its holders.
NEVER = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)

META = RuleMeta(
    id="secret_without_expiry",
    title="Secret without expiry",
    severity="low",
    entity_type="credential",
    rationale="An expiry date is the backstop for every process that forgets a secret: without one, a "
    "leaked or abandoned secret works for ever.",
    remediation="Replace the secret with one that expires (at most a year; less for high privilege) and "
    "track its renewal.",
    blind_spots=(
        "Only kinds whose expiry can be chosen are checked (service account keys, client secrets, "
        "certificates); access keys (AWS access keys, GCP HMAC keys) never expire and are covered by the "
        "rotation rule.",
        'An expiry in year 2200 or later is read as no expiry (Entra writes "never" as 2299-12-31, GCP as '
        "9999-12-31).",
    ),
    reads=("credentials",),
    credential_kinds=KINDS,
)


def _no_expiry(c: pa.Table) -> pa.Array:
    expires = c.column("expires_at")
    return pc.or_kleene(pc.is_null(expires), pc.fill_null(pc.greater_equal(expires, ts_scalar(NEVER)), False))


def evaluate(inp: RuleInput) -> pa.Table:
    c = active_credentials(inp, KINDS, where=_no_expiry)
    sentence = credential_sentence(inp, c, " is active and never expires")
    evidence = credential_evidence(c, created_at=c.column("created_at"), expires_at=c.column("expires_at"))
    return credential_hits("fail", c, sentence, evidence)
