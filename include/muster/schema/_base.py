"""Building blocks for table declarations: every column has a type, nullability and a description.

A table is declared once, here in code, and everything else (validation, Parquet metadata, golden
contract files, the README's data dictionary) is derived from that declaration.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property

import pyarrow as pa

#: Bumped whenever any table's declared shape changes; the golden contract test enforces it.
SCHEMA_VERSION = "1"

UTC_TS = pa.timestamp("us", tz="UTC")
TAGS = pa.map_(pa.string(), pa.string())
#: Named "element" as Parquet's compliant nested type does, so a round trip gives the same type back.
STRINGS = pa.list_(pa.field("element", pa.string()))


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    description: str
    required: bool = False
    #: Where each provider's value comes from (provider -> source field); documentation only.
    sources: dict[str, str] = field(default_factory=dict)
    #: Closed set of allowed values, for enumerated string columns.
    allowed: tuple[str, ...] = ()
    #: Parquet dictionary-encodes the column. Off where values seldom repeat within a file (ids, names, ARNs,
    #: instants): the writer would build a dictionary, overflow its page limit and fall back to plain pages,
    #: which costs time and leaves the file larger (principals of a 120,000-principal account: 1.79 MB with a
    #: dictionary on every column, 1.17 MB without one on these; bench/normalise_write.py prints the bytes).
    dictionary: bool = True
    #: Text copied as the cloud gives it (ids, names, descriptions, tag values): "None" is then a value (an
    #: IAM user may be named None, an owner tag may say None), not the trace of a transform that printed a
    #: missing value, so validation refuses only "" here (see ``validate._check_table``).
    verbatim: bool = False

    def arrow_field(self) -> pa.Field:
        meta = {"description": self.description}
        if self.sources:
            meta["sources"] = json.dumps(self.sources, sort_keys=True)
        if self.allowed:
            meta["allowed"] = json.dumps(list(self.allowed))
        return pa.field(self.name, self.type, nullable=not self.required, metadata=meta)


PROVENANCE = (
    Column("provider", pa.string(), "Cloud the row was observed in.", True, allowed=("aws", "gcp", "azure")),
    Column(
        "tenant_id",
        pa.string(),
        "Tenant the row belongs to: AWS account id, GCP project/organisation id, Entra tenant id.",
        True,
    ),
    Column("snapshot_date", pa.date32(), "UTC calendar day on which the row was observed.", True),
)


@dataclass(frozen=True)
class TableSpec:
    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"table {self.name}: duplicate column names")
        missing = set(self.primary_key) - set(names)
        if missing:
            raise ValueError(f"table {self.name}: primary key names unknown columns {sorted(missing)}")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @cached_property
    def schema(self) -> pa.Schema:
        """The Arrow schema, built once per table (every snapshot of every tenant asks for it)."""
        return pa.schema(
            [c.arrow_field() for c in self.columns],
            metadata={
                "muster.table": self.name,
                "muster.description": self.description,
                "muster.schema_version": SCHEMA_VERSION,
                "muster.primary_key": json.dumps(list(self.primary_key)),
            },
        )

    def dictionary_paths(self) -> list[str]:
        """Parquet leaf paths of the dictionary-encoded columns, as the writer's ``use_dictionary`` takes them."""
        return [path for c in self.columns if c.dictionary for path in parquet_leaf_paths(c.arrow_field())]

    def statistics_paths(self) -> list[str]:
        """Parquet leaf paths that get min/max statistics: every leaf but text. Readers prune files on dates,
        instants, counts and flags; text statistics (ids, ARNs, names) hardly ever rule a file out, since every
        file spans nearly the whole range of ids, and computing them was a sixth of the Parquet encoding time
        (2.1 of 12.5 ms for the tables of a 6,000-principal account; statistics on the other leaves: 0.1 ms)."""
        return [
            path
            for c in self.columns
            for path, kind in parquet_leaves(c.arrow_field())
            if not (pa.types.is_string(kind) or pa.types.is_binary(kind))
        ]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def contract(self) -> dict:
        """A plain, diffable description of the table: what the golden files store."""
        return {
            "table": self.name,
            "schema_version": SCHEMA_VERSION,
            "primary_key": list(self.primary_key),
            "columns": [
                {
                    "name": c.name,
                    "type": str(c.type),
                    "required": c.required,
                    "allowed": list(c.allowed),
                }
                for c in self.columns
            ],
        }


def parquet_leaf_paths(f: pa.Field) -> list[str]:
    """Dotted paths of the Parquet leaf columns an Arrow field is written as (maps as ``key_value.key`` and
    ``key_value.value``, lists as ``list.<element>``), which is how the writer names per-column options."""
    return [path for path, _ in parquet_leaves(f)]


def parquet_leaves(f: pa.Field) -> list[tuple[str, pa.DataType]]:
    """(dotted path, Arrow type) of each Parquet leaf column an Arrow field is written as."""
    t = f.type
    if pa.types.is_map(t):
        return [
            (f"{f.name}.key_value.{p}", k) for c in (t.key_field, t.item_field) for p, k in parquet_leaves(c)
        ]
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return [(f"{f.name}.list.{p}", k) for p, k in parquet_leaves(t.value_field)]
    if pa.types.is_struct(t):
        return [(f"{f.name}.{p}", k) for i in range(t.num_fields) for p, k in parquet_leaves(t.field(i))]
    return [(f.name, t)]


def table(name: str, description: str, columns: list[Column], key: list[str]) -> TableSpec:
    """Declare a snapshot table: provenance columns first, then the table's own."""
    return TableSpec(
        name,
        description,
        PROVENANCE + tuple(columns),
        tuple(["provider", "tenant_id", "snapshot_date", *key]),
    )
