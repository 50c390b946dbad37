"""Everything a rule may read about one tenant-day, prepared once and shared by every rule.

Provider-neutral: the snapshot's tables, what its manifest says about their completeness, the tenant's
thresholds from the scope file, the source times from the collection table, and the cross-tenant context
(people seen across every provider's tenants, the tenants of the provider Muster knows). Nothing here reads a clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import pyarrow as pa
import pyarrow.compute as pc

from ..config import Tenant, Thresholds
from ..schema import INVENTORY_TABLES, SCHEMA_VERSION
from .blind_spots import LastUse, last_use
from .people_fold import OBSERVED_SCHEMA, SUMMARY_SCHEMA, day_people, empty_index, fold, summaries
from .people_fold import humans as humans  # re-exported: rules read who is a person from here
from .people_fold import person_key as person_key  # re-exported: how rules match an owner to a person
from .render import fmt
from .vector import attach, per_value, text, ts_scalar, when

REQUIRED_TABLES = (*INVENTORY_TABLES, "collection")
#: Tables left in the chunks they were read in: the rules only filter them down first (grants: 5 rows per
#: principal, where a copy into one chunk would cost more than the rules that read them).
CHUNKED_TABLES = ("grants",)
#: The credential columns rules read (`RuleInput.holders`): rules filter and copy these rows many times.
HOLDER_COLUMNS = (
    "credential_id",
    "principal_id",
    "kind",
    "external_id",
    "status",
    "managed_by",
    "created_at",
    "expires_at",
    "last_used_at",
    "last_used_source",
)


class RuleInputError(ValueError):
    """The snapshot handed to the rules cannot be evaluated (missing table, other schema version)."""


@dataclass(frozen=True)
class Context:
    """Facts from beyond the tenant-day: people followed across every provider's tenants, the tenants of the
    provider Muster knows."""

    #: Per tenant (of any provider) and person seen there up to the snapshot: the tenant's people index
    #: (SUMMARY_SCHEMA).
    people: pa.Table
    #: Per tenant: the latest sealed day folded into its summaries and whether its principals were complete.
    observed: pa.Table
    #: Tenant ids of the same provider that Muster collects (trust from one of them is not external).
    tenants: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_dict(cls, data: dict | None, inp: RuleInput) -> Context:
        """The context given to `evaluate`, or one built from the day's own tables when none was given."""
        data = data or {}
        people = data.get("people")
        observed = data.get("observed")
        if people is None or observed is None:
            people, observed = own_people(inp)
        tenants = frozenset(data.get("tenants") or ()) | {inp.tenant_id}
        return cls(people.select(SUMMARY_SCHEMA.names), observed.select(OBSERVED_SCHEMA.names), tenants)


def own_people(inp: RuleInput) -> tuple[pa.Table, pa.Table]:
    """People summaries and observation of this tenant-day alone (no history: nobody can be seen to have
    left)."""
    index = fold(empty_index(), day_people(inp.principals), inp.snapshot_date)
    observed = pa.table(
        {
            "provider": [inp.provider],
            "tenant_id": [inp.tenant_id],
            "snapshot_date": pa.array([inp.snapshot_date], pa.date32()),
            "complete": [inp.complete("principals")],
        },
        schema=OBSERVED_SCHEMA,
    )
    return summaries({(inp.provider, inp.tenant_id): index}), observed


def one_chunk(tbl: pa.Table) -> pa.Table:
    """The table with one chunk per column (kernels and takes stay simple); no copy when it already is."""
    return tbl if all(c.num_chunks == 1 for c in tbl.columns) else tbl.combine_chunks()


@dataclass
class RuleInput:
    provider: str
    tenant_id: str
    snapshot_date: dt.date
    tenant: Tenant
    as_of: dt.datetime
    tables: dict[str, pa.Table]
    statuses: dict[str, str]
    not_collected: dict[str, tuple[str, ...]]
    changes: pa.Table | None = None
    context_data: dict | None = None

    @classmethod
    def build(
        cls,
        tables: dict[str, pa.Table],
        manifest: dict,
        tenant: Tenant,
        as_of: dt.datetime,
        changes: pa.Table | None,
        context: dict | None,
    ) -> RuleInput:
        if as_of.tzinfo is None:
            raise RuleInputError("as_of must be timezone-aware (the snapshot's collected_at)")
        where = f"{manifest.get('provider')}/{manifest.get('tenant_id')}/{manifest.get('snapshot_date')}"
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        if missing:
            raise RuleInputError(f"snapshot {where}: missing table(s) {missing}; rules not evaluated")
        version = (manifest.get("versions") or {}).get("schema", SCHEMA_VERSION)
        if str(version) != SCHEMA_VERSION:
            raise RuleInputError(
                f"snapshot {where}: schema version {version}, rules expect {SCHEMA_VERSION}; re-derive after "
                "migrating"
            )
        if tenant.provider != manifest["provider"] or tenant.id != manifest["tenant_id"]:
            raise RuleInputError(f"snapshot {where}: tenant settings given for {tenant.label}")
        entries = manifest.get("tables", {})
        statuses = {t: entries.get(t, {}).get("status", "failed") for t in INVENTORY_TABLES}
        not_collected = {
            t: tuple(sorted({e.split(" ", 1)[0] for e in entries.get(t, {}).get("not_collected", [])}))
            for t in INVENTORY_TABLES
        }
        return cls(
            provider=manifest["provider"],
            tenant_id=manifest["tenant_id"],
            snapshot_date=dt.date.fromisoformat(manifest["snapshot_date"]),
            tenant=tenant,
            as_of=as_of.astimezone(dt.UTC),
            tables={k: v if k in CHUNKED_TABLES else one_chunk(v) for k, v in tables.items()},
            statuses=statuses,
            not_collected=not_collected,
            changes=changes,
            context_data=context,
        )

    # -- plain facts -----------------------------------------------------------------------------
    @property
    def thresholds(self) -> Thresholds:
        return self.tenant.thresholds

    @property
    def principals(self) -> pa.Table:
        return self.tables["principals"]

    @property
    def credentials(self) -> pa.Table:
        return self.tables["credentials"]

    @property
    def grants(self) -> pa.Table:
        return self.tables["grants"]

    @property
    def role_definitions(self) -> pa.Table:
        return self.tables["role_definitions"]

    @cached_property
    def as_of_ts(self) -> pa.Scalar:
        return ts_scalar(self.as_of)

    @cached_property
    def last_use(self) -> LastUse:
        return last_use(self.provider)

    @cached_property
    def context(self) -> Context:
        return Context.from_dict(self.context_data, self)

    def complete(self, table: str) -> bool:
        return self.statuses.get(table) == "complete"

    def prepare(self) -> RuleInput:
        """Compute the shared derived facts once, before rules that read them run side by side."""
        for name in ("as_of_ts", "last_use", "context", "holders", "source_times"):
            getattr(self, name)
        return self

    # -- credentials with their holder -------------------------------------------------------------
    @cached_property
    def holders(self) -> pa.Table:
        """Credentials with the holder's name, kind, is_nhi and enabled (null where the holder is unknown)."""
        p = self.principals.select(["principal_id", "name", "kind", "is_nhi", "enabled"]).rename_columns(
            ["principal_id", "principal_name", "principal_kind", "principal_is_nhi", "principal_enabled"]
        )
        names = ["principal_name", "principal_kind", "principal_is_nhi", "principal_enabled"]
        return one_chunk(attach(self.credentials.select(HOLDER_COLUMNS), p, ["principal_id"], names))

    # -- source times ------------------------------------------------------------------------------
    @cached_property
    def source_times(self) -> dict[str, dt.datetime]:
        """Collection entity -> the source's own as-of time (e.g. the credential report's GeneratedTime)."""
        rows = self.tables["collection"].select(["entity", "source_as_of"]).to_pylist()
        return {r["entity"]: r["source_as_of"] for r in sorted(rows, key=lambda r: r["entity"])}

    def ref_time(self, source: pa.Array) -> pa.Array:
        """Per row, the time a last-used value is measured against: the as-of time of the entity named at the
        start of `last_used_source` (``credential_report:...``) when it has one, else the snapshot's as_of."""
        return per_value(pc.fill_null(source, ""), self._ref_times)

    def _ref_times(self, filled: pa.Array) -> pa.Array:
        ref = pa.array([self.as_of] * len(filled), pa.timestamp("us", tz="UTC"))
        for entity, at in self.source_times.items():
            if at is not None:
                ref = pc.if_else(pc.starts_with(filled, entity + ":"), ts_scalar(at), ref)
        return ref

    def source_note(self, source: pa.Array) -> pa.Array:
        """Per row, the as-of of the source in words: 'credential report generated 2026-11-26 03:10 UTC'."""
        return per_value(pc.fill_null(source, ""), self._source_notes)

    def _source_notes(self, filled: pa.Array) -> pa.Array:
        note = fmt("as observed {at}", len(filled), at=when(self.as_of_ts))
        for entity, at in self.source_times.items():
            if at is not None:
                label = f"{entity.replace('_', ' ')} generated {when(ts_scalar(at)).as_py()}"
                note = pc.if_else(pc.starts_with(filled, entity + ":"), label, note)
        return note

    def tenant_text(self) -> pa.Scalar:
        return text(self.tenant_id)
