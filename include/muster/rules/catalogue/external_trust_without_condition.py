"""A role that another account (or anyone) may assume without a condition restricting who or when."""

from __future__ import annotations

import json
import re

import pyarrow as pa
import pyarrow.compute as pc

from ..base import HIT_SCHEMA, RuleMeta, hits
from ..inputs import RuleInput
from ..render import fmt, json_object
from ..vector import attach

_ACCOUNT = re.compile(r"^(?:arn:[^:]+:(?:iam|sts)::(\d{12}):.*|(\d{12}))$")

META = RuleMeta(
    id="external_trust_without_condition",
    title="Role trusted by an external account without a condition",
    severity="high",
    entity_type="principal",
    rationale="A trust policy that lets a whole other account assume a role, with no condition such as an "
    "external id or an organisation id, hands the role to every identity that account's administrators "
    "allow, including ones that have nothing to do with the purpose (the confused deputy problem).",
    remediation="Add a condition (sts:ExternalId agreed with the third party, aws:PrincipalOrgID for your own "
    "organisation, or aws:PrincipalArn naming the caller), or trust the specific role rather than the account.",
    blind_spots=(
        "Reads trust documents (role_definitions of role_type trust_policy) in the IAM policy grammar: "
        "Allow statements with an account, an account ARN or '*' as principal; service and federated "
        "principals are not covered.",
        "Accounts that Muster collects (tenants of the same provider in its store or scope file) count as "
        "internal; any other account is external.",
        "Any Condition counts as restricting; whether it is a strong one is not judged.",
    ),
    reads=("role_definitions", "principals"),
)


def evaluate(inp: RuleInput) -> pa.Table:
    rd = inp.role_definitions
    rd = rd.filter(pc.equal(rd.column("role_type"), "trust_policy"))
    rd = rd.filter(
        pc.or_kleene(
            pc.match_substring(rd.column("document"), '"AWS"'),
            pc.match_substring(rd.column("document"), '"*"'),
        )
    )
    rows = []
    for r in rd.select(["role_id", "role_name", "document"]).to_pylist():
        outsiders = _unconditioned_outsiders(r["document"], inp.context.tenants)
        if outsiders:
            rows.append({"role_id": r["role_id"], "role_name": r["role_name"], "outsiders": outsiders})
    if not rows:
        return HIT_SCHEMA.empty_table()
    t = pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [("role_id", pa.string()), ("role_name", pa.string()), ("outsiders", pa.list_(pa.string()))]
        ),
    )
    p = inp.principals.select(["principal_id", "name", "arn_or_resource"])
    p = p.append_column("role_id", pc.binary_join_element_wise(p.column("arn_or_resource"), "/trust", ""))
    t = attach(t, p, ["role_id"], ["principal_id", "name"]).sort_by("role_id")
    n = len(t)
    who = pc.coalesce(t.column("name"), t.column("role_name"))
    sentence = fmt(
        "Role {who} in {tenant} can be assumed by {outsiders} without any condition (as observed {at}).",
        n,
        who=who,
        tenant=inp.tenant_id,
        outsiders=pc.binary_join(t.column("outsiders"), ", "),
        at=inp.as_of.strftime("%Y-%m-%d %H:%M UTC"),
    )
    evidence = json_object(
        n,
        role_id=t.column("role_id"),
        principal_id=t.column("principal_id"),
        trusted=t.column("outsiders"),
        internal_tenants=sorted(inp.context.tenants),
    )
    entity = pc.coalesce(t.column("principal_id"), t.column("role_id"))
    return hits(
        "fail",
        "principal",
        entity,
        sentence,
        evidence,
        principal_id=t.column("principal_id"),
        principal_name=who,
    )


def _unconditioned_outsiders(document: str, internal: frozenset[str]) -> list[str]:
    """'account 999988887777' / 'anyone (*)' for each Allow statement without Condition that trusts them."""
    try:
        doc = json.loads(document)
    except ValueError:
        return []
    statements = doc.get("Statement", []) if isinstance(doc, dict) else []
    statements = [statements] if isinstance(statements, dict) else statements
    found = set()
    for stmt in statements:
        if not isinstance(stmt, dict) or stmt.get("Effect") != "Allow" or stmt.get("Condition"):
            continue
        for principal in _aws_principals(stmt.get("Principal")):
            if principal == "*":
                found.add("anyone (*)")
                continue
            m = _ACCOUNT.match(principal)
            account = m and (m.group(1) or m.group(2))
            if account and account not in internal:
                found.add(f"account {account}")
    return sorted(found)


def _aws_principals(principal: object) -> list[str]:
    if principal == "*":
        return ["*"]
    if not isinstance(principal, dict):
        return []
    value = principal.get("AWS", [])
    return [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]
