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
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from types import ModuleType

import pyarrow as pa
import pyarrow.compute as pc

from ..config import Tenant
from ..schema import FINDINGS
from . import catalogue
from .base import HIT_SCHEMA, RuleMeta, hits
from .frameworks import criteria_for
from .inputs import RuleInput, RuleInputError
from .render import fmt, json_object
from .vector import flat

log = logging.getLogger(__name__)

#: Bumped when a rule's logic changes what it finds; recorded with the thresholds in each findings manifest.
RULES_VERSION = "1"
#: Rules evaluated at once (the machines this runs on have two cores or more).
WORKERS = 2


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
    inp = RuleInput.build(tables, manifest, tenant, as_of, changes, context).prepare()
    # Arrow's kernels release the GIL: rules run side by side on the cores; each rule's rows depend on
    # the input alone, so the table is the same whatever the order they finish in.
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        running = {f"{m.META.id}:": pool.submit(_findings, inp, m.META, m) for m in rules().values()}
        parts = {prefix: future.result() for prefix, future in running.items()}
    if not parts:
        return FINDINGS.schema.empty_table()
    # Each part is in finding-id order and its ids share the prefix "<rule id>:" (no rule id holds a ':'),
    # so the parts in prefix order are the whole table in primary-key order: no sort over the long text.
    # (one chunk per rule: the Parquet bytes do not depend on the chunking, so nothing is copied here)
    return pa.concat_tables([parts[prefix] for prefix in sorted(parts)])


def _findings(inp: RuleInput, meta: RuleMeta, module: ModuleType) -> pa.Table:
    """One rule's findings rows, in finding-id order."""
    found, gaps = module.evaluate(inp), incomplete_inputs(inp, meta)
    found = pa.concat_tables([found, gaps]) if len(gaps) else found
    log.debug("rule %s on %s/%s: %d row(s)", meta.id, inp.tenant_id, inp.snapshot_date, len(found))
    return _in_order(inp, _complete(inp, meta, found))


def _in_order(inp: RuleInput, part: pa.Table) -> pa.Table:
    """A rule's findings sorted by finding id; duplicate ids are an error. Rules that read their rows in
    key order (most do) are only checked, not sorted again."""
    ids = part.column("finding_id")
    if not _strictly_ascending(ids):
        part = part.sort_by("finding_id")
        ids = part.column("finding_id")
        if not _strictly_ascending(ids):
            raise RuleInputError(
                f"rules produced duplicate finding ids for {inp.tenant_id}/{inp.snapshot_date}"
            )
    return part


def _strictly_ascending(col: pa.ChunkedArray) -> bool:
    col = flat(col)
    if len(col) < 2:
        return True
    return pc.all(pc.less(col.slice(0, len(col) - 1), col.slice(1))).as_py()


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
        "provider": _repeat(inp.provider, pa.string(), n),
        "tenant_id": _repeat(inp.tenant_id, pa.string(), n),
        "snapshot_date": _repeat(inp.snapshot_date, pa.date32(), n),
        "finding_id": flat(pc.binary_join_element_wise(f"{meta.id}:", flat(entity), "")),
        "rule_id": _repeat(meta.id, pa.string(), n),
        "severity": _repeat(meta.severity, pa.string(), n),
        **{name: flat(found.column(name)) for name in HIT_SCHEMA.names},
        "criteria": _repeat(criteria, FINDINGS.schema.field("criteria").type, n),
        "as_of": _repeat(inp.as_of, pa.timestamp("us", tz="UTC"), n),
    }
    return pa.Table.from_arrays([columns[c] for c in FINDINGS.column_names], schema=FINDINGS.schema)


def _repeat(value: object, type_: pa.DataType, n: int) -> pa.Array:
    """A column holding one value in every row (built by Arrow, not from a Python list of n items)."""
    return pa.repeat(pa.scalar(value, type_), n) if n else pa.array([], type_)
