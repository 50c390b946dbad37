"""Schema v1: the tables every provider writes and everything downstream reads."""

from ._base import SCHEMA_VERSION, Column, TableSpec
from .changes import CHANGES
from .collection import COLLECTION
from .credentials import CREDENTIALS
from .dispositions import FINDING_DISPOSITIONS
from .findings import FINDINGS
from .grants import GRANTS
from .ledger import LEDGER_TABLES
from .people import PEOPLE_INDEX
from .principals import PRINCIPALS
from .role_definitions import ROLE_DEFINITIONS
from .validate import SchemaViolation, to_table, validate_table

#: Tables of an identity snapshot, in the order they are written.
SNAPSHOT_TABLES: dict[str, TableSpec] = {
    t.name: t for t in (PRINCIPALS, CREDENTIALS, GRANTS, ROLE_DEFINITIONS, COLLECTION)
}
#: Tables derived from sealed snapshots (changes, findings, ledger, people index, dispositions); declared in their own
#: modules and registered here so that golden copies, docs and contract tests cover them too.
DERIVED_TABLES: dict[str, TableSpec] = {
    t.name: t for t in (CHANGES, FINDINGS, *LEDGER_TABLES, PEOPLE_INDEX, FINDING_DISPOSITIONS)
}
#: Every declared table.
ALL_TABLES: dict[str, TableSpec] = {**SNAPSHOT_TABLES, **DERIVED_TABLES}
#: The tables whose completeness the collection table vouches for.
INVENTORY_TABLES = ("principals", "credentials", "grants", "role_definitions")

__all__ = [
    "ALL_TABLES",
    "CHANGES",
    "COLLECTION",
    "DERIVED_TABLES",
    "FINDINGS",
    "FINDING_DISPOSITIONS",
    "CREDENTIALS",
    "GRANTS",
    "INVENTORY_TABLES",
    "PEOPLE_INDEX",
    "PRINCIPALS",
    "ROLE_DEFINITIONS",
    "SCHEMA_VERSION",
    "SNAPSHOT_TABLES",
    "Column",
    "SchemaViolation",
    "TableSpec",
    "to_table",
    "validate_table",
]
