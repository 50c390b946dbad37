"""Rules: one small module per rule over a sealed tenant-day, with metadata and framework mappings as data.

`evaluate(tables, manifest, tenant, as_of, changes=, context=)` is pure and returns the `findings` table;
`derive_findings(root, ref, scope)` reads sealed inputs and seals the day's findings partition.
"""

from .derive import build_context, derive_findings, tenant_for
from .engine import RULES_VERSION, evaluate, metadata, rules
from .inputs import RuleInputError

__all__ = [
    "RULES_VERSION",
    "RuleInputError",
    "build_context",
    "derive_findings",
    "evaluate",
    "metadata",
    "rules",
    "tenant_for",
]
