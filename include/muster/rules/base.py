"""What every rule declares (metadata) and returns (hits), independent of any cloud.

A rule is one module under ``muster.rules.catalogue`` holding ``META`` (a :class:`RuleMeta` whose id is the
module's name) and ``evaluate(inp) -> pa.Table`` returning :func:`hits`. The engine adds provenance, the
finding id, severity, criteria and ``as_of``; docs/RULES.md is rendered from the metadata.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from ..schema.findings import ENTITY_TYPES, SEVERITIES
from .vector import flat

#: Credentials that stand for a secret a workload or person holds (everything but a console password and a
#: federated trust, which has no secret).
SECRET_KINDS = (
    "access_key",
    "ssh_key",
    "signing_certificate",
    "service_specific",
    "sa_key",
    "client_secret",
    "certificate",
)
#: Long-lived programmatic keys: the kinds a provider counts as "access keys" of an identity.
KEY_KINDS = ("access_key", "sa_key", "client_secret")
#: Principal kinds that stand for many people (grantees), not one identity.
GRANTEE_KINDS = ("group", "domain", "public")

#: Columns of what a rule returns, before the engine completes the findings row.
HIT_SCHEMA = pa.schema(
    [
        ("result", pa.string()),
        ("entity_type", pa.string()),
        ("entity_id", pa.string()),
        ("principal_id", pa.string()),
        ("principal_name", pa.string()),
        ("credential_id", pa.string()),
        ("sentence", pa.string()),
        ("evidence", pa.string()),
    ]
)


@dataclass(frozen=True)
class RuleMeta:
    """A rule's metadata: what it checks, why it matters, what to do, and what it cannot see."""

    id: str
    title: str
    severity: str
    entity_type: str
    rationale: str
    remediation: str
    blind_spots: tuple[str, ...]
    #: Snapshot tables the rule reads: an incomplete one gives a tenant-level `unknown`.
    reads: tuple[str, ...]
    #: Credential kinds the rule looks at: a kind the snapshot did not collect gives a tenant-level `unknown`.
    credential_kinds: tuple[str, ...] = ()
    #: Thresholds (names in the scope file's `thresholds`) the rule uses.
    thresholds: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.id}: severity {self.severity!r} not one of {SEVERITIES}")
        if self.entity_type not in ENTITY_TYPES:
            raise ValueError(f"rule {self.id}: entity_type {self.entity_type!r} not one of {ENTITY_TYPES}")


def hits(
    result: pa.Array | str,
    entity_type: str,
    entity_id: pa.Array,
    sentence: pa.Array,
    evidence: pa.Array,
    *,
    principal_id: pa.Array | None = None,
    principal_name: pa.Array | None = None,
    credential_id: pa.Array | None = None,
) -> pa.Table:
    """A rule's output rows; `result` is "fail", "unknown" or a column of them."""
    n = len(entity_id)

    def col(value: pa.Array | str | None) -> pa.Array:
        if value is None:
            return pa.nulls(n, pa.string())
        if isinstance(value, str):
            return pa.repeat(pa.scalar(value, pa.string()), n)
        return flat(value).cast(pa.string())

    return pa.Table.from_arrays(
        [
            col(result),
            col(entity_type),
            col(entity_id),
            col(principal_id),
            col(principal_name),
            col(credential_id),
            col(sentence),
            col(evidence),
        ],
        schema=HIT_SCHEMA,
    )


def credential_hits(result: pa.Array | str, c: pa.Table, sentence: pa.Array, evidence: pa.Array) -> pa.Table:
    """Rows about credentials: `c` carries credential_id, principal_id and principal_name."""
    return hits(
        result,
        "credential",
        c.column("credential_id"),
        sentence,
        evidence,
        principal_id=c.column("principal_id"),
        principal_name=c.column("principal_name"),
        credential_id=c.column("credential_id"),
    )


def no_hits() -> pa.Table:
    return HIT_SCHEMA.empty_table()


def split(tbl: pa.Table, fail: pa.Array, unknown: pa.Array) -> tuple[pa.Table, pa.Table]:
    """Rows where `fail`, and rows where `unknown` (and not fail); null masks count as false."""
    fail = pc.fill_null(fail, False)
    unknown = pc.and_kleene(pc.fill_null(unknown, False), pc.invert(fail))
    return tbl.filter(fail), tbl.filter(unknown)
