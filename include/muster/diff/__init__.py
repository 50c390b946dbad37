"""Changes between a tenant's sealed snapshot and its latest complete earlier one (DESIGN.md §3, §5).

Pure over Arrow tables (`diff_table`, `diff_aligned`), plus `derive_changes`, which reads sealed snapshots,
checks them, and seals the result as the `changes` partition.
"""

from .compare import Delta, diff_aligned
from .derive import DiffError, changes_on, compute_changes, derive_changes, plan
from .table import Side, diff_table

__all__ = [
    "Delta",
    "DiffError",
    "Side",
    "changes_on",
    "compute_changes",
    "derive_changes",
    "diff_aligned",
    "diff_table",
    "plan",
]
