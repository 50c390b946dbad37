"""Evaluate the rule catalogue over one sealed tenant-day and return the `findings` table.

Pure: the snapshot's tables, its manifest, the tenant's settings and `as_of` (the snapshot's collected_at)
go in; the findings table comes out, sorted by its primary key, so the same input always gives the same
table. Where an input the rule reads is incomplete (a partial table, a credential kind not collected),
the rule also says `unknown` for the tenant: what it could not see cannot be ruled out.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import pkgutil
from functools import cache
from types import ModuleType

import pyarrow as pa
import pyarrow.compute as pc

from ..config import Tenant
from ..schema import FINDINGS
from ..schema.validate import sort_table
from . import catalogue
from .base import HIT_SCHEMA, RuleMeta, hits
from .frameworks import criteria_for
from .inputs import RuleInput, RuleInputError
from .vector import flat, fmt, json_object

log = logging.getLogger(__name__)

#: Bumped when a rule's logic changes what it finds; recorded with the thresholds in each findings manifest.
RULES_VERSION = "1"


@cache
def rules() -> dict[str, ModuleType]:
    """Every rule module of the catalogue by id (the module name), in id order."""
    found = {}
    for info in sorted(pkgutil.iter_modules(catalogue.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{catalogue.__name__}.{info.name}")
        found[info.name] = module
    return found


def metadata() -> list[RuleMeta]:
    return [m.META for m in rules().values()]


def evaluate(
    tables: dict[str, pa.Table],
    manifest: dict,
    tenant: Tenant,
    as_of: dt.datetime,
    *,
    changes: pa.Table | None = None,
    context: dict | None = None,
) -> pa.Table:
    """The findings of one tenant-day (see muster.schema.findings), sorted by primary key."""
    inp = RuleInput.build(tables, manifest, tenant, as_of, changes, context)
    parts = []
    for rule_id, module in rules().items():
        meta: RuleMeta = module.META
        found = pa.concat_tables([module.evaluate(inp), incomplete_inputs(inp, meta)])
        log.debug("rule %s on %s/%s: %d row(s)", rule_id, inp.tenant_id, inp.snapshot_date, len(found))
        parts.append(_complete(inp, meta, found))
    # one contiguous table first: take (sorting) over many chunks of long strings is far slower
    out = pa.concat_tables(parts).combine_chunks() if parts else FINDINGS.schema.empty_table()
    ids = out.column("finding_id")
    if pc.count_distinct(ids).as_py() != len(ids):
        raise RuleInputError(f"rules produced duplicate finding ids for {inp.tenant_id}/{inp.snapshot_date}")
    # DerivedStore.write validates the whole table again before sealing it
    return sort_table(FINDINGS, out)


def incomplete_inputs(inp: RuleInput, meta: RuleMeta) -> pa.Table:
    """Tenant-level `unknown` rows: each table the rule reads that was not complete, and each credential
    kind it looks at that was not collected (the rows the snapshot does not hold could hide a finding)."""
    scopes, whys = [], []
    for table in meta.reads:
        status = inp.statuses.get(table, "complete")
        if status != "complete":
            scopes.append(table)
            whys.append(f"its {table} were collected with status {status}")
    gaps = set(inp.not_collected.get("credentials", ()))
    kinds = sorted(k for k in gaps if k != "*" and k in meta.credential_kinds)
    if "credentials" in meta.reads:
        for kind in kinds:
            scopes.append(f"credentials:{kind}")
            whys.append(f"its {kind} credentials were not collected")
    if not scopes:
        return HIT_SCHEMA.empty_table()
    n = len(scopes)
    entity = pa.array(scopes)
    sentence = fmt(
        "{title} cannot be ruled out in {tenant} on {date}: {why}, so what the snapshot does not show may "
        "be affected.",
        n,
        title=meta.title,
        tenant=inp.tenant_id,
        date=inp.snapshot_date.isoformat(),
        why=pa.array(whys),
    )
    evidence = json_object(n, scope=entity, statuses=_statuses_text(inp, meta), why=pa.array(whys))
    return hits("unknown", "tenant", entity, sentence, evidence)


def _statuses_text(inp: RuleInput, meta: RuleMeta) -> str:
    return ",".join(f"{t}={inp.statuses.get(t, 'complete')}" for t in meta.reads)


def _complete(inp: RuleInput, meta: RuleMeta, found: pa.Table) -> pa.Table:
    """A rule's hits as findings rows: provenance, finding id, severity, criteria, as_of."""
    n = len(found)
    criteria = criteria_for(meta.id, inp.tenant)
    entity = found.column("entity_id")
    columns = {
        "provider": pa.array([inp.provider] * n, pa.string()),
        "tenant_id": pa.array([inp.tenant_id] * n, pa.string()),
        "snapshot_date": pa.array([inp.snapshot_date] * n, pa.date32()),
        "finding_id": flat(pc.binary_join_element_wise(meta.id, entity, ":")),
        "rule_id": pa.array([meta.id] * n, pa.string()),
        "severity": pa.array([meta.severity] * n, pa.string()),
        **{name: flat(found.column(name)) for name in HIT_SCHEMA.names},
        "criteria": pa.array([criteria] * n, FINDINGS.schema.field("criteria").type),
        "as_of": pa.array([inp.as_of] * n, pa.timestamp("us", tz="UTC")),
    }
    return pa.Table.from_arrays([columns[c] for c in FINDINGS.column_names], schema=FINDINGS.schema)
